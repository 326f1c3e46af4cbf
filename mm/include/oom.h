/*
 * oom.h: OOM victim selection (Linux's oom_badness and select_bad_process):
 * of the processes that may be killed, the one with the highest badness
 *   badness = resident pages + swap entries + page-table pages
 *             + oom_score_adj * (RAM + swap pages) / 1000
 * at least 1 for a killable process. The host describes each process as
 * a struct oom_candidate and offers them in turn to one struct oom_choice.
 *
 * Interface:
 *   oom_badness         a candidate's score; OOM_UNKILLABLE for those never chosen
 *   oom_choice_init     an empty choice over totalpages of RAM + swap
 *   oom_consider        offers a candidate; it becomes the victim when its
 *                       badness beats every one offered before (ties keep
 *                       the first, as Linux's task-list order does)
 *
 * Invariant: choice->victim is NULL iff choice->points is OOM_UNKILLABLE.
 * Locking: none; a choice lives on its caller's stack.
 */
#ifndef MM_OOM_H
#define MM_OOM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
#define OOM_UNKILLABLE (-(1l << 62))

/* What selection needs to know of one process. */
struct oom_candidate {
	uint64_t rss;          /* resident pages, every kind */
	uint64_t swapents;     /* swap entries in its page tables */
	uint64_t pgtables;     /* page-table pages */
	int oom_score_adj;     /* OOM_SCORE_ADJ_MIN .. OOM_SCORE_ADJ_MAX */
	bool exempt;           /* never chosen: no user memory, init, exiting */
};

struct oom_choice {
	uint64_t totalpages;   /* RAM + swap, pages */
	long points;           /* the victim's badness */
	void *victim;          /* the host's process, NULL: none yet */
};

/* c's badness over totalpages of RAM + swap; OOM_UNKILLABLE when exempt or at the minimum adj. */
long oom_badness(const struct oom_candidate *c, uint64_t totalpages);

void oom_choice_init(struct oom_choice *ch, uint64_t totalpages);

/* Offers who (described by c). Returns true when who is now the victim. */
bool oom_consider(struct oom_choice *ch, const struct oom_candidate *c, void *who);

#endif
