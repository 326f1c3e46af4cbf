/*
 * slab.h: object caches over the buddy allocator.
 *
 * A cache hands out objects of one size from slabs of 2^order pages whose
 * free objects are threaded into a free list. Slabs sit on a full, partial
 * or free list. Each CPU keeps an array of free objects as the fast path
 * (refilled and flushed a batch at a time). Slab pages are BUDDY_GFP_COMP
 * allocations marked PG_SLAB with page->private = the cache, freelist and
 * inuse in the head descriptor; objects are reached through
 * mm_phys_to_virt().
 *
 * Boot: slab_init(buddy) (kmalloc_init does it), slab_set_debug(true) before
 * creating caches for mm.debug=1. Debug caches skip the per-CPU arrays and
 * add red zones, poison free objects (unless there is a ctor) and keep a
 * state word per object; double free, foreign pointers, use after free and
 * red-zone overwrites are reported through mm_log as
 *   "slab: <cache>: <what> <object address>"
 * and the bad free is ignored.
 *
 * Locks, in order: slab_global.lock (the cache list), a CPU array's lock,
 * the cache lock, buddy's locks. No slab lock is held across a buddy
 * allocation, so reclaim may call slab_shrink_all() from its hooks.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "buddy.h"

#define SLAB_NAME_LEN   24
#define SLAB_CPU_LIMIT  32   /* objects a CPU array holds */
#define SLAB_CPU_BATCH  16   /* objects moved per refill or flush */
#define SLAB_MAX_ORDER  3
#define SLAB_FREE_KEEP  1    /* empty slabs kept before giving them back at once */

#define SLAB_F_DEBUG    (1u << 0)

#define SLAB_RED_BYTE     0xbb
#define SLAB_POISON_FREE  0x6b
#define SLAB_POISON_END   0xa5
#define SLAB_POISON_INUSE 0x5a
#define SLAB_STATE_ALLOC  0xa11ced0bull
#define SLAB_STATE_FREE   0xf7eed0bull

/* Free objects of one cache cached by one CPU; under lock. */
struct slab_cpu_array {
	mm_spinlock_t lock;
	uint32_t avail;
	uint32_t pad;
	void *entry[SLAB_CPU_LIMIT];
};

struct kmem_cache {
	char name[SLAB_NAME_LEN];
	/* layout, fixed at creation */
	uint32_t object_size;  /* as asked */
	uint32_t size;         /* stride between objects in a slab */
	uint32_t align;
	uint32_t offset;       /* object start in its stride (debug: after the red zone) */
	uint32_t fp_offset;    /* free-list word in its stride */
	uint32_t order;        /* slab = 2^order pages */
	uint32_t objects;      /* per slab */
	uint32_t flags;        /* SLAB_F_* */
	void (*ctor)(void *obj);
	/* under lock */
	mm_spinlock_t lock;
	struct list_head slabs_full, slabs_partial, slabs_free; /* head pages by lru */
	uint64_t nr_slabs;
	uint64_t nr_free_slabs;
	uint64_t active_objs;  /* objects off slab free lists (CPU arrays included) */
	uint64_t debug_reports;
	/* under slab_global.lock */
	struct list_head list;
	struct slab_cpu_array cpu[MM_NR_CPUS];
};

struct slab_global {
	mm_spinlock_t lock;
	struct list_head caches;        /* under lock */
	uint64_t nr_caches;             /* under lock */
	struct buddy *buddy;            /* set once by slab_init */
	uint32_t debug;                 /* default for caches created from now */
	uint32_t pad;
	struct kmem_cache cache_cache;  /* holds every other struct kmem_cache */
};
extern struct slab_global slab_global;

/* Sets up the layer over b (again: forgets every cache, for tests). */
void slab_init(struct buddy *b);
void slab_set_debug(bool on);

/*
 * Creates a cache of objects of size bytes aligned to align (0: 8, else a
 * power of two), constructed once per slab by ctor (may be NULL).
 * Returns NULL for a bad size or alignment or when memory is short.
 */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *obj));
/* Returns an object or NULL. gfp: buddy flags (BUDDY_GFP_ZERO zeroes it). */
void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);
/*
 * kmem_cache_free for a caller that already looked up obj's slab (its head
 * page, PG_SLAB, private == c), as kfree has: the lookup is not repeated.
 * slab may be NULL only for a non-debug cache, whose free does not use it.
 */
void slab_free(struct kmem_cache *c, struct page *slab, void *obj);
/* Returns 0, or -MM_EBUSY (objects live; logged) leaving the cache usable. */
int kmem_cache_destroy(struct kmem_cache *c);
/* Flushes CPU arrays and returns empty slabs to buddy; returns pages freed. */
uint64_t kmem_cache_shrink(struct kmem_cache *c);
uint64_t slab_shrink_all(void);

/* The cache owning obj's slab, or NULL if obj is not in a slab page. */
struct kmem_cache *slab_cache_of(const void *obj);
/* Objects sitting in CPU arrays of c (racy). */
uint64_t slab_cpu_cached(const struct kmem_cache *c);
/* Pages held by all caches. */
uint64_t slab_total_pages(void);

/* Verifies every list and counter of c; 0 or -MM_EFAULT (logged). */
int slab_check_cache(struct kmem_cache *c);

#endif
