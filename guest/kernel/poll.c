/*
 * poll.c: poll and ppoll. Every file but a pipe is always ready (reads
 * of the console and /dev/null end at once, initrd and /proc files are
 * in memory, writes never wait); a pipe end asks pipe_poll. A call that
 * finds nothing ready and may wait sleeps one tick at a time and looks
 * again, until something is ready, its timeout passes or a fatal signal
 * comes (EINTR): a task sleeps on one wait queue at a time, so it cannot
 * wait on several pipes at once. Signal masks are not kept: ppoll's mask
 * is checked for its size and otherwise ignored.
 */
#include <file.h>
#include <sched.h>
#include <uaccess.h>
#include <syscall.h>
#include <errno.h>
#include <uapi.h>
#include <time.h>
#include <kmalloc.h>

#define POLL_NFDS_MAX 1024          /* Linux's default RLIMIT_NOFILE */
#define POLL_FOREVER (~0ul)
#define MSEC_PER_TICK (1000 / HZ)

/* What fd is ready for now, as poll reports it before masking. */
static short fd_ready(int fd)
{
	struct file *f = fd >= 0 ? file_get((unsigned int)fd) : NULL;

	if (fd < 0)
		return 0;
	if (!f)
		return POLLNVAL;
	if (f->kind == FILE_PIPE)
		return (short)pipe_poll(f);
	return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
}

/* Fills every revents; returns how many are not zero. */
static long poll_once(struct linux_pollfd *p, unsigned long n)
{
	long ready = 0;

	for (unsigned long i = 0; i < n; i++) {
		short always = POLLERR | POLLHUP | POLLNVAL;
		p[i].revents = (short)(fd_ready(p[i].fd) & (p[i].events | always));
		ready += p[i].revents != 0;
	}
	return ready;
}

/* Polls until ready or @ticks pass (POLL_FOREVER: no bound). */
static long poll_wait(struct linux_pollfd *p, unsigned long n, unsigned long ticks)
{
	unsigned long until = jiffies + ticks;

	for (;;) {
		long ready = poll_once(p, n);
		if (ready || !ticks || (ticks != POLL_FOREVER && (long)(jiffies - until) >= 0))
			return ready;
		if (sleep_until(jiffies + 1))
			return -EINTR;
	}
}

/* The poll of the user array ufds[n]: read whole, written back whole. */
static long do_poll(uint64_t ufds, unsigned int n, unsigned long ticks)
{
	struct linux_pollfd *p;
	long ready;

	if (n > POLL_NFDS_MAX)
		return -EINVAL;
	p = kmalloc(MM_MAX(n, 1u) * sizeof(*p), BUDDY_GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ready = copy_from_user(p, ufds, n * sizeof(*p)) ? -EFAULT : poll_wait(p, n, ticks);
	if (ready >= 0 && copy_to_user(ufds, p, n * sizeof(*p)))
		ready = -EFAULT;
	kfree(p);
	return ready;
}

/* poll(struct pollfd *fds, unsigned int nfds, int timeout_ms): a negative
 * timeout waits forever; a positive one is rounded up to whole ticks. */
SYS_DECL(poll)
{
	int ms = (int)a2;

	(void)a3, (void)a4, (void)a5;
	return do_poll(a0, (unsigned int)a1,
		       ms < 0 ? POLL_FOREVER : ((unsigned long)ms + MSEC_PER_TICK - 1) / MSEC_PER_TICK);
}

/* ppoll(fds, unsigned int nfds, const struct timespec *tsp, const sigset_t
 * *mask, size_t sigsetsize): tsp NULL waits forever; a mask needs
 * sigsetsize 8 (EINVAL otherwise). */
SYS_DECL(ppoll)
{
	struct linux_timespec ts;
	unsigned long ticks = POLL_FOREVER;

	(void)a5;
	if (a3 && a4 != 8)
		return -EINVAL;
	if (a2) {
		if (copy_from_user(&ts, a2, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
			return -EINVAL;
		if ((uint64_t)ts.tv_sec < POLL_FOREVER / HZ / 2)
			ticks = (uint64_t)ts.tv_sec * HZ + ((uint64_t)ts.tv_nsec + TICK_NSEC - 1) /
				TICK_NSEC;
	}
	return do_poll(a0, (unsigned int)a1, ticks);
}
