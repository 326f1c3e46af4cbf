/*
 * reclaim.c: the LRU over mm/policy.h, reverse mapping, eviction of
 * private anonymous frames to swap, direct reclaim and kswapd (reclaim.h).
 *
 * Invariants:
 *  - a frame is tracked by the policy iff it is PG_ANON and mapped or in
 *    the swap cache; reclaim_page_freed untracks it before it is freed;
 *  - frames[pfn - first_pfn].va is the user address of every mapping of a
 *    tracked frame; .mm, when not NULL and mapcount is 1, is the space of
 *    that one mapping (set by reclaim_page_mapped, cleared when a second
 *    mapping comes; mapcount leaves 1 only through 0, i.e. a free or the
 *    swap cache, or through reclaim_page_mapped);
 *  - eviction goes in batches: victims are inspected (one rmap walk: dirty
 *    bits, mappings the caller holds), the dirty or uncached ones written
 *    in one disk request per run of slots, then all unmapped and freed;
 *    while batched they are off the policy's lists and nothing allocates.
 *  - kswapd runs only when woken (a zone under its low mark) and sleeps
 *    once free pages are above the high marks or it cannot make progress.
 * Order of calls: reclaim -> swap (slots, cache, disk) -> page allocator;
 * never the reverse except through the buddy's reclaim hooks, which skip
 * the current process's frames (see reclaim.h).
 */
#include <reclaim.h>
#include <swap.h>
#include <uvm.h>
#include <rmap.h>
#include <sched.h>
#include <slab.h>
#include <vmstat.h>
#include <cmdline.h>
#include <page_alloc.h>
#include <printk.h>
#include <string.h>

#define SWAP_CLUSTER_MAX 32     /* frames per reclaim round (Linux's) */
#define FAULT_MARGIN     64     /* pages a fault may take: fault-around, tables */

static struct reclaim_frame *frames;   /* one per pfn of the buddy's array */
static uint64_t first_pfn, nr_frames;
static struct policy lru;
static struct wait_queue kswapd_wait = WAIT_QUEUE_INIT(kswapd_wait);
static bool kswapd_wanted;
static struct task *kswapd_task;

struct reclaim_frame *reclaim_frame(const struct page *p)
{
	uint64_t pfn = buddy_page_to_pfn(page_alloc_buddy(), p);

	return frames && pfn - first_pfn < nr_frames ? &frames[pfn - first_pfn] : NULL;
}

static struct page *frame_page(struct policy_frame *f)
{
	struct reclaim_frame *rf = container_of(f, struct reclaim_frame, pf);

	return buddy_pfn_to_page(page_alloc_buddy(), first_pfn + (uint64_t)(rf - frames));
}

const char *reclaim_policy_name(void)
{
	return lru.ops ? lru.ops->name : "none";
}

/* ---- reverse mapping -------------------------------------------------- */

/* The PTE mapping pa at va in mm, or NULL. */
static pte_t *mapping_pte(struct mm *mm, uint64_t va, phys_addr_t pa)
{
	pte_t *pde, *pte = uvm_pte_slot(mm, va, &pde);

	return pte && (*pte & PTE_P) && (*pte & PTE_ADDR_MASK) == pa ? pte : NULL;
}

unsigned reclaim_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg)
{
	struct reclaim_frame *rf = reclaim_frame(p);
	phys_addr_t pa = buddy_page_to_phys(page_alloc_buddy(), p);
	unsigned n = 0, want = (unsigned)p->mapcount;   /* fn may unmap */
	struct list_head *pos;
	pte_t *pte;

	if (want == 1 && rf->mm && (pte = mapping_pte(rf->mm, rf->va, pa))) {
		fn(rf->mm, pte, rf->va, arg);
		return 1;
	}
	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, tasks);
		pte_t *pde;

		if (!t->mm || n >= want)
			continue;
		pte = uvm_pte_slot(t->mm, rf->va, &pde);
		if (!pte || !(*pte & PTE_P) || (*pte & PTE_ADDR_MASK) != pa)
			continue;
		n++;
		if (!fn(t->mm, pte, rf->va, arg))
			break;
	}
	return n;
}

/* Tests and clears one accessed bit (the policy's young callback's step). */
static bool young_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	if (*pte & PTE_A) {
		*pte &= ~PTE_A;
		if (current->mm == mm)
			mm_tlb_flush_page(va);   /* so the next access sets it again */
		*(bool *)arg = true;
	}
	return true;
}

static bool frame_young(struct policy_frame *f, void *ctx)
{
	bool young = false;

	(void)ctx;
	reclaim_rmap_walk(frame_page(f), young_one, &young);
	return young;
}

/* ---- LRU hooks -------------------------------------------------------- */

void reclaim_page_mapped(struct page *p, struct mm *mm, uint64_t va)
{
	struct reclaim_frame *rf = reclaim_frame(p);

	if (!rf || !(p->flags & PG_ANON))
		return;
	rf->mm = p->mapcount == 1 ? mm : NULL;
	if (policy_tracks(&lru, &rf->pf))
		return;
	rf->va = va;
	policy_insert(&lru, &rf->pf);
}

void reclaim_page_freed(struct page *p)
{
	struct reclaim_frame *rf = reclaim_frame(p);

	if (!rf)
		return;
	if (policy_tracks(&lru, &rf->pf))
		policy_remove(&lru, &rf->pf);
	swap_cache_del(p);
}

/* ---- eviction --------------------------------------------------------- */

struct evict_ctx {
	struct page *page;
	struct mm *skip;        /* a space whose PTEs must not change */
	uint64_t slot;
	bool busy;              /* skip maps the frame, or an entry could not be made */
	bool dirty;             /* a mapping wrote it since its swap-in */
};

/* Victims on their way out: all of them, and those to write first. */
struct evict_batch {
	unsigned n, nr_write;
	struct page *page[SWAP_WRITE_BATCH];
	struct page *write[SWAP_WRITE_BATCH];
};

static bool inspect_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct evict_ctx *c = arg;

	(void)va;
	c->busy |= mm == c->skip;
	c->dirty |= (*pte & PTE_D) != 0;
	return !c->busy;
}

/* Replaces one PTE of the frame by its swap entry. */
static bool unmap_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct evict_ctx *c = arg;

	if (swap_entry_dup(c->slot)) {
		c->busy = true;
		return false;
	}
	*pte = swp_entry(c->slot);
	if (current->mm == mm)
		mm_tlb_flush_page(va);
	mm->rss[MM_ANON]--;
	mm->rss[MM_SWAPENTS]++;
	rmap_remove(c->page);
	return true;
}

/*
 * Takes a victim into the batch: to be written unless the swap cache
 * holds a clean copy. Returns false when skip maps it (it stays).
 */
static bool batch_add(struct evict_batch *b, struct page *p, struct mm *skip)
{
	struct evict_ctx c = { .page = p, .skip = skip };

	if (skip || swap_cache_slot(p))         /* else nothing to learn */
		reclaim_rmap_walk(p, inspect_one, &c);
	if (c.busy)
		return false;
	if (c.dirty)
		swap_cache_del(p);      /* the copy on disk is stale */
	if (!swap_cache_slot(p))
		b->write[b->nr_write++] = p;
	b->page[b->n++] = p;
	return true;
}

/* Replaces every mapping of a cached frame by its entry and frees it. */
static bool unmap_and_free(struct page *p)
{
	struct evict_ctx c = { .page = p, .slot = swap_cache_slot(p) };

	if (!c.slot)
		return false;           /* its write failed */
	reclaim_rmap_walk(p, unmap_one, &c);
	return swap_page_evicted(p);
}

/* Writes, unmaps and frees the batch; the frames that stay go back on the LRU. */
static unsigned long evict_batch(struct evict_batch *b)
{
	unsigned long freed = 0;

	swap_pages_write(b->write, b->nr_write);
	for (unsigned i = 0; i < b->n; i++) {
		struct page *p = b->page[i];
		if (unmap_and_free(p))
			freed++;
		else if (p->flags & PG_ANON)
			policy_insert(&lru, &reclaim_frame(p)->pf);
	}
	b->n = b->nr_write = 0;
	return freed;
}

static bool can_swap(void)
{
	return swap_active() && swap_free_pages() + swap_cached_pages() > 0;
}

/*
 * Evicts up to nr frames, looking at no more than 2 * nr + SWAP_CLUSTER_MAX
 * victims (a scan of the whole list per call would cost seconds where ring
 * 0 is emulated). Returns frames freed.
 */
static unsigned long shrink(unsigned long nr, bool direct, struct mm *skip)
{
	unsigned long freed = 0, scanned = 0;
	unsigned long budget = MM_MIN(lru.nr_frames, 2 * nr + SWAP_CLUSTER_MAX);
	struct evict_batch b = { 0 };

	while (freed < nr && scanned < budget && can_swap()) {
		while (b.n < MM_MIN(SWAP_WRITE_BATCH, nr - freed) && scanned < budget) {
			struct policy_frame *f = policy_victim(&lru);
			if (!f)
				break;
			scanned++;
			if (!batch_add(&b, frame_page(f), skip))
				policy_insert(&lru, f);
		}
		if (!b.n)
			break;
		freed += evict_batch(&b);
	}
	count_vm_events(direct ? VM_PGSCAN_DIRECT : VM_PGSCAN_KSWAPD, scanned);
	count_vm_events(direct ? VM_PGSTEAL_DIRECT : VM_PGSTEAL_KSWAPD, freed);
	if (freed < nr)
		count_vm_events(VM_SLABS_SCANNED, slab_shrink_all());
	return freed;
}

unsigned long reclaim_shrink(unsigned long n, bool direct)
{
	return shrink(n, direct, NULL);
}

/* ---- watermarks, direct reclaim, kswapd ------------------------------- */

static uint64_t wmark_pages(enum buddy_wmark w)
{
	const struct buddy *b = page_alloc_buddy();
	uint64_t sum = 0;

	for (int z = 0; z < BUDDY_NR_ZONES; z++)
		sum += b->zones[z].managed_pages ? b->zones[z].wmark[w] : 0;
	return sum;
}

static void wake_kswapd(void)
{
	kswapd_wanted = true;
	if (kswapd_task)
		wake_up(&kswapd_wait);
}

static void kswapd(void *arg);

/*
 * Started at the first user fault, not at boot: pid 1 is init's (the VM
 * ends when pid 1 exits), so kernel threads are numbered after it.
 */
static void start_kswapd(void)
{
	static bool tried;

	if (tried)
		return;
	tried = true;
	kswapd_task = kthread_create(kswapd, NULL, "kswapd0");
	if (!kswapd_task)
		pr_err("reclaim: cannot start kswapd; direct reclaim only\n");
}

void reclaim_fault_prepare(void)
{
	uint64_t min, free;

	if (!frames)
		return;
	if (!kswapd_task)
		start_kswapd();
	free = page_alloc_nr_free();
	if (free < wmark_pages(BUDDY_WMARK_LOW))
		wake_kswapd();
	min = wmark_pages(BUDDY_WMARK_MIN) + FAULT_MARGIN;
	if (free >= min || !can_swap())
		return;
	count_vm_event(VM_ALLOCSTALL);
	shrink(min - free + SWAP_CLUSTER_MAX, true, NULL);
}

static void buddy_wake_kswapd(struct buddy *b, struct buddy_zone *z, unsigned order, void *ctx)
{
	(void)b;
	(void)z;
	(void)order;
	(void)ctx;
	wake_kswapd();
}

static uint64_t buddy_direct_reclaim(struct buddy *b, unsigned order, unsigned gfp, void *ctx)
{
	(void)b;
	(void)gfp;
	(void)ctx;
	/* No compaction here: order-0 evictions rarely make a large block, so
	 * a large request (fault-around's) gets one small round and falls back. */
	count_vm_event(VM_ALLOCSTALL);
	return shrink(order ? SWAP_CLUSTER_MAX / 4 : SWAP_CLUSTER_MAX, true, current->mm);
}

static void kswapd(void *arg)
{
	(void)arg;
	for (;;) {
		while (!kswapd_wanted)
			sleep_on(&kswapd_wait);
		kswapd_wanted = false;
		count_vm_event(VM_PAGEOUTRUN);
		/* rounds of the high marks' worth at least, as Linux's kswapd_shrink_node */
		while (page_alloc_nr_free() < wmark_pages(BUDDY_WMARK_HIGH))
			if (!shrink(MM_MAX(SWAP_CLUSTER_MAX, wmark_pages(BUDDY_WMARK_HIGH)),
				    false, NULL))
				break;
	}
}

/* The policy mm.policy names; lru when absent, unknown or exact-only. */
static const struct policy_ops *pick_policy(void)
{
	const char *name = kparams.mm_policy ? kparams.mm_policy : "lru";
	const struct policy_ops *ops = policy_by_name(name);

	if (ops && !(ops->flags & POLICY_OPS_EXACT))
		return ops;
	pr_warn("reclaim: mm.policy=%s %s; using lru\n", name,
		ops ? "needs every access reported" : "is unknown");
	return policy_by_name("lru");
}

/* Zeroed memory for n bytes from the page allocator; NULL when short. */
static void *boot_zalloc(uint64_t n)
{
	unsigned order = 0;

	while ((MM_PAGE_SIZE << order) < n)
		order++;
	phys_addr_t pa = order <= BUDDY_MAX_ORDER ? page_alloc(order, PAGE_ALLOC_ZERO) : 0;
	return pa ? mm_phys_to_virt(pa) : NULL;
}

void reclaim_init(void)
{
	const struct buddy *b = page_alloc_buddy();
	const struct policy_ops *ops = pick_policy();
	struct policy_config cfg = { .young = frame_young, .seed = 42 };
	static const struct buddy_reclaim_ops hooks = {
		.wake_kswapd = buddy_wake_kswapd, .direct_reclaim = buddy_direct_reclaim,
	};

	first_pfn = b->first_pfn;
	frames = boot_zalloc((b->last_pfn - first_pfn) * sizeof(*frames));
	if (ops == policy_by_name("random"))
		cfg.slots = boot_zalloc((b->last_pfn - first_pfn) * sizeof(*cfg.slots));
	cfg.nr_slots = cfg.slots ? b->last_pfn - first_pfn : 0;
	if (!frames || policy_init(&lru, ops, &cfg)) {
		frames = NULL;
		pr_err("reclaim: no memory for the LRU; reclaim stays off\n");
		return;
	}
	nr_frames = b->last_pfn - first_pfn;
	buddy_set_reclaim_ops(page_alloc_buddy(), &hooks);
	pr_info("reclaim: policy %s, swappiness %ld\n", ops->name,
		kparams.mm_swappiness >= 0 ? kparams.mm_swappiness : 60);
}
