/*
 * blk.h: a virtio block device (device id 2; virtio 1.x section 5.2) over
 * a host file, used for guest swap (`memvisor run --swap FILE[:SIZE]`).
 *
 * One request queue. A request is a chain: a device-readable header
 * {type, reserved, sector}, data buffers (device-writable for reads,
 * device-readable for writes) and a final device-writable status byte.
 * Chains of another shape are protocol violations (DEVICE_NEEDS_RESET);
 * a status descriptor longer than its one byte (data and status merged,
 * as VIRTIO_F_ANY_LAYOUT would allow) is answered VIRTIO_BLK_S_IOERR in
 * the chain's last byte without touching the data;
 * a request outside the disk gets VIRTIO_BLK_S_IOERR, and an unknown type
 * VIRTIO_BLK_S_UNSUPP, as the spec says. Requests are served synchronously
 * when the driver notifies.
 *
 * The config is read-only to the driver: the spec's one driver-writable
 * field, writeback, exists only with VIRTIO_BLK_F_CONFIG_WCE, which is not
 * offered. Whatever the config says, I/O is bounded by disk_sectors, the
 * size the file had when it was opened: a guest cannot grow the file.
 *
 * All state is protected by the transport's lock.
 */
#ifndef VMM_BLK_H
#define VMM_BLK_H

#include "virtio_mmio.h"

#define BLK_SECTOR_SIZE       512
#define BLK_ID_BYTES          20

struct blk_config {
	uint64_t capacity;             /* in 512-byte sectors */
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint32_t blk_size;
} __attribute__((packed));

struct blk {
	struct virtio_mmio transport;
	struct blk_config config;
	int fd;
	uint64_t disk_sectors;         /* the file's size at open; I/O stays below */
	char id[BLK_ID_BYTES + 1];
	uint64_t reads, writes, flushes, errors; /* requests served */
	uint64_t bytes_read, bytes_written;
	struct virtq_chain chain;      /* scratch */
};

/*
 * Parses "FILE" or "FILE:SIZE"; opens FILE read-write, creating it at SIZE
 * (default 256M) when absent; an existing file keeps its size (SIZE, if
 * given, must match). Returns 0 or -1 with the reason in err.
 */
int blk_open(struct blk *b, const char *arg, char *err, size_t errlen);

/* Attaches the transport; call after blk_open. */
void blk_attach(struct blk *b, const struct guest_memory *mem, uint64_t base,
		struct irq_line irq);

void blk_close(struct blk *b);

#endif
