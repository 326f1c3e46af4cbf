/*
 * slab.c: object caches (see slab.h for the model and the lock order).
 *
 * Invariants (checked by slab_check_cache):
 *   - a slab that is no CPU's slab is on slabs_full if inuse == objects,
 *     slabs_partial if 0 < inuse < objects, slabs_free if inuse == 0;
 *     page->freelist threads exactly objects - inuse free objects of it;
 *   - a CPU's slab (cpu[n].page) is PG_FROZEN and on no list; the objects
 *     on cpu[n].freelist are its own and counted in its inuse; other CPUs'
 *     frees to it go on page->freelist (inuse drops), which the CPU takes
 *     over when its freelist runs dry;
 *   - the objects of cpu[n]'s free batch (remote_head) all belong to the
 *     slab cpu[n].remote, are counted in its inuse and are on no free list;
 *     the batch is empty (both NULL) or holds at least one; its slab is
 *     neither cpu[n]'s slab nor on cpu[n]'s partial list;
 *   - cpu[n]'s partial list (at most SLAB_CPU_PARTIAL slabs) is chained by
 *     next_partial from cpu[n]'s slab, so it is empty while the CPU has no
 *     slab; a slab on it is PG_FROZEN with
 *     frozen_cpu n, on no cache list; the objects on its cpu_freelist are
 *     counted in its inuse and only CPU n touches them; its freelist takes
 *     other CPUs' frees under the lock, as a CPU's slab's does;
 *   - active_objs is the sum of inuse; nr_slabs counts the lists and the
 *     frozen slabs, nr_free_slabs the free list.
 * Debug caches never have a CPU slab: every operation takes the lock.
 */
#include "slab_internal.h"

struct slab_global slab_global;

/* ---- layout -------------------------------------------------------- */

/*
 * Smallest order up to max_order wasting at most 1/SLAB_WASTE_DIV of the
 * slab; else the least wasteful up to max_order, or the first order one
 * object fits in if that is higher. -1 if none up to SLAB_MAX_ORDER does.
 */
static int choose_order(uint32_t size, unsigned max_order)
{
	int best = -1;
	uint64_t best_waste = UINT64_MAX;

	for (int order = 0; order <= SLAB_MAX_ORDER; order++) {
		uint64_t bytes = MM_PAGE_SIZE << order, n = bytes / size;
		uint64_t waste = bytes - n * size;
		if (!n || n > UINT16_MAX)
			continue;
		if ((unsigned)order > max_order && best >= 0)
			break;
		if (waste * SLAB_WASTE_DIV <= bytes)
			return order;
		if (waste * 1000 / bytes < best_waste) {
			best_waste = waste * 1000 / bytes;
			best = order;
		}
	}
	return best;
}

/*
 * The highest slab order for a machine whose buddy manages pages: a slab
 * is at most 1/SLAB_RAM_SHARE of it, so a small guest's caches, each with
 * at least one slab, cost a page each (order 0 up to 8 MiB), not 32 KiB.
 */
unsigned slab_max_order_for(uint64_t pages)
{
	unsigned order = 0;

	while (order < SLAB_MAX_ORDER && (2ull << order) * SLAB_RAM_SHARE <= pages)
		order++;
	return order;
}

static int cache_layout(struct kmem_cache *c, size_t size, size_t align, unsigned flags)
{
	uint32_t span;

	if (!size || size > (MM_PAGE_SIZE << SLAB_MAX_ORDER) || (align & (align - 1)) ||
	    align > MM_PAGE_SIZE)
		return -MM_EINVAL;
	c->object_size = (uint32_t)size;
	c->align = (uint32_t)MM_MAX(align, 8u);
	c->flags = flags;
	span = slab_obj_span(c);
	if (flags & SLAB_F_DEBUG) {
		c->offset = c->align;
		c->fp_offset = c->offset + span + SLAB_RED_RIGHT;
		c->size = c->fp_offset + 2 * (uint32_t)sizeof(uint64_t) +
			  ((flags & SLAB_F_STORE_USER) ? SLAB_TRACKS_SIZE : 0);
	} else {
		c->offset = 0;
		c->fp_offset = c->ctor ? span : 0;
		c->size = c->ctor ? span + (uint32_t)sizeof(void *) : span;
	}
	c->size = MM_ALIGN_UP(c->size, c->align);
	c->fp_from_obj = (int32_t)c->fp_offset - (int32_t)c->offset;
	int order = choose_order(c->size, slab_global.max_order);
	if (order < 0)
		return -MM_EINVAL;
	c->order = (uint32_t)order;
	c->objects = (uint32_t)((MM_PAGE_SIZE << order) / c->size);
	return 0;
}

static void cache_init(struct kmem_cache *c, const char *name, void (*ctor)(void *))
{
	unsigned i;

	for (i = 0; name[i] && i < SLAB_NAME_LEN - 1; i++)
		c->name[i] = name[i];
	c->name[i] = 0;
	c->ctor = ctor;
	c->lock = (mm_spinlock_t)MM_SPINLOCK_INIT;
	list_init(&c->slabs_full);
	list_init(&c->slabs_partial);
	list_init(&c->slabs_free);
	c->nr_slabs = c->nr_free_slabs = c->active_objs = c->debug_reports = 0;
	for (int cpu = 0; cpu < MM_NR_CPUS; cpu++)
		c->cpu[cpu] = (struct slab_cpu){ NULL, NULL, NULL, NULL };
}

static void cache_register(struct kmem_cache *c)
{
	mm_spin_lock(&slab_global.lock);
	list_add_tail(&c->list, &slab_global.caches);
	slab_global.nr_caches++;
	mm_spin_unlock(&slab_global.lock);
}

void slab_init(struct buddy *b)
{
	struct kmem_cache *cc = &slab_global.cache_cache;

	slab_global.lock = (mm_spinlock_t)MM_SPINLOCK_INIT;
	list_init(&slab_global.caches);
	slab_global.nr_caches = 0;
	slab_global.buddy = b;
	slab_global.max_order = slab_max_order_for(buddy_nr_managed_pages(b));
	cache_init(cc, "kmem_cache", NULL);
	MM_BUG_ON(cache_layout(cc, sizeof(struct kmem_cache), 64, 0));
	cache_register(cc);
}

void slab_set_debug(bool on)
{
	slab_debug_parse(&slab_global.debug, on ? "" : "-");
}

int slab_set_debug_spec(const char *value)
{
	return slab_debug_parse(&slab_global.debug, value);
}

/* kmem_cache_create_flags with the descriptor allocated with gfp. */
static struct kmem_cache *cache_create(const char *name, size_t size, size_t align,
				       void (*ctor)(void *obj), uint32_t debug_flags, unsigned gfp)
{
	struct kmem_cache *c = kmem_cache_alloc(&slab_global.cache_cache,
						gfp & ~(BUDDY_GFP_ZERO | BUDDY_GFP_COMP));

	if (!c)
		return NULL;
	cache_init(c, name, ctor);
	debug_flags |= slab_debug_flags_for(&slab_global.debug, c->name);
	if (debug_flags)
		debug_flags |= SLAB_F_DEBUG;
	if (cache_layout(c, size, align, debug_flags)) {
		kmem_cache_free(&slab_global.cache_cache, c);
		return NULL;
	}
	cache_register(c);
	return c;
}

struct kmem_cache *kmem_cache_create_flags(const char *name, size_t size, size_t align,
					   void (*ctor)(void *obj), uint32_t debug_flags)
{
	return cache_create(name, size, align, ctor, debug_flags, BUDDY_GFP_KERNEL);
}

struct kmem_cache *kmem_cache_create_gfp(const char *name, size_t size, unsigned gfp)
{
	return cache_create(name, size, 0, NULL, 0, gfp);
}

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *obj))
{
	return kmem_cache_create_flags(name, size, align, ctor, 0);
}

/* ---- slabs ---------------------------------------------------------- */

struct page *slab_obj_page(const void *obj)
{
	struct buddy *b = slab_global.buddy;
	struct page *p = buddy_virt_to_page(b, obj);

	if (!p)
		return NULL;
	p = buddy_compound_head(b, p);
	return (p->flags & PG_SLAB) ? p : NULL;
}

struct kmem_cache *slab_cache_of(const void *obj)
{
	struct page *p = slab_obj_page(obj);
	return p ? (struct kmem_cache *)(uintptr_t)p->private : NULL;
}

/* Threads every object of a new slab; runs ctor or debug set-up on each. */
static void slab_build_freelist(struct kmem_cache *c, struct page *p)
{
	char *base = buddy_page_address(slab_global.buddy, p);
	void *next = NULL;

	for (uint32_t i = c->objects; i-- > 0;) {
		void *obj = base + (size_t)i * c->size + c->offset;
		if (c->ctor)
			c->ctor(obj);
		if (c->flags & SLAB_F_DEBUG)
			slab_debug_init_object(c, obj);
		*slab_fp(c, obj) = next;
		next = obj;
	}
	p->freelist = next;
}

/* Adds one empty slab to c. Returns 0 or -MM_ENOMEM. No lock held. */
static int cache_grow(struct kmem_cache *c, unsigned gfp)
{
	struct buddy *b = slab_global.buddy;
	struct page *p = buddy_alloc_pages(b, (gfp & ~BUDDY_GFP_ZERO) | BUDDY_GFP_COMP, c->order);

	if (!p)
		return -MM_ENOMEM;
	p->flags |= PG_SLAB;
	p->private = (uint64_t)(uintptr_t)c;
	p->inuse = 0;
	slab_build_freelist(c, p);
	mm_spin_lock(&c->lock);
	list_add(&p->lru, &c->slabs_free);
	c->nr_slabs++;
	c->nr_free_slabs++;
	mm_spin_unlock(&c->lock);
	return 0;
}

static void slab_release(struct kmem_cache *c, struct page *p)
{
	list_del(&p->lru);
	c->nr_slabs--;
	c->nr_free_slabs--;
	p->flags &= ~PG_SLAB;
	buddy_free_pages(slab_global.buddy, p, c->order);
}

/*
 * Files a slab that is no CPU's under the list its inuse says. An empty
 * slab beyond SLAB_FREE_KEEP goes back to buddy. Under c->lock.
 */
static void slab_file(struct kmem_cache *c, struct page *p)
{
	if (p->inuse == c->objects) {
		list_add(&p->lru, &c->slabs_full);
	} else if (p->inuse) {
		list_add(&p->lru, &c->slabs_partial);
	} else {
		list_add(&p->lru, &c->slabs_free);
		if (++c->nr_free_slabs > SLAB_FREE_KEEP)
			slab_release(c, p);
	}
}

static unsigned cpu_index(const struct kmem_cache *c, const struct slab_cpu *cpu)
{
	return (unsigned)(cpu - c->cpu);
}

/* Slabs on cpu's partial list. */
static unsigned cpu_partial_count(const struct slab_cpu *cpu)
{
	unsigned n = 0;

	for (struct page *p = cpu->page ? cpu->page->next_partial : NULL; p; p = p->next_partial)
		n++;
	return n;
}

/* Whether cpu's partial list can take one more slab: it needs a slab to hang from. */
static bool cpu_partial_room(const struct slab_cpu *cpu)
{
	return cpu->page && cpu_partial_count(cpu) < SLAB_CPU_PARTIAL;
}

/* Freezes slab p (off every list) onto cpu's partial list. Under c->lock. */
static void cpu_partial_add(struct kmem_cache *c, struct slab_cpu *cpu, struct page *p)
{
	p->flags |= PG_FROZEN;
	p->frozen_cpu = cpu_index(c, cpu);
	p->cpu_freelist = NULL;
	p->next_partial = cpu->page->next_partial;
	cpu->page->next_partial = p;
}

/*
 * Puts the chain head..tail (n objects of slab p, linked through their
 * free-list words, counted in its inuse; tail is the last one's word) on
 * p's free list. A slab changes list only when it stops being full or
 * becomes empty; a frozen slab changes none. A full slab left partly free
 * goes on keep's partial list when keep (the flushing CPU) has room.
 * Under c->lock.
 */
static void slab_put_chain(struct kmem_cache *c, struct page *p, void *head, void **tail,
			   uint32_t n, struct slab_cpu *keep)
{
	bool was_full = p->inuse == c->objects;

	MM_BUG_ON(p->inuse < n);
	*tail = p->freelist;
	p->freelist = head;
	p->inuse = (uint16_t)(p->inuse - n);
	c->active_objs -= n;
	if ((p->flags & PG_FROZEN) || (!was_full && p->inuse))
		return;
	list_del(&p->lru);
	if (was_full && p->inuse && keep && cpu_partial_room(keep))
		cpu_partial_add(c, keep, p);
	else
		slab_file(c, p);
}

/* Puts obj back on its slab's free list (head page p). Under c->lock. */
static void slab_put(struct kmem_cache *c, struct page *p, void *obj)
{
	MM_BUG_ON(!p->inuse);
	slab_put_chain(c, p, obj, slab_fp(c, obj), 1, NULL);
}

/* Takes a partial slab, else a free one, off its list; NULL if every slab is full. Under c->lock. */
static struct page *slab_unlist_next(struct kmem_cache *c)
{
	struct list_head *from = !list_empty(&c->slabs_partial) ? &c->slabs_partial
								  : &c->slabs_free;
	if (list_empty(from))
		return NULL;
	struct page *p = list_entry(from->next, struct page, lru);

	list_del(&p->lru);
	if (!p->inuse)
		c->nr_free_slabs--;
	return p;
}

/* One object off a partial slab, else a free one; NULL if every slab is full. Under c->lock. */
static void *slab_take(struct kmem_cache *c)
{
	struct page *p = slab_unlist_next(c);

	if (!p)
		return NULL;
	void *obj = p->freelist;

	MM_BUG_ON(!obj);
	p->freelist = *slab_fp(c, obj);
	p->inuse++;
	c->active_objs++;
	slab_file(c, p);
	return obj;
}

/* ---- per-CPU slabs --------------------------------------------------- */

/*
 * Takes slab p's whole free list for cpu (every object counts as in use
 * from now): one object is returned, the rest go on cpu->freelist.
 * Under c->lock.
 */
static void *cpu_take_freelist(struct kmem_cache *c, struct slab_cpu *cpu, struct page *p)
{
	void *obj = p->freelist;

	cpu->freelist = *slab_fp(c, obj);
	p->freelist = NULL;
	c->active_objs += c->objects - p->inuse;
	p->inuse = (uint16_t)c->objects;
	return obj;
}

/* Freezes a partial slab, else a free one, as cpu's slab; NULL if none. Under c->lock. */
static struct page *cpu_freeze_next(struct kmem_cache *c, struct slab_cpu *cpu)
{
	struct page *p = slab_unlist_next(c);

	if (p) {
		p->flags |= PG_FROZEN;
		p->frozen_cpu = cpu_index(c, cpu);
		p->next_partial = NULL; /* no slab, no partial list: it starts empty */
		cpu->page = p;
	}
	return p;
}

/*
 * Gives frozen slab p back to the lists with the objects of freelist (a
 * CPU's, counted in p's inuse) on its free list. Under c->lock.
 */
static void slab_unfreeze(struct kmem_cache *c, struct page *p, void *freelist)
{
	uint32_t n = 0;

	while (freelist) {
		void *obj = freelist;
		freelist = *slab_fp(c, obj);
		*slab_fp(c, obj) = p->freelist;
		p->freelist = obj;
		n++;
	}
	MM_BUG_ON(p->inuse < n);
	p->inuse = (uint16_t)(p->inuse - n);
	c->active_objs -= n;
	p->flags &= ~PG_FROZEN;
	slab_file(c, p);
}

/*
 * Gives cpu's partial slabs, then its slab, back to the lists; cpu has no
 * slab after. Under c->lock.
 */
static void cpu_unfreeze(struct kmem_cache *c, struct slab_cpu *cpu)
{
	if (!cpu->page)
		return;
	while (cpu->page->next_partial) {
		struct page *p = cpu->page->next_partial;
		void *freelist = p->cpu_freelist;

		cpu->page->next_partial = p->next_partial;
		p->cpu_freelist = NULL;
		slab_unfreeze(c, p, freelist);
	}
	slab_unfreeze(c, cpu->page, cpu->freelist);
	cpu->freelist = NULL;
	cpu->page = NULL;
}

/*
 * The slab before one on cpu's partial list (cpu's slab is before the
 * first) with objects this CPU freed to it; with any_free, also one with
 * other CPUs' frees (read under c->lock only). NULL if none.
 */
static struct page *cpu_partial_find(struct slab_cpu *cpu, bool any_free)
{
	for (struct page *prev = cpu->page; prev && prev->next_partial; prev = prev->next_partial) {
		struct page *p = prev->next_partial;
		if (p->cpu_freelist || (any_free && p->freelist))
			return prev;
	}
	return NULL;
}

/*
 * Makes the slab after prev on cpu's partial list cpu's slab, with its CPU
 * freelist; the exhausted slab cpu had goes first on the list. Interrupts
 * masked; no lock: both are this CPU's.
 */
static void cpu_partial_switch(struct slab_cpu *cpu, struct page *prev)
{
	struct page *p = prev->next_partial, *old = cpu->page;

	prev->next_partial = p->next_partial;
	p->next_partial = old;
	old->cpu_freelist = NULL;
	cpu->page = p;
	cpu->freelist = p->cpu_freelist;
	p->cpu_freelist = NULL;
}

/* ---- the free batch --------------------------------------------------- */

/*
 * Gives cpu's free batch back to its slab in one splice; keep: the CPU
 * flushing its own batch (a slab left partly free may join its partial
 * list), NULL when another flushes it. Under c->lock.
 */
static void batch_flush_locked(struct kmem_cache *c, struct slab_cpu *cpu, struct slab_cpu *keep)
{
	void **tail = NULL;
	uint32_t n = 0;

	if (!cpu->remote)
		return;
	MM_BUG_ON(!cpu->remote_head);   /* a batch holds the object that started it */
	for (void *obj = cpu->remote_head; obj; obj = *tail) {
		tail = slab_fp(c, obj);
		n++;
	}
	slab_put_chain(c, cpu->remote, cpu->remote_head, tail, n, keep);
	cpu->remote = NULL;
	cpu->remote_head = NULL;
}

/*
 * A free to slab, which is neither cpu's slab nor its batch's: flushes the
 * batch, if any, under the lock and starts a new one with obj. Interrupts
 * masked.
 */
static void batch_restart(struct kmem_cache *c, struct slab_cpu *cpu, struct page *slab,
			  void *obj)
{
	if (cpu->remote) {
		mm_spin_lock(&c->lock);
		batch_flush_locked(c, cpu, cpu);
		mm_spin_unlock(&c->lock);
	}
	*slab_fp(c, obj) = NULL;
	cpu->remote_head = obj;
	cpu->remote = slab;
}

/* Pops cpu's freelist (not empty). */
static void *cpu_pop(struct kmem_cache *c, struct slab_cpu *cpu)
{
	void *obj = cpu->freelist;

	cpu->freelist = *slab_fp(c, obj);
	return obj;
}

/*
 * cpu's freelist ran dry. With no lock: a partial slab with objects this
 * CPU freed to it becomes its slab, unless its slab has other CPUs' frees
 * (which only the lock may take). Else under c->lock: flush the batch,
 * take what other frees left on its slab, else file the (full) slab and
 * take a partial slab of its own, else freeze the cache's next one.
 * Returns an object, or NULL if every slab is full. Interrupts masked.
 */
static void *cpu_refill(struct kmem_cache *c, struct slab_cpu *cpu)
{
	struct page *prev;
	void *obj = NULL;

	if (cpu->page && !cpu->page->freelist) { /* a racy peek; the lock decides */
		prev = cpu_partial_find(cpu, false);
		if (prev) {
			cpu_partial_switch(cpu, prev);
			return cpu_pop(c, cpu);
		}
	}
	mm_spin_lock(&c->lock);
	batch_flush_locked(c, cpu, cpu);
	if (cpu->page && !cpu->page->freelist) {
		prev = cpu_partial_find(cpu, true);
		if (prev)
			cpu_partial_switch(cpu, prev);
		else
			cpu_unfreeze(c, cpu); /* nothing free in any: all back to the lists */
	}
	if (cpu->freelist)
		obj = cpu_pop(c, cpu);
	else if (cpu->page || cpu_freeze_next(c, cpu))
		obj = cpu_take_freelist(c, cpu, cpu->page);
	mm_spin_unlock(&c->lock);
	return obj;
}

/* Every CPU's batch, slab and partial slabs back to the lists (see slab.h on who keeps CPUs out). */
static void cpu_flush_all(struct kmem_cache *c)
{
	mm_spin_lock(&c->lock);
	for (int cpu = 0; cpu < MM_NR_CPUS; cpu++) {
		batch_flush_locked(c, &c->cpu[cpu], NULL);
		cpu_unfreeze(c, &c->cpu[cpu]);
	}
	mm_spin_unlock(&c->lock);
}

/*
 * This CPU's freelist ran dry (interrupts masked since flags were saved):
 * refill it, and grow the cache (interrupts back on: buddy may reclaim)
 * when every slab is full, then look again, since an interrupt or a move
 * to another CPU may have changed what this CPU has. Returns an object,
 * or NULL when buddy has no slab to give; interrupts restored either way.
 */
MM_SLOWPATH void *slab_alloc_slow(struct kmem_cache *c, unsigned gfp, unsigned long flags)
{
	for (;;) {
		struct slab_cpu *cpu = &c->cpu[mm_cpu_id()];
		void *obj = cpu->freelist;

		if (obj)
			cpu->freelist = *slab_fp(c, obj);
		else
			obj = cpu_refill(c, cpu);
		mm_irq_restore(flags);
		if (obj)
			return obj;
		if (cache_grow(c, gfp))
			return NULL;
		flags = mm_irq_save();
	}
}

MM_SLOWPATH void *slab_alloc_debug(struct kmem_cache *c, unsigned gfp, uintptr_t caller)
{
	for (;;) {
		mm_spin_lock(&c->lock);
		void *obj = slab_take(c);
		mm_spin_unlock(&c->lock);
		if (obj) {
			slab_debug_on_alloc(c, obj, caller);
			return obj;
		}
		if (cache_grow(c, gfp))
			return NULL;
	}
}

MM_SLOWPATH void *slab_alloc_zeroed(struct kmem_cache *c, unsigned gfp, uintptr_t caller)
{
	void *obj = slab_alloc_hit(c, gfp & ~BUDDY_GFP_ZERO, caller);

	if (obj)
		__builtin_memset(obj, 0, c->object_size);
	return obj;
}

void *slab_alloc(struct kmem_cache *c, unsigned gfp, uintptr_t caller)
{
	return slab_alloc_hit(c, gfp, caller);
}

void *kmem_cache_alloc(struct kmem_cache *c, unsigned gfp)
{
	return slab_alloc(c, gfp, SLAB_RET_IP);
}

static void free_locked(struct kmem_cache *c, struct page *p, void *obj)
{
	mm_spin_lock(&c->lock);
	slab_put(c, p, obj);
	mm_spin_unlock(&c->lock);
}

MM_SLOWPATH void slab_free_debug(struct kmem_cache *c, struct page *p, void *obj,
				 uintptr_t caller)
{
	if (!slab_debug_free_ok(c, p, obj) || !p) /* it refuses a NULL p (another file) */
		return;
	slab_debug_on_free(c, obj, caller);
	free_locked(c, p, obj);
}

MM_SLOWPATH void slab_free_slow(struct kmem_cache *c, struct slab_cpu *cpu, struct page *slab,
				void *obj, unsigned long flags)
{
	if ((slab->flags & PG_FROZEN) && slab->frozen_cpu == cpu_index(c, cpu)) {
		*slab_fp(c, obj) = slab->cpu_freelist; /* on this CPU's partial list */
		slab->cpu_freelist = obj;
	} else {
		batch_restart(c, cpu, slab, obj);
	}
	mm_irq_restore(flags);
}

void slab_free(struct kmem_cache *c, struct page *slab, void *obj, uintptr_t caller)
{
	slab_free_hit(c, slab, obj, caller);
}

void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	struct page *p = slab_obj_page(obj);

	MM_BUG_ON(!p && !(c->flags & SLAB_F_DEBUG)); /* not a slab object */
	slab_free(c, p, obj, SLAB_RET_IP);
}

/* ---- shrink and destroy --------------------------------------------- */

/* Gives every empty slab on the free list back to buddy; returns pages freed. */
static uint64_t release_free_slabs(struct kmem_cache *c, uint64_t slabs_before)
{
	uint64_t after;

	mm_spin_lock(&c->lock);
	while (!list_empty(&c->slabs_free))
		slab_release(c, list_entry(c->slabs_free.next, struct page, lru));
	after = c->nr_slabs;
	mm_spin_unlock(&c->lock);
	return slabs_before > after ? (slabs_before - after) << c->order : 0;
}

uint64_t kmem_cache_shrink(struct kmem_cache *c)
{
	uint64_t before = c->nr_slabs; /* racy read; exact when quiet */

	cpu_flush_all(c);
	return release_free_slabs(c, before);
}

uint64_t slab_shrink_all(void)
{
	struct list_head *pos;
	uint64_t pages = 0;

	mm_spin_lock(&slab_global.lock);
	list_for_each(pos, &slab_global.caches)
		pages += kmem_cache_shrink(list_entry(pos, struct kmem_cache, list));
	mm_spin_unlock(&slab_global.lock);
	return pages;
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	cpu_flush_all(c);
	if (c->active_objs) {
		mm_log("slab: %s: destroy refused, %llu objects live\n", c->name,
		       (unsigned long long)c->active_objs);
		return -MM_EBUSY;
	}
	release_free_slabs(c, c->nr_slabs); /* the flush above was the only one needed */
	MM_BUG_ON(c->nr_slabs);
	mm_spin_lock(&slab_global.lock);
	list_del(&c->list);
	slab_global.nr_caches--;
	mm_spin_unlock(&slab_global.lock);
	kmem_cache_free(&slab_global.cache_cache, c);
	return 0;
}

/* Objects on the chain from head. */
static uint64_t chain_length(const struct kmem_cache *c, void *head)
{
	uint64_t n = 0;

	for (void *obj = head; obj; obj = *slab_fp(c, obj))
		n++;
	return n;
}

/* Reads every CPU's state unmasked: safe only with the other CPUs kept out (slab.h). */
uint64_t slab_cpu_cached(const struct kmem_cache *c)
{
	uint64_t n = 0;

	for (int cpu = 0; cpu < MM_NR_CPUS; cpu++) {
		const struct slab_cpu *sc = &c->cpu[cpu];

		n += chain_length(c, sc->freelist) + chain_length(c, sc->remote_head);
		for (struct page *p = sc->page ? sc->page->next_partial : NULL; p;
		     p = p->next_partial)
			n += chain_length(c, p->cpu_freelist);
	}
	return n;
}

uint64_t slab_total_pages(void)
{
	struct list_head *pos;
	uint64_t pages = 0;

	list_for_each(pos, &slab_global.caches) {
		struct kmem_cache *c = list_entry(pos, struct kmem_cache, list);
		pages += c->nr_slabs << c->order;
	}
	return pages;
}
