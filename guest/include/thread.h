/*
 * thread.h: thread groups (Linux's processes of several tasks): the tasks
 * cloned with CLONE_THREAD share one group whose leader is the process
 * (its pid is every member's tgid, its parent waits for the group).
 *
 * Invariants: every user task is in exactly one group from creation until
 * it is freed (group->refs counts them); group->live counts the members
 * that have not exited; the leader is freed last (by its parent's wait4,
 * which sees it only once live is 0); a member other than the leader is
 * freed by the scheduler after its exit (sched.c's dead list). Once
 * group->exiting is set (exit_group, a fatal signal) every live member has
 * SIGKILL pending and the group's status is group->exit_status.
 * Serialised like sched.h: one CPU, interrupts masked in the kernel.
 *
 * Interface:
 *   thread_group_new / thread_group_join / thread_group_put   membership
 *   thread_leader, task_tgid, thread_group_live              queries
 *   thread_group_exit     exit_group: kills the others, ends current
 *   thread_exit_leave     a member's exit; returns the leader when the process ended
 *   thread_signal_target  the member a process-directed signal goes to
 *   thread_group_exec     execve's de_thread: current becomes the only member
 */
#ifndef GUEST_THREAD_H
#define GUEST_THREAD_H

#include <sched.h>
#include <rlimit.h>

/* What a task or a process used: faults and ticks (getrusage, wait4, /proc). */
struct task_usage {
	uint64_t min_flt, maj_flt, utime, stime;
};

struct thread_group {
	int refs;                    /* member tasks not yet freed */
	int live;                    /* members that have not exited */
	bool exiting;                /* exit_group or a fatal signal under way */
	int exit_status;             /* the group's wait4 status once exiting */
	struct task *leader;         /* the process; its pid is the tgid */
	struct list_head members;    /* tasks by group_node, creation order */
	struct wait_queue member_exit; /* de_thread waits here for the others */
	struct task_usage exited;    /* what exited members other than the leader used */
	struct rlimits rlim;         /* the process's resource limits (rlimit.h) */
	uint32_t uid;                /* real = effective = saved user id; 0: root, with
				      * every capability (CAP_IPC_LOCK: no RLIMIT_MEMLOCK) */
	struct sig_shared shared;    /* process-directed pending signals (signal.h) */
	unsigned long alarm_at;      /* alarm(2)'s deadline, jiffies; 0: none (alarm.h) */
};

/* t leads a new group (a new process) with parent's resource limits (NULL:
 * the defaults). Returns 0 or -ENOMEM. */
int thread_group_new(struct task *t, const struct task *parent);
/* t joins creator's group (CLONE_THREAD). */
void thread_group_join(struct task *t, struct task *creator);
/* t is being freed: it leaves the group; the last member frees it. */
void thread_group_put(struct task *t);

/* The process t belongs to (its group's leader; t itself for a kernel thread). */
struct task *thread_leader(const struct task *t);
/* Linux's tgid: the leader's pid. */
int task_tgid(const struct task *t);
/* Members of t's group that have not exited (1 for a kernel thread). */
int thread_group_live(const struct task *t);

/* What t's whole process used: its threads' and its exited threads'
 * (Linux's RUSAGE_SELF, a process's /proc/PID/stat). */
void thread_group_usage(const struct task *t, struct task_usage *u);

/* exit_group(status) from current: every other member is killed, then current ends. */
void thread_group_exit(int status) __noreturn;
/*
 * Current's exit with @status, past the release of its resources: counts
 * it out of the group and wakes de_thread. Returns the leader when the
 * whole group has now exited (the process ended: its parent is told),
 * with the process's wait4 status in leader->exit_status; else NULL.
 */
struct task *thread_exit_leave(struct task *t, int status);
/* The live member a process-directed sig sent to t's process goes to:
 * the leader if it does not block sig, else the first member that does
 * not, else the leader (or any live member). NULL when none is live. */
struct task *thread_signal_target(struct task *t, int sig);
/* Makes current the only member of its group before execve: kills the
 * others and waits for their exit; a member other than the leader takes
 * the leader's pid, parent and children, as Linux's de_thread. Returns 0,
 * or -EINTR when current itself is being killed meanwhile. */
int thread_group_exec(void);

#endif
