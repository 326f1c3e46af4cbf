/*
 * virtqueue.h: split virtqueues (virtio 1.x, section 2.7) read and written
 * in guest RAM, with every guest-provided value validated before use.
 *
 * Nothing the driver writes is trusted: ring addresses and sizes must lie
 * in RAM and be aligned, the avail index may run at most num ahead, heads
 * and next links must be < num, a chain may not be longer than num (so no
 * loop survives), every buffer must lie wholly inside one RAM slot, and the
 * direction (device-readable or device-writable) must be what the device
 * asks for. Indirect descriptors are not offered, so one is a violation.
 * A violation is reported as -EINVAL with a reason; the device then marks
 * itself DEVICE_NEEDS_RESET (virtio_mmio.c) and touches the queue no more.
 *
 * Callers serialise all operations on one queue (the transport's lock).
 */
#ifndef VMM_VIRTQUEUE_H
#define VMM_VIRTQUEUE_H

#include "memory.h"
#include "virtio_spec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE  256

struct virtq {
	uint16_t num;                /* queue size set by the driver (power of 2) */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail;         /* next avail entry the device will take */
	uint16_t used_idx;           /* device's copy of used->idx */
	/* host views of the rings, valid while ready */
	struct virtq_desc *desc;
	volatile uint16_t *avail;    /* flags, idx, ring[num] */
	volatile uint8_t *used;      /* flags, idx, ring[num] of {id, len} */
};

/* One buffer of a chain: where it is on the host and how long. */
struct virtq_buf {
	uint64_t gpa;
	uint8_t *hva;
	uint32_t len;
	bool writable;
};

struct virtq_chain {
	uint16_t head;
	unsigned nr;                 /* buffers in buf[] */
	struct virtq_buf buf[VIRTQ_MAX_SIZE];
};

/* Direction a device accepts for a queue's buffers. */
enum virtq_dir { VIRTQ_DEV_READS, VIRTQ_DEV_WRITES, VIRTQ_ANY };

/* Clears a queue back to its reset state. */
void virtq_reset(struct virtq *q);

/*
 * Validates num and the three ring addresses against RAM and maps them.
 * Returns 0, or a negative errno with the reason in err.
 */
int virtq_enable(struct virtq *q, const struct guest_memory *m, struct mv_error *err);

/*
 * Takes the next available chain. Returns 1 with *c filled, 0 when the
 * driver has published nothing new, or -EINVAL on a violation (reason in err).
 */
int virtq_pop(struct virtq *q, const struct guest_memory *m, enum virtq_dir dir,
	      struct virtq_chain *c, struct mv_error *err);

/* Returns a chain to the driver with `written` bytes produced. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/* Whether the driver asked not to be interrupted (VIRTQ_AVAIL_F_NO_INTERRUPT). */
bool virtq_interrupt_suppressed(const struct virtq *q);

#endif
