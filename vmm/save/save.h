/*
 * save.h: saves a running machine into a file it can be restored from
 * (`memvisor save SOCK FILE`, restore.h). The file is a snapshot with
 * memory (snapshot.h, so `show`, `diff` and gdb read it) plus the save
 * notes of snapfmt.h: every vCPU's full state, the in-kernel chips, each
 * device's registers and queues, only the RAM pages the guest touched,
 * and the swap disk's bytes (its data extents; SNAP_PT_DISK), since the
 * guest's swapped-out pages live there and the disk runs on after a save.
 *
 * Consistency: the VM is paused first (vm_pause): every vCPU is parked
 * outside KVM_RUN with its last exit's I/O completed, and every virtio
 * worker is held, which returns only once the chain in flight is pushed
 * (the device's request is drained, not saved half done); notifies not
 * yet served are saved as pending and served after the restore. Nothing
 * changes guest memory or device state until the VM resumes.
 *
 * Layer: save and restore (vmm/save/, after snapshots): uses the runtime's
 * state get/set functions and the snapshot writer and reader.
 */
#ifndef VMM_SAVE_H
#define VMM_SAVE_H

#include "lazy.h"
#include "machine.h"

#include <stdbool.h>

struct save_result {
	uint64_t pages_saved;          /* RAM pages written to the file */
	uint64_t pages_total;
};

struct save_opts {
	const char *path;
	bool stop;                     /* end the VM (status 0) once saved */
	const char *since;             /* a diff save against this save file, or NULL */
	struct lazy_restore *lazy;     /* the lazy restore m runs under, or NULL */
};

/*
 * Writes m's state to o->path atomically (temporary file, fsync, rename).
 * With o->lazy, pages not filled yet are saved too (read through the
 * fill: lazy.h). With o->since, only the pages changed since that save
 * are written (snapfmt.h), which must be the save m's change tracking
 * counts from: its last save, or the file it was restored from. From
 * the first save on, KVM logs the guest's writes (memory.h) for the next
 * diff save. The VM runs on afterwards unless o->stop or it was paused
 * before. Returns 0, or a negative errno with one line in err (nothing
 * written then).
 */
int save_take(struct machine *m, const struct save_opts *o, struct save_result *res,
	      struct mv_error *err);

#endif
