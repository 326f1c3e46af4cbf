/*
 * tmpfs.c: the in-memory file system at /tmp and /dev/shm and memfd files
 * (tmpfs.h): inodes and names, reads and writes through the page cache,
 * truncation, and the swap-out and swap-in of its pages.
 *
 * Invariants: tmpfs.h's. Pages are PG_FILE, reclaim-tracked (file LRU, or
 * the unevictable list without swap) from the moment they enter a slot
 * until they leave it; a slot's swap entry holds one reference to its
 * swap slot. Serialised by the callers (the kernel lock).
 */
#include <tmpfs.h>
#include <sched.h>
#include <thread.h>
#include <uvm.h>
#include <swap.h>
#include <reclaim.h>
#include <page_alloc.h>
#include <vmstat.h>
#include <uaccess.h>
#include <kmalloc.h>
#include <string.h>
#include <printk.h>
#include <errno.h>
#include <uapi.h>

#define IO_CHUNK 512                   /* bytes one copy step moves */
#define TMPFS_INO_BASE 0x100000u       /* above initrd and synthetic inode numbers */
#define TMPFS_MAX_BYTES (1ull << 40)   /* largest file: EFBIG past it */
#define MIN_SLOTS 16

static const char *const mount_points[] = { "/tmp", "/dev/shm" };

static struct tmpfs boot_tmpfs;

void tmpfs_init(struct tmpfs *fs, uint64_t max_pages)
{
	memset(fs, 0, sizeof(*fs));
	list_init(&fs->inodes);
	list_init(&fs->orphans);
	fs->max_pages = max_pages;
	fs->next_ino = TMPFS_INO_BASE;
}

struct tmpfs *tmpfs_get(void)
{
	return &boot_tmpfs;
}

/* Whether path is mount point i or below it. */
static bool under_mount(const char *path, unsigned i)
{
	size_t n = strlen(mount_points[i]);

	return !strncmp(path, mount_points[i], n) && (!path[n] || path[n] == '/');
}

static bool is_mount_point(const char *path)
{
	for (unsigned i = 0; i < ARRAY_SIZE(mount_points); i++)
		if (!strcmp(path, mount_points[i]))
			return true;
	return false;
}

bool tmpfs_owns(const char *path)
{
	for (unsigned i = 0; i < ARRAY_SIZE(mount_points); i++)
		if (under_mount(path, i))
			return true;
	return false;
}

/* The linked inode at the absolute path, or NULL. */
static struct inode *lookup(struct tmpfs *fs, const char *path)
{
	struct list_head *pos;

	list_for_each(pos, &fs->inodes) {
		struct inode *ino = list_entry(pos, struct inode, link);
		if (!strcmp(ino->name, path + 1))
			return ino;
	}
	return NULL;
}

static bool is_dir(const struct inode *ino)
{
	return (ino->mode & S_IFMT) == S_IFDIR;
}

bool tmpfs_exists(struct tmpfs *fs, const char *path)
{
	return is_mount_point(path) || (tmpfs_owns(path) && lookup(fs, path));
}

bool tmpfs_dir_exists(struct tmpfs *fs, const char *path)
{
	struct inode *ino;

	if (is_mount_point(path))
		return true;
	ino = tmpfs_owns(path) ? lookup(fs, path) : NULL;
	return ino && is_dir(ino);
}

/* Whether path's parent is a tmpfs directory: 0, -ENOENT or -ENOTDIR. */
static int parent_ok(struct tmpfs *fs, const char *path)
{
	char parent[INITRD_NAME_MAX + 1];
	const char *slash = strrchr(path, '/');
	size_t n = (size_t)(slash - path);
	struct inode *ino;

	if (n >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, path, n);
	parent[n] = 0;
	if (tmpfs_dir_exists(fs, parent))
		return 0;
	ino = lookup(fs, parent);
	return ino ? -ENOTDIR : -ENOENT;
}

/* A new linked inode at path with mode. Returns 0 or a negative errno. */
static int create(struct tmpfs *fs, const char *path, uint32_t mode, struct inode **out)
{
	struct inode *ino;
	int err = parent_ok(fs, path);

	if (err)
		return err;
	if (strlen(path + 1) >= INITRD_NAME_MAX - 1)
		return -ENAMETOOLONG;
	ino = kzalloc(sizeof(*ino), BUDDY_GFP_KERNEL);
	if (!ino)
		return -ENOMEM;
	strlcpy(ino->name, path + 1, sizeof(ino->name));
	ino->fs = fs;
	ino->ino = fs->next_ino++;
	ino->mode = mode;
	ino->refs = 1;
	ino->linked = true;
	list_add_tail(&ino->link, &fs->inodes);
	*out = ino;
	return 0;
}

int tmpfs_open(struct tmpfs *fs, const char *path, int flags, uint32_t mode,
	       struct inode **out)
{
	struct inode *ino = lookup(fs, path);
	int err;

	if (ino && (flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if (ino && is_dir(ino))
		return -EISDIR;
	if (!ino) {
		if (!(flags & O_CREAT) || is_mount_point(path))
			return is_mount_point(path) ? -EISDIR : -ENOENT;
		err = create(fs, path, S_IFREG | (mode & 07777), &ino);
		if (err)
			return err;
	}
	if ((flags & O_TRUNC) && ino->size && (err = tmpfs_truncate(ino, 0)))
		return err;
	ino->refs++;
	*out = ino;
	return 0;
}

int tmpfs_memfd(struct tmpfs *fs, const char *name, struct inode **out)
{
	struct inode *ino = kzalloc(sizeof(*ino), BUDDY_GFP_KERNEL);

	if (!ino)
		return -ENOMEM;
	strlcpy(ino->name, "memfd:", sizeof(ino->name));
	strlcpy(ino->name + 6, name, sizeof(ino->name) - 6);
	ino->fs = fs;
	ino->ino = fs->next_ino++;
	ino->mode = S_IFREG | 0777;
	ino->refs = 1;
	list_init(&ino->link);
	*out = ino;
	return 0;
}

void tmpfs_inode_get(struct inode *ino)
{
	ino->refs++;
}

unsigned tmpfs_map_count(const struct inode *ino)
{
	struct list_head *pos;
	unsigned n = 0;

	list_for_each(pos, &task_list) {
		const struct task *t = list_entry(pos, struct task, tasks);
		const struct vma *v;
		if (t->group && t != t->group->leader)
			continue;               /* a thread shares its leader's mm */
		for (uint32_t i = 0; t->mm && (v = vma_at(&t->mm->vmas, i)); i++)
			n += v->file == ino;
	}
	return n;
}

/* Whether an area of some task maps ino. */
static bool mapped_anywhere(const struct inode *ino)
{
	return tmpfs_map_count(ino) != 0;
}

/* Frees an inode nothing refers to: its pages, swap entries and slots. */
static void free_inode(struct inode *ino)
{
	if (ino->size)
		tmpfs_truncate(ino, 0);
	list_del(&ino->link);
	kfree(ino->cache.slots);
	kfree(ino);
}

void tmpfs_inode_put(struct inode *ino)
{
	if (--ino->refs)
		return;
	list_del(&ino->link);
	if (mapped_anywhere(ino)) {
		list_add_tail(&ino->link, &ino->fs->orphans);
		return;
	}
	free_inode(ino);
}

void tmpfs_reap(struct tmpfs *fs)
{
	struct list_head *pos = fs->orphans.next;

	while (pos != &fs->orphans) {
		struct inode *ino = list_entry(pos, struct inode, link);
		pos = pos->next;
		if (!mapped_anywhere(ino))
			free_inode(ino);
	}
}

/* Takes ino's name away (unlink, rmdir): its link's reference goes. */
static void unlink_inode(struct inode *ino)
{
	ino->linked = false;
	list_del(&ino->link);
	tmpfs_inode_put(ino);
}

int tmpfs_mkdir(struct tmpfs *fs, const char *path, uint32_t mode)
{
	struct inode *ino;

	if (is_mount_point(path) || lookup(fs, path))
		return -EEXIST;
	return create(fs, path, S_IFDIR | (mode & 07777), &ino);
}

/* Whether a linked inode lies below the directory path. */
static bool has_children(struct tmpfs *fs, const char *path)
{
	size_t n = strlen(path + 1);
	struct list_head *pos;

	list_for_each(pos, &fs->inodes) {
		const struct inode *ino = list_entry(pos, struct inode, link);
		if (!strncmp(ino->name, path + 1, n) && ino->name[n] == '/')
			return true;
	}
	return false;
}

int tmpfs_rmdir(struct tmpfs *fs, const char *path)
{
	struct inode *ino;

	if (is_mount_point(path))
		return -EBUSY;
	ino = lookup(fs, path);
	if (!ino)
		return -ENOENT;
	if (!is_dir(ino))
		return -ENOTDIR;
	if (has_children(fs, path))
		return -ENOTEMPTY;
	unlink_inode(ino);
	return 0;
}

int tmpfs_unlink(struct tmpfs *fs, const char *path)
{
	struct inode *ino = lookup(fs, path);

	if (is_mount_point(path) || (ino && is_dir(ino)))
		return -EISDIR;
	if (!ino)
		return -ENOENT;
	unlink_inode(ino);
	return 0;
}

int tmpfs_rename(struct tmpfs *fs, const char *from, const char *to)
{
	struct inode *ino = lookup(fs, from), *old = lookup(fs, to);
	int err;

	if (!ino)
		return is_mount_point(from) ? -EBUSY : -ENOENT;
	if (!tmpfs_owns(to))
		return -EXDEV;
	if (is_dir(ino))
		return -EBUSY;
	if ((old && is_dir(old)) || is_mount_point(to))
		return -EISDIR;
	if (strlen(to + 1) >= INITRD_NAME_MAX - 1)
		return -ENAMETOOLONG;
	if (ino == old)
		return 0;
	err = parent_ok(fs, to);
	if (err)
		return err;
	if (old)
		unlink_inode(old);
	strlcpy(ino->name, to + 1, sizeof(ino->name));
	return 0;
}

/* ---- pages --------------------------------------------------------------- */

static struct page *pfn_page(uint64_t pfn)
{
	return buddy_pfn_to_page(page_alloc_buddy(), pfn);
}

/* Puts p (page index of ino) under reclaim: the file LRU, or unevictable without swap. */
static void track(struct page *p, struct inode *ino, uint64_t index)
{
	reclaim_file_added(p, ino, index, 0);
	if (!swapdev_active(swap_device()))
		vmscan_page_unevictable(reclaim_vmscan(), p);
}

/* Gives ino's cache a slot for every page below pages. Returns 0 or -ENOMEM. */
static int cache_grow(struct inode *ino, uint64_t pages)
{
	uint64_t n = MM_MAX(MM_MAX(pages, 2 * ino->cache.nr_slots), (uint64_t)MIN_SLOTS);
	uint32_t *slots;

	if (ino->cache.slots && pages <= ino->cache.nr_slots)
		return 0;
	slots = kmalloc(n * sizeof(*slots), BUDDY_GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	kfree(pagecache_resize(&ino->cache, slots, n));
	return 0;
}

/* Reads swap slot into the frame pa. Returns 0 or the device's error. */
static int swap_in(uint64_t slot, phys_addr_t pa)
{
	struct swapdev *d = swap_device();
	int err = d->io.rw(d->io.ctx, false, slot, &pa, 1);

	if (!err) {
		swap_slots_put(&d->slots, slot);
		count_vm_events(VM_PSWPIN, 1);
	}
	return err;
}

/*
 * The frame of page index of ino: cached, read back from swap (*major),
 * or (when @alloc) a new zeroed one charged to the fs. Returns it, or 0
 * with *err: a hole without @alloc (0), -ENOSPC, -ENOMEM, -EIO.
 */
static phys_addr_t get_page(struct inode *ino, uint64_t index, bool alloc, bool *major,
			    int *err)
{
	struct tmpfs *fs = ino->fs;
	uint64_t pfn = pagecache_lookup(&ino->cache, index);
	uint32_t entry = pagecache_shadow(&ino->cache, index);
	phys_addr_t pa;

	*err = 0;
	if (pfn)
		return pfn << MM_PAGE_SHIFT;
	if (!entry && (!alloc || fs->pages >= fs->max_pages)) {
		*err = alloc ? -ENOSPC : 0;
		return 0;
	}
	if (!entry && (*err = cache_grow(ino, index + 1)))
		return 0;
	pa = page_alloc(0, entry ? 0 : PAGE_ALLOC_ZERO);   /* may swap out other pages of ino */
	if (!pa || (entry && swap_in(pagecache_entry_slot(entry), pa))) {
		if (pa)
			page_free(pa, 0);
		*err = pa ? -EIO : -ENOMEM;
		return 0;
	}
	*major = entry != 0;
	fs->pages += !entry;
	fs->resident++;
	vm_events[VM_NR_SHMEM_PAGES]++;
	pagecache_insert(&ino->cache, index, pa >> MM_PAGE_SHIFT);
	pfn_page(pa >> MM_PAGE_SHIFT)->flags |= PG_FILE;
	track(pfn_page(pa >> MM_PAGE_SHIFT), ino, index);
	return pa;
}

phys_addr_t tmpfs_fault_page(struct inode *ino, uint64_t index, bool *major)
{
	int err;

	*major = false;
	if (index >= (ino->size + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT)
		return 0;
	return get_page(ino, index, true, major, &err);
}

bool tmpfs_page_needs_room(const struct inode *ino, uint64_t index)
{
	return index < (ino->size + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT &&
	       !pagecache_lookup(&ino->cache, index) && !pagecache_shadow(&ino->cache, index) &&
	       ino->fs->pages >= ino->fs->max_pages;
}

bool tmpfs_page_evicted(struct page *p)
{
	struct inode *ino = p->user.inode;
	struct swapdev *d = swap_device();
	phys_addr_t pa = buddy_page_to_phys(page_alloc_buddy(), p);
	uint64_t slot = swapdev_active(d) ? swap_slots_alloc(&d->slots) : 0;

	if (!slot || d->io.rw(d->io.ctx, true, slot, &pa, 1)) {
		if (slot)
			swap_slots_put(&d->slots, slot);
		track(p, ino, p->user.index);      /* stays: no room, or the write failed */
		return false;
	}
	count_vm_events(VM_PSWPOUT, 1);
	pagecache_evict(&ino->cache, p->user.index, pa >> MM_PAGE_SHIFT,
			pagecache_swap_entry(slot));
	ino->fs->resident--;
	vm_events[VM_NR_SHMEM_PAGES]--;
	p->flags &= ~PG_FILE;
	page_free(pa, 0);
	return true;
}

/* ---- read, write, truncate ---------------------------------------------- */

long tmpfs_read(struct inode *ino, uint64_t pos, uint64_t ubuf, uint64_t n)
{
	char buf[IO_CHUNK];
	uint64_t done = 0;

	if (pos >= ino->size)
		return 0;
	n = MM_MIN(n, ino->size - pos);
	while (done < n) {
		uint64_t at = pos + done, off = at & (MM_PAGE_SIZE - 1);
		uint64_t c = MM_MIN(MM_MIN(n - done, (uint64_t)IO_CHUNK), MM_PAGE_SIZE - off);
		bool major;
		int err;
		phys_addr_t pa = get_page(ino, at >> MM_PAGE_SHIFT, false, &major, &err);

		if (err)
			return done ? (long)done : err;
		if (pa) {
			reclaim_page_accessed(pfn_page(pa >> MM_PAGE_SHIFT));
			memcpy(buf, (const char *)mm_phys_to_virt(pa) + off, c);
		} else {
			memset(buf, 0, c);
		}
		if (copy_to_user(ubuf + done, buf, c))  /* may fault and reclaim pa */
			return done ? (long)done : -EFAULT;
		done += c;
	}
	return (long)done;
}

long tmpfs_write(struct inode *ino, uint64_t pos, uint64_t ubuf, uint64_t n)
{
	char buf[IO_CHUNK];
	uint64_t done = 0;

	if (pos >= TMPFS_MAX_BYTES || n > TMPFS_MAX_BYTES - pos)
		return -EFBIG;
	if ((ino->seals & TMPFS_SEAL_WRITE) ||
	    ((ino->seals & TMPFS_SEAL_GROW) && pos + n > ino->size))
		return -EPERM;
	while (done < n) {
		uint64_t at = pos + done, off = at & (MM_PAGE_SIZE - 1);
		uint64_t c = MM_MIN(MM_MIN(n - done, (uint64_t)IO_CHUNK), MM_PAGE_SIZE - off);
		bool major;
		int err;
		phys_addr_t pa;

		if (copy_from_user(buf, ubuf + done, c))   /* before the page: may reclaim */
			return done ? (long)done : -EFAULT;
		pa = get_page(ino, at >> MM_PAGE_SHIFT, true, &major, &err);
		if (!pa)
			return done ? (long)done : err;
		memcpy((char *)mm_phys_to_virt(pa) + off, buf, c);
		reclaim_page_accessed(pfn_page(pa >> MM_PAGE_SHIFT));
		done += c;
		ino->size = MM_MAX(ino->size, at + c);
	}
	return (long)done;
}

/* Removes one mapping of the page arg (truncation); pt_unmap flushes. */
static bool unmap_one(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	(void)pte;
	if (pt_unmap(&mm->pt, va, MM_PAGE_SIZE))
		panic("tmpfs unmap_one: unmapping 0x%llx failed", (unsigned long long)va);
	mm->rss[MM_FILE]--;
	rmap_remove(arg);
	return true;
}

/* Drops page index of ino: its frame unmapped everywhere and freed, or its swap slot. */
static void drop_page(struct inode *ino, uint64_t index)
{
	uint64_t pfn = pagecache_lookup(&ino->cache, index);
	uint32_t entry = pagecache_shadow(&ino->cache, index);
	struct page *p;

	if (entry) {
		swap_slots_put(&swap_device()->slots, pagecache_entry_slot(entry));
		pagecache_clear(&ino->cache, index);
		ino->fs->pages--;
		return;
	}
	if (!pfn)
		return;
	p = pfn_page(pfn);
	reclaim_rmap_walk(p, unmap_one, p);
	if (p->mapcount)
		panic("tmpfs drop_page: page %llu of %s still mapped %u times",
		      (unsigned long long)index, ino->name, (unsigned)p->mapcount);
	reclaim_page_freed(p);
	pagecache_delete(&ino->cache, index, pfn);
	p->flags &= ~PG_FILE;
	page_free(pfn << MM_PAGE_SHIFT, 0);
	ino->fs->pages--;
	ino->fs->resident--;
	vm_events[VM_NR_SHMEM_PAGES]--;
}

int tmpfs_truncate(struct inode *ino, uint64_t size)
{
	uint64_t keep = (size + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT;
	uint64_t pfn;

	if (size > TMPFS_MAX_BYTES)
		return -EFBIG;
	for (uint64_t i = keep; i < ino->cache.nr_slots; i++)
		drop_page(ino, i);
	pfn = keep ? pagecache_lookup(&ino->cache, keep - 1) : 0;
	if (pfn && (size & (MM_PAGE_SIZE - 1)))   /* the tail past EOF reads as zeros */
		memset((char *)mm_phys_to_virt(pfn << MM_PAGE_SHIFT) + (size & (MM_PAGE_SIZE - 1)),
		       0, MM_PAGE_SIZE - (size & (MM_PAGE_SIZE - 1)));
	ino->size = size;
	return 0;
}

const char *tmpfs_name(struct tmpfs *fs, unsigned i, char *buf, size_t n, uint64_t *ino)
{
	struct list_head *pos;

	list_for_each(pos, &fs->inodes) {
		const struct inode *node = list_entry(pos, struct inode, link);
		if (i--)
			continue;
		*ino = node->ino;
		strlcpy(buf, node->name, n);
		if (is_dir(node) && strlen(buf) + 1 < n)
			strlcpy(buf + strlen(buf), "/", 2);
		return buf;
	}
	return NULL;
}
