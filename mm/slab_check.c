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

/* Counts the free list from head, checking each object belongs to slab p. */
static int check_freelist(struct kmem_cache *c, struct page *p, void *head, uint32_t *nfree)
{
	char *base = buddy_page_address(slab_global.buddy, p);
	uint32_t n = 0;

	for (void *obj = head; obj; obj = *slab_fp(c, obj)) {
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
		CHECK(!(p->flags & PG_FROZEN), "a CPU's slab on a list\n");
		int err = check_freelist(c, p, p->freelist, &nfree);
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

/* A CPU's free batch: objects of its slab, counted in its inuse. */
static int check_batch(struct kmem_cache *c, int n, struct slab_cpu *cpu)
{
	struct page *p = cpu->remote;
	uint32_t nbatch;

	CHECK(!p == !cpu->remote_head, "CPU %d's free batch half empty\n", n);
	if (!p)
		return 0;
	CHECK((p->flags & PG_SLAB) && p->private == (uint64_t)(uintptr_t)c,
	      "CPU %d's free batch not for a slab of this cache\n", n);
	CHECK(p != cpu->page && (!(p->flags & PG_FROZEN) || p->frozen_cpu != (uint32_t)n),
	      "CPU %d's free batch is for its own slab or a partial slab of its own\n", n);
	int err = check_freelist(c, p, cpu->remote_head, &nbatch);
	if (err)
		return err;
	CHECK(nbatch <= p->inuse, "CPU %d's free batch of %u, slab inuse %u\n", n, nbatch,
	      p->inuse);
	return 0;
}

/*
 * A slab CPU n holds (its slab, cpu_free its CPU freelist; or one on its
 * partial list): frozen for n, its free list and the CPU's objects within
 * what its inuse counts.
 */
static int check_frozen(struct kmem_cache *c, int n, struct page *p, void *cpu_free)
{
	uint32_t nfree, ncpu;
	int err;

	CHECK((p->flags & (PG_SLAB | PG_FROZEN)) == (PG_SLAB | PG_FROZEN) &&
	      p->private == (uint64_t)(uintptr_t)c && p->frozen_cpu == (uint32_t)n,
	      "CPU %d's slab %p not frozen here\n", n, (void *)p);
	err = check_freelist(c, p, p->freelist, &nfree);
	if (!err)
		err = check_freelist(c, p, cpu_free, &ncpu);
	if (err)
		return err;
	CHECK(nfree + p->inuse == c->objects && ncpu <= p->inuse,
	      "CPU %d's slab: inuse %u, free %u, on the CPU %u of %u\n", n, p->inuse,
	      nfree, ncpu, c->objects);
	return 0;
}

/* CPU n's partial list, chained from its slab: at most SLAB_CPU_PARTIAL frozen slabs. */
static int check_partial(struct kmem_cache *c, int n, struct slab_cpu *cpu, uint64_t *slabs,
			 uint64_t *inuse)
{
	uint32_t count = 0;

	for (struct page *p = cpu->page ? cpu->page->next_partial : NULL; p;
	     p = p->next_partial) {
		int err;

		CHECK(++count <= SLAB_CPU_PARTIAL && p != cpu->page,
		      "CPU %d's partial list too long or holding its slab\n", n);
		err = check_frozen(c, n, p, p->cpu_freelist);
		if (err)
			return err;
		(*slabs)++;
		*inuse += p->inuse;
	}
	return 0;
}

/* Each CPU's slab and partial slabs: frozen, CPU freelists among the objects counted in use. */
static int check_cpu_slabs(struct kmem_cache *c, uint64_t *slabs, uint64_t *inuse)
{
	for (int n = 0; n < MM_NR_CPUS; n++) {
		struct slab_cpu *cpu = &c->cpu[n];
		struct page *p = cpu->page;
		int err = check_batch(c, n, cpu);

		if (!err)
			err = check_partial(c, n, cpu, slabs, inuse);
		if (err)
			return err;
		if (!p) {
			CHECK(!cpu->freelist, "CPU %d has a freelist and no slab\n", n);
			continue;
		}
		err = check_frozen(c, n, p, cpu->freelist);
		if (err)
			return err;
		(*slabs)++;
		*inuse += p->inuse;
	}
	return 0;
}

static int check_locked(struct kmem_cache *c)
{
	uint64_t slabs = 0, inuse = 0, free_slabs;
	int err;

	err = check_cpu_slabs(c, &slabs, &inuse);
	if (!err)
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
