/*
 * signal.h: POSIX signals with Linux's x86-64 semantics: per-task actions
 * (rt_sigaction), the blocked mask and pending set, delivery to a handler
 * on the way back to user mode, default actions, SIGCHLD to the parent.
 *
 * Invariants: signal n (1..NSIG) is bit n-1 of a mask; SIGKILL and SIGSTOP
 * are never blocked and never have a handler; a signal whose action is to
 * ignore it is discarded when sent unless blocked (as Linux's sig_ignored);
 * a pending signal keeps the siginfo of its first sending (no queueing of
 * real-time signals: one instance of each). The task's own state is only
 * changed with interrupts masked (one CPU), like everything in sched.h.
 *
 * Interface:
 *   signal_fork / signal_exec   inherit on fork, reset handlers on execve
 *   signal_send                 kill/tgkill/SIGPIPE/SIGCHLD/OOM
 *   signal_force                a synchronous fault (SIGSEGV, SIGBUS...)
 *   signal_pending              interrupts sleeps (EINTR / ERESTARTSYS)
 *   signal_return_to_user       delivers on the way out of the kernel
 */
#ifndef GUEST_SIGNAL_H
#define GUEST_SIGNAL_H

#include <stdint.h>
#include <stdbool.h>
#include <uapi.h>
#include <asm/ptrace.h>

#define SIG_DFL 0ul
#define SIG_IGN 1ul

/* sa_flags */
#define SA_NOCLDSTOP 0x00000001ul
#define SA_NOCLDWAIT 0x00000002ul
#define SA_SIGINFO   0x00000004ul
#define SA_UNSUPPORTED 0x00000400ul
#define SA_EXPOSE_TAGBITS 0x00000800ul
#define SA_RESTORER  0x04000000ul
#define SA_ONSTACK   0x08000000ul
#define SA_RESTART   0x10000000ul
#define SA_NODEFER   0x40000000ul
#define SA_RESETHAND 0x80000000ul

/* si_code values */
#define SI_USER    0
#define SI_KERNEL  0x80
#define SI_TKILL   (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3

/* sigaltstack */
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048

/* Linux's struct sigaction as rt_sigaction passes it (kernel layout). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* What a pending signal carries into siginfo_t. */
struct sig_info {
	int32_t code;
	int32_t pid;                /* the sender (kill) or the child (SIGCHLD) */
	int32_t status;             /* SIGCHLD: exit code or signal */
	uint64_t addr;              /* SIGSEGV/SIGBUS: the faulting address */
};

struct sig_altstack {
	uint64_t sp;
	int32_t flags;              /* SS_DISABLE or 0 (SS_AUTODISARM kept) */
	uint64_t size;              /* 0: none (a new task's) */
};

static inline bool sig_altstack_enabled(const struct sig_altstack *a)
{
	return !(a->flags & SS_DISABLE) && a->size;
}

/* True when user stack pointer sp lies on the alternate stack a. */
static inline bool sig_altstack_on(const struct sig_altstack *a, uint64_t sp)
{
	return sig_altstack_enabled(a) && sp - a->sp < a->size;
}

/* The actions, shared by the tasks cloned with CLONE_SIGHAND (threads);
 * refs counts them, the last release frees it. */
struct sighand {
	int refs;
	struct k_sigaction action[NSIG];
};

/* A process's pending set (Linux's shared_pending, in struct
 * thread_group): a process-directed signal waits here until a thread that
 * does not block it dequeues it (each thread's own pending set first). */
struct sig_shared {
	uint64_t pending;
	struct sig_info info[NSIG];
};

/* A task's signal state (in struct task; owned by the task, sent to by
 * others). The mask, pending set and altstack are per thread, as Linux's;
 * a process-directed signal is pending in the process's sig_shared and
 * wakes one thread that does not block it (thread_signal_target). */
struct signal_state {
	struct sighand *hand;       /* NULL for kernel threads */
	struct sig_info info[NSIG];
	uint64_t blocked;
	uint64_t pending;
	uint64_t forced;            /* pending signals raised by a fault */
	uint64_t saved_mask;        /* rt_sigsuspend: restored after the handler */
	bool restore_saved_mask;
	struct sig_altstack altstack;
};

struct task;

static inline uint64_t sig_bit(int sig)
{
	return 1ull << (sig - 1);
}

/* The child's state on fork: actions (defaults when parent is NULL),
 * mask and altstack copied, nothing pending. Returns 0 or -ENOMEM. */
int signal_fork(struct task *child, const struct task *parent);
/* A new thread's: creator's actions shared, its mask copied, no altstack. */
void signal_thread(struct task *child, struct task *creator);
/* child shares from's actions instead of its own (CLONE_SIGHAND). */
void signal_share_handlers(struct task *child, struct task *from);
/* Every handled signal of t back to SIG_DFL (clone3's CLONE_CLEAR_SIGHAND). */
void signal_clear_handlers(struct task *t);
/* Gives t private actions before execve. Returns 0 or -ENOMEM. */
int signal_unshare_handlers(struct task *t);
/* t is freed: drops its reference to the actions. */
void signal_release(struct task *t);
/* SIGKILL to the thread t now, even for init's (exit_group, de_thread). */
void signal_kill_now(struct task *t);
/* execve: handled signals go back to SIG_DFL (ignored ones stay), altstack off. */
void signal_exec(struct task *t);
/* Sends sig (1..64) with info to the thread t; init only takes signals it
 * handles. Returns 0. */
int signal_send(struct task *t, int sig, const struct sig_info *info);
/* Sends sig to t's process: pending in its sig_shared, one thread that does
 * not block it woken (thread_signal_target); SIGKILL to that thread. Returns 0. */
int signal_send_process(struct task *t, int sig, const struct sig_info *info);
/* A fault in t's user code: sig is delivered even if blocked or ignored (then
 * as SIG_DFL), as Linux's force_sig_fault. */
void signal_force(struct task *t, int sig, int code, uint64_t addr);
/* True when t has a pending signal it does not block (sleeps end early). */
bool signal_pending(const struct task *t);
/* True when sig would not reach a handler of t (Linux's "unhandled", for the
 * segfault and traps lines). */
bool signal_unhandled(const struct task *t, int sig);
/* SIGCHLD (or nothing, as the parent's action says) for child's exit; marks
 * the child unwaited when the parent ignores SIGCHLD or set SA_NOCLDWAIT
 * (its zombie is freed without a wait4, as Linux's autoreap). */
void signal_child_exited(struct task *child);
/*
 * On the way back to ring 3 with the user frame regs: restarts or ends an
 * interrupted system call, runs default actions (may end the task) and
 * sets up a handler's frame. A frame that cannot be written kills the
 * task with SIGSEGV.
 */
void signal_return_to_user(struct pt_regs *regs);

/* Architecture (sigframe.c): builds the rt_sigframe for handler ka of sig
 * on the user stack, points regs at the handler. 0 or -EFAULT. */
int sigframe_setup(struct task *t, struct pt_regs *regs, int sig, const struct k_sigaction *ka,
		   uint64_t old_mask);
/* rt_sigreturn: restores regs and *mask from the frame under the user rsp.
 * 0, or -EFAULT for an unreadable frame, -EINVAL for one that would give
 * user mode what it may not have (the caller forces SIGSEGV). */
int sigframe_restore(struct task *t, struct pt_regs *regs, uint64_t *mask);

#endif
