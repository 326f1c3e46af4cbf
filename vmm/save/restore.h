/*
 * restore.h: puts a checked save image (savefile.h) into a machine that
 * machine_assemble built with the saved shape, before its vCPUs start.
 *
 * Order: guest RAM first: restore_load_ram reads the pages the file holds
 * (the rest stays zero), or lazy_start (lazy.h) lets them come on demand;
 * then restore_machine: the in-kernel PICs, IOAPIC, PIT and KVM clock, then each vCPU
 * (registers, XSAVE, XCRs, sregs, MSRs, MP state, LAPIC after the
 * irqchip, debug registers, pending events last; kvm.h), then the
 * devices, whose interrupt lines are driven to their saved levels and
 * whose workers look at every ready queue once. A failure at any step
 * leaves a machine that must not run: the caller destroys it.
 */
#ifndef VMM_RESTORE_H
#define VMM_RESTORE_H

#include "machine.h"
#include "savefile.h"

/* Reads pages [first, first+n) of slot r from the save file fd into dst,
 * retrying short reads. Returns 0, -EIO at an early end of file, or a
 * negative errno. */
int restore_read_pages(int fd, const struct save_ram *r, uint64_t first, uint64_t n, void *dst);

/* Reads the saved pages of path (the file img was read from) into RAM;
 * for a diff save, its bases' pages first (savefile_read_chain). Returns
 * 0, or a negative errno with one line in err. */
int restore_load_ram(struct machine *m, const struct save_image *img, const char *path,
		     struct mv_error *err);

/*
 * Writes the saved swap disk of img (read from path) to the file target,
 * atomically (a temporary file beside it, renamed over it), holes kept:
 * the restored guest's disk, which it then writes as it runs, so the save
 * file can be restored again. Before the VM is built. Returns 0, or a
 * negative errno with one line in err.
 */
int restore_disk(const struct save_image *img, const char *path, const char *target,
		 struct mv_error *err);

/* The chips, vCPUs and devices. Returns 0, or a negative errno with one
 * line in err. */
int restore_machine(struct machine *m, const struct save_image *img, struct mv_error *err);

#endif
