/*
 * file.c: descriptor tables and the file system calls over the console,
 * initrd files, /proc, /sys, directories and pipes (file.h). A task's table and
 * working directory are changed only by the task itself (or by fork
 * before the child runs).
 *
 * Arguments follow Linux's prototypes (syscall.c): a descriptor is an
 * unsigned int (the low 32 bits of the register) and only ever indexes
 * the table after file_get has bounded it; byte counts are size_t, checked
 * with access_ok's rule and clamped to MAX_RW_COUNT; an iovec array is
 * read and checked whole before any byte moves; a path is at most
 * PATH_MAX bytes with its NUL.
 */
#include <file.h>
#include <sched.h>
#include <initrd.h>
#include <tmpfs.h>
#include <sysfs.h>
#include <path.h>
#include <uaccess.h>
#include <syscall.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>
#include <page_alloc.h>
#include <reclaim.h>
#include <uart.h>
#include <asm/cpu.h>

#define IO_CHUNK 256
#define READ_CHUNK 512          /* bytes a page-cache read copies per step */

void console_write(const char *buf, size_t n)
{
	printk_raw(buf, n);
}

struct file *file_new(enum file_kind kind, int flags)
{
	struct file *f = kzalloc(sizeof(*f), BUDDY_GFP_KERNEL);

	if (f) {
		f->kind = kind;
		f->refs = 1;
		f->flags = flags;
	}
	return f;
}

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->kind == FILE_PIPE)
		pipe_release(f);
	if (f->kind == FILE_TMPFS)
		tmpfs_inode_put(f->inode);
	if (f->text)
		kfree(f->text);
	if (f->path)
		kfree(f->path);
	kfree(f);
}

void file_set_cloexec(struct task *t, unsigned int fd, bool on)
{
	struct fd_table *fdt = t->fdt;

	fdt->cloexec = on ? fdt->cloexec | (1u << fd) : fdt->cloexec & ~(1u << fd);
}

int file_fd_install(struct task *t, struct file *f, unsigned int min, bool cloexec)
{
	for (unsigned int fd = min; fd < TASK_NR_FILES; fd++) {
		if (!t->fdt->files[fd]) {
			t->fdt->files[fd] = f;
			file_set_cloexec(t, fd, cloexec);
			return (int)fd;
		}
	}
	return -EMFILE;
}

void file_close_on_exec(struct task *t)
{
	struct fd_table *fdt = t->fdt;

	for (unsigned int fd = 0; fd < TASK_NR_FILES; fd++) {
		if (fdt->files[fd] && (fdt->cloexec & (1u << fd))) {
			file_put(fdt->files[fd]);
			fdt->files[fd] = NULL;
		}
	}
	fdt->cloexec = 0;
}

const char *file_cwd(const struct task *t)
{
	return t->fs && t->fs->cwd[0] ? t->fs->cwd : "/";
}

int file_open_console(struct task *t)
{
	struct file *f;

	if (!t->fdt && file_table_clone(t, NULL, false, false))
		return -ENOMEM;
	f = file_new(FILE_CONSOLE, O_RDWR);
	if (!f)
		return -ENOMEM;
	for (int fd = 0; fd < 3; fd++)
		t->fdt->files[fd] = f;
	f->refs = 3;
	return 0;
}

/* A new table holding every file of @from (NULL: empty), or NULL. */
static struct fd_table *table_copy(const struct fd_table *from)
{
	struct fd_table *fdt = kzalloc(sizeof(*fdt), BUDDY_GFP_KERNEL);

	if (!fdt)
		return NULL;
	fdt->refs = 1;
	if (!from)
		return fdt;
	fdt->cloexec = from->cloexec;
	for (int fd = 0; fd < TASK_NR_FILES; fd++) {
		fdt->files[fd] = from->files[fd];
		if (fdt->files[fd])
			fdt->files[fd]->refs++;
	}
	return fdt;
}

/* child's working directory: t's shared (@share) or a copy ("/" without t). */
static int fs_clone(struct task *child, const struct task *t, bool share)
{
	if (t && share) {
		child->fs = t->fs;
		child->fs->refs++;
		return 0;
	}
	child->fs = kzalloc(sizeof(*child->fs), BUDDY_GFP_KERNEL);
	if (!child->fs)
		return -ENOMEM;
	child->fs->refs = 1;
	child->fs->umask = t ? t->fs->umask : 0022;
	if (t)
		memcpy(child->fs->cwd, t->fs->cwd, sizeof(child->fs->cwd));
	return 0;
}

/* umask(mode_t mask): the new mask is mask & 0777; returns the old one.
 * (Nothing here creates files yet: the mask is kept for the programs
 * that read it back.) */
SYS_DECL(umask)
{
	uint32_t old = current->fs->umask;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	current->fs->umask = (uint32_t)a0 & 0777;
	return old;
}

int file_table_clone(struct task *child, const struct task *t, bool share_files, bool share_fs)
{
	if (fs_clone(child, t, share_fs))
		return -ENOMEM;
	if (t && share_files) {
		child->fdt = t->fdt;
		child->fdt->refs++;
		return 0;
	}
	child->fdt = table_copy(t ? t->fdt : NULL);
	return child->fdt ? 0 : -ENOMEM;
}

int file_table_unshare(struct task *t)
{
	struct fd_table *copy;

	if (t->fdt->refs == 1)
		return 0;
	copy = table_copy(t->fdt);
	if (!copy)
		return -ENOMEM;
	t->fdt->refs--;
	t->fdt = copy;
	return 0;
}

void file_close_all(struct task *t)
{
	struct fd_table *fdt = t->fdt;

	if (t->fs && --t->fs->refs == 0)
		kfree(t->fs);
	t->fs = NULL;
	t->fdt = NULL;
	if (!fdt || --fdt->refs > 0)
		return;
	for (int fd = 0; fd < TASK_NR_FILES; fd++)
		if (fdt->files[fd])
			file_put(fdt->files[fd]);
	kfree(fdt);
}

struct file *file_get(unsigned int fd)
{
	return fd < TASK_NR_FILES && current->fdt ? current->fdt->files[fd] : NULL;
}


/*
 * Bytes of an initrd file at f->pos, through its page cache (as Linux's
 * read: the pages stay cached, and each read is an access reclaim sees).
 * Each chunk is copied out of the cache before copy_to_user, whose fault
 * may reclaim the page it came from.
 */
static long read_cached(struct file *f, uint64_t ubuf, uint64_t n)
{
	struct inode *ino = f->inode;
	char buf[READ_CHUNK];
	uint64_t done = 0;

	if (f->pos >= ino->size)
		return 0;
	n = MM_MIN(n, ino->size - f->pos);
	while (done < n) {
		uint64_t off = f->pos & (MM_PAGE_SIZE - 1);
		uint64_t c = MM_MIN(MM_MIN(n - done, (uint64_t)READ_CHUNK), MM_PAGE_SIZE - off);
		bool major;
		phys_addr_t pa = initrd_cache_page(ino, f->pos >> MM_PAGE_SHIFT, &major);

		if (!pa)
			return done ? (long)done : -ENOMEM;
		if (!done || !off)
			reclaim_page_accessed(buddy_pfn_to_page(page_alloc_buddy(),
								pa >> MM_PAGE_SHIFT));
		memcpy(buf, (const char *)mm_phys_to_virt(pa) + off, c);
		if (copy_to_user(ubuf + done, buf, c))
			return done ? (long)done : -EFAULT;
		done += c;
		f->pos += c;
	}
	return (long)done;
}

/* Bytes of an in-memory file (/proc) at f->pos. */
static long read_memory(struct file *f, const void *data, uint64_t size, uint64_t ubuf,
			uint64_t n)
{
	if (f->pos >= size)
		return 0;
	if (n > size - f->pos)
		n = size - f->pos;
	if (copy_to_user(ubuf, (const char *)data + f->pos, n))
		return -EFAULT;
	f->pos += n;
	return (long)n;
}

/* A read or write of r bytes at f->pos moves it on; returns r. */
static long advance(struct file *f, long r)
{
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

/* A write to a tmpfs file: at its end with O_APPEND. */
static long write_tmpfs(struct file *f, uint64_t ubuf, uint64_t n)
{
	if (f->flags & O_APPEND)
		f->pos = f->inode->size;
	return advance(f, tmpfs_write(f->inode, f->pos, ubuf, n));
}

static long file_read(struct file *f, uint64_t ubuf, uint64_t n)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (f->kind == FILE_DIR)
		return -EISDIR;
	if (!access_ok(ubuf, n))
		return -EFAULT;
	n = MM_MIN(n, (uint64_t)MAX_RW_COUNT);
	if (n && !uaccess_ok(ubuf, n, true))
		return -EFAULT;
	switch (f->kind) {
	case FILE_INITRD:
		return read_cached(f, ubuf, n);
	case FILE_TMPFS:
		return advance(f, tmpfs_read(f->inode, f->pos, ubuf, n));
	case FILE_PROC:
		return read_memory(f, f->text, f->len, ubuf, n);
	case FILE_PIPE:
		return pipe_read(f, ubuf, n);
	default:
		return 0;               /* no console input, /dev/null: end of file */
	}
}

static long file_write(struct file *f, uint64_t ubuf, uint64_t n)
{
	char buf[IO_CHUNK];
	uint64_t done = 0;

	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (!access_ok(ubuf, n))
		return -EFAULT;
	n = MM_MIN(n, (uint64_t)MAX_RW_COUNT);
	if (n && !uaccess_ok(ubuf, n, false))
		return -EFAULT;
	if (f->kind == FILE_PROC) {
		if (!f->write || n >= IO_CHUNK)
			return -EINVAL;
		if (copy_from_user(buf, ubuf, n))
			return -EFAULT;
		buf[n] = 0;
		int err = f->write(f, buf, n);
		return err ? err : (long)n;
	}
	if (f->kind == FILE_PIPE)
		return pipe_write(f, ubuf, n);
	if (f->kind == FILE_TMPFS)
		return write_tmpfs(f, ubuf, n);
	if (f->kind == FILE_NULL)
		return (long)n;
	while (done < n) {
		uint64_t c = n - done < IO_CHUNK ? n - done : IO_CHUNK;
		if (copy_from_user(buf, ubuf + done, c))
			return done ? (long)done : -EFAULT;
		console_write(buf, c);
		done += c;
	}
	return (long)done;
}

SYS_DECL(read)
{
	struct file *f = file_get((unsigned int)a0);

	(void)a3, (void)a4, (void)a5;
	return f ? file_read(f, a1, a2) : -EBADF;
}

SYS_DECL(write)
{
	struct file *f = file_get((unsigned int)a0);

	(void)a3, (void)a4, (void)a5;
	return f ? file_write(f, a1, a2) : -EBADF;
}

/*
 * The iovec array of readv/writev, read and checked whole as Linux's
 * import_iovec does: a negative length is EINVAL, a base/length outside
 * user space EFAULT, and the lengths are clamped so they total at most
 * MAX_RW_COUNT. Returns the kmalloc'd array or NULL with *err set.
 */
static struct linux_iovec *import_iovec(uint64_t uiov, unsigned long cnt, long *err)
{
	struct linux_iovec *v = kmalloc(cnt * sizeof(*v), BUDDY_GFP_KERNEL);
	uint64_t total = 0;

	*err = -ENOMEM;
	if (!v)
		return NULL;
	*err = copy_from_user(v, uiov, cnt * sizeof(*v)) ? -EFAULT : 0;
	for (unsigned long i = 0; !*err && i < cnt; i++)
		if ((int64_t)v[i].len < 0)
			*err = -EINVAL;
	for (unsigned long i = 0; !*err && i < cnt; i++) {
		if (!access_ok(v[i].base, v[i].len))
			*err = -EFAULT;
		v[i].len = MM_MIN(v[i].len, MAX_RW_COUNT - total);
		total += v[i].len;
	}
	if (*err) {
		kfree(v);
		return NULL;
	}
	return v;
}

/* readv/writev: one call per vector, stopping at the first short one. */
static long vector_io(unsigned int fd, uint64_t uiov, unsigned long cnt, bool write)
{
	struct file *f = file_get(fd);
	struct linux_iovec *v;
	long total = 0, err;

	if (!f)
		return -EBADF;
	if ((f->flags & O_ACCMODE) == (write ? O_RDONLY : O_WRONLY))
		return -EBADF;
	if (cnt > UIO_MAXIOV)
		return -EINVAL;
	if (!cnt)
		return 0;
	v = import_iovec(uiov, cnt, &err);
	if (!v)
		return err;
	for (unsigned long i = 0; i < cnt; i++) {
		long r = write ? file_write(f, v[i].base, v[i].len)
			       : file_read(f, v[i].base, v[i].len);
		if (r < 0) {
			total = total ? total : r;
			break;
		}
		total += r;
		if ((uint64_t)r < v[i].len)
			break;
	}
	kfree(v);
	return total;
}

SYS_DECL(writev)
{
	(void)a3, (void)a4, (void)a5;
	return vector_io((unsigned int)a0, a1, a2, true);
}

SYS_DECL(readv)
{
	(void)a3, (void)a4, (void)a5;
	return vector_io((unsigned int)a0, a1, a2, false);
}

/* Kinds of file with a position pread can set (Linux's FMODE_PREAD). */
static bool file_preadable(const struct file *f)
{
	return f->kind == FILE_INITRD || f->kind == FILE_PROC || f->kind == FILE_NULL ||
	       f->kind == FILE_DIR || f->kind == FILE_TMPFS;
}

/* pread64/pwrite64: the I/O at pos, the file position left alone. A
 * negative pos is EINVAL (checked first, as ksys_pread64), a pipe or the
 * console ESPIPE. */
static long positioned_io(unsigned int fd, uint64_t ubuf, uint64_t n, int64_t pos, bool write)
{
	struct file *f = file_get(fd);

	if (pos < 0)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (!file_preadable(f))
		return -ESPIPE;
	uint64_t saved = f->pos;
	f->pos = (uint64_t)pos;
	long r = write ? file_write(f, ubuf, n) : file_read(f, ubuf, n);
	f->pos = saved;
	return r;
}

/* pread64(unsigned int fd, buf, size_t count, loff_t pos) */
SYS_DECL(pread64)
{
	(void)a4, (void)a5;
	return positioned_io((unsigned int)a0, a1, a2, (int64_t)a3, false);
}

/* pwrite64(unsigned int fd, buf, size_t count, loff_t pos): a write at pos
 * that leaves the file position alone (with O_APPEND, at the end: Linux's
 * documented bug kept). */
SYS_DECL(pwrite64)
{
	(void)a4, (void)a5;
	return positioned_io((unsigned int)a0, a1, a2, (int64_t)a3, true);
}

/*
 * A user path into a kmalloc'd PATH_MAX buffer, as Linux's getname: too
 * long is ENAMETOOLONG, empty ENOENT. Returns the buffer or NULL, *err set.
 */
static char *getname(uint64_t upath, long *err)
{
	char *path = kmalloc(PATH_MAX, BUDDY_GFP_KERNEL);

	*err = -ENOMEM;
	if (!path)
		return NULL;
	*err = strncpy_from_user(path, upath, PATH_MAX);
	if (*err == 0)
		*err = -ENOENT;
	if (*err < 0) {
		kfree(path);
		return NULL;
	}
	*err = 0;
	return path;
}

/* The directory a relative path starts from: the working directory for
 * AT_FDCWD, else dfd's (EBADF when closed, ENOTDIR when not a directory). */
static const char *start_dir(int dfd, long *err)
{
	struct file *f;

	*err = 0;
	if (dfd == AT_FDCWD)
		return file_cwd(current);
	f = file_get((unsigned int)dfd);
	*err = !f ? -EBADF : f->kind != FILE_DIR ? -ENOTDIR : 0;
	return *err ? NULL : f->path;
}

long file_resolve(const char *base, char *path)
{
	char *out = kmalloc(PATH_MAX, BUDDY_GFP_KERNEL);
	long n = out ? path_resolve(base, path, out, PATH_MAX) : -ENOMEM;

	if (n >= 0)
		memcpy(path, out, (size_t)n + 1);
	kfree(out);
	return n < 0 ? n : 0;
}

/*
 * The user path upath, relative to dfd (an absolute path ignores it),
 * resolved into an absolute normalised kmalloc'd path. Returns it or
 * NULL with *err set.
 */
char *file_getname_at(int dfd, uint64_t upath, long *err)
{
	char *path = getname(upath, err);
	const char *base = path && path[0] != '/' ? start_dir(dfd, err) : "/";

	if (path && base)
		*err = file_resolve(base, path);
	if (!path || !base || *err) {
		kfree(path);
		return NULL;
	}
	return path;
}

/* An initrd file, read-only: EROFS for writing or creating, ENOTDIR with
 * O_DIRECTORY (checked first, as Linux's lookup does). */
static long open_initrd(const char *path, int flags, struct file **out)
{
	struct inode *ino = initrd_lookup(path);

	if (!ino)
		return (flags & O_CREAT) ? -EROFS : -ENOENT;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EROFS;
	*out = file_new(FILE_INITRD, flags);
	if (!*out)
		return -ENOMEM;
	(*out)->inode = ino;
	return 0;
}

/* A /proc or /sys file (text generated now by open, proc_open or
 * sysfs_open, given the path below the mount point); ENOTDIR with
 * O_DIRECTORY. */
static long open_generated(const char *path, int flags,
			   int (*open)(struct file *f, const char *path, int flags),
			   struct file **out)
{
	struct file *f = file_new(FILE_PROC, flags);
	int err = f ? open(f, path, flags) : -ENOMEM;

	if (!err && (flags & O_DIRECTORY))
		err = -ENOTDIR;
	if (err) {
		if (f)
			file_put(f);
		return err;
	}
	*out = f;
	return 0;
}

/* A tmpfs file (tmpfs_open), created with mode less the umask. */
static long open_tmpfs(const char *path, int flags, uint32_t mode, struct file **out)
{
	struct inode *ino;
	int err = tmpfs_open(tmpfs_get(), path, flags, mode & ~current->fs->umask, &ino);

	if (err)
		return err;
	if (flags & O_DIRECTORY) {
		tmpfs_inode_put(ino);
		return -ENOTDIR;
	}
	*out = file_new(FILE_TMPFS, flags);
	if (!*out) {
		tmpfs_inode_put(ino);
		return -ENOMEM;
	}
	(*out)->inode = ino;
	return 0;
}

/* The file an absolute normalised path names, opened with flags (mode for
 * O_CREAT) but not installed. */
static long open_path(const char *path, int flags, uint32_t mode, struct file **out)
{
	if (dir_exists(path)) {
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT))
			return -EISDIR;
		return dir_open(path, flags, out);
	}
	if (!strcmp(path, "/dev/null")) {
		if (flags & O_DIRECTORY)
			return -ENOTDIR;
		*out = file_new(FILE_NULL, flags);
		return *out ? 0 : -ENOMEM;
	}
	if (!strncmp(path, "/proc/", 6))
		return open_generated(path + 6, flags, proc_open, out);
	if (!strncmp(path, "/sys/", 5))
		return open_generated(path + 5, flags, sysfs_open, out);
	if (tmpfs_owns(path))
		return open_tmpfs(path, flags, mode, out);
	return open_initrd(path, flags, out);
}

long file_open_at_mode(int dfd, uint64_t upath, int flags, uint32_t mode, struct file **out)
{
	long err;
	char *path = file_getname_at(dfd, upath, &err);

	if (!path)
		return err;
	err = open_path(path, flags, mode, out);
	kfree(path);
	return err;
}

long file_open_at(int dfd, uint64_t upath, int flags, struct file **out)
{
	return file_open_at_mode(dfd, upath, flags, 0, out);
}

/* openat(2) of upath: unknown flag bits are ignored, as Linux's open does. */
static long do_open(int dfd, uint64_t upath, int flags, uint32_t mode)
{
	struct file *f = NULL;
	long err = file_open_at_mode(dfd, upath, flags, mode, &f);

	if (err)
		return err;
	int fd = file_fd_install(current, f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYS_DECL(open)
{
	(void)a3, (void)a4, (void)a5;
	return do_open(AT_FDCWD, a0, (int)a1, (uint32_t)a2);
}

/* creat(path, mode): open with O_CREAT|O_WRONLY|O_TRUNC. */
SYS_DECL(creat)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a1);
}

/* openat(int dfd, path, int flags, mode): an absolute path ignores dfd; a
 * relative one starts at dfd's directory (AT_FDCWD: the working one). */
SYS_DECL(openat)
{
	(void)a4, (void)a5;
	return do_open((int)a0, a1, (int)a2, (uint32_t)a3);
}

SYS_DECL(close)
{
	unsigned int fd = (unsigned int)a0;
	struct file *f = file_get(fd);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	current->fdt->files[fd] = NULL;
	file_set_cloexec(current, fd, false);
	file_put(f);
	return 0;
}

/* The new position of an lseek, or -EINVAL (negative or wrapped). */
static long seek_to(int64_t base, int64_t off, uint64_t *pos)
{
	int64_t at;

	if (__builtin_add_overflow(base, off, &at) || at < 0)
		return -EINVAL;
	*pos = (uint64_t)at;
	return at;
}

/* lseek(unsigned int fd, off_t offset, unsigned int whence) */
SYS_DECL(lseek)
{
	struct file *f = file_get((unsigned int)a0);
	unsigned int whence = (unsigned int)a2;
	int64_t base;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (whence > SEEK_END)
		return -EINVAL;
	if (f->kind == FILE_CONSOLE || f->kind == FILE_PIPE)
		return -ESPIPE;
	if (f->kind == FILE_NULL)
		return 0;
	if (f->kind == FILE_DIR)     /* rewinddir: a listing restarts at 0 */
		return (whence == SEEK_SET && a1 == 0) ? (long)(f->pos = 0) : -EINVAL;
	uint64_t size = f->kind == FILE_INITRD || f->kind == FILE_TMPFS ? f->inode->size : f->len;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	default: base = (int64_t)size; break;
	}
	return seek_to(base, (int64_t)a1, &f->pos);
}

void file_fill_stat(const struct file *f, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	st->st_blksize = MM_PAGE_SIZE;
	if (f->kind == FILE_CONSOLE) {
		st->st_mode = S_IFCHR | 0620;
		st->st_rdev = (4 << 8) | 64;    /* ttyS0 */
		st->st_dev = 5;
	} else if (f->kind == FILE_NULL) {
		st->st_mode = S_IFCHR | 0666;
		st->st_rdev = (1 << 8) | 3;     /* mem 1:3 */
		st->st_dev = 5;
	} else if (f->kind == FILE_DIR && tmpfs_owns(f->path)) {
		st->st_mode = S_IFDIR | 01777;    /* /tmp's and /dev/shm's mode, every directory's here */
		st->st_nlink = 2;
		st->st_dev = TMPFS_DEV;
	} else if (f->kind == FILE_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		st->st_dev = strncmp(f->path, "/proc", 5) ? 1 : 3;
	} else if (f->kind == FILE_PIPE) {
		st->st_mode = S_IFIFO | 0600;
		st->st_dev = 4;
	} else if (f->kind == FILE_INITRD || f->kind == FILE_TMPFS) {
		st->st_mode = f->inode->mode;
		st->st_ino = f->inode->ino;
		st->st_size = (int64_t)f->inode->size;
		st->st_dev = f->kind == FILE_TMPFS ? TMPFS_DEV : 1;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_dev = 3;
	}
	st->st_blocks = (st->st_size + 511) / 512;
}

SYS_DECL(fstat)
{
	struct file *f = file_get((unsigned int)a0);
	struct linux_stat st;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	file_fill_stat(f, &st);
	return copy_to_user(a1, &st, sizeof(st));
}

/* The file an empty path names with AT_EMPTY_PATH: dfd's, or the working
 * directory for AT_FDCWD. Returns 0 or a negative errno; *out is a new
 * reference. */
static long open_empty(int dfd, struct file **out)
{
	if (dfd == AT_FDCWD)
		return dir_open(file_cwd(current), O_RDONLY, out);
	*out = file_get((unsigned int)dfd);
	if (!*out)
		return -EBADF;
	(*out)->refs++;
	return 0;
}

long file_open_at_flags(int dfd, uint64_t upath, int at_flags, struct file **out)
{
	char first;

	if ((at_flags & AT_EMPTY_PATH) && !copy_from_user(&first, upath, 1) && !first)
		return open_empty(dfd, out);
	return file_open_at(dfd, upath, O_RDONLY, out);
}

/* The attributes of the file at dfd/upath (AT_EMPTY_PATH in at_flags: an
 * empty path is dfd's file) into ubuf: the file is opened for them, never
 * installed. Returns 0 or a negative errno. */
static long stat_at(int dfd, uint64_t upath, int at_flags, uint64_t ubuf)
{
	struct file *f = NULL;
	struct linux_stat st;
	long err = file_open_at_flags(dfd, upath, at_flags, &f);

	if (err)
		return err;
	file_fill_stat(f, &st);
	file_put(f);
	return copy_to_user(ubuf, &st, sizeof(st));
}

/*
 * readlinkat(dfd, path, buf, int bufsiz): the target of a /proc link
 * (proc_link), truncated to bufsiz and not NUL-terminated; a path that is
 * no link is EINVAL, a missing one ENOENT.
 */
static long do_readlink(int dfd, uint64_t upath, uint64_t ubuf, int bufsiz)
{
	char target[TASK_EXE_MAX];
	struct file *f = NULL;
	long err;

	if (bufsiz <= 0)
		return -EINVAL;
	char *path = file_getname_at(dfd, upath, &err);
	if (!path)
		return err;
	const char *to = strncmp(path, "/proc/", 6) ? NULL : proc_link(path + 6, target, sizeof(target));
	err = to ? 0 : open_path(path, O_RDONLY, 0, &f);
	kfree(path);
	if (!to) {
		if (!err)
			file_put(f);
		return err ? err : -EINVAL;
	}
	size_t n = MM_MIN(strlen(to), (size_t)bufsiz);
	return copy_to_user(ubuf, to, n) ?: (long)n;
}

SYS_DECL(readlink)
{
	(void)a3, (void)a4, (void)a5;
	return do_readlink(AT_FDCWD, a0, a1, (int)a2);
}

SYS_DECL(readlinkat)
{
	(void)a4, (void)a5;
	return do_readlink((int)a0, a1, a2, (int)a3);
}

/* stat(path, buf), and lstat: no symbolic links here, so the table
 * (syscall.c) sends lstat here too. */
SYS_DECL(stat)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return stat_at(AT_FDCWD, a0, 0, a1);
}

/* newfstatat(int dfd, path, buf, int flags): unknown flags are EINVAL;
 * AT_EMPTY_PATH with "" is fstat of dfd. */
SYS_DECL(newfstatat)
{
	int flags = (int)a3;

	(void)a4, (void)a5;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	return stat_at((int)a0, a1, flags, a2);
}

/* ioctl(unsigned int fd, unsigned int cmd, unsigned long arg) */
SYS_DECL(ioctl)
{
	struct file *f = file_get((unsigned int)a0);
	unsigned int cmd = (unsigned int)a1;
	struct linux_winsize ws = { 24, 80, 0, 0 };
	char termios[LINUX_TERMIOS_SIZE] = { 0 };   /* raw, every flag clear */

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (f->kind != FILE_CONSOLE)
		return -ENOTTY;
	if (cmd == TIOCGWINSZ)
		return copy_to_user(a2, &ws, sizeof(ws));
	if (cmd == TCGETS)
		return copy_to_user(a2, termios, sizeof(termios));
	return -ENOTTY;
}
