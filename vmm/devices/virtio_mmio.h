/*
 * virtio_mmio.h: the virtio-mmio transport, version 2 (virtio 1.x, section
 * 4.2): the register file a driver programs, queue setup, feature
 * negotiation, status and reset, interrupts, and the device config window.
 *
 * A device is a struct plus a virtio_device_ops table; the transport owns
 * the registers and the queues and calls the device only through the ops.
 * It never knows about vCPUs: it is reached through the MMIO bus and raises
 * its interrupt through an irq_line.
 *
 * Locking: `lock` serialises the registers, the queues and the device's
 * own state, whether the access comes from a vCPU (via the bus) or from a
 * host thread (control socket). Devices' ops run with it held.
 *
 * The device config is the device's: a driver write lands only where the
 * device's config_writable allows (a field the spec makes driver-writable),
 * and is otherwise dropped, whole.
 *
 * The device is live (virtio_mmio_driver_ok) only after the handshake in
 * order: FEATURES_OK accepted, then DRIVER_OK. DRIVER_OK without an
 * accepted FEATURES_OK is refused as a violation: the device does not
 * start and the driver sees DEVICE_NEEDS_RESET (virtio 1.x 2.1.2, 3.1.1).
 *
 * A driver that breaks the rules (see virtqueue.h) puts the device into
 * DEVICE_NEEDS_RESET with one log line; the device then ignores its queues
 * until the driver resets it. Nothing else in the VMM is affected.
 */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include "bus.h"
#include "virtqueue.h"
#include "virtio_spec.h"

#include <pthread.h>

#define VIRTIO_MMIO_BASE       0xd0000000ull
#define VIRTIO_MMIO_SIZE       0x1000
#define VIRTIO_MMIO_FIRST_IRQ  5
#define VIRTIO_MMIO_MAX_QUEUES 8
#define VIRTIO_MMIO_VENDOR     0x5653564du /* "MVSV" */


struct virtio_mmio;

struct virtio_device_ops {
	const char *name;
	uint32_t device_id;
	uint64_t features;                 /* offered, VERSION_1 included */
	unsigned nr_queues;
	/* driver notified queue q; pop, process, push, interrupt */
	void (*notify)(struct virtio_mmio *t, unsigned q);
	/* whether the driver may write config bytes [off, off+size): only
	 * fields the spec makes driver-writable; NULL: the config is read-only */
	bool (*config_writable)(const struct virtio_mmio *t, uint64_t off, unsigned size);
	/* driver wrote config bytes [off, off+size) (config_writable said yes) */
	void (*config_written)(struct virtio_mmio *t, uint64_t off, unsigned size);
	/* status went to 0: forget everything queued */
	void (*reset)(struct virtio_mmio *t);
};

struct virtio_mmio {
	const struct virtio_device_ops *ops;
	void *dev;                         /* the device's own state */
	const struct guest_memory *mem;
	struct irq_line irq;
	uint64_t base;
	uint8_t *config;                   /* device config bytes, owned by dev */
	size_t config_size;

	pthread_mutex_t lock;              /* protects everything below */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct virtq vq[VIRTIO_MMIO_MAX_QUEUES];
	uint64_t violations;               /* times the driver broke the rules */
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		      const struct guest_memory *mem, uint64_t base, struct irq_line irq,
		      uint8_t *config, size_t config_size);
void virtio_mmio_destroy(struct virtio_mmio *t);
extern const struct bus_ops virtio_mmio_ops;

/* Appends " virtio_mmio.device=4K@0xBASE:IRQ" to cmdline (size len). */
int virtio_mmio_cmdline(const struct virtio_mmio *t, char *cmdline, size_t len);

/* With t->lock held: */
bool virtio_mmio_driver_ok(const struct virtio_mmio *t);
bool virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned bit);
void virtio_mmio_interrupt(struct virtio_mmio *t, uint32_t bits);
/* The device changed its config: new generation, config interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);
/* Marks DEVICE_NEEDS_RESET and logs why (one line). */
void virtio_mmio_fail(struct virtio_mmio *t, const char *why);

/* Pops from queue q with the rules above; on a violation fails the device
 * and returns -1. Returns 1 with a chain, 0 when empty. */
int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, enum virtq_dir dir,
		    struct virtq_chain *c);

#endif
