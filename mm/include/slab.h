/*
 * slab.h: object caches over the buddy allocator.
 *
 * A cache hands out objects of one size from slabs of 2^order pages whose
 * free objects are threaded into a free list. The order is the smallest
 * that wastes at most 1/64 of a slab, up to a cap set by the RAM buddy
 * manages (a slab at most 1/1024 of it: order 0 in an 8M guest). Slabs sit on a full, partial
 * or free list, except each CPU's slab (SLUB's kmem_cache_cpu): frozen
 * (PG_FROZEN), on no list, its free objects on the CPU's own freelist. The
 * fast paths pop and push that freelist with only the CPU's interrupts
 * masked (mm_irq_save): no lock, no atomic. Frees to another slab wait in
 * the CPU's free batch (struct slab_cpu) and go back to it in one go under
 * the cache lock, as does a CPU's refill. Slab pages are BUDDY_GFP_COMP
 * allocations marked PG_SLAB with page->private = the cache, freelist and
 * inuse in the head descriptor; objects are reached through
 * mm_phys_to_virt().
 *
 * Debugging, as Linux's SLUB does it (Documentation/mm/slub.rst): before
 * caches are made (before kmalloc_init), slab_set_debug_spec() takes the
 * slub_debug= syntax ("FZPU", "P,kmalloc-64,dentry", "FZ;-,kmalloc-*") and
 * slab_set_debug(true) turns every check on for every cache. A cache with
 * any debug flag skips the per-CPU arrays and has the debug layout (see
 * slab_internal.h): F checks frees (foreign pointer, not an object start,
 * double free, state word), Z checks red zones on both sides, P poisons
 * free objects (not with a ctor, as Linux), U records who allocated and
 * freed each object. Problems are reported through mm_log in Linux's words
 * ("BUG <cache> (Not tainted): Object already free", then INFO and FIX
 * lines), counted in debug_reports, and repaired (red zone restored, bad
 * free ignored).
 *
 * Locks, in order: slab_global.lock (the cache list), the cache lock,
 * buddy's locks. No slab lock is held across a buddy allocation, so
 * reclaim may call slab_shrink_all() from its hooks.
 *
 * Per-CPU state: c->cpu[n] (its slab, batch and partial list) is touched by
 * CPU n with its interrupts masked, and by kmem_cache_shrink/destroy, the
 * checker and slab_cpu_cached, which reach every CPU's and so need the
 * other CPUs outside this cache's fast paths meanwhile: the guest
 * has that from its kernel lock (every allocator call holds it; docs/smp.md),
 * the host tests from running on one thread. Linux gets it by flushing on
 * each CPU (an IPI); a finer-locked guest would have to do the same.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include "buddy.h"

#define SLAB_NAME_LEN   24
#define SLAB_MAX_ORDER  3
#define SLAB_WASTE_DIV  64   /* a slab's order keeps waste within 1/64 where it can */
#define SLAB_RAM_SHARE  1024 /* and its size within 1/1024 of RAM (slab_max_order_for) */
#define SLAB_FREE_KEEP  1    /* empty slabs kept before giving them back at once */
#define SLAB_CPU_PARTIAL 8   /* partial slabs a CPU keeps per cache (slub_percpu_partial) */

#define SLAB_F_DEBUG       (1u << 0)  /* debug layout: set with any flag below */
#define SLAB_F_CONSISTENCY (1u << 1)  /* slub_debug F */
#define SLAB_F_RED_ZONE    (1u << 2)  /* Z */
#define SLAB_F_POISON      (1u << 3)  /* P */
#define SLAB_F_STORE_USER  (1u << 4)  /* U */
#define SLAB_F_DEBUG_ALL   (SLAB_F_CONSISTENCY | SLAB_F_RED_ZONE | SLAB_F_POISON | SLAB_F_STORE_USER)

#define SLAB_RED_BYTE     0xbb
#define SLAB_POISON_FREE  0x6b
#define SLAB_POISON_END   0xa5
#define SLAB_POISON_INUSE 0x5a
#define SLAB_STATE_ALLOC  0xa11ced0bull
#define SLAB_STATE_FREE   0xf7eed0bull

/*
 * One CPU's slab of one cache: page is frozen, counted as wholly in use;
 * freelist threads the free objects this CPU may hand out. Owned by the CPU
 * with interrupts masked (see "Per-CPU state" above).
 *
 * Frees to another slab are deferred (the free batch, Linux's detached
 * freelist of kfree_bulk): objects of one slab, remote, are chained through
 * their free-list words from remote_head, still counted in that slab's
 * inuse and on no free list, so nothing can hand them out; a free to any
 * other slab, a refill, or a flush gives the whole chain back to its slab
 * under the cache lock at once. Frees in allocation order take the lock
 * once per slab instead of once per object.
 *
 * Partial slabs (SLUB's kmem_cache_cpu->partial): a full slab that this
 * CPU's batch flush leaves partly free is frozen for the CPU on its partial
 * list (up to SLAB_CPU_PARTIAL, chained by page->next_partial from the
 * CPU's slab: no room taken in every cache's descriptor, and a CPU with
 * no slab has none), so later frees to it by this CPU go on
 * its page->cpu_freelist (counted in its inuse) with no lock, and a dry
 * CPU takes such a slab as its own, with no lock either (the exhausted one
 * taking its place on the list). Other CPUs' frees to it go to
 * page->freelist under the cache lock, as to a CPU's slab.
 */
struct slab_cpu {
	void *freelist;
	struct page *page;     /* NULL: none yet */
	void *remote_head;     /* the free batch: objects of remote, chained */
	struct page *remote;   /* NULL: the batch is empty; never page or on its
				* partial list */
};

struct kmem_cache {
	char name[SLAB_NAME_LEN];
	/* layout, fixed at creation */
	uint32_t object_size;  /* as asked */
	uint32_t size;         /* stride between objects in a slab */
	uint32_t align;
	uint32_t offset;       /* object start in its stride (debug: after the red zone) */
	uint32_t fp_offset;    /* free-list word in its stride */
	int32_t fp_from_obj;   /* fp_offset - offset: the word from an object's start */
	uint32_t order;        /* slab = 2^order pages */
	uint32_t objects;      /* per slab */
	uint32_t flags;        /* SLAB_F_* */
	void (*ctor)(void *obj);
	/* under lock */
	mm_spinlock_t lock;
	struct list_head slabs_full, slabs_partial, slabs_free; /* head pages by lru */
	uint64_t nr_slabs;
	uint64_t nr_free_slabs;
	uint64_t active_objs;  /* objects off slab free lists (CPU freelists included) */
	uint64_t debug_reports;
	/* under slab_global.lock */
	struct list_head list;
	struct slab_cpu cpu[MM_NR_CPUS];
};

/*
 * A parsed slub_debug= value: flags for every cache, then blocks naming
 * caches (a trailing '*' matches a prefix); the first block naming a cache
 * decides its flags.
 */
#define SLAB_DEBUG_BLOCKS 8
#define SLAB_DEBUG_NAMES  8
struct slab_debug_block {
	uint32_t flags;
	uint32_t nr_names;
	char names[SLAB_DEBUG_NAMES][SLAB_NAME_LEN];
};
struct slab_debug_spec {
	uint32_t global_flags;
	uint32_t nr_blocks;
	struct slab_debug_block block[SLAB_DEBUG_BLOCKS];
};

/*
 * Parses a slub_debug= value into spec (NULL or "": every flag for every
 * cache, as Linux). Unknown option letters are logged and skipped, as
 * Linux does; returns -MM_EINVAL (logged, spec left empty) only when the
 * value does not fit: too many blocks or names, or a name too long.
 */
int slab_debug_parse(struct slab_debug_spec *spec, const char *value);
/* The debug flags spec gives the cache called name (0: none). */
uint32_t slab_debug_flags_for(const struct slab_debug_spec *spec, const char *name);

struct slab_global {
	mm_spinlock_t lock;
	struct list_head caches;        /* under lock */
	uint64_t nr_caches;             /* under lock */
	struct buddy *buddy;            /* set once by slab_init */
	unsigned max_order;             /* slab_max_order_for buddy's RAM, by slab_init */
	struct slab_debug_spec debug;   /* for caches created from now */
	struct kmem_cache cache_cache;  /* holds every other struct kmem_cache */
};
extern struct slab_global slab_global;

/*
 * Sets up the layer over b (again: forgets every cache, for tests). The
 * debug settings are kept: they are set before, for the caches to come.
 */
void slab_init(struct buddy *b);
/* The highest slab order for a buddy managing pages (slab_init's choice). */
unsigned slab_max_order_for(uint64_t pages);
/* Every debug flag for every cache from now (on), or none (off). */
void slab_set_debug(bool on);
/* slub_debug= for the caches from now; 0 or -MM_EINVAL (see slab_debug_parse). */
int slab_set_debug_spec(const char *value);

/*
 * Creates a cache of objects of size bytes aligned to align (0: 8, else a
 * power of two), constructed once per slab by ctor (may be NULL).
 * Returns NULL for a bad size or alignment or when memory is short.
 */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *obj));
/* The same with debug flags of its own (SLAB_F_*), added to slub_debug's. */
struct kmem_cache *kmem_cache_create_flags(const char *name, size_t size, size_t align,
					   void (*ctor)(void *obj), uint32_t debug_flags);
/* kmem_cache_create(name, size, 0, NULL) with its descriptor allocated
 * with gfp: kmalloc makes classes on demand, in its caller's context. */
struct kmem_cache *kmem_cache_create_gfp(const char *name, size_t size, unsigned gfp);
/* Returns an object or NULL. gfp: buddy flags (BUDDY_GFP_ZERO zeroes it). */
void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp);
void kmem_cache_free(struct kmem_cache *c, void *obj);
/* The caller's return address: who is recorded as allocating or freeing. */
#define SLAB_RET_IP ((uintptr_t)__builtin_return_address(0))
/* kmem_cache_alloc on behalf of caller (kmalloc passes its own caller). */
void *slab_alloc(struct kmem_cache *c, unsigned gfp, uintptr_t caller);
/*
 * kmem_cache_free for a caller that already looked up obj's slab (its head
 * page, PG_SLAB, private == c), as kfree has: the lookup is not repeated.
 * slab may be NULL only for a debug cache, whose checks report it.
 */
void slab_free(struct kmem_cache *c, struct page *slab, void *obj, uintptr_t caller);
/* Returns 0, or -MM_EBUSY (objects live; logged) leaving the cache usable. */
int kmem_cache_destroy(struct kmem_cache *c);
/* Unfreezes every CPU's slab and returns empty slabs to buddy; returns pages freed. */
uint64_t kmem_cache_shrink(struct kmem_cache *c);
uint64_t slab_shrink_all(void);

/* The cache owning obj's slab, or NULL if obj is not in a slab page. */
struct kmem_cache *slab_cache_of(const void *obj);
/* Free objects CPUs hold for c: their freelists, free batches and partial
 * slabs' CPU freelists. Walks other CPUs' lists: the caller keeps them out
 * of c meanwhile (the guest's kernel lock; see "Per-CPU state" above). */
uint64_t slab_cpu_cached(const struct kmem_cache *c);
/* Pages held by all caches. */
uint64_t slab_total_pages(void);

/* Verifies every list and counter of c; 0 or -MM_EFAULT (logged). */
int slab_check_cache(struct kmem_cache *c);

#endif
