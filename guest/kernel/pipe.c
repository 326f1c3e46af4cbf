/*
 * pipe.c: pipes (pipe, pipe2) with Linux's blocking semantics. A pipe is
 * a two-page ring buffer (so, as in Linux, a pipe holding a few bytes
 * still has PIPE_BUF bytes of room: poll says POLLOUT) and two files, its read end and its write end
 * (file.h); each end may be shared by many descriptors, and the pipe is
 * freed when both ends are closed for good (pipe_release).
 *
 * A read waits while the pipe is empty and a writer exists, then takes
 * what there is; with no writer left it reads end of file. A write waits
 * for room (all PIPE_BUF bytes of a small write at once, so it is atomic)
 * and fails with EPIPE and SIGPIPE once no reader is left. O_NONBLOCK
 * turns each wait into EAGAIN. Bytes move through a kernel bounce buffer
 * so no user fault (which may sleep) happens while the ring is examined.
 * Who serialises callers: the single non-preemptible CPU; every check is
 * redone after a sleep.
 */
#include <file.h>
#include <sched.h>
#include <uaccess.h>
#include <syscall.h>
#include <errno.h>
#include <uapi.h>
#include <string.h>
#include <kmalloc.h>
#include <page_alloc.h>

#define PIPE_ORDER 1
#define PIPE_SIZE (MM_PAGE_SIZE << PIPE_ORDER)
#define PIPE_CHUNK 512              /* bytes one bounce copies */

struct pipe {
	char *ring;                 /* PIPE_SIZE bytes */
	uint32_t head, len;         /* first unread byte, bytes unread */
	int readers, writers;       /* open read and write ends (0 or 1 each) */
	struct wait_queue readable; /* readers wait here for bytes or EOF */
	struct wait_queue writable; /* writers wait here for room */
};

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p), BUDDY_GFP_KERNEL);
	phys_addr_t ring = p ? page_alloc(PIPE_ORDER, 0) : 0;

	if (!ring) {
		kfree(p);
		return NULL;
	}
	p->ring = mm_phys_to_virt(ring);
	p->readers = p->writers = 1;
	list_init(&p->readable.head);
	list_init(&p->writable.head);
	return p;
}

void pipe_release(struct file *f)
{
	struct pipe *p = f->pipe;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	wake_up(&p->readable);
	wake_up(&p->writable);
	if (p->readers || p->writers)
		return;
	page_free(mm_virt_to_phys(p->ring), PIPE_ORDER);
	kfree(p);
}

/* Takes up to n unread bytes into buf; returns how many. */
static uint32_t ring_take(struct pipe *p, char *buf, uint32_t n)
{
	n = MM_MIN(n, p->len);
	for (uint32_t i = 0; i < n; i++)
		buf[i] = p->ring[(p->head + i) % PIPE_SIZE];
	p->head = (p->head + n) % PIPE_SIZE;
	p->len -= n;
	return n;
}

/* Appends n bytes of buf (which fit). */
static void ring_put(struct pipe *p, const char *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p->ring[(p->head + p->len + i) % PIPE_SIZE] = buf[i];
	p->len += n;
}

/* Waits until the pipe holds a byte or has no writer. 0, -EAGAIN or -ERESTARTSYS (a signal). */
static long wait_readable(struct file *f)
{
	struct pipe *p = f->pipe;

	while (!p->len && p->writers) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sleep_on(&p->readable))
			return -ERESTARTSYS;
	}
	return 0;
}

long pipe_read(struct file *f, uint64_t ubuf, uint64_t n)
{
	struct pipe *p = f->pipe;
	char buf[PIPE_CHUNK];
	uint64_t done = 0;
	long err = n ? wait_readable(f) : 0;

	if (err)
		return err;
	while (done < n && p->len) {
		uint32_t c = ring_take(p, buf, (uint32_t)MM_MIN(n - done, (uint64_t)PIPE_CHUNK));
		wake_up(&p->writable);
		if (copy_to_user(ubuf + done, buf, c))
			return done ? (long)done : -EFAULT;
		done += c;
	}
	return (long)done;
}

/* Room for a write of n bytes, of which done are written: all of a small
 * write, else any. Waits for it; returns the room or a negative errno. */
static long wait_room(struct file *f, uint64_t n, uint64_t done)
{
	struct pipe *p = f->pipe;

	for (;;) {
		uint32_t room = PIPE_SIZE - p->len;
		if (!p->readers) {
			task_kill_thread(current, SIGPIPE);
			return -EPIPE;
		}
		if (room && (n > PIPE_BUF || room >= n - done))
			return room;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sleep_on(&p->writable))
			return -ERESTARTSYS;
	}
}

long pipe_write(struct file *f, uint64_t ubuf, uint64_t n)
{
	struct pipe *p = f->pipe;
	char buf[PIPE_CHUNK];
	uint64_t done = 0;

	while (done < n) {
		long room = wait_room(f, n, done);
		if (room < 0)
			return done ? (long)done : room;
		uint32_t c = (uint32_t)MM_MIN(MM_MIN(n - done, (uint64_t)PIPE_CHUNK), (uint64_t)room);
		if (copy_from_user(buf, ubuf + done, c))
			return done ? (long)done : -EFAULT;
		if (!p->readers || PIPE_SIZE - p->len < c)
			continue;       /* the copy slept and things changed: look again */
		ring_put(p, buf, c);
		wake_up(&p->readable);
		done += c;
	}
	return (long)done;
}

int pipe_poll(struct file *f)
{
	struct pipe *p = f->pipe;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (p->len ? POLLIN | POLLRDNORM : 0) | (p->writers ? 0 : POLLHUP);
	if (!p->readers)
		return POLLERR;
	return PIPE_SIZE - p->len >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0;
}

/* The two ends of a new pipe, installed in current; flags: O_CLOEXEC, O_NONBLOCK. */
static long pipe_open(int fds[2], int flags)
{
	struct pipe *p = pipe_alloc();
	struct file *r = p ? file_new(FILE_PIPE, O_RDONLY | (flags & O_NONBLOCK)) : NULL;
	struct file *w = r ? file_new(FILE_PIPE, O_WRONLY | (flags & O_NONBLOCK)) : NULL;

	if (!w) {
		if (r)
			kfree(r);
		if (p) {
			page_free(mm_virt_to_phys(p->ring), PIPE_ORDER);
			kfree(p);
		}
		return -ENOMEM;
	}
	r->pipe = w->pipe = p;
	fds[0] = file_fd_install(current, r, 0, flags & O_CLOEXEC);
	fds[1] = fds[0] < 0 ? -EMFILE : file_fd_install(current, w, 0, flags & O_CLOEXEC);
	if (fds[1] >= 0)
		return 0;
	if (fds[0] >= 0)
		current->fdt->files[fds[0]] = NULL;
	file_put(r);
	file_put(w);
	return -EMFILE;
}

/* pipe2(int fds[2], int flags): flags other than O_CLOEXEC and
 * O_NONBLOCK are EINVAL; fds is checked before anything is opened. */
static long do_pipe2(uint64_t ufds, int flags)
{
	int fds[2] = { 0, 0 };

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!uaccess_ok(ufds, sizeof(fds), true))
		return -EFAULT;
	long err = pipe_open(fds, flags);
	if (err)
		return err;
	if (!copy_to_user(ufds, fds, sizeof(fds)))
		return 0;
	(void)sys_close((unsigned int)fds[0], 0, 0, 0, 0, 0);
	(void)sys_close((unsigned int)fds[1], 0, 0, 0, 0, 0);
	return -EFAULT;
}

SYS_DECL(pipe2)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_pipe2(a0, (int)a1);
}

SYS_DECL(pipe)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return do_pipe2(a0, 0);
}
