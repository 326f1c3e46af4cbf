/*
 * buddy.h: the physical page allocator. Up to BUDDY_MAX_NODES NUMA nodes,
 * each a contiguous pfn span with its own zones DMA (< 16 MiB), DMA32
 * (< 4 GiB) and Normal, placed by address as Linux places them (a node
 * above 4 GiB has only Normal); per zone a free list and count per order
 * 0..10; per-CPU lists of blocks of orders 0..3; watermarks from
 * min_free_kbytes shared out by managed size. zones[node *
 * BUDDY_NR_ZONE_TYPES + type]; one node spanning everything until
 * buddy_set_nodes says otherwise.
 *
 * Boot, in this order:
 *   buddy_init(b, pages, first_pfn, last_pfn, min_free_kbytes)
 *       pages: caller memory for descriptors of [first_pfn, last_pfn), size
 *       buddy_page_array_size(); it need not be initialised. first_pfn must
 *       be a multiple of 1024. min_free_kbytes 0 picks Linux's default.
 *   buddy_set_nodes(b, nodes)                     NUMA nodes, before any range
 *   buddy_add_free_range(b, start_pfn, end_pfn)   once per free RAM range
 *   buddy_set_reclaim_ops(b, &ops)                when reclaim exists
 * then buddy_alloc_pages / buddy_free_pages.
 *
 * Descriptors are initialised lazily: a max-order block that a range covers
 * whole gets only its head descriptor written; a block covered in part has
 * its descriptors cleared once. After that, only the head descriptor of a
 * block is meaningful, unless it was allocated with BUDDY_GFP_COMP (then
 * every tail says where its head is).
 *
 * Locks: each zone's lock protects its free areas and counters. A CPU's
 * per-CPU lists are its own, taken with only its interrupts masked
 * (mm_irq_save), as Linux's pcp lists under local_lock; the zone lock is
 * taken inside that to refill or drain them. buddy_drain_pcp and
 * buddy_check reach every CPU's lists, so the caller keeps the other CPUs
 * out of buddy meanwhile: the guest's kernel lock does (docs/smp.md), the
 * host tests run on one thread; Linux drains on each CPU instead (IPI).
 * Reclaim hooks are called with no lock held.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include "mm_port.h"
#include "mm_util.h"
#include "policy.h"

#define BUDDY_MAX_ORDER   10
#define BUDDY_NR_ORDERS   (BUDDY_MAX_ORDER + 1)
#define BUDDY_MAX_BLOCKS  65536 /* max-order blocks a buddy can span: 256 GiB */
#define BUDDY_DMA_END_PFN   (16ull << (20 - MM_PAGE_SHIFT))
#define BUDDY_DMA32_END_PFN (4ull << (30 - MM_PAGE_SHIFT))

#define BUDDY_MAX_NODES   8  /* as many as memvisor run --numa gives (NUMA_MAX_NODES) */
enum buddy_zone_id { BUDDY_ZONE_DMA, BUDDY_ZONE_DMA32, BUDDY_ZONE_NORMAL, BUDDY_NR_ZONE_TYPES };
#define BUDDY_NR_ZONES    (BUDDY_MAX_NODES * BUDDY_NR_ZONE_TYPES) /* zones[]: every node's */
#define BUDDY_NO_NODE     0xff

/* Linux's per-zone NUMA counters (vmstat's numa_*), counted where the pages came from. */
enum buddy_numa_stat {
	BUDDY_NUMA_HIT,        /* allocated on the node it was meant for */
	BUDDY_NUMA_MISS,       /* allocated here though meant for another node */
	BUDDY_NUMA_FOREIGN,    /* meant for here, allocated on another node */
	BUDDY_NUMA_INTERLEAVE, /* an interleave allocation that got its node */
	BUDDY_NUMA_LOCAL,      /* allocated on the allocating CPU's node */
	BUDDY_NUMA_OTHER,      /* allocated on another node than the CPU's */
	BUDDY_NR_NUMA_STATS
};
enum buddy_wmark { BUDDY_WMARK_MIN, BUDDY_WMARK_LOW, BUDDY_WMARK_HIGH, BUDDY_NR_WMARKS };

/* page->flags; bits 16-31 are left to later modules (LRU, swap). */
#define PG_BUDDY    (1u << 0)  /* head of a free block on a free list */
#define PG_PCP      (1u << 1)  /* head of a block on a per-CPU list */
#define PG_HEAD     (1u << 2)  /* head of a BUDDY_GFP_COMP allocation */
#define PG_TAIL     (1u << 3)  /* tail of one; private = head pfn */
#define PG_SLAB     (1u << 4)  /* slab page; owned by slab.c */
#define PG_LARGE_KMALLOC (1u << 5)
#define PG_VMALLOC  (1u << 6)
#define PG_RESERVED (1u << 7)
#define PG_REPORTED (1u << 8)  /* free block the host was told is free */
#define PG_REPORT_AGED (1u << 9) /* free block seen by an earlier report scan */
#define PG_FROZEN   (1u << 10) /* slab: a CPU's slab or on its partial list, on no
				    * cache list (slab.c) */

struct mm;
struct inode;

/*
 * What a user page (PG_ANON, PG_SHMEM, PG_FILE: rmap.h) carries for
 * reclaim, the reverse map and the page caches, in place of the kernel
 * owners' words.
 */
struct page_user {
	struct policy_frame pf;  /* reclaim's LRU; owned by a policy while tracked */
	union {
		struct {                 /* PG_ANON */
			uint64_t va;     /* user address of every mapping */
			struct mm *mm;   /* the one mapping's space, valid while
					  * mapcount is 1 and this is not NULL
					  * (else walk all) */
		};
		struct {                 /* PG_FILE */
			uint64_t index;  /* page of the file it caches */
			struct inode *inode;
		};
	};
	uint32_t swap_slot;      /* swap cache: the slot holding a copy, 0: none */
	uint32_t exec_referenced; /* file: seen accessed in an executable mapping
				   * since reclaim last considered it */
};

/*
 * Page descriptor, 72 bytes, one for every kind of owner. While the page
 * is free, buddy owns every field; an allocation hands the owner's words
 * (the union) over zeroed, with lru an empty list. A kernel owner (slab,
 * vmalloc, balloon, ...) uses lru, private and mapping; a user page uses
 * user (reclaim.h, swap.h and initrd.h in the guest).
 */
struct page {
	uint32_t flags;        /* PG_* */
	uint8_t order;         /* block order (free block head, or allocation) */
	uint8_t zone;          /* enum buddy_zone_id */
	uint16_t inuse;        /* slab: objects handed out */
	int32_t refcount;
	int32_t mapcount;
	union {
		struct {
			struct list_head lru;  /* free list, pcp list, or the owner's list */
			uint64_t private;      /* owner's word; slab: its kmem_cache */
			union {
				uint64_t mapping;  /* owner's word */
				void *freelist;    /* slab: first free object */
			};
			void *cpu_freelist;    /* slab on a CPU's partial list: the
						* objects that CPU freed to it (slab.c) */
			struct page *next_partial; /* slab, PG_FROZEN: the next slab of
						* its CPU's partial list (the CPU's
						* slab: the first) */
			uint32_t frozen_cpu;   /* slab, PG_FROZEN: the CPU it is frozen for */
		};
		struct page_user user;
	};
};
_Static_assert(sizeof(struct page) == 72, "struct page grew: every page of RAM pays for it");

/* Free blocks of one order in one zone; under the zone lock. */
struct buddy_free_area {
	struct list_head list;
	uint64_t nr_free;      /* blocks on list */
};

/* Orders with per-CPU lists: 0..3, Linux's orders up to PAGE_ALLOC_COSTLY_ORDER. */
#define BUDDY_PCP_ORDERS  4

/*
 * Blocks of orders below BUDDY_PCP_ORDERS cached for one CPU (Linux's
 * per_cpu_pages); owned by that CPU with its interrupts masked. Their
 * pages are out of the zone's free_pages.
 */
struct buddy_pcp {
	struct list_head lists[BUDDY_PCP_ORDERS]; /* per order, hottest first */
	uint32_t count;        /* pages (not blocks) on the lists */
	uint32_t high;         /* above this, a free drains a batch */
	uint32_t batch;        /* pages moved per drain; refills take batch >> order blocks */
	uint32_t drain_order;  /* the list a drain takes from next, round robin */
};

struct buddy_zone {
	mm_spinlock_t lock;
	struct buddy_free_area free_area[BUDDY_NR_ORDERS]; /* under lock */
	uint64_t free_pages;   /* pages in free_area; under lock */
	uint64_t start_pfn;    /* zone span [start_pfn, end_pfn); fixed at init */
	uint64_t end_pfn;
	uint64_t present_pages; /* RAM handed over; under lock */
	uint64_t managed_pages; /* same as present: no reserved ranges here */
	uint64_t wmark[BUDDY_NR_WMARKS]; /* set by buddy_setup_watermarks */
	uint64_t alloc_fail;   /* allocations that found this zone too low */
	uint64_t numa_stat[BUDDY_NR_NUMA_STATS]; /* statistics, racy */
	uint8_t node;          /* fixed at init */
	uint8_t type;          /* enum buddy_zone_id; fixed at init */
	char name[8];
	struct buddy_pcp pcp[MM_NR_CPUS];
};

struct buddy;
/*
 * Reclaim hooks, each optional. wake_kswapd: a zone fell below its low mark
 * (must not sleep). direct_reclaim: a may-reclaim allocation fell below min;
 * returns pages freed (0 ends the retries).
 */
struct buddy_reclaim_ops {
	void (*wake_kswapd)(struct buddy *b, struct buddy_zone *z, unsigned order, void *ctx);
	uint64_t (*direct_reclaim)(struct buddy *b, unsigned order, unsigned gfp, void *ctx);
	void *ctx;
};

/*
 * OOM notifiers (Linux's oom_notify_list): called, in registration order,
 * when an allocation that may reclaim is about to fail, before an OOM
 * killer would run. fn returns the pages it freed; 0 ends the retries.
 */
struct buddy_oom_notifier {
	uint64_t (*fn)(struct buddy *b, unsigned order, void *ctx);
	void *ctx;
	struct buddy_oom_notifier *next;
};

struct buddy {
	struct buddy_zone zones[BUDDY_NR_ZONES];
	struct page *pages;      /* descriptor of pfn p is pages[p - first_pfn] */
	uint64_t first_pfn, last_pfn; /* fixed at init */
	uint64_t min_free_kbytes;     /* effective value */
	uint64_t user_min_free_kbytes; /* 0: derived from memory size */
	uint64_t watermark_scale_factor; /* Linux's, in 1/10000 of managed */
	struct buddy_reclaim_ops reclaim;
	uint64_t kswapd_wakeups, direct_reclaims; /* statistics, racy */
	uint64_t block_init[BUDDY_MAX_BLOCKS / 64]; /* max-order blocks seen */
	struct buddy_oom_notifier *oom_notifiers; /* set at boot */
	/* Per node: zones with managed pages, nodes nearest first (the node
	 * itself, then by distance, ties by number), each node's zones highest
	 * first (Linux's node-ordered zonelist); set by buddy_add_free_range. */
	uint8_t zonelist[BUDDY_MAX_NODES][BUDDY_NR_ZONES];
	uint8_t nr_zonelist[BUDDY_MAX_NODES];
	uint8_t nr_nodes;             /* fixed at boot (buddy_set_nodes) */
	uint64_t node_start_pfn[BUDDY_MAX_NODES + 1]; /* node n: [start[n], start[n+1]) */
	uint8_t distance[BUDDY_MAX_NODES][BUDDY_MAX_NODES]; /* SLIT's, 10 local */
	uint8_t cpu_node[MM_NR_CPUS]; /* the node each CPU allocates from by default */
	struct buddy_zone *cpu_zone[MM_NR_CPUS]; /* each CPU's preferred zone, the
				       * first of its node's zonelist: the per-CPU
				       * hit path's; set with the zonelists */
	uint64_t oom_notifier_calls;  /* statistics, racy */
};

/* Allocation flags. */
#define BUDDY_GFP_RECLAIM  (1u << 0) /* may call direct reclaim */
#define BUDDY_GFP_ATOMIC   (1u << 1) /* cannot reclaim; may dip below min */
#define BUDDY_GFP_ZERO     (1u << 2) /* zero the pages */
#define BUDDY_GFP_DMA      (1u << 3) /* zone DMA only */
#define BUDDY_GFP_DMA32    (1u << 4) /* zone DMA32, falling back to DMA */
#define BUDDY_GFP_THISZONE (1u << 5) /* no fallback below the first zone */
#define BUDDY_GFP_COMP     (1u << 6) /* mark tails so any page finds its head */
#define BUDDY_GFP_NOWAKE   (1u << 7) /* do not wake kswapd: an optional block (Linux's
				       * GFP_TRANSHUGE_LIGHT, no __GFP_KSWAPD_RECLAIM) */
#define BUDDY_GFP_THISNODE (1u << 8) /* only the preferred node's zones (Linux's
				       * __GFP_THISNODE: MPOL_BIND to one node) */
#define BUDDY_GFP_INTERLEAVE (1u << 9) /* an interleave policy chose the node */
#define BUDDY_GFP_KERNEL   BUDDY_GFP_RECLAIM
/* The node an allocation prefers (else the CPU's own): bits 24-31. */
#define BUDDY_GFP_NODE(n)  (((unsigned)(n) + 1) << 24)
#define BUDDY_GFP_NODE_MASK 0xff000000u

/* Bytes of descriptor memory buddy_init needs for [first_pfn, last_pfn). */
static inline size_t buddy_page_array_size(uint64_t first_pfn, uint64_t last_pfn)
{
	return (size_t)(last_pfn - first_pfn) * sizeof(struct page);
}

/* Returns 0, or -MM_EINVAL (unaligned or empty range), -MM_ERANGE (too big). */
int buddy_init(struct buddy *b, struct page *pages, uint64_t first_pfn,
	       uint64_t last_pfn, uint64_t min_free_kbytes);

/*
 * Hands free RAM [start_pfn, end_pfn) to the allocator and recomputes the
 * watermarks. Returns 0 or -MM_EINVAL (outside the array, or a page
 * already handed over).
 */
int buddy_add_free_range(struct buddy *b, uint64_t start_pfn, uint64_t end_pfn);

/* NUMA nodes for buddy_set_nodes: node n spans [start_pfn[n], start_pfn[n+1]). */
struct buddy_nodes {
	unsigned nr;                                  /* 1 .. BUDDY_MAX_NODES */
	uint64_t start_pfn[BUDDY_MAX_NODES + 1];      /* ascending; [0] and [nr] ignored:
						       * the array's first and last pfn */
	uint8_t distance[BUDDY_MAX_NODES][BUDDY_MAX_NODES];
	uint8_t cpu_node[MM_NR_CPUS];
};

/*
 * Splits the span into nodes, each with its zones, before any
 * buddy_add_free_range. Returns 0, or -MM_EINVAL (a count out of range,
 * boundaries out of order or outside the array, a CPU on no node, or RAM
 * already handed over).
 */
int buddy_set_nodes(struct buddy *b, const struct buddy_nodes *n);

/* The node holding pfn (a pfn inside the array). */
unsigned buddy_pfn_node(const struct buddy *b, uint64_t pfn);
/* The node after prev (BUDDY_NO_NODE: the first) in from's distance order:
 * from itself, then nearest first, ties by number (the zonelists' order);
 * BUDDY_NO_NODE after the last. */
unsigned buddy_next_nearest(const struct buddy *b, unsigned from, unsigned prev);

void buddy_set_reclaim_ops(struct buddy *b, const struct buddy_reclaim_ops *ops);
/* Adds n (caller memory, lives forever) to the OOM notifier chain. */
void buddy_register_oom_notifier(struct buddy *b, struct buddy_oom_notifier *n);

/*
 * Overrides (mm.min_free_kbytes=, any value including 0);
 * BUDDY_MIN_FREE_DEFAULT returns to Linux's default.
 */
#define BUDDY_MIN_FREE_DEFAULT UINT64_MAX
void buddy_set_min_free_kbytes(struct buddy *b, uint64_t kbytes);
void buddy_set_watermark_scale_factor(struct buddy *b, uint64_t factor);
/* Linux's default: 4 * sqrt(lowmem KiB), clamped to [128, 262144]. */
uint64_t buddy_default_min_free_kbytes(uint64_t lowmem_kbytes);
void buddy_setup_watermarks(struct buddy *b);

/*
 * Returns the head page of 2^order pages, or NULL (never panics). From the
 * zonelist of the node BUDDY_GFP_NODE names, else of the current CPU's node;
 * only that node's zones with BUDDY_GFP_THISNODE.
 */
struct page *buddy_alloc_pages(struct buddy *b, unsigned gfp, unsigned order);
/* Frees what buddy_alloc_pages returned, with the same order. */
void buddy_free_pages(struct buddy *b, struct page *page, unsigned order);
/*
 * Splits an allocated block of 2^order pages (order >= 1, not COMP) into
 * two allocated blocks of order - 1, each freed on its own later. Returns
 * the upper half's head. O(1): a balloon hands back part of a block.
 */
struct page *buddy_split_block(struct buddy *b, struct page *p, unsigned order);

/* Returns all per-CPU blocks to the free lists. */
void buddy_drain_pcp(struct buddy *b);

static inline uint64_t buddy_page_to_pfn(const struct buddy *b, const struct page *p)
{
	return (uint64_t)(p - b->pages) + b->first_pfn;
}
static inline struct page *buddy_pfn_to_page(const struct buddy *b, uint64_t pfn)
{
	return &b->pages[pfn - b->first_pfn];
}
static inline bool buddy_pfn_valid(const struct buddy *b, uint64_t pfn)
{
	return pfn >= b->first_pfn && pfn < b->last_pfn;
}
static inline phys_addr_t buddy_page_to_phys(const struct buddy *b, const struct page *p)
{
	return buddy_page_to_pfn(b, p) << MM_PAGE_SHIFT;
}
static inline void *buddy_page_address(const struct buddy *b, const struct page *p)
{
	return mm_phys_to_virt(buddy_page_to_phys(b, p));
}
/* The page holding va; NULL if outside the descriptor array. Inline: kfree's path. */
static inline struct page *buddy_virt_to_page(const struct buddy *b, const void *va)
{
	uint64_t pfn = mm_virt_to_phys(va) >> MM_PAGE_SHIFT;
	return buddy_pfn_valid(b, pfn) ? buddy_pfn_to_page(b, pfn) : NULL;
}
/* The head of a BUDDY_GFP_COMP allocation containing p (p itself otherwise). */
static inline struct page *buddy_compound_head(const struct buddy *b, struct page *p)
{
	return (p->flags & PG_TAIL) ? buddy_pfn_to_page(b, p->private) : p;
}

enum buddy_zone_id buddy_pfn_zone(uint64_t pfn);

/* Totals over zones: pages in free lists, on per-CPU lists, managed. */
uint64_t buddy_node_free_pages(const struct buddy *b, unsigned node);
uint64_t buddy_nr_free_pages(const struct buddy *b);
uint64_t buddy_nr_pcp_pages(const struct buddy *b);
uint64_t buddy_nr_managed_pages(const struct buddy *b);

/* True if the zone could serve 2^order pages above mark (Linux's check). */
bool buddy_zone_watermark_ok(const struct buddy_zone *z, unsigned order,
			     uint64_t mark, unsigned gfp);

/*
 * Fragmentation figures in thousandths, Linux's mm/vmstat.c formulas:
 * unusable free space index (0..1000) and extfrag index (-1000 when a
 * block of the order is free, else 0..1000; 0 with nothing free).
 */
int buddy_unusable_index(const struct buddy_zone *z, unsigned order);
int buddy_extfrag_index(const struct buddy_zone *z, unsigned order);

/*
 * Checks every structural invariant (lists, flags, alignment, counts, no
 * two free buddies). Returns 0, or -MM_EFAULT after logging the first
 * violation through mm_log. For tests and mm.debug.
 */
int buddy_check(struct buddy *b);

/* Calls fn for every free block (free lists and per-CPU lists). */
typedef void (*buddy_block_fn)(uint64_t pfn, unsigned order, bool pcp, void *arg);
/* Caller keeps the allocator still meanwhile (tests, a stopped guest). */
void buddy_for_each_free(struct buddy *b, buddy_block_fn fn, void *arg);

/*
 * Free page reporting (the balloon driver's REPORTING feature). A free
 * block carries PG_REPORTED once the host was told; freeing, merging or
 * allocating rebuilds its flags, so new free memory is never marked, and
 * the split halves of a reported block stay reported.
 * buddy_report_isolate marks unreported free blocks of order >= min_order
 * PG_REPORT_AGED, and takes blocks that were already aged (free since the
 * previous scan) off the free lists: up to max, into pfn[] and order[].
 * Returns how many. Each must come back through buddy_report_putback once
 * the host has processed it, which frees it marked PG_REPORTED.
 */
unsigned buddy_report_isolate(struct buddy *b, unsigned min_order, uint64_t *pfn,
			      uint8_t *order, unsigned max);
void buddy_report_putback(struct buddy *b, uint64_t pfn, unsigned order);

#endif
