/*
 * test_slab.c: slab caches on the host port: a million random operations
 * across caches with a checker, every debug report, shrink, destroy, layout.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmalloc.h"
#include "port_host.h"
#include "slab_test_util.h"


/* ---- random operations ------------------------------------------------ */

#define NCACHES 7
static const size_t sizes[NCACHES] = { 8, 24, 100, 96, 512, 3000, 8192 };
static const size_t aligns[NCACHES] = { 0, 8, 0, 32, 0, 0, 0 };
static int ctor_calls;

static void count_ctor(void *obj)
{
	(void)obj;
	ctor_calls++;
}

struct obj { struct kmem_cache *c; uint64_t *p; uint64_t tag; };

static void stamp(struct obj *o, size_t size)
{
	o->p[size / 8 - 1] = ~o->tag;
	o->p[0] = o->tag;
}

static void verify(const struct obj *o, size_t size)
{
	ck_assert_uint_eq(o->p[0], o->tag);
	if (size >= 16)
		ck_assert_uint_eq(o->p[size / 8 - 1], ~o->tag);
}

static void check_caches(struct kmem_cache **cs)
{
	for (int i = 0; i < NCACHES; i++)
		ck_assert_int_eq(slab_check_cache(cs[i]), 0);
}

static void random_ops(struct kmem_cache **cs, int ops)
{
	enum { MAXLIVE = 20000 };
	static struct obj live[MAXLIVE];
	int n = 0;

	for (int op = 0; op < ops; op++) {
		int phase = op / 50000 % 2;
		if (n < MAXLIVE && (n == 0 || rand() % 100 < (phase ? 45 : 55))) {
			int ci = rand() % NCACHES;
			struct obj o = { cs[ci], kmem_cache_alloc(cs[ci], 0), (uint64_t)op * 7919 };
			ck_assert_ptr_nonnull(o.p);
			ck_assert_ptr_eq(slab_cache_of(o.p), cs[ci]);
			stamp(&o, sizes[ci] & ~7ul);
			live[n++] = o;
		} else {
			int i = rand() % n;
			verify(&live[i], live[i].c->object_size & ~7u);
			kmem_cache_free(live[i].c, live[i].p);
			live[i] = live[--n];
		}
		if (op % 1000 == 0)
			check_caches(cs);
		if (op % 100000 == 99999)
			slab_shrink_all();
	}
	while (n--)
		kmem_cache_free(live[n].c, live[n].p);
	check_caches(cs);
}

START_TEST(random_operations_across_caches_keep_every_invariant)
{
	struct kmem_cache *cs[NCACHES];
	char name[32];

	srand(7u + (unsigned)_i);
	slab_set_debug(_i == 1);
	for (int i = 0; i < NCACHES; i++) {
		snprintf(name, sizeof(name), "rand-%zu", sizes[i]);
		cs[i] = kmem_cache_create(name, sizes[i], aligns[i], i == 2 ? count_ctor : NULL);
		ck_assert_ptr_nonnull(cs[i]);
	}
	random_ops(cs, _i == 1 ? 200000 : 1000000);
	for (int i = 0; i < NCACHES; i++)
		ck_assert_int_eq(kmem_cache_destroy(cs[i]), 0);
	slab_shrink_all();
	ck_assert_uint_eq(slab_test_free_pages(), slab_test_initial_free);
	ck_assert_str_eq(host_log_text(), "");
}
END_TEST

/* ---- debug reports ------------------------------------------------------------ */

static struct kmem_cache *debug_cache(const char *name, size_t size)
{
	slab_set_debug(true);
	struct kmem_cache *c = kmem_cache_create(name, size, 0, NULL);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->flags, SLAB_F_DEBUG | SLAB_F_DEBUG_ALL);
	host_log_clear();
	return c;
}

static void assert_logged(const char *want)
{
	ck_assert_msg(strstr(host_log_text(), want), "log lacks \"%s\": %s", want, host_log_text());
}

/* Linux's report: the BUG line naming cache and problem, then obj named in an INFO line. */
static void assert_bug(const char *cache, const char *problem, const void *obj)
{
	char want[160];
	snprintf(want, sizeof(want), "BUG %s (Not tainted): %s\n", cache, problem);
	assert_logged(want);
	snprintf(want, sizeof(want), "%p", obj);
	assert_logged(want);
}

static void assert_reported(const char *what, const void *obj)
{
	char want[160];
	snprintf(want, sizeof(want), "%s %p\n", what, obj);
	assert_logged(want);
}

START_TEST(a_double_free_is_reported_with_cache_and_object)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	void *a = kmem_cache_alloc(c, 0);
	kmem_cache_free(c, a);
	kmem_cache_free(c, a);
	assert_bug("dbg", "Object already free", a);
	assert_logged("FIX dbg: Free ignored\n");
	ck_assert_uint_eq(c->debug_reports, 1);
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

START_TEST(freeing_a_pointer_outside_any_slab_is_reported)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	struct page *pg = buddy_alloc_pages(&slab_test_buddy, 0, 0);
	void *foreign = buddy_page_address(&slab_test_buddy, pg);
	kmem_cache_free(c, foreign);
	assert_bug("dbg", "Object is not a Slab page", foreign);
}
END_TEST

START_TEST(freeing_another_caches_object_is_reported)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	struct kmem_cache *other = kmem_cache_create("other", 40, 0, NULL);
	void *o = kmem_cache_alloc(other, 0);
	kmem_cache_free(c, o);
	assert_bug("dbg", "Wrong slab cache. dbg but object is from other", o);
	kmem_cache_free(other, o);
	ck_assert_int_eq(kmem_cache_destroy(other), 0);
}
END_TEST

START_TEST(freeing_a_pointer_inside_an_object_is_reported)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	char *a = kmem_cache_alloc(c, 0);
	kmem_cache_free(c, a + 4);
	char want[80];
	snprintf(want, sizeof(want), "Invalid object pointer %p", (void *)(a + 4));
	assert_bug("dbg", want, a + 4);
	ck_assert_uint_eq(c->active_objs, 1);
}
END_TEST

START_TEST(a_write_after_free_is_reported_when_the_object_is_reused)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	unsigned char *a = kmem_cache_alloc(c, 0);
	kmem_cache_free(c, a);
	ck_assert_int_eq(a[0], SLAB_POISON_FREE);
	ck_assert_int_eq(a[39], SLAB_POISON_END);
	a[3] = 1;
	ck_assert_ptr_eq(kmem_cache_alloc(c, 0), a); /* LIFO reuse */
	assert_bug("dbg", "Poison overwritten", a);
	assert_logged("@offset=11. First byte 0x1 instead of 0x6b\n");
	ck_assert_int_eq(a[3], SLAB_POISON_INUSE);
	ck_assert_uint_eq(c->debug_reports, 1);
}
END_TEST

START_TEST(an_overrun_into_the_red_zone_is_reported_on_free)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	unsigned char *a = kmem_cache_alloc(c, 0);
	unsigned char *b = kmem_cache_alloc(c, 0);
	a[40] = 0;   /* one past the end */
	b[-1] = 0;   /* one before the start */
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	assert_bug("dbg", "Right Redzone overwritten", a);
	assert_bug("dbg", "Left Redzone overwritten", b);
	assert_logged("First byte 0x0 instead of 0xbb\n");
	assert_logged("FIX dbg: Restoring Right Redzone ");
	ck_assert_int_eq(a[40], SLAB_RED_BYTE);
	ck_assert_int_eq(b[-1], SLAB_RED_BYTE);
	ck_assert_uint_eq(c->debug_reports, 2);
	ck_assert_uint_eq(c->active_objs, 0);
}
END_TEST

START_TEST(store_user_reports_who_allocated_and_freed_the_object)
{
	struct kmem_cache *c = debug_cache("dbg", 40);
	void *a = kmem_cache_alloc(c, 0);
	kmem_cache_free(c, a);
	kmem_cache_free(c, a);
	assert_logged("INFO: Allocated in 0x");
	assert_logged("INFO: Freed in 0x");
}
END_TEST

/* Only the letters asked for act: P without F or Z checks poison only. */
START_TEST(each_letter_turns_on_only_its_own_check)
{
	ck_assert_int_eq(slab_set_debug_spec("P"), 0);
	struct kmem_cache *c = kmem_cache_create("ponly", 40, 0, NULL);
	ck_assert_uint_eq(c->flags, SLAB_F_DEBUG | SLAB_F_POISON);
	host_log_clear();
	unsigned char *a = kmem_cache_alloc(c, 0);
	a[40] = 0; /* red zone: unchecked without Z */
	kmem_cache_free(c, a);
	ck_assert_uint_eq(c->debug_reports, 0);
	a[0] = 7;  /* use after free: P sees it at the next allocation */
	ck_assert_ptr_eq(kmem_cache_alloc(c, 0), a);
	assert_bug("ponly", "Poison overwritten", a);
	ck_assert_uint_eq(c->debug_reports, 1);
	kmem_cache_free(c, a);
	/* a pointer outside any slab is refused even without F: nowhere to put it */
	struct page *pg = buddy_alloc_pages(&slab_test_buddy, 0, 0);
	void *foreign = buddy_page_address(&slab_test_buddy, pg);
	kmem_cache_free(c, foreign);
	assert_bug("ponly", "Object is not a Slab page", foreign);
	buddy_free_pages(&slab_test_buddy, pg, 0);
	ck_assert_int_eq(kmem_cache_destroy(c), 0);
}
END_TEST

START_TEST(kfree_of_a_foreign_pointer_is_reported_and_ignored)
{
	struct page *pg = buddy_alloc_pages(&slab_test_buddy, 0, 0);
	void *foreign = buddy_page_address(&slab_test_buddy, pg);
	kfree(foreign);
	assert_reported("kmalloc: foreign pointer", foreign);
	ck_assert_int_eq(buddy_check(&slab_test_buddy), 0);
}
END_TEST

/* ---- per-CPU slabs ------------------------------------------------------------ */

static struct page *slab_of(const void *obj)
{
	return buddy_compound_head(&slab_test_buddy, buddy_virt_to_page(&slab_test_buddy, obj));
}

START_TEST(the_first_allocation_freezes_a_slab_as_the_cpus_own)
{
	struct kmem_cache *c = kmem_cache_create("freeze", 256, 0, NULL);

	void *a = kmem_cache_alloc(c, 0);
	struct page *p = slab_of(a);
	ck_assert_uint_eq(c->nr_slabs, 1);
	ck_assert_ptr_eq(c->cpu[0].page, p);
	ck_assert(p->flags & PG_FROZEN);
	ck_assert_uint_eq(p->inuse, c->objects);
	ck_assert_ptr_null(p->freelist);
	ck_assert_uint_eq(slab_cpu_cached(c), c->objects - 1);
	ck_assert_uint_eq(c->active_objs, c->objects);
	kmem_cache_free(c, a);
	ck_assert_uint_eq(slab_cpu_cached(c), c->objects);
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

START_TEST(a_pair_on_the_cpus_slab_takes_no_lock)
{
	void *warm = kmalloc(64, 0);
	kfree(warm);
	long locks = host_spin_locks;
	for (int i = 0; i < 1000; i++)
		kfree(kmalloc(64, 0));
	ck_assert_int_eq(host_spin_locks, locks);
	ck_assert(host_irqs_on());
}
END_TEST

START_TEST(frees_to_other_slabs_go_to_their_lists_and_a_dry_cpu_takes_remote_frees)
{
	struct kmem_cache *c = kmem_cache_create("others", 256, 0, NULL);
	enum { SLABS = 3, PER = 16, N = SLABS * PER };
	static void *objs[N];

	ck_assert_uint_eq(c->objects, PER);
	for (int i = 0; i < N; i++)
		objs[i] = kmem_cache_alloc(c, 0);
	struct page *cpu_slab = slab_of(objs[N - 1]);
	ck_assert_ptr_eq(c->cpu[0].page, cpu_slab);
	ck_assert_uint_eq(slab_cpu_cached(c), 0);
	for (int i = 0; i < N; i += 2) /* every other object of each slab */
		kmem_cache_free(c, objs[i]);
	/* the CPU's slab's on its freelist, lock-free; the last other slab's in the batch */
	ck_assert_uint_eq(slab_cpu_cached(c), PER / 2 + PER / 2);
	ck_assert_ptr_eq(c->cpu[0].remote, slab_of(objs[PER]));
	ck_assert_uint_eq(slab_of(objs[0])->inuse, PER / 2); /* the first's flushed to it */
	ck_assert_uint_eq(slab_of(objs[PER])->inuse, PER);   /* the batched still count */
	ck_assert_uint_eq(cpu_slab->inuse, PER);           /* still counts the CPU's as used */
	ck_assert_int_eq(slab_check_cache(c), 0);

	host_percpu.cpu = 1; /* another CPU frees an object of CPU 0's slab, then another's */
	kmem_cache_free(c, objs[N - 1]);
	ck_assert_ptr_eq(c->cpu[1].remote, cpu_slab);
	kmem_cache_free(c, objs[1]);                       /* which flushes the first */
	host_percpu.cpu = 0;
	ck_assert_ptr_eq(cpu_slab->freelist, objs[N - 1]);
	ck_assert_uint_eq(cpu_slab->inuse, PER - 1);
	for (int k = 0; k < PER / 2; k++) /* drain the CPU freelist */
		kmem_cache_alloc(c, 0);
	ck_assert_ptr_eq(kmem_cache_alloc(c, 0), objs[N - 1]); /* then the remote free */
	ck_assert_ptr_eq(c->cpu[0].page, cpu_slab);
	ck_assert_int_eq(slab_check_cache(c), 0);
	kmem_cache_shrink(c); /* flushes every batch to its slab */
	ck_assert_uint_eq(slab_of(objs[PER])->inuse, PER / 2);
	ck_assert_uint_eq(slab_cpu_cached(c), 0);
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

START_TEST(frees_in_allocation_order_take_the_lock_once_per_slab)
{
	struct kmem_cache *c = kmem_cache_create("batch", 256, 0, NULL);
	enum { SLABS = 8, PER = 16, N = SLABS * PER };
	static void *objs[N];

	for (int i = 0; i < N; i++)
		objs[i] = kmem_cache_alloc(c, 0);
	long locks = host_spin_locks;
	for (int i = 0; i < N; i++)
		kmem_cache_free(c, objs[i]);
	/* each slab but the CPU's a batch, flushed when the next slab's free comes */
	ck_assert_int_le(host_spin_locks - locks, SLABS - 1);
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

/*
 * CPU 1 batches frees of objects of CPU 0's slab; CPU 0 then allocates all
 * it can without growing: it gets each free object once, none of CPU 1's
 * batch, until CPU 1's batch is flushed (by its next free to another
 * slab), after which CPU 0's next refill gets exactly those.
 */
START_TEST(a_batched_remote_free_is_handed_out_once_and_only_after_its_flush)
{
	struct kmem_cache *c = kmem_cache_create("remote", 256, 0, NULL);
	enum { PER = 16, BATCHED = 5 };
	static void *objs[2 * PER], *got[PER];
	int ngot = 0;

	for (int i = 0; i < 2 * PER; i++)
		objs[i] = kmem_cache_alloc(c, 0);
	struct page *cpu0 = c->cpu[0].page;
	ck_assert_ptr_eq(cpu0, slab_of(objs[2 * PER - 1]));
	host_percpu.cpu = 1;
	for (int i = PER; i < PER + BATCHED; i++) /* CPU 0's slab's objects */
		kmem_cache_free(c, objs[i]);
	host_percpu.cpu = 0;
	ck_assert_uint_eq(cpu0->inuse, PER);     /* batched: still in use, on no list */
	ck_assert_ptr_null(cpu0->freelist);
	for (int i = PER + BATCHED; i < 2 * PER; i++) /* CPU 0 frees its own */
		kmem_cache_free(c, objs[i]);
	uint64_t slabs = c->nr_slabs;
	while (c->cpu[0].freelist)
		got[ngot++] = kmem_cache_alloc(c, 0);
	ck_assert_int_eq(ngot, PER - BATCHED);
	for (int g = 0; g < ngot; g++)
		for (int i = PER; i < PER + BATCHED; i++)
			ck_assert_ptr_ne(got[g], objs[i]);
	ck_assert_int_eq(slab_check_cache(c), 0);

	host_percpu.cpu = 1;
	kmem_cache_free(c, objs[0]); /* another slab: CPU 1's batch goes back to cpu0 */
	host_percpu.cpu = 0;
	ck_assert_uint_eq(cpu0->inuse, PER - BATCHED);
	for (int k = 0; k < BATCHED; k++) {
		void *o = kmem_cache_alloc(c, 0);
		ck_assert_ptr_eq(slab_of(o), cpu0); /* the dry CPU took the flushed batch */
		for (int g = 0; g < ngot; g++)
			ck_assert_ptr_ne(o, got[g]);
	}
	ck_assert_uint_eq(c->nr_slabs, slabs);
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

/* Four slabs of 16, the first three full on the lists, the fourth the CPU's, all in use. */
enum { PART_PER = 16, PART_N = 4 * PART_PER };

static struct kmem_cache *four_full_slabs(const char *name, void **objs)
{
	struct kmem_cache *c = kmem_cache_create(name, 256, 0, NULL);

	ck_assert_uint_eq(c->objects, PART_PER);
	for (int i = 0; i < PART_N; i++)
		objs[i] = kmem_cache_alloc(c, 0);
	ck_assert_uint_eq(c->nr_slabs, 4);
	return c;
}

/* Slabs on CPU cpu's partial list (chained from its slab). */
static unsigned partial_slabs(const struct kmem_cache *c, int cpu)
{
	unsigned n = 0;

	for (struct page *p = c->cpu[cpu].page ? c->cpu[cpu].page->next_partial : NULL; p;
	     p = p->next_partial)
		n++;
	return n;
}

static bool among(void *o, void **set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == o)
			return true;
	return false;
}

/*
 * A full slab the CPU's batch flush leaves partly free joins the CPU's
 * partial list; the CPU's later frees to it take no lock, nor does the
 * dry CPU taking it as its slab; every freed object comes back exactly
 * once before the cache grows.
 */
START_TEST(a_partial_slab_of_the_cpu_takes_its_frees_and_refills_it_without_the_lock)
{
	static void *objs[PART_N], *freed[PART_N], *got[PART_N];
	struct kmem_cache *c = four_full_slabs("partial", objs);
	struct page *first = slab_of(objs[0]);
	int nfreed = 0;

	for (int i = 0; i < PART_PER; i += 2) /* the first slab's even objects: a batch */
		kmem_cache_free(c, freed[nfreed++] = objs[i]);
	kmem_cache_free(c, freed[nfreed++] = objs[PART_PER]); /* flushes it, batches this */
	ck_assert_uint_eq(partial_slabs(c, 0), 1);
	ck_assert(first->flags & PG_FROZEN);
	ck_assert_uint_eq(first->inuse, PART_PER / 2);
	long locks = host_spin_locks;
	for (int i = 1; i < PART_PER - 1; i += 2) /* its odd ones but the last, lock-free */
		kmem_cache_free(c, freed[nfreed++] = objs[i]);
	ck_assert_int_eq(host_spin_locks, locks);
	ck_assert_uint_eq(slab_cpu_cached(c), 1 + (PART_PER / 2 - 1)); /* batch + partial's */
	ck_assert_int_eq(slab_check_cache(c), 0); /* which takes the lock */

	locks = host_spin_locks;
	for (int k = 0; k < PART_PER / 2 - 1; k++) /* the CPU's frees to it, lock-free */
		ck_assert(among(got[k] = kmem_cache_alloc(c, 0), freed, nfreed));
	ck_assert_int_eq(host_spin_locks, locks);
	ck_assert_ptr_eq(c->cpu[0].page, first);
	for (int k = PART_PER / 2 - 1; k < nfreed; k++) /* then the rest, under the lock */
		ck_assert(among(got[k] = kmem_cache_alloc(c, 0), freed, nfreed));
	for (int k = 0; k < nfreed; k++)
		ck_assert(!among(got[k], got + k + 1, nfreed - k - 1)); /* each once */
	ck_assert_uint_eq(c->nr_slabs, 4);
	ck_assert_int_eq(slab_check_cache(c), 0);
	ck_assert_ptr_nonnull(kmem_cache_alloc(c, 0));
	ck_assert_uint_eq(c->nr_slabs, 5); /* nothing free was left: it grew */
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

/*
 * A slab emptied while on a CPU's partial list is still that CPU's:
 * kmem_cache_shrink unfreezes it and gives it back, and destroy, once
 * everything is freed, returns every page.
 */
START_TEST(shrink_returns_empty_slabs_held_on_per_cpu_partial_lists)
{
	static void *objs[PART_N];
	struct kmem_cache *c = four_full_slabs("partial-shrink", objs);
	struct page *first = slab_of(objs[0]);

	for (int i = 1; i < PART_PER; i++) /* all of the first slab but objs[0]: a batch */
		kmem_cache_free(c, objs[i]);
	kmem_cache_free(c, objs[PART_PER]);  /* flushed: partial, onto the CPU's list */
	kmem_cache_free(c, objs[0]);         /* lock-free to it: now wholly free */
	ck_assert_uint_eq(partial_slabs(c, 0), 1);
	ck_assert(first->flags & PG_FROZEN);
	ck_assert_int_eq(slab_check_cache(c), 0);
	uint64_t free_before = slab_test_free_pages();
	ck_assert_uint_eq(kmem_cache_shrink(c), 1u << c->order);
	ck_assert_uint_eq(slab_test_free_pages(), free_before + (1u << c->order));
	ck_assert_uint_eq(c->nr_slabs, 3);
	ck_assert_uint_eq(partial_slabs(c, 0), 0);
	ck_assert_uint_eq(c->active_objs, PART_N - PART_PER - 1);
	ck_assert_int_eq(slab_check_cache(c), 0);
	for (int i = PART_PER + 1; i < PART_N; i++)
		kmem_cache_free(c, objs[i]);
	ck_assert_int_eq(kmem_cache_destroy(c), 0);
	slab_shrink_all();
	ck_assert_uint_eq(slab_test_free_pages(), slab_test_initial_free);
}
END_TEST

/*
 * Interrupt-context frees and allocations: the simulated interrupt arrives
 * inside each masked section of a workload in turn and frees one object
 * and allocates another of the same cache. Every object handed out stays
 * distinct and intact, and the cache stays consistent.
 */
enum { IRQ_POOL = 64, IRQ_WORK = 80 };
struct irq_rig {
	struct kmem_cache *c;
	uint64_t *pool[IRQ_POOL];   /* objects the handler frees and replaces */
	int next;
	uint64_t tag;
};

static void irq_free_and_alloc(void *arg)
{
	struct irq_rig *r = arg;
	int k = r->next++ % IRQ_POOL;

	if (host_irqs_on() || r->pool[k][0] != (uint64_t)k + r->tag)
		ck_abort_msg("handler ran with interrupts on, or pool object %d overwritten", k);
	kmem_cache_free(r->c, r->pool[k]);
	r->pool[k] = kmem_cache_alloc(r->c, 0);
	r->pool[k][0] = (uint64_t)k + r->tag;
}

static void irq_workload(struct irq_rig *r, uint64_t **work)
{
	for (int i = 0; i < IRQ_WORK; i++) {
		work[i] = kmem_cache_alloc(r->c, 0);
		work[i][0] = ~(uint64_t)i;
	}
	for (int i = 0; i < IRQ_WORK; i += 2)
		kmem_cache_free(r->c, work[i]);
	for (int i = 0; i < IRQ_WORK; i += 2) {
		work[i] = kmem_cache_alloc(r->c, 0);
		work[i][0] = ~(uint64_t)i;
	}
}

/* How many work objects kept their stamp and are none of the handler's (one assert, not 5,000). */
static int work_intact_and_apart(const struct irq_rig *r, uint64_t **work)
{
	int ok = 0;

	for (int i = 0; i < IRQ_WORK; i++) {
		bool apart = work[i][0] == ~(uint64_t)i;
		for (int k = 0; k < IRQ_POOL; k++)
			apart = apart && work[i] != r->pool[k];
		ok += apart;
	}
	return ok;
}

START_TEST(an_interrupt_in_any_masked_section_may_free_and_allocate)
{
	static struct irq_rig r;
	static uint64_t *work[IRQ_WORK];
	long saves_seen = 0;

	r = (struct irq_rig){ .c = kmem_cache_create("irq", 192, 0, NULL), .tag = 0x1bad };
	for (int k = 0; k < IRQ_POOL; k++) {
		r.pool[k] = kmem_cache_alloc(r.c, 0);
		r.pool[k][0] = (uint64_t)k + r.tag;
	}
	for (unsigned n = 1; n <= 2 * IRQ_WORK; n++) {
		long taken = host_irqs_taken;
		host_irq_raise_at_save(n, irq_free_and_alloc, &r);
		irq_workload(&r, work);
		saves_seen += host_irqs_taken - taken;
		host_irq_raise_at_save(0, NULL, NULL);
		ck_assert_int_eq(work_intact_and_apart(&r, work), IRQ_WORK);
		for (int i = 0; i < IRQ_WORK; i++)
			kmem_cache_free(r.c, work[i]);
		if (slab_check_cache(r.c))
			ck_abort_msg("cache inconsistent after an interrupt at save %u", n);
	}
	ck_assert_int_eq(saves_seen, 2 * IRQ_WORK); /* each run was interrupted once */
	for (int k = 0; k < IRQ_POOL; k++)
		ck_assert_uint_eq(r.pool[k][0], (uint64_t)k + r.tag);
}
END_TEST

START_TEST(kfree_hands_its_slab_lookup_to_the_debug_checks)
{
	struct kmem_cache *c = debug_cache("dbgk", 40);
	void *a = kmem_cache_alloc(c, 0);
	kfree(a);
	ck_assert_uint_eq(c->active_objs, 0);
	kfree(a);
	assert_bug("dbgk", "Object already free", a);
	ck_assert_int_eq(slab_check_cache(c), 0);
}
END_TEST

/* ---- shrink and destroy ------------------------------------------------------- */

START_TEST(shrink_returns_exactly_the_empty_slabs)
{
	struct kmem_cache *c = kmem_cache_create("shrinkme", 256, 0, NULL);
	enum { SLABS = 10 };
	uint32_t per = c->objects;
	static uint64_t *objs[SLABS * 64];

	ck_assert_uint_eq(per, 16);
	for (uint32_t i = 0; i < SLABS * per; i++) {
		objs[i] = kmem_cache_alloc(c, 0);
		objs[i][0] = i;
	}
	ck_assert_uint_eq(c->nr_slabs, SLABS);
	for (uint32_t i = 0; i < SLABS * per; i++) /* slabs 0-4 wholly, 5-9 half */
		if (i < 5 * per || i % 2)
			kmem_cache_free(c, objs[i]);
	uint64_t free_before = slab_test_free_pages();
	uint64_t slabs_before = c->nr_slabs;
	uint64_t freed = kmem_cache_shrink(c);
	ck_assert_uint_eq(c->nr_slabs, 5);
	ck_assert_uint_eq(freed, slabs_before - 5);
	ck_assert_uint_eq(slab_test_free_pages(), free_before + freed);
	ck_assert_uint_eq(c->active_objs, 5 * per / 2);
	for (uint32_t i = 5 * per; i < SLABS * per; i += 2)
		ck_assert_uint_eq(objs[i][0], i);
	ck_assert_int_eq(slab_check_cache(c), 0);
	ck_assert_uint_eq(kmem_cache_shrink(c), 0);
}
END_TEST

START_TEST(destroy_refuses_while_objects_are_live)
{
	struct kmem_cache *c = kmem_cache_create("busy", 64, 0, NULL);
	void *a = kmem_cache_alloc(c, 0);
	ck_assert_int_eq(kmem_cache_destroy(c), -MM_EBUSY);
	ck_assert_ptr_nonnull(strstr(host_log_text(), "slab: busy: destroy refused, 1 objects live"));
	kmem_cache_free(c, a);
	ck_assert_int_eq(kmem_cache_destroy(c), 0);
	slab_shrink_all();
	ck_assert_uint_eq(slab_test_free_pages(), slab_test_initial_free);
}
END_TEST

/* ---- layout ---------------------------------------------------------------------- */

START_TEST(slab_order_keeps_waste_within_a_64th_when_an_order_up_to_the_cap_can)
{
	ck_assert_uint_eq(slab_global.max_order, SLAB_MAX_ORDER); /* 64 MiB: every order */
	for (size_t size = 8; size <= 32768; size += 8) {
		struct kmem_cache *c = kmem_cache_create("layout", size, 0, NULL);
		ck_assert_ptr_nonnull(c);
		uint64_t first_ok = 99;
		for (unsigned o = 0; o <= SLAB_MAX_ORDER && first_ok == 99; o++) {
			uint64_t bytes = MM_PAGE_SIZE << o;
			if (bytes / size && (bytes % size) * 64 <= bytes)
				first_ok = o;
		}
		if (first_ok != 99)
			ck_assert_uint_eq(c->order, first_ok);
		ck_assert_uint_eq(c->objects, (MM_PAGE_SIZE << c->order) / c->size);
		ck_assert_int_eq(kmem_cache_destroy(c), 0);
	}
}
END_TEST

START_TEST(a_small_machine_caps_the_slab_order_at_a_1024th_of_its_ram)
{
	ck_assert_uint_eq(slab_max_order_for(1083), 0);  /* an 8M guest's 4.2 MiB */
	ck_assert_uint_eq(slab_max_order_for(2047), 0);
	ck_assert_uint_eq(slab_max_order_for(2048), 1);  /* 8 KiB slabs from 8 MiB */
	ck_assert_uint_eq(slab_max_order_for(7000), 2);
	ck_assert_uint_eq(slab_max_order_for(1u << 20), SLAB_MAX_ORDER);
}
END_TEST

START_TEST(bad_sizes_and_alignments_are_refused)
{
	ck_assert_ptr_null(kmem_cache_create("zero", 0, 0, NULL));
	ck_assert_ptr_null(kmem_cache_create("huge", 40000, 0, NULL));
	ck_assert_ptr_null(kmem_cache_create("odd", 64, 3, NULL));
}
END_TEST

START_TEST(the_constructor_runs_once_per_object_per_slab)
{
	ctor_calls = 0;
	struct kmem_cache *c = kmem_cache_create("ctor", 100, 0, count_ctor);
	void *a = kmem_cache_alloc(c, 0);
	ck_assert_int_eq(ctor_calls, (int)c->objects);
	kmem_cache_free(c, a);
	kmem_cache_free(c, kmem_cache_alloc(c, 0));
	ck_assert_int_eq(ctor_calls, (int)c->objects);
}
END_TEST

START_TEST(objects_are_aligned_as_asked)
{
	struct kmem_cache *c = kmem_cache_create("aligned", 40, 64, NULL);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_eq((uintptr_t)kmem_cache_alloc(c, 0) % 64, 0);
}
END_TEST

/* ---- slub_debug= ------------------------------------------------------------------ */

struct spec_case {
	const char *value;
	const char *cache;
	uint32_t flags;
};

#define ALL SLAB_F_DEBUG_ALL
#define F SLAB_F_CONSISTENCY
#define Z SLAB_F_RED_ZONE
#define P SLAB_F_POISON
#define U SLAB_F_STORE_USER
static const struct spec_case spec_cases[] = {
	{ "", "kmalloc-64", ALL },
	{ "FZ", "kmalloc-64", F | Z },
	{ "fzpu", "anything", ALL },
	{ "-", "kmalloc-64", 0 },
	{ "FZ-P", "kmalloc-64", P },          /* '-' clears what came before it */
	{ "P,kmalloc-64,dent*", "kmalloc-64", P },
	{ "P,kmalloc-64,dent*", "dentry", P },
	{ "P,kmalloc-64,dent*", "kmalloc-32", 0 },
	{ "P,kmalloc-64,dent*", "kmalloc-640", 0 },
	{ ",kmalloc-64", "kmalloc-64", ALL },  /* no letters: every check */
	{ "FZ;-,kmalloc-*", "kmalloc-8", 0 },
	{ "FZ;-,kmalloc-*", "vma", F | Z },
	{ "Z,a;P,a", "a", Z },                 /* the first block naming it decides */
	{ ";;U;;", "x", U },
	{ "ZX", "x", Z },                      /* unknown letter skipped */
	{ "T", "x", 0 },                       /* Linux's, not memvisor's: skipped */
};
#undef ALL
#undef F
#undef Z
#undef P
#undef U

START_TEST(slub_debug_values_give_each_cache_the_flags_linux_would)
{
	const struct spec_case *sc = &spec_cases[_i];
	struct slab_debug_spec spec;

	ck_assert_int_eq(slab_debug_parse(&spec, sc->value), 0);
	ck_assert_msg(slab_debug_flags_for(&spec, sc->cache) == sc->flags,
		      "slub_debug=%s, cache %s: flags %#x, want %#x", sc->value, sc->cache,
		      slab_debug_flags_for(&spec, sc->cache), sc->flags);
}
END_TEST

START_TEST(unknown_and_unsupported_letters_are_logged_and_skipped)
{
	struct slab_debug_spec spec;
	host_log_clear();
	ck_assert_int_eq(slab_debug_parse(&spec, "ZXT"), 0);
	assert_logged("slub_debug option 'X' unknown. skipped\n");
	assert_logged("slub_debug option 'T' not supported by memvisor. skipped\n");
}
END_TEST

START_TEST(a_value_that_does_not_fit_is_refused_and_leaves_no_debugging)
{
	struct slab_debug_spec spec;
	ck_assert_int_eq(slab_debug_parse(&spec, "P,a,b,c,d,e,f,g,h,i"), -MM_EINVAL);
	ck_assert_uint_eq(slab_debug_flags_for(&spec, "a"), 0);
	ck_assert_int_eq(slab_debug_parse(&spec, "P,a-name-longer-than-the-cache-name-limit"), -MM_EINVAL);
	ck_assert_int_eq(slab_debug_parse(&spec, "P,a;P,b;P,c;P,d;P,e;P,f;P,g;P,h;P,i"), -MM_EINVAL);
	ck_assert_uint_eq(slab_debug_flags_for(&spec, "a"), 0);
	ck_assert_uint_eq(spec.global_flags, 0);
}
END_TEST

/* The spec decides at creation: only the named cache gets the debug layout. */
START_TEST(a_named_cache_alone_gets_the_debug_layout)
{
	ck_assert_int_eq(slab_set_debug_spec("Z,named"), 0);
	struct kmem_cache *named = kmem_cache_create("named", 40, 0, NULL);
	struct kmem_cache *plain = kmem_cache_create("plain", 40, 0, NULL);
	ck_assert_uint_eq(named->flags, SLAB_F_DEBUG | SLAB_F_RED_ZONE);
	ck_assert_uint_eq(plain->flags, 0);
	ck_assert_uint_gt(named->size, plain->size);
	struct kmem_cache *own = kmem_cache_create_flags("own", 40, 0, NULL, SLAB_F_POISON);
	ck_assert_uint_eq(own->flags, SLAB_F_DEBUG | SLAB_F_POISON);
}
END_TEST

Suite *slab_suite(void);
Suite *slab_suite(void)
{
	Suite *s = suite_create("slab");
	TCase *tc;

	tc = slab_test_case(s, "random");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, random_operations_across_caches_keep_every_invariant, 0, 2);

	tc = slab_test_case(s, "slub_debug");
	tcase_add_loop_test(tc, slub_debug_values_give_each_cache_the_flags_linux_would, 0,
			    (int)(sizeof(spec_cases) / sizeof(spec_cases[0])));
	tcase_add_test(tc, unknown_and_unsupported_letters_are_logged_and_skipped);
	tcase_add_test(tc, a_value_that_does_not_fit_is_refused_and_leaves_no_debugging);
	tcase_add_test(tc, a_named_cache_alone_gets_the_debug_layout);

	tc = slab_test_case(s, "debug");
	tcase_add_test(tc, a_double_free_is_reported_with_cache_and_object);
	tcase_add_test(tc, freeing_a_pointer_outside_any_slab_is_reported);
	tcase_add_test(tc, freeing_another_caches_object_is_reported);
	tcase_add_test(tc, freeing_a_pointer_inside_an_object_is_reported);
	tcase_add_test(tc, a_write_after_free_is_reported_when_the_object_is_reused);
	tcase_add_test(tc, an_overrun_into_the_red_zone_is_reported_on_free);
	tcase_add_test(tc, store_user_reports_who_allocated_and_freed_the_object);
	tcase_add_test(tc, each_letter_turns_on_only_its_own_check);
	tcase_add_test(tc, kfree_of_a_foreign_pointer_is_reported_and_ignored);

	tc = slab_test_case(s, "percpu");
	tcase_add_test(tc, the_first_allocation_freezes_a_slab_as_the_cpus_own);
	tcase_add_test(tc, a_pair_on_the_cpus_slab_takes_no_lock);
	tcase_add_test(tc, frees_to_other_slabs_go_to_their_lists_and_a_dry_cpu_takes_remote_frees);
	tcase_add_test(tc, frees_in_allocation_order_take_the_lock_once_per_slab);
	tcase_add_test(tc, a_batched_remote_free_is_handed_out_once_and_only_after_its_flush);
	tcase_add_test(tc, a_partial_slab_of_the_cpu_takes_its_frees_and_refills_it_without_the_lock);
	tcase_add_test(tc, an_interrupt_in_any_masked_section_may_free_and_allocate);
	tcase_add_test(tc, kfree_hands_its_slab_lookup_to_the_debug_checks);

	tc = slab_test_case(s, "shrink");
	tcase_add_test(tc, shrink_returns_exactly_the_empty_slabs);
	tcase_add_test(tc, shrink_returns_empty_slabs_held_on_per_cpu_partial_lists);
	tcase_add_test(tc, destroy_refuses_while_objects_are_live);

	tc = slab_test_case(s, "layout");
	tcase_add_test(tc, slab_order_keeps_waste_within_a_64th_when_an_order_up_to_the_cap_can);
	tcase_add_test(tc, a_small_machine_caps_the_slab_order_at_a_1024th_of_its_ram);
	tcase_add_test(tc, bad_sizes_and_alignments_are_refused);
	tcase_add_test(tc, the_constructor_runs_once_per_object_per_slab);
	tcase_add_test(tc, objects_are_aligned_as_asked);
	return s;
}
