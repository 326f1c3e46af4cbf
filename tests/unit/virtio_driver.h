/*
 * virtio_driver.h: a minimal virtio-mmio driver for unit tests of host
 * devices: the handshake, queue setup and publishing chains, all written
 * into a simulated guest RAM (struct guest_memory) the device reads.
 *
 * Queue q's rings live at VDRV_RING_GPA(q): descriptors, then the available
 * ring at +0x200, the used ring at +0x400; size VDRV_QSIZE.
 *
 * Devices serve their queues on a worker thread. A notify written with
 * vdrv_wr (or vdrv_add_chain) returns once the worker has served what was
 * notified (virtio_mmio_drain), so a test reads the results right after;
 * vdrv_notify_nowait returns at once, as a vCPU's write does.
 */
#ifndef VIRTIO_DRIVER_H
#define VIRTIO_DRIVER_H

#include "devices/virtio_mmio.h"

#define VDRV_QSIZE 16
#define VDRV_RING_GPA(q) (0x10000ull + (uint64_t)(q) * 0x1000)
#define VDRV_AVAIL_GPA(q) (VDRV_RING_GPA(q) + 0x200)
#define VDRV_USED_GPA(q) (VDRV_RING_GPA(q) + 0x400)

struct vdrv {
	struct virtio_mmio *t;
	const struct guest_memory *mem;
	uint16_t avail_idx[VIRTIO_MMIO_MAX_QUEUES];
};

struct vdrv_buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

uint32_t vdrv_rd(struct vdrv *d, uint64_t off);
void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v);
void *vdrv_gpa(struct vdrv *d, uint64_t gpa);
void vdrv_setup_queue(struct vdrv *d, unsigned q);
/* The handshake up to DRIVER_OK with these feature words; sets up
 * nr_queues queues; returns whether FEATURES_OK stuck. */
bool vdrv_negotiate(struct vdrv *d, uint32_t features_lo, unsigned nr_queues);
/* Sets DRIVER_OK and waits until the worker has served what it looked at. */
void vdrv_driver_ok(struct vdrv *d);
/* vdrv_negotiate, then vdrv_driver_ok; returns whether FEATURES_OK stuck. */
bool vdrv_init(struct vdrv *d, uint32_t features_lo, unsigned nr_queues);
/* Publishes a chain of n buffers using descriptors from `first` on. */
void vdrv_publish_chain(struct vdrv *d, unsigned q, uint16_t first, const struct vdrv_buf *b,
			unsigned n);
/* Publishes, then notifies and waits until the device has served it. */
void vdrv_add_chain(struct vdrv *d, unsigned q, uint16_t first, const struct vdrv_buf *b,
		    unsigned n);
void vdrv_notify_nowait(struct vdrv *d, unsigned q);
uint16_t vdrv_used_idx(struct vdrv *d, unsigned q);
/* The `written` length of used element i of queue q. */
uint32_t vdrv_used_len(struct vdrv *d, unsigned q, uint16_t i);
bool vdrv_needs_reset(struct vdrv *d);

#endif
