/*
 * slab_debug.c: what slub_debug's letters do to a cache's objects: red
 * zones (Z), poisoning (P), free-time validation (F) and the owner tracks
 * (U). Each problem is reported in Linux's words through mm_log:
 *   =============...
 *   BUG <cache> (Not tainted): <problem>
 *   -------------...
 *   INFO: ... lines (where, what was found, who allocated and freed it)
 *   FIX <cache>: <what was repaired or ignored>
 * and counted in c->debug_reports; nothing here panics, so tests and the
 * guest's self-test can check the report. The state word is kept with any
 * debug flag, so F can tell a double free even when the others are off.
 * Callers hold no lock: the object is owned by the caller (alloc, free) or
 * freshly made (init).
 */
#include "slab_internal.h"

#define SLAB_RULE_BIG   "============================================================================="
#define SLAB_RULE_SMALL "-----------------------------------------------------------------------------"

static void report_head(struct kmem_cache *c, const char *problem)
{
	c->debug_reports++;
	mm_log("%s\n", SLAB_RULE_BIG);
	mm_log("BUG %s (Not tainted): %s\n", c->name, problem);
	mm_log("%s\n", SLAB_RULE_SMALL);
}

static void report_tracks(struct kmem_cache *c, void *obj)
{
	if (!(c->flags & SLAB_F_STORE_USER))
		return;
	const struct slab_track *a = slab_track(c, obj, false), *f = slab_track(c, obj, true);
	if (a->addr)
		mm_log("INFO: Allocated in %pS cpu=%u\n", (void *)(uintptr_t)a->addr, a->cpu);
	if (f->addr)
		mm_log("INFO: Freed in %pS cpu=%u\n", (void *)(uintptr_t)f->addr, f->cpu);
}

/* A problem with one object (Linux's object_err). */
static void report_object(struct kmem_cache *c, const char *problem, void *obj, const char *fix)
{
	report_head(c, problem);
	mm_log("INFO: Object %p @offset=%u size=%u\n", obj, c->offset, c->object_size);
	report_tracks(c, obj);
	mm_log("FIX %s: %s\n", c->name, fix);
}

static void record_track(struct kmem_cache *c, void *obj, bool freed, uintptr_t caller)
{
	if (!(c->flags & SLAB_F_STORE_USER))
		return;
	struct slab_track *t = slab_track(c, obj, freed);
	t->addr = caller;
	t->cpu = mm_cpu_id();
}

/* ---- byte areas: red zones and poison -------------------------------- */

/* An area of an object that must hold one byte value (the last may differ). */
struct slab_area {
	const char *name;   /* "Left Redzone", "Right Redzone", "Poison" */
	unsigned char *start;
	uint32_t len;
	unsigned char value, last; /* last: the final byte's value */
};

static unsigned char *first_bad_byte(const struct slab_area *a)
{
	for (uint32_t i = 0; i < a->len; i++)
		if (a->start[i] != (i + 1 == a->len ? a->last : a->value))
			return a->start + i;
	return NULL;
}

static void fill_area(const struct slab_area *a)
{
	__builtin_memset(a->start, a->value, a->len);
	if (a->len)
		a->start[a->len - 1] = a->last;
}

/* Checks an area; reports and restores it if overwritten (Linux's check_bytes_and_report). */
static bool check_area(struct kmem_cache *c, void *obj, const struct slab_area *a)
{
	unsigned char *bad = first_bad_byte(a);
	char problem[48];

	if (!bad)
		return true;
	mm_snprintf(problem, sizeof(problem), "%s overwritten", a->name);
	report_head(c, problem);
	mm_log("INFO: %p-%p @offset=%u. First byte 0x%x instead of 0x%x\n", (void *)bad,
	       (void *)(a->start + a->len - 1), (uint32_t)(bad - (unsigned char *)obj + c->offset),
	       *bad, bad + 1 == a->start + a->len ? a->last : a->value);
	mm_log("INFO: Object %p @offset=%u size=%u\n", obj, c->offset, c->object_size);
	report_tracks(c, obj);
	mm_log("FIX %s: Restoring %s %p-%p=0x%x\n", c->name, a->name, (void *)a->start,
	       (void *)(a->start + a->len - 1), a->value);
	fill_area(a);
	return false;
}

static struct slab_area left_red_zone(struct kmem_cache *c, void *obj)
{
	return (struct slab_area){ "Left Redzone", (unsigned char *)obj - c->offset, c->offset,
				   SLAB_RED_BYTE, SLAB_RED_BYTE };
}

static struct slab_area right_red_zone(struct kmem_cache *c, void *obj)
{
	return (struct slab_area){ "Right Redzone", (unsigned char *)obj + slab_obj_span(c),
				   SLAB_RED_RIGHT, SLAB_RED_BYTE, SLAB_RED_BYTE };
}

static struct slab_area poison_area(struct kmem_cache *c, void *obj)
{
	return (struct slab_area){ "Poison", obj, c->object_size, SLAB_POISON_FREE, SLAB_POISON_END };
}

static void check_red_zones(struct kmem_cache *c, void *obj)
{
	if (!(c->flags & SLAB_F_RED_ZONE))
		return;
	struct slab_area left = left_red_zone(c, obj), right = right_red_zone(c, obj);
	check_area(c, obj, &left);
	check_area(c, obj, &right);
}

static void set_red_zones(struct kmem_cache *c, void *obj)
{
	if (!(c->flags & SLAB_F_RED_ZONE))
		return;
	struct slab_area left = left_red_zone(c, obj), right = right_red_zone(c, obj);
	fill_area(&left);
	fill_area(&right);
}

static void poison(struct kmem_cache *c, void *obj)
{
	if (!slab_poisons(c))
		return;
	struct slab_area a = poison_area(c, obj);
	fill_area(&a);
}

/* ---- the hooks slab.c calls ------------------------------------------ */

void slab_debug_init_object(struct kmem_cache *c, void *obj)
{
	set_red_zones(c, obj);
	poison(c, obj);
	*slab_state(c, obj) = SLAB_STATE_FREE;
	if (c->flags & SLAB_F_STORE_USER)
		__builtin_memset(slab_track(c, obj, false), 0, SLAB_TRACKS_SIZE);
}

/* Checks a free object as it is handed out; repairs what it reports. */
void slab_debug_on_alloc(struct kmem_cache *c, void *obj, uintptr_t caller)
{
	if (slab_poisons(c)) {
		struct slab_area a = poison_area(c, obj);
		check_area(c, obj, &a);
	}
	check_red_zones(c, obj);
	*slab_state(c, obj) = SLAB_STATE_ALLOC;
	record_track(c, obj, false, caller);
	if (slab_poisons(c))
		__builtin_memset(obj, SLAB_POISON_INUSE, c->object_size);
}

/*
 * Where obj is not an object of c, writes the problem as Linux words it
 * into buf and returns true.
 */
static bool foreign_problem(struct kmem_cache *c, struct page *head, void *obj, char *buf,
			    size_t size)
{
	const struct kmem_cache *owner = head ? (struct kmem_cache *)(uintptr_t)head->private : NULL;

	if (!head) {
		mm_snprintf(buf, size, "Object is not a Slab page");
		return true;
	}
	if (owner != c) {
		mm_snprintf(buf, size, "Wrong slab cache. %s but object is from %s", c->name,
			    owner->name);
		return true;
	}
	uint64_t off = (uint64_t)((char *)obj - (char *)buddy_page_address(slab_global.buddy, head));
	if (off < c->offset || (off - c->offset) % c->size ||
	    (off - c->offset) / c->size >= c->objects) {
		mm_snprintf(buf, size, "Invalid object pointer %p", obj);
		return true;
	}
	return false;
}

/*
 * Validates a free of obj (head: its slab page or NULL). With F, returns
 * false, after a report, when the free must be ignored: a pointer outside
 * any slab, into another cache, not at an object start, already free or
 * with a corrupted state word; without F, only a pointer outside any slab
 * (there is no slab to put it in). Red zones (Z) are checked
 * and restored; that free goes ahead.
 */
bool slab_debug_free_ok(struct kmem_cache *c, struct page *head, void *obj)
{
	/* without F only what cannot be freed at all (no slab page) is refused */
	if (!(c->flags & SLAB_F_CONSISTENCY) && head)
		return true;
	char foreign[SLAB_NAME_LEN * 2 + 48];
	if (foreign_problem(c, head, obj, foreign, sizeof(foreign))) {
		report_head(c, foreign);
		mm_log("INFO: Pointer %p\n", obj);
		mm_log("FIX %s: Free ignored\n", c->name);
		return false;
	}
	if (*slab_state(c, obj) == SLAB_STATE_FREE) {
		report_object(c, "Object already free", obj, "Free ignored");
		return false;
	}
	if (*slab_state(c, obj) != SLAB_STATE_ALLOC) {
		report_object(c, "Object state word overwritten", obj, "Free ignored, object leaked");
		return false;
	}
	check_red_zones(c, obj);
	return true;
}

void slab_debug_on_free(struct kmem_cache *c, void *obj, uintptr_t caller)
{
	if (!(c->flags & SLAB_F_CONSISTENCY))
		check_red_zones(c, obj);
	record_track(c, obj, true, caller);
	poison(c, obj);
	*slab_state(c, obj) = SLAB_STATE_FREE;
}
