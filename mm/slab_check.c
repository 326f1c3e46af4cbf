/*
 * slab_check.c: verifies a cache's lists and counters against the
 * invariants at the top of slab.c. Takes the cache lock; callers hold none.
 * For tests and mm.debug.
 */
#include "slab_internal.h"

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			mm_log("slab_check: %s: ", c->name);                \
			mm_log(__VA_ARGS__);                                \
			return -MM_EFAULT;                                  \
		}                                                           \
	} while (0)

/* Counts a slab's free list, checking each object belongs to it. */
static int check_freelist(struct kmem_cache *c, struct page *p, uint32_t *nfree)
{
	char *base = buddy_page_address(slab_global.buddy, p);
	uint32_t n = 0;

	for (void *obj = p->freelist; obj; obj = *slab_fp(c, obj)) {
		uint64_t off = (uint64_t)((char *)obj - base);
		CHECK(off >= c->offset && (off - c->offset) % c->size == 0 &&
		      (off - c->offset) / c->size < c->objects,
		      "free object %p outside its slab %p\n", obj, (void *)base);
		CHECK(++n <= c->objects, "slab %p free list loops\n", (void *)base);
		if (c->flags & SLAB_F_DEBUG)
			CHECK(*slab_state(c, obj) == SLAB_STATE_FREE,
			      "object %p on free list not marked free\n", obj);
	}
	*nfree = n;
	return 0;
}

static int check_list(struct kmem_cache *c, struct list_head *head, int kind,
		      uint64_t *slabs, uint64_t *inuse)
{
	struct list_head *pos;

	list_for_each(pos, head) {
		struct page *p = list_entry(pos, struct page, lru);
		uint32_t nfree;
		CHECK((p->flags & PG_SLAB) && p->private == (uint64_t)(uintptr_t)c,
		      "page on list not a slab of this cache\n");
		int err = check_freelist(c, p, &nfree);
		if (err)
			return err;
		CHECK(nfree + p->inuse == c->objects, "slab inuse %u + free %u != %u\n",
		      p->inuse, nfree, c->objects);
		CHECK(kind == 0 ? p->inuse == c->objects :
		      kind == 1 ? p->inuse && p->inuse < c->objects : p->inuse == 0,
		      "slab with inuse %u on the wrong list (%d)\n", p->inuse, kind);
		(*slabs)++;
		*inuse += p->inuse;
	}
	return 0;
}

static int check_locked(struct kmem_cache *c)
{
	uint64_t slabs = 0, inuse = 0, free_slabs;
	int err;

	err = check_list(c, &c->slabs_full, 0, &slabs, &inuse);
	if (!err)
		err = check_list(c, &c->slabs_partial, 1, &slabs, &inuse);
	free_slabs = slabs;
	if (!err)
		err = check_list(c, &c->slabs_free, 2, &slabs, &inuse);
	if (err)
		return err;
	CHECK(slabs == c->nr_slabs, "%llu slabs on lists, nr_slabs %llu\n",
	      (unsigned long long)slabs, (unsigned long long)c->nr_slabs);
	CHECK(slabs - free_slabs == c->nr_free_slabs, "nr_free_slabs %llu, listed %llu\n",
	      (unsigned long long)c->nr_free_slabs, (unsigned long long)(slabs - free_slabs));
	CHECK(inuse == c->active_objs, "inuse sums to %llu, active_objs %llu\n",
	      (unsigned long long)inuse, (unsigned long long)c->active_objs);
	return 0;
}

int slab_check_cache(struct kmem_cache *c)
{
	mm_spin_lock(&c->lock);
	int err = check_locked(c);
	mm_spin_unlock(&c->lock);
	return err;
}
