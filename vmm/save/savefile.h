/*
 * savefile.h: reads a save file (save.h) back and checks all of it before
 * anything is built from it: the snapshot reader's checks (snapfile.h),
 * then the save notes: the save format version, each record's size, the
 * VM's shape (RAM size and slot layout, vCPU count and ids, the device
 * set), one RAM PT_LOAD per slot, page bitmaps that fit their slots, a
 * balloon bitmap whose count is the one recorded, and a --numa VM's nodes
 * (checked as numa_parse checks a spec). A file that fails any
 * check yields one line in err and nothing else; nothing in it is used
 * before it is checked (fuzzed: tests/fuzz/fuzz_savefile.c).
 *
 * Interface: savefile_read (a path; savefile_read_chain with the bases of
 * a diff save) or savefile_parse (a buffer), then
 * savefile_check_host (the CPU, needs /dev/kvm but creates no VM), then
 * restore_machine (restore.h); savefile_free.
 */
#ifndef VMM_SAVEFILE_H
#define VMM_SAVEFILE_H

#include "kvm.h"
#include "numa.h"
#include "snapfile.h"
#include "devices/balloon.h"
#include "devices/blk.h"
#include "devices/serial.h"

/* Where one slot's saved pages are in the file. */
struct save_ram {
	uint64_t gpa, size;
	uint64_t file_offset;          /* of the slot's first byte (page aligned) */
	const uint8_t *bits;           /* pages present, size / 4096 bits */
	uint64_t saved;
};

struct save_image {
	struct snap_file file;         /* owns the note copies the pointers below use */
	struct snap_save hdr;
	struct vcpu_state *vcpus;      /* hdr.nr_cpus, indexed by vCPU id */
	struct vm_chip_state chips;
	struct serial_state serial;
	struct virtio_mmio_state virtio[2]; /* 0 balloon, 1 swap disk (with SNAP_SAVE_DEV_BLK) */
	struct balloon_state balloon;
	const uint8_t *balloon_held;   /* balloon.nr_pfns bits */
	struct blk_state blk;
	int nr_slots;
	struct save_ram ram[MEM_MAX_SLOTS];
	struct numa_config numa;       /* a --numa VM's nodes (SNAP_NT_NUMA); nr_nodes 0: none */
	struct save_image *base;       /* a diff save's base (savefile_read_chain), owned */
};

/* Returns 0, or a negative errno with one line in err (*img empty then). */
int savefile_parse(struct save_image *img, const void *buf, size_t len, struct mv_error *err);
int savefile_read(struct save_image *img, const char *path, struct mv_error *err);

/*
 * savefile_read, then, for a diff save, its base at the path it names,
 * and that one's base, and so on (at most SNAP_SAVE_MAX_CHAIN): each
 * checked as above, with the save id the diff names and the diff's
 * shape. Returns 0, or a negative errno with one line in err ("FILE: its
 * base BASE is not the save it was made from ..."; *img empty then).
 */
int savefile_read_chain(struct save_image *img, const char *path, struct mv_error *err);

/* Whether this host's CPU (as KVM offers it) is the one the file was saved
 * on. Returns 0, or a negative errno with one line in err. */
int savefile_check_host(const struct save_image *img, struct mv_error *err);

void savefile_free(struct save_image *img);

#endif
