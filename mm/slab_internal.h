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

/*
 * The hit paths, inline so kmalloc and kfree have them without a call
 * layer (slab_alloc and slab_free are these). Each is small and
 * call-free, so it needs no saved registers; everything else is out of
 * line:
 *   slab_alloc_slow   this CPU's freelist ran dry (interrupts masked since
 *                     flags); restores them; NULL when buddy has no slab
 *   slab_alloc_debug  a debug cache: every operation under the lock
 *   slab_alloc_zeroed BUDDY_GFP_ZERO
 *   slab_free_slow    an object of neither the CPU's slab nor its batch's
 *                     slab: starts a new batch; restores flags
 *   slab_free_debug   a debug cache (it checks slab, which may be NULL)
 */
void *slab_alloc_slow(struct kmem_cache *c, unsigned gfp, unsigned long flags);
void *slab_alloc_debug(struct kmem_cache *c, unsigned gfp, uintptr_t caller);
void *slab_alloc_zeroed(struct kmem_cache *c, unsigned gfp, uintptr_t caller);
void slab_free_slow(struct kmem_cache *c, struct slab_cpu *cpu, struct page *slab, void *obj,
		    unsigned long flags);
void slab_free_debug(struct kmem_cache *c, struct page *slab, void *obj, uintptr_t caller);

/* Pops this CPU's freelist with its interrupts masked. */
static inline void *slab_alloc_hit(struct kmem_cache *c, unsigned gfp, uintptr_t caller)
{
	if (MM_UNLIKELY(gfp & BUDDY_GFP_ZERO))
		return slab_alloc_zeroed(c, gfp, caller); /* this, without the flag, then zeroes */
	if (MM_UNLIKELY(c->flags & SLAB_F_DEBUG))
		return slab_alloc_debug(c, gfp, caller);
	unsigned long flags = mm_irq_save();
	struct slab_cpu *cpu = &c->cpu[mm_cpu_id()];
	void *obj = cpu->freelist;

	if (MM_UNLIKELY(!obj))
		return slab_alloc_slow(c, gfp, flags);
	cpu->freelist = *slab_fp(c, obj);
	mm_irq_restore(flags);
	return obj;
}

/*
 * Interrupts masked: an object of this CPU's slab goes on its freelist;
 * one of the slab the CPU's free batch is for, on the batch; any other
 * starts a new batch (slab_free_slow).
 */
static inline void slab_free_hit(struct kmem_cache *c, struct page *slab, void *obj,
				 uintptr_t caller)
{
	if (MM_UNLIKELY(c->flags & SLAB_F_DEBUG)) {
		slab_free_debug(c, slab, obj, caller);
		return;
	}
	unsigned long flags = mm_irq_save();
	struct slab_cpu *cpu = &c->cpu[mm_cpu_id()];
	void **head;

	if (MM_LIKELY(slab == cpu->page))
		head = &cpu->freelist;
	else if (MM_LIKELY(slab == cpu->remote))
		head = &cpu->remote_head;
	else {
		slab_free_slow(c, cpu, slab, obj, flags);
		return;
	}
	*slab_fp(c, obj) = *head;
	*head = obj;
	mm_irq_restore(flags);
}

/* Head page of the slab holding obj, or NULL if obj is not in a slab page. */
struct page *slab_obj_page(const void *obj);

/* Debug: prepare a new object; check one leaving or entering the free list. */
void slab_debug_init_object(struct kmem_cache *c, void *obj);
void slab_debug_on_alloc(struct kmem_cache *c, void *obj, uintptr_t caller);
bool slab_debug_free_ok(struct kmem_cache *c, struct page *head, void *obj);
void slab_debug_on_free(struct kmem_cache *c, void *obj, uintptr_t caller);

#endif
