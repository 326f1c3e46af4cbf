/*
 * oom.c: OOM victim selection (oom.h): badness and the best-so-far rule.
 * Invariant (oom.h): victim and points change together, in oom_consider.
 * No state of its own; each choice is its caller's.
 */
#include "oom.h"

long oom_badness(const struct oom_candidate *c, uint64_t totalpages)
{
	long points;

	if (c->exempt || c->oom_score_adj <= OOM_SCORE_ADJ_MIN)
		return OOM_UNKILLABLE;
	points = (long)(c->rss + c->swapents + c->pgtables);
	points += (long)c->oom_score_adj * (long)(totalpages / 1000);
	return points > 0 ? points : 1;
}

void oom_choice_init(struct oom_choice *ch, uint64_t totalpages)
{
	ch->totalpages = totalpages;
	ch->points = OOM_UNKILLABLE;
	ch->victim = NULL;
}

bool oom_consider(struct oom_choice *ch, const struct oom_candidate *c, void *who)
{
	long points = oom_badness(c, ch->totalpages);

	if (points <= ch->points)
		return false;
	ch->points = points;
	ch->victim = who;
	return true;
}
