/*
 * process.c: the process system calls: fork (and vfork/clone with fork
 * semantics), execve, exit, wait4, kill.
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

#define PATH_MAX_LEN 256
#define CLONE_CHILD_CLEARTID 0x00200000ul
#define CLONE_CHILD_SETTID   0x01000000ul
#define CLONE_PARENT_SETTID  0x00100000ul
#define CLONE_FORK_FLAGS (0xfful | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | \
			  CLONE_PARENT_SETTID)

/* A copy-on-write child of current whose user rsp is @sp (0: the same). */
static long do_fork(uint64_t sp)
{
	struct mm *mm = uvm_fork(current->mm);
	struct task *t;

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

/* clone: only what fork means (no shared VM or threads). */
SYS_DECL(clone)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a0 & ~CLONE_FORK_FLAGS)
		return -EINVAL;
	return do_fork(a1);
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

SYS_DECL(execve)
{
	char path[PATH_MAX_LEN];
	struct exec_args a;
	long err = strncpy_from_user(path, a0, sizeof(path));

	(void)a3, (void)a4, (void)a5;
	if (err < 0)
		return err;
	err = exec_args_init(&a);
	if (!err)
		err = copy_strings(&a, a1, false) ?: copy_strings(&a, a2, true) ?:
		      exec_image(current, path, &a);
	exec_args_free(&a);
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

SYS_DECL(wait4)
{
	int pid = (int)a0;
	bool any;

	(void)a3, (void)a4, (void)a5;
	if (a1 && !uaccess_ok(a1, sizeof(int), true))
		return -EFAULT;
	for (;;) {
		struct task *c = find_zombie(pid, &any);
		if (c) {
			int status = c->exit_status, cpid = c->pid;
			if (a1 && copy_to_user(a1, &status, sizeof(status)))
				return -EFAULT;
			task_reap(c);
			return cpid;
		}
		if (!any)
			return -ECHILD;
		if (a2 & WNOHANG)
			return 0;
		if (sleep_on(&current->child_exit))
			return -EINTR;
	}
}

SYS_DECL(kill)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return task_kill((int)a0, (int)a1);
}
