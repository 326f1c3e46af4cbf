/*
 * process.c: the process system calls: fork (and vfork/clone with fork
 * semantics), execve, exit, wait4 (kill is signal.c's).
 *
 * Arguments as Linux's prototypes: clone's flags are the low 32 bits (the
 * low byte the exit signal), wait4's pid and options and kill's pid and
 * signal are ints; an option or flag bit Linux does not know is EINVAL,
 * one it knows but this kernel lacks (threads, shared VM) EINVAL too.
 */
#include <syscall.h>
#include <sched.h>
#include <uvm.h>
#include <file.h>
#include <exec.h>
#include <uaccess.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>

#define CLONE_CHILD_CLEARTID 0x00200000u
#define CLONE_CHILD_SETTID   0x01000000u
#define CLONE_PARENT_SETTID  0x00100000u
#define CLONE_FORK_FLAGS (CSIGNAL | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | \
			  CLONE_PARENT_SETTID)
#define INT_MIN (-0x7fffffff - 1)

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
		if (c->state == TASK_ZOMBIE && c->unwaited)
			task_reap(c);
	}
}

/* A copy-on-write child of current whose user rsp is @sp (0: the same). */
static long do_fork(uint64_t sp)
{
	struct mm *mm;
	struct task *t;

	reap_unwaited(current);
	mm = uvm_fork(current->mm);
	if (!mm)
		return -ENOMEM;
	t = task_create_user(current, current->uregs, current->comm);
	if (!t) {
		uvm_destroy(mm);
		return -ENOMEM;
	}
	t->mm = mm;
	t->uregs->rax = 0;
	if (sp)
		t->uregs->rsp = sp;
	t->fs_base = current->fs_base;
	fpu_save(&t->fpu);          /* the parent's live registers */
	t->oom_score_adj = current->oom_score_adj;
	memcpy(t->cmdline, current->cmdline, sizeof(t->cmdline));
	t->cmdline_len = current->cmdline_len;
	memcpy(t->exe, current->exe, sizeof(t->exe));
	file_dup_table(t, current);
	task_start(t);
	return t->pid;
}

SYS_DECL(fork)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return do_fork(0);
}

SYS_DECL(vfork)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return do_fork(0);
}

/*
 * clone(unsigned long flags, newsp, int *parent_tid, int *child_tid, tls):
 * only what fork means (no shared VM or threads). Linux keeps the low 32
 * bits of flags; an exit signal above 64 is EINVAL. The parent's tid is
 * stored when asked (a bad pointer is ignored, as in Linux); the child's
 * CHILD_SETTID/CLEARTID words are not written.
 */
SYS_DECL(clone)
{
	unsigned int flags = (unsigned int)a0;

	(void)a3, (void)a4, (void)a5;
	if ((flags & ~CLONE_FORK_FLAGS) || (flags & CSIGNAL) > NSIG)
		return -EINVAL;
	long pid = do_fork(a1);
	if (pid > 0)
		task_find((int)pid)->exit_signal = (int)(flags & CSIGNAL);
	if (pid > 0 && (flags & CLONE_PARENT_SETTID)) {
		int tid = (int)pid;
		(void)copy_to_user(a2, &tid, sizeof(tid));
	}
	return pid;
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
		      exec_image(current, path, &a);
		exec_args_free(&a);
	}
	kfree(path);
	return err;
}

SYS_DECL(exit)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	task_exit((int)((a0 & 0xff) << 8));
}

SYS_DECL(exit_group)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	task_exit((int)((a0 & 0xff) << 8));
}

/* A zombie child matching pid (-1 or 0: any), or NULL; *any says if one matched. */
static struct task *find_zombie(int pid, bool *any)
{
	struct list_head *pos;

	*any = false;
	reap_unwaited(current);
	list_for_each(pos, &current->children) {
		struct task *c = list_entry(pos, struct task, sibling);
		if (pid > 0 && c->pid != pid)
			continue;
		*any = true;
		if (c->state == TASK_ZOMBIE)
			return c;
	}
	return NULL;
}

/* The rusage of a reaped child c (as getrusage of the child itself). */
static void child_rusage(const struct task *c, struct linux_rusage *ru)
{
	memset(ru, 0, sizeof(*ru));
	ru->ru_maxrss = (int64_t)c->maxrss_kb;
	ru->ru_minflt = (int64_t)c->min_flt;
	ru->ru_majflt = (int64_t)c->maj_flt;
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

/* wait4(pid_t pid, int *status, int options, struct rusage *ru) */
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
		struct task *c = find_zombie(pid, &any);
		if (c)
			return reap(c, a1, a3);
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (signal_pending(current))
			return -ERESTARTSYS;    /* a zombie found first wins, as Linux's do_wait */
		sleep_on(&current->child_exit);
	}
}
