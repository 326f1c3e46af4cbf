/*
 * kmalloc.c: size classes over slab caches, and whole pages beyond
 * KMALLOC_MAX_CACHE_SIZE.
 *
 * Classes (kmalloc.h): Linux's (powers of two, 96, 192) are made by
 * kmalloc_init; each other one once it has been asked for
 * KMALLOC_LAZY_USES times (served by the next base class up until then),
 * so a guest pays only for the classes it uses much. kmalloc_caches[i]
 * goes from NULL to its cache once (a compare-exchange: of two racing
 * creators, the loser destroys its own) and never changes after;
 * kmalloc_class_uses[i] counts requests before that, racily. Everything
 * else is serialised by slab and buddy.
 */
#include "kmalloc.h"
#include "slab_internal.h"

struct kmem_cache *kmalloc_caches[KMALLOC_NR_CACHES];
uint32_t kmalloc_class_uses[KMALLOC_NR_CACHES];

/* 256 < size <= 2048: KMALLOC_FINE_PER classes per doubling, in equal steps
 * of base / KMALLOC_FINE_PER (a power of two: a shift, not a division). */
static unsigned fine_index(size_t size)
{
	unsigned ceil_log2 = 64u - (unsigned)__builtin_clzll((unsigned long long)size - 1);
	size_t base = (size_t)1 << (ceil_log2 - 1);
	unsigned step_shift = ceil_log2 - 1 - (unsigned)__builtin_ctz(KMALLOC_FINE_PER);

	_Static_assert(!(KMALLOC_FINE_PER & (KMALLOC_FINE_PER - 1)), "a power of two");
	return KMALLOC_FINE_FIRST + (ceil_log2 - 9) * KMALLOC_FINE_PER +
	       (unsigned)((size - base - 1) >> step_shift);
}

static unsigned class_index(size_t size)
{
	if (size <= 128)
		return (unsigned)(size - 1) / 8;
	if (size <= 256)
		return 16 + (unsigned)(size - 129) / 16;
	if (size <= 2048)
		return fine_index(size);
	return size <= 4096 ? KMALLOC_NR_CACHES - 2 : KMALLOC_NR_CACHES - 1;
}

/* The object size of class idx (class_index's inverse). */
static uint32_t class_size(unsigned idx)
{
	if (idx < 16)
		return 8 * (idx + 1);
	if (idx < KMALLOC_FINE_FIRST)
		return 128 + 16 * (idx - 15);
	if (idx >= KMALLOC_NR_CACHES - 2)
		return idx == KMALLOC_NR_CACHES - 2 ? 4096 : 8192;
	unsigned rel = idx - KMALLOC_FINE_FIRST;
	uint32_t base = 256u << (rel / KMALLOC_FINE_PER);

	return base + (base / KMALLOC_FINE_PER) * (rel % KMALLOC_FINE_PER + 1);
}

/* Linux's classes (powers of two, 96, 192) exist from kmalloc_init on;
 * the others are made on demand. */
static bool class_is_base(unsigned idx)
{
	uint32_t size = class_size(idx);

	return !(size & (size - 1)) || size == 96 || size == 192;
}

/* Makes class idx's cache, named as Linux names them (kmalloc-1k), its
 * descriptor allocated with gfp. NULL when memory is short. */
static struct kmem_cache *class_create(unsigned idx, unsigned gfp)
{
	uint32_t size = class_size(idx);
	char name[SLAB_NAME_LEN];

	if (size >= 1024 && !(size % 1024))
		mm_snprintf(name, sizeof(name), "kmalloc-%uk", size / 1024);
	else
		mm_snprintf(name, sizeof(name), "kmalloc-%u", size);
	return kmem_cache_create_gfp(name, size, gfp);
}

/* Publishes a new cache for class idx, or the one a racing creator
 * published first. NULL when memory is short. */
static struct kmem_cache *class_publish(unsigned idx, unsigned gfp)
{
	struct kmem_cache *c = class_create(idx, gfp), *none = NULL;

	if (!c)
		return NULL;
	if (__atomic_compare_exchange_n(&kmalloc_caches[idx], &none, c, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return c;
	kmem_cache_destroy(c);
	return none;
}

/*
 * Class idx has no cache yet: its first KMALLOC_LAZY_USES requests go to
 * the next base class up, as they would with Linux's classes, so a class a
 * guest asks for a few times costs no slab of its own; the next request
 * makes it, its descriptor allocated with that request's gfp (an atomic
 * caller's cache does not reclaim). The count is racy: a lost increment
 * only delays the cache. Never NULL: without memory for the cache, the
 * base class serves.
 */
static MM_SLOWPATH struct kmem_cache *class_not_made(unsigned idx, unsigned gfp)
{
	unsigned base = idx + 1;
	struct kmem_cache *c = NULL;

	if (++kmalloc_class_uses[idx] > KMALLOC_LAZY_USES)
		c = class_publish(idx, gfp);
	while (!c && !class_is_base(base))
		base++;
	return c ? c : kmalloc_caches[base];
}

static inline struct kmem_cache *class_cache(unsigned idx, unsigned gfp)
{
	struct kmem_cache *c = __atomic_load_n(&kmalloc_caches[idx], __ATOMIC_ACQUIRE);

	return MM_LIKELY(c) ? c : class_not_made(idx, gfp);
}

/* The cache for a request of size bytes with gfp; NULL for 0 or above
 * KMALLOC_MAX_CACHE_SIZE. Sizes 1..128 take one compare (0 wraps past it). */
static inline struct kmem_cache *cache_for(size_t size, unsigned gfp)
{
	if (MM_LIKELY(size - 1 < 128))
		return class_cache((unsigned)(size - 1) / 8, gfp);
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return class_cache(class_index(size), gfp);
}

struct kmem_cache *kmalloc_cache_for(size_t size)
{
	return cache_for(size, BUDDY_GFP_KERNEL);
}

int kmalloc_init(struct buddy *b)
{
	slab_init(b);
	for (unsigned i = 0; i < KMALLOC_NR_CACHES; i++) {
		kmalloc_caches[i] = NULL;
		kmalloc_class_uses[i] = 0;
		if (class_is_base(i) && !(kmalloc_caches[i] = class_create(i, BUDDY_GFP_KERNEL)))
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
	struct kmem_cache *c = cache_for(size, gfp);

	if (MM_LIKELY(c != NULL))
		return slab_alloc_hit(c, gfp, SLAB_RET_IP);
	return size > KMALLOC_MAX_CACHE_SIZE ? kmalloc_large(size, gfp) : NULL;
}
/* The head page of a kmalloc'd block, or NULL (logged) if p is foreign. */
static inline struct page *kmalloc_page(const void *p)
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

/* kfree of what is not a slab object: whole pages, or a foreign pointer (logged). */
static MM_SLOWPATH void kfree_not_slab(const void *p)
{
	struct page *page = kmalloc_page(p);

	if (!page)
		return;
	page->flags &= ~PG_LARGE_KMALLOC;
	buddy_free_pages(slab_global.buddy, page, page->order);
}

void kfree(const void *p)
{
	struct buddy *b = slab_global.buddy;
	struct page *page;

	if (MM_UNLIKELY(!p))
		return;
	page = buddy_virt_to_page(b, p);
	if (MM_LIKELY(page != NULL)) {
		page = buddy_compound_head(b, page);
		if (MM_LIKELY(page->flags & PG_SLAB)) {
			slab_free_hit((struct kmem_cache *)(uintptr_t)page->private, page,
				      (void *)(uintptr_t)p, SLAB_RET_IP);
			return;
		}
	}
	kfree_not_slab(p);
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
