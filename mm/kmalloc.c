/*
 * kmalloc.c: size classes over slab caches, and whole pages beyond
 * KMALLOC_MAX_CACHE_SIZE. kmalloc_caches[] is written once by kmalloc_init
 * and read-only after; everything else is serialised by slab and buddy.
 */
#include "kmalloc.h"

struct kmem_cache *kmalloc_caches[KMALLOC_NR_CACHES];

static const uint32_t kmalloc_sizes[KMALLOC_NR_CACHES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
static const char *const kmalloc_names[KMALLOC_NR_CACHES] = {
	"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-96",
	"kmalloc-128", "kmalloc-192", "kmalloc-256", "kmalloc-512", "kmalloc-1k",
	"kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
};

/* Class index for sizes 1..192 by (size - 1) / 8, as Linux's size_index. */
static const uint8_t small_index[24] = {
	0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5,
	6, 6, 6, 6, 6, 6, 6, 6,
};

static int class_index(size_t size)
{
	if (size <= 192)
		return small_index[(size - 1) / 8];
	int idx = 7; /* 256 */
	for (size_t s = 256; s < size; s <<= 1)
		idx++;
	return idx;
}

struct kmem_cache *kmalloc_cache_for(size_t size)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return kmalloc_caches[class_index(size)];
}

int kmalloc_init(struct buddy *b)
{
	slab_init(b);
	for (int i = 0; i < KMALLOC_NR_CACHES; i++) {
		kmalloc_caches[i] = kmem_cache_create(kmalloc_names[i], kmalloc_sizes[i], 0, NULL);
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
