/*
 * policy_clockpro.c: CLOCK-Pro (Jiang, Chen and Zhang, "CLOCK-Pro: An
 * Effective Improvement of the CLOCK Replacement", USENIX ATC 2005), LIRS's
 * reuse-distance idea on reference bits, in a list form: the cold and hot
 * pages sit on two clocks (lists 0 and 1, hands at the tails) instead of
 * one clock with three hands, and the non-resident cold pages in their
 * test period are ghost list 0.
 *
 * A new page is cold and in its test period. The cold hand: a referenced
 * cold page in its test period turns hot (its reuse distance beat the
 * test period); a referenced cold page out of it starts a new test period
 * and goes round; an unreferenced cold page is evicted, and if in its test
 * period its key stays as a non-resident ghost. A fault on a ghost brings
 * the page in hot. The hot hand runs whenever hot pages exceed c - m_c:
 * a referenced hot page goes round, an unreferenced one turns cold (out of
 * test). m_c, the cold target, grows by one whenever a cold page is
 * re-referenced in its test period (resident or not) and shrinks by one
 * whenever a ghost's test period ends unused (it falls out of the ghost
 * list, which holds at most c keys, as the paper bounds non-resident cold
 * pages by the memory size). Simplification: a resident cold page's test
 * period lasts while it is resident, and a ghost's until c newer ones
 * push it out (the paper ends both when the hot hand passes). Those test
 * periods run longer than the paper's, so more pages pass them and m_c
 * would climb to c on a loop larger than memory (every page cold: FIFO,
 * no hits); m_c is therefore capped at CP_COLD_MAX_PERCENT of memory
 * (LIRS keeps about 1% for its cold pages). Measured with `memvisor opt
 * --frames 1000 --length 1000000 --policy clockpro --pattern
 * loop:pages=1100,zipf:s=0.9:pages=10000`: the 1100-page loop gets 0%
 * hits uncapped, 80.28% capped; zipf(0.9) unchanged (62.96%).
 *
 * Invariants, with c the cache size (p->peak): 1 <= m_c <= max(1, c);
 * hot pages are never in a test period; at most c ghosts; ghosts hold only
 * keys not resident (policy_check).
 */
#include "policy_internal.h"

enum { CP_COLD, CP_HOT };
#define CP_TEST POLICY_CLOCKPRO_TEST
#define CP_COLD_MAX_PERCENT 10

/* Starts or ends f's test period (other flag bits stay). */
static void cp_set_test(struct policy_frame *f, bool test)
{
	f->flags = (uint8_t)(test ? f->flags | CP_TEST : f->flags & ~CP_TEST);
}

static uint64_t cp_cache_size(const struct policy *p)
{
	return MM_MAX(p->peak, 1);
}

/* The cold target's ceiling: CP_COLD_MAX_PERCENT of memory, at least 1. */
static uint64_t cp_cold_max(const struct policy *p)
{
	return MM_MAX(cp_cache_size(p) * CP_COLD_MAX_PERCENT / 100, 1);
}

static void cp_cold_target_up(struct policy *p)
{
	p->target = MM_MIN(p->target + 1, cp_cold_max(p));
}

static void cp_cold_target_down(struct policy *p)
{
	if (p->target > 1)
		p->target--;
}

/* The hot hand's step: a referenced hot page goes round, else turns cold. */
static void cp_hot_hand(struct policy *p)
{
	struct policy_frame *f = policy_tail(p, CP_HOT);
	if (policy_test_clear_referenced(p, f)) {
		policy_move(p, f, CP_HOT);
		p->stats.rotated++;
		return;
	}
	cp_set_test(f, false);
	policy_move(p, f, CP_COLD);
	p->stats.deactivated++;
}

/* Runs the hot hand while hot pages exceed c - m_c (a bounded sweep). */
static void cp_balance(struct policy *p)
{
	uint64_t c = cp_cache_size(p);
	uint64_t hot_max = c > p->target ? c - p->target : 0;
	for (uint64_t n = 2 * p->nr[CP_HOT] + 1; n && p->nr[CP_HOT] > hot_max; n--)
		cp_hot_hand(p);
}

static int cp_insert(struct policy *p, struct policy_frame *f)
{
	bool ghost = f->key != POLICY_KEY_NONE && policy_ghost_forget(&p->ghosts, f->key) >= 0;
	policy_forget_fault_access(p, f);
	if (!p->target)
		p->target = 1;
	if (ghost) {
		p->stats.ghost_hits++;
		cp_cold_target_up(p);
		cp_set_test(f, false);
		policy_track(p, f, CP_HOT);
		cp_balance(p);
	} else {
		cp_set_test(f, true);
		policy_track(p, f, CP_COLD);
	}
	return 0;
}

/* Keeps f's key through the rest of its test period; ends the oldest. */
static void cp_remember(struct policy *p, struct policy_frame *f)
{
	struct policy_ghosts *g = &p->ghosts;
	if (f->key == POLICY_KEY_NONE || !g->cap)
		return;
	while (g->used && (g->used >= cp_cache_size(p) || policy_ghost_full(g))) {
		policy_ghost_del(g, policy_ghost_oldest(g, 0));
		cp_cold_target_down(p);
	}
	policy_ghost_add(g, 0, f->key);
}

/* The cold hand's step: returns the victim, or NULL after moving a page. */
static struct policy_frame *cp_cold_hand(struct policy *p)
{
	struct policy_frame *f = policy_tail(p, CP_COLD);
	if (!policy_test_clear_referenced(p, f)) {
		if (f->flags & CP_TEST)
			cp_remember(p, f);
		return f;
	}
	if (f->flags & CP_TEST) {
		cp_set_test(f, false);
		policy_move(p, f, CP_HOT);
		p->stats.activated++;
		cp_cold_target_up(p);
		cp_balance(p);
	} else {
		cp_set_test(f, true);
		policy_move(p, f, CP_COLD);
		p->stats.rotated++;
	}
	return NULL;
}

static struct policy_frame *cp_victim(struct policy *p)
{
	for (uint64_t n = 4 * p->nr_frames + 2; n && p->nr_frames; n--) {
		if (!p->nr[CP_COLD]) {
			cp_hot_hand(p);
			continue;
		}
		struct policy_frame *f = cp_cold_hand(p);
		if (f)
			return f;
	}
	/* bits set again behind the hands (another CPU): take the oldest */
	return p->nr[CP_COLD] ? policy_tail(p, CP_COLD) : policy_tail(p, CP_HOT);
}

static int cp_check(const struct policy *p)
{
	struct list_head *pos;
	list_for_each(pos, &p->lists[CP_HOT])
		if (list_entry(pos, struct policy_frame, link)->flags & CP_TEST)
			return -MM_EINVAL;
	bool ok = p->target <= cp_cache_size(p) && p->ghosts.nr[1] == 0 &&
		  p->ghosts.used <= cp_cache_size(p);
	return ok ? 0 : -MM_EINVAL;
}

const struct policy_ops policy_clockpro_ops = {
	.name = "clockpro", .summary = "hot and cold clocks on reuse distance (CLOCK-Pro)",
	.flags = POLICY_OPS_HISTORY, .nr_lists = 2,
	.insert = cp_insert, .access = policy_access_referenced, .remove = policy_untrack,
	.victim = cp_victim, .tick = policy_tick_none, .check = cp_check,
};
