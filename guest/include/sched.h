/*
 * sched.h: tasks (processes and kernel threads), the round-robin
 * scheduler and wait queues.
 *
 * Every task is on task_list (a global plain list, for introspection) from
 * creation until its parent reaps it. A runnable task other than the idle
 * task is on the run queue. The kernel is not preemptible: a task in the
 * kernel runs with interrupts masked until it sleeps (schedule()); a task
 * in user mode is preempted on the timer tick when its slice is used up.
 * The kernel lock (klock.h) protects everything here; one run queue for
 * all CPUs, from which each CPU takes the first task not running
 * elsewhere; an idle CPU halts and a wake-up sends it a reschedule IPI.
 * Each CPU has its own idle task and its own `current`.
 *
 * Interface:
 *   sched_init           makes the boot context the idle task (pid 0)
 *   task_create_user     a new process with a user frame (fork, init)
 *   task_create_thread   a new thread of an existing process (CLONE_THREAD)
 *   kthread_create       a kernel thread running fn(arg)
 *   schedule             switches to the next runnable task
 *   sched_tick           timer tick: wakes sleepers, asks for preemption
 *   wait_event/wake_up   sleeping on a wait_queue
 *   task_exit            ends current (never returns)
 *   task_autoreap        frees an exited thread once it is not running
 *
 * A thread (thread.h) is a task like any other, with its own pid (the
 * tid); its group leader is the process.
 */
#ifndef GUEST_SCHED_H
#define GUEST_SCHED_H

#include <compiler.h>
#include <mm_util.h>
#include <asm/ptrace.h>
#include <asm/cpu.h>
#include <signal.h>
#include <mempolicy.h>
#include <percpu.h>

#define TASK_COMM_LEN 16
#define TASK_CMDLINE_MAX 256         /* argv bytes kept for /proc/PID/cmdline */
#define TASK_EXE_MAX 80              /* the executable's path (initrd names are shorter) */
#define TASK_SLICE_TICKS 2

enum task_state { TASK_RUNNING, TASK_SLEEPING, TASK_ZOMBIE };

struct mm;
struct fd_table;
struct fs_info;
struct thread_group;

struct wait_queue {
	struct list_head head;   /* tasks by wait_node */
};
#define WAIT_QUEUE_INIT(wq) { { &(wq).head, &(wq).head } }

/* A clone(CLONE_VFORK) parent waits on wq until done (its child's execve or exit). */
struct vfork_done {
	struct wait_queue wq;
	bool done;
};

struct task {
	int pid;
	char comm[TASK_COMM_LEN];
	enum task_state state;
	struct list_head tasks;      /* on task_list */
	struct list_head run;        /* on the run queue while runnable */
	struct list_head wait_node;  /* on a wait queue while sleeping */
	struct list_head children;   /* by sibling */
	struct list_head sibling;
	struct task *parent;         /* a process's parent; NULL for a thread (its leader's) */
	struct thread_group *group;  /* thread.h; NULL for kernel threads */
	struct list_head group_node; /* on group->members */
	unsigned long ksp;           /* saved kernel rsp while switched out */
	bool on_cpu;                 /* running on a CPU (current there) */
	unsigned cpu;                /* the CPU it runs or last ran on */
	unsigned klock_depth;        /* its hold of the kernel lock while switched out (klock.h) */
	void *kstack;                /* KSTACK_SIZE bytes; frame at the top */
	struct pt_regs *uregs;       /* user frame at the top of kstack (user tasks) */
	struct mm *mm;               /* NULL for kernel threads */
	struct fd_table *fdt;        /* descriptors; shared under CLONE_FILES (file.h) */
	struct fs_info *fs;          /* working directory; shared under CLONE_FS (file.h) */
	char cmdline[TASK_CMDLINE_MAX]; /* argv, NUL-separated, as exec received it */
	uint32_t cmdline_len;
	char exe[TASK_EXE_MAX];      /* absolute path of the program (/proc/PID/exe) */
	uint64_t fs_base;
	struct fpu_state fpu;        /* user x87/SSE registers while switched out */
	unsigned long slice;         /* ticks left in the time slice */
	unsigned long sleep_until;   /* jiffies; 0 when not in a timed sleep */
	struct signal_state signal;  /* actions, mask, pending (signal.h) */
	bool in_syscall;             /* returning from system call syscall_nr */
	unsigned int syscall_nr;
	int exit_signal;             /* sent to the parent at exit (SIGCHLD), 0: none */
	bool unwaited;               /* a zombie its parent will not wait for (autoreap) */
	int exit_status;             /* wait4 status once a zombie */
	struct wait_queue child_exit; /* the task waits here for its children */
	int oom_score_adj;
	struct mempolicy mempolicy;  /* set_mempolicy's; the task's own (mempolicy.h) */
	uint64_t clear_child_tid;    /* set_tid_address: zeroed and futex-woken at exit */
	uint64_t robust_list;        /* set_robust_list head (user address), 0: none */
	uint64_t robust_len;
	struct vfork_done *vfork_done; /* CLONE_VFORK: the parent's, told at execve or exit */
	/* faults (per process) and the reaped children's sums, for getrusage */
	uint64_t min_flt, maj_flt, inv_flt;
	uint64_t c_min_flt, c_maj_flt, c_maxrss_kb;
	uint64_t maxrss_kb;          /* peak RSS, set at exit */
	uint64_t utime, stime;       /* ticks charged in user and kernel mode (timer) */
	uint64_t c_utime, c_stime;   /* the reaped children's sums */
	uint64_t start_jiffies;
};

/* The task running on this CPU. */
#define current (this_cpu()->curr_task)
extern struct list_head task_list;
extern unsigned long nr_context_switches;

void sched_init(void);
/*
 * A new process (state running, not yet queued) with the user frame
 * @regs, child of @parent's process (NULL: none, pid 1), its signal state
 * a copy of @parent's. Returns NULL when memory runs out.
 */
struct task *task_create_user(struct task *parent, const struct pt_regs *regs,
			      const char *comm);
/* A new thread of @creator's process with the user frame @regs, sharing
 * its signal handlers. Returns NULL when memory runs out. */
struct task *task_create_thread(struct task *creator, const struct pt_regs *regs);
/* Starts fn(arg) in a kernel thread. Returns the task or NULL. */
struct task *kthread_create(void (*fn)(void *), void *arg, const char *comm);
/* Puts a task created above on the run queue. */
void task_start(struct task *t);
struct task *task_find(int pid);
/* The pid most recently given out (every pid so far is at most this). */
int sched_last_pid(void);

void schedule(void);
void sched_yield_current(void);
/* The boot CPU's tick: wakes timed sleepers, then sched_tick_local. */
void sched_tick(void);
/* Every CPU's tick: the running task's time slice. */
void sched_tick_local(void);
/* An idle task for AP @cpu running on @stack (KSTACK_SIZE); NULL when memory runs out. */
struct task *sched_create_idle(unsigned cpu, void *stack);
/* Called on the way back to user mode: preemption and signals. */
void sched_return_to_user(struct pt_regs *regs);

void wake_up(struct wait_queue *wq);
/*
 * Wakes background work (kswapd) without preempting the current task: the
 * sleepers run when its slice ends or it sleeps, so a task whose
 * allocation woke them first gets to use what it allocated.
 */
void wake_up_background(struct wait_queue *wq);
/* Makes t runnable if it sleeps (on any queue, timed or not). */
void wake_up_process(struct task *t);
/* Sleeps on wq until woken; returns -EINTR when a signal is pending (signal_pending). */
int sleep_on(struct wait_queue *wq);
/* One sleep on wq that only SIGKILL cuts short (Linux's killable wait):
 * -EINTR when SIGKILL is pending, else 0 after a wakeup; another pending
 * signal makes it yield the CPU instead, as sleep_on would not sleep. */
int sleep_on_killable(struct wait_queue *wq);
/* Sleeps until jiffies reach @until (or a signal: -EINTR). */
int sleep_until(unsigned long until);

/* Ends current with wait4 status @status; never returns. */
void task_exit(int status) __noreturn;
/* Sends sig from the kernel to pid (signal.c). Returns 0 or -ESRCH / -EINVAL. */
int task_kill(int pid, int sig);
/* Sends sig from the kernel to the thread t itself (SIGPIPE). Returns 0. */
int task_kill_thread(struct task *t, int sig);
/* Wakes the parent waiting in clone(CLONE_VFORK) for t's execve or exit. */
void task_vfork_release(struct task *t);
/* Makes t a child of parent (NULL: of nobody) instead of its own parent's. */
void task_adopt(struct task *parent, struct task *t);
/* Undoes the creation of t, never started: its mm, files, group, memory. */
void task_discard(struct task *t);
/* Frees a zombie child (called by wait4). */
void task_reap(struct task *t);
/* Frees the exited task t (a thread nobody waits for) once it is not
 * current; it leaves the task list at once. */
void task_autoreap(struct task *t);

/* The idle loop of every CPU: runs whatever is runnable, halts otherwise. */
void sched_idle(void) __noreturn;
/* One turn of it, for loops of the boot context that wait for something. */
void sched_idle_once(void);

/* Architecture (switch.S, cpu.c). */
void switch_to(unsigned long *prev_ksp, unsigned long next_ksp);
void ret_to_user(void);
void kthread_entry(void);
void cpu_set_kernel_stack(unsigned long top);

#endif
