/*
 * ramdisk.h: the disk behind a swap device in host tests (swapdev.h's
 * page I/O hook over RAM): one page per slot, counters of requests and
 * pages written, and a way to fail the next request.
 *
 * Interface:
 *   ramdisk_rw   a struct swapdev_io rw with the struct ramdisk as ctx
 */
#ifndef RAMDISK_H
#define RAMDISK_H

#include "swapdev.h"

struct ramdisk {
	uint8_t (*data)[MM_PAGE_SIZE];  /* nr_slots pages, the caller's */
	uint64_t nr_slots;
	unsigned requests;              /* rw calls */
	unsigned long pages_written;
	int fail;                       /* nonzero: the next request returns it */
};

/*
 * Copies n pages at pa[] to or from slots [slot, slot + n). Returns 0,
 * the armed failure (once), or -MM_EINVAL past the last slot.
 */
int ramdisk_rw(void *ctx, bool write, uint64_t slot, const phys_addr_t *pa, unsigned n);

#endif
