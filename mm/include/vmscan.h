/*
 * vmscan.h: reclaim's engine (Linux's mm/vmscan.c with the parts of
 * workingset.c that act): each node's two LRUs (a struct lruvec per node,
 * Linux's pgdat->__lruvec; a page is on the lists of the node its frame
 * is on) and what acts on them: putting pages on the lists and taking
 * them off, eviction
 * in batches (an rmap walk to inspect, the dirty or uncached pages
 * written through a store, then unmapped and freed), shrinking each list
 * by the swappiness balance, workingset refault activation, and the
 * decisions of direct reclaim and kswapd. The host keeps the threads, the
 * wait queue, the sysctls and /proc/vmstat; it reads the counters here.
 *
 * Interface:
 *   vmscan_init            lists under one policy, the stores, the host hooks
 *   vmscan_init_node       a node's lists get their own policy tables
 *   vmscan_count_into      a counter moves into the host's table
 *   vmscan_count           a counter's value
 *   vmscan_page_mapped     a private anonymous page got a mapping (after rmap_add)
 *   vmscan_page_freed      a user page goes back to the allocator
 *   vmscan_page_accessed   a read() used a page-cache page
 *   vmscan_file_added      a page-cache page was filled (its slot's shadow)
 *   vmscan_anon_refault    a page read back from swap is about to be mapped
 *   vmscan_page_mlock      a page mapped in a locked area: onto the unevictable list
 *   vmscan_page_munlock    back to its LRU unless another locked area maps it
 *   vmscan_page_unevictable  a page nothing can evict: unevictable, not mlocked
 *   vmscan_page_deactivate madvise(MADV_COLD): to its list's cold end
 *   vmscan_page_pageout    madvise(MADV_PAGEOUT): evicted now if it can be
 *   vmscan_page_lazyfree   madvise(MADV_FREE): clean, no copy, to the cold end
 *   vmscan_shrink_node     frees up to nr pages from one node's lists
 *   vmscan_shrink_nodes    the same over the nodes of a zonelist, in order
 *   vmscan_shrink          vmscan_shrink_nodes from node 0 (a one-node host)
 *   vmscan_anon_share      of nr pages, how many a node's anonymous list gives
 *   vmscan_lruvec          node nid's lists, sizes and per-node scan counts
 *   vmscan_fault_plan      before a fault: wake kswapd? reclaim how much?
 *   vmscan_direct_target   what an allocation's direct reclaim asks for
 *   vmscan_kswapd_balance  one kswapd wakeup; says why it stopped
 *   vmscan_free_pages / vmscan_wmark_pages  the buddy's free pages and marks
 *
 * Invariants:
 *  - a page is tracked by lv[n].lru[LRU_ANON], n its frame's node
 *    (buddy zone's node), iff it is PG_ANON and mapped or in the swap
 *    cache (vmscan_page_freed untracks it before it is freed), and by
 *    lv[n].lru[LRU_FILE] iff it is PG_FILE and in the page cache,
 *    except while a shrink holds it as a victim, and except when it is
 *    PG_MLOCKED: then it is on the unevictable list (by user.pf.link, no
 *    owner), which reclaim never scans (Linux's unevictable LRU);
 *  - page->user.va is the user address of every mapping of a tracked
 *    anonymous page; .mm, when not NULL and mapcount is 1, is the space of
 *    that one mapping (set by vmscan_page_mapped, cleared when a second
 *    mapping comes);
 *  - while victims are batched they are off the policy's lists and
 *    nothing here allocates; every PTE changed in place (accessed bit
 *    cleared, page replaced by a swap entry) is flushed from the TLBs
 *    (mm_tlb_flush_page) before the page can be freed;
 *  - file pages are never dirty: dropping one is unmapping it everywhere
 *    and freeing it, a shadow entry left in its cache slot;
 *  - a shadow entry names the node whose clock it was made by
 *    (pagecache.h); a refault is judged against that node's clock and
 *    working set, and the page joins its own frame's node's lists;
 *  - kswapd_balance returns once its node's free pages reach the node's
 *    high marks, a round frees nothing, or the node's LRUs have been
 *    looked at once; a shrink of one node's lists never touches another
 *    node's pages, and vmscan_shrink_nodes leaves skip.keep_nodes' lists
 *    alone.
 * Order of calls: vmscan -> a kind's store (vmscan_store_ops) -> buddy;
 * never the reverse except through the buddy's reclaim hooks, whose host
 * glue names the space to skip (struct vmscan_skip).
 * Locking: none inside; the caller serialises (the guest: one CPU,
 * reclaim in task context); hooks must not sleep.
 */
#ifndef MM_VMSCAN_H
#define MM_VMSCAN_H

#include "lruvec.h"
#include "rmap.h"

/* On vs->unevictable, off its LRU: a user page a locked area maps, or
 * (with PG_NOEVICT too) one nothing could evict (tmpfs without swap). */
#define PG_MLOCKED (1u << 19)
/* An anonymous page madvise(MADV_FREE) gave up: dropped, not swapped, if
 * no mapping writes it before reclaim takes it (Linux's lazyfree folio). */
#define PG_LAZYFREE (1u << 20)
/* Unevictable for want of an evictor, not mlocked: Unevictable counts it,
 * Mlocked does not (Linux's ramfs and no-swap shmem pages). */
#define PG_NOEVICT (1u << 21)
/* A fault is mapping this page-cache page (Linux's folio lock, which
 * reclaim only trylocks): reclaim keeps it. Between the cache lookup and
 * the PTE the fault allocates (a private copy, a page table), and the
 * direct reclaim that may run there must not free the page it maps. */
#define PG_LOCKED (1u << 22)

#define VMSCAN_BATCH 32           /* victims per store write at most */
#define VMSCAN_FAULT_MARGIN 64    /* pages a fault may take: fault-around, tables */

/*
 * Where one kind of page goes when evicted (Linux's address_space
 * operations of the swap cache and of a file): anonymous pages to swap,
 * page-cache pages dropped, their file keeping the data. Hooks a kind
 * never needs are NULL (a file store needs only evicted). Every hook takes
 * its store's ctx (struct vmscan_store) first, so one host can run several
 * independent stores.
 *   present     there is a store (anonymous pages then count in the working set)
 *   has_room    an eviction can make progress now
 *   copy_slot   the slot of p's clean copy in the store, 0: none
 *   drop_copy   p's copy is stale (a mapping wrote p), or p goes away
 *   write       gives up to VMSCAN_BATCH pages a copy (copy_slot after;
 *               0 where it failed)
 *   entry_dup   a PTE now holds an entry for slot: 0, or -ERANGE when full
 *   evicted     p is unmapped everywhere: it leaves its cache, shadow taking
 *               its place, and is freed. Returns false when it could not
 *               go (a tmpfs page with no swap room): the store put it back
 *               on a list, and reclaim does not count it freed
 *   discard     p, lazily freed and in no cache, is unmapped everywhere: freed
 *               (NULL: lazily freed pages are swapped as others)
 */
struct vmscan_store_ops {
	bool (*present)(void *ctx);
	bool (*has_room)(void *ctx);
	uint64_t (*copy_slot)(void *ctx, const struct page *p);
	void (*drop_copy)(void *ctx, struct page *p);
	void (*write)(void *ctx, struct page **pages, unsigned n);
	int (*entry_dup)(void *ctx, uint64_t slot);
	bool (*evicted)(void *ctx, struct page *p, uint32_t shadow);
	void (*discard)(void *ctx, struct page *p);
};

/* One store: its ops and the state they work on (passed to each as ctx). */
struct vmscan_store {
	const struct vmscan_store_ops *ops;
	void *ctx;
};

/* What eviction needs of the host's address spaces (rmap.h's, as the host walks them). */
struct vmscan_spaces {
	/* rmap_walk over every space: fn on each PTE mapping p. Returns the visits. */
	unsigned (*walk)(void *ctx, struct page *p, rmap_fn fn, void *arg);
	struct pt_space *(*pt)(struct mm *mm);
	const struct vma_tree *(*vmas)(struct mm *mm);
	pte_t (*swap_pte)(uint64_t slot);       /* the PTE of a swap entry for slot */
	/* One mapping in mm went: an anonymous one became a swap entry
	 * (LRU_ANON), a file one was unmapped (LRU_FILE): its counters. */
	void (*unmapped)(struct mm *mm, enum lru_kind k);
	/* One mapping of a lazily freed page (MADV_FREE) went, leaving no
	 * entry: its counters. NULL: lazily freed pages are swapped as others. */
	void (*discarded)(struct mm *mm);
	void *ctx;                              /* walk's */
};

/*
 * Reclaim's counters, for /proc/vmstat: events (monotonic) up to
 * VMSCAN_REFAULT, the policies' list moves (sums over both lists) and
 * the lists' sizes (gauges) after it, published by every call that can
 * change the lists. Each lives where vs->counter[e] points: in vs->own
 * unless the host put it in its own table (vmscan_count_into), so the
 * host keeps one copy and copies nothing.
 */
enum vmscan_event {
	VMSCAN_PGSCAN_KSWAPD, VMSCAN_PGSCAN_DIRECT, VMSCAN_PGSTEAL_KSWAPD, VMSCAN_PGSTEAL_DIRECT,
	VMSCAN_PGSCAN_ANON, VMSCAN_PGSCAN_FILE, VMSCAN_PGSTEAL_ANON, VMSCAN_PGSTEAL_FILE,
	VMSCAN_REFAULT_ANON, VMSCAN_REFAULT_FILE, VMSCAN_ACTIVATE_ANON, VMSCAN_ACTIVATE_FILE,
	VMSCAN_REFAULT,                 /* both kinds' refaults */
	VMSCAN_PGACTIVATE, VMSCAN_PGDEACTIVATE, VMSCAN_PGROTATED,
	VMSCAN_NR_ACTIVE_ANON, VMSCAN_NR_INACTIVE_ANON, VMSCAN_NR_ACTIVE_FILE,
	VMSCAN_NR_INACTIVE_FILE,
	VMSCAN_PGLAZYFREED,
	VMSCAN_NR_UNEVICTABLE, VMSCAN_NR_MLOCK,   /* gauges: Unevictable, Mlocked */
	NR_VMSCAN_EVENTS
};

/* The machine's reclaim state: each node's lists and what they share. */
struct vmscan {
	struct lruvec *lv[BUDDY_MAX_NODES];  /* node n's lists, costs, shadow clock:
					 * lv[0] is node0, the others the caller's
					 * memory (vmscan_init_node), NULL until then */
	struct lruvec node0;            /* node 0's: a one-node machine needs no more */
	unsigned nr_nodes;              /* the buddy's nodes at vmscan_init */
	uint32_t nodes_ready;           /* bit n: node n's lists are set up */
	struct vmscan_store store[NR_LRU];
	const struct vmscan_spaces *spaces;
	const struct buddy *buddy;      /* free pages and watermarks */
	uint64_t swappiness;            /* 0..200 */
	bool on;                        /* every node's lists exist */
	struct list_head unevictable;   /* PG_MLOCKED pages of every node, by user.pf.link */
	uint64_t nr_unevictable;        /* pages on it (Unevictable) */
	uint64_t nr_mlocked;            /* those of them not PG_NOEVICT (Mlocked) */
	uint64_t *counter[NR_VMSCAN_EVENTS];   /* where each counter lives (&own[e]: never
					 * copy a struct vmscan) */
	uint64_t own[NR_VMSCAN_EVENTS];        /* the counters no host table holds */
};

/* Whose mappings a shrink leaves alone (NULL: nobody's), and whose nodes'. */
struct vmscan_skip {
	struct mm *anon;        /* a space whose PTEs the interrupted code may hold */
	struct mm *file;        /* a faulting task's own page cache (its text) */
	uint32_t keep_nodes;    /* bit n: vmscan_shrink_nodes leaves node n's lists
				 * alone (an allocation that must stay on its node;
				 * 0: every node of the zonelist may give) */
};

/* What a fault should do first (vmscan_fault_plan). */
struct vmscan_fault_plan {
	bool wake_kswapd;       /* free pages could fall under the low marks */
	uint32_t wake_nodes;    /* bit n: node n's free pages could (its kswapd) */
	unsigned long reclaim;  /* pages to reclaim directly first, 0: none */
};

/* Why one kswapd wakeup ended. */
enum vmscan_kswapd_stop {
	VMSCAN_KSWAPD_BALANCED,     /* free pages at the high marks */
	VMSCAN_KSWAPD_NO_PROGRESS,  /* a round freed nothing (the host may shrink slabs) */
	VMSCAN_KSWAPD_ONE_PASS,     /* the LRUs were looked at once */
};

/*
 * Sets vs up: node 0 gets both lists under ops with cfg[k] for list k
 * (its young hook and ctx are vmscan's); on a buddy of several nodes the
 * others get theirs from vmscan_init_node, and vs->on stays false until
 * every node has them. Stores, spaces and buddy kept by reference.
 * Returns 0 or what policy_init returned; vs->on stays false then, and
 * only vmscan_page_freed may be called.
 */
int vmscan_init(struct vmscan *vs, const struct policy_ops *ops,
		const struct policy_config cfg[NR_LRU],
		const struct vmscan_store store[NR_LRU],
		const struct vmscan_spaces *spaces, const struct buddy *buddy);

/*
 * Node nid (1 .. nr_nodes - 1) gets its lists in lv (caller memory, kept
 * by reference) under node 0's policy with cfg (tables sized for the
 * node); vs->on once every node has them. Returns 0, -MM_EINVAL (node 0's
 * lists failed, no such node, or it has lists) or what policy_init
 * returned.
 */
int vmscan_init_node(struct vmscan *vs, unsigned nid, struct lruvec *lv,
		     const struct policy_config cfg[NR_LRU]);

/* Node nid's lists (nid < vs->nr_nodes, set up). */
static inline const struct lruvec *vmscan_lruvec(const struct vmscan *vs, unsigned nid)
{
	return vs->lv[nid];
}

/* Counter e lives at *at from now on (its value so far moved there). */
void vmscan_count_into(struct vmscan *vs, enum vmscan_event e, uint64_t *at);

static inline uint64_t vmscan_count(const struct vmscan *vs, enum vmscan_event e)
{
	return *vs->counter[e];
}

/* Sets the swappiness. Returns 0, or -MM_EINVAL past 0..200. */
int vmscan_set_swappiness(struct vmscan *vs, uint64_t swappiness);

void vmscan_page_mapped(struct vmscan *vs, struct page *p, struct mm *mm, uint64_t va);
void vmscan_page_freed(struct vmscan *vs, struct page *p);
void vmscan_page_accessed(struct vmscan *vs, struct page *p);

/* p was filled for file ino at index; its slot held shadow (0: none). Returns where it went. */
enum lruvec_fill vmscan_file_added(struct vmscan *vs, struct page *p, struct inode *ino,
				   uint64_t index, uint32_t shadow);

/* p, read back from swap, goes to va in mm; its slot held shadow. Returns where it went. */
enum lruvec_fill vmscan_anon_refault(struct vmscan *vs, struct page *p, struct mm *mm,
				     uint64_t va, uint32_t shadow);

/*
 * p is mapped in an area locked by mlock: it leaves its LRU for the
 * unevictable list (nothing if it is there already).
 */
void vmscan_page_mlock(struct vmscan *vs, struct page *p);
/*
 * A locked area mapping p was unlocked or unmapped (already not locked):
 * p goes back to its LRU unless another locked area still maps it.
 */
void vmscan_page_munlock(struct vmscan *vs, struct page *p);
/* p onto the unevictable list without counting as mlocked (PG_NOEVICT);
 * a later vmscan_page_mlock makes it mlocked. */
void vmscan_page_unevictable(struct vmscan *vs, struct page *p);
/* p (on an LRU) moves to its list's cold end: the next victims. */
void vmscan_page_deactivate(struct vmscan *vs, struct page *p);
/*
 * Evicts p now if it is on an LRU and can go (swap has room for an
 * anonymous page; a file page no space holds busy). Returns whether it
 * went.
 */
bool vmscan_page_pageout(struct vmscan *vs, struct page *p);
/*
 * p (anonymous, its mappings made clean by the caller) is lazily freed:
 * its store copy dropped, PG_LAZYFREE set, to the cold end of its list.
 */
void vmscan_page_lazyfree(struct vmscan *vs, struct page *p);

/*
 * Frees up to nr pages of node nid's lists (Linux's shrink_node): the
 * file share first (vmscan_anon_share), what it could not give taken
 * from the anonymous list, the file list asked again when that gave
 * nothing. Counted as direct reclaim or kswapd's, in the events and in
 * the node's lruvec. Returns the pages looked at and freed, both lists
 * together.
 */
struct lruvec_scan vmscan_shrink_node(struct vmscan *vs, unsigned nid, unsigned long nr,
				      bool direct, struct vmscan_skip skip);

/*
 * Frees up to nr pages from the nodes of node nid's zonelist, nearest
 * first (Linux's shrink_zones), leaving skip.keep_nodes' lists alone: the
 * next node is shrunk only while fewer than nr were freed. Returns the
 * sums.
 */
struct lruvec_scan vmscan_shrink_nodes(struct vmscan *vs, unsigned nid, unsigned long nr,
				       bool direct, struct vmscan_skip skip);

/* vmscan_shrink_nodes from node 0: a host with one node. */
struct lruvec_scan vmscan_shrink(struct vmscan *vs, unsigned long nr, bool direct,
				 struct vmscan_skip skip);

/* Of nr pages, how many to take from node nid's anonymous list now (lruvec_anon_share). */
unsigned long vmscan_anon_share(const struct vmscan *vs, unsigned nid, unsigned long nr);

/*
 * Before a fault, which may take VMSCAN_FAULT_MARGIN pages without
 * reclaiming: wake the kswapd of each node it could take under its zones'
 * low marks, reclaim directly if under the min marks (and anything can go).
 */
struct vmscan_fault_plan vmscan_fault_plan(const struct vmscan *vs);

/* Pages an allocation of 2^order asks direct reclaim for (a quarter round for order > 0). */
unsigned long vmscan_direct_target(unsigned order);

/*
 * One wakeup of node nid's kswapd (Linux's balance_pgdat): rounds of the
 * node's high marks' worth at least until the node's free pages reach its
 * zones' high marks, a round frees nothing, or as many pages as the
 * node's lists held at the start were scanned. Only node nid's lists are
 * shrunk. Adds what it scanned and freed to *done. Returns why it stopped.
 */
enum vmscan_kswapd_stop vmscan_kswapd_balance(struct vmscan *vs, unsigned nid,
					      struct lruvec_scan *done);

/* Free pages of the buddy (free lists and per-CPU lists). */
uint64_t vmscan_free_pages(const struct vmscan *vs);
/* The same for node nid's zones. */
uint64_t vmscan_node_free_pages(const struct vmscan *vs, unsigned nid);

/* The sum of watermark w over the zones with memory. */
uint64_t vmscan_wmark_pages(const struct vmscan *vs, enum buddy_wmark w);
/* The same over node nid's zones. */
uint64_t vmscan_node_wmark_pages(const struct vmscan *vs, unsigned nid, enum buddy_wmark w);

#endif
