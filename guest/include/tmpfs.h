/*
 * tmpfs.h: the writable file system in memory (Linux's shmem), mounted at
 * /tmp and /dev/shm, and the memfd files of memfd_create.
 *
 * A file's pages are page-cache pages (struct inode's cache, mm/pagecache.h)
 * with nothing behind them: a slot holds the page, a swap entry once
 * reclaim swapped it out (pagecache_swap_entry), or nothing (a hole, read
 * as zeros). The pages are PG_FILE and on reclaim's file LRU like the
 * initrd's; evicting one writes it to swap (initrd.c's file store calls
 * tmpfs_page_evicted), and the next read, write or fault reads it back.
 * Without swap they sit on the unevictable list instead (as Linux's
 * shmem without swap is never reclaimed).
 *
 * Invariants:
 *  - fs->pages counts the pages and swap entries every file's cache holds;
 *    it never passes fs->max_pages (size=):
 *    a write or fault that would is ENOSPC;
 *  - fs->resident counts the pages (meminfo's Shmem and part of Cached);
 *  - an inode lives while it is linked, open (refs) or mapped by an area:
 *    at refs 0 and unlinked it goes to fs->orphans while an area maps it,
 *    and tmpfs_reap frees it once none does (uvm.c calls it after munmap
 *    and exit);
 *  - names are absolute paths without the leading '/' ("tmp/a/b"), unique
 *    among linked inodes; a file's parent directory exists.
 * Callers serialise: the kernel lock, as the rest of the file calls.
 *
 * Interface:
 *   tmpfs_init / tmpfs_get      the boot instance
 *   tmpfs_owns                  whether a path is on tmpfs
 *   tmpfs_open / tmpfs_memfd    an inode with a reference taken
 *   tmpfs_inode_put             drops a reference
 *   tmpfs_mkdir / tmpfs_rmdir / tmpfs_unlink / tmpfs_rename
 *   tmpfs_read / tmpfs_write / tmpfs_truncate
 *   tmpfs_fault_page            a page for the fault engine (allocated)
 *   tmpfs_page_evicted          reclaim's eviction: to swap
 *   tmpfs_dir_exists / tmpfs_name   for dir.c's listings
 */
#ifndef GUEST_TMPFS_H
#define GUEST_TMPFS_H

#include <initrd.h>

struct page;
struct file;

#define TMPFS_SYSV_MAX 32            /* System V segments at once (ENOSPC past) */
#define TMPFS_SYSV_IDS 32768u        /* Linux's IPCMNI: id = seq * this + slot */

/* A System V shared memory segment (shmget): a tmpfs file with no name. */
struct tmpfs_sysv {
	struct inode *ino;           /* NULL: the slot is free */
	int32_t key;                 /* IPC_PRIVATE (0) or the caller's key */
	uint16_t seq;                /* bumped each time the slot is reused */
	uint32_t mode;               /* the low 9 bits of shmget's flags */
	int cpid, lpid;              /* creator, last shmat/shmdt */
};

struct tmpfs {
	struct tmpfs_sysv sysv[TMPFS_SYSV_MAX]; /* shmget's segments (shmem.c) */
	struct list_head inodes;     /* linked inodes, creation order (listings) */
	struct list_head orphans;    /* unlinked, closed, still mapped */
	uint64_t max_pages;          /* size= */
	uint64_t pages;              /* pages and swap entries held */
	uint64_t resident;           /* pages in memory */
	uint32_t next_ino;
};

#define TMPFS_DEV 6                  /* st_dev of its files */

/* inode.seals (memfd's F_SEAL_*) */
#define TMPFS_SEAL_SEAL   1u
#define TMPFS_SEAL_SHRINK 2u
#define TMPFS_SEAL_GROW   4u
#define TMPFS_SEAL_WRITE  8u

/* Sets fs up with a size limit of max_pages (main.c: half of RAM, as
 * Linux's default size=, or tmpfs.size_kb=). */
void tmpfs_init(struct tmpfs *fs, uint64_t max_pages);
/* The instance mounted at /tmp and /dev/shm. */
struct tmpfs *tmpfs_get(void);

/* Whether the absolute normalised path is on tmpfs (its mount points too). */
bool tmpfs_owns(const char *path);
/* Whether path names anything on tmpfs (a file, a directory, a mount point). */
bool tmpfs_exists(struct tmpfs *fs, const char *path);
/* Whether path names a tmpfs directory (a mount point or a mkdir'd one). */
bool tmpfs_dir_exists(struct tmpfs *fs, const char *path);

/*
 * The regular file at path (tmpfs_owns) with open flags: O_CREAT makes it
 * (mode & 07777 | S_IFREG), O_EXCL refuses an existing one, O_TRUNC
 * empties it. Returns 0 and *out with a reference taken, or -ENOENT,
 * -EEXIST, -EISDIR, -ENAMETOOLONG, -ENOMEM.
 */
int tmpfs_open(struct tmpfs *fs, const char *path, int flags, uint32_t mode,
	       struct inode **out);
/* An unlinked file named "memfd:NAME" (memfd_create). Returns 0 or -ENOMEM. */
int tmpfs_memfd(struct tmpfs *fs, const char *name, struct inode **out);
/* Drops a reference taken by open or memfd (or a struct file's). */
void tmpfs_inode_put(struct inode *ino);
/* One more reference (a struct file opened on it). */
void tmpfs_inode_get(struct inode *ino);
/* Areas of every task that map ino (System V's shm_nattch). */
unsigned tmpfs_map_count(const struct inode *ino);
/* Frees the orphans no area maps any more. */
void tmpfs_reap(struct tmpfs *fs);

/* 0, -EEXIST, -ENOENT (no parent), -ENAMETOOLONG, -ENOMEM. */
int tmpfs_mkdir(struct tmpfs *fs, const char *path, uint32_t mode);
/* 0, -ENOENT, -ENOTDIR, -ENOTEMPTY, -EBUSY (a mount point). */
int tmpfs_rmdir(struct tmpfs *fs, const char *path);
/* 0, -ENOENT, -EISDIR. The file lives on while open or mapped. */
int tmpfs_unlink(struct tmpfs *fs, const char *path);
/* A regular file renamed, replacing a regular file at to: 0, -ENOENT,
 * -EISDIR, -EXDEV (to not on tmpfs), -ENAMETOOLONG, -EBUSY (a directory:
 * not supported). */
int tmpfs_rename(struct tmpfs *fs, const char *from, const char *to);

/* fcntl F_ADD_SEALS / F_GET_SEALS (cmd) on f (shmem.c): the seals, 0, or
 * -EINVAL (no memfd, unknown seals), -EPERM (sealed, or read-only f). */
struct file;
long shmem_fcntl_seals(struct file *f, int cmd, unsigned long arg);

/* Up to n bytes at pos into user ubuf (holes read as zeros). Returns the
 * bytes read or -EFAULT / -ENOMEM with none. */
long tmpfs_read(struct inode *ino, uint64_t pos, uint64_t ubuf, uint64_t n);
/* n bytes of user ubuf at pos, growing the file. Returns the bytes
 * written, or -EFAULT, -ENOSPC, -EFBIG, -ENOMEM, -EPERM (sealed) with none. */
long tmpfs_write(struct inode *ino, uint64_t pos, uint64_t ubuf, uint64_t n);
/* Sets the size; the pages past it are unmapped everywhere and freed.
 * Returns 0, -EFBIG or -ENOMEM. */
int tmpfs_truncate(struct inode *ino, uint64_t size);

/* The frame of page index (allocated zeroed if a hole, read back if
 * swapped: *major). Returns 0 with no memory, no space or past EOF. */
phys_addr_t tmpfs_fault_page(struct inode *ino, uint64_t index, bool *major);
/* Whether page index (below EOF) is a hole that filling would take past
 * size= (a fault there is SIGBUS, as Linux's shmem_fault ENOSPC). */
bool tmpfs_page_needs_room(const struct inode *ino, uint64_t index);
/* p, unmapped everywhere by reclaim, goes to swap and is freed: true; with
 * no swap room (or a failed write) it stays, back on its list: false. */
bool tmpfs_page_evicted(struct page *p);

/*
 * Name i of the linked inodes (a directory's with a trailing '/') into
 * buf, *ino its inode number; NULL past the last.
 */
const char *tmpfs_name(struct tmpfs *fs, unsigned i, char *buf, size_t n, uint64_t *ino);

#endif
