/*
 * snapfile.h: reads a snapshot file (snapfmt.h) back, checking every
 * magic, version, length and offset before use. A malformed file yields
 * one line in err and nothing else; nothing is trusted from it until it
 * has been checked, and all records are copied out (never used in place),
 * so alignment in the file does not matter.
 */
#ifndef VMM_SNAPFILE_H
#define VMM_SNAPFILE_H

#include "snapfmt.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

#define SNAPFILE_MAX_SPACES 4096

struct snap_space_view {
	struct snap_space hdr;
	struct snap_range *ranges;     /* hdr.nr_ranges */
};

struct snap_bitmap_view {
	uint32_t slot;
	bool valid;
	uint64_t pages, count;
	uint8_t *bits;                 /* (pages + 7) / 8 bytes or more; NULL if none */
};

/* A vCPU's system registers and its GDT (gdt_bytes bytes, NULL if none). */
struct snap_cpu_view {
	struct snap_cpu hdr;
	uint8_t *gdt;
};

/* A save note (SNAP_SAVE_FIRST..LAST), copied out unread: vmm/save/
 * decodes and checks it. */
#define SNAPFILE_MAX_SAVE_NOTES 1024
struct snap_note_view {
	uint32_t type;
	size_t len;
	uint8_t *desc;
};

/* A PT_LOAD segment: where its bytes are in the file. */
struct snap_load {
	uint64_t paddr, vaddr, offset, filesz;
};

struct snap_file {
	struct snap_meta meta;
	int nr_cpus;                   /* NT_PRSTATUS notes */
	struct snap_slot *slots;
	size_t nr_slots;
	struct snap_space_view *spaces;
	size_t nr_spaces;
	struct snap_zone *zones;
	size_t nr_zones;
	struct snap_slab *slabs;
	size_t nr_slabs;
	struct snap_counter *vmstat;
	size_t nr_vmstat;
	struct snap_bitmap_view *host, *dirty;
	size_t nr_host, nr_dirty;
	char *log;                     /* NUL-terminated, or NULL */
	char *vmcoreinfo;              /* a Linux guest's VMCOREINFO text (vmcoreinfo.h),
					* NUL-terminated, or NULL */
	struct snap_cpu_view *cpus;    /* SNAP_NT_CPU notes, in file order */
	size_t nr_cpu_notes;
	int nr_loads;                  /* PT_LOAD segments (guest memory) */
	struct snap_load *loads;       /* nr_loads, in file order */
	struct snap_load disk;         /* the SNAP_PT_DISK segment, if has_disk */
	bool has_disk;
	struct snap_note_view *save_notes; /* in file order */
	size_t nr_save_notes;
};

/* Returns 0, or a negative errno with one line in err. *f is empty on failure. */
int snapfile_read(struct snap_file *f, const char *path, struct mv_error *err);

/* The same for a file already in memory (used by tests and fuzzing). */
int snapfile_parse(struct snap_file *f, const void *buf, size_t len, struct mv_error *err);

void snapfile_free(struct snap_file *f);

/* The space with this pid (SNAP_KERNEL_PID for the kernel), or NULL. */
const struct snap_space_view *snapfile_space(const struct snap_file *f, int32_t pid);

#endif
