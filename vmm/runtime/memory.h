/*
 * memory.h: guest RAM: its layout in guest-physical space, its host backing,
 * GPA <-> HVA translation and the e820 map the guest is told.
 *
 * Layout (docs/contracts.md, "Guest-physical memory"): RAM fills [0, min(size, 3 GiB)); whatever is left
 * goes at [4 GiB, 4 GiB + rest). Each RAM range is one KVM memory slot.
 * The legacy hole [0xa0000, 0x100000) stays backed but is reported reserved.
 * All RAM is one host mapping, so slots are contiguous in host memory.
 *
 * Invariant: every pointer handed out by mem_gpa_to_hva covers the whole
 * requested length inside one slot; guest-supplied addresses are only ever
 * dereferenced through it.
 */
#ifndef VMM_MEMORY_H
#define VMM_MEMORY_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEM_LOW_TOP      0xc0000000ull  /* RAM below the MMIO hole ends here */
#define MEM_HIGH_BASE    0x100000000ull /* RAM above 4 GiB starts here */
#define MEM_LEGACY_START 0xa0000ull
#define MEM_LEGACY_END   0x100000ull
#define MEM_MIN_SIZE     (4ull << 20)
#define MEM_MAX_SIZE     (1ull << 40)
#define MEM_MAX_SLOTS    2

enum mem_backing { MEM_BACKING_ANON, MEM_BACKING_MEMFD, MEM_BACKING_HUGETLB };

struct mem_slot {
	uint32_t id;       /* KVM slot number */
	uint64_t gpa;      /* first guest-physical address */
	uint64_t size;     /* bytes */
	uint8_t *hva;      /* host address of gpa */
	uint64_t offset;   /* offset of gpa's bytes in the backing */
};

/* Told of every discard before the host memory goes (lazy.h: a page the
 * guest gives away must not be filled with its saved bytes afterwards). */
struct mem_discard_hook {
	void (*fn)(void *ctx, int slot, uint64_t first_page, uint64_t nr_pages);
	void *ctx;
};

struct guest_memory {
	uint64_t ram_size;
	enum mem_backing backing;
	int fd;            /* memfd for memfd/hugetlb backing, else -1 */
	uint8_t *base;     /* the one host mapping of all RAM */
	int nr_slots;
	struct mem_slot slots[MEM_MAX_SLOTS];
	bool dirty_logging;    /* slots registered with KVM_MEM_LOG_DIRTY_PAGES */
	/* KVM's dirty log, read (and cleared in KVM) into one bitmap per
	 * reader, each reader clearing only its own: snapshots' pages written
	 * since the last snapshot, and, from mem_track_changes on, diff
	 * saves' pages changed since the last save (guest writes, and host
	 * writes: mem_note_written, mem_discard; atomics). The VMM's control
	 * thread reads them, with the VM paused. */
	uint8_t *snap_dirty[MEM_MAX_SLOTS];
	uint8_t *changed[MEM_MAX_SLOTS];
	uint64_t changes_since; /* the save (its ID) changed[] counts from; 0: none */
	struct mem_discard_hook discard_hook; /* fn NULL: none; set and cleared while
					       * no device runs (before start, after vm_wait) */
};

/* e820 entry types, as in the PVH memmap. */
#define E820_RAM      1
#define E820_RESERVED 2

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/*
 * Checks that ram_size is usable: a whole number of pages between
 * MEM_MIN_SIZE and MEM_MAX_SIZE. Returns 0 or a negative errno with a reason in err.
 */
int mem_check_size(uint64_t ram_size, struct mv_error *err);

/* Fills slots[] (gpa, size, offset only) for ram_size; returns how many. */
int mem_layout(uint64_t ram_size, struct mem_slot slots[MEM_MAX_SLOTS]);

/* Writes the guest's e820 map for ram_size; returns the entry count. */
int mem_build_e820(uint64_t ram_size, struct e820_entry *out, int max);

/* Parses "anon", "memfd" or "hugetlb". Returns 0 or -EINVAL. */
int mem_parse_backing(const char *s, enum mem_backing *out);

/*
 * Reserves and backs guest RAM on the host. Returns 0, or a negative errno with a reason
 * in err (nothing is left allocated then).
 */
int mem_init(struct guest_memory *m, uint64_t ram_size, enum mem_backing backing,
	     struct mv_error *err);

/* Registers every slot with KVM. Returns 0 or -errno. */
int mem_register(const struct guest_memory *m, int vm_fd);

void mem_destroy(struct guest_memory *m);

/* The slot holding gpa, or NULL. */
const struct mem_slot *mem_slot_of(const struct guest_memory *m, uint64_t gpa);

/*
 * Host pointer to [gpa, gpa+len) when that range lies wholly inside one RAM
 * slot (len 0 counts as 1 byte); NULL otherwise, including on overflow.
 */
void *mem_gpa_to_hva(const struct guest_memory *m, uint64_t gpa, uint64_t len);

/*
 * Gives the host memory behind [gpa, gpa+len) back (page aligned, inside one
 * slot): MADV_DONTNEED for anonymous backing, a punched hole for memfd and
 * hugetlb (the discard hook told first). The guest reads zeros there
 * afterwards. Returns 0 or -errno
 * (-EINVAL for a range that is not aligned RAM).
 */
int mem_discard(const struct guest_memory *m, uint64_t gpa, uint64_t len);

/* Resident host pages of guest RAM (mincore), or a negative errno. */
int64_t mem_resident_pages(const struct guest_memory *m);

/*
 * Dirty logging for snapshots: the first call re-registers every slot with
 * KVM_MEM_LOG_DIRTY_PAGES and returns 0 with *valid = false; later calls
 * give each slot's pages written since the call before into bitmaps[slot]
 * (1 bit per page, mem_dirty_bitmap_bytes() each) with *valid = true.
 * Returns 0 or -errno.
 */
int mem_dirty_log(struct guest_memory *m, int vm_fd, uint8_t *bitmaps[MEM_MAX_SLOTS],
		  bool *valid);

/*
 * Change tracking for diff saves, with the VM paused. mem_track_changes
 * starts it (dirty logging on) or starts it over: from now on changed[]
 * counts from the save named save_id. mem_collect_changes gives the pages
 * changed since then (bitmaps as above), and leaves them counted (a save
 * that fails loses nothing). Both return 0 or -errno; collecting without
 * tracking is -ENOENT.
 */
int mem_track_changes(struct guest_memory *m, int vm_fd, uint64_t save_id);
int mem_collect_changes(struct guest_memory *m, int vm_fd, uint8_t *bitmaps[MEM_MAX_SLOTS]);

/* The host wrote (or may have written) [gpa, gpa+len): device DMA, which
 * KVM's dirty log does not see. Anything outside RAM is ignored. */
void mem_note_written(const struct guest_memory *m, uint64_t gpa, uint64_t len);
size_t mem_dirty_bitmap_bytes(const struct mem_slot *s);

/* Residency of a slot's pages on the host: 1 bit per page into bitmap
 * (mem_dirty_bitmap_bytes() long). Returns the resident count or a negative errno. */
int64_t mem_slot_residency(const struct mem_slot *s, uint8_t *bitmap);
/* Resident host pages of guest RAM [gpa, gpa + size), which one slot
 * holds; -EFAULT when none does, else mincore's error. */
int64_t mem_range_residency(const struct guest_memory *m, uint64_t gpa, uint64_t size);

/* Copies to/from guest RAM; returns 0 or -EFAULT when the range is not RAM. */
int mem_write(const struct guest_memory *m, uint64_t gpa, const void *src, uint64_t len);
int mem_read(const struct guest_memory *m, uint64_t gpa, void *dst, uint64_t len);

#endif
