/*
 * shmem.c: the system calls that change the file tree or a file's size,
 * and memfd_create: mkdir, rmdir, unlink, rename, truncate, ftruncate,
 * fsync, over tmpfs (tmpfs.h). Elsewhere the tree is read-only: a name
 * that exists outside tmpfs is EROFS to change, as Linux's read-only
 * mounts say; one that does not is ENOENT (its parent does not exist on
 * tmpfs either).
 *
 * System V shared memory (shmget, shmat, shmdt, shmctl IPC_STAT/IPC_RMID)
 * on the same tmpfs files, unnamed ("SYSV" and the key in hex), in the
 * table of struct tmpfs: a segment lives while its id does or an area
 * maps it (IPC_RMID frees the id at once; the file goes with its last
 * mapping, tmpfs's orphans); shm_nattch counts the areas mapping it; the
 * times are not kept (0). Other shmctl commands are EINVAL.
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
#include <uvm.h>
#include <thread.h>
#include <printk.h>

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

/* ---- System V shared memory ------------------------------------------------ */

#define IPC_CREAT  01000
#define IPC_EXCL   02000
#define IPC_RMID   0
#define IPC_STAT   2
#define IPC_64     0x100
#define SHM_RDONLY 010000
#define SHM_RND    020000
#define SHM_REMAP  040000
#define SHM_EXEC   0100000
#define SHMALL_BYTES (1ull << 40)    /* larger segments: EINVAL */

/* x86-64's struct shmid64_ds (with its struct ipc64_perm). */
struct linux_shmid_ds {
	int32_t key;
	uint32_t uid, gid, cuid, cgid, mode;
	uint16_t seq, pad2;
	uint32_t pad3;
	uint64_t unused1, unused2;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch, unused4, unused5;
};
_Static_assert(sizeof(struct linux_shmid_ds) == 112, "struct shmid64_ds is 112 bytes");

/* The segment with id, or NULL (EINVAL). */
static struct tmpfs_sysv *sysv_by_id(struct tmpfs *fs, int id)
{
	unsigned slot = (unsigned)id % TMPFS_SYSV_IDS;
	struct tmpfs_sysv *s = slot < TMPFS_SYSV_MAX ? &fs->sysv[slot] : NULL;

	return id >= 0 && s && s->ino && s->seq == (unsigned)id / TMPFS_SYSV_IDS ? s : NULL;
}

static int sysv_id(const struct tmpfs *fs, const struct tmpfs_sysv *s)
{
	return (int)(s->seq * TMPFS_SYSV_IDS + (unsigned)(s - fs->sysv));
}

/* A new segment of size for key. Returns its id, or -ENOSPC / -ENOMEM. */
static long sysv_create(struct tmpfs *fs, int32_t key, uint64_t size, int flags)
{
	struct tmpfs_sysv *s = NULL;
	char name[16];

	for (unsigned i = 0; !s && i < TMPFS_SYSV_MAX; i++)
		s = fs->sysv[i].ino ? NULL : &fs->sysv[i];
	if (!s)
		return -ENOSPC;
	if (tmpfs_memfd(fs, "", &s->ino))
		return -ENOMEM;
	snprintf(name, sizeof(name), "SYSV%08x", (unsigned)key);
	strlcpy(s->ino->name, name, sizeof(s->ino->name));
	tmpfs_truncate(s->ino, size);
	s->key = key;
	s->seq = (uint16_t)((s->seq + 1) % (0x7fffffffu / TMPFS_SYSV_IDS));
	s->mode = (uint32_t)flags & 0777;
	s->cpid = task_tgid(current);
	s->lpid = 0;
	return sysv_id(fs, s);
}

/* shmget(key_t key, size_t size, int shmflg): Linux's order: an existing
 * key with IPC_CREAT|IPC_EXCL EEXIST, a size above it EINVAL; a missing
 * one without IPC_CREAT ENOENT; a size of 0 or too large EINVAL. */
SYS_DECL(shmget)
{
	struct tmpfs *fs = tmpfs_get();
	int32_t key = (int32_t)a0;
	int flags = (int)a2;
	uint64_t size = a1;

	(void)a3, (void)a4, (void)a5;
	for (unsigned i = 0; key && i < TMPFS_SYSV_MAX; i++) {
		struct tmpfs_sysv *s = &fs->sysv[i];
		if (!s->ino || s->key != key)
			continue;
		if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
			return -EEXIST;
		return size > s->ino->size ? -EINVAL : sysv_id(fs, s);
	}
	if (key && !(flags & IPC_CREAT))
		return -ENOENT;
	if (!size || size > SHMALL_BYTES)
		return -EINVAL;
	return sysv_create(fs, key, size, flags);
}

/* shmat(int shmid, const void *addr, int shmflg): an unaligned addr EINVAL
 * unless SHM_RND rounds it; a fixed range over a mapping EINVAL unless
 * SHM_REMAP. Returns the address or an errno. */
SYS_DECL(shmat)
{
	struct tmpfs_sysv *s = sysv_by_id(tmpfs_get(), (int)a0);
	int flags = (int)a2;
	uint64_t addr = a1, len;
	unsigned long prot = PROT_READ | ((flags & SHM_RDONLY) ? 0 : PROT_WRITE) |
			     ((flags & SHM_EXEC) ? PROT_EXEC : 0);
	long r;

	(void)a3, (void)a4, (void)a5;
	if (!s)
		return -EINVAL;
	if (addr & (MM_PAGE_SIZE - 1)) {
		if (!(flags & SHM_RND) || !(addr &= ~(MM_PAGE_SIZE - 1)))
			return -EINVAL;
	}
	len = (s->ino->size + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
	if (addr && !(flags & SHM_REMAP) && (addr + len < addr ||
					     !vma_range_free(&current->mm->vmas, addr, addr + len)))
		return -EINVAL;
	r = uvm_mmap(current->mm, addr, len, prot, MAP_SHARED | (addr ? MAP_FIXED : 0), s->ino, 0);
	if (r >= 0)
		s->lpid = task_tgid(current);
	return r;
}

/* shmdt(const void *addr): the segment attached at addr unmapped (all of
 * it); EINVAL when no segment is attached there. */
SYS_DECL(shmdt)
{
	const struct vma *v = (a0 & (MM_PAGE_SIZE - 1)) ? NULL : vma_lookup(&current->mm->vmas, a0);
	const struct inode *ino = v ? v->file : NULL;
	struct tmpfs *fs = tmpfs_get();

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!v || v->start != a0 || v->pgoff || !ino || !ino->fs || strncmp(ino->name, "SYSV", 4))
		return -EINVAL;
	for (unsigned i = 0; i < TMPFS_SYSV_MAX; i++)
		if (fs->sysv[i].ino == ino)
			fs->sysv[i].lpid = task_tgid(current);
	return uvm_munmap(current->mm, a0, (ino->size + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1));
}

/* IPC_STAT of s into user ubuf. */
static long sysv_stat(struct tmpfs *fs, const struct tmpfs_sysv *s, uint64_t ubuf)
{
	struct linux_shmid_ds ds;

	memset(&ds, 0, sizeof(ds));
	ds.key = s->key;
	ds.mode = s->mode;
	ds.seq = s->seq;
	ds.segsz = s->ino->size;
	ds.cpid = s->cpid;
	ds.lpid = s->lpid;
	ds.nattch = tmpfs_map_count(s->ino);
	(void)fs;
	return copy_to_user(ubuf, &ds, sizeof(ds));
}

/* shmctl(int shmid, int cmd, struct shmid_ds *buf): IPC_STAT, IPC_RMID;
 * an unknown id or command EINVAL. */
SYS_DECL(shmctl)
{
	struct tmpfs *fs = tmpfs_get();
	struct tmpfs_sysv *s = sysv_by_id(fs, (int)a0);
	int cmd = (int)a1 & ~IPC_64;
	struct inode *ino;

	(void)a3, (void)a4, (void)a5;
	if (!s || (cmd != IPC_STAT && cmd != IPC_RMID))
		return -EINVAL;
	if (cmd == IPC_STAT)
		return sysv_stat(fs, s, a2);
	ino = s->ino;
	s->ino = NULL;                  /* the id goes now; the file with its last mapping */
	tmpfs_inode_put(ino);
	return 0;
}
