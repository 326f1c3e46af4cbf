/*
 * slab_internal.h: what slab.c, slab_debug.c and slab_check.c share.
 * Object layout in a stride of c->size bytes:
 *   plain:           [object ......][free-list word if there is a ctor]
 *   debug:  [red zone][object][red zone 8][free-list word 8][state word 8]
 * The free-list word of a free object holds the next free object's address.
 */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include "slab.h"

#define SLAB_RED_RIGHT 8

static inline void **slab_fp(const struct kmem_cache *c, void *obj)
{
	return (void **)((char *)obj - c->offset + c->fp_offset);
}

static inline uint64_t *slab_state(const struct kmem_cache *c, void *obj)
{
	return (uint64_t *)((char *)obj - c->offset + c->fp_offset + sizeof(void *));
}

static inline uint32_t slab_obj_span(const struct kmem_cache *c)
{
	return (uint32_t)MM_ALIGN_UP(c->object_size, 8u);
}

static inline bool slab_poisons(const struct kmem_cache *c)
{
	return (c->flags & SLAB_F_DEBUG) && !c->ctor;
}

/* Head page of the slab holding obj, or NULL if obj is not in a slab page. */
struct page *slab_obj_page(const void *obj);

/* Debug: prepare a new object; check one leaving or entering the free list. */
void slab_debug_init_object(struct kmem_cache *c, void *obj);
void slab_debug_on_alloc(struct kmem_cache *c, void *obj);
bool slab_debug_free_ok(struct kmem_cache *c, struct page *head, void *obj);
void slab_debug_on_free(struct kmem_cache *c, void *obj);

#endif
