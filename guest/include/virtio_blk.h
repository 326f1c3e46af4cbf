/*
 * virtio_blk.h: the guest's virtio-blk driver (virtio 1.x section 5.2),
 * synchronous page I/O for swap.
 *
 * Interface:
 *   virtio_blk_present    whether a disk was probed
 *   virtio_blk_sectors    its capacity in 512-byte sectors
 *   virtio_blk_rw         reads or writes whole pages at a sector
 *
 * A request is one chain: header, one descriptor per page, status. The
 * caller waits for it: on PVM the device finishes during the notify's VM
 * exit, elsewhere (QEMU) the wait polls the used ring until the device
 * is done. One disk, one request at a time (single CPU, callers never
 * sleep in between).
 */
#ifndef GUEST_VIRTIO_BLK_H
#define GUEST_VIRTIO_BLK_H

#include <mm_port.h>
#include <stdbool.h>

#define VIRTIO_BLK_MAX_PAGES 32   /* pages per request */
#define VIRTIO_BLK_SECTOR_SHIFT 9

bool virtio_blk_present(void);
uint64_t virtio_blk_sectors(void);

/*
 * Transfers n (1..VIRTIO_BLK_MAX_PAGES) pages at physical addresses pa[]
 * to (write) or from the disk, starting at sector. Returns 0, -EINVAL
 * (no disk, bad n, past the end) or -EIO (the device refused or failed).
 */
int virtio_blk_rw(bool write, uint64_t sector, const phys_addr_t *pa, unsigned n);

/* Requests done and failed, for the log and tests. */
struct virtio_blk_stats {
	uint64_t reads, writes, pages_read, pages_written, errors;
};
extern struct virtio_blk_stats virtio_blk_stats;

#endif
