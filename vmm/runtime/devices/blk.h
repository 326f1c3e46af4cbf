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
 * VIRTIO_BLK_S_UNSUPP, as the spec says. Requests are served by the
 * transport's worker (virtio_mmio.h), one chain at a time, never on a vCPU.
 *
 * The config is read-only to the driver: the spec's one driver-writable
 * field, writeback, exists only with VIRTIO_BLK_F_CONFIG_WCE, which is not
 * offered. Whatever the config says, I/O is bounded by disk_sectors, the
 * size the file had when it was opened: a guest cannot grow the file.
 *
 * Locking: the counters are protected by the transport's lock, taken by
 * the worker only to pop a chain and to push it with its counts; the file
 * I/O between runs without any lock, so `stats` (control.c reads the
 * counters under the lock), the balloon and the vCPUs never wait for the
 * disk. fd, disk_sectors, id and io are set before the transport starts
 * and only read after; `chain` is the worker's alone.
 */
#ifndef VMM_BLK_H
#define VMM_BLK_H

#include "virtio_mmio.h"

#include <sys/types.h>

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

struct blk;

/* How requests reach the disk: the host file (pread, pwrite, fdatasync on
 * fd) unless a test puts a backend of its own in blk.io before attaching.
 * Each returns what the system call it stands for returns. */
struct blk_io_ops {
	ssize_t (*read)(struct blk *b, void *buf, size_t len, uint64_t off);
	ssize_t (*write)(struct blk *b, const void *buf, size_t len, uint64_t off);
	int (*flush)(struct blk *b);
};

struct blk {
	struct virtio_mmio transport;
	const struct blk_io_ops *io;
	struct blk_config config;
	int fd;
	uint64_t disk_sectors;         /* the file's size at open; I/O stays below */
	bool attached;                 /* the transport (and its worker) is up */
	char id[BLK_ID_BYTES + 1];
	uint64_t reads, writes, flushes, errors; /* requests served */
	uint64_t bytes_read, bytes_written;
	struct virtq_chain chain;      /* the chain in flight (worker only) */
};

/*
 * Parses "FILE" or "FILE:SIZE"; opens FILE read-write, creating it at SIZE
 * (default 256M) when absent; an existing file keeps its size (SIZE, if
 * given, must match). Returns 0 or a negative errno with the reason in err.
 */
int blk_open(struct blk *b, const char *arg, struct mv_error *err);

/* Attaches the transport and starts its worker; call after blk_open.
 * Returns 0 or a negative errno. */
int blk_attach(struct blk *b, const struct guest_memory *mem, uint64_t base,
	       struct irq_line irq);

/* The device's own state for save and restore (a fixed record,
 * snapfmt.h): the backing file (its absolute path and size) and the
 * counters. The data is the file's: a restore opens the same file. */
#define BLK_STATE_PATH 1024
struct blk_state {
	char path[BLK_STATE_PATH];
	uint64_t disk_sectors;
	uint64_t reads, writes, flushes, errors;
	uint64_t bytes_read, bytes_written;
};
/* Returns 0, or -ENAMETOOLONG when the file's path does not fit. */
int blk_get_state(struct blk *b, struct blk_state *st);
/* Loads the counters; -EINVAL when the disk's size is not the saved one. */
int blk_set_state(struct blk *b, const struct blk_state *st);

/*
 * Copies len bytes of in (from in_off) to out (at out_off), data extents
 * only (SEEK_DATA/SEEK_HOLE); the other ranges of out are punched into
 * holes (they read zero either way). For a disk's bytes into a save file
 * and back. Returns 0 or a negative errno.
 */
int blk_copy_sparse(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len);

/* Stops the worker (if attached) and closes the file. */
void blk_close(struct blk *b);

#endif
