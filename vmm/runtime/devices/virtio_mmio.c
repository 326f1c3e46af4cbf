/*
 * virtio_mmio.c: register file of the virtio-mmio v2 transport
 * (see virtio_mmio.h). Registers are 32-bit; other widths are ignored.
 * Config accesses may be of any width; a write lands only where the device
 * allows it. A notify is handed to the worker (virtio_worker.c).
 */
#include "virtio_mmio.h"
#include "virtio_worker.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>


int virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *dev,
		     const struct guest_memory *mem, uint64_t base, struct irq_line irq,
		     uint8_t *config, size_t config_size)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->base = base;
	t->irq = irq;
	t->config = config;
	t->config_size = config_size;
	pthread_mutex_init(&t->lock, NULL);
	int rc = virtio_worker_start(t);
	if (rc < 0)
		pthread_mutex_destroy(&t->lock);
	return rc;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	virtio_worker_stop(t);
	pthread_mutex_destroy(&t->lock);
}

int virtio_mmio_cmdline(const struct virtio_mmio *t, char *cmdline, size_t len)
{
	size_t used = strlen(cmdline);
	int n = snprintf(cmdline + used, len - used, "%svirtio_mmio.device=4K@%#llx:%u",
			 used ? " " : "", (unsigned long long)t->base, t->irq.irq);
	return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

bool virtio_mmio_driver_ok(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

bool virtio_mmio_has_feature(const struct virtio_mmio *t, unsigned bit)
{
	return (t->driver_features >> bit) & 1;
}

static void update_irq(struct virtio_mmio *t)
{
	irq_line_set(&t->irq, t->interrupt_status != 0);
}

void virtio_mmio_interrupt(struct virtio_mmio *t, uint32_t bits)
{
	if ((t->interrupt_status & bits) == bits)
		return; /* the line is already up for these */
	t->interrupt_status |= bits;
	update_irq(t);
}

void virtio_mmio_push(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t written)
{
	virtq_push(&t->vq[q], head, written);
	if (!virtq_interrupt_suppressed(&t->vq[q]))
		virtio_mmio_interrupt(t, VIRTIO_INT_USED);
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	t->config_generation++;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_mmio_interrupt(t, VIRTIO_INT_CONFIG);
}

void virtio_mmio_fail(struct virtio_mmio *t, const char *why)
{
	t->violations++;
	if (t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	mv_err("virtio-%s at %#llx: %s; device needs reset", t->ops->name,
	       (unsigned long long)t->base, why);
	t->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	virtio_mmio_config_changed(t);
}

int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, enum virtq_dir dir,
		    struct virtq_chain *c)
{
	struct mv_error err;
	if (q >= t->ops->nr_queues || !virtio_mmio_driver_ok(t) || t->worker.holds ||
	    t->worker.stop)
		return 0;
	int rc = virtq_pop(&t->vq[q], t->mem, dir, c, &err);
	if (rc < 0) {
		char why[sizeof(err.msg) + 32];
		snprintf(why, sizeof(why), "queue %u: %s", q, err.msg);
		virtio_mmio_fail(t, why);
	}
	return rc;
}

/* The worker is held across the reset: a chain in flight is pushed first,
 * and no notify of the old rings survives it. */
static void virtio_mmio_reset(struct virtio_mmio *t)
{
	virtio_worker_hold_locked(t);
	t->worker.pending = 0;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtq_reset(&t->vq[i]);
	t->status = 0;
	t->driver_features = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->interrupt_status = 0;
	update_irq(t);
	if (t->ops->reset)
		t->ops->reset(t);
	virtio_worker_release_locked(t);
}

static struct virtq *selected_queue(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = selected_queue(t);
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:            return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:          return 2;
	case VIRTIO_MMIO_DEVICE_ID:        return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:        return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2 ?
		       (uint32_t)(t->ops->features >> (32 * t->dev_features_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:    return q ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:      return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:           return t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:     return 0xffffffffu; /* no shared memory region */
	case VIRTIO_MMIO_CONFIG_GENERATION: return t->config_generation;
	default:                   return 0;
	}
}

static void write_features(struct virtio_mmio *t, uint32_t v)
{
	if (t->drv_features_sel >= 2 || (t->status & VIRTIO_STATUS_FEATURES_OK))
		return;
	unsigned shift = 32 * t->drv_features_sel;
	t->driver_features &= ~(0xffffffffull << shift);
	t->driver_features |= (uint64_t)v << shift;
}

/* FEATURES_OK sticks only for a subset of the offered features with VERSION_1. */
static uint32_t accept_features(const struct virtio_mmio *t, uint32_t v)
{
	if (!(v & VIRTIO_STATUS_FEATURES_OK) || (t->status & VIRTIO_STATUS_FEATURES_OK))
		return v;
	bool subset = (t->driver_features & ~t->ops->features) == 0;
	if (!subset || !virtio_mmio_has_feature(t, VIRTIO_F_VERSION_1))
		v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK; /* refused: driver sees it */
	return v;
}

/*
 * Hands the worker every ready queue. At DRIVER_OK: a driver may fill a
 * queue during setup (virtio 1.x 3.1.1, step 7) and notify before DRIVER_OK,
 * when a notify is dropped (the device is not live); Linux's virtio_balloon
 * primes its stats queue so. A look at an empty queue costs nothing.
 */
static void look_at_ready_queues(struct virtio_mmio *t)
{
	for (unsigned q = 0; q < t->ops->nr_queues; q++)
		if (t->vq[q].ready)
			virtio_worker_notify(t, q);
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		virtio_mmio_reset(t);
		return;
	}
	v = accept_features(t, v);
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(v & VIRTIO_STATUS_FEATURES_OK)) {
		v &= ~(uint32_t)VIRTIO_STATUS_DRIVER_OK; /* not started */
		virtio_mmio_fail(t, "DRIVER_OK without FEATURES_OK");
	}
	bool was_live = virtio_mmio_driver_ok(t);
	t->status = (t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) | (v & 0xff);
	if (!was_live && virtio_mmio_driver_ok(t))
		look_at_ready_queues(t);
}

static void write_queue_ready(struct virtio_mmio *t, struct virtq *q, uint32_t v)
{
	struct mv_error err;
	if (!v) {
		q->ready = false;
		return;
	}
	if (!q->ready && virtq_enable(q, t->mem, &err) < 0) {
		char why[sizeof(err.msg) + 32];
		snprintf(why, sizeof(why), "queue %u: %s", t->queue_sel, err.msg);
		virtio_mmio_fail(t, why);
	}
}

static void set_half(uint64_t *field, uint32_t v, bool high)
{
	unsigned shift = high ? 32 : 0;
	*field = (*field & ~(0xffffffffull << shift)) | ((uint64_t)v << shift);
}

static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *q = selected_queue(t);
	if (!q || (q->ready && off != VIRTIO_MMIO_QUEUE_READY))
		return; /* no such queue, or live rings are not moved */
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:        q->num = v > 0xffff ? 0 : (uint16_t)v; break;
	case VIRTIO_MMIO_QUEUE_READY:      write_queue_ready(t, q, v); break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:  set_half(&q->desc_gpa, v, off == VIRTIO_MMIO_QUEUE_DESC_HIGH); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: set_half(&q->avail_gpa, v, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH); break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:  set_half(&q->used_gpa, v, off == VIRTIO_MMIO_QUEUE_USED_HIGH); break;
	default: break;
	}
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: t->dev_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:     write_features(t, v); break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: t->drv_features_sel = v; break;
	case VIRTIO_MMIO_QUEUE_SEL:           t->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < t->ops->nr_queues && t->vq[v].ready && virtio_mmio_driver_ok(t))
			virtio_worker_notify(t, v);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->interrupt_status &= ~v;
		update_irq(t);
		break;
	case VIRTIO_MMIO_STATUS:              write_status(t, v); break;
	default:                      write_queue_reg(t, off, v); break;
	}
}

static void config_access(struct virtio_mmio *t, uint64_t off, uint8_t *data, unsigned size,
			  bool is_write)
{
	if (off >= t->config_size || size > t->config_size - off) {
		if (!is_write)
			memset(data, 0, size);
		return;
	}
	if (!is_write) {
		memcpy(data, t->config + off, size);
		return;
	}
	if (!t->ops->config_writable || !t->ops->config_writable(t, off, size))
		return; /* a field the device owns: the write is dropped */
	memcpy(t->config + off, data, size);
	if (t->ops->config_written)
		t->ops->config_written(t, off, size);
}

static void virtio_mmio_read(void *dev, uint64_t off, uint8_t *data, unsigned size)
{
	struct virtio_mmio *t = dev;
	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(t, off - VIRTIO_MMIO_CONFIG, data, size, false);
	} else if (size == 4) {
		uint32_t v = read_reg(t, off);
		memcpy(data, &v, 4);
	} else {
		memset(data, 0, size);
	}
	pthread_mutex_unlock(&t->lock);
}

static void virtio_mmio_write(void *dev, uint64_t off, const uint8_t *data, unsigned size)
{
	struct virtio_mmio *t = dev;
	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		config_access(t, off - VIRTIO_MMIO_CONFIG, (uint8_t *)(uintptr_t)data, size, true);
	} else if (size == 4) {
		uint32_t v;
		memcpy(&v, data, 4);
		write_reg(t, off, v);
	}
	pthread_mutex_unlock(&t->lock);
}

const struct bus_ops virtio_mmio_ops = { .read = virtio_mmio_read, .write = virtio_mmio_write };

/* ---- hang reports ------------------------------------------------------ */

static void describe_queue(const struct virtio_mmio *t, unsigned i, FILE *out)
{
	const struct virtq *q = &t->vq[i];
	uint16_t avail_flags = __atomic_load_n(&q->avail[0], __ATOMIC_ACQUIRE);
	uint16_t avail_idx = __atomic_load_n(&q->avail[1], __ATOMIC_ACQUIRE);
	uint16_t used_flags, used_idx;
	memcpy(&used_flags, (const uint8_t *)q->used, 2);
	memcpy(&used_idx, (const uint8_t *)q->used + 2, 2);
	fprintf(out, "memvisor: virtio-%s queue %u: size %u, avail idx %u flags %#x, device at %u, "
		"used idx %u (guest sees %u) flags %#x%s\n", t->ops->name, i, q->num, avail_idx,
		avail_flags, q->last_avail, q->used_idx, used_idx, used_flags,
		(t->worker.pending >> i) & 1 ? ", notify pending" : "");
}

void virtio_mmio_describe(struct virtio_mmio *t, FILE *out)
{
	pthread_mutex_lock(&t->lock);
	fprintf(out, "memvisor: virtio-%s at %#llx irq %u: status %#x, interrupt status %#x, "
		"worker %s, %llu violations\n", t->ops->name, (unsigned long long)t->base,
		t->irq.irq, t->status, t->interrupt_status, t->worker.busy ? "busy" : "idle",
		(unsigned long long)t->violations);
	for (unsigned i = 0; i < t->ops->nr_queues; i++)
		if (t->vq[i].ready)
			describe_queue(t, i, out);
	pthread_mutex_unlock(&t->lock);
}

/* ---- save and restore --------------------------------------------------- */

void virtio_mmio_get_state(struct virtio_mmio *t, struct virtio_mmio_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&t->lock);
	*st = (struct virtio_mmio_state){
		.device_id = t->ops->device_id, .status = t->status,
		.dev_features_sel = t->dev_features_sel, .drv_features_sel = t->drv_features_sel,
		.queue_sel = t->queue_sel, .interrupt_status = t->interrupt_status,
		.config_generation = t->config_generation, .pending = t->worker.pending,
		.driver_features = t->driver_features, .violations = t->violations,
		.config_size = (uint32_t)t->config_size,
	};
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		const struct virtq *q = &t->vq[i];
		st->vq[i] = (struct virtio_queue_state){
			.desc_gpa = q->desc_gpa, .avail_gpa = q->avail_gpa, .used_gpa = q->used_gpa,
			.num = q->num, .last_avail = q->last_avail, .used_idx = q->used_idx,
			.ready = q->ready };
	}
	memcpy(st->config, t->config, t->config_size);
	pthread_mutex_unlock(&t->lock);
}

/* With t->lock held: queue i as saved, its rings mapped when it was ready. */
static int restore_queue(struct virtio_mmio *t, unsigned i, const struct virtio_queue_state *s,
			 struct mv_error *err)
{
	struct virtq *q = &t->vq[i];
	virtq_reset(q);
	q->num = s->num;
	q->desc_gpa = s->desc_gpa;
	q->avail_gpa = s->avail_gpa;
	q->used_gpa = s->used_gpa;
	if (!s->ready)
		return 0;
	struct mv_error why;
	if (virtq_enable(q, t->mem, &why) < 0)
		return mv_fail(err, -EINVAL, "virtio-%s queue %u: %s", t->ops->name, i, why.msg);
	q->last_avail = s->last_avail;
	q->used_idx = s->used_idx;
	return 0;
}

static int restore_transport(struct virtio_mmio *t, const struct virtio_mmio_state *st,
			     struct mv_error *err)
{
	if (st->device_id != t->ops->device_id || st->config_size != t->config_size ||
	    t->config_size > VIRTIO_MMIO_STATE_CONFIG)
		return mv_fail(err, -EINVAL, "virtio-%s: saved state is of device %u with %u config "
			       "bytes", t->ops->name, st->device_id, st->config_size);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		int rc = restore_queue(t, i, &st->vq[i], err);
		if (rc < 0)
			return rc;
	}
	t->status = st->status;
	t->dev_features_sel = st->dev_features_sel;
	t->drv_features_sel = st->drv_features_sel;
	t->queue_sel = st->queue_sel;
	t->interrupt_status = st->interrupt_status;
	t->config_generation = st->config_generation;
	t->driver_features = st->driver_features;
	t->violations = st->violations;
	memcpy(t->config, st->config, t->config_size);
	return 0;
}

int virtio_mmio_set_state(struct virtio_mmio *t, const struct virtio_mmio_state *st,
			  struct mv_error *err)
{
	pthread_mutex_lock(&t->lock);
	int rc = restore_transport(t, st, err);
	if (rc == 0) {
		update_irq(t);
		if (virtio_mmio_driver_ok(t))
			look_at_ready_queues(t);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}
