/*
 * restore.h: puts a checked save image (savefile.h) into a machine that
 * machine_assemble built with the saved shape, before its vCPUs start.
 *
 * Order: guest RAM first (the pages the file holds; the rest stays zero),
 * then the in-kernel PICs, IOAPIC, PIT and KVM clock, then each vCPU
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

/* Returns 0, or a negative errno with one line in err. path is the file
 * img was read from (its RAM pages are read from it). */
int restore_machine(struct machine *m, const struct save_image *img, const char *path,
		    struct mv_error *err);

#endif
