/*
 * process.c: the process system calls: fork, vfork, clone and clone3
 * (processes and threads), execve, exit, exit_group, wait4 (kill is
 * signal.c's).
 *
 * Arguments as Linux's prototypes: clone's flags are the low 32 bits (the
 * low byte the exit signal), wait4's pid and options are ints. clone and
 * clone3 check their flags as Linux's copy_process does (CLONE_THREAD
 * needs CLONE_SIGHAND, which needs CLONE_VM, ...); a flag this kernel
 * lacks (namespaces, pidfds, cgroups, clone3's set_tid) is EINVAL.
 * CLONE_PTRACE, CLONE_UNTRACED, CLONE_SYSVSEM and CLONE_IO change nothing
 * here (no tracer, no SysV semaphores, one I/O context). CLONE_FS shares
 * the working directory (there is no umask or root to share).
 */
#include <syscall.h>
#include <sched.h>
#include <thread.h>
#include <uvm.h>
#include <file.h>
#include <exec.h>
#include <initrd.h>
#include <uaccess.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>

#define CLONE_VM             0x00000100ull
#define CLONE_FS             0x00000200ull
#define CLONE_FILES          0x00000400ull
#define CLONE_SIGHAND        0x00000800ull
#define CLONE_PIDFD          0x00001000ull
#define CLONE_PTRACE         0x00002000ull
#define CLONE_VFORK          0x00004000ull
#define CLONE_PARENT         0x00008000ull
#define CLONE_THREAD         0x00010000ull
#define CLONE_SYSVSEM        0x00040000ull
#define CLONE_SETTLS         0x00080000ull
#define CLONE_PARENT_SETTID  0x00100000ull
#define CLONE_CHILD_CLEARTID 0x00200000ull
#define CLONE_DETACHED       0x00400000ull
#define CLONE_UNTRACED       0x00800000ull
#define CLONE_CHILD_SETTID   0x01000000ull
#define CLONE_IO             0x80000000ull
#define CLONE_CLEAR_SIGHAND  0x100000000ull
#define CLONE_INTO_CGROUP    0x200000000ull
#define CLONE_LEGACY_FLAGS   0xffffffffull
/* What this kernel does (the namespace flags, PIDFD and INTO_CGROUP are not). */
#define CLONE_KEPT (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | \
		    CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
		    CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_UNTRACED | \
		    CLONE_CHILD_SETTID | CLONE_IO | CLONE_CLEAR_SIGHAND)
#define CLONE_ARGS_SIZE_VER0 64
#define CLONE_SET_TID_MAX 32         /* Linux's MAX_PID_NS_LEVEL */
#define INT_MIN (-0x7fffffff - 1)
#define INT_MAX 0x7fffffff

/* One clone request, from clone's registers or clone3's struct. */
struct clone_req {
	uint64_t flags;              /* CLONE_*, without the exit signal */
	int exit_signal;
	uint64_t stack;              /* the child's rsp; 0: the parent's */
	uint64_t parent_tid, child_tid, tls;
};

/* struct clone_args as clone3 passes it (its version 2, 88 bytes). */
struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/*
 * Frees t's zombie children whose exit nobody waits for (the parent
 * ignored SIGCHLD or set SA_NOCLDWAIT when they exited, as Linux's
 * autoreap). They cannot free themselves (task_exit runs on their own
 * kernel stack), so the parent does at its next fork or wait4.
 */
static void reap_unwaited(struct task *t)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &t->children) {
		struct task *c = list_entry(pos, struct task, sibling);
		if (c->state == TASK_ZOMBIE && c->unwaited && !thread_group_live(c))
			task_reap(c);
	}
}

/* Linux's copy_process checks of the flags. 0 or -EINVAL. */
static long clone_flags_valid(const struct clone_req *r)
{
	uint64_t f = r->flags;

	if (f & ~CLONE_KEPT)
		return -EINVAL;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && (f & CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_PARENT) && task_tgid(current) == 1)
		return -EINVAL;             /* init makes no siblings */
	if (r->exit_signal < 0 || r->exit_signal > NSIG)
		return -EINVAL;
	if ((f & CLONE_SETTLS) && r->tls >= USER_TOP)
		return -EPERM;              /* as arch_prctl(ARCH_SET_FS) */
	return 0;
}

/* The new task for r: a thread of current's process or a new process. */
static struct task *clone_task(const struct clone_req *r)
{
	struct task *t;

	if (r->flags & CLONE_THREAD)
		return task_create_thread(current, current->uregs);
	t = task_create_user(current, current->uregs, current->comm);
	if (t && (r->flags & CLONE_PARENT))
		task_adopt(thread_leader(current)->parent, t);
	if (t)
		t->exit_signal = r->exit_signal;
	return t;
}

/*
 * The child's address space: current's shared (CLONE_VM) or a
 * copy-on-write copy. CLONE_CHILD_SETTID of a copy is written into the
 * parent's word just before the copy and put back after it, so that only
 * the child's copy keeps it (the child's own space cannot be written from
 * here). 0 or -ENOMEM.
 */
static long clone_mm(struct task *t, const struct clone_req *r)
{
	uint32_t old, tid = (uint32_t)t->pid;
	bool settid = (r->flags & CLONE_CHILD_SETTID) &&
		      !copy_from_user(&old, r->child_tid, sizeof(old)) &&
		      !copy_to_user(r->child_tid, &tid, sizeof(tid));

	if (r->flags & CLONE_VM)
		t->mm = uvm_get(current->mm);
	else
		t->mm = uvm_fork(current->mm);
	if (settid && !(r->flags & CLONE_VM))
		(void)copy_to_user(r->child_tid, &old, sizeof(old));
	return t->mm ? 0 : -ENOMEM;
}

/* The child's descriptors, handlers and registers as r asks. 0 or -ENOMEM. */
static long clone_state(struct task *t, const struct clone_req *r)
{
	long err = clone_mm(t, r) ?: file_table_clone(t, current, r->flags & CLONE_FILES,
						      r->flags & CLONE_FS);

	if (err)
		return err;
	if ((r->flags & CLONE_SIGHAND) && !(r->flags & CLONE_THREAD))
		signal_share_handlers(t, current);
	if (r->flags & CLONE_CLEAR_SIGHAND)
		signal_clear_handlers(t);
	if ((r->flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)
		t->signal.altstack = (struct sig_altstack){ .flags = SS_DISABLE };
	t->uregs->rax = 0;
	if (r->stack)
		t->uregs->rsp = r->stack;
	t->fs_base = (r->flags & CLONE_SETTLS) ? r->tls : current->fs_base;
	fpu_save(&t->fpu);          /* the parent's live registers */
	t->oom_score_adj = current->oom_score_adj;
	t->mempolicy = current->mempolicy;     /* Linux: a child inherits the policy */
	memcpy(t->cmdline, current->cmdline, sizeof(t->cmdline));
	t->cmdline_len = current->cmdline_len;
	memcpy(t->exe, current->exe, sizeof(t->exe));
	if (r->flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = r->child_tid;
	return 0;
}

/* CLONE_VFORK: current sleeps until child t has called execve or exited.
 * Only SIGKILL ends the wait early (as Linux's killable wait). */
static void wait_vfork_done(struct task *t, struct vfork_done *vd)
{
	while (!vd->done) {
		if (sleep_on_killable(&vd->wq)) {
			t->vfork_done = NULL;
			return;
		}
	}
}

/* Creates the task r describes and starts it. Returns its pid or -errno. */
static long do_clone(const struct clone_req *r)
{
	struct vfork_done vd = { WAIT_QUEUE_INIT(vd.wq), false };
	struct task *t;
	long err = clone_flags_valid(r);

	if (err)
		return err;
	reap_unwaited(thread_leader(current));
	t = clone_task(r);
	if (!t)
		return -ENOMEM;
	err = clone_state(t, r);
	if (err) {
		task_discard(t);
		return err;
	}
	int tid = t->pid;
	if (r->flags & CLONE_PARENT_SETTID)
		(void)copy_to_user(r->parent_tid, &tid, sizeof(tid)); /* a bad pointer is ignored, as Linux */
	if (r->flags & CLONE_VFORK)
		t->vfork_done = &vd;
	task_start(t);
	if (r->flags & CLONE_VFORK)
		wait_vfork_done(t, &vd);
	return tid;
}

/* fork and vfork: a copy-on-write child (vfork's parent need not wait:
 * the child has its own copy of the memory). */
static long do_fork(void)
{
	const struct clone_req r = { .exit_signal = SIGCHLD };

	return do_clone(&r);
}

SYS_DECL(fork)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return do_fork();
}

SYS_DECL(vfork)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return do_fork();
}

/*
 * clone(unsigned long flags, void *stack, int *parent_tid, int *child_tid,
 * unsigned long tls): Linux keeps the low 32 bits of flags, their low
 * byte the exit signal (above 64: EINVAL); CLONE_DETACHED is ignored.
 */
SYS_DECL(clone)
{
	uint32_t flags = (uint32_t)a0;
	struct clone_req r = { .flags = flags & ~(CSIGNAL | CLONE_DETACHED),
			       .exit_signal = (int)(flags & CSIGNAL), .stack = a1,
			       .parent_tid = a2, .child_tid = a3, .tls = a4 };

	(void)a5;
	if (r.flags & CLONE_THREAD)
		r.exit_signal = 0;          /* a thread's exit signals nobody */
	return do_clone(&r);
}

/* Linux's copy_struct_from_user: the first min(size, ours) bytes, and any
 * bytes past ours must be zero (E2BIG). 0, -EFAULT or -E2BIG. */
static long copy_clone_args(struct clone_args *k, uint64_t uargs, uint64_t size)
{
	memset(k, 0, sizeof(*k));
	if (copy_from_user(k, uargs, size < sizeof(*k) ? size : sizeof(*k)))
		return -EFAULT;
	for (uint64_t off = sizeof(*k); off < size; off++) {
		uint8_t byte;
		if (copy_from_user(&byte, uargs + off, 1))
			return -EFAULT;
		if (byte)
			return -E2BIG;
	}
	return 0;
}

/* clone3's checks of its struct (Linux's copy_clone_args_from_user and
 * clone3_args_valid), then the request. 0 or -EINVAL. */
static long clone_args_to_req(const struct clone_args *k, struct clone_req *r)
{
	if (k->set_tid_size > CLONE_SET_TID_MAX || (!k->set_tid != !k->set_tid_size))
		return -EINVAL;
	if ((k->exit_signal & ~(uint64_t)CSIGNAL) || k->exit_signal > NSIG)
		return -EINVAL;
	if ((k->flags & ~(CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) ||
	    (k->flags & (CLONE_DETACHED | CSIGNAL)))
		return -EINVAL;
	if ((k->flags & (CLONE_THREAD | CLONE_PARENT)) && k->exit_signal)
		return -EINVAL;
	if (!k->stack != !k->stack_size || (k->stack && !access_ok(k->stack, k->stack_size)))
		return -EINVAL;
	if (k->set_tid_size || (k->flags & CLONE_INTO_CGROUP) || k->cgroup > INT_MAX)
		return -EINVAL;             /* no pid namespaces or cgroups here */
	*r = (struct clone_req){ .flags = k->flags, .exit_signal = (int)k->exit_signal,
				 .stack = k->stack ? k->stack + k->stack_size : 0,
				 .parent_tid = k->parent_tid, .child_tid = k->child_tid,
				 .tls = k->tls };
	return 0;
}

/* clone3(struct clone_args *uargs, size_t size) */
SYS_DECL(clone3)
{
	struct clone_args k;
	struct clone_req r;
	long err;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 > MM_PAGE_SIZE)
		return -E2BIG;
	if (a1 < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	err = copy_clone_args(&k, a0, a1) ?: clone_args_to_req(&k, &r);
	return err ? err : do_clone(&r);
}

/* Copies a NULL-terminated user vector of strings into a. */
static int copy_strings(struct exec_args *a, uint64_t uvec, bool env)
{
	for (uint64_t i = 0; uvec; i++) {
		uint64_t p;
		if (copy_from_user(&p, uvec + i * 8, sizeof(p)))
			return -EFAULT;
		if (!p)
			return 0;
		long len = strncpy_from_user(a->buf + a->len, p, a->cap - a->len);
		if (len < 0)
			return len == -ENAMETOOLONG ? -E2BIG : (int)len;
		int err = exec_args_add(a, a->buf + a->len, (size_t)len, env);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Before execve replaces the image: current becomes its process's only
 * thread (the others are killed, as Linux's de_thread; not when the
 * program does not exist) and gets descriptors and handlers of its own.
 * 0, -ENOENT, -EINTR (being killed) or -ENOMEM.
 */
static long exec_alone(const char *path)
{
	if (thread_group_live(current) > 1 && !initrd_lookup(path))
		return -ENOENT;
	return thread_group_exec() ?: file_table_unshare(current) ?:
	       signal_unshare_handlers(current);
}

/*
 * exec_image on a space of current's own: a space still shared (CLONE_VM
 * without CLONE_THREAD: a vfork child) is set aside for an empty one,
 * which exec_image replaces; on failure the shared one comes back. On
 * success a CLONE_VFORK parent is woken and the thread's exit words are
 * forgotten (they were in the old image). 0 or exec_image's error.
 */
static long exec_private(const char *path, const struct exec_args *a)
{
	struct task *t = current;
	struct mm *shared = NULL;
	long err;

	if (t->mm->users > 1) {
		struct mm *empty = uvm_create();
		if (!empty)
			return -ENOMEM;
		shared = t->mm;
		t->mm = empty;
	}
	err = exec_image(t, path, a);
	if (err && shared) {
		uvm_switch(shared);
		uvm_destroy(t->mm);
		t->mm = shared;
	} else if (shared) {
		uvm_put(shared);
	}
	if (!err) {
		task_vfork_release(t);
		t->robust_list = 0;
		t->clear_child_tid = 0;
	}
	return err;
}

/* execve(path, argv, envp): the path as Linux's getname (PATH_MAX with
 * its NUL, empty ENOENT), relative to the working directory. */
SYS_DECL(execve)
{
	char *path = kmalloc(PATH_MAX, BUDDY_GFP_KERNEL);
	struct exec_args a;
	long err;

	(void)a3, (void)a4, (void)a5;
	if (!path)
		return -ENOMEM;
	err = strncpy_from_user(path, a0, PATH_MAX);
	if (err == 0)
		err = -ENOENT;
	if (err > 0)
		err = file_resolve(file_cwd(current), path);
	if (!err)
		err = exec_args_init(&a);
	if (!err) {
		err = copy_strings(&a, a1, false) ?: copy_strings(&a, a2, true) ?:
		      exec_alone(path) ?: exec_private(path, &a);
		exec_args_free(&a);
	}
	kfree(path);
	return err;
}

/* exit(int status): ends the calling thread only. */
SYS_DECL(exit)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	task_exit((int)((a0 & 0xff) << 8));
}

/* exit_group(int status): ends every thread of the process. */
SYS_DECL(exit_group)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	thread_group_exit((int)((a0 & 0xff) << 8));
}

/* A child of process p matching pid (-1 or 0: any) that has ended
 * (every thread exited), or NULL; *any says if one matched. */
static struct task *find_zombie(struct task *p, int pid, bool *any)
{
	struct list_head *pos;

	*any = false;
	reap_unwaited(p);
	list_for_each(pos, &p->children) {
		struct task *c = list_entry(pos, struct task, sibling);
		if (pid > 0 && c->pid != pid)
			continue;
		*any = true;
		if (c->state == TASK_ZOMBIE && !thread_group_live(c))
			return c;
	}
	return NULL;
}

/* The rusage of a reaped child c (as getrusage of the child itself). */
static void child_rusage(const struct task *c, struct linux_rusage *ru)
{
	struct task_usage u;

	thread_group_usage(c, &u);
	memset(ru, 0, sizeof(*ru));
	ru->ru_maxrss = (int64_t)c->maxrss_kb;
	ru->ru_minflt = (int64_t)u.min_flt;
	ru->ru_majflt = (int64_t)u.maj_flt;
}

/* Reaps zombie c into status and rusage pointers; the child is gone even
 * when a pointer is bad (then EFAULT, as Linux). */
static long reap(struct task *c, uint64_t ustatus, uint64_t uru)
{
	int status = c->exit_status, cpid = c->pid;
	struct linux_rusage ru;

	child_rusage(c, &ru);
	task_reap(c);
	if (ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	if (uru && copy_to_user(uru, &ru, sizeof(ru)))
		return -EFAULT;
	return cpid;
}

/* wait4(pid_t pid, int *status, int options, struct rusage *ru): any
 * thread waits for the children of its process. */
SYS_DECL(wait4)
{
	int pid = (int)a0;
	unsigned int options = (unsigned int)a2;
	bool any;

	(void)a4, (void)a5;
	if (options & ~(unsigned int)WAIT4_VALID_OPTIONS)
		return -EINVAL;
	if (pid == INT_MIN)
		return -ESRCH;
	for (;;) {
		struct task *p = thread_leader(current);
		struct task *c = find_zombie(p, pid, &any);
		if (c)
			return reap(c, a1, a3);
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (signal_pending(current))
			return -ERESTARTSYS;    /* a zombie found first wins, as Linux's do_wait */
		sleep_on(&p->child_exit);
	}
}
