/*
 * slab_internal.h: what slab.c, slab_debug.c and slab_check.c share.
 * Object layout in a stride of c->size bytes:
 *   plain:           [object ......][free-list word if there is a ctor]
 *   debug:  [red zone][object][red zone 8][free-list word 8][state word 8]
 *           [alloc track 16][free track 16]   (tracks with SLAB_F_STORE_USER)
 * The free-list word of a free object holds the next free object's address.
 * The red zones and state word are there with any debug flag; they are
 * written and checked only with the flag that asks for it.
 */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include "slab.h"

#define SLAB_RED_RIGHT 8

static inline void **slab_fp(const struct kmem_cache *c, void *obj)
{
	return (void **)((char *)obj + c->fp_from_obj);
}

static inline uint64_t *slab_state(const struct kmem_cache *c, void *obj)
{
	return (uint64_t *)((char *)obj - c->offset + c->fp_offset + sizeof(void *));
}

/* Who allocated or freed an object last (slub_debug U). */
struct slab_track {
	uint64_t addr;
	uint32_t cpu;
	uint32_t pad;
};
#define SLAB_TRACKS_SIZE (2 * (uint32_t)sizeof(struct slab_track))

static inline struct slab_track *slab_track(const struct kmem_cache *c, void *obj, bool freed)
{
	return (struct slab_track *)(slab_state(c, obj) + 1) + freed;
}

static inline uint32_t slab_obj_span(const struct kmem_cache *c)
{
	return (uint32_t)MM_ALIGN_UP(c->object_size, 8u);
}

static inline bool slab_poisons(const struct kmem_cache *c)
{
	return (c->flags & SLAB_F_POISON) && !c->ctor;
}

/* Head page of the slab holding obj, or NULL if obj is not in a slab page. */
struct page *slab_obj_page(const void *obj);

/* Debug: prepare a new object; check one leaving or entering the free list. */
void slab_debug_init_object(struct kmem_cache *c, void *obj);
void slab_debug_on_alloc(struct kmem_cache *c, void *obj, uintptr_t caller);
bool slab_debug_free_ok(struct kmem_cache *c, struct page *head, void *obj);
void slab_debug_on_free(struct kmem_cache *c, void *obj, uintptr_t caller);

#endif
