/*
 * shmem.c: the system calls that change the file tree or a file's size,
 * and memfd_create: mkdir, rmdir, unlink, rename, truncate, ftruncate,
 * fsync, over tmpfs (tmpfs.h). Elsewhere the tree is read-only: a name
 * that exists outside tmpfs is EROFS to change, as Linux's read-only
 * mounts say; one that does not is ENOENT (its parent does not exist on
 * tmpfs either).
 *
 * memfd seals: F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW and F_SEAL_WRITE
 * (write(), ftruncate and new shared writable mappings refused; mappings
 * made before the seal are not looked for, as Linux's EBUSY check would).
 *
 * Arguments follow Linux's prototypes (file.c's rules); callers serialise
 * on the kernel lock.
 */
#include <tmpfs.h>
#include <file.h>
#include <sched.h>
#include <syscall.h>
#include <uaccess.h>
#include <kmalloc.h>
#include <string.h>
#include <errno.h>
#include <uapi.h>
#include <initrd.h>

#define AT_REMOVEDIR 0x200
#define RENAME_NOREPLACE 1u
#define MFD_CLOEXEC 1u
#define MFD_ALLOW_SEALING 2u
#define MFD_NAME_MAX 249            /* Linux's MFD_NAME_MAX_LEN */
#define SEALS_KNOWN (TMPFS_SEAL_SEAL | TMPFS_SEAL_SHRINK | TMPFS_SEAL_GROW | TMPFS_SEAL_WRITE)

/* Whether the absolute path names something outside tmpfs. */
static bool exists_outside(const char *path)
{
	return dir_exists(path) || initrd_lookup(path) || !strcmp(path, "/dev/null") ||
	       !strncmp(path, "/proc/", 6);
}

/* The errno for changing path outside tmpfs: making a name that exists is
 * EEXIST, anything else on an existing one EROFS; a missing one ENOENT
 * (EROFS when making it). */
static long outside_tmpfs(const char *path, bool making)
{
	if (exists_outside(path))
		return making ? -EEXIST : -EROFS;
	return making ? -EROFS : -ENOENT;
}

typedef int (*path_op)(struct tmpfs *fs, const char *path, uint32_t mode);

/* Runs op on the resolved path of dfd/upath (@making: it makes the name).
 * Returns op's result or an errno. */
static long on_path(int dfd, uint64_t upath, path_op op, uint32_t mode, bool making)
{
	long err;
	char *path = file_getname_at(dfd, upath, &err);

	if (!path)
		return err;
	err = tmpfs_owns(path) ? op(tmpfs_get(), path, mode) : outside_tmpfs(path, making);
	kfree(path);
	return err;
}

static int do_unlink(struct tmpfs *fs, const char *path, uint32_t mode)
{
	(void)mode;
	return tmpfs_unlink(fs, path);
}

static int do_rmdir(struct tmpfs *fs, const char *path, uint32_t mode)
{
	(void)mode;
	return tmpfs_rmdir(fs, path);
}

/* mkdir's mode less current's umask. */
static int do_mkdir(struct tmpfs *fs, const char *path, uint32_t mode)
{
	return tmpfs_mkdir(fs, path, mode & ~current->fs->umask);
}

SYS_DECL(unlink)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return on_path(AT_FDCWD, a0, do_unlink, 0, false);
}

/* unlinkat(int dfd, path, int flags): AT_REMOVEDIR is rmdir; other flags EINVAL. */
SYS_DECL(unlinkat)
{
	int flags = (int)a2;

	(void)a3, (void)a4, (void)a5;
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return on_path((int)a0, a1, (flags & AT_REMOVEDIR) ? do_rmdir : do_unlink, 0, false);
}

SYS_DECL(rmdir)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return on_path(AT_FDCWD, a0, do_rmdir, 0, false);
}

/* mkdir(path, umode_t mode) */
SYS_DECL(mkdir)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return on_path(AT_FDCWD, a0, do_mkdir, (uint32_t)a1, true);
}

/* mkdirat(int dfd, path, umode_t mode) */
SYS_DECL(mkdirat)
{
	(void)a3, (void)a4, (void)a5;
	return on_path((int)a0, a1, do_mkdir, (uint32_t)a2, true);
}

/* rename of dfd1/from to dfd2/to; RENAME_NOREPLACE refuses an existing to (EEXIST). */
static long do_rename(int dfd1, uint64_t ufrom, int dfd2, uint64_t uto, unsigned flags)
{
	long err;
	char *from, *to;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	from = file_getname_at(dfd1, ufrom, &err);
	if (!from)
		return err;
	to = file_getname_at(dfd2, uto, &err);
	if (to && !tmpfs_owns(from))
		err = outside_tmpfs(from, false);
	else if (to && (flags & RENAME_NOREPLACE) && tmpfs_exists(tmpfs_get(), to))
		err = -EEXIST;
	else if (to)
		err = tmpfs_rename(tmpfs_get(), from, to);
	kfree(from);
	kfree(to);
	return err;
}

SYS_DECL(rename)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_rename(AT_FDCWD, a0, AT_FDCWD, a1, 0);
}

SYS_DECL(renameat)
{
	(void)a4, (void)a5;
	return do_rename((int)a0, a1, (int)a2, a3, 0);
}

SYS_DECL(renameat2)
{
	(void)a5;
	return do_rename((int)a0, a1, (int)a2, a3, (unsigned)a4);
}

/* Whether the seals of ino forbid a change from its size to size. */
static bool sealed_against(const struct inode *ino, uint64_t size)
{
	return (ino->seals & TMPFS_SEAL_WRITE) ||
	       (size < ino->size && (ino->seals & TMPFS_SEAL_SHRINK)) ||
	       (size > ino->size && (ino->seals & TMPFS_SEAL_GROW));
}

/* Sets the size of the tmpfs file f (opened for writing). Returns 0 or an errno. */
static long truncate_file(struct file *f, int64_t length)
{
	if (f->kind != FILE_TMPFS)
		return f->kind == FILE_INITRD ? -EROFS : -EINVAL;
	if (sealed_against(f->inode, (uint64_t)length))
		return -EPERM;
	return tmpfs_truncate(f->inode, (uint64_t)length);
}

/* ftruncate(unsigned int fd, off_t length): Linux's order: a negative
 * length EINVAL, a closed fd EBADF, no regular file or no write access
 * EINVAL, seals EPERM, too large EFBIG. */
SYS_DECL(ftruncate)
{
	struct file *f = file_get((unsigned int)a0);
	int64_t length = (int64_t)a1;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (length < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if ((f->flags & O_ACCMODE) == O_RDONLY || (f->kind != FILE_TMPFS))
		return -EINVAL;
	return truncate_file(f, length);
}

/* truncate(path, off_t length): EISDIR for a directory, EROFS outside tmpfs. */
SYS_DECL(truncate)
{
	struct file *f = NULL;
	int64_t length = (int64_t)a1;
	long err;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (length < 0)
		return -EINVAL;
	err = file_open_at(AT_FDCWD, a0, O_RDONLY, &f);
	if (err)
		return err;
	err = f->kind == FILE_DIR ? -EISDIR : truncate_file(f, length);
	file_put(f);
	return err;
}

/* fsync(unsigned int fd) and fdatasync: nothing to write back (tmpfs and
 * the initrd live in memory); EBADF for a closed fd, EINVAL for a file
 * with no sync (pipes, the console, as Linux's special files). */
SYS_DECL(fsync)
{
	struct file *f = file_get((unsigned int)a0);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	return f->kind == FILE_PIPE || f->kind == FILE_CONSOLE ? -EINVAL : 0;
}

/*
 * memfd_create(const char *name, unsigned int flags): unknown flags (and
 * MFD_HUGETLB: no hugetlbfs) EINVAL, a name longer than 249 bytes EINVAL,
 * an unreadable one EFAULT. Without MFD_ALLOW_SEALING the file is sealed
 * against more seals (F_SEAL_SEAL), as Linux's.
 */
SYS_DECL(memfd_create)
{
	unsigned flags = (unsigned)a1;
	char name[MFD_NAME_MAX + 1];
	struct inode *ino;
	struct file *f;
	long n, fd;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	n = strncpy_from_user(name, a0, sizeof(name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	if (tmpfs_memfd(tmpfs_get(), name, &ino))
		return -ENOMEM;
	ino->seals = (flags & MFD_ALLOW_SEALING) ? 0 : TMPFS_SEAL_SEAL;
	f = file_new(FILE_TMPFS, O_RDWR);
	if (!f) {
		tmpfs_inode_put(ino);
		return -ENOMEM;
	}
	f->inode = ino;
	fd = file_fd_install(current, f, 0, flags & MFD_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long shmem_fcntl_seals(struct file *f, int cmd, unsigned long arg)
{
	if (f->kind != FILE_TMPFS || f->inode->linked)
		return -EINVAL;
	if (cmd == F_GET_SEALS)
		return f->inode->seals;
	if (arg & ~(unsigned long)SEALS_KNOWN)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (f->inode->seals & TMPFS_SEAL_SEAL)
		return -EPERM;
	f->inode->seals |= (uint32_t)arg;
	return 0;
}
