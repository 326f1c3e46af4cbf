/*
 * initrd.h: the initial ramdisk (a newc cpio archive, the PVH module) as a
 * read-only file system, and the page cache of its files.
 *
 * initrd_init parses the archive once at boot into inodes; file data stays
 * where the VMM put it (reserved memory, reached through the direct map).
 * Mapped file pages come from the page cache: the first fault on page i of
 * a file copies it into a fresh frame (a "major" fault: the I/O a disk
 * would do), later faults and read() reuse that frame. Page-cache frames
 * sit on reclaim's file LRU from the fill on; reclaim drops them (they are
 * never dirty: the files are read-only and private writes copy) through
 * file_store (reclaim.h), which leaves a shadow entry (pagecache.h) in
 * the slot so the next fill can tell a refault from a first read.
 */
#ifndef GUEST_INITRD_H
#define GUEST_INITRD_H

#include <stdint.h>
#include <stdbool.h>
#include <mm_port.h>
#include <pagecache.h>
#include <mm_util.h>

#define INITRD_NAME_MAX 64

struct tmpfs;

/*
 * A file: of the initrd (read-only, data in the archive) or of tmpfs
 * (tmpfs.h: fs set, writable, pages only in its cache or in swap).
 */
struct inode {
	char name[INITRD_NAME_MAX];  /* path without the leading '/' */
	uint32_t ino, mode;
	uint64_t size;
	const uint8_t *data;         /* initrd: file bytes in the archive */
	struct pagecache cache;      /* one slot per page: its frame, a shadow
				      * entry (tmpfs: a swap entry), or nothing;
				      * set up at first use */
	struct tmpfs *fs;            /* tmpfs: its file system; NULL: initrd */
	struct list_head link;       /* tmpfs: on fs->inodes (linked) or fs->orphans */
	int refs;                    /* tmpfs: open files, plus one while linked */
	bool linked;                 /* tmpfs: has a name in the tree */
	uint32_t seals;              /* tmpfs: F_SEAL_* (memfd) */
};

/* Parses boot module 0; logs what it found. No module: an empty fs. */
void initrd_init(void);
/* The inode at path ("/bin/init" or "bin/init"), or NULL. */
struct inode *initrd_lookup(const char *path);
/* The i-th file in archive order (directory listings), or NULL past the last. */
struct inode *initrd_inode(unsigned i);
/*
 * The page-cache frame holding page @index of the file (zero past EOF),
 * filling it on first use (*major = true). Returns 0 when out of memory or
 * when the page starts past EOF.
 */
phys_addr_t initrd_cache_page(struct inode *ino, uint64_t index, bool *major);
/* Frames in every file's page cache. */
uint64_t initrd_cached_pages(void);

#endif
