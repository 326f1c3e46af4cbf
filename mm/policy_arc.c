/*
 * policy_arc.c: ARC, the adaptive replacement cache (Megiddo and Modha,
 * "ARC: A Self-Tuning, Low Overhead Replacement Cache", FAST 2003), in the
 * clock form that needs only reference bits: CAR (Bansal and Modha, "CAR:
 * Clock with Adaptive Replacement", FAST 2004). A kernel sees accessed
 * bits, not every access, so this is the form it can run.
 *
 * T1 holds pages seen once (recency), T2 pages seen again (frequency),
 * both clocks whose hand is the list tail. B1 and B2 (ghost lists 0 and 1)
 * remember pages evicted from T1 and T2. The target p of T1's size adapts:
 * a fault on a page in B1 means T1 was too small (p grows by
 * max(1, |B2|/|B1|)); one in B2 means T2 was (p shrinks by
 * max(1, |B1|/|B2|)). The hand sweeps T1 while |T1| >= max(1, p): a
 * referenced page moves to T2, an unreferenced one is evicted to B1; else
 * it sweeps T2, where a referenced page goes round again.
 *
 * Invariants, with c the cache size (p->peak, the most frames tracked at
 * once): 0 <= p <= c; |T1| + |B1| <= c; |T1| + |T2| + |B1| + |B2| <= 2c;
 * B1 and B2 hold only keys not resident (policy_check).
 */
#include "policy_internal.h"

enum { ARC_T1, ARC_T2 };
enum { ARC_B1, ARC_B2 };

/* Forgets the oldest ghost of list; false when it is empty. */
static bool arc_drop_oldest(struct policy *p, unsigned list)
{
	uint32_t i = policy_ghost_oldest(&p->ghosts, list);
	if (i == POLICY_GHOST_NONE)
		return false;
	policy_ghost_del(&p->ghosts, i);
	return true;
}

/* CAR's directory bound on a fault of a page in neither B1 nor B2. */
static void arc_trim_ghosts(struct policy *p, uint64_t c)
{
	const struct policy_ghosts *g = &p->ghosts;
	if (p->nr[ARC_T1] + g->nr[ARC_B1] >= c && arc_drop_oldest(p, ARC_B1))
		return;
	if (p->nr_frames + g->nr[ARC_B1] + g->nr[ARC_B2] >= 2 * c)
		arc_drop_oldest(p, ARC_B2);
}

/* p moves toward the list whose ghost was hit. */
static void arc_adapt(struct policy *p, int ghost_list, uint64_t c)
{
	uint64_t b1 = p->ghosts.nr[ARC_B1], b2 = p->ghosts.nr[ARC_B2];
	if (ghost_list == ARC_B1) {
		uint64_t delta = MM_MAX(1, b1 ? b2 / b1 : 1);
		p->target = MM_MIN(p->target + delta, c);
	} else {
		uint64_t delta = MM_MAX(1, b2 ? b1 / b2 : 1);
		p->target = p->target > delta ? p->target - delta : 0;
	}
}

static int arc_insert(struct policy *p, struct policy_frame *f)
{
	uint64_t c = MM_MAX(p->peak, p->nr_frames + 1);
	policy_forget_fault_access(p, f);
	int ghost = -1;
	if (f->key != POLICY_KEY_NONE) {
		uint32_t i = policy_ghost_find(&p->ghosts, f->key);
		if (i != POLICY_GHOST_NONE) {
			ghost = p->ghosts.e[i].list;
			arc_adapt(p, ghost, c); /* with the ghost still counted, as CAR */
			policy_ghost_del(&p->ghosts, i);
			p->stats.ghost_hits++;
		}
	}
	if (ghost < 0)
		arc_trim_ghosts(p, c);
	policy_track(p, f, ghost < 0 ? ARC_T1 : ARC_T2);
	return 0;
}

/* Records f, about to be evicted from list, in the matching ghost list. */
static void arc_remember(struct policy *p, struct policy_frame *f)
{
	if (f->key == POLICY_KEY_NONE || !p->ghosts.cap)
		return;
	if (policy_ghost_full(&p->ghosts) && !arc_drop_oldest(p, ARC_B1))
		arc_drop_oldest(p, ARC_B2);
	policy_ghost_add(&p->ghosts, f->list == ARC_T1 ? ARC_B1 : ARC_B2, f->key);
}

static unsigned arc_hand_list(const struct policy *p)
{
	if (!p->nr[ARC_T2])
		return ARC_T1;
	if (!p->nr[ARC_T1])
		return ARC_T2;
	return p->nr[ARC_T1] >= MM_MAX(1, p->target) ? ARC_T1 : ARC_T2;
}

/* One turn over both clocks clears every bit: 2 * nr + 1 steps suffice. */
static struct policy_frame *arc_victim(struct policy *p)
{
	struct policy_frame *f = NULL;
	for (uint64_t n = 2 * p->nr_frames + 1; n; n--) {
		unsigned list = arc_hand_list(p);
		f = policy_tail(p, list);
		if (!f || !policy_test_clear_referenced(p, f))
			break;
		policy_move(p, f, ARC_T2);
		if (list == ARC_T1)
			p->stats.activated++;
		else
			p->stats.rotated++;
	}
	if (f)
		arc_remember(p, f);
	return f;
}

static int arc_check(const struct policy *p)
{
	uint64_t c = p->peak;
	const struct policy_ghosts *g = &p->ghosts;
	bool ok = p->target <= c && p->nr[ARC_T1] + g->nr[ARC_B1] <= c &&
		  p->nr_frames + g->used <= 2 * c;
	return ok ? 0 : -MM_EINVAL;
}

const struct policy_ops policy_arc_ops = {
	.name = "arc", .summary = "adaptive replacement (ARC in its clock form, CAR)",
	.flags = POLICY_OPS_HISTORY, .nr_lists = 2,
	.insert = arc_insert, .access = policy_access_referenced, .remove = policy_untrack,
	.victim = arc_victim, .tick = policy_tick_none, .check = arc_check,
};
