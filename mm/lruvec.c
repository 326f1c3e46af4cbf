/*
 * lruvec.c: reclaim's state and decisions (lruvec.h): the scan balance,
 * the cost decay, the workingset refault test, list aging.
 *
 * Invariants: see lruvec.h; the cost bound is kept by lruvec_note_cost,
 * the only place a cost grows. Callers serialise.
 */
#include "lruvec.h"
#include "mm_port.h"

int lruvec_init(struct lruvec *lv, const struct policy_ops *ops,
		const struct policy_config cfg[NR_LRU])
{
	for (int k = 0; k < NR_LRU; k++) {
		int err = policy_init(&lv->lru[k], ops, &cfg[k]);
		if (err)
			return err;
		lv->cost[k] = 0;
		lv->scanned_since_tick[k] = 0;
	}
	lv->nonresident_age = 0;
	lv->node = 0;
	lv->by_kswapd = lv->by_direct = (struct lruvec_scan){ 0, 0 };
	return 0;
}

uint32_t lruvec_shadow(struct lruvec *lv)
{
	return pagecache_node_shadow(++lv->nonresident_age, lv->node);
}

unsigned lruvec_shadow_node(uint32_t shadow)
{
	return pagecache_shadow_node(shadow);
}

bool lruvec_has_active_list(const struct lruvec *lv, enum lru_kind k)
{
	return lv->lru[k].ops && lv->lru[k].ops->nr_lists == 2;
}

/*
 * The pages a refaulting page competes with to stay (Linux's workingset
 * size): the active lists, the anonymous one only when it can be swapped;
 * under a policy without an active list, half of what it tracks.
 */
static uint64_t workingset_size(const struct lruvec *lv, bool anon_in_workingset)
{
	uint64_t n = 0;

	for (int k = 0; k < NR_LRU; k++) {
		const struct policy *l = &lv->lru[k];
		if (k == LRU_ANON && !anon_in_workingset)
			continue;
		n += lruvec_has_active_list(lv, (enum lru_kind)k) ? l->nr[POLICY_LRU_ACTIVE]
								  : l->nr_frames / 2;
	}
	return n;
}

void lruvec_note_cost(struct lruvec *lv, enum lru_kind k, uint64_t n)
{
	lv->cost[k] += n;
	if (lv->cost[LRU_ANON] + lv->cost[LRU_FILE] >
	    (lv->lru[LRU_ANON].nr_frames + lv->lru[LRU_FILE].nr_frames) / 4) {
		lv->cost[LRU_ANON] /= 2;
		lv->cost[LRU_FILE] /= 2;
	}
}

/*
 * A policy with a history of its own (ARC, CLOCK-Pro, S3-FIFO, lfu-hist)
 * decides from its ghosts what a refaulting page is; activating it here
 * as well would count every refault of a loop slightly larger than memory
 * as a reuse (its distance is under the working set's size) and undo the
 * policy's scan resistance.
 */
static bool has_own_history(const struct lruvec *lv, enum lru_kind k)
{
	return lv->lru[k].ops && (lv->lru[k].ops->flags & POLICY_OPS_HISTORY);
}

/*
 * A refault closer than the working set's size (fewer evictions since its
 * own) would have stayed had the active lists given it room (Linux's
 * workingset_test_recent): it is inserted active.
 */
enum lruvec_fill lruvec_insert_filled(struct lruvec *lv, const struct lruvec *evicted_by,
				      enum lru_kind k, struct policy_frame *f, uint32_t shadow,
				      bool anon_in_workingset)
{
	if (!pagecache_is_shadow(shadow)) {
		policy_insert(&lv->lru[k], f);
		return LRUVEC_FILL_NEW;
	}
	lruvec_note_cost(lv, k, LRUVEC_CLUSTER);
	if (has_own_history(lv, k) ||
	    pagecache_refault_distance(shadow, evicted_by->nonresident_age) >
	    workingset_size(evicted_by, anon_in_workingset)) {
		policy_insert(&lv->lru[k], f);
		return LRUVEC_FILL_REFAULT;
	}
	policy_insert_hot(&lv->lru[k], f);
	return LRUVEC_FILL_ACTIVATED;
}

void lruvec_note_scan(struct lruvec *lv, const struct lruvec_scan sc[NR_LRU])
{
	lruvec_note_cost(lv, LRU_ANON, sc[LRU_ANON].scanned - sc[LRU_ANON].freed);
	lruvec_note_cost(lv, LRU_FILE, (sc[LRU_FILE].scanned - sc[LRU_FILE].freed) * LRUVEC_CLUSTER);
}

unsigned long lruvec_anon_share(const struct lruvec *lv, unsigned long nr,
				const struct lruvec_balance *b)
{
	uint64_t anon = lv->lru[LRU_ANON].nr_frames, file = lv->lru[LRU_FILE].nr_frames;
	uint64_t total = lv->cost[LRU_ANON] + lv->cost[LRU_FILE] + 1;
	uint64_t ap = b->swappiness * total / (lv->cost[LRU_ANON] + 1) * anon;
	uint64_t fp = (200 - b->swappiness) * total / (lv->cost[LRU_FILE] + 1) * file;

	if (!b->can_swap || !anon)
		return 0;
	if (b->file_is_tiny || !fp)
		return nr;
	return (unsigned long)(nr * ap / (ap + fp));
}

unsigned long lruvec_scan_budget(const struct lruvec *lv, enum lru_kind k, unsigned long nr)
{
	return MM_MIN(lv->lru[k].nr_frames, 2 * nr + MM_MIN(nr, LRUVEC_CLUSTER));
}

void lruvec_age(struct lruvec *lv, const struct lruvec_scan sc[NR_LRU])
{
	for (int k = 0; k < NR_LRU; k++) {
		lv->scanned_since_tick[k] += sc[k].scanned;
		if (lv->scanned_since_tick[k] < MM_MAX(lv->lru[k].nr_frames, LRUVEC_CLUSTER))
			continue;
		lv->scanned_since_tick[k] = 0;
		policy_tick(&lv->lru[k]);
	}
}

void lruvec_sizes(const struct lruvec *lv, enum lru_kind k, uint64_t *active, uint64_t *inactive)
{
	const struct policy *l = &lv->lru[k];

	*active = lruvec_has_active_list(lv, k) ? l->nr[POLICY_LRU_ACTIVE] : 0;
	*inactive = l->nr_frames - *active;
}
