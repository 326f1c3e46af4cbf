/*
 * pagecache.h: one page cache: slots, indexed by a file's page index or a
 * swap slot, each holding a cached page, the shadow entry its last
 * eviction left, or nothing. The swap cache and the page cache of every
 * initrd file are each one of these (Linux's address_space i_pages, with
 * workingset shadow entries).
 *
 * Slot encoding, 32 bits of caller memory per slot:
 *   0      empty: never filled, or the page left without a shadow
 *   even   pfn << 1 of the cached page (pfn 0 is never cached)
 *   odd    a shadow: (eviction age << 4) | (node << 1) | 1, the age's low
 *          28 bits kept and the evicting node's number in 3 bits (Linux
 *          packs the pgdat's id the same way); refault distances compare
 *          ages modulo 2^28, on the named node's clock; in a shmem cache
 *          (tmpfs, whose pages have no file behind them) a swap entry
 *          instead: (swap slot << 1) | 1 (pagecache_swap_entry)
 *
 * Interface:
 *   pagecache_init       caller memory for nr_slots slots, all made empty
 *   pagecache_lookup     the pfn a slot caches, or 0
 *   pagecache_shadow     the shadow entry a slot holds, or 0
 *   pagecache_insert     a page into a slot without one; returns the shadow
 *                        it replaced (the refault's), or 0
 *   pagecache_delete     the page leaves its slot, empty afterwards
 *   pagecache_evict      the page leaves its slot, a shadow takes its place
 *   pagecache_clear      an odd entry (shadow, swap entry) leaves its slot
 *   pagecache_check      nr_pages matches the slots
 *   pagecache_resize     the slots move to caller memory of another size
 *   pagecache_nr_pages / pagecache_count_into  the pages cached, and where
 *                        that count lives
 * and, for the shadow clock's owner (reclaim):
 *   pagecache_shadow_make / pagecache_node_shadow / pagecache_shadow_node /
 *   pagecache_is_shadow / pagecache_refault_distance
 *
 * Invariant: nr_pages counts the slots holding a page.
 * Locking: none inside; the owner (swap.c, initrd.c) serialises calls.
 */
#ifndef MM_PAGECACHE_H
#define MM_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define PAGECACHE_NODE_BITS 3            /* a shadow's node: nodes 0 to 7 */
#define PAGECACHE_NODE_MASK ((1u << PAGECACHE_NODE_BITS) - 1)
#define PAGECACHE_AGE_SHIFT (1 + PAGECACHE_NODE_BITS)
#define PAGECACHE_AGE_MASK 0x0fffffffu   /* the age bits a shadow keeps */

struct pagecache {
	uint32_t *slots;     /* caller memory, nr_slots long; NULL: not set up */
	uint64_t nr_slots;
	uint64_t *nr_pages;  /* slots holding a page: &own (so a set-up cache is never
			      * copied), or the host's counter; NULL until set up */
	uint64_t own;
};

/* The pages cached; 0 for a cache never set up (all zero: no counter yet). */
static inline uint64_t pagecache_nr_pages(const struct pagecache *c)
{
	return c->nr_pages ? *c->nr_pages : 0;
}

/*
 * The count of pages cached lives at *at from now on (its value moved
 * there): a host's statistics table holds it, nothing copies it.
 */
static inline void pagecache_count_into(struct pagecache *c, uint64_t *at)
{
	*at = *c->nr_pages;
	c->nr_pages = at;
}

/* Whether a slot's entry is a shadow (odd), not a page or nothing. */
static inline bool pagecache_is_shadow(uint64_t entry)
{
	return entry & 1;
}

/* The shadow entry for an eviction on node (its low bits kept) at age
 * (the evictions that node counted so far). */
static inline uint32_t pagecache_node_shadow(uint64_t age, unsigned node)
{
	return (uint32_t)(((age & PAGECACHE_AGE_MASK) << PAGECACHE_AGE_SHIFT) |
			  ((node & PAGECACHE_NODE_MASK) << 1) | 1);
}

/* The shadow entry for an eviction at age on node 0 (a machine of one node). */
static inline uint32_t pagecache_shadow_make(uint64_t age)
{
	return pagecache_node_shadow(age, 0);
}

/* The node whose eviction left shadow. */
static inline unsigned pagecache_shadow_node(uint32_t shadow)
{
	return (shadow >> 1) & PAGECACHE_NODE_MASK;
}

/* Evictions between the one that left shadow and age now (its node's
 * clock), modulo 2^28. */
static inline uint64_t pagecache_refault_distance(uint32_t shadow, uint64_t age)
{
	return (age - (shadow >> PAGECACHE_AGE_SHIFT)) & PAGECACHE_AGE_MASK;
}

/* A shmem cache's entry for a page swapped out to slot (not 0). */
static inline uint32_t pagecache_swap_entry(uint64_t slot)
{
	return (uint32_t)((slot << 1) | 1);
}

/* The swap slot of a shmem cache's odd entry. */
static inline uint64_t pagecache_entry_slot(uint32_t entry)
{
	return entry >> 1;
}

/*
 * Sets c up over slots (nr_slots entries, cleared here). Returns 0, or
 * -MM_EINVAL for no memory or no slot.
 */
int pagecache_init(struct pagecache *c, uint32_t *slots, uint64_t nr_slots);

/* The pfn cached at index; 0 for none (empty, a shadow, out of range). */
uint64_t pagecache_lookup(const struct pagecache *c, uint64_t index);

/* The shadow entry at index; 0 for none. */
uint32_t pagecache_shadow(const struct pagecache *c, uint64_t index);

/*
 * Caches pfn (not 0) at index, which holds no page. Returns the shadow
 * entry the slot held (a refault), or 0. A slot holding a page, or an
 * index out of range, is a caller bug: panics.
 */
uint32_t pagecache_insert(struct pagecache *c, uint64_t index, uint64_t pfn);

/* Removes the page pfn from index, leaving it empty. Panics if it is not there. */
void pagecache_delete(struct pagecache *c, uint64_t index, uint64_t pfn);

/*
 * Removes the page pfn from index, leaving shadow (odd) in its place.
 * Panics if pfn is not there or shadow is not a shadow.
 */
void pagecache_evict(struct pagecache *c, uint64_t index, uint64_t pfn, uint32_t shadow);

/*
 * Moves c's entries into slots (nr_slots entries; those past the old
 * size made empty). Shrinking below a slot that holds a page or an odd
 * entry is a caller bug: panics. Returns the old slots array for the
 * caller to free (NULL for a cache never set up, which is set up here).
 */
uint32_t *pagecache_resize(struct pagecache *c, uint32_t *slots, uint64_t nr_slots);

/* Empties index, which holds an odd entry or nothing (a page there panics). */
void pagecache_clear(struct pagecache *c, uint64_t index);

/* Recounts the pages. Returns 0, or -MM_EINVAL when nr_pages is off. */
int pagecache_check(const struct pagecache *c);

#endif
