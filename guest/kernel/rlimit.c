/*
 * rlimit.c: resource limits (rlimit.h): the defaults, the three system
 * calls, and the write-through of the address-space limits to the mm.
 * State: the thread group's struct rlimits, passed in.
 */
#include <rlimit.h>
#include <syscall.h>
#include <sched.h>
#include <thread.h>
#include <uvm.h>
#include <file.h>
#include <uaccess.h>
#include <errno.h>

#define MLOCK_LIMIT_DEFAULT (8ull << 20)   /* Linux's MLOCK_LIMIT since 5.16 */
#define MQ_BYTES_MAX        819200ull

void rlimit_defaults(struct rlimits *lim)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		lim->r[i] = (struct linux_rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	lim->r[RLIMIT_STACK].rlim_cur = USER_STACK_LIMIT;
	lim->r[RLIMIT_CORE].rlim_cur = 0;
	lim->r[RLIMIT_NOFILE] = (struct linux_rlimit){ TASK_NR_FILES, TASK_NR_FILES };
	lim->r[RLIMIT_MEMLOCK] = (struct linux_rlimit){ MLOCK_LIMIT_DEFAULT, MLOCK_LIMIT_DEFAULT };
	lim->r[RLIMIT_MSGQUEUE] = (struct linux_rlimit){ MQ_BYTES_MAX, MQ_BYTES_MAX };
	lim->r[RLIMIT_NICE] = (struct linux_rlimit){ 0, 0 };
	lim->r[RLIMIT_RTPRIO] = (struct linux_rlimit){ 0, 0 };
}

void rlimit_apply(const struct task *t, struct mm *mm)
{
	if (!mm || !t->group)
		return;
	const struct linux_rlimit *r = t->group->rlim.r;
	mm->limits = (struct uvm_limits){ .as = r[RLIMIT_AS].rlim_cur,
					  .data = r[RLIMIT_DATA].rlim_cur,
					  .data_max = r[RLIMIT_DATA].rlim_max,
					  .stack = r[RLIMIT_STACK].rlim_cur,
					  .memlock = t->group->uid ? r[RLIMIT_MEMLOCK].rlim_cur
								   : RLIM_INFINITY };
}

/*
 * Linux's do_prlimit: stores the old limit in *old (when not NULL), then
 * sets *new (when not NULL). -EINVAL for an unknown resource or cur above
 * max, -EPERM for NOFILE above the table (Linux's nr_open).
 */
static long do_prlimit(struct task *t, unsigned int resource, const struct linux_rlimit *new,
		       struct linux_rlimit *old)
{
	struct linux_rlimit *r;

	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	r = &t->group->rlim.r[resource];
	if (new && new->rlim_cur > new->rlim_max)
		return -EINVAL;
	if (new && resource == RLIMIT_NOFILE && new->rlim_max > TASK_NR_FILES)
		return -EPERM;
	if (old)
		*old = *r;
	if (new) {
		*r = *new;          /* raising max needs CAP_SYS_RESOURCE: root has it */
		rlimit_apply(t, t->mm);
	}
	return 0;
}

/* getrlimit(unsigned int resource, struct rlimit *rlim) */
SYS_DECL(getrlimit)
{
	struct linux_rlimit old;
	long err = do_prlimit(current, (unsigned int)a0, NULL, &old);

	(void)a2, (void)a3, (void)a4, (void)a5;
	return err ? err : copy_to_user(a1, &old, sizeof(old));
}

/* setrlimit(unsigned int resource, const struct rlimit *rlim): EFAULT first. */
SYS_DECL(setrlimit)
{
	struct linux_rlimit new;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (copy_from_user(&new, a1, sizeof(new)))
		return -EFAULT;
	return do_prlimit(current, (unsigned int)a0, &new, NULL);
}

/*
 * prlimit64(pid_t pid, unsigned int resource, const struct rlimit64 *new,
 * struct rlimit64 *old): pid 0 is the caller; another pid is any thread
 * of a process (-ESRCH when none). new is read before anything changes
 * (-EFAULT), old written after (-EFAULT, the new limit already set).
 */
SYS_DECL(prlimit64)
{
	struct linux_rlimit new, old;
	int pid = (int)a0;
	struct task *t = pid ? task_find(pid) : current;

	(void)a4, (void)a5;
	if (a2 && copy_from_user(&new, a2, sizeof(new)))
		return -EFAULT;
	if (!t || !t->group || t->state == TASK_ZOMBIE)
		return -ESRCH;
	long err = do_prlimit(t, (unsigned int)a1, a2 ? &new : NULL, a3 ? &old : NULL);
	if (err)
		return err;
	return a3 ? copy_to_user(a3, &old, sizeof(old)) : 0;
}
