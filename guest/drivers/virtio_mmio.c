/*
 * virtio_mmio.c: the virtio-mmio v2 transport and split virtqueues of the
 * guest (see virtio.h): command-line probing, the status handshake,
 * feature negotiation, queue setup, buffers in and out, the interrupt.
 *
 * Invariants: a queue's free descriptors form one chain from free_head
 * through next, num_free long; every other descriptor belongs to exactly
 * one chain in flight, whose head holds the token. avail->idx is written
 * only after the ring entry it covers (barrier; x86 keeps stores in
 * order), and a used element is read only after the used index that
 * covers it.
 */
#include <virtio.h>
#include <cmdline.h>
#include <printk.h>
#include <string.h>
#include <page_alloc.h>
#include <kmalloc.h>
#include <time.h>
#include <sched.h>
#include <errno.h>
#include <asm/cpu.h>
#include <asm/ioapic.h>
#include <asm/layout.h>
#include <asm/paging.h>


#define INT_USED   1
#define INT_CONFIG 2
#define MAX_MAPPED_PAGES 16

extern const struct virtio_driver balloon_driver, virtio_blk_driver;
static const struct virtio_driver *const drivers[] = { &balloon_driver, &virtio_blk_driver };

static struct virtio_dev devices[VIRTIO_MAX_DEVICES];
static unsigned nr_devices;
static phys_addr_t mapped_pages[MAX_MAPPED_PAGES]; /* ioremapped once each */
static unsigned nr_mapped;

static uint32_t rd(struct virtio_dev *vd, unsigned off)
{
	return vd->regs[off / 4];
}

static void wr(struct virtio_dev *vd, unsigned off, uint32_t v)
{
	vd->regs[off / 4] = v;
}

/* Maps the page holding pa uncached once; returns pa's address or NULL. */
static volatile uint32_t *map_regs(phys_addr_t pa)
{
	phys_addr_t page = pa & ~(phys_addr_t)(PAGE_SIZE - 1);
	unsigned i;

	for (i = 0; i < nr_mapped && mapped_pages[i] != page; i++)
		;
	if (i == nr_mapped) {
		if (nr_mapped == MAX_MAPPED_PAGES)
			return NULL;
		ioremap(page, PAGE_SIZE);
		mapped_pages[nr_mapped++] = page;
	}
	return (volatile uint32_t *)mm_phys_to_virt(pa);
}

/* Parses "SIZE@BASE:IRQ" (SIZE with an optional K suffix). 0 or -1. */
static int parse_device(const char *s, phys_addr_t *base, unsigned *irq)
{
	char buf[64], *at, *colon;
	unsigned long long v;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return -1;
	at = strchr(buf, '@');
	colon = at ? strchr(at, ':') : NULL;
	if (!at || !colon)
		return -1;
	*at = *colon = '\0';
	if (str_to_u64(at + 1, &v) || (v & 3))
		return -1;
	*base = v;
	if (str_to_u64(colon + 1, &v) || v >= IOAPIC_MAX_GSI)
		return -1;
	*irq = (unsigned)v;
	return 0;
}

static const struct virtio_driver *find_driver(uint32_t id)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++)
		if (drivers[i]->device_id == id)
			return drivers[i];
	return NULL;
}

static void virtio_interrupt(unsigned gsi, void *ctx)
{
	struct virtio_dev *vd = ctx;
	uint32_t status = rd(vd, VIRTIO_MMIO_INTERRUPT_STATUS);

	(void)gsi;
	wr(vd, VIRTIO_MMIO_INTERRUPT_ACK, status);
	vd->interrupts++;
	if (status & INT_USED)
		for (unsigned i = 0; i < vd->nr_vqs; i++)
			if (vd->vqs[i].callback && virtq_has_used(&vd->vqs[i]))
				vd->vqs[i].callback(&vd->vqs[i]);
	if ((status & INT_CONFIG) && vd->drv->config_changed)
		vd->drv->config_changed(vd);
}

static uint64_t read_device_features(struct virtio_dev *vd)
{
	wr(vd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	uint64_t f = (uint64_t)rd(vd, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(vd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(vd, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* Negotiates features; returns 0 or -1 (no VERSION_1, or refused). */
static int negotiate(struct virtio_dev *vd)
{
	uint64_t offered = read_device_features(vd);
	uint64_t want = vd->drv->features | (1ull << VIRTIO_F_VERSION_1);

	vd->features = offered & want;
	if (vd->drv->select_features)
		vd->features = vd->drv->select_features(vd->features);
	if (!virtio_has_feature(vd, VIRTIO_F_VERSION_1)) {
		pr_err("virtio-mmio: %s at 0x%llx lacks VERSION_1\n", vd->drv->name,
		       (unsigned long long)vd->base);
		return -1;
	}
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(vd->features >> 32));
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vd, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)vd->features);
	wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(rd(vd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		pr_err("virtio-mmio: device refused features 0x%llx\n",
		       (unsigned long long)vd->features);
		return -1;
	}
	return 0;
}

/* Handshake up to DRIVER_OK; returns 0 or -1 with the device FAILED. */
static int virtio_start(struct virtio_dev *vd)
{
	wr(vd, VIRTIO_MMIO_STATUS, 0);
	wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	if (negotiate(vd) < 0 || vd->drv->probe(vd) < 0 ||
	    ioapic_request_irq(vd->irq, virtio_interrupt, vd) < 0) {
		wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
		return -1;
	}
	wr(vd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	   VIRTIO_STATUS_DRIVER_OK);
	return 0;
}

static void probe_one(const char *arg)
{
	struct virtio_dev *vd = &devices[nr_devices];
	phys_addr_t base;
	unsigned irq;

	if (parse_device(arg, &base, &irq) < 0) {
		pr_warn("virtio-mmio: cannot parse virtio_mmio.device=%s\n", arg);
		return;
	}
	memset(vd, 0, sizeof(*vd));
	vd->regs = map_regs(base);
	vd->base = base;
	vd->irq = irq;
	if (!vd->regs || rd(vd, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC || rd(vd, VIRTIO_MMIO_VERSION) != 2) {
		pr_warn("virtio-mmio: no version 2 device at 0x%llx (magic 0x%x version %u)\n",
			(unsigned long long)base, rd(vd, VIRTIO_MMIO_MAGIC_VALUE), rd(vd, VIRTIO_MMIO_VERSION));
		return;
	}
	vd->device_id = rd(vd, VIRTIO_MMIO_DEVICE_ID);
	vd->drv = find_driver(vd->device_id);
	if (!vd->drv) {
		if (vd->device_id)
			pr_info("virtio-mmio: device id %u at 0x%llx has no driver\n",
				vd->device_id, (unsigned long long)base);
		return;
	}
	if (virtio_start(vd) == 0) {
		pr_info("virtio-mmio: %s at 0x%llx irq %u, features 0x%llx\n", vd->drv->name,
			(unsigned long long)base, irq, (unsigned long long)vd->features);
		nr_devices++;
	}
}

void virtio_probe_all(void)
{
	for (unsigned i = 0; i < kparams.nr_virtio_mmio && nr_devices < VIRTIO_MAX_DEVICES; i++)
		probe_one(kparams.virtio_mmio[i]);
}

/*
 * kvirtiod: drivers' deferred work runs in this kernel thread, so it goes
 * on while processes run. It sleeps until the earliest timed request and is
 * woken early by new requests (from interrupt handlers or drivers).
 */
static struct task *virtio_worker;

void virtio_schedule_work(struct virtio_dev *vd)
{
	vd->work_pending = true;
	wake_up_process(virtio_worker);
}

void virtio_schedule_work_at(struct virtio_dev *vd, unsigned long at)
{
	if (!at)
		at = 1;
	if (!vd->work_at || (long)(at - vd->work_at) < 0)
		vd->work_at = at;
	wake_up_process(virtio_worker);
}

/* When the worker must run next: now (jiffies), a time, or far away. */
static unsigned long next_work(void)
{
	unsigned long next = jiffies + 3600 * HZ;
	for (unsigned i = 0; i < nr_devices; i++) {
		if (devices[i].work_pending)
			return jiffies;
		if (devices[i].work_at && (long)(devices[i].work_at - next) < 0)
			next = devices[i].work_at;
	}
	return next;
}

static void virtio_worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		virtio_run_deferred();
		irq_disable(); /* a request between the check and the sleep wakes us */
		unsigned long next = next_work();
		if ((long)(next - jiffies) > 0)
			sleep_until(next);
		irq_enable();
	}
}

int virtio_start_worker(void)
{
	if (!nr_devices)
		return 0;
	virtio_worker = kthread_create(virtio_worker_main, NULL, "kvirtiod");
	return virtio_worker ? 0 : -ENOMEM;
}

void virtio_run_deferred(void)
{
	for (unsigned i = 0; i < nr_devices; i++) {
		struct virtio_dev *vd = &devices[i];
		bool timed = vd->work_at && (long)(jiffies - vd->work_at) >= 0;

		if (!vd->work_pending && !timed)
			continue;
		vd->work_pending = false;
		if (timed)
			vd->work_at = 0;
		if (vd->drv->work)
			vd->drv->work(vd);
	}
}

/* ---- virtqueues ------------------------------------------------------ */

static size_t ring_bytes(unsigned num, size_t *avail_off, size_t *used_off)
{
	*avail_off = 16 * (size_t)num;
	*used_off = (*avail_off + 6 + 2 * (size_t)num + 3) & ~(size_t)3;
	return *used_off + 6 + 8 * (size_t)num;
}

static unsigned order_for(size_t bytes)
{
	unsigned order = 0;

	while (((size_t)PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void queue_program(struct virtio_dev *vd, struct virtq *vq, size_t ao, size_t uo)
{
	uint64_t d = vq->ring_pa, a = vq->ring_pa + ao, u = vq->ring_pa + uo;

	wr(vd, VIRTIO_MMIO_QUEUE_NUM, vq->num);
	wr(vd, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
	wr(vd, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(vd, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)a);
	wr(vd, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(a >> 32));
	wr(vd, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)u);
	wr(vd, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(u >> 32));
	wr(vd, VIRTIO_MMIO_QUEUE_READY, 1);
}

int virtio_setup_vq(struct virtio_dev *vd, unsigned index, void (*cb)(struct virtq *vq))
{
	struct virtq *vq = &vd->vqs[index];
	size_t ao, uo;

	if (index >= VIRTIO_MAX_VQS)
		return -1;
	wr(vd, VIRTIO_MMIO_QUEUE_SEL, index);
	uint32_t max = rd(vd, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0 || rd(vd, VIRTIO_MMIO_QUEUE_READY))
		return -1;
	unsigned num = VIRTQ_MAX_NUM;
	while (num > max)
		num >>= 1;
	memset(vq, 0, sizeof(*vq));
	vq->token = kzalloc(num * sizeof(*vq->token), BUDDY_GFP_KERNEL);
	if (!vq->token)
		return -1;
	vq->ring_order = order_for(ring_bytes(num, &ao, &uo));
	vq->ring_pa = page_alloc(vq->ring_order, PAGE_ALLOC_ZERO);
	if (!vq->ring_pa) {
		kfree(vq->token);
		vq->token = NULL;
		return -1;
	}
	vq->dev = vd;
	vq->index = index;
	vq->num = (uint16_t)num;
	vq->num_free = (uint16_t)num;
	vq->desc = mm_phys_to_virt(vq->ring_pa);
	vq->avail = (struct virtq_avail *)((char *)vq->desc + ao);
	vq->used = (struct virtq_used *)((char *)vq->desc + uo);
	for (unsigned i = 0; i + 1 < num; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->callback = cb;
	queue_program(vd, vq, ao, uo);
	if (index >= vd->nr_vqs)
		vd->nr_vqs = index + 1;
	return 0;
}

int virtq_add_buf(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *token)
{
	if (n == 0 || n > vq->num_free)
		return -1;
	uint16_t head = vq->free_head, i = head, last = head;

	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &vq->desc[i];
		d->addr = bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].writable ? VIRTQ_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		last = i;
		i = d->next;
	}
	vq->free_head = vq->desc[last].next;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->token[head] = token;
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = head;
	barrier();
	vq->avail_idx++;
	WRITE_ONCE(vq->avail->idx, vq->avail_idx);
	return 0;
}

void virtq_kick(struct virtq *vq)
{
	__asm__ __volatile__("mfence" ::: "memory");
	wr(vq->dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

bool virtq_has_used(const struct virtq *vq)
{
	return READ_ONCE(vq->used->idx) != vq->last_used;
}

/* Returns the chain from head to the free list. */
static void free_chain(struct virtq *vq, uint16_t head)
{
	uint16_t i = head, n = 1;

	while (vq->desc[i].flags & VIRTQ_DESC_F_NEXT) {
		i = vq->desc[i].next;
		n++;
	}
	vq->desc[i].next = vq->free_head;
	vq->free_head = head;
	vq->num_free = (uint16_t)(vq->num_free + n);
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
	if (!virtq_has_used(vq))
		return NULL;
	barrier();
	const volatile struct virtq_used_elem *e = &vq->used->ring[vq->last_used & (vq->num - 1)];
	uint32_t id = e->id;
	if (len)
		*len = e->len;
	vq->last_used++;
	if (id >= vq->num)
		panic("virtq_get_used: device returned descriptor %u of %u", id, vq->num);
	void *token = vq->token[id];
	vq->token[id] = NULL;
	free_chain(vq, (uint16_t)id);
	return token;
}

void *virtq_wait_used(struct virtq *vq, uint32_t *len)
{
	unsigned long flags = read_flags();
	void *token;

	for (;;) {
		irq_disable();
		token = virtq_get_used(vq, len);
		if (token)
			break;
		if (flags & X86_EFLAGS_IF)
			safe_halt();    /* sti; hlt: no wake-up lost in between */
		else
			__asm__ __volatile__("pause");
	}
	if (flags & X86_EFLAGS_IF)
		irq_enable();
	return token;
}

/* ---- device config ---------------------------------------------------- */

uint32_t virtio_cread32(struct virtio_dev *vd, unsigned off)
{
	uint32_t gen, v;

	do {
		gen = rd(vd, VIRTIO_MMIO_CONFIG_GENERATION);
		v = rd(vd, VIRTIO_MMIO_CONFIG + off);
	} while (gen != rd(vd, VIRTIO_MMIO_CONFIG_GENERATION));
	return v;
}

void virtio_cwrite32(struct virtio_dev *vd, unsigned off, uint32_t v)
{
	wr(vd, VIRTIO_MMIO_CONFIG + off, v);
}
