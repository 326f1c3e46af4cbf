/*
 * file.c: descriptor tables and the file system calls over the console,
 * initrd files and /proc (file.h). A task's table is changed only by the
 * task itself (or by fork before the child runs).
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

#define PATH_MAX_LEN 256
#define IO_CHUNK 256
#define READ_CHUNK 512          /* bytes a page-cache read copies per step */
#define IOV_MAX 1024

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

struct file *file_get(int fd)
{
	return fd >= 0 && fd < TASK_NR_FILES ? current->files[fd] : NULL;
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
	struct file *f = file_get((int)a0);

	(void)a3, (void)a4, (void)a5;
	return f ? file_read(f, a1, a2) : -EBADF;
}

SYS_DECL(write)
{
	struct file *f = file_get((int)a0);

	(void)a3, (void)a4, (void)a5;
	return f ? file_write(f, a1, a2) : -EBADF;
}

/* readv/writev: one call per vector, stopping at the first short one. */
static long vector_io(int fd, uint64_t uiov, uint64_t cnt, bool write)
{
	struct file *f = file_get(fd);
	long total = 0;

	if (!f)
		return -EBADF;
	if (cnt > IOV_MAX)
		return -EINVAL;
	for (uint64_t i = 0; i < cnt; i++) {
		struct linux_iovec v;
		if (copy_from_user(&v, uiov + i * sizeof(v), sizeof(v)))
			return -EFAULT;
		long r = write ? file_write(f, v.base, v.len) : file_read(f, v.base, v.len);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((uint64_t)r < v.len)
			break;
	}
	return total;
}

SYS_DECL(writev)
{
	(void)a3, (void)a4, (void)a5;
	return vector_io((int)a0, a1, a2, true);
}

SYS_DECL(readv)
{
	(void)a3, (void)a4, (void)a5;
	return vector_io((int)a0, a1, a2, false);
}

static long do_open(uint64_t upath, int flags)
{
	char path[PATH_MAX_LEN];
	long len = strncpy_from_user(path, upath, sizeof(path));
	struct file *f;

	if (len < 0)
		return len;
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
		f = file_new(FILE_INITRD, flags);
		if (!f)
			return -ENOMEM;
		f->inode = ino;
	}
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

SYS_DECL(openat)
{
	(void)a3, (void)a4, (void)a5;
	if ((int)a0 != AT_FDCWD)
		return -EBADF;   /* no directory descriptors: paths are absolute */
	return do_open(a1, (int)a2);
}

SYS_DECL(close)
{
	struct file *f = file_get((int)a0);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	current->files[a0] = NULL;
	file_put(f);
	return 0;
}

SYS_DECL(lseek)
{
	struct file *f = file_get((int)a0);
	int64_t off = (int64_t)a1, base;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (f->kind == FILE_CONSOLE)
		return -ESPIPE;
	uint64_t size = f->kind == FILE_INITRD ? f->inode->size : f->len;
	switch (a2) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = (int64_t)size; break;
	default: return -EINVAL;
	}
	if (base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (long)f->pos;
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
	struct file *f = file_get((int)a0);
	struct linux_stat st;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	fill_stat(f, &st);
	return copy_to_user(a1, &st, sizeof(st));
}

SYS_DECL(stat)
{
	struct linux_stat st;
	long fd = do_open(a0, O_RDONLY);

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (fd < 0)
		return fd;
	fill_stat(current->files[fd], &st);
	sys_close((unsigned long)fd, 0, 0, 0, 0, 0);
	return copy_to_user(a1, &st, sizeof(st));
}

SYS_DECL(ioctl)
{
	struct file *f = file_get((int)a0);
	struct linux_winsize ws = { 24, 80, 0, 0 };
	char termios[60] = { 0 };

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (f->kind != FILE_CONSOLE)
		return -ENOTTY;
	if (a1 == TIOCGWINSZ)
		return copy_to_user(a2, &ws, sizeof(ws));
	if (a1 == TCGETS)
		return copy_to_user(a2, termios, sizeof(termios));
	return -ENOTTY;
}
