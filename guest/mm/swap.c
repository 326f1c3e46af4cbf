/*
 * swap.c: swap on the virtio-blk disk (swap.h): the device (mm/swapdev.c:
 * slots, swap cache, page I/O through virtio-blk) and reclaim's store
 * over it. Swap-in faults and swap entries through munmap, exit and fork
 * are the fault engine's (mm/fault.c), on this device.
 *
 * Invariants:
 *  - the device's invariants (mm/include/swapdev.h): its cache holds a
 *    slot's frame, the shadow its last eviction left, or nothing; a
 *    slot's count is its swap entries plus one while cached;
 *  - a cached frame's data equals its slot's on disk unless a PTE mapping
 *    it is dirty: it is mapped writable only when the cache holds the
 *    slot's one reference, and then clean (PTE_D clear), so reclaim sees
 *    a write and drops the stale copy; otherwise it is mapped read-only
 *    (writes copy it or first leave the cache);
 *  - mm->rss[MM_SWAPENTS] counts the swap entries in mm's page tables.
 * Serialised by the callers (one CPU, non-preemptible, no sleeping here).
 */
#include <swap.h>
#include <vmalloc.h>
#include <reclaim.h>
#include <swap_slots.h>
#include <pagecache.h>
#include <swapdev.h>
#include <virtio_blk.h>
#include <vmstat.h>
#include <rmap.h>
#include <kmalloc.h>
#include <page_alloc.h>
#include <printk.h>
#include <string.h>
#include <errno.h>

#define SECTORS_PER_PAGE (MM_PAGE_SIZE >> VIRTIO_BLK_SECTOR_SHIFT)

/* The one device, on /dev/vda (mm/swapdev.h); inactive without a disk. */
static struct swapdev dev;

/* Whether there is swap. */
static bool swap_active(void)
{
	return swapdev_active(&dev);
}

/* The store's view of the same (ctx: the device). */
static bool store_present(void *ctx)
{
	return swapdev_active(ctx);
}

/* The swap device's page I/O: virtio-blk requests at the slots' sectors. */
static int blk_rw(void *ctx, bool write, uint64_t slot, const phys_addr_t *pa, unsigned n)
{
	(void)ctx;
	return virtio_blk_rw(write, slot * SECTORS_PER_PAGE, pa, n);
}

void swap_init(void)
{
	static const struct swapdev_io io = { .rw = blk_rw };
	uint64_t nr = virtio_blk_present() ? virtio_blk_sectors() / SECTORS_PER_PAGE : 0;
	uint8_t *map;
	uint32_t *entries;

	if (nr < 2)
		return;
	/* tables as large as the disk: virtually contiguous is enough (Linux's kvmalloc) */
	map = vmalloc(nr);
	entries = vmalloc(nr * sizeof(*entries));
	if (!map || !entries || swapdev_init(&dev, page_alloc_buddy(), &io, map, entries, nr)) {
		pr_err("swap: no memory for %llu slots; swap stays off\n",
		       (unsigned long long)nr);
		vfree(map);
		vfree(entries);
		return;
	}
	pagecache_count_into(&dev.cache, &vm_events[VM_NR_SWAPCACHED]);   /* nr_swapcached */
	pr_info("Adding %lluk swap on /dev/vda.  Priority:-2 extents:1 across:%lluk\n",
		(unsigned long long)(nr - 1) * 4, (unsigned long long)nr * 4);
}

uint64_t swap_total_pages(void)
{
	return swap_active() ? dev.slots.nr_slots - 1 : 0;
}

uint64_t swap_free_pages(void)
{
	return swap_active() ? dev.slots.nr_free : 0;
}

uint64_t swap_cached_pages(void)
{
	return pagecache_nr_pages(&dev.cache);
}

/* The slot p is cached under, or 0. */
static uint64_t swap_cache_slot(void *ctx, const struct page *p)
{
	(void)ctx;
	return swapdev_cache_slot(p);
}

/* Takes p out of the swap cache (dropping the cache's slot reference). */
static void swap_cache_del(void *ctx, struct page *p)
{
	swapdev_cache_del(ctx, p);
}

_Static_assert(SWAP_WRITE_BATCH <= SWAPDEV_WRITE_BATCH && SWAP_WRITE_BATCH <= VIRTIO_BLK_MAX_PAGES,
	       "a reclaim batch must fit one swapdev_write and one virtio-blk request");

/* Writes n (<= SWAP_WRITE_BATCH) uncached frames to new slots (swapdev_write). */
static void swap_pages_write(void *ctx, struct page **pages, unsigned n)
{
	count_vm_events(VM_PSWPOUT, swapdev_write(ctx, pages, n));
}

/* Takes one more reference to slot for a new swap entry. Returns 0 or -ERANGE. */
static int swap_entry_dup(void *ctx, uint64_t slot)
{
	struct swapdev *d = ctx;

	return swap_slots_dup(&d->slots, slot) ? -ERANGE : 0;
}

/* Frees a private anonymous frame nobody maps (uvm.c's free_frame). */
static void free_anon_frame(struct page *p)
{
	reclaim_page_freed(p);
	p->flags &= ~PG_ANON;
	vm_events[VM_NR_ANON_PAGES]--;
	page_free(buddy_page_to_phys(page_alloc_buddy(), p), 0);
}

/* p, unmapped everywhere, leaves the cache (shadow in its slot) and is freed. */
static bool swap_page_evicted(void *ctx, struct page *p, uint32_t shadow)
{
	swapdev_evicted(ctx, p, shadow);
	free_anon_frame(p);
	return true;
}

/* p, lazily freed, in no cache and unmapped everywhere, is freed. */
static void swap_page_discard(void *ctx, struct page *p)
{
	(void)ctx;
	free_anon_frame(p);
}

/* Swap can take an eviction: a free slot, or a cached page's clean copy to reuse. */
static bool swap_has_room(void *ctx)
{
	const struct swapdev *d = ctx;

	return swapdev_active(d) && swapdev_has_room(d);
}

static const struct vmscan_store_ops swap_store_ops = {
	.present = store_present, .has_room = swap_has_room, .copy_slot = swap_cache_slot,
	.drop_copy = swap_cache_del, .write = swap_pages_write, .entry_dup = swap_entry_dup,
	.evicted = swap_page_evicted, .discard = swap_page_discard,
};

const struct vmscan_store swap_store = { .ops = &swap_store_ops, .ctx = &dev };

struct swapdev *swap_device(void)
{
	return &dev;
}
