/*
 * fd.c: the descriptor-table calls: dup, dup2, dup3 and fcntl's
 * descriptor and status-flag commands (F_DUPFD, F_DUPFD_CLOEXEC,
 * F_GETFD, F_SETFD, F_GETFL, F_SETFL) and memfd's seals (F_ADD_SEALS,
 * F_GET_SEALS: shmem.c). A duplicate shares the struct
 * file (position, status flags) and never inherits close-on-exec.
 * Other commands (locks, owners, leases, pipe sizes) are EINVAL, as
 * Linux answers a command it does not know.
 */
#include <file.h>
#include <sched.h>
#include <syscall.h>
#include <errno.h>
#include <tmpfs.h>
#include <uapi.h>

/* Points newfd at oldfd's file, closing what newfd held (dup2/dup3). */
static long dup_onto(unsigned int oldfd, unsigned int newfd, bool cloexec)
{
	struct file *f = file_get(oldfd);
	struct task *t = current;

	if (!f || newfd >= TASK_NR_FILES)
		return -EBADF;
	f->refs++;
	if (t->fdt->files[newfd])
		file_put(t->fdt->files[newfd]);
	t->fdt->files[newfd] = f;
	file_set_cloexec(t, newfd, cloexec);
	return newfd;
}

/* A new descriptor >= min for fd's file. */
static long dup_from(unsigned int fd, unsigned long min, bool cloexec)
{
	struct file *f = file_get(fd);

	if (!f)
		return -EBADF;
	if (min >= TASK_NR_FILES)
		return -EINVAL;
	int nfd = file_fd_install(current, f, (unsigned int)min, cloexec);
	if (nfd >= 0)
		f->refs++;
	return nfd;
}

SYS_DECL(dup)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return dup_from((unsigned int)a0, 0, false);
}

/* dup2(unsigned int oldfd, unsigned int newfd): the same fd is returned
 * as it is when open. */
SYS_DECL(dup2)
{
	unsigned int oldfd = (unsigned int)a0, newfd = (unsigned int)a1;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (oldfd == newfd)
		return file_get(oldfd) ? (long)newfd : -EBADF;
	return dup_onto(oldfd, newfd, false);
}

/* dup3(unsigned int oldfd, unsigned int newfd, int flags): only O_CLOEXEC;
 * the same fd twice is EINVAL. */
SYS_DECL(dup3)
{
	unsigned int oldfd = (unsigned int)a0, newfd = (unsigned int)a1;
	int flags = (int)a2;

	(void)a3, (void)a4, (void)a5;
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return dup_onto(oldfd, newfd, flags & O_CLOEXEC);
}

/* The status flags F_GETFL reports: the access mode and the kept ones. */
static long status_flags(const struct file *f)
{
	return f->flags & (O_ACCMODE | SETFL_MASK | O_DIRECTORY);
}

/* fcntl(unsigned int fd, unsigned int cmd, unsigned long arg) */
SYS_DECL(fcntl)
{
	unsigned int fd = (unsigned int)a0, cmd = (unsigned int)a1;
	struct file *f = file_get(fd);
	struct task *t = current;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return dup_from(fd, a2, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return (t->fdt->cloexec >> fd) & 1 ? FD_CLOEXEC : 0;
	case F_SETFD:
		file_set_cloexec(t, fd, a2 & FD_CLOEXEC);
		return 0;
	case F_GETFL:
		return status_flags(f);
	case F_SETFL:
		f->flags = (f->flags & ~SETFL_MASK) | ((int)a2 & SETFL_MASK);
		return 0;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return shmem_fcntl_seals(f, (int)cmd, a2);
	default:
		return -EINVAL;
	}
}
