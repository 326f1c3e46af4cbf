/*
 * swapdev.h: one swap device: its slots (swap_slots.h), its swap cache (a
 * pagecache.h indexed by slot) and its page I/O, behind a hook the host
 * provides (the guest: virtio-blk; host tests: RAM).
 *
 * The swap cache maps a slot to the page holding its data, so a page that
 * several address spaces swapped out (shared after fork) is read once. A
 * cached page's swap_slot (page->user) names its slot; the cache holds a
 * reference to the slot while it holds the page. An eviction leaves a
 * shadow entry in the slot for the refault that follows.
 *
 * Interface:
 *   swapdev_init          caller memory for counts and cache slots; I/O hook
 *   swapdev_active        whether the device was set up
 *   swapdev_has_room      a free slot, or a cached copy to drop
 *   swapdev_write         pages to new slots, consecutive ones in one request;
 *                         each written page joins the cache
 *   swapdev_read          slots' data into pages (the caller's frames)
 *   swapdev_cache_add     a page read from a slot joins the cache (swap-in)
 *   swapdev_cache_del     a page leaves the cache (its copy on disk is stale
 *                         or no longer wanted)
 *   swapdev_evicted       a page leaves the cache, a shadow in its place
 *   swapdev_exclusive     whether a page may be written in place
 *   swapdev_swapin_writable  whether a swapped-in page may be mapped writable
 *   swapdev_full          past half full (Linux's vm_swap_full)
 *
 * Invariants:
 *  - pagecache_lookup(&cache, slot) == pfn  <=>  page(pfn)->user.swap_slot == slot;
 *  - a slot's count is its swap entries in page tables plus one while the
 *    cache holds a page for it;
 *  - cache.nr_pages counts the cached pages.
 * Locking: none inside; the owner (the guest's swap.c) serialises calls.
 */
#ifndef MM_SWAPDEV_H
#define MM_SWAPDEV_H

#include "buddy.h"
#include "swap_slots.h"
#include "pagecache.h"

#define SWAPDEV_WRITE_BATCH 32   /* pages per swapdev_write call at most */

/* Page I/O at whole slots: n pages at pa[] to or from slots [slot, slot + n). */
struct swapdev_io {
	int (*rw)(void *ctx, bool write, uint64_t slot, const phys_addr_t *pa, unsigned n);
	void *ctx;
};

struct swapdev {
	struct swap_slots slots;
	struct pagecache cache;      /* slot -> its cached page, a shadow, or nothing */
	const struct buddy *buddy;   /* page <-> frame address */
	struct swapdev_io io;
};

/*
 * Sets d up over nr_slots slots: map (nr_slots bytes) and entries
 * (nr_slots words) are caller memory. Returns 0 or -MM_EINVAL (no memory,
 * fewer than 2 slots); d stays inactive then.
 */
int swapdev_init(struct swapdev *d, const struct buddy *b, const struct swapdev_io *io,
		 uint8_t *map, uint32_t *entries, uint64_t nr_slots);

static inline bool swapdev_active(const struct swapdev *d)
{
	return d->cache.slots != NULL;
}

/* Whether a page could be swapped out now: a free slot, or a cached copy to drop. */
static inline bool swapdev_has_room(const struct swapdev *d)
{
	return d->slots.nr_free + pagecache_nr_pages(&d->cache) > 0;
}

/* The slot p is cached under, or 0. */
static inline uint64_t swapdev_cache_slot(const struct page *p)
{
	return p->user.swap_slot;
}

/*
 * Writes the n (<= SWAPDEV_WRITE_BATCH) pages, none cached, to new slots,
 * one request per run of consecutive slots. Each page written joins the
 * cache (the slot's reference is the cache's); one that could not be (no
 * slot, an I/O error) has swapdev_cache_slot() 0 afterwards. Returns the
 * pages written.
 */
unsigned swapdev_write(struct swapdev *d, struct page **pages, unsigned n);

/* Reads slots [slot, slot + n) into the frames at pa[]. Returns 0 or the hook's error. */
int swapdev_read(struct swapdev *d, uint64_t slot, const phys_addr_t *pa, unsigned n);

/*
 * Caches p, just read from slot, taking a slot reference for the cache.
 * Returns the shadow entry the slot held (a refault), or 0; 0 and p left
 * uncached when the slot's count is full.
 */
uint32_t swapdev_cache_add(struct swapdev *d, struct page *p, uint64_t slot);

/* Takes p out of the cache if it is there, dropping the cache's slot reference. */
void swapdev_cache_del(struct swapdev *d, struct page *p);

/* Takes cached p out, leaving shadow in its slot (reclaim unmapped it everywhere). */
void swapdev_evicted(struct swapdev *d, struct page *p, uint32_t shadow);

/*
 * Whether p may be written in place: not cached, or cached with no swap
 * entry left that would read its slot (then it leaves the cache).
 */
bool swapdev_exclusive(struct swapdev *d, struct page *p);

/* Past half full: swap-in frees the slots it can (Linux's vm_swap_full). */
bool swapdev_full(const struct swapdev *d);

/*
 * Whether p, swapped in from slot, may be mapped writable: nobody maps it
 * and no other entry reads the slot. It stays cached (clean: a second
 * eviction needs no write) unless the device is getting full. Call after
 * dropping the faulting entry's slot reference.
 */
bool swapdev_swapin_writable(struct swapdev *d, struct page *p, uint64_t slot);

#endif
