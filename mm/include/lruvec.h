/*
 * lruvec.h: reclaim's state and decisions, host-testable (Linux's struct
 * lruvec with the parts of scan_control and workingset.c that decide),
 * one per node: two LRUs (private anonymous pages, page-cache pages) each kept by one
 * replacement policy (policy.h), the recent cost of reclaiming each kind,
 * the eviction clock that shadow entries record (pagecache.h), and each
 * list's aging progress. Evicting (the reverse map, swap, the page cache)
 * is the caller's; this module says how much to scan of which list and
 * where a refaulting page goes.
 *
 * Interface:
 *   lruvec_init            both lists under one policy ops, clock at 0
 *   lruvec_shadow          the shadow entry of an eviction now (clock ticks;
 *                          the entry names the lruvec's node)
 *   lruvec_insert_filled   a page filled from a file or swap joins its list:
 *                          new, a refault (shadow, judged against the
 *                          evicting node's lruvec), or a recent refault
 *                          (inserted active: Linux's workingset_refault)
 *   lruvec_note_cost       charges reclaim cost to a list; both decay
 *   lruvec_note_scan       the cost of what a shrink kept
 *   lruvec_anon_share      how much of a shrink the anonymous list gives
 *   lruvec_scan_budget     the most victims one shrink call looks at
 *   lruvec_age             one aging tick per list-length scanned
 *   lruvec_sizes           active and inactive counts for /proc/meminfo
 *
 * Invariants: cost[LRU_ANON] + cost[LRU_FILE] stays at most a quarter of
 * the pages tracked (halved when a charge passes it; Linux's
 * lru_note_cost); scanned_since_tick[k] < max(lru[k].nr_frames,
 * LRUVEC_CLUSTER) after each lruvec_age.
 * Locking: none inside; the caller serialises (the guest: one CPU,
 * reclaim in task context).
 */
#ifndef MM_LRUVEC_H
#define MM_LRUVEC_H

#include "policy.h"
#include "pagecache.h"

#define LRUVEC_CLUSTER 32   /* pages per reclaim round (Linux's SWAP_CLUSTER_MAX) */

enum lru_kind { LRU_ANON, LRU_FILE, NR_LRU };

/* What one shrink of a list did. */
struct lruvec_scan {
	unsigned long scanned, freed;
};

struct lruvec {
	struct policy lru[NR_LRU];
	uint64_t cost[NR_LRU];          /* recent reclaim cost (Linux's anon_cost/file_cost) */
	uint64_t scanned_since_tick[NR_LRU];
	uint64_t nonresident_age;       /* evictions so far: the shadow clock */
	unsigned node;                  /* whose lists: the node its shadows name */
	/* Pages scanned and freed from these lists, by kswapd and by direct
	 * reclaim (a node's pgscan_kswapd ...): kept by vmscan. */
	struct lruvec_scan by_kswapd, by_direct;
};

/* Where lruvec_insert_filled put a page. */
enum lruvec_fill {
	LRUVEC_FILL_NEW,        /* no shadow: a first read */
	LRUVEC_FILL_REFAULT,    /* a shadow, but evicted too long ago: inactive */
	LRUVEC_FILL_ACTIVATED,  /* a shadow closer than the working set: active */
};

/* What the anonymous list's share depends on beyond the lists. */
struct lruvec_balance {
	uint64_t swappiness;    /* 0..200 */
	bool can_swap;          /* a swap slot or a clean swap-cache copy to reuse */
	bool file_is_tiny;      /* page cache + free below the high marks */
};

/*
 * Sets lv up with both lists under ops, cfg[k] for list k. Returns 0 or
 * what policy_init returned.
 */
int lruvec_init(struct lruvec *lv, const struct policy_ops *ops,
		const struct policy_config cfg[NR_LRU]);

/* The shadow entry of an eviction now: the clock, advanced. */
uint32_t lruvec_shadow(struct lruvec *lv);

/* The node a shadow entry of lruvec_shadow names. */
unsigned lruvec_shadow_node(uint32_t shadow);

/*
 * Inserts f, a page just filled for list k of lv (its frame's node),
 * whose cache slot held shadow (0: none), made by evicted_by (the lruvec
 * of lruvec_shadow_node(shadow); lv itself on one node). The refault
 * distance and the working set are evicted_by's (Linux's
 * workingset_refault takes the eviction lruvec from the shadow); the
 * refault is charged to lv's cost of k. anon_in_workingset: whether
 * anonymous pages count in the working set (they can be swapped).
 * Returns where f went.
 */
enum lruvec_fill lruvec_insert_filled(struct lruvec *lv, const struct lruvec *evicted_by,
				      enum lru_kind k, struct policy_frame *f, uint32_t shadow,
				      bool anon_in_workingset);

/* Adds n to list k's cost; both halve once their sum passes a quarter of the pages. */
void lruvec_note_cost(struct lruvec *lv, enum lru_kind k, uint64_t n);

/*
 * Charges what a shrink kept: a rotation per anonymous page, a refault's
 * worth (LRUVEC_CLUSTER) per file page (program text in use).
 */
void lruvec_note_scan(struct lruvec *lv, const struct lruvec_scan sc[NR_LRU]);

/*
 * How many of nr pages to take from the anonymous list (Linux's
 * get_scan_count, SCAN_FRACT): each list's share grows with its size and
 * weight (swappiness against 200 - swappiness), divided by its recent
 * cost; all from one list when the other cannot give.
 */
unsigned long lruvec_anon_share(const struct lruvec *lv, unsigned long nr,
				const struct lruvec_balance *b);

/* At most 2 * nr + min(nr, LRUVEC_CLUSTER) victims, and no more than list k holds. */
unsigned long lruvec_scan_budget(const struct lruvec *lv, enum lru_kind k, unsigned long nr);

/* One policy_tick of each list per list-length of victims scanned from it. */
void lruvec_age(struct lruvec *lv, const struct lruvec_scan sc[NR_LRU]);

/* Whether list k keeps an active list (lru) or one kind of page (the others). */
bool lruvec_has_active_list(const struct lruvec *lv, enum lru_kind k);

/* Active and inactive pages of list k; a policy without an active list keeps all inactive. */
void lruvec_sizes(const struct lruvec *lv, enum lru_kind k, uint64_t *active, uint64_t *inactive);

#endif
