/*
 * file.c: descriptor tables and the file system calls over the console,
 * initrd files and /proc (file.h). A task's table is changed only by the
 * task itself (or by fork before the child runs).
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

static struct file *file_new(enum file_kind kind, int flags)
{
	struct file *f = kzalloc(sizeof(*f), BUDDY_GFP_KERNEL);

	if (f) {
		f->kind = kind;
		f->refs = 1;
		f->flags = flags;
	}
	return f;
}

static void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->text)
		kfree(f->text);
	kfree(f);
}

/* The lowest free descriptor of current pointing at f, or -EMFILE. */
static int fd_install(struct task *t, struct file *f)
{
	for (int fd = 0; fd < TASK_NR_FILES; fd++) {
		if (!t->files[fd]) {
			t->files[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

int file_open_console(struct task *t)
{
	struct file *f = file_new(FILE_CONSOLE, O_RDWR);

	if (!f)
		return -ENOMEM;
	for (int fd = 0; fd < 3; fd++)
		t->files[fd] = f;
	f->refs = 3;
	return 0;
}

void file_dup_table(struct task *child, const struct task *t)
{
	for (int fd = 0; fd < TASK_NR_FILES; fd++) {
		child->files[fd] = t->files[fd];
		if (child->files[fd])
			child->files[fd]->refs++;
	}
}

void file_close_all(struct task *t)
{
	for (int fd = 0; fd < TASK_NR_FILES; fd++) {
		if (t->files[fd])
			file_put(t->files[fd]);
		t->files[fd] = NULL;
	}
}

struct file *file_get(unsigned int fd)
{
	return fd < TASK_NR_FILES ? current->files[fd] : NULL;
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

static long file_read(struct file *f, uint64_t ubuf, uint64_t n)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (!access_ok(ubuf, n))
		return -EFAULT;
	n = MM_MIN(n, (uint64_t)MAX_RW_COUNT);
	if (n && !uaccess_ok(ubuf, n, true))
		return -EFAULT;
	switch (f->kind) {
	case FILE_INITRD:
		return read_cached(f, ubuf, n);
	case FILE_PROC:
		return read_memory(f, f->text, f->len, ubuf, n);
	default:
		return 0;               /* no console input: end of file */
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

/*
 * A user path into a kmalloc'd PATH_MAX buffer, as Linux's getname: too
 * long is ENAMETOOLONG, empty ENOENT. A relative path is taken from the
 * root (every task's working directory). Returns the buffer or NULL, *err set.
 */
static char *getname(uint64_t upath, long *err)
{
	char *path = kmalloc(PATH_MAX + 1, BUDDY_GFP_KERNEL);

	*err = -ENOMEM;
	if (!path)
		return NULL;
	path[0] = '/';
	*err = strncpy_from_user(path + 1, upath, PATH_MAX);
	if (*err == 0)
		*err = -ENOENT;
	if (*err < 0) {
		kfree(path);
		return NULL;
	}
	*err = 0;
	while (path[1] == '/')
		memmove(path, path + 1, PATH_MAX);
	return path;
}

/* The file a path names, opened with flags but not installed. */
static long open_file(const char *path, int flags, struct file **out)
{
	struct file *f;

	if (!strncmp(path, "/proc/", 6)) {
		f = file_new(FILE_PROC, flags);
		if (!f)
			return -ENOMEM;
		int err = proc_open(f, path + 6, flags);
		if (err) {
			file_put(f);
			return err;
		}
	} else {
		struct inode *ino = initrd_lookup(path);
		if (!ino)
			return (flags & O_CREAT) ? -EROFS : -ENOENT;
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
			return -EROFS;
		if ((flags & O_DIRECTORY) && (ino->mode & S_IFMT) != S_IFDIR)
			return -ENOTDIR;
		f = file_new(FILE_INITRD, flags);
		if (!f)
			return -ENOMEM;
		f->inode = ino;
	}
	*out = f;
	return 0;
}

/* open(2) of upath: unknown flag bits are ignored, as Linux's open does. */
static long do_open(uint64_t upath, int flags)
{
	long err;
	char *path = getname(upath, &err);
	struct file *f = NULL;

	if (!path)
		return err;
	err = open_file(path, flags, &f);
	kfree(path);
	if (err)
		return err;
	int fd = fd_install(current, f);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYS_DECL(open)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_open(a0, (int)a1);
}

/* openat(int dfd, path, int flags, mode): an absolute path ignores dfd; a
 * relative one is resolved from AT_FDCWD (the root), and no descriptor
 * here is a directory. */
SYS_DECL(openat)
{
	int dfd = (int)a0;
	char first;

	(void)a3, (void)a4, (void)a5;
	if (dfd != AT_FDCWD && !copy_from_user(&first, a1, 1) && first && first != '/')
		return file_get((unsigned int)dfd) ? -ENOTDIR : -EBADF;
	return do_open(a1, (int)a2);
}

SYS_DECL(close)
{
	unsigned int fd = (unsigned int)a0;
	struct file *f = file_get(fd);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	current->files[fd] = NULL;
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
	if (f->kind == FILE_CONSOLE)
		return -ESPIPE;
	uint64_t size = f->kind == FILE_INITRD ? f->inode->size : f->len;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	default: base = (int64_t)size; break;
	}
	return seek_to(base, (int64_t)a1, &f->pos);
}

static void fill_stat(const struct file *f, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_nlink = 1;
	st->st_blksize = MM_PAGE_SIZE;
	if (f->kind == FILE_CONSOLE) {
		st->st_mode = S_IFCHR | 0620;
		st->st_rdev = (4 << 8) | 64;    /* ttyS0 */
		st->st_dev = 5;
	} else if (f->kind == FILE_INITRD) {
		st->st_mode = f->inode->mode;
		st->st_ino = f->inode->ino;
		st->st_size = (int64_t)f->inode->size;
		st->st_dev = 1;
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
	fill_stat(f, &st);
	return copy_to_user(a1, &st, sizeof(st));
}

/* stat(path, buf): the file is opened for its attributes, never installed. */
SYS_DECL(stat)
{
	struct linux_stat st;
	long err;
	char *path = getname(a0, &err);
	struct file *f = NULL;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!path)
		return err;
	err = open_file(path, O_RDONLY, &f);
	kfree(path);
	if (err)
		return err;
	fill_stat(f, &st);
	file_put(f);
	return copy_to_user(a1, &st, sizeof(st));
}

/* ioctl(unsigned int fd, unsigned int cmd, unsigned long arg) */
SYS_DECL(ioctl)
{
	struct file *f = file_get((unsigned int)a0);
	unsigned int cmd = (unsigned int)a1;
	struct linux_winsize ws = { 24, 80, 0, 0 };
	char termios[60] = { 0 };

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
