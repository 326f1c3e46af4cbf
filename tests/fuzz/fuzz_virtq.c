/*
 * fuzz_virtq.c: the split-virtqueue walker (vmm/runtime/devices/virtqueue.c) over
 * guest RAM the fuzzer writes.
 *
 * Input: num (2 bytes), the descriptor, available and used ring addresses
 * (4 bytes each), the direction the device accepts (1 byte), then the
 * bytes of guest RAM from address 0 (at most FUZZ_WINDOW). Every chain
 * virtq_pop hands out must lie inside RAM and be no longer than the queue.
 */
#include "fuzz.h"
#include "virtqueue.h"

#define FUZZ_WINDOW (64u << 10)

/* Each buffer is the guest's bytes at its gpa, wholly inside RAM. */
static uint32_t check_chain(const struct guest_memory *m, const struct virtq *q,
			    const struct virtq_chain *c, enum virtq_dir dir)
{
	uint32_t written = 0;
	FUZZ_ASSERT(c->head < q->num && c->nr >= 1 && c->nr <= q->num);
	for (unsigned i = 0; i < c->nr; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint64_t len = b->len ? b->len : 1;
		FUZZ_ASSERT(b->hva == m->base + b->gpa);
		FUZZ_ASSERT(b->gpa < m->ram_size && len <= m->ram_size - b->gpa);
		FUZZ_ASSERT(dir == VIRTQ_ANY || b->writable == (dir == VIRTQ_DEV_WRITES));
		fuzz_touch(&b->hva[len - 1]);
		if (b->writable)
			written += b->len;
	}
	return written;
}

/* Pops until the queue is empty or broken; at most twice its size. */
static void drain(const struct guest_memory *m, struct virtq *q, enum virtq_dir dir)
{
	static struct virtq_chain c;
	struct mv_error err;
	for (unsigned n = 0; n < 2u * q->num + 1; n++) {
		int rc = virtq_pop(q, m, dir, &c, &err);
		if (rc == 0)
			return;
		if (rc < 0) {
			FUZZ_ASSERT(fuzz_error_ok(&err, rc));
			return;
		}
		virtq_push(q, c.head, check_chain(m, q, &c, dir));
		virtq_interrupt_suppressed(q);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_memory *m = fuzz_guest_memory();
	struct fuzz_in in = { data, size };
	struct virtq q;
	struct mv_error err;
	virtq_reset(&q);
	q.num = (uint16_t)fuzz_take(&in, 2);
	q.desc_gpa = fuzz_take(&in, 4);
	q.avail_gpa = fuzz_take(&in, 4);
	q.used_gpa = fuzz_take(&in, 4);
	enum virtq_dir dir = (enum virtq_dir)(fuzz_take(&in, 1) % 3);
	size_t n = in.left < FUZZ_WINDOW ? in.left : FUZZ_WINDOW;
	memset(m->base, 0, FUZZ_WINDOW);
	memcpy(m->base, in.p, n);
	int rc = virtq_enable(&q, m, &err);
	if (rc < 0) {
		FUZZ_ASSERT(fuzz_error_ok(&err, rc) && !q.ready);
		return 0;
	}
	drain(m, &q, dir);
	memset((void *)q.used, 0, 6 + 8u * q.num); /* the next input starts clean */
	return 0;
}
