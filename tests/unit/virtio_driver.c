/*
 * virtio_driver.c: the test driver (see virtio_driver.h).
 */
#include "virtio_driver.h"

#include <check.h>
#include <string.h>

uint32_t vdrv_rd(struct vdrv *d, uint64_t off)
{
	uint32_t v;
	virtio_mmio_ops.read(d->t, off, (uint8_t *)&v, 4);
	return v;
}

void vdrv_wr(struct vdrv *d, uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(d->t, off, (const uint8_t *)&v, 4);
	if (off == VIRTIO_MMIO_QUEUE_NOTIFY)
		virtio_mmio_drain(d->t);
}

void vdrv_notify_nowait(struct vdrv *d, unsigned q)
{
	uint32_t v = q;
	virtio_mmio_ops.write(d->t, VIRTIO_MMIO_QUEUE_NOTIFY, (const uint8_t *)&v, 4);
}

void *vdrv_gpa(struct vdrv *d, uint64_t gpa)
{
	return mem_gpa_to_hva(d->mem, gpa, 1);
}

void vdrv_setup_queue(struct vdrv *d, unsigned q)
{
	vdrv_wr(d, 0x030, q);
	ck_assert_uint_eq(vdrv_rd(d, 0x034), VIRTQ_MAX_SIZE);
	vdrv_wr(d, 0x038, VDRV_QSIZE);
	vdrv_wr(d, 0x080, (uint32_t)VDRV_RING_GPA(q));
	vdrv_wr(d, 0x084, 0);
	vdrv_wr(d, 0x090, (uint32_t)VDRV_AVAIL_GPA(q));
	vdrv_wr(d, 0x094, 0);
	vdrv_wr(d, 0x0a0, (uint32_t)VDRV_USED_GPA(q));
	vdrv_wr(d, 0x0a4, 0);
	vdrv_wr(d, 0x044, 1);
}

bool vdrv_negotiate(struct vdrv *d, uint32_t features_lo, unsigned nr_queues)
{
	memset(d->avail_idx, 0, sizeof(d->avail_idx));
	vdrv_wr(d, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_wr(d, 0x024, 0);
	vdrv_wr(d, 0x020, features_lo);
	vdrv_wr(d, 0x024, 1);
	vdrv_wr(d, 0x020, 1); /* VERSION_1 */
	vdrv_wr(d, 0x070, vdrv_rd(d, 0x070) | VIRTIO_STATUS_FEATURES_OK);
	if (!(vdrv_rd(d, 0x070) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	for (unsigned q = 0; q < nr_queues; q++)
		vdrv_setup_queue(d, q);
	return true;
}

void vdrv_driver_ok(struct vdrv *d)
{
	vdrv_wr(d, 0x070, vdrv_rd(d, 0x070) | VIRTIO_STATUS_DRIVER_OK);
	virtio_mmio_drain(d->t);
}

bool vdrv_init(struct vdrv *d, uint32_t features_lo, unsigned nr_queues)
{
	if (!vdrv_negotiate(d, features_lo, nr_queues))
		return false;
	vdrv_driver_ok(d);
	return true;
}

void vdrv_publish_chain(struct vdrv *d, unsigned q, uint16_t first, const struct vdrv_buf *b,
			unsigned n)
{
	struct virtq_desc *desc = vdrv_gpa(d, VDRV_RING_GPA(q));
	uint16_t *avail = vdrv_gpa(d, VDRV_AVAIL_GPA(q));
	for (unsigned i = 0; i < n; i++) {
		uint16_t k = (uint16_t)((first + i) % VDRV_QSIZE);
		desc[k] = (struct virtq_desc){
			.addr = b[i].gpa, .len = b[i].len,
			.flags = (uint16_t)((b[i].writable ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
			.next = (uint16_t)((k + 1) % VDRV_QSIZE) };
	}
	avail[2 + d->avail_idx[q] % VDRV_QSIZE] = first;
	__atomic_store_n(&avail[1], ++d->avail_idx[q], __ATOMIC_RELEASE);
}

void vdrv_add_chain(struct vdrv *d, unsigned q, uint16_t first, const struct vdrv_buf *b,
		    unsigned n)
{
	vdrv_publish_chain(d, q, first, b, n);
	vdrv_wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

uint16_t vdrv_used_idx(struct vdrv *d, unsigned q)
{
	return __atomic_load_n(&((uint16_t *)vdrv_gpa(d, VDRV_USED_GPA(q)))[1], __ATOMIC_ACQUIRE);
}

uint32_t vdrv_used_len(struct vdrv *d, unsigned q, uint16_t i)
{
	uint32_t *ring = (uint32_t *)((uint8_t *)vdrv_gpa(d, VDRV_USED_GPA(q)) + 4);
	return ring[(i % VDRV_QSIZE) * 2 + 1];
}

bool vdrv_needs_reset(struct vdrv *d)
{
	return vdrv_rd(d, 0x070) & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}
