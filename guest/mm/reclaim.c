/*
 * reclaim.c: the guest's glue around reclaim's engine (mm/vmscan.h): the
 * one node's struct vmscan, its stores (swap.c, initrd.c), the tasks'
 * address spaces for its walks, the kswapd thread and its wait queue, the
 * buddy's wake and direct-reclaim hooks, mm.policy and mm.swappiness, and
 * /proc/vmstat's copies of the engine's counters (reclaim.h).
 *
 * Invariants: the engine's (mm/include/vmscan.h); here, kswapd runs only
 * when woken (an allocation under a zone's low mark, or a fault that
 * could take free pages there) and sleeps once vmscan_kswapd_balance
 * returns; the engine's counters live in vm_events (count_into_vmstat), so
 * /proc/vmstat and the host read them with nothing copied.
 * Order of calls: reclaim -> vmscan -> a kind's store (swap's slots,
 * cache and disk; the file cache) -> page allocator; never the reverse
 * except through the buddy's reclaim hooks, which skip the current
 * process's frames (see reclaim.h).
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
#include <vmscan.h>
#include <fault.h>
#include <printk.h>
#include <errno.h>

_Static_assert(VMSCAN_BATCH <= SWAP_WRITE_BATCH, "a reclaim batch must fit one swap_store write");

/* The one node's LRUs, costs, shadow clock and counters (mm/vmscan.h);
 * node.on once reclaim_init succeeded. */
static struct vmscan node;

static struct wait_queue kswapd_wait = WAIT_QUEUE_INIT(kswapd_wait);
static bool kswapd_wanted;
static struct task *kswapd_task;

/* ---- the engine's view of tasks' address spaces ------------------------ */

/* One mapping of mm went: an anonymous one to a swap entry, or a file one. */
static void mapping_unmapped(struct mm *mm, enum lru_kind k)
{
	fault_rss_unmapped(mm->rss, k);     /* mm->rss is the engine's counters (uvm.c) */
}

/* One mapping of a lazily freed anonymous page went with no swap entry. */
static void mapping_discarded(struct mm *mm)
{
	mm->rss[MM_ANON]--;
}

/* rmap.c's walk over every task's space, as the engine calls it. */
static unsigned tasks_walk(void *ctx, struct page *p, rmap_fn fn, void *arg)
{
	(void)ctx;
	return reclaim_rmap_walk(p, fn, arg);
}

/* ---- /proc/vmstat ------------------------------------------------------ */

/* The engine's counters live in vm_events, under /proc/vmstat's names. */
static void count_into_vmstat(void)
{
	static const enum vm_event_item item[NR_VMSCAN_EVENTS] = {
		[VMSCAN_PGSCAN_KSWAPD] = VM_PGSCAN_KSWAPD, [VMSCAN_PGSCAN_DIRECT] = VM_PGSCAN_DIRECT,
		[VMSCAN_PGSTEAL_KSWAPD] = VM_PGSTEAL_KSWAPD, [VMSCAN_PGSTEAL_DIRECT] = VM_PGSTEAL_DIRECT,
		[VMSCAN_PGSCAN_ANON] = VM_PGSCAN_ANON, [VMSCAN_PGSCAN_FILE] = VM_PGSCAN_FILE,
		[VMSCAN_PGSTEAL_ANON] = VM_PGSTEAL_ANON, [VMSCAN_PGSTEAL_FILE] = VM_PGSTEAL_FILE,
		[VMSCAN_REFAULT_ANON] = VM_WORKINGSET_REFAULT_ANON,
		[VMSCAN_REFAULT_FILE] = VM_WORKINGSET_REFAULT_FILE,
		[VMSCAN_ACTIVATE_ANON] = VM_WORKINGSET_ACTIVATE_ANON,
		[VMSCAN_ACTIVATE_FILE] = VM_WORKINGSET_ACTIVATE_FILE,
		[VMSCAN_REFAULT] = VM_WORKINGSET_REFAULT, [VMSCAN_PGACTIVATE] = VM_PGACTIVATE,
		[VMSCAN_PGDEACTIVATE] = VM_PGDEACTIVATE, [VMSCAN_PGROTATED] = VM_PGROTATED,
		[VMSCAN_NR_ACTIVE_ANON] = VM_NR_ACTIVE_ANON,
		[VMSCAN_NR_INACTIVE_ANON] = VM_NR_INACTIVE_ANON,
		[VMSCAN_NR_ACTIVE_FILE] = VM_NR_ACTIVE_FILE,
		[VMSCAN_NR_INACTIVE_FILE] = VM_NR_INACTIVE_FILE,
		[VMSCAN_PGLAZYFREED] = VM_PGLAZYFREED,
		[VMSCAN_NR_UNEVICTABLE] = VM_NR_UNEVICTABLE, [VMSCAN_NR_MLOCK] = VM_NR_MLOCK,
	};

	for (int e = 0; e < NR_VMSCAN_EVENTS; e++)
		vmscan_count_into(&node, (enum vmscan_event)e, &vm_events[item[e]]);
}

/* ---- LRU hooks --------------------------------------------------------- */

void reclaim_page_freed(struct page *p)
{
	vmscan_page_freed(&node, p);
}

void reclaim_page_accessed(struct page *p)
{
	vmscan_page_accessed(&node, p);
}

void reclaim_file_added(struct page *p, struct inode *ino, uint64_t index, uint32_t shadow)
{
	vmscan_file_added(&node, p, ino, index, shadow);
}

long reclaim_swappiness(void)
{
	return kparams.mm_swappiness >= 0 ? kparams.mm_swappiness : 60;
}

int reclaim_set_swappiness(long v)
{
	if (v < 0 || vmscan_set_swappiness(&node, (uint64_t)v))
		return -EINVAL;
	kparams.mm_swappiness = v;
	return 0;
}

/* ---- direct reclaim and kswapd ------------------------------------------ */

/* Empty slabs back to the page allocator: when the LRUs fall short of a real need. */
static void shrink_slabs(void)
{
	count_vm_events(VM_SLABS_SCANNED, slab_shrink_all());
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
	struct vmscan_fault_plan plan;

	if (!node.on)
		return;
	if (!kswapd_task)
		start_kswapd();
	plan = vmscan_fault_plan(&node);
	if (plan.wake_kswapd)
		wake_kswapd();
	if (!plan.reclaim)
		return;
	count_vm_event(VM_ALLOCSTALL);
	/*
	 * The faulting task's own anonymous pages may go (they are what a
	 * lone hog can give), its page cache not: its program text is what
	 * its next instructions run, and without swap each fault would evict
	 * the code the next one needs, where Linux would reach the OOM killer.
	 */
	vmscan_shrink(&node, plan.reclaim, true,
		      (struct vmscan_skip){ .anon = NULL, .file = current->mm });
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
	unsigned long want = vmscan_direct_target(order), freed;

	(void)b;
	(void)gfp;
	(void)ctx;
	count_vm_event(VM_ALLOCSTALL);
	freed = vmscan_shrink(&node, want, true,
			      (struct vmscan_skip){ current->mm, current->mm }).freed;
	if (freed < want)
		shrink_slabs();
	return freed;
}

static void kswapd(void *arg)
{
	(void)arg;
	for (;;) {
		while (!kswapd_wanted)
			sleep_on(&kswapd_wait);
		kswapd_wanted = false;
		count_vm_event(VM_PAGEOUTRUN);
		if (vmscan_kswapd_balance(&node) == VMSCAN_KSWAPD_NO_PROGRESS)
			shrink_slabs();
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

static struct pt_space *mm_pt(struct mm *mm)
{
	return &mm->pt;
}

static const struct vma_tree *mm_vmas(struct mm *mm)
{
	return &mm->vmas;
}

void reclaim_init(void)
{
	const struct buddy *b = page_alloc_buddy();
	const struct policy_ops *ops = pick_policy();
	struct policy_config cfg[NR_LRU] = {
		{ .seed = 42, .fault_access_after_insert = true },
		{ .seed = 42, .fault_access_after_insert = true } };
	static const struct buddy_reclaim_ops hooks = {
		.wake_kswapd = buddy_wake_kswapd, .direct_reclaim = buddy_direct_reclaim,
	};
	const struct vmscan_store store[NR_LRU] = {
		[LRU_ANON] = swap_store, [LRU_FILE] = file_store,
	};
	static const struct vmscan_spaces tasks = {
		.walk = tasks_walk, .pt = mm_pt, .vmas = mm_vmas,
		.swap_pte = fault_swap_pte, .unmapped = mapping_unmapped,
		.discarded = mapping_discarded,
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
	if (vmscan_init(&node, ops, cfg, store, &tasks, b)) {
		pr_err("reclaim: no memory for the LRU; reclaim stays off\n");
		return;
	}
	count_into_vmstat();
	vmscan_set_swappiness(&node, (uint64_t)reclaim_swappiness());
	buddy_set_reclaim_ops(page_alloc_buddy(), &hooks);
	pr_info("reclaim: policy %s, swappiness %ld\n", ops->name, reclaim_swappiness());
}

struct vmscan *reclaim_vmscan(void)
{
	return &node;
}

void reclaim_lru_sizes(struct reclaim_lru_sizes *s)
{
	lruvec_sizes(&node.lv, LRU_ANON, &s->active_anon, &s->inactive_anon);
	lruvec_sizes(&node.lv, LRU_FILE, &s->active_file, &s->inactive_file);
}
