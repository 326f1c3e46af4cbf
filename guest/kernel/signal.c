/*
 * signal.c: signal state, sending, delivery and default actions
 * (signal.h), and the signal system calls: rt_sigaction, rt_sigprocmask,
 * rt_sigpending, rt_sigreturn, rt_sigsuspend, pause, sigaltstack, kill,
 * tkill and tgkill. The frame itself is the architecture's (sigframe.c).
 *
 * Default actions as Linux's: SIGCHLD, SIGURG, SIGWINCH and (job control
 * is not kept) the stop and continue signals are ignored; every other
 * signal ends the process (every thread: thread_group_exit) with wait
 * status = the signal (no core is written, so WCOREDUMP stays clear).
 * init (pid 1) takes only the signals it has a handler for, and faults.
 * kill is process-directed (one thread that does not block the signal
 * takes it), tkill and tgkill thread-directed.
 */
#include <signal.h>
#include <sched.h>
#include <thread.h>
#include <kmalloc.h>
#include <syscall.h>
#include <uaccess.h>
#include <errno.h>
#include <string.h>
#include <printk.h>

#define UNBLOCKABLE (sig_bit(SIGKILL) | sig_bit(SIGSTOP))
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIGSET_SIZE 8

static bool sig_valid(int sig)
{
	return sig >= 1 && sig <= NSIG;
}

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	       (sig >= SIGCONT && sig <= SIGTTOU);
}

/* Linux's sig_ignored for a signal that is not forced. */
static bool sig_ignored(const struct task *t, int sig)
{
	uint64_t handler = t->signal.hand->action[sig - 1].handler;

	if (handler == SIG_IGN)
		return true;
	return handler == SIG_DFL && (default_ignored(sig) || t->pid == 1);
}

/* A new action table: a copy of @from's, or all SIG_DFL. NULL on ENOMEM. */
static struct sighand *sighand_copy(const struct sighand *from)
{
	struct sighand *h = kzalloc(sizeof(*h), BUDDY_GFP_KERNEL);

	if (!h)
		return NULL;
	h->refs = 1;
	if (from)
		memcpy(h->action, from->action, sizeof(h->action));
	return h;
}

int signal_fork(struct task *child, const struct task *parent)
{
	child->signal.hand = sighand_copy(parent ? parent->signal.hand : NULL);
	if (!child->signal.hand)
		return -ENOMEM;
	if (parent) {
		child->signal.blocked = parent->signal.blocked;
		child->signal.altstack = parent->signal.altstack;
	}
	child->signal.pending = 0;
	child->signal.forced = 0;
	return 0;
}

void signal_release(struct task *t)
{
	struct sighand *h = t->signal.hand;

	t->signal.hand = NULL;
	if (h && --h->refs == 0)
		kfree(h);
}

void signal_share_handlers(struct task *child, struct task *from)
{
	signal_release(child);
	child->signal.hand = from->signal.hand;
	child->signal.hand->refs++;
}

void signal_thread(struct task *child, struct task *creator)
{
	signal_share_handlers(child, creator);
	child->signal.blocked = creator->signal.blocked;
	child->signal.altstack = (struct sig_altstack){ .flags = SS_DISABLE };
}

int signal_unshare_handlers(struct task *t)
{
	struct sighand *h;

	if (t->signal.hand->refs == 1)
		return 0;
	h = sighand_copy(t->signal.hand);
	if (!h)
		return -ENOMEM;
	signal_release(t);
	t->signal.hand = h;
	return 0;
}

void signal_clear_handlers(struct task *t)
{
	for (int i = 0; i < NSIG; i++) {
		struct k_sigaction *ka = &t->signal.hand->action[i];
		if (ka->handler != SIG_IGN)
			memset(ka, 0, sizeof(*ka));
	}
}

void signal_exec(struct task *t)
{
	signal_clear_handlers(t);
	t->signal.altstack = (struct sig_altstack){ .flags = SS_DISABLE };
}

/* Marks sig pending in t with info (the first sending's info stays) and wakes t. */
static void make_pending(struct task *t, int sig, const struct sig_info *info)
{
	if (!(t->signal.pending & sig_bit(sig))) {
		t->signal.pending |= sig_bit(sig);
		t->signal.info[sig - 1] = *info;
	}
	if (!(t->signal.blocked & sig_bit(sig)))
		wake_up_process(t);
}

int signal_send(struct task *t, int sig, const struct sig_info *info)
{
	if (!t->mm || t->state == TASK_ZOMBIE)
		return 0;                   /* kernel threads take no signals */
	if (sig_ignored(t, sig) && !(t->signal.blocked & sig_bit(sig)))
		return 0;
	make_pending(t, sig, info);
	return 0;
}

/*
 * Linux's __group_send_sig_info: sig pending in the process (the first
 * sending's info stays), one thread that does not block it woken to take
 * it. SIGKILL goes to that thread itself, so that every killable sleep
 * sees it at once.
 */
int signal_send_process(struct task *t, int sig, const struct sig_info *info)
{
	struct task *target = thread_signal_target(t, sig);
	struct sig_shared *sh;

	if (!target || sig == SIGKILL)
		return target ? signal_send(target, sig, info) : 0;
	if (!target->mm || target->state == TASK_ZOMBIE)
		return 0;
	if (sig_ignored(target, sig) && !(target->signal.blocked & sig_bit(sig)))
		return 0;
	sh = &target->group->shared;
	if (!(sh->pending & sig_bit(sig))) {
		sh->pending |= sig_bit(sig);
		sh->info[sig - 1] = *info;
	}
	if (!(target->signal.blocked & sig_bit(sig)))
		wake_up_process(target);
	return 0;
}

/* The signals pending for t: its own and its process's. */
static uint64_t pending_of(const struct task *t)
{
	return t->signal.pending | (t->group ? t->group->shared.pending : 0);
}

void signal_kill_now(struct task *t)
{
	t->signal.pending |= sig_bit(SIGKILL);
	t->signal.forced |= sig_bit(SIGKILL);
	wake_up_process(t);
}

void signal_force(struct task *t, int sig, int code, uint64_t addr)
{
	struct k_sigaction *ka = &t->signal.hand->action[sig - 1];
	struct sig_info info = { .code = code, .addr = addr };

	if (ka->handler == SIG_IGN || (t->signal.blocked & sig_bit(sig))) {
		ka->handler = SIG_DFL;
		t->signal.blocked &= ~sig_bit(sig);
	}
	t->signal.pending &= ~sig_bit(sig); /* the fault's own info wins */
	t->signal.forced |= sig_bit(sig);
	make_pending(t, sig, &info);
}

bool signal_pending(const struct task *t)
{
	return (pending_of(t) & ~t->signal.blocked) != 0;
}

bool signal_unhandled(const struct task *t, int sig)
{
	uint64_t handler = t->signal.hand->action[sig - 1].handler;

	return handler == SIG_DFL || handler == SIG_IGN || (t->signal.blocked & sig_bit(sig));
}

void signal_child_exited(struct task *child)
{
	struct task *p = child->parent;
	int status = child->exit_status;
	struct sig_info info = { .pid = child->pid };

	if (!p)
		return;
	const struct k_sigaction *chld = &p->signal.hand->action[SIGCHLD - 1];
	child->unwaited = chld->handler == SIG_IGN || (chld->flags & SA_NOCLDWAIT);
	if (!child->exit_signal)
		return;
	info.code = (status & 0x7f) ? CLD_KILLED : CLD_EXITED;
	info.status = (status & 0x7f) ? (status & 0x7f) : (status >> 8) & 0xff;
	signal_send_process(p, child->exit_signal, &info);
}

/* The lowest signal of the process's pending set t does not block, taken
 * with its info into t's, or 0. */
static int dequeue_shared(struct task *t)
{
	struct sig_shared *sh = t->group ? &t->group->shared : NULL;
	uint64_t ready = sh ? sh->pending & ~t->signal.blocked : 0;

	if (!ready)
		return 0;
	int sig = __builtin_ctzll(ready) + 1;
	sh->pending &= ~sig_bit(sig);
	t->signal.info[sig - 1] = sh->info[sig - 1];
	return sig;
}

/* The next signal to deliver (faults first, then the lowest number of
 * t's own, then of its process's) or 0; *forced says if a fault raised it. */
static int dequeue_signal(struct task *t, bool *forced_out)
{
	uint64_t ready = t->signal.pending & ~t->signal.blocked;
	uint64_t forced = ready & t->signal.forced;
	uint64_t pick = forced ? forced : ready;

	*forced_out = false;
	if (!pick)
		return dequeue_shared(t);
	int sig = __builtin_ctzll(pick) + 1;
	*forced_out = (forced & sig_bit(sig)) != 0;
	t->signal.pending &= ~sig_bit(sig);
	t->signal.forced &= ~sig_bit(sig);
	return sig;
}

/* POSIX: a signal whose action becomes "ignore" is discarded wherever it
 * is pending in t's process (its own set and every thread's). */
static void discard_pending(struct task *t, int sig)
{
	struct list_head *pos;

	t->signal.pending &= ~sig_bit(sig);
	if (!t->group)
		return;
	t->group->shared.pending &= ~sig_bit(sig);
	list_for_each(pos, &t->group->members) {
		struct task *m = list_entry(pos, struct task, group_node);
		m->signal.pending &= ~sig_bit(sig);
	}
}

/* The interrupted system call's fate when no handler runs: restarted. */
static void restart_syscall(struct task *t, struct pt_regs *regs)
{
	long ret = (long)regs->rax;

	if (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) {
		regs->rax = t->syscall_nr;
		regs->rip -= 2;             /* `syscall` is two bytes, on either entry */
	}
}

/* ... and when handler ka runs first: EINTR, or a restart under SA_RESTART. */
static void interrupt_syscall(struct task *t, struct pt_regs *regs, const struct k_sigaction *ka)
{
	long ret = (long)regs->rax;

	if (ret == -ERESTARTNOHAND || (ret == -ERESTARTSYS && !(ka->flags & SA_RESTART)))
		regs->rax = (uint64_t)-EINTR;
	else
		restart_syscall(t, regs);
}

/* The mask a handler's frame saves: rt_sigsuspend's caller's, else the current one. */
static uint64_t take_old_mask(struct task *t)
{
	uint64_t old = t->signal.restore_saved_mask ? t->signal.saved_mask : t->signal.blocked;

	t->signal.restore_saved_mask = false;
	return old;
}

/* A signal whose frame cannot be built: SIGSEGV (its default when it was SIGSEGV). */
static void frame_failed(struct task *t, int sig)
{
	if (sig == SIGSEGV)
		t->signal.hand->action[SIGSEGV - 1].handler = SIG_DFL;
	signal_force(t, SIGSEGV, SI_KERNEL, 0);
}

/* Runs handler ka for sig: frame, mask, SA_RESETHAND. False when the frame failed. */
static bool handle_signal(struct task *t, struct pt_regs *regs, int sig, bool in_syscall)
{
	struct k_sigaction ka = t->signal.hand->action[sig - 1];

	if (in_syscall)
		interrupt_syscall(t, regs, &ka);
	uint64_t old_mask = take_old_mask(t);
	if (sigframe_setup(t, regs, sig, &ka, old_mask)) {
		frame_failed(t, sig);
		return false;
	}
	t->signal.blocked |= ka.mask | ((ka.flags & SA_NODEFER) ? 0 : sig_bit(sig));
	t->signal.blocked &= ~UNBLOCKABLE;
	if (ka.flags & SA_RESETHAND)
		t->signal.hand->action[sig - 1].handler = SIG_DFL;
	return true;
}

/* SIG_DFL: ignore (returns), or end the process with the signal. */
static void default_action(struct task *t, int sig, bool forced)
{
	if (default_ignored(sig) || (t->pid == 1 && !forced))
		return;
	thread_group_exit(sig);
}

void signal_return_to_user(struct pt_regs *regs)
{
	struct task *t = current;
	bool in_syscall = t->in_syscall;
	bool forced;
	int sig;

	t->in_syscall = false;
	while ((sig = dequeue_signal(t, &forced)) != 0) {
		uint64_t handler = t->signal.hand->action[sig - 1].handler;
		if (handler == SIG_IGN)
			continue;
		if (handler == SIG_DFL) {
			default_action(t, sig, forced);
			continue;
		}
		if (handle_signal(t, regs, sig, in_syscall))
			return;
		in_syscall = false;         /* the frame failed: SIGSEGV is pending now */
	}
	if (in_syscall)
		restart_syscall(t, regs);
	if (t->signal.restore_saved_mask) {
		t->signal.blocked = t->signal.saved_mask;
		t->signal.restore_saved_mask = false;
	}
}

/* rt_sigaction(int sig, const struct sigaction *act, struct sigaction *oact,
 * size_t sigsetsize): as Linux, the new action is in place even when oact
 * then cannot be written (EFAULT). */
SYS_DECL(rt_sigaction)
{
	int sig = (int)a0;
	struct k_sigaction ka, old;

	(void)a4, (void)a5;
	if (a3 != SIGSET_SIZE || !sig_valid(sig) || (a1 && (sig_bit(sig) & UNBLOCKABLE)))
		return -EINVAL;
	if (a1 && copy_from_user(&ka, a1, sizeof(ka)))
		return -EFAULT;
	old = current->signal.hand->action[sig - 1];
	if (a1) {
		ka.mask &= ~UNBLOCKABLE;
		current->signal.hand->action[sig - 1] = ka;
		if (sig_ignored(current, sig))
			discard_pending(current, sig);
	}
	return a2 ? copy_to_user(a2, &old, sizeof(old)) : 0;
}

/* The blocked mask after rt_sigprocmask's how with set; -EINVAL for a bad how. */
static long apply_how(int how, uint64_t blocked, uint64_t set, uint64_t *out)
{
	if (how == SIG_BLOCK)
		*out = blocked | set;
	else if (how == SIG_UNBLOCK)
		*out = blocked & ~set;
	else if (how == SIG_SETMASK)
		*out = set;
	else
		return -EINVAL;
	*out &= ~UNBLOCKABLE;
	return 0;
}

/* rt_sigprocmask(int how, const sigset_t *set, sigset_t *oset, size_t
 * sigsetsize): as Linux, the new mask is in place even when oset then
 * cannot be written (EFAULT). */
SYS_DECL(rt_sigprocmask)
{
	uint64_t set, old = current->signal.blocked, next = old;

	(void)a4, (void)a5;
	if (a3 != SIGSET_SIZE)
		return -EINVAL;
	if (a1) {
		if (copy_from_user(&set, a1, sizeof(set)))
			return -EFAULT;
		long err = apply_how((int)a0, old, set, &next);
		if (err)
			return err;
	}
	current->signal.blocked = next;
	return a2 ? copy_to_user(a2, &old, sizeof(old)) : 0;
}

/* rt_sigpending(sigset_t *set, size_t sigsetsize): the pending blocked signals. */
SYS_DECL(rt_sigpending)
{
	uint64_t set = pending_of(current) & current->signal.blocked;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 > SIGSET_SIZE)
		return -EINVAL;
	return copy_to_user(a0, &set, a1);
}

/* rt_sigreturn(): the frame under rsp back into the registers; a bad frame is SIGSEGV. */
SYS_DECL(rt_sigreturn)
{
	struct pt_regs *regs = current->uregs;
	uint64_t mask;

	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	current->in_syscall = false;     /* rax is the restored one, not a result */
	if (sigframe_restore(current, regs, &mask)) {
		signal_force(current, SIGSEGV, SI_KERNEL, 0);
		return (long)regs->rax;
	}
	current->signal.blocked = mask & ~UNBLOCKABLE;
	return (long)regs->rax;
}

/* Sleeps until a signal the task does not block is pending. */
static void wait_for_signal(void)
{
	struct wait_queue wq = WAIT_QUEUE_INIT(wq);

	while (!signal_pending(current))
		sleep_on(&wq);
}

/* rt_sigsuspend(const sigset_t *mask, size_t sigsetsize) */
SYS_DECL(rt_sigsuspend)
{
	uint64_t mask;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&mask, a0, sizeof(mask)))
		return -EFAULT;
	current->signal.saved_mask = current->signal.blocked;
	current->signal.restore_saved_mask = true;
	current->signal.blocked = mask & ~UNBLOCKABLE;
	wait_for_signal();
	return -ERESTARTNOHAND;
}

SYS_DECL(pause)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	wait_for_signal();
	return -ERESTARTNOHAND;
}

/* stack_t as sigaltstack passes it. */
struct linux_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/* The new alternate stack from ss; 0 or EINVAL / ENOMEM / EPERM (in use). */
static long set_altstack(struct task *t, const struct linux_stack *ss)
{
	struct sig_altstack *a = &t->signal.altstack;
	int32_t mode = ss->flags & ~(int32_t)SS_AUTODISARM;

	if (sig_altstack_on(a, t->uregs->rsp))
		return -EPERM;
	if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		*a = (struct sig_altstack){ .flags = SS_DISABLE };
		return 0;
	}
	if (ss->size < MINSIGSTKSZ)
		return -ENOMEM;
	*a = (struct sig_altstack){ .sp = ss->sp, .size = ss->size,
				    .flags = ss->flags & (int32_t)SS_AUTODISARM };
	return 0;
}

/* sigaltstack(const stack_t *ss, stack_t *old_ss) */
SYS_DECL(sigaltstack)
{
	const struct sig_altstack *a = &current->signal.altstack;
	uint64_t rsp = current->uregs->rsp;
	struct linux_stack ss, old = { .sp = a->sp, .size = a->size, .flags = a->flags };

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!sig_altstack_enabled(a))
		old.flags = SS_DISABLE;
	else if (sig_altstack_on(a, rsp))
		old.flags |= SS_ONSTACK;
	if (a0) {
		if (copy_from_user(&ss, a0, sizeof(ss)))
			return -EFAULT;
		long err = set_altstack(current, &ss);
		if (err)
			return err;
	}
	return a1 ? copy_to_user(a1, &old, sizeof(old)) : 0;
}

/* Sends sig (0 probes) with code to the process of pid (@process) or to
 * the thread pid, when alive; -EINVAL / -ESRCH. */
static long send_to_pid(int pid, int sig, int code, bool process)
{
	struct task *t = pid > 0 ? task_find(pid) : NULL;
	struct sig_info info = { .code = code, .pid = task_tgid(current) };

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (t && process && t->group && thread_group_live(t) > 0)
		return sig ? signal_send_process(t, sig, &info) : 0;
	if (!t || t->state == TASK_ZOMBIE)
		return -ESRCH;
	return sig ? signal_send(t, sig, &info) : 0;
}

int task_kill(int pid, int sig)
{
	return (int)send_to_pid(pid, sig, SI_KERNEL, true);
}

int task_kill_thread(struct task *t, int sig)
{
	const struct sig_info info = { .code = SI_KERNEL, .pid = task_tgid(current) };

	return signal_send(t, sig, &info);
}

/* kill(pid_t pid, int sig): the signal is checked first (EINVAL), then
 * the pid; process groups (pid <= 0) are not kept: ESRCH. */
SYS_DECL(kill)
{
	int pid = (int)a0, sig = (int)a1;

	(void)a2, (void)a3, (void)a4, (void)a5;
	return send_to_pid(pid, sig, SI_USER, true);
}

/* tkill(pid_t tid, int sig): to the thread tid. */
SYS_DECL(tkill)
{
	int tid = (int)a0, sig = (int)a1;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (tid <= 0)
		return -EINVAL;
	return send_to_pid(tid, sig, SI_TKILL, false);
}

/* tgkill(pid_t tgid, pid_t tid, int sig): to the thread tid when it is in
 * the process tgid (ESRCH otherwise). */
SYS_DECL(tgkill)
{
	int tgid = (int)a0, tid = (int)a1, sig = (int)a2;

	(void)a3, (void)a4, (void)a5;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	struct task *t = task_find(tid);
	if (!t || task_tgid(t) != tgid)
		return sig < 0 || sig > NSIG ? -EINVAL : -ESRCH;
	return send_to_pid(tid, sig, SI_TKILL, false);
}
