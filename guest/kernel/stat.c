/*
 * stat.c: statx, statfs and fstatfs: the attributes file_fill_stat gives
 * (file.h), in statx's layout, and the file system each file lives on by
 * its st_dev (1 the read-only initrd, 3 /proc, 4 pipes, 5 the devices),
 * in Linux's struct statfs with each file system's magic number.
 * State: none of its own.
 */
#include <tmpfs.h>
#include <syscall.h>
#include <sched.h>
#include <file.h>
#include <uaccess.h>
#include <errno.h>
#include <string.h>
#include <uapi.h>
#include <printk.h>
#include <mm_port.h>

#define AT_STATX_SYNC_TYPE 0x6000
#define STATX_BASIC_STATS  0x7ffu
#define STATX__RESERVED    0x80000000u
#define NAME_MAX           255

struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_timestamp atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");

struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs is 120 bytes on x86-64");

/* statfs f_flags */
#define ST_RDONLY   0x0001
#define ST_NOSUID   0x0002
#define ST_NODEV    0x0004
#define ST_NOEXEC   0x0008
#define ST_VALID    0x0020
#define ST_RELATIME 0x0400

/* A file system by the st_dev file_fill_stat gives its files. */
struct fs_kind {
	uint64_t dev;
	int64_t magic;
	int64_t flags;
};

static const struct fs_kind fs_kinds[] = {
	{ 1, 0x858458f6, ST_VALID | ST_RDONLY },            /* RAMFS_MAGIC: the initrd */
	{ 3, 0x9fa0, ST_VALID | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RELATIME }, /* proc */
	{ 4, 0x50495045, ST_VALID },                        /* PIPEFS_MAGIC */
	{ 5, 0x01021994, ST_VALID | ST_NOSUID | ST_RELATIME }, /* TMPFS_MAGIC: devtmpfs */
	{ TMPFS_DEV, 0x01021994, ST_VALID | ST_NOSUID | ST_NODEV }, /* TMPFS_MAGIC: tmpfs */
};

/* Linux's new_encode_dev split back: the major and minor of a dev_t. */
static uint32_t dev_major(uint64_t dev)
{
	return (uint32_t)((dev >> 8) & 0xfff);
}

static uint32_t dev_minor(uint64_t dev)
{
	return (uint32_t)((dev & 0xff) | ((dev >> 12) & ~0xffull));
}

static void fill_statx(const struct linux_stat *st, struct linux_statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->mask = STATX_BASIC_STATS;
	sx->blksize = (uint32_t)st->st_blksize;
	sx->nlink = (uint32_t)st->st_nlink;
	sx->uid = st->st_uid;
	sx->gid = st->st_gid;
	sx->mode = (uint16_t)st->st_mode;
	sx->ino = st->st_ino;
	sx->size = (uint64_t)st->st_size;
	sx->blocks = (uint64_t)st->st_blocks;
	sx->rdev_major = dev_major(st->st_rdev);
	sx->rdev_minor = dev_minor(st->st_rdev);
	sx->dev_major = dev_major(st->st_dev);
	sx->dev_minor = dev_minor(st->st_dev);
}

/*
 * statx(int dfd, path, unsigned flags, unsigned mask, struct statx *buf):
 * unknown flags, both sync types at once or a reserved mask bit are
 * EINVAL before the path is looked at; AT_EMPTY_PATH with "" is dfd's
 * file. The basic stats are filled whatever the mask asks (Linux may give
 * more than asked); stx_mask says so.
 */
SYS_DECL(statx)
{
	int dfd = (int)a0;
	unsigned flags = (unsigned)a2, mask = (unsigned)a3;
	struct file *f = NULL;
	struct linux_stat st;
	struct linux_statx sx;

	(void)a5;
	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH |
				AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	long err = file_open_at_flags(dfd, a1, (int)flags, &f);
	if (err)
		return err;
	file_fill_stat(f, &st);
	file_put(f);
	fill_statx(&st, &sx);
	return copy_to_user(a4, &sx, sizeof(sx));
}

/* Linux's simple_statfs for the file system f lives on (no blocks counted:
 * each one is in memory). Returns 0 or -EFAULT. */
static long statfs_put(struct file *f, uint64_t ubuf)
{
	struct linux_stat st;
	struct linux_statfs sf;

	file_fill_stat(f, &st);
	file_put(f);
	memset(&sf, 0, sizeof(sf));
	for (size_t i = 0; i < sizeof(fs_kinds) / sizeof(fs_kinds[0]); i++) {
		if (fs_kinds[i].dev != st.st_dev)
			continue;
		sf.f_type = fs_kinds[i].magic;
		sf.f_flags = fs_kinds[i].flags;
	}
	if (!sf.f_type)
		panic("statfs_put: a file on device %llu, which no file system owns",
		      (unsigned long long)st.st_dev);
	if (st.st_dev == TMPFS_DEV) {    /* its size= and what its files hold */
		sf.f_blocks = tmpfs_get()->max_pages;
		sf.f_bfree = sf.f_bavail = sf.f_blocks - tmpfs_get()->pages;
	}
	sf.f_bsize = sf.f_frsize = MM_PAGE_SIZE;
	sf.f_namelen = NAME_MAX;
	sf.f_fsid[0] = (int32_t)st.st_dev;
	return copy_to_user(ubuf, &sf, sizeof(sf));
}

/* statfs(path, struct statfs *buf) */
SYS_DECL(statfs)
{
	struct file *f = NULL;
	long err = file_open_at(AT_FDCWD, a0, O_RDONLY, &f);

	(void)a2, (void)a3, (void)a4, (void)a5;
	return err ? err : statfs_put(f, a1);
}

/* fstatfs(unsigned int fd, struct statfs *buf) */
SYS_DECL(fstatfs)
{
	struct file *f = file_get((unsigned int)a0);

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!f)
		return -EBADF;
	f->refs++;
	return statfs_put(f, a1);
}
