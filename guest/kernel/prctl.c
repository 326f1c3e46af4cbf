/*
 * prctl.c: prctl(option, ...) for the options programs ask at start-up:
 * PR_SET_NAME and PR_GET_NAME (the calling thread's comm, 16 bytes with
 * its NUL, as /proc/PID/comm shows it) and PR_CAPBSET_READ (every task is
 * root with the full bounding set: 1 for each capability Linux 6.1 knows,
 * CAP_CHECKPOINT_RESTORE (40) the last, EINVAL beyond). Any other option
 * is EINVAL, as Linux answers an option it does not know. State: the
 * task's comm only.
 */
#include <sched.h>
#include <uaccess.h>
#include <syscall.h>
#include <errno.h>
#include <string.h>

#define PR_SET_NAME     15
#define PR_GET_NAME     16
#define PR_CAPBSET_READ 23
#define CAP_LAST_CAP    40

static long set_name(uint64_t uname)
{
	char name[TASK_COMM_LEN];
	long len = strncpy_from_user(name, uname, sizeof(name));

	if (len == -EFAULT)
		return len;
	name[sizeof(name) - 1] = '\0'; /* longer names are cut, as Linux does */
	strlcpy(current->comm, name, sizeof(current->comm));
	return 0;
}

SYS_DECL(prctl)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	switch (a0) {
	case PR_SET_NAME:
		return set_name(a1);
	case PR_GET_NAME:
		return copy_to_user(a1, current->comm, sizeof(current->comm)) ? -EFAULT : 0;
	case PR_CAPBSET_READ:
		return a1 <= CAP_LAST_CAP ? 1 : -EINVAL;
	default:
		return -EINVAL;
	}
}
