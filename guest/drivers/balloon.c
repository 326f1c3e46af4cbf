/*
 * balloon.c: the virtio memory balloon driver (virtio 1.x section 5.5)
 * with MUST_TELL_HOST, STATS_VQ, DEFLATE_ON_OOM and free page REPORTING.
 *
 * The host's target (config num_pages) is the balloon size. Work runs in
 * the deferred context (virtio_run_deferred): the interrupt only notes
 * what changed. Inflate takes pages without reclaim first, then order-0
 * pages with reclaim (so inflating creates pressure), and hands PFNs to the
 * host 256 at a time; deflate tells the host first, then frees the pages;
 * `actual` follows each batch. Pages are never touched on the way (except
 * with balloon.verify=1).
 *
 * Without reclaim, pages come in blocks of up to 256 (the largest free
 * order that fits the batch), not one by one: one buddy call costs some
 * hundred emulated ring-0 instructions, ~0.3 ms on PVM, which would make
 * 64 MiB take seconds. The host sees order-0 PFNs either way; a deflate
 * that needs part of a block splits it (buddy_split_block).
 *
 * Invariants: b.pages lists the blocks the host holds (head pages linked
 * through page->lru, page->private = order; balloon is their allocator of
 * record), 2^order pages each, b.nr_pages in all;
 * b.busy is set while a queue is in use, so the OOM notifier (which can
 * run inside any allocation) never re-enters a queue or our own inflate.
 *
 * Deflate-on-OOM live-lock: the notifier gives 256 pages back per call;
 * then the balloon does not re-inflate until the host sets a different
 * target. Otherwise it would take the pages again right away, the guest
 * would hit OOM again, and so on forever (seen with other VMMs).
 *
 * Reporting: every REPORT_PERIOD the work isolates free blocks of order
 * >= 9 that were already free at the previous scan (buddy_report_isolate),
 * reports them in one chain and puts them back marked reported.
 */
#include "vmstat.h"
#include <virtio.h>
#include <buddy.h>
#include <cmdline.h>
#include <page_alloc.h>
#include <printk.h>
#include <string.h>
#include <time.h>
#include <asm/cpu.h>

#define F_MUST_TELL_HOST 0
#define F_STATS_VQ       1
#define F_DEFLATE_ON_OOM 2
#define F_REPORTING      5
#define Q_INFLATE 0
#define Q_DEFLATE 1
#define Q_STATS   2
#define CFG_NUM_PAGES 0
#define CFG_ACTUAL    4

#define PFN_BATCH      256
#define BATCH_ORDER    8        /* 2^8 == PFN_BATCH */
#define OOM_PAGES      256
#define REPORT_ORDER   9
#define REPORT_MAX     32
#define REPORT_PERIOD  (2 * HZ)
#define RETRY_PERIOD   HZ

enum { ST_SWAP_IN, ST_SWAP_OUT, ST_MAJFLT, ST_MINFLT, ST_MEMFREE, ST_MEMTOT,
       ST_AVAIL, ST_CACHES, NR_STATS };

struct balloon_stat {
	uint16_t tag;
	uint64_t val;
} __packed;

struct balloon {
	struct virtio_dev *vd;
	struct list_head pages;       /* pages held by the host */
	uint32_t nr_pages;            /* == `actual` */
	uint32_t target;              /* last num_pages read */
	volatile bool busy;           /* a queue or inflate in progress */
	volatile bool stats_wanted;   /* host returned the stats buffer */
	bool started;                 /* first work run done */
	bool oom_hold;                /* no inflate until the target changes */
	uint32_t oom_target;          /* the target when oom_hold was set */
	uint64_t oom_pages;           /* given back on OOM, total */
	unsigned long retry_at;       /* jiffies of the next inflate retry */
	unsigned long report_at;      /* jiffies of the next reporting scan */
	unsigned q_report;            /* after the queues that exist (Linux, QEMU) */
	uint64_t reported_pages;
	uint32_t pfns[PFN_BATCH];
	struct balloon_stat stats[NR_STATS];
	struct buddy_oom_notifier oom;
};

static struct balloon balloon;

static struct buddy *bb(void)
{
	return page_alloc_buddy();
}

/* ---- telling the host -------------------------------------------------- */

/* Sends n PFNs on queue q and waits for the host. */
static void tell_host(struct balloon *b, unsigned q, unsigned n)
{
	struct virtq *vq = &b->vd->vqs[q];
	struct virtq_buf buf = { mm_virt_to_phys(b->pfns), (uint32_t)(4 * n), false };

	if (virtq_add_buf(vq, &buf, 1, b) < 0)
		panic("tell_host: queue %u is full", q);
	virtq_kick(vq);
	virtq_wait_used(vq, NULL);
}

static void update_actual(struct balloon *b)
{
	virtio_cwrite32(b->vd, CFG_ACTUAL, b->nr_pages);
}

/* ---- inflate and deflate ---------------------------------------------- */

/* The largest order <= BATCH_ORDER whose block fits in n pages. */
static unsigned fit_order(unsigned n)
{
	unsigned o = 0;

	while (o < BATCH_ORDER && (2u << o) <= n)
		o++;
	return o;
}

/*
 * A block of at most 2^order pages: each order down to 0 without reclaim,
 * then order 0 with reclaim. Sets *got to its order; NULL when none.
 */
static struct page *inflate_alloc(unsigned order, unsigned *got)
{
	for (int o = (int)order; o >= 0; o--) {
		struct page *p = buddy_alloc_pages(bb(), 0, (unsigned)o);
		if (p) {
			*got = (unsigned)o;
			return p;
		}
	}
	*got = 0;
	return buddy_alloc_pages(bb(), BUDDY_GFP_RECLAIM, 0);
}

/* Inflates by up to n pages (n <= PFN_BATCH); returns pages added. */
static unsigned inflate_batch(struct balloon *b, unsigned n)
{
	unsigned got = 0, o;

	while (got < n) {
		struct page *p = inflate_alloc(fit_order(n - got), &o);
		if (!p)
			break;
		p->private = o;
		list_add(&p->lru, &b->pages);
		uint32_t pfn = (uint32_t)buddy_page_to_pfn(bb(), p);
		for (uint32_t i = 0; i < (1u << o); i++)
			b->pfns[got++] = pfn + i;
	}
	if (got) {
		tell_host(b, Q_INFLATE, got);
		count_vm_events(VM_BALLOON_INFLATE, got);
		b->nr_pages += got;
		update_actual(b);
	}
	return got;
}

/* Writes and reads back every page (balloon.verify=1); panics on a mismatch. */
static void verify_pages(struct balloon *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		volatile uint64_t *w = mm_phys_to_virt((phys_addr_t)b->pfns[i] << MM_PAGE_SHIFT);
		uint64_t v = 0x5a5a000000000000ull | b->pfns[i];
		w[0] = v;
		w[511] = ~v;
		if (w[0] != v || w[511] != ~v)
			panic("verify_pages: pfn 0x%x does not keep what was written", b->pfns[i]);
	}
}

/* The first held block, split down to at most max pages, taken off the list. */
static struct page *take_block(struct balloon *b, unsigned max)
{
	struct page *p = list_entry(b->pages.next, struct page, lru);
	unsigned o = (unsigned)p->private;

	while ((1u << o) > max) {
		struct page *upper = buddy_split_block(bb(), p, o);
		p->private = upper->private = --o;
		list_add(&upper->lru, &p->lru);
	}
	list_del(&p->lru);
	return p;
}

/* Deflates by up to n pages (n <= PFN_BATCH), host told first. Returns pages freed. */
static unsigned deflate_batch(struct balloon *b, unsigned n)
{
	struct list_head taken;
	unsigned got = 0;

	list_init(&taken);
	while (got < n && !list_empty(&b->pages)) {
		struct page *p = take_block(b, n - got);
		uint32_t pfn = (uint32_t)buddy_page_to_pfn(bb(), p);
		list_add(&p->lru, &taken);
		for (uint32_t i = 0; i < (1u << p->private); i++)
			b->pfns[got++] = pfn + i;
	}
	if (!got)
		return 0;
	tell_host(b, Q_DEFLATE, got);   /* MUST_TELL_HOST: before any reuse */
	if (kparams.balloon_verify)
		verify_pages(b, got);
	while (!list_empty(&taken)) {
		struct page *p = list_entry(taken.next, struct page, lru);
		list_del(&p->lru);
		buddy_free_pages(bb(), p, (unsigned)p->private);
	}
	b->nr_pages -= got;
	count_vm_events(VM_BALLOON_DEFLATE, got);
	update_actual(b);
	return got;
}

/* The target we aim for: the host's, unless OOM holds us lower. */
static uint32_t effective_target(struct balloon *b)
{
	uint32_t t = virtio_cread32(b->vd, CFG_NUM_PAGES);

	if (b->oom_hold && t != b->oom_target)
		b->oom_hold = false;
	b->target = t;
	return b->oom_hold && t > b->nr_pages ? b->nr_pages : t;
}

static void balloon_resize(struct balloon *b)
{
	unsigned long t0 = jiffies;
	uint32_t start = b->nr_pages, want;

	while ((want = effective_target(b)) != b->nr_pages) {
		if (want > b->nr_pages) {
			unsigned n = MM_MIN(want - b->nr_pages, PFN_BATCH);
			if (inflate_batch(b, n) < n) {
				b->retry_at = jiffies + RETRY_PERIOD;
				break;
			}
		} else {
			deflate_batch(b, MM_MIN(b->nr_pages - want, PFN_BATCH));
		}
	}
	if (b->nr_pages != start)
		pr_info("balloon: %s to %u pages (target %u) in %lu ms, free %lu KiB\n",
			b->nr_pages > start ? "inflated" : "deflated", b->nr_pages, b->target,
			(jiffies - t0) * (1000 / HZ), page_alloc_nr_free() << 2);
}

/* ---- deflate on OOM ----------------------------------------------------- */

static uint64_t balloon_oom_notify(struct buddy *bud, unsigned order, void *ctx)
{
	struct balloon *b = ctx;
	unsigned n;

	(void)bud;
	(void)order;
	if (b->busy || !b->nr_pages)
		return 0;               /* our own inflate, or nothing left to give */
	b->busy = true;
	n = deflate_batch(b, OOM_PAGES);
	b->oom_pages += n;
	if (!b->oom_hold)
		pr_warn("balloon: out of memory, deflating (target %u pages stays unmet until the host changes it)\n",
			b->target);
	b->oom_hold = true;
	b->oom_target = b->target;
	b->busy = false;
	return n;
}

/*
 * balloon.oomtest=1: once the balloon first reaches a non-zero target,
 * allocates (with reclaim, 16 pages at a time) until the allocator gives
 * up, so the OOM notifier must deflate; then frees it all. It must end:
 * no re-inflation inside, and none after until the host's target changes.
 */
static void oom_test(struct balloon *b)
{
	struct list_head hog;
	uint64_t pages = 0, held = b->nr_pages, given = b->oom_pages;
	struct page *p;

	list_init(&hog);
	while ((p = buddy_alloc_pages(bb(), BUDDY_GFP_KERNEL, 4)) != NULL) {
		list_add(&p->lru, &hog);
		pages += 16;
	}
	pr_info("balloon: oom test: hog got %llu pages, balloon gave %llu of %llu back, actual %u\n",
		(unsigned long long)pages, (unsigned long long)(b->oom_pages - given),
		(unsigned long long)held, b->nr_pages);
	while (!list_empty(&hog)) {
		p = list_entry(hog.next, struct page, lru);
		list_del(&p->lru);
		buddy_free_pages(bb(), p, 4);
	}
}

/* ---- statistics ---------------------------------------------------------- */

static void stats_fill(struct balloon *b)
{
	uint64_t free = (uint64_t)page_alloc_nr_free() << MM_PAGE_SHIFT;
	uint64_t total = buddy_nr_managed_pages(bb()) << MM_PAGE_SHIFT;
	/* No swap, fault or page-cache counters exist yet: those report 0. */
	const uint64_t val[NR_STATS] = { [ST_MEMFREE] = free, [ST_MEMTOT] = total,
					 [ST_AVAIL] = free };

	for (unsigned i = 0; i < NR_STATS; i++) {
		b->stats[i].tag = (uint16_t)i;
		b->stats[i].val = val[i];
	}
}

static void stats_send(struct balloon *b)
{
	struct virtq *vq = &b->vd->vqs[Q_STATS];
	struct virtq_buf buf = { mm_virt_to_phys(b->stats), sizeof(b->stats), false };

	stats_fill(b);
	if (virtq_add_buf(vq, &buf, 1, b) == 0)
		virtq_kick(vq);
}

/* The host gave the stats buffer back: it wants fresh figures. */
static void stats_refresh(struct balloon *b)
{
	struct virtq *vq = &b->vd->vqs[Q_STATS];

	b->stats_wanted = false;
	if (virtq_get_used(vq, NULL))
		stats_send(b);
}

/* ---- free page reporting ------------------------------------------------- */

/* Reports one chain of aged free blocks; returns how many it had. */
static unsigned report_round(struct balloon *b)
{
	uint64_t pfn[REPORT_MAX];
	uint8_t order[REPORT_MAX];
	struct virtq_buf bufs[REPORT_MAX];
	struct virtq *vq = &b->vd->vqs[b->q_report];
	unsigned max = MM_MIN(REPORT_MAX, vq->num_free);
	unsigned n = buddy_report_isolate(bb(), REPORT_ORDER, pfn, order, max);

	if (!n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		bufs[i] = (struct virtq_buf){ pfn[i] << MM_PAGE_SHIFT,
					      (uint32_t)(MM_PAGE_SIZE << order[i]), true };
	virtq_add_buf(vq, bufs, n, b);
	virtq_kick(vq);
	virtq_wait_used(vq, NULL);
	for (unsigned i = 0; i < n; i++) {
		buddy_report_putback(bb(), pfn[i], order[i]);
		b->reported_pages += 1ull << order[i];
	}
	pr_debug("balloon: reported %u free blocks, %llu pages in all\n", n,
		 (unsigned long long)b->reported_pages);
	return n == max ? n : 0;
}

/*
 * One scan every REPORT_PERIOD: blocks aged by the previous scan (so free
 * for at least that long) are reported, the others aged.
 */
static void report_free_pages(struct balloon *b)
{
	if ((long)(jiffies - b->report_at) < 0)
		return;
	b->report_at = jiffies + REPORT_PERIOD;
	while (report_round(b))
		;
}

/* ---- the driver ---------------------------------------------------------- */

static void balloon_start(struct balloon *b)
{
	b->started = true;
	if (virtio_has_feature(b->vd, F_STATS_VQ))
		stats_send(b);
	if (virtio_has_feature(b->vd, F_DEFLATE_ON_OOM))
		buddy_register_oom_notifier(bb(), &b->oom);
}

static void balloon_work(struct virtio_dev *vd)
{
	struct balloon *b = vd->priv;
	bool reporting = virtio_has_feature(vd, F_REPORTING);

	b->busy = true;
	if (!b->started)
		balloon_start(b);
	if (b->stats_wanted)
		stats_refresh(b);
	balloon_resize(b);
	if (reporting)
		report_free_pages(b);
	b->busy = false;
	if (kparams.balloon_oomtest && b->target && b->nr_pages == b->target) {
		kparams.balloon_oomtest = false;
		oom_test(b);
	}
	if (reporting)
		virtio_schedule_work_at(vd, b->report_at);
	if (b->nr_pages < b->target && !b->oom_hold)
		virtio_schedule_work_at(vd, b->retry_at);
}

static void balloon_config_changed(struct virtio_dev *vd)
{
	virtio_schedule_work(vd);
}

static void balloon_stats_done(struct virtq *vq)
{
	balloon.stats_wanted = true;
	virtio_schedule_work(vq->dev);
}

/* Parses SIZE with an optional K, M or G suffix; 0 on junk. */
static uint64_t parse_size(const char *s)
{
	char num[24];
	size_t n = strlen(s);
	unsigned shift = 0;
	unsigned long long v;

	if (n && (s[n - 1] == 'K' || s[n - 1] == 'M' || s[n - 1] == 'G')) {
		shift = s[n - 1] == 'K' ? 10 : s[n - 1] == 'M' ? 20 : 30;
		n--;
	}
	if (n == 0 || n >= sizeof(num))
		return 0;
	memcpy(num, s, n);
	num[n] = '\0';
	return str_to_u64(num, &v) ? 0 : (uint64_t)v << shift;
}

/*
 * balloon.touch=SIZE: allocates up to SIZE in max-order blocks, writes one
 * word per page and frees it all, so that much guest RAM is resident on
 * the host, as after a workload (for tests, until user programs exist).
 */
static void touch_memory(const char *arg)
{
	uint64_t want = parse_size(arg) >> MM_PAGE_SHIFT, done = 0;
	struct list_head blocks;

	list_init(&blocks);
	while (done < want) {
		struct page *p = buddy_alloc_pages(bb(), 0, BUDDY_MAX_ORDER);
		if (!p)
			break;
		volatile uint64_t *va = buddy_page_address(bb(), p);
		for (unsigned i = 0; i < (1u << BUDDY_MAX_ORDER); i++)
			va[i * (MM_PAGE_SIZE / 8)] = 0;
		list_add(&p->lru, &blocks);
		done += 1u << BUDDY_MAX_ORDER;
	}
	while (!list_empty(&blocks)) {
		struct page *p = list_entry(blocks.next, struct page, lru);
		list_del(&p->lru);
		buddy_free_pages(bb(), p, BUDDY_MAX_ORDER);
	}
	pr_info("balloon: touched %llu KiB of free memory\n", (unsigned long long)done << 2);
}

/* balloon.reporting=0 leaves REPORTING out of the negotiation. */
static uint64_t balloon_select_features(uint64_t f)
{
	return kparams.balloon_reporting ? f : f & ~(1ull << F_REPORTING);
}

static int balloon_probe(struct virtio_dev *vd)
{
	struct balloon *b = &balloon;

	memset(b, 0, sizeof(*b));
	b->vd = vd;
	vd->priv = b;
	list_init(&b->pages);
	b->oom = (struct buddy_oom_notifier){ .fn = balloon_oom_notify, .ctx = b };
	b->q_report = virtio_has_feature(vd, F_STATS_VQ) ? Q_STATS + 1 : Q_STATS;
	if (virtio_setup_vq(vd, Q_INFLATE, NULL) || virtio_setup_vq(vd, Q_DEFLATE, NULL) ||
	    (virtio_has_feature(vd, F_STATS_VQ) &&
	     virtio_setup_vq(vd, Q_STATS, balloon_stats_done)) ||
	    (virtio_has_feature(vd, F_REPORTING) && virtio_setup_vq(vd, b->q_report, NULL)))
		return -1;
	if (kparams.balloon_touch)
		touch_memory(kparams.balloon_touch);
	virtio_schedule_work(vd);
	return 0;
}

const struct virtio_driver balloon_driver = {
	.name = "virtio-balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.features = (1ull << F_MUST_TELL_HOST) | (1ull << F_STATS_VQ) |
		    (1ull << F_DEFLATE_ON_OOM) | (1ull << F_REPORTING),
	.select_features = balloon_select_features,
	.probe = balloon_probe,
	.config_changed = balloon_config_changed,
	.work = balloon_work,
};
