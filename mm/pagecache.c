/*
 * pagecache.c: slots holding a page or a shadow entry (pagecache.h), for
 * the swap cache and the page cache of files alike.
 *
 * Invariant (kept by insert, delete and evict, the only places a slot
 * gains or loses a page): nr_pages counts the even, non-zero slots.
 * Callers serialise (swap.c, initrd.c in the guest; one test at a time on
 * the host).
 */
#include "pagecache.h"
#include "mm_port.h"

int pagecache_init(struct pagecache *c, uint32_t *slots, uint64_t nr_slots)
{
	if (!slots || !nr_slots)
		return -MM_EINVAL;
	for (uint64_t i = 0; i < nr_slots; i++)
		slots[i] = 0;
	c->slots = slots;
	c->nr_slots = nr_slots;
	c->own = 0;
	c->nr_pages = &c->own;
	return 0;
}

/* The entry at index; 0 out of range. */
static uint32_t entry_at(const struct pagecache *c, uint64_t index)
{
	return index < c->nr_slots ? c->slots[index] : 0;
}

uint64_t pagecache_lookup(const struct pagecache *c, uint64_t index)
{
	uint32_t e = entry_at(c, index);

	return pagecache_is_shadow(e) ? 0 : e >> 1;
}

uint32_t pagecache_shadow(const struct pagecache *c, uint64_t index)
{
	uint32_t e = entry_at(c, index);

	return pagecache_is_shadow(e) ? e : 0;
}

uint32_t pagecache_insert(struct pagecache *c, uint64_t index, uint64_t pfn)
{
	uint32_t shadow;

	if (index >= c->nr_slots || pagecache_lookup(c, index) || !pfn ||
	    pfn > (UINT32_MAX >> 1))
		mm_panic("pagecache_insert: index %llu of %llu, pfn %llu",
			 (unsigned long long)index, (unsigned long long)c->nr_slots,
			 (unsigned long long)pfn);
	shadow = c->slots[index];
	c->slots[index] = (uint32_t)(pfn << 1);
	(*c->nr_pages)++;
	return shadow;
}

/* Replaces page pfn at index by entry (0 or a shadow). */
static void remove_page(struct pagecache *c, uint64_t index, uint64_t pfn, uint32_t entry)
{
	if (!pfn || pagecache_lookup(c, index) != pfn)
		mm_panic("pagecache: pfn %llu is not at index %llu",
			 (unsigned long long)pfn, (unsigned long long)index);
	c->slots[index] = entry;
	(*c->nr_pages)--;
}

void pagecache_delete(struct pagecache *c, uint64_t index, uint64_t pfn)
{
	remove_page(c, index, pfn, 0);
}

void pagecache_evict(struct pagecache *c, uint64_t index, uint64_t pfn, uint32_t shadow)
{
	MM_BUG_ON(!pagecache_is_shadow(shadow));
	remove_page(c, index, pfn, shadow);
}

void pagecache_clear(struct pagecache *c, uint64_t index)
{
	if (pagecache_lookup(c, index))
		mm_panic("pagecache_clear: index %llu holds a page", (unsigned long long)index);
	if (index < c->nr_slots)
		c->slots[index] = 0;
}

uint32_t *pagecache_resize(struct pagecache *c, uint32_t *slots, uint64_t nr_slots)
{
	uint32_t *old = c->slots;

	if (!old) {
		pagecache_init(c, slots, nr_slots);
		return NULL;
	}
	for (uint64_t i = 0; i < nr_slots; i++)
		slots[i] = i < c->nr_slots ? old[i] : 0;
	for (uint64_t i = nr_slots; i < c->nr_slots; i++)
		if (old[i])
			mm_panic("pagecache_resize: slot %llu of %llu in use",
				 (unsigned long long)i, (unsigned long long)c->nr_slots);
	c->slots = slots;
	c->nr_slots = nr_slots;
	return old;
}

int pagecache_check(const struct pagecache *c)
{
	uint64_t pages = 0;

	for (uint64_t i = 0; c->slots && i < c->nr_slots; i++)
		pages += c->slots[i] && !pagecache_is_shadow(c->slots[i]);
	return pages == pagecache_nr_pages(c) ? 0 : -MM_EINVAL;
}
