/*
 * kmalloc.c: size classes over slab caches, and whole pages beyond
 * KMALLOC_MAX_CACHE_SIZE. kmalloc_caches[] is written once by kmalloc_init
 * and read-only after; everything else is serialised by slab and buddy.
 */
#include "kmalloc.h"

struct kmem_cache *kmalloc_caches[KMALLOC_NR_CACHES];

/*
 * Size classes: every 8 bytes up to 128, then 16 per doubling (each band
 * (2^k, 2^(k+1)] cut in steps of 2^(k-4)), so a request wastes at most
 * 1/16 of its class (about 3% on average) where powers of two waste a
 * quarter: memory held per byte requested is what they are chosen for.
 * Powers of two stay classes, so their objects stay naturally aligned.
 */
#define KMALLOC_SMALL_MAX     128
#define KMALLOC_SMALL_CLASSES (KMALLOC_SMALL_MAX / 8)
#define KMALLOC_BAND_SHIFT    4   /* 16 classes per doubling above the small ones */

static int class_index(size_t size)
{
	if (size <= KMALLOC_SMALL_MAX)
		return (int)((size - 1) >> 3);
	size_t s = size - 1;
	int k = 63 - __builtin_clzll(s); /* size in (2^k, 2^(k+1)] */
	return KMALLOC_SMALL_CLASSES + ((k - 7) << KMALLOC_BAND_SHIFT) +
	       (int)((s >> (k - KMALLOC_BAND_SHIFT)) & ((1u << KMALLOC_BAND_SHIFT) - 1));
}

/* The size of class idx: the largest size class_index maps to it. */
static uint32_t class_size(int idx)
{
	if (idx < KMALLOC_SMALL_CLASSES)
		return 8u * (uint32_t)(idx + 1);
	idx -= KMALLOC_SMALL_CLASSES;
	uint32_t k = 7 + ((uint32_t)idx >> KMALLOC_BAND_SHIFT);
	uint32_t j = ((uint32_t)idx & ((1u << KMALLOC_BAND_SHIFT) - 1)) + 1;
	return (1u << k) + j * (1u << (k - KMALLOC_BAND_SHIFT));
}

/* Linux's names: kmalloc-<bytes>, kmalloc-<n>k for whole KiB from 1k. */
static void class_name(char *buf, size_t len, uint32_t size)
{
	if (size >= 1024 && size % 1024 == 0)
		mm_snprintf(buf, len, "kmalloc-%uk", size / 1024);
	else
		mm_snprintf(buf, len, "kmalloc-%u", size);
}

struct kmem_cache *kmalloc_cache_for(size_t size)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return kmalloc_caches[class_index(size)];
}

int kmalloc_init(struct buddy *b)
{
	char name[SLAB_NAME_LEN];

	slab_init(b);
	for (int i = 0; i < KMALLOC_NR_CACHES; i++) {
		uint32_t size = class_size(i);
		MM_BUG_ON(class_index(size) != i || class_index(size - 1 ? size - 1 : 1) > i);
		class_name(name, sizeof(name), size);
		kmalloc_caches[i] = kmem_cache_create(name, size, 0, NULL);
		if (!kmalloc_caches[i])
			return -MM_ENOMEM;
	}
	return 0;
}

static unsigned pages_order(size_t size)
{
	unsigned order = 0;
	while ((MM_PAGE_SIZE << order) < size)
		order++;
	return order;
}

static void *kmalloc_large(size_t size, unsigned gfp)
{
	struct buddy *b = slab_global.buddy;
	unsigned order = pages_order(size);
	struct page *p;

	if (order > BUDDY_MAX_ORDER)
		return NULL;
	p = buddy_alloc_pages(b, gfp | BUDDY_GFP_COMP, order);
	if (!p)
		return NULL;
	p->flags |= PG_LARGE_KMALLOC;
	return buddy_page_address(b, p);
}

void *kmalloc(size_t size, unsigned gfp)
{
	struct kmem_cache *c = kmalloc_cache_for(size);

	if (c)
		return slab_alloc(c, gfp, SLAB_RET_IP);
	return size ? kmalloc_large(size, gfp) : NULL;
}

/* The head page of a kmalloc'd block, or NULL (logged) if p is foreign. */
static struct page *kmalloc_page(const void *p)
{
	struct buddy *b = slab_global.buddy;
	struct page *page = buddy_virt_to_page(b, p);

	if (page) {
		page = buddy_compound_head(b, page);
		if (page->flags & (PG_SLAB | PG_LARGE_KMALLOC))
			return page;
	}
	mm_log("kmalloc: foreign pointer %p\n", p);
	return NULL;
}

void kfree(const void *p)
{
	struct page *page;

	if (!p)
		return;
	page = kmalloc_page(p);
	if (!page)
		return;
	if (page->flags & PG_SLAB) {
		slab_free((struct kmem_cache *)(uintptr_t)page->private, page, (void *)(uintptr_t)p,
			  SLAB_RET_IP);
		return;
	}
	page->flags &= ~PG_LARGE_KMALLOC;
	buddy_free_pages(slab_global.buddy, page, page->order);
}

size_t ksize(const void *p)
{
	struct page *page = p ? kmalloc_page(p) : NULL;

	if (!page)
		return 0;
	if (page->flags & PG_SLAB)
		return ((struct kmem_cache *)(uintptr_t)page->private)->object_size;
	return MM_PAGE_SIZE << page->order;
}
