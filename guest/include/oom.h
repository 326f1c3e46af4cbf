/*
 * oom.h: the OOM killer. When reclaim (and the buddy's OOM notifiers, the
 * balloon's deflate-on-OOM) cannot free memory for a user fault, it kills
 * the process with the highest badness, like Linux's oom_kill.c:
 *   badness = resident pages + swap entries + page-table pages
 *             + oom_score_adj * (RAM + swap pages) / 1000
 * Kernel threads, init (pid 1) and tasks with oom_score_adj -1000 are
 * never chosen. The kill is logged in Linux's words and counted (oom_kill).
 *
 * Interface:
 *   oom_badness        a task's score; OOM_UNKILLABLE for those never chosen
 *   oom_kill_on_fault  the fault path's answer to UVM_FAULT_OOM: kills a
 *                      victim (maybe current, then never returns) and
 *                      returns so the fault is retried
 */
#ifndef GUEST_OOM_H
#define GUEST_OOM_H

#include <sched.h>

#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_UNKILLABLE (-(1l << 62))

long oom_badness(const struct task *t, uint64_t totalpages);
void oom_kill_on_fault(void);

#endif
