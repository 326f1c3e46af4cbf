/*
 * dir.c: directories of the file tree and the calls on them: getdents64,
 * chdir, fchdir, getcwd (file.h). The tree has no directory inodes: the
 * initrd's directories are the prefixes of its file names ("bin" of
 * "bin/init") and of the kernel's own names after them ("proc/",
 * "dev/null", file.c's null device, and tmpfs's mount points), then of
 * tmpfs's names (tmpfs_name); /proc's come from proc.c
 * (proc_tree_name) and /sys's from sysfs.c (sysfs_tree_name). A directory file's position is the index of
 * the next name to look at: 0 and 1 are "." and "..", then name i of the
 * source is position i + 2, so a listing resumes where it stopped.
 * A task's working directory is changed only by the task itself.
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
#include <string.h>
#include <kmalloc.h>

#define DT_DIR 4
#define DT_REG 8
#define DIRENT_HDR 19                   /* d_ino, d_off, d_reclen, d_type */
#define DIRENT_MAX (DIRENT_HDR + INITRD_NAME_MAX + 1 + 7)
#define SYNTH_INO_BASE 0x10000u         /* inode numbers of directories and /proc */

/* One entry of a listing. */
struct dir_ent {
	const char *name;
	size_t len;
	bool is_dir;
	uint64_t ino;
};

/* Names the kernel adds to the initrd's (a trailing '/': a directory):
 * listed before tmpfs's names, so a directory they imply ("tmp" of
 * "tmp/a") is found listed already. */
static const char *const kernel_names[] = { "proc/", "sys/", "dev/null", "tmp/", "dev/shm/" };

/* Whether path is the mount point root ("/proc") or below it. */
static bool is_under(const char *path, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(path, root, n) && (!path[n] || path[n] == '/');
}

static bool is_proc(const char *path)
{
	return is_under(path, "/proc");
}

static bool is_sys(const char *path)
{
	return is_under(path, "/sys");
}

/* path relative to its source's root: "bin" for "/bin", "12" for "/proc/12",
 * "devices" for "/sys/devices". */
static const char *source_rel(const char *path)
{
	if (is_proc(path))
		return path[5] ? path + 6 : "";
	if (is_sys(path))
		return path[4] ? path + 5 : "";
	return path + 1;
}

static const char *source_name(const char *dir, unsigned i, char *buf, size_t n,
			       uint64_t *ino);

bool dir_exists(const char *path)
{
	if (!strcmp(path, "/") || !strcmp(path, "/proc"))
		return true;
	if (is_proc(path))
		return proc_dir_exists(path + 6);
	if (is_sys(path))
		return sysfs_dir_exists(source_rel(path));
	if (tmpfs_owns(path))
		return tmpfs_dir_exists(tmpfs_get(), path);
	size_t n = strlen(path + 1);
	char buf[INITRD_NAME_MAX];
	const char *name;
	uint64_t ino;
	for (unsigned i = 0; (name = source_name(path, i, buf, sizeof(buf), &ino)); i++)
		if (!strncmp(name, path + 1, n) && name[n] == '/')
			return true;
	return false;
}

int dir_open(const char *path, int flags, struct file **out)
{
	struct file *f = file_new(FILE_DIR, flags);
	size_t n = strlen(path) + 1;

	if (!f)
		return -ENOMEM;
	f->path = kmalloc(n, BUDDY_GFP_KERNEL);
	if (!f->path) {
		file_put(f);
		return -ENOMEM;
	}
	memcpy(f->path, path, n);
	*out = f;
	return 0;
}

/* Name i of the source listing dir (a path below the source's root), *ino
 * its inode number when it is a file of the initrd; NULL past the last. */
static const char *source_name(const char *dir, unsigned i, char *buf, size_t n,
			       uint64_t *ino)
{
	*ino = SYNTH_INO_BASE + i;
	if (is_proc(dir))
		return proc_tree_name(source_rel(dir), i, buf, n);
	if (is_sys(dir))
		return sysfs_tree_name(source_rel(dir), i, buf, n);
	const struct inode *node = initrd_inode(i);
	unsigned files = i;
	if (node) {
		*ino = node->ino;
		return node->name;
	}
	while (files && !initrd_inode(files - 1))
		files--;
	if (i - files < ARRAY_SIZE(kernel_names))
		return kernel_names[i - files];
	return tmpfs_name(tmpfs_get(), i - files - (unsigned)ARRAY_SIZE(kernel_names), buf, n, ino);
}

/* The child of rel that name i names, if any (rel "" is the source's root). */
static bool child_of(const char *rel, const char *name, struct dir_ent *e)
{
	size_t plen = strlen(rel);

	if (plen) {
		if (strncmp(name, rel, plen) || name[plen] != '/')
			return false;
		plen++;
	}
	e->name = name + plen;
	e->len = 0;
	while (e->name[e->len] && e->name[e->len] != '/')
		e->len++;
	e->is_dir = e->name[e->len] == '/';
	return e->len > 0;
}

/*
 * Whether a name before i already gave the directory entry e. Only a
 * directory implied by a deeper name ("bin" of "bin/init") can repeat; one
 * named on its own ("proc/", "12/") is listed once by its source.
 */
static bool listed_before(const char *dir, unsigned i, const struct dir_ent *e)
{
	char buf[INITRD_NAME_MAX];
	struct dir_ent prev;
	uint64_t ino;
	bool implied = e->is_dir && e->name[e->len + 1];

	for (unsigned j = 0; implied && j < i; j++) {
		const char *name = source_name(dir, j, buf, sizeof(buf), &ino);
		if (name && child_of(source_rel(dir), name, &prev) && prev.len == e->len &&
		    !memcmp(prev.name, e->name, e->len))
			return true;
	}
	return false;
}

/* The entry at position *pos of dir, advancing *pos past it; false at the end. */
static bool dir_next(const char *dir, uint64_t *pos, char *buf, size_t n, struct dir_ent *e)
{
	for (;; (*pos)++) {
		if (*pos < 2) {         /* "." then "..": the first one or two bytes of ".." */
			*e = (struct dir_ent){ "..", (size_t)*pos + 1, true, SYNTH_INO_BASE - 1 - *pos };
			(*pos)++;
			return true;
		}
		unsigned i = (unsigned)(*pos - 2);
		const char *name = source_name(dir, i, buf, n, &e->ino);
		if (!name)
			return false;
		if (child_of(source_rel(dir), name, e) && !listed_before(dir, i, e)) {
			if (e->is_dir)
				e->ino = SYNTH_INO_BASE + i;
			(*pos)++;
			return true;
		}
	}
}

/* Writes e as a linux_dirent64 into rec; returns its length (8-aligned). */
static size_t dirent_pack(char *rec, const struct dir_ent *e, uint64_t next_pos)
{
	size_t len = (DIRENT_HDR + e->len + 1 + 7) & ~(size_t)7;
	uint16_t reclen = (uint16_t)len;
	int64_t off = (int64_t)next_pos;

	memset(rec, 0, len);
	memcpy(rec, &e->ino, 8);
	memcpy(rec + 8, &off, 8);
	memcpy(rec + 16, &reclen, 2);
	rec[18] = e->is_dir ? DT_DIR : DT_REG;
	memcpy(rec + DIRENT_HDR, e->name, e->len);
	return len;
}

/* getdents64(unsigned int fd, struct linux_dirent64 *dirp, unsigned int count) */
SYS_DECL(getdents64)
{
	struct file *f = file_get((unsigned int)a0);
	unsigned int count = (unsigned int)a2;
	char name[INITRD_NAME_MAX], rec[DIRENT_MAX];
	uint64_t done = 0;
	struct dir_ent e;

	(void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	if (f->kind != FILE_DIR)
		return -ENOTDIR;
	if (!access_ok(a1, count))
		return -EFAULT;
	for (uint64_t pos = f->pos; dir_next(f->path, &pos, name, sizeof(name), &e);) {
		size_t len = dirent_pack(rec, &e, pos);
		if (done + len > count)
			return done ? (long)done : -EINVAL;
		if (copy_to_user(a1 + done, rec, len))
			return done ? (long)done : -EFAULT;
		done += len;
		f->pos = pos;
	}
	return (long)done;
}

/* Makes the directory f current's working directory: 0, ENOTDIR when f
 * is no directory, ENAMETOOLONG when its path does not fit fs_info.cwd. */
static long set_cwd(const struct file *f)
{
	if (f->kind != FILE_DIR)
		return -ENOTDIR;
	if (strlen(f->path) >= TASK_CWD_MAX)
		return -ENAMETOOLONG;
	strlcpy(current->fs->cwd, f->path, sizeof(current->fs->cwd));
	return 0;
}

/* chdir(const char *path): the path must name a directory. */
SYS_DECL(chdir)
{
	struct file *f = NULL;
	long err = file_open_at(AT_FDCWD, a0, O_RDONLY, &f);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (err)
		return err;
	err = set_cwd(f);
	file_put(f);
	return err;
}

/* fchdir(unsigned int fd): fd must be an open directory. */
SYS_DECL(fchdir)
{
	struct file *f = file_get((unsigned int)a0);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return f ? set_cwd(f) : -EBADF;
}

/* getcwd(char *buf, unsigned long size): the length with its NUL, or
 * ERANGE when size is too small for it. */
SYS_DECL(getcwd)
{
	const char *cwd = file_cwd(current);
	size_t len = strlen(cwd) + 1;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 < len)
		return -ERANGE;
	return copy_to_user(a0, cwd, len) ?: (long)len;
}
