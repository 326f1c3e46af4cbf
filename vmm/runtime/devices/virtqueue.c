/*
 * virtqueue.c: split-ring access with full validation (see virtqueue.h).
 * A popped chain's device-writable buffers and the used ring are noted
 * as written (mem_note_written: diff saves need the host's writes too);
 * a save drains every chain it pops before it collects them.
 *
 * Ordering: the avail index is read with acquire semantics before the ring
 * entries it covers; the used element is written before the used index is
 * released, so the driver never sees an index ahead of its element.
 */
#include "virtqueue.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Ring layout from virtio_spec.h: the avail ring in uint16_t units, the used ring in bytes. */
#define AVAIL_IDX      (offsetof(struct virtq_avail, idx) / sizeof(uint16_t))
#define AVAIL_RING     (offsetof(struct virtq_avail, ring) / sizeof(uint16_t))
#define USED_IDX_OFF   offsetof(struct virtq_used, idx)
#define USED_RING_OFF  offsetof(struct virtq_used, ring)
#define USED_ELEM_SIZE sizeof(struct virtq_used_elem)

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

static void *map_ring(const struct guest_memory *m, uint64_t gpa, uint64_t size,
		      uint64_t align, const char *what, struct mv_error *err)
{
	void *p = (gpa % align) ? NULL : mem_gpa_to_hva(m, gpa, size);
	if (!p)
		mv_fail(err, -EINVAL, "%s ring at %#llx (%llu bytes) is not aligned RAM", what,
			 (unsigned long long)gpa, (unsigned long long)size);
	return p;
}

int virtq_enable(struct virtq *q, const struct guest_memory *m, struct mv_error *err)
{
	uint64_t n = q->num;
	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1))) {
		return mv_fail(err, -EINVAL, "queue size %u is not a power of 2 up to %d", q->num,
			 VIRTQ_MAX_SIZE);
	}
	q->desc = map_ring(m, q->desc_gpa, 16 * n, 16, "descriptor", err);
	q->avail = q->desc ? map_ring(m, q->avail_gpa, 6 + 2 * n, 2, "available", err)
			   : NULL;
	q->used = q->avail ? map_ring(m, q->used_gpa, 6 + 8 * n, 4, "used", err) : NULL;
	if (!q->used) {
		q->desc = NULL;
		q->avail = NULL;
		return -EINVAL;
	}
	q->last_avail = 0;
	q->used_idx = 0;
	q->ready = true;
	return 0;
}

static int take_buffer(const struct virtq_desc *d, const struct guest_memory *m,
		       enum virtq_dir dir, struct virtq_buf *b, struct mv_error *err)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	if (d->flags & VIRTQ_DESC_F_INDIRECT)
		return mv_fail(err, -EINVAL, "indirect descriptor, but the feature was not offered");
	if ((dir == VIRTQ_DEV_READS && writable) || (dir == VIRTQ_DEV_WRITES && !writable)) {
		return mv_fail(err, -EINVAL, "descriptor is device-%s, the device expects device-%s",
			 writable ? "writable" : "readable", writable ? "readable" : "writable");
	}
	b->hva = mem_gpa_to_hva(m, d->addr, d->len);
	if (!b->hva) {
		return mv_fail(err, -EINVAL, "buffer [%#llx, +%u) is not inside guest RAM",
			 (unsigned long long)d->addr, d->len);
	}
	if (writable) /* the device writes it before the chain is pushed */
		mem_note_written(m, d->addr, d->len);
	b->gpa = d->addr;
	b->len = d->len;
	b->writable = writable;
	return 0;
}

static int walk_chain(struct virtq *q, const struct guest_memory *m, enum virtq_dir dir,
		      struct virtq_chain *c, struct mv_error *err)
{
	uint16_t i = c->head;
	c->nr = 0;
	for (;;) {
		struct virtq_desc d;
		if (i >= q->num)
			return mv_fail(err, -EINVAL, "descriptor index %u out of range (size %u)", i, q->num);
		if (c->nr == q->num) {
			return mv_fail(err, -EINVAL, "descriptor chain from %u loops or exceeds %u entries",
				 c->head, q->num);
		}
		memcpy(&d, &q->desc[i], sizeof(d)); /* one snapshot: the guest may race */
		int rc = take_buffer(&d, m, dir, &c->buf[c->nr], err);
		if (rc < 0)
			return rc;
		c->nr++;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, const struct guest_memory *m, enum virtq_dir dir,
	      struct virtq_chain *c, struct mv_error *err)
{
	if (!q->ready)
		return 0;
	uint16_t avail_idx = __atomic_load_n(&q->avail[AVAIL_IDX], __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->num) {
		return mv_fail(err, -EINVAL, "available index %u runs %u entries ahead of %u (size %u)",
			 avail_idx, pending, q->last_avail, q->num);
	}
	c->head = q->avail[AVAIL_RING + (q->last_avail & (q->num - 1))];
	q->last_avail++;
	mem_note_written(m, q->used_gpa, 6 + 8ull * q->num); /* virtq_push writes it */
	int rc = walk_chain(q, m, dir, c, err);
	return rc < 0 ? rc : 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	uint32_t elem[2] = { head, written };
	volatile uint8_t *slot = q->used + USED_RING_OFF +
				 (size_t)(q->used_idx & (q->num - 1)) * USED_ELEM_SIZE;
	memcpy((void *)slot, elem, sizeof(elem));
	q->used_idx++;
	__atomic_store_n((uint16_t *)(q->used + USED_IDX_OFF), q->used_idx, __ATOMIC_RELEASE);
}

/*
 * The used index stored by virtq_push must be visible before the avail
 * flags are read (virtio 1.1, 2.6.7.2: the device's full barrier): a
 * driver clears NO_INTERRUPT, then (after its own barrier) rereads the used
 * index to catch what came in meanwhile. x86 may let a load pass an
 * earlier store, so without the fence both sides can read the other's old
 * value (flags still set, index not yet moved), and the interrupt is lost:
 * Linux's virtio_blk then waits forever for a completion already in the
 * used ring.
 */
bool virtq_interrupt_suppressed(const struct virtq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&q->avail[0], __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT;
}
