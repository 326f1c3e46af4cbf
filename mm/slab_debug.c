/*
 * slab_debug.c: red zones, poisoning and free-time validation for caches
 * created with slab debugging on (mm.debug=1). Each problem is reported
 * once through mm_log as "slab: <cache>: <problem> <object>" and counted in
 * c->debug_reports; nothing here panics, so tests can check the report.
 * Callers hold no lock: the object is owned by the caller (alloc, free) or
 * freshly made (init).
 */
#include "slab_internal.h"

static void report(struct kmem_cache *c, const char *what, const void *obj)
{
	c->debug_reports++;
	mm_log("slab: %s: %s %p\n", c->name, what, obj);
}

static void set_red_zones(struct kmem_cache *c, void *obj)
{
	char *o = obj;
	__builtin_memset(o - c->offset, SLAB_RED_BYTE, c->offset);
	__builtin_memset(o + slab_obj_span(c), SLAB_RED_BYTE, SLAB_RED_RIGHT);
}

static bool bytes_are(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static bool red_zones_ok(struct kmem_cache *c, void *obj)
{
	unsigned char *o = obj;
	return bytes_are(o - c->offset, c->offset, SLAB_RED_BYTE) &&
	       bytes_are(o + slab_obj_span(c), SLAB_RED_RIGHT, SLAB_RED_BYTE);
}

static void poison(struct kmem_cache *c, void *obj)
{
	unsigned char *o = obj;
	__builtin_memset(o, SLAB_POISON_FREE, c->object_size - 1);
	o[c->object_size - 1] = SLAB_POISON_END;
}

static bool poison_ok(struct kmem_cache *c, void *obj)
{
	unsigned char *o = obj;
	return bytes_are(o, c->object_size - 1, SLAB_POISON_FREE) &&
	       o[c->object_size - 1] == SLAB_POISON_END;
}

void slab_debug_init_object(struct kmem_cache *c, void *obj)
{
	set_red_zones(c, obj);
	if (slab_poisons(c))
		poison(c, obj);
	*slab_state(c, obj) = SLAB_STATE_FREE;
}

/* Checks a free object as it is handed out; repairs what it reports. */
void slab_debug_on_alloc(struct kmem_cache *c, void *obj)
{
	if (slab_poisons(c) && !poison_ok(c, obj))
		report(c, "use after free: poison overwritten in object", obj);
	if (!red_zones_ok(c, obj)) {
		report(c, "red zone overwritten around free object", obj);
		set_red_zones(c, obj);
	}
	*slab_state(c, obj) = SLAB_STATE_ALLOC;
	if (slab_poisons(c))
		__builtin_memset(obj, SLAB_POISON_INUSE, c->object_size);
}

/*
 * Validates a free of obj (head: its slab page or NULL). Returns false,
 * after a report, when the free must be ignored: a pointer outside any
 * slab, into another cache, not at an object start, already free or with
 * a corrupted state word. A broken red zone is reported but freed.
 */
bool slab_debug_free_ok(struct kmem_cache *c, struct page *head, void *obj)
{
	if (!head) {
		report(c, "free of foreign pointer (not a slab page)", obj);
		return false;
	}
	if ((struct kmem_cache *)(uintptr_t)head->private != c) {
		report(c, "free of foreign pointer (object of another cache)", obj);
		return false;
	}
	uint64_t off = (uint64_t)((char *)obj - (char *)buddy_page_address(slab_global.buddy, head));
	if (off < c->offset || (off - c->offset) % c->size ||
	    (off - c->offset) / c->size >= c->objects) {
		report(c, "free of foreign pointer (not an object start)", obj);
		return false;
	}
	if (*slab_state(c, obj) == SLAB_STATE_FREE) {
		report(c, "double free of object", obj);
		return false;
	}
	if (*slab_state(c, obj) != SLAB_STATE_ALLOC) {
		report(c, "free of corrupted object (state word overwritten)", obj);
		return false;
	}
	if (!red_zones_ok(c, obj)) {
		report(c, "red zone overwritten around object", obj);
		set_red_zones(c, obj);
	}
	return true;
}

void slab_debug_on_free(struct kmem_cache *c, void *obj)
{
	if (slab_poisons(c))
		poison(c, obj);
	*slab_state(c, obj) = SLAB_STATE_FREE;
}
