/*
 * reclaim.c: the guest's glue around reclaim's engine (mm/vmscan.h): the
 * kernel's struct reclaim (reclaim.h: the struct vmscan with each node's
 * LRU lists, each node's kswapd thread and wait queue), each node's
 * policy tables, its stores (swap.c, initrd.c), the tasks'
 * address spaces for its walks, the buddy's wake and direct-reclaim hooks
 * (their ctx is the struct reclaim), mm.policy and mm.swappiness, and
 * /proc/vmstat's copies of the engine's counters.
 *
 * State: one struct reclaim, passed first to every function here; the
 * hooks other modules call without it (reclaim_page_freed, ...) take the
 * kernel's instance from reclaim_get.
 * Invariants: the engine's (mm/include/vmscan.h); here, a node's kswapd
 * runs only when woken (an allocation under the low mark of one of its
 * node's zones, or a fault that could take its node's free pages there)
 * and sleeps once vmscan_kswapd_balance returns for its node, having
 * shrunk only its node's lists; direct reclaim walks the allocation's
 * zonelist (its node only for BUDDY_GFP_THISNODE); the
 * engine's counters live in vm_events (count_into_vmstat), so
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

/* The kernel's reclaim state (reclaim.h's struct reclaim): the one
 * instance, as tmpfs.c keeps its boot_tmpfs; every function below takes it
 * explicitly, the hooks other modules call without it fetch it here. */
static struct reclaim boot_reclaim;

struct reclaim *reclaim_get(void)
{
	return &boot_reclaim;
}

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
static void count_into_vmstat(struct reclaim *r)
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
		vmscan_count_into(&r->vs, (enum vmscan_event)e, &vm_events[item[e]]);
}

/* ---- LRU hooks --------------------------------------------------------- */

void reclaim_page_freed(struct page *p)
{
	vmscan_page_freed(&reclaim_get()->vs, p);
}

void reclaim_page_accessed(struct page *p)
{
	vmscan_page_accessed(&reclaim_get()->vs, p);
}

void reclaim_file_added(struct page *p, struct inode *ino, uint64_t index, uint32_t shadow)
{
	vmscan_file_added(&reclaim_get()->vs, p, ino, index, shadow);
}

long reclaim_swappiness(void)
{
	return kparams.mm_swappiness >= 0 ? kparams.mm_swappiness : 60;
}

int reclaim_set_swappiness(long v)
{
	if (v < 0 || vmscan_set_swappiness(&reclaim_get()->vs, (uint64_t)v))
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

static void wake_kswapd(struct reclaim_kswapd *k)
{
	k->wanted = true;
	if (k->task)
		wake_up_background(&k->wait);
}

/* Wakes the kswapd of each node in the mask. */
static void wake_kswapds(struct reclaim *r, uint32_t nodes)
{
	for (unsigned n = 0; n < BUDDY_MAX_NODES; n++)
		if (nodes & (1u << n))
			wake_kswapd(&r->kswapd[n]);
}

static void kswapd(void *arg);

/* Node nid's thread, "kswapdN" as in Linux; false when it cannot start. */
static bool start_node_kswapd(struct reclaim *r, struct reclaim_kswapd *k, unsigned nid)
{
	k->reclaim = r;
	k->nid = nid;
	k->wait = (struct wait_queue)WAIT_QUEUE_INIT(k->wait);
	snprintf(k->comm, sizeof(k->comm), "kswapd%u", nid);
	k->task = kthread_create(kswapd, k, k->comm);
	return k->task != NULL;
}

static bool node_has_memory(const struct buddy *b, unsigned nid)
{
	for (unsigned t = 0; t < BUDDY_NR_ZONE_TYPES; t++)
		if (b->zones[nid * BUDDY_NR_ZONE_TYPES + t].managed_pages)
			return true;
	return false;
}

/*
 * Started at the first user fault, not at boot: pid 1 is init's (the VM
 * ends when pid 1 exits), so kernel threads are numbered after it. One
 * per node with memory (Linux's kswapd_run for each node).
 */
static void start_kswapds(struct reclaim *r)
{
	const struct buddy *b = r->vs.buddy;

	if (r->kswapds_tried)
		return;
	r->kswapds_tried = true;
	for (unsigned n = 0; n < b->nr_nodes && n < BUDDY_MAX_NODES; n++)
		if (node_has_memory(b, n) && !start_node_kswapd(r, &r->kswapd[n], n))
			pr_err("reclaim: cannot start kswapd%u; direct reclaim only there\n", n);
}

void reclaim_fault_prepare(void)
{
	struct reclaim *r = reclaim_get();
	struct vmscan_fault_plan plan;

	if (!r->vs.on)
		return;
	start_kswapds(r);
	plan = vmscan_fault_plan(&r->vs);
	if (plan.wake_kswapd)
		wake_kswapds(r, plan.wake_nodes);
	if (!plan.reclaim)
		return;
	count_vm_event(VM_ALLOCSTALL);
	/*
	 * The faulting task's own anonymous pages may go (they are what a
	 * lone hog can give), its page cache not: its program text is what
	 * its next instructions run, and without swap each fault would evict
	 * the code the next one needs, where Linux would reach the OOM killer.
	 * This CPU's node first, as its allocation will be.
	 */
	vmscan_shrink_nodes(&r->vs, r->vs.buddy->cpu_node[mm_cpu_id()], plan.reclaim, true,
			    (struct vmscan_skip){ .anon = NULL, .file = current->mm });
}

/* A zone fell below its low mark: its node's kswapd (Linux's wakeup_kswapd(zone)). */
static void buddy_wake_kswapd(struct buddy *b, struct buddy_zone *z, unsigned order, void *ctx)
{
	struct reclaim *r = ctx;

	(void)b;
	(void)order;
	wake_kswapd(&r->kswapd[z->node]);
}

/* The node an allocation is for: BUDDY_GFP_NODE's, else this CPU's (as the buddy picks it). */
static unsigned gfp_node(const struct buddy *b, unsigned gfp)
{
	unsigned n = (gfp & BUDDY_GFP_NODE_MASK) >> 24;

	return n && n <= b->nr_nodes ? n - 1 : b->cpu_node[mm_cpu_id()];
}

/*
 * An allocation failed at its min marks: the nodes of its zonelist, its
 * own first (Linux's shrink_zones); only its own with BUDDY_GFP_THISNODE.
 */
static uint64_t buddy_direct_reclaim(struct buddy *b, unsigned order, unsigned gfp, void *ctx)
{
	struct reclaim *r = ctx;
	unsigned long want = vmscan_direct_target(order), freed;
	unsigned nid = gfp_node(b, gfp);
	struct vmscan_skip skip = { .anon = current->mm, .file = current->mm };

	if (gfp & BUDDY_GFP_THISNODE)
		skip.keep_nodes = ~(1u << nid);
	count_vm_event(VM_ALLOCSTALL);
	freed = vmscan_shrink_nodes(&r->vs, nid, want, true, skip).freed;
	if (freed < want)
		shrink_slabs();
	return freed;
}

/* One node's kswapd: sleeps until woken, then balances its node. */
static void kswapd(void *arg)
{
	struct reclaim_kswapd *k = arg;

	for (;;) {
		while (!k->wanted)
			sleep_on(&k->wait);
		k->wanted = false;
		k->runs++;
		count_vm_event(VM_PAGEOUTRUN);
		if (vmscan_kswapd_balance(&k->reclaim->vs, k->nid, &k->done) == VMSCAN_KSWAPD_NO_PROGRESS)
			shrink_slabs();
	}
}

const struct reclaim_kswapd *reclaim_kswapd_of(unsigned nid)
{
	const struct reclaim *r = reclaim_get();

	return nid < BUDDY_MAX_NODES && r->kswapd[nid].task ? &r->kswapd[nid] : NULL;
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

/*
 * Node nid's policy configuration: a random slot table and ghost memory
 * for each list as the policy wants, sized for the node's pages (a page
 * is on its node's lists only).
 */
static void node_policy_config(const struct buddy *b, unsigned nid, const struct policy_ops *ops,
			       struct policy_config cfg[NR_LRU])
{
	uint64_t nr_pages = b->node_start_pfn[nid + 1] - b->node_start_pfn[nid];

	for (int k = 0; k < NR_LRU; k++) {
		cfg[k] = (struct policy_config){ .seed = 42, .fault_access_after_insert = true };
		if (ops == policy_by_name("random"))   /* O(1) picks: a slot table each */
			cfg[k].slots = boot_zalloc(nr_pages * sizeof(*cfg[k].slots));
		cfg[k].nr_slots = cfg[k].slots ? nr_pages : 0;
		if (ops->flags & POLICY_OPS_HISTORY)   /* one evicted page per frame */
			cfg[k].ghost_mem = boot_zalloc(policy_ghost_bytes((uint32_t)nr_pages));
		cfg[k].nr_ghosts = cfg[k].ghost_mem ? (uint32_t)nr_pages : 0;
	}
}

/*
 * Each node past node 0 gets its lists (one allocation for them all, so
 * a one-node kernel carries none) and its policy tables. Returns 0,
 * -ENOMEM or vmscan_init_node's error.
 */
static int init_other_nodes(struct reclaim *r, const struct policy_ops *ops)
{
	unsigned nr = r->vs.nr_nodes;
	struct lruvec *lists = nr > 1 ? boot_zalloc((nr - 1) * sizeof(*lists)) : NULL;
	struct policy_config cfg[NR_LRU];
	int err = 0;

	if (nr > 1 && !lists)
		return -ENOMEM;
	for (unsigned n = 1; n < nr && !err; n++) {
		node_policy_config(r->vs.buddy, n, ops, cfg);
		err = vmscan_init_node(&r->vs, n, &lists[n - 1], cfg);
	}
	return err;
}

/* Sets r up over the page allocator's buddy: each node's lists, counters, buddy hooks. */
static void reclaim_setup(struct reclaim *r)
{
	const struct buddy *b = page_alloc_buddy();
	const struct policy_ops *ops = pick_policy();
	struct policy_config cfg[NR_LRU];
	const struct buddy_reclaim_ops hooks = {
		.wake_kswapd = buddy_wake_kswapd, .direct_reclaim = buddy_direct_reclaim, .ctx = r,
	};
	const struct vmscan_store store[NR_LRU] = {
		[LRU_ANON] = swap_store, [LRU_FILE] = file_store,
	};
	static const struct vmscan_spaces tasks = {
		.walk = tasks_walk, .pt = mm_pt, .vmas = mm_vmas,
		.swap_pte = fault_swap_pte, .unmapped = mapping_unmapped,
		.discarded = mapping_discarded,
	};

	node_policy_config(b, 0, ops, cfg);
	if (vmscan_init(&r->vs, ops, cfg, store, &tasks, b) || init_other_nodes(r, ops)) {
		pr_err("reclaim: no memory for the LRU; reclaim stays off\n");
		return;
	}
	count_into_vmstat(r);
	vmscan_set_swappiness(&r->vs, (uint64_t)reclaim_swappiness());
	buddy_set_reclaim_ops(page_alloc_buddy(), &hooks);
	pr_info("reclaim: policy %s, swappiness %ld\n", ops->name, reclaim_swappiness());
	if (r->vs.nr_nodes > 1)
		pr_info("reclaim: LRU lists per node, %u nodes\n", r->vs.nr_nodes);
}

void reclaim_init(void)
{
	reclaim_setup(reclaim_get());
}

struct vmscan *reclaim_vmscan(void)
{
	return &reclaim_get()->vs;
}

/* Adds node nid's list sizes to *s. */
static void add_node_lru_sizes(const struct reclaim *r, unsigned nid, struct reclaim_lru_sizes *s)
{
	const struct lruvec *lv = vmscan_lruvec(&r->vs, nid);
	uint64_t active, inactive;

	lruvec_sizes(lv, LRU_ANON, &active, &inactive);
	s->active_anon += active;
	s->inactive_anon += inactive;
	lruvec_sizes(lv, LRU_FILE, &active, &inactive);
	s->active_file += active;
	s->inactive_file += inactive;
}

void reclaim_lru_sizes(struct reclaim_lru_sizes *s)
{
	const struct reclaim *r = reclaim_get();

	*s = (struct reclaim_lru_sizes){ 0, 0, 0, 0 };
	for (unsigned n = 0; r->vs.on && n < r->vs.nr_nodes; n++)
		add_node_lru_sizes(r, n, s);
}

void reclaim_node_lru_sizes(unsigned nid, struct reclaim_lru_sizes *s)
{
	const struct reclaim *r = reclaim_get();

	*s = (struct reclaim_lru_sizes){ 0, 0, 0, 0 };
	if (r->vs.on && nid < r->vs.nr_nodes)
		add_node_lru_sizes(r, nid, s);
}

const struct lruvec *reclaim_node_lists(unsigned nid)
{
	const struct reclaim *r = reclaim_get();

	return r->vs.on && nid < r->vs.nr_nodes ? vmscan_lruvec(&r->vs, nid) : NULL;
}
