/*
 * virtio.h: the guest's virtio-mmio (version 2) transport and split
 * virtqueues, and the contract with device drivers (balloon today).
 *
 * Interface:
 *   virtio_probe_all      probes every virtio_mmio.device= of the command
 *                         line and binds the driver of its device id
 *   virtio_start_worker   starts the kernel thread "kvirtiod" that runs
 *                         drivers' deferred work (virtio_run_deferred)
 *                         when an interrupt or a timer asks for it
 *   virtq_add_buf         queues one chain of buffers (physical addresses)
 *   virtq_kick            notifies the device (one MMIO write: a VM exit)
 *   virtq_get_used        takes one completed chain's token
 *   virtio_cread32        config read, generation-checked
 *   virtio_cwrite32       config write
 *
 * Locking: a virtqueue is used by one driver context at a time; the
 * interrupt handler only reads InterruptStatus, acknowledges it and calls
 * the driver's callbacks, which must not touch the rings themselves
 * beyond virtq_get_used. Single CPU.
 */
#ifndef GUEST_VIRTIO_H
#define GUEST_VIRTIO_H

#include <compiler.h>
#include <mm_port.h>
#include <virtio_spec.h>

#define VIRTIO_MAX_VQS         4
#define VIRTIO_MAX_DEVICES     8
#define VIRTQ_MAX_NUM          128

/* One buffer of a chain: device-readable unless writable. */
struct virtq_buf {
	phys_addr_t addr;
	uint32_t len;
	bool writable;
};

struct virtio_dev;

struct virtq {
	struct virtio_dev *dev;
	unsigned index;
	uint16_t num;                 /* ring size, a power of 2 */
	uint16_t num_free;            /* free descriptors */
	uint16_t free_head;           /* free descriptors chain through next */
	uint16_t avail_idx;           /* our copy of avail->idx */
	uint16_t last_used;           /* next used entry to take */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	void **token;                 /* per head descriptor, num of them (kmalloc'd) */
	phys_addr_t ring_pa;          /* rings, one zeroed allocation */
	unsigned ring_order;
	void (*callback)(struct virtq *vq); /* interrupt context */
};

struct virtio_driver {
	const char *name;
	uint32_t device_id;
	uint64_t features;            /* wanted; VERSION_1 is added */
	/* Optional: narrows the offered & wanted set before FEATURES_OK. */
	uint64_t (*select_features)(uint64_t features);
	/* Set up queues, then return 0; the transport sets DRIVER_OK after. */
	int (*probe)(struct virtio_dev *vd);
	void (*config_changed)(struct virtio_dev *vd);    /* interrupt context */
	void (*work)(struct virtio_dev *vd);               /* deferred context */
};

struct virtio_dev {
	volatile uint32_t *regs;
	phys_addr_t base;
	unsigned irq;
	uint32_t device_id;
	uint64_t features;            /* negotiated */
	const struct virtio_driver *drv;
	void *priv;
	struct virtq vqs[VIRTIO_MAX_VQS];
	unsigned nr_vqs;
	volatile bool work_pending;   /* set in interrupt context */
	unsigned long work_at;        /* jiffies of a timed run, 0: none */
	unsigned long interrupts;
};

void virtio_probe_all(void);
void virtio_run_deferred(void);
/* Starts the worker thread; needs the scheduler. Returns 0 or -ENOMEM. */
int virtio_start_worker(void);

static inline bool virtio_has_feature(const struct virtio_dev *vd, unsigned bit)
{
	return (vd->features >> bit) & 1;
}
/* Asks for vd->drv->work to run from the deferred context. */
/* Asks the virtio worker thread to run vd's driver work soon. */
void virtio_schedule_work(struct virtio_dev *vd);

/* Asks for a run once jiffies reaches at (the earliest request wins). */
void virtio_schedule_work_at(struct virtio_dev *vd, unsigned long at);

/* Sets up queue index with cb. Returns 0 or -1 (no such queue, no memory). */
int virtio_setup_vq(struct virtio_dev *vd, unsigned index, void (*cb)(struct virtq *vq));

/* Queues a chain of n buffers with token. Returns 0, or -1 when full. */
int virtq_add_buf(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *token);
void virtq_kick(struct virtq *vq);
/* The token of the next completed chain (its descriptors freed), or NULL. */
void *virtq_get_used(struct virtq *vq, uint32_t *len);
bool virtq_has_used(const struct virtq *vq);
/*
 * Waits until a chain is completed and returns its token. Halts for the
 * interrupt when interrupts may be enabled, else spins.
 */
void *virtq_wait_used(struct virtq *vq, uint32_t *len);

uint32_t virtio_cread32(struct virtio_dev *vd, unsigned off);
void virtio_cwrite32(struct virtio_dev *vd, unsigned off, uint32_t v);

#endif
