/*
 * oom_kill.h: the OOM killer. When reclaim (and the buddy's OOM notifiers,
 * the balloon's deflate-on-OOM) cannot free memory for a user fault, it
 * kills the process with the highest badness, chosen by mm/oom.c (oom.h
 * there) like Linux's oom_kill.c. Kernel threads, init (pid 1), zombies
 * and tasks with oom_score_adj -1000 are never chosen. The kill is logged
 * in Linux's words and counted (oom_kill).
 *
 * Interface:
 *   oom_kill_on_fault  the fault path's answer to UVM_FAULT_OOM: kills a
 *                      victim (maybe current, then never returns) and
 *                      returns so the fault is retried
 */
#ifndef GUEST_OOM_KILL_H
#define GUEST_OOM_KILL_H

#include <sched.h>
#include <oom.h>

void oom_kill_on_fault(void);

#endif
