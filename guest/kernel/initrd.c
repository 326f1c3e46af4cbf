/*
 * initrd.c: newc cpio parsing and the page cache of initrd files
 * (initrd.h). Inodes are written once by initrd_init; cache slots change
 * in task context of the single-CPU, non-preemptible kernel.
 * Invariant: an inode's cache (mm/pagecache.h) has one slot per page of
 * the file once set up, and each page it holds is PG_FILE and on
 * reclaim's file LRU.
 */
#include <initrd.h>
#include <page_alloc.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>
#include <errno.h>
#include <rmap.h>
#include <reclaim.h>
#include <pagecache.h>
#include <tmpfs.h>
#include <asm/setup.h>

#define INITRD_MAX_FILES 64
#define NEWC_HDR 110

static struct inode inodes[INITRD_MAX_FILES];
static unsigned nr_inodes;

/* Parses n hex digits; returns the value, or -1 on junk. */
static long hex_field(const char *p, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~3ull;
}

static void add_inode(const char *name, long mode, const uint8_t *data, long size)
{
	if (nr_inodes == INITRD_MAX_FILES) {
		pr_warn("initrd: more than %d files, ignoring %s\n", INITRD_MAX_FILES, name);
		return;
	}
	struct inode *i = &inodes[nr_inodes];
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	strlcpy(i->name, name, sizeof(i->name));
	i->ino = ++nr_inodes;
	i->mode = (uint32_t)mode;
	i->data = data;
	i->size = (uint64_t)size;
}

/* Walks the archive; returns the files found or -1 on a malformed header. */
static int parse(const uint8_t *base, uint64_t len)
{
	uint64_t off = 0;

	while (off + NEWC_HDR <= len) {
		const char *h = (const char *)base + off;
		if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
			return -1;
		long mode = hex_field(h + 14, 8), size = hex_field(h + 54, 8);
		long namesize = hex_field(h + 94, 8);
		if (mode < 0 || size < 0 || namesize <= 0 ||
		    off + NEWC_HDR + (uint64_t)namesize > len)
			return -1;
		const char *name = h + NEWC_HDR;
		uint64_t data = align4(off + NEWC_HDR + (uint64_t)namesize);
		if (!strcmp(name, "TRAILER!!!"))
			return (int)nr_inodes;
		if (data + (uint64_t)size > len)
			return -1;
		if ((mode & 0170000) == 0100000)
			add_inode(name, mode, base + data, size);
		off = align4(data + (uint64_t)size);
	}
	return (int)nr_inodes;
}

void initrd_init(void)
{
	if (!boot_info.nr_modules) {
		pr_info("initrd: none\n");
		return;
	}
	const struct boot_module *m = &boot_info.modules[0];
	int n = parse(mm_phys_to_virt(m->base), m->size);
	if (n < 0)
		pr_err("initrd: not a newc cpio archive (%llu bytes); ignored\n",
		       (unsigned long long)m->size);
	else
		pr_info("initrd: %d files in %llu KiB\n", n, (unsigned long long)(m->size >> 10));
}

struct inode *initrd_lookup(const char *path)
{
	while (*path == '/')
		path++;
	for (unsigned i = 0; i < nr_inodes; i++)
		if (!strcmp(inodes[i].name, path))
			return &inodes[i];
	return NULL;
}

struct inode *initrd_inode(unsigned i)
{
	return i < nr_inodes ? &inodes[i] : NULL;
}

/* Gives ino's page cache its slots, one per page, on first use. Returns 0 or -ENOMEM. */
static int cache_setup(struct inode *ino, uint64_t pages)
{
	uint32_t *slots;

	if (ino->cache.slots)
		return 0;
	slots = kmalloc(pages * sizeof(*slots), BUDDY_GFP_KERNEL);
	if (!slots || pagecache_init(&ino->cache, slots, pages)) {
		kfree(slots);
		return -ENOMEM;
	}
	return 0;
}

/* Copies page @index of the file into a new frame. Returns it or 0. */
static phys_addr_t fill_page(const struct inode *ino, uint64_t index)
{
	phys_addr_t pa = page_alloc(0, 0);
	uint64_t off = index << MM_PAGE_SHIFT;
	uint64_t n = ino->size - off < MM_PAGE_SIZE ? ino->size - off : MM_PAGE_SIZE;

	if (!pa)
		return 0;
	memcpy(mm_phys_to_virt(pa), ino->data + off, n);
	memset((char *)mm_phys_to_virt(pa) + n, 0, MM_PAGE_SIZE - n);
	buddy_pfn_to_page(page_alloc_buddy(), pa >> MM_PAGE_SHIFT)->flags |= PG_FILE;
	return pa;
}

phys_addr_t initrd_cache_page(struct inode *ino, uint64_t index, bool *major)
{
	uint64_t pages = (ino->size + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT;
	uint64_t pfn;
	uint32_t shadow;
	phys_addr_t pa;

	*major = false;
	if (index >= pages || cache_setup(ino, pages))
		return 0;
	pfn = pagecache_lookup(&ino->cache, index);
	if (pfn)
		return pfn << MM_PAGE_SHIFT;
	pa = fill_page(ino, index);     /* may reclaim other pages of ino */
	if (!pa)
		return 0;
	shadow = pagecache_insert(&ino->cache, index, pa >> MM_PAGE_SHIFT);
	*major = true;
	reclaim_file_added(buddy_pfn_to_page(page_alloc_buddy(), pa >> MM_PAGE_SHIFT), ino,
			   index, shadow);
	return pa;
}

/*
 * Drops p, a page-cache frame reclaim has unmapped everywhere: its slot
 * keeps shadow (pagecache_evict panics if p is not the page there), and
 * the frame is freed. Returns false for a tmpfs page that stays (no swap room).
 */
static bool file_page_evicted(void *ctx, struct page *p, uint32_t shadow)
{
	const struct buddy *b = page_alloc_buddy();

	(void)ctx;
	if (p->user.inode->fs)
		return tmpfs_page_evicted(p);      /* no file behind it: to swap */
	pagecache_evict(&p->user.inode->cache, p->user.index, buddy_page_to_pfn(b, p), shadow);
	p->flags &= ~PG_FILE;
	page_free(buddy_page_to_phys(b, p), 0);
	return true;
}

/* Reclaim only evicts file pages: initrd files always hold their data,
 * tmpfs pages go to swap. */
static const struct vmscan_store_ops file_store_ops = {
	.evicted = file_page_evicted,
};

const struct vmscan_store file_store = { .ops = &file_store_ops };

uint64_t initrd_cached_pages(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < nr_inodes; i++)
		n += pagecache_nr_pages(&inodes[i].cache);
	return n;
}
