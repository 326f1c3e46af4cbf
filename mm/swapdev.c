/*
 * swapdev.c: one swap device's slots, swap cache and page I/O (swapdev.h).
 *
 * Invariants: see swapdev.h; cache_insert and cache_remove are the only
 * places a page enters or leaves the cache, and keep page->user.swap_slot
 * and the cache's slot reference in step with it.
 * Callers serialise (the guest's swap.c; one test at a time on the host).
 */
#include "swapdev.h"

int swapdev_init(struct swapdev *d, const struct buddy *b, const struct swapdev_io *io,
		 uint8_t *map, uint32_t *entries, uint64_t nr_slots)
{
	d->cache.slots = NULL;
	if (swap_slots_init(&d->slots, map, nr_slots) ||
	    pagecache_init(&d->cache, entries, nr_slots)) {
		d->cache.slots = NULL;
		return -MM_EINVAL;
	}
	d->buddy = b;
	d->io = *io;
	return 0;
}

/* Caches p under slot (whose reference becomes the cache's). Returns the shadow replaced. */
static uint32_t cache_insert(struct swapdev *d, struct page *p, uint64_t slot)
{
	uint32_t shadow = pagecache_insert(&d->cache, slot, buddy_page_to_pfn(d->buddy, p));

	p->user.swap_slot = (uint32_t)slot;
	return shadow;
}

/* Takes p out of slot, leaving shadow (or 0), and drops the cache's slot reference. */
static void cache_remove(struct swapdev *d, struct page *p, uint64_t slot, uint32_t shadow)
{
	uint64_t pfn = buddy_page_to_pfn(d->buddy, p);

	if (shadow)
		pagecache_evict(&d->cache, slot, pfn, shadow);
	else
		pagecache_delete(&d->cache, slot, pfn);
	p->user.swap_slot = 0;
	swap_slots_put(&d->slots, slot);
}

/* Writes n pages to the consecutive slots from slot[0], one request. Returns pages written. */
static unsigned write_run(struct swapdev *d, struct page **pages, const uint64_t *slot, unsigned n)
{
	phys_addr_t pa[SWAPDEV_WRITE_BATCH];

	for (unsigned i = 0; i < n; i++)
		pa[i] = buddy_page_to_phys(d->buddy, pages[i]);
	if (d->io.rw(d->io.ctx, true, slot[0], pa, n)) {
		for (unsigned i = 0; i < n; i++)
			swap_slots_put(&d->slots, slot[i]);
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		cache_insert(d, pages[i], slot[i]);   /* the allocation's reference */
	return n;
}

unsigned swapdev_write(struct swapdev *d, struct page **pages, unsigned n)
{
	uint64_t slot[SWAPDEV_WRITE_BATCH];
	unsigned got, start, end, written = 0;

	MM_BUG_ON(n > SWAPDEV_WRITE_BATCH);
	for (got = 0; swapdev_active(d) && got < n; got++) {
		slot[got] = swap_slots_alloc(&d->slots);
		if (!slot[got])
			break;
	}
	for (start = 0; start < got; start = end) {
		for (end = start + 1; end < got && slot[end] == slot[end - 1] + 1; end++)
			;
		written += write_run(d, pages + start, slot + start, end - start);
	}
	return written;
}

int swapdev_read(struct swapdev *d, uint64_t slot, const phys_addr_t *pa, unsigned n)
{
	return d->io.rw(d->io.ctx, false, slot, pa, n);
}

uint32_t swapdev_cache_add(struct swapdev *d, struct page *p, uint64_t slot)
{
	if (swap_slots_dup(&d->slots, slot))
		return 0;       /* the slot's count is full: p stays out of the cache */
	return cache_insert(d, p, slot);
}

void swapdev_cache_del(struct swapdev *d, struct page *p)
{
	uint64_t slot = swapdev_cache_slot(p);

	if (slot)
		cache_remove(d, p, slot, 0);
}

void swapdev_evicted(struct swapdev *d, struct page *p, uint32_t shadow)
{
	uint64_t slot = swapdev_cache_slot(p);

	MM_BUG_ON(p->mapcount || !slot || !pagecache_is_shadow(shadow));
	cache_remove(d, p, slot, shadow);
}

bool swapdev_exclusive(struct swapdev *d, struct page *p)
{
	uint64_t slot = swapdev_cache_slot(p);

	if (!slot)
		return true;
	if (swap_slots_count(&d->slots, slot) > 1)
		return false;       /* a swap entry elsewhere reads this copy */
	swapdev_cache_del(d, p);
	return true;
}

bool swapdev_full(const struct swapdev *d)
{
	return d->slots.nr_free * 2 < d->slots.nr_slots;
}

bool swapdev_swapin_writable(struct swapdev *d, struct page *p, uint64_t slot)
{
	if (p->mapcount || swap_slots_count(&d->slots, slot) > 1)
		return false;
	if (swapdev_full(d))
		swapdev_cache_del(d, p);
	return true;
}
