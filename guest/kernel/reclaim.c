/*
 * reclaim.c: the anonymous and file LRUs over mm/policy.h, reverse
 * mapping, eviction (private anonymous frames to swap, clean page-cache
 * frames dropped), the swappiness balance, workingset refaults, direct
 * reclaim and kswapd (reclaim.h).
 *
 * Invariants:
 *  - a frame is tracked by lru[LRU_ANON] iff it is PG_ANON and mapped or in
 *    the swap cache (reclaim_page_freed untracks it before it is freed),
 *    and by lru[LRU_FILE] iff it is PG_FILE and in the page cache, except
 *    while a shrink holds it as a victim;
 *  - page->user.va is the user address of every mapping of a tracked
 *    anonymous frame; .mm, when not NULL and mapcount is 1, is the space of
 *    that one mapping (set by reclaim_page_mapped, cleared when a second
 *    mapping comes; mapcount leaves 1 only through 0, i.e. a free or the
 *    swap cache, or through reclaim_page_mapped);
 *  - eviction goes in batches: victims are inspected (one rmap walk: dirty
 *    bits, mappings the caller holds), the dirty or uncached ones written
 *    in one disk request per run of slots, then all unmapped and freed;
 *    while batched they are off the policy's lists and nothing allocates.
 *  - file frames are never dirty (read-only files, private writes copy):
 *    dropping one is unmapping it everywhere and freeing it, leaving a
 *    shadow entry (the nonresident age at eviction) in its cache slot;
 *    an anonymous eviction leaves one with its swap slot (swap.c), and a
 *    refault closer than the working set's size is activated, either kind
 *    (Linux's workingset_refault);
 *  - kswapd runs only when woken (an allocation under a zone's low mark,
 *    or a fault that could take free pages there) and sleeps once free
 *    pages are above the high marks, it cannot make progress, or it has
 *    looked at the LRUs once in this wakeup.
 * Order of calls: reclaim -> a kind's store (reclaim_store_ops: swap's
 * slots, cache and disk; the file cache) -> page allocator;
 * never the reverse except through the buddy's reclaim hooks, which skip
 * the current process's frames (see reclaim.h).
 */
#include <reclaim.h>
#include <swap.h>
#include <uvm.h>
#include <rmap.h>
#include <tlb.h>
#include <sched.h>
#include <slab.h>
#include <vmstat.h>
#include <cmdline.h>
#include <page_alloc.h>
#include <pagecache.h>
#include <lruvec.h>
#include <printk.h>
#include <string.h>
#include <errno.h>

#define SWAP_CLUSTER_MAX LRUVEC_CLUSTER  /* frames per reclaim round (Linux's) */
#define FAULT_MARGIN     64     /* pages a fault may take: fault-around, tables */

static bool reclaim_on;                /* reclaim_init succeeded */
/* The LRUs, their costs, the shadow clock (mm/lruvec.h): the one node's. */
static struct lruvec node;
static struct policy *const lru = node.lru;
/* Where each kind of page goes when evicted (reclaim.h). */
static const struct reclaim_store_ops *const store[NR_LRU] = {
	[LRU_ANON] = &swap_store_ops, [LRU_FILE] = &file_store_ops,
};

/* The shadow entry of an eviction now: the clock, advanced (pagecache.h). */
static uint32_t next_shadow(void)
{
	return lruvec_shadow(&node);
}

static struct wait_queue kswapd_wait = WAIT_QUEUE_INIT(kswapd_wait);
static bool kswapd_wanted;
static struct task *kswapd_task;

static struct page *frame_page(struct policy_frame *f)
{
	return container_of(f, struct page, user.pf);
}

const char *reclaim_policy_name(void)
{
	return lru[LRU_ANON].ops ? lru[LRU_ANON].ops->name : "none";
}

/* ---- accessed bits ----------------------------------------------------- */

/* What one harvest of a frame's accessed bits found. */
struct young_ctx {
	bool want_exec;         /* a file frame: note executable mappings */
	bool young;
	bool exec;              /* accessed through an executable mapping */
};

static bool mapped_exec(struct mm *mm, uint64_t va)
{
	const struct vma *v = vma_lookup(&mm->vmas, va);

	return v && (v->prot & VMA_EXEC);
}

/* Tests and clears one accessed bit (the policy's young callback's step). */
static bool young_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct young_ctx *c = arg;

	if (!(*pte & PTE_A))
		return true;
	*pte &= ~PTE_A;
	flush_tlb_page(mm, va);   /* so the next access sets it again */
	c->young = true;
	c->exec |= c->want_exec && mapped_exec(mm, va);
	return true;
}

/* The policies' young hook: harvests the accessed bits of f's mappings and
 * remembers a use of program text for evict_file. */
static bool frame_young(struct policy_frame *f, void *ctx)
{
	struct page *p = frame_page(f);
	struct young_ctx c = { .want_exec = (p->flags & PG_FILE) != 0 };

	(void)ctx;
	reclaim_rmap_walk(p, young_one, &c);
	if (c.exec)
		p->user.exec_referenced = 1;
	return c.young;
}

/* ---- LRU hooks -------------------------------------------------------- */

/*
 * The name a page keeps through eviction, for the policies with history
 * (policy.h): a hash of the space it belongs to and its page there
 * (anonymous: mm and address; file: inode and index). Never
 * POLICY_KEY_NONE.
 */
static uint32_t page_key(const void *space, uint64_t page)
{
	uint64_t h = ((uint64_t)(uintptr_t)space * 0x9e3779b97f4a7c15ull) ^ page;
	uint32_t k = (uint32_t)(h >> 32) ^ (uint32_t)h;

	return k == POLICY_KEY_NONE ? 1 : k;
}

void reclaim_page_mapped(struct page *p, struct mm *mm, uint64_t va)
{
	struct page_user *rf = &p->user;

	if (!reclaim_on || !(p->flags & PG_ANON))
		return;
	rf->mm = p->mapcount == 1 ? mm : NULL;
	if (policy_tracks(&lru[LRU_ANON], &rf->pf))
		return;
	rf->va = va;
	rf->pf.key = page_key(mm, va >> MM_PAGE_SHIFT);
	policy_insert(&lru[LRU_ANON], &rf->pf);
}

void reclaim_page_freed(struct page *p)
{
	struct page_user *rf = &p->user;

	if (rf->pf.owner)
		policy_remove(rf->pf.owner, &rf->pf);
	store[LRU_ANON]->drop_copy(p);
}

/* The policies' list movements, as /proc/vmstat names them. */
static void sync_lru_events(void)
{
	vm_events[VM_PGACTIVATE] = lru[LRU_ANON].stats.activated + lru[LRU_FILE].stats.activated;
	vm_events[VM_PGDEACTIVATE] = lru[LRU_ANON].stats.deactivated +
				     lru[LRU_FILE].stats.deactivated;
	vm_events[VM_PGROTATED] = lru[LRU_ANON].stats.rotated + lru[LRU_FILE].stats.rotated;
}

void reclaim_page_accessed(struct page *p)
{
	struct page_user *rf = &p->user;

	if (rf->pf.owner) {
		policy_access(rf->pf.owner, &rf->pf);
		sync_lru_events();
	}
}

/*
 * Puts a frame filled from a file or from swap on its list (a refault, a
 * recent one activated: lruvec_insert_filled) and counts what it was.
 */
static void insert_filled(enum lru_kind kind, struct page_user *rf, uint32_t shadow)
{
	static const enum vm_event_item refault[NR_LRU] = {
		VM_WORKINGSET_REFAULT_ANON, VM_WORKINGSET_REFAULT_FILE };
	static const enum vm_event_item activate[NR_LRU] = {
		VM_WORKINGSET_ACTIVATE_ANON, VM_WORKINGSET_ACTIVATE_FILE };
	enum lruvec_fill fill = lruvec_insert_filled(&node, kind, &rf->pf, shadow,
						     store[LRU_ANON]->present());

	if (fill == LRUVEC_FILL_NEW)
		return;
	count_vm_event(VM_WORKINGSET_REFAULT);
	count_vm_event(refault[kind]);
	if (fill != LRUVEC_FILL_ACTIVATED)
		return;
	count_vm_event(activate[kind]);
	sync_lru_events();
}

void reclaim_file_added(struct page *p, struct inode *ino, uint64_t index, uint32_t shadow)
{
	struct page_user *rf = &p->user;

	if (!reclaim_on)
		return;
	rf->inode = ino;
	rf->index = index;
	rf->pf.key = page_key(ino, index);
	rf->exec_referenced = 0;
	insert_filled(LRU_FILE, rf, shadow);
}

void reclaim_anon_refault(struct page *p, struct mm *mm, uint64_t va, uint32_t shadow)
{
	struct page_user *rf = &p->user;

	if (!reclaim_on)
		return;
	rf->va = va;
	rf->mm = NULL;
	rf->pf.key = page_key(mm, va >> MM_PAGE_SHIFT);     /* as reclaim_page_mapped names it */
	insert_filled(LRU_ANON, rf, shadow);
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

	if (store[LRU_ANON]->entry_dup(c->slot)) {
		c->busy = true;
		return false;
	}
	*pte = swp_entry(c->slot);
	flush_tlb_page(mm, va);   /* wherever mm is loaded, kswapd's lazy CR3 too */
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

	const struct reclaim_store_ops *to = store[LRU_ANON];

	if (skip || to->copy_slot(p))           /* else nothing to learn */
		reclaim_rmap_walk(p, inspect_one, &c);
	if (c.busy)
		return false;
	if (c.dirty)
		to->drop_copy(p);       /* the copy on disk is stale */
	if (!to->copy_slot(p))
		b->write[b->nr_write++] = p;
	b->page[b->n++] = p;
	return true;
}

/* Replaces every mapping of a cached frame by its entry and frees it. */
static bool unmap_and_free(struct page *p)
{
	struct evict_ctx c = { .page = p, .slot = store[LRU_ANON]->copy_slot(p) };

	if (!c.slot)
		return false;           /* its write failed */
	reclaim_rmap_walk(p, unmap_one, &c);
	if (p->mapcount)
		return false;           /* a slot count full, or a mapping outside every task */
	store[LRU_ANON]->evicted(p, next_shadow());
	return true;
}

/* Writes, unmaps and frees the batch; the frames that stay go back on the LRU. */
static unsigned long evict_batch(struct evict_batch *b)
{
	unsigned long freed = 0;

	store[LRU_ANON]->write(b->write, b->nr_write);
	lruvec_note_cost(&node, LRU_ANON, (uint64_t)b->nr_write * SWAP_CLUSTER_MAX);
	for (unsigned i = 0; i < b->n; i++) {
		struct page *p = b->page[i];
		if (unmap_and_free(p)) {
			freed++;
		} else if (p->flags & PG_ANON) {
			policy_insert(&lru[LRU_ANON], &p->user.pf);
		}
	}
	b->n = b->nr_write = 0;
	return freed;
}

static bool can_swap(void)
{
	return store[LRU_ANON]->has_room();
}

/*
 * The most victims a call for nr frames looks at (lruvec_scan_budget):
 * a scan of the whole list per call would cost seconds where ring 0 is
 * emulated.
 */
static unsigned long scan_budget(enum lru_kind kind, unsigned long nr)
{
	return lruvec_scan_budget(&node, kind, nr);
}

/* Evicts up to nr anonymous frames to swap, in batches. */
static void shrink_anon(unsigned long nr, struct mm *skip, struct lruvec_scan *sc)
{
	unsigned long budget = scan_budget(LRU_ANON, nr), scanned = 0, freed = 0;
	struct evict_batch b = { 0 };

	while (freed < nr && scanned < budget && can_swap()) {
		while (b.n < MM_MIN(SWAP_WRITE_BATCH, nr - freed) && scanned < budget) {
			struct policy_frame *f = policy_victim(&lru[LRU_ANON]);
			if (!f)
				break;
			scanned++;
			if (!batch_add(&b, frame_page(f), skip))
				policy_insert(&lru[LRU_ANON], f);
		}
		if (!b.n)
			break;
		freed += evict_batch(&b);
	}
	sc->scanned += scanned;
	sc->freed += freed;
}

struct file_evict {
	struct page *page;
	struct mm *skip;        /* a space whose PTEs must not change */
	bool busy;
	struct young_ctx young;
};

/* One mapping looked at: its accessed bit harvested, skip noted. */
static bool file_inspect_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct file_evict *c = arg;

	young_one(mm, pte, va, &c->young);
	c->busy |= mm == c->skip;
	return true;
}

/* Unmaps one mapping of a page-cache frame; pt frees a table it empties. */
static bool file_unmap_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct file_evict *c = arg;

	(void)pte;
	if (pt_unmap(&mm->pt, va, MM_PAGE_SIZE))
		return false;
	mm->rss[MM_FILE]--;
	rmap_remove(c->page);
	return true;
}

enum file_verdict { FILE_DROPPED, FILE_KEPT, FILE_ACTIVATED };

/*
 * Drops a clean page-cache frame: unmapped everywhere, shadow left, freed.
 * Program text used since reclaim last looked stays and is activated
 * (Linux's page_check_references for VM_EXEC file pages): without it a
 * task short of memory would evict the code it is about to run, and
 * without swap never get anywhere.
 */
static enum file_verdict evict_file(struct page *p, struct mm *skip)
{
	struct page_user *rf = &p->user;
	struct file_evict c = { .page = p, .skip = skip, .young = { .want_exec = true } };

	reclaim_rmap_walk(p, file_inspect_one, &c);     /* fifo and random never look */
	if (rf->exec_referenced || c.young.exec) {
		rf->exec_referenced = 0;
		return FILE_ACTIVATED;
	}
	if (c.busy)
		return FILE_KEPT;
	reclaim_rmap_walk(p, file_unmap_one, &c);
	if (p->mapcount)
		return FILE_KEPT;       /* a mapping outside every task (a fork in progress) */
	store[LRU_FILE]->evicted(p, next_shadow());
	return FILE_DROPPED;
}

/* Drops up to nr clean page-cache frames. */
static void shrink_file(unsigned long nr, struct mm *skip, struct lruvec_scan *sc)
{
	unsigned long budget = scan_budget(LRU_FILE, nr), scanned = 0, freed = 0;

	while (freed < nr && scanned < budget) {
		struct policy_frame *f = policy_victim(&lru[LRU_FILE]);
		if (!f)
			break;
		scanned++;
		switch (evict_file(frame_page(f), skip)) {
		case FILE_DROPPED:
			freed++;
			break;
		case FILE_KEPT:
			policy_insert(&lru[LRU_FILE], f);
			break;
		case FILE_ACTIVATED:
			policy_insert_hot(&lru[LRU_FILE], f);
			break;
		}
	}
	sc->scanned += scanned;
	sc->freed += freed;
}

long reclaim_swappiness(void)
{
	return kparams.mm_swappiness >= 0 ? kparams.mm_swappiness : 60;
}

int reclaim_set_swappiness(long v)
{
	if (v < 0 || v > 200)
		return -EINVAL;
	kparams.mm_swappiness = v;
	return 0;
}

static uint64_t wmark_pages(enum buddy_wmark w)
{
	const struct buddy *b = page_alloc_buddy();
	uint64_t sum = 0;

	for (int z = 0; z < BUDDY_NR_ZONES; z++)
		sum += b->zones[z].managed_pages ? b->zones[z].wmark[w] : 0;
	return sum;
}

/*
 * Linux's file_is_tiny: the page cache and free memory together are below
 * the high marks, so the file list cannot balance the zones, and scanning
 * it would only rotate the few pages in use (program text).
 */
static bool file_is_tiny(void)
{
	return lru[LRU_FILE].nr_frames + page_alloc_nr_free() <= wmark_pages(BUDDY_WMARK_HIGH);
}

/*
 * How many of nr frames to take from the anonymous list (lruvec_anon_share:
 * none without swap, all when the page cache is too small to matter).
 */
static unsigned long anon_share(unsigned long nr)
{
	struct lruvec_balance b = { .swappiness = (uint64_t)reclaim_swappiness(),
				    .can_swap = can_swap() };

	b.file_is_tiny = b.can_swap && lru[LRU_ANON].nr_frames && file_is_tiny();
	return lruvec_anon_share(&node, nr, &b);
}

static void count_scan(const struct lruvec_scan *sc, bool direct)
{
	unsigned long scanned = sc[LRU_ANON].scanned + sc[LRU_FILE].scanned;
	unsigned long freed = sc[LRU_ANON].freed + sc[LRU_FILE].freed;

	count_vm_events(direct ? VM_PGSCAN_DIRECT : VM_PGSCAN_KSWAPD, scanned);
	count_vm_events(direct ? VM_PGSTEAL_DIRECT : VM_PGSTEAL_KSWAPD, freed);
	count_vm_events(VM_PGSCAN_ANON, sc[LRU_ANON].scanned);
	count_vm_events(VM_PGSCAN_FILE, sc[LRU_FILE].scanned);
	count_vm_events(VM_PGSTEAL_ANON, sc[LRU_ANON].freed);
	count_vm_events(VM_PGSTEAL_FILE, sc[LRU_FILE].freed);
	/*
	 * Frames kept cost a rotation each (Linux's nr_rotated); a file frame
	 * kept is program text in use or mapped by the faulting task, whose
	 * dropping would have been a refault's I/O, so it costs what one does.
	 */
	lruvec_note_scan(&node, sc);
	sync_lru_events();
}

/*
 * Whose mappings a shrink must leave alone: a space whose PTEs the
 * interrupted code may hold (direct reclaim inside an allocation), and a
 * space whose page cache a faulting task would otherwise drop itself.
 */
struct shrink_skip {
	struct mm *anon, *file;
};

/*
 * Frees up to nr frames: the file share first, by swappiness and sizes,
 * what it could not give taken from the anonymous list, and the file list
 * asked again when that gave nothing (no swap, or every anonymous frame in
 * use). Returns the frames looked at and freed, both lists together.
 */
static struct lruvec_scan shrink(unsigned long nr, bool direct, struct shrink_skip skip)
{
	struct lruvec_scan sc[NR_LRU] = { { 0, 0 } };
	unsigned long anon = anon_share(nr);

	shrink_file(nr - anon, skip.file, &sc[LRU_FILE]);
	shrink_anon(anon + (nr - anon - sc[LRU_FILE].freed), skip.anon, &sc[LRU_ANON]);
	if (!sc[LRU_ANON].freed && sc[LRU_FILE].freed < nr)   /* anon gave nothing */
		shrink_file(nr - sc[LRU_FILE].freed, skip.file, &sc[LRU_FILE]);
	count_scan(sc, direct);
	lruvec_age(&node, sc);
	return (struct lruvec_scan){ .scanned = sc[LRU_ANON].scanned + sc[LRU_FILE].scanned,
			      .freed = sc[LRU_ANON].freed + sc[LRU_FILE].freed };
}

/* Empty slabs back to the page allocator: when the LRUs fall short of a real need. */
static void shrink_slabs(void)
{
	count_vm_events(VM_SLABS_SCANNED, slab_shrink_all());
}

/* ---- watermarks, direct reclaim, kswapd ------------------------------- */

static bool can_reclaim(void)
{
	return can_swap() || lru[LRU_FILE].nr_frames;
}

static void wake_kswapd(void)
{
	kswapd_wanted = true;
	if (kswapd_task)
		wake_up_background(&kswapd_wait);
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

	if (!reclaim_on)
		return;
	if (!kswapd_task)
		start_kswapd();
	/*
	 * The fault may take FAULT_MARGIN pages without reclaiming, so it is
	 * judged as the allocation it may become: kswapd is woken when it
	 * could take free pages under low, direct reclaim runs when it could
	 * take them under min. (Waking at low itself never happened where
	 * min + FAULT_MARGIN passes low, in small guests: direct reclaim
	 * came first, every time.)
	 */
	free = page_alloc_nr_free();
	if (free < wmark_pages(BUDDY_WMARK_LOW) + FAULT_MARGIN)
		wake_kswapd();
	min = wmark_pages(BUDDY_WMARK_MIN) + FAULT_MARGIN;
	if (free >= min || !can_reclaim())
		return;
	count_vm_event(VM_ALLOCSTALL);
	/*
	 * The faulting task's own anonymous pages may go (they are what a
	 * lone hog can give), its page cache not: its program text is what
	 * its next instructions run, and without swap each fault would evict
	 * the code the next one needs, where Linux would reach the OOM killer.
	 */
	shrink(min - free + SWAP_CLUSTER_MAX, true,
	       (struct shrink_skip){ .anon = NULL, .file = current->mm });
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
	unsigned long want = order ? SWAP_CLUSTER_MAX / 4 : SWAP_CLUSTER_MAX;
	unsigned long freed = shrink(want, true, (struct shrink_skip){ current->mm, current->mm }).freed;

	if (freed < want)
		shrink_slabs();
	return freed;
}

/*
 * One wakeup: rounds of the high marks' worth at least (Linux's
 * kswapd_shrink_node) until free pages pass the high marks, a round frees
 * nothing, or the LRUs have been looked at once. Looking again before
 * user code runs would find every accessed bit just cleared, and evict the
 * working set the first look spared.
 */
static void kswapd_balance(void)
{
	uint64_t high = wmark_pages(BUDDY_WMARK_HIGH);
	uint64_t pass = lru[LRU_ANON].nr_frames + lru[LRU_FILE].nr_frames;
	unsigned long scanned = 0;

	while (page_alloc_nr_free() < high && scanned < pass) {
		struct lruvec_scan round = shrink(MM_MAX(SWAP_CLUSTER_MAX, high), false,
					   (struct shrink_skip){ 0 });
		if (!round.freed) {
			shrink_slabs();
			break;
		}
		scanned += round.scanned;
	}
}

static void kswapd(void *arg)
{
	(void)arg;
	for (;;) {
		while (!kswapd_wanted)
			sleep_on(&kswapd_wait);
		kswapd_wanted = false;
		count_vm_event(VM_PAGEOUTRUN);
		kswapd_balance();
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
	struct policy_config cfg[NR_LRU] = {
		{ .young = frame_young, .seed = 42, .fault_access_after_insert = true },
		{ .young = frame_young, .seed = 42, .fault_access_after_insert = true } };
	static const struct buddy_reclaim_ops hooks = {
		.wake_kswapd = buddy_wake_kswapd, .direct_reclaim = buddy_direct_reclaim,
	};

	uint64_t nr_pages = b->last_pfn - b->first_pfn;

	for (int k = 0; k < NR_LRU; k++) {
		if (ops == policy_by_name("random"))   /* O(1) picks: a slot table each */
			cfg[k].slots = boot_zalloc(nr_pages * sizeof(*cfg[k].slots));
		cfg[k].nr_slots = cfg[k].slots ? nr_pages : 0;
		if (ops->flags & POLICY_OPS_HISTORY)   /* one evicted page per frame */
			cfg[k].ghost_mem = boot_zalloc(policy_ghost_bytes((uint32_t)nr_pages));
		cfg[k].nr_ghosts = cfg[k].ghost_mem ? (uint32_t)nr_pages : 0;
	}
	reclaim_on = lruvec_init(&node, ops, cfg) == 0;
	if (!reclaim_on) {
		pr_err("reclaim: no memory for the LRU; reclaim stays off\n");
		return;
	}
	buddy_set_reclaim_ops(page_alloc_buddy(), &hooks);
	pr_info("reclaim: policy %s, swappiness %ld\n", ops->name, reclaim_swappiness());
}

void reclaim_lru_sizes(struct reclaim_lru_sizes *s)
{
	lruvec_sizes(&node, LRU_ANON, &s->active_anon, &s->inactive_anon);
	lruvec_sizes(&node, LRU_FILE, &s->active_file, &s->inactive_file);
}
