/*
 * policy_lfu_hist.c: LFU with history: lfu's aged counts (policy.c), kept
 * for evicted pages too, with TinyLFU's admission rule (Einziger, Friedman
 * and Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM
 * Transactions on Storage 2017) in the form a pager can apply: a faulting
 * page must come in, so "not admitted" means it is the next victim.
 *
 * Counts halve every POLICY_LFU_HIST_DECAY_DEFAULT ticks (lfu: 8): with a
 * history the counts can afford to span longer. A fault is a reference
 * too: a page the history remembers comes back one count higher. An
 * evicted page's count and the number of halvings done so far stay in
 * the ghost table (ghost list 0, oldest forgotten first). A faulting page
 * starts at its remembered count, halved once for every halving it missed,
 * and at the oldest end of that count's list: unless it is referenced
 * before the next fault, it is the next page evicted among those with its
 * count, so a cold newcomer cannot push out a page used more often (a
 * scan passes through one frame; a loop larger than memory keeps the rest
 * resident). The fault's own accessed bit is cleared at insert.
 *
 * Invariants: a frame's count is its list (<= POLICY_LFU_MAX), as lfu; a
 * ghost's value <= POLICY_LFU_MAX (its stamp counts halvings mod 2^16: a
 * ghost older than that many halvings recalls a wrong count, not a crash);
 * ghosts hold only keys not resident (policy_check).
 */
#include "policy_internal.h"

/*
 * The count a faulting page starts at: its remembered count aged to now,
 * plus one for this fault (a reference too, as TinyLFU counts misses);
 * 0 for a page the history does not know.
 */
static unsigned lh_recall(struct policy *p, uint64_t key)
{
	uint32_t i = policy_ghost_find(&p->ghosts, key);
	if (i == POLICY_GHOST_NONE)
		return 0;
	const struct policy_ghost *e = &p->ghosts.e[i];
	uint16_t missed = (uint16_t)((uint16_t)p->halvings - e->stamp);
	unsigned count = missed >= 16 ? 0 : (unsigned)(e->value >> missed);
	policy_ghost_del(&p->ghosts, i);
	p->stats.ghost_hits++;
	return MM_MIN(count + 1, (unsigned)POLICY_LFU_MAX);
}

static int lh_insert(struct policy *p, struct policy_frame *f)
{
	unsigned count = f->key == POLICY_KEY_NONE ? 0 : lh_recall(p, f->key);
	policy_forget_fault_access(p, f);
	policy_track_at(p, f, count, false);
	return 0;
}

static void lh_remember(struct policy *p, struct policy_frame *f)
{
	struct policy_ghosts *g = &p->ghosts;
	if (f->key == POLICY_KEY_NONE || !g->cap)
		return;
	if (policy_ghost_full(g))
		policy_ghost_del(g, policy_ghost_oldest(g, 0));
	uint32_t i = policy_ghost_add(g, 0, f->key);
	g->e[i].value = f->list;
	g->e[i].stamp = (uint16_t)p->halvings;
}

static struct policy_frame *lh_victim(struct policy *p)
{
	struct policy_frame *f = policy_lfu_victim(p);
	if (f)
		lh_remember(p, f);
	return f;
}

static int lh_check(const struct policy *p)
{
	const struct policy_ghosts *g = &p->ghosts;
	for (uint32_t l = 0, i = g->head[0]; i != POLICY_GHOST_NONE && l < g->nr[0]; l++) {
		if (g->e[i].value > POLICY_LFU_MAX)
			return -MM_EINVAL;
		i = g->e[i].next;
	}
	return g->nr[1] == 0 ? 0 : -MM_EINVAL;
}

const struct policy_ops policy_lfu_hist_ops = {
	.name = "lfu-hist", .summary = "lfu remembering evicted pages' counts; cold newcomers go first",
	.flags = POLICY_OPS_HISTORY, .nr_lists = POLICY_MAX_LISTS,
	.decay_ticks = POLICY_LFU_HIST_DECAY_DEFAULT,
	.insert = lh_insert, .access = policy_lfu_bump, .remove = policy_untrack,
	.victim = lh_victim, .tick = policy_lfu_tick, .check = lh_check,
};
