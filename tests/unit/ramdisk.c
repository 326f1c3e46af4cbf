/*
 * ramdisk.c: a RAM disk for swap devices in host tests (ramdisk.h).
 * State is the caller's struct ramdisk, passed as the hook's ctx.
 */
#include <string.h>

#include "ramdisk.h"

int ramdisk_rw(void *ctx, bool write, uint64_t slot, const phys_addr_t *pa, unsigned n)
{
	struct ramdisk *r = ctx;
	int err = r->fail;

	r->requests++;
	r->fail = 0;
	if (err)
		return err;
	if (slot + n > r->nr_slots)
		return -MM_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		void *frame = mm_phys_to_virt(pa[i]);
		if (write)
			memcpy(r->data[slot + i], frame, MM_PAGE_SIZE);
		else
			memcpy(frame, r->data[slot + i], MM_PAGE_SIZE);
	}
	r->pages_written += write ? n : 0;
	return 0;
}
