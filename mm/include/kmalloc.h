/*
 * kmalloc.h: general-purpose allocation over slab caches kmalloc-8 ..
 * kmalloc-8k, in steps of 8 bytes up to 128, 16 up to 256, then 32 classes
 * per doubling up to 2048 (264, 272, .., 512, 528, .., 1k, 1056, .., 2k),
 * then 4k and 8k: at most 1/32 of an object above 256 is rounding, where
 * most bytes of mixed-size requests go (glibc rounds to 16 bytes). Larger
 * requests take 2^order pages from buddy (PG_LARGE_KMALLOC on the head).
 * Only Linux's classes (powers of two, 96, 192) are made at boot; each
 * other one after KMALLOC_LAZY_USES requests, served by the next base
 * class up until then (kmalloc.c).
 *
 * Boot: kmalloc_init(buddy) once, after buddy_add_free_range. Thread safety
 * is that of slab.h and buddy.h.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include "slab.h"

#define KMALLOC_MAX_CACHE_SIZE 8192
#define KMALLOC_FINE_FIRST 24   /* index of the first class above 256 */
#define KMALLOC_FINE_PER   32   /* classes per doubling from 256 to 2048 */
#define KMALLOC_NR_CACHES  (KMALLOC_FINE_FIRST + 3 * KMALLOC_FINE_PER + 2)
#define KMALLOC_NR_BASE_CACHES 13 /* made by kmalloc_init */

#define KMALLOC_LAZY_USES  8    /* requests a class waits for before its cache is made */

extern struct kmem_cache *kmalloc_caches[KMALLOC_NR_CACHES]; /* NULL: not made yet */
extern uint32_t kmalloc_class_uses[KMALLOC_NR_CACHES];      /* requests before it was */

/* Initialises the slab layer over b and the size classes. 0 or -MM_ENOMEM. */
int kmalloc_init(struct buddy *b);

/* Returns size bytes (at least 8-aligned; power-of-two classes naturally
 * aligned without debug) or NULL for 0 bytes or no memory. */
void *kmalloc(size_t size, unsigned gfp);
static inline void *kzalloc(size_t size, unsigned gfp)
{
	return kmalloc(size, gfp | BUDDY_GFP_ZERO);
}
/* Frees what kmalloc returned; NULL is fine; a foreign pointer is logged. */
void kfree(const void *p);
/* Usable size of a kmalloc'd block; 0 for a foreign pointer. */
size_t ksize(const void *p);
/* The cache serving a BUDDY_GFP_KERNEL request of size bytes now (counted
 * as one; see KMALLOC_LAZY_USES), or NULL for 0 or above
 * KMALLOC_MAX_CACHE_SIZE. */
struct kmem_cache *kmalloc_cache_for(size_t size);

#endif
