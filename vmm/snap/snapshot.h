/*
 * snapshot.h: takes a snapshot of a machine into an ELF64 core file
 * (format: snapfmt.h). The VM is paused while its state is read and
 * resumed afterwards (unless it was paused or has ended already).
 *
 * Writing is atomic: a temporary file beside the target is written,
 * fsync'ed and renamed over it, so a reader never sees half a snapshot and
 * a failed snapshot leaves an earlier file of the same name intact.
 *
 * Files are created mode 0600 (SNAPSHOT_FILE_MODE), whatever the umask
 * allows: a snapshot holds the guest's page tables and kernel log, a crash
 * dump (memory = true) all of its RAM, and neither is anyone else's to read.
 *
 * Layer: snapshots (vmm/snap/, after the runtime): the core-file format,
 * writer and reader, guest introspection through mv_info, the page-table
 * walker, the diff as a library and the JSON records every output shares.
 */
#ifndef VMM_SNAPSHOT_H
#define VMM_SNAPSHOT_H

#include "machine.h"

#include <stdbool.h>
#include <stddef.h>

#define SNAPSHOT_FILE_MODE 0600

/* A note a caller adds (a save's state): head then body, as one descriptor. */
struct snap_extra_note {
	uint32_t type;
	const void *head;
	size_t head_len;
	const void *body;
	size_t body_len;
};

struct snap_request {
	const char *path;
	bool memory;         /* add PT_LOAD segments with all guest RAM */
	const char *reason;  /* recorded in the metadata */
	/* with memory: per slot, a bitmap of the pages to write (1 bit per
	 * 4 KiB page); the others stay holes that read zero. NULL: all. */
	const uint8_t *const *pages;
	/* per slot, the host-resident pages (mem_slot_residency) when the
	 * caller read them already with the VM paused (a save); NULL: read here */
	const uint8_t *const *resident;
	const struct snap_extra_note *extra; /* appended after the others */
	size_t nr_extra;
	/* with memory and disk_size > 0: disk_size bytes of the file disk_fd
	 * copied, holes kept, into a SNAP_PT_DISK segment after RAM (a save's
	 * swap disk) */
	int disk_fd;
	uint64_t disk_size;
};

/* Returns 0, or a negative errno with the reason in err (nothing written then). */
int snapshot_take(struct machine *m, const struct snap_request *r, struct mv_error *err);

#endif
