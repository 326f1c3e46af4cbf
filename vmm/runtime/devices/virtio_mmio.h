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
 * Work: each transport has a worker thread (virtio_worker.c). A vCPU's
 * QueueNotify only records the queue in `pending` and wakes the worker;
 * the write returns to the guest at once. The worker serves pending queues
 * in turn, at most VIRTIO_MMIO_BATCH chains per call of the device's
 * process op, and looks at `stop` and `holds` between batches, so a busy
 * queue delays neither the vCPUs, nor the control thread, nor a stop.
 *
 * Locking: `lock` serialises the registers, the queues, the worker's
 * bookkeeping and the device's own state, whether the access comes from a
 * vCPU (via the bus), the worker or a host thread (control socket). It is
 * held briefly: the device's process op runs without it and takes it only
 * to pop, to push and to update its state; slow work (blk file I/O) runs
 * unlocked, on the worker, on a chain the worker alone owns between its
 * pop and its push. No other lock is taken under it but the irq line's.
 *
 * Holds: a reset, a pause of the VM and the end of a run hold the worker
 * (virtio_mmio_hold): pops return nothing, and the hold returns once the
 * chain in flight is pushed, so nothing touches guest memory or the rings
 * while the hold lasts. A reset then forgets all pending notifies, so no
 * chain of the old rings is served after it (virtio 1.x 2.1.2).
 * virtio_mmio_destroy stops the worker between two chains and joins it;
 * every chain popped has been pushed by then.
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
#include <stdio.h>

#define VIRTIO_MMIO_BASE       0xd0000000ull
#define VIRTIO_MMIO_SIZE       0x1000
#define VIRTIO_MMIO_FIRST_IRQ  5
#define VIRTIO_MMIO_MAX_QUEUES 8
#define VIRTIO_MMIO_VENDOR     0x5653564du /* "MVSV" */
#define VIRTIO_MMIO_BATCH      16  /* chains per process call, between checks */


struct virtio_mmio;

struct virtio_device_ops {
	const char *name;
	uint32_t device_id;
	uint64_t features;                 /* offered, VERSION_1 included */
	unsigned nr_queues;
	/* on the worker, without t->lock: serves at most `budget` chains of
	 * queue q (pop, process, push, interrupt; taking t->lock for each
	 * step on shared state); returns whether the queue may hold more */
	bool (*process)(struct virtio_mmio *t, unsigned q, unsigned budget);
	/* whether the driver may write config bytes [off, off+size): only
	 * fields the spec makes driver-writable; NULL: the config is read-only */
	bool (*config_writable)(const struct virtio_mmio *t, uint64_t off, unsigned size);
	/* driver wrote config bytes [off, off+size) (config_writable said yes) */
	void (*config_written)(struct virtio_mmio *t, uint64_t off, unsigned size);
	/* status went to 0 (with t->lock held, the worker idle): forget
	 * everything queued */
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
	struct virtio_worker {
		pthread_t thread;
		bool started;              /* set at init, before any other thread */
		pthread_cond_t wake;       /* pending work, a hold lifted, or stop */
		pthread_cond_t idle;       /* a batch ended */
		uint32_t pending;          /* bit q: queue q notified, not yet served */
		unsigned next_q;           /* round robin: where the next search starts */
		bool busy;                 /* a process call is running */
		unsigned holds;            /* virtio_mmio_hold calls not yet released */
		bool stop;
	} worker;
};

/* Sets up the registers and starts the worker; t must not move after.
 * Returns 0 or a negative errno (no thread). */
int virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		     const struct guest_memory *mem, uint64_t base, struct irq_line irq,
		     uint8_t *config, size_t config_size);
/* Stops the worker between two chains, joins it, frees the locks. */
void virtio_mmio_destroy(struct virtio_mmio *t);
extern const struct bus_ops virtio_mmio_ops;

/* Appends " virtio_mmio.device=4K@0xBASE:IRQ" to cmdline (size len). */
int virtio_mmio_cmdline(const struct virtio_mmio *t, char *cmdline, size_t len);

/*
 * Holds the worker: returns once no chain is in flight; pops return
 * nothing until every hold is released. Thread-safe; not with t->lock.
 */
void virtio_mmio_hold(struct virtio_mmio *t);
void virtio_mmio_release(struct virtio_mmio *t);

/* Returns once the worker has served every queue notified so far (or is
 * held). Thread-safe; not with t->lock. */
void virtio_mmio_drain(struct virtio_mmio *t);

/* A transport's registers and queues for save and restore (a fixed
 * record: snapfmt.h). The chain in flight is not part of it: the worker
 * is held (vm_pause) before a save, and a hold returns only once that
 * chain is pushed; notifies not yet served are kept in `pending`. */
#define VIRTIO_MMIO_STATE_CONFIG 64
struct virtio_queue_state {
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t num, last_avail, used_idx;
	uint8_t ready, pad;
};
struct virtio_mmio_state {
	uint32_t device_id, status;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint32_t interrupt_status, config_generation, pending;
	uint64_t driver_features, violations;
	struct virtio_queue_state vq[VIRTIO_MMIO_MAX_QUEUES];
	uint32_t config_size, pad;
	uint8_t config[VIRTIO_MMIO_STATE_CONFIG];
};

/* Copies the transport's state out (takes t->lock; the worker held). */
void virtio_mmio_get_state(struct virtio_mmio *t, struct virtio_mmio_state *st);
/*
 * Loads st into a transport of the same device: maps every ready queue's
 * rings again (guest RAM must be loaded first), restores the indices,
 * drives the interrupt line and hands the worker every ready queue to look
 * at. Returns 0, or a negative errno with err (another device, a config of
 * another size, rings outside RAM).
 */
int virtio_mmio_set_state(struct virtio_mmio *t, const struct virtio_mmio_state *st,
			  struct mv_error *err);

/* Prints one line on the transport (status, interrupt status) and one per
 * ready queue (the driver's avail index and flags, the device's position,
 * the used index and flags as the guest sees them): what a hang report
 * needs. Takes t->lock. */
void virtio_mmio_describe(struct virtio_mmio *t, FILE *out);

/* With t->lock held: */
bool virtio_mmio_driver_ok(const struct virtio_mmio *t);
bool virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned bit);
void virtio_mmio_interrupt(struct virtio_mmio *t, uint32_t bits);
/* The device changed its config: new generation, config interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);
/* Pushes chain `head` of queue q with `written` bytes and interrupts the
 * driver unless it asked not to be (the used index is published first). */
void virtio_mmio_push(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t written);
/* Marks DEVICE_NEEDS_RESET and logs why (one line). */
void virtio_mmio_fail(struct virtio_mmio *t, const char *why);

/* Pops from queue q with the rules above; on a violation fails the device
 * and returns -EINVAL. Returns 1 with a chain, 0 when empty, the device is not
 * live or the worker is held or stopping. */
int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, enum virtq_dir dir,
		    struct virtq_chain *c);

#endif
