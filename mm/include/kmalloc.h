/*
 * kmalloc.h: general-purpose allocation over slab caches kmalloc-8 ..
 * kmalloc-8192 (powers of two plus 96 and 192); larger requests take
 * 2^order pages from buddy (PG_LARGE_KMALLOC on the head).
 *
 * Boot: kmalloc_init(buddy) once, after buddy_add_free_range. Thread safety
 * is that of slab.h and buddy.h.
 */
#ifndef MM_KMALLOC_H
#define MM_KMALLOC_H

#include "slab.h"

#define KMALLOC_MAX_CACHE_SIZE 8192
#define KMALLOC_NR_CACHES 13

extern struct kmem_cache *kmalloc_caches[KMALLOC_NR_CACHES];

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
/* The size class serving size, or NULL above KMALLOC_MAX_CACHE_SIZE. */
struct kmem_cache *kmalloc_cache_for(size_t size);

#endif
