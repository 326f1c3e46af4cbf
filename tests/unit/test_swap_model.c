/*
 * test_swap_model.c: a seeded randomized model test of the swap device
 * (mm/swapdev.c over mm/swap_slots.c and mm/pagecache.c) on a RAM disk:
 * random writes, swap-outs in batches, swap-ins, forks and zaps of
 * mappings, and drops of cached pages nobody maps, checked against a
 * model of every mapping's content, every slot's count and shadow, and
 * the cache's size. One million operations per run (10 sequences of
 * 100,000); the seed comes from SWAP_MODEL_SEED or the clock and is
 * printed on a failure with the failing sequence shrunk to a short one.
 *
 * The model's policy for a page its cache holds for a slot that another
 * mapping reads is its own (a private copy); the guest's fault path is
 * not under test here, the device's bookkeeping and data are.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "swapdev.h"
#include "port_host.h"
#include "ramdisk.h"

#define NR_SLOTS   64
#define NR_MAPS    48
#define RAM_PAGES  512
#define NR_SEQS    10
#define SEQ_OPS    100000
#define CHECK_EVERY 512

enum op_kind { OP_WRITE, OP_SWAPOUT, OP_SWAPIN, OP_FORK, OP_ZAP, OP_DROP_CACHED, NR_OPS };
static const char *const op_names[NR_OPS] = {
	"write", "swapout", "swapin", "fork", "zap", "drop-cached" };

struct op {
	uint8_t kind;
	uint8_t map, other;     /* mappings involved */
	uint8_t val;            /* byte written */
};

enum map_state { MAP_NONE, MAP_RESIDENT, MAP_SWAPPED };

/* One mapping of the model: nothing, a private page, or a swap entry. */
struct mapping {
	enum map_state state;
	struct page *page;      /* MAP_RESIDENT */
	uint64_t slot;          /* MAP_SWAPPED */
	uint8_t val;            /* every byte of its data */
};

/* The device under test, its RAM disk, and the model next to them. */
struct world {
	struct buddy b;
	struct page descs[RAM_PAGES];
	struct swapdev d;
	uint8_t map[NR_SLOTS];
	uint32_t entries[NR_SLOTS];
	uint8_t disk_pages[NR_SLOTS][MM_PAGE_SIZE];
	struct ramdisk disk;
	struct mapping m[NR_MAPS];
	uint32_t shadow[NR_SLOTS];      /* what each slot's entry should be when no page */
	uint64_t age;
	const char *failure;            /* first model mismatch */
	struct {                        /* what the run exercised */
		unsigned long written, evicted, read, taken, copied, forked, dropped;
	} did;
};

static struct world w;

static void world_reset(struct world *x)
{
	static struct swapdev_io io = { .rw = ramdisk_rw };

	host_port_reset();
	memset(x, 0, sizeof(*x));
	x->disk = (struct ramdisk){ .data = x->disk_pages, .nr_slots = NR_SLOTS };
	io.ctx = &x->disk;
	ck_assert_int_eq(buddy_init(&x->b, x->descs, 0, RAM_PAGES, 0), 0);
	buddy_set_min_free_kbytes(&x->b, 0);
	ck_assert_int_eq(buddy_add_free_range(&x->b, 1, RAM_PAGES), 0);
	ck_assert_int_eq(swapdev_init(&x->d, &x->b, &io, x->map, x->entries, NR_SLOTS), 0);
}

static bool mismatch(struct world *x, const char *what)
{
	if (!x->failure)
		x->failure = what;
	return false;
}

static uint8_t *data(struct world *x, struct page *p)
{
	return buddy_page_address(&x->b, p);
}

static struct page *page_new(struct world *x, uint8_t val)
{
	struct page *p = buddy_alloc_pages(&x->b, BUDDY_GFP_ATOMIC, 0);

	if (p)
		memset(data(x, p), val, MM_PAGE_SIZE);
	return p;
}

/* Whether page p holds val in its first, a middle and its last byte. */
static bool holds(struct world *x, struct page *p, uint8_t val)
{
	uint8_t *b = data(x, p);

	return b[0] == val && b[MM_PAGE_SIZE / 2] == val && b[MM_PAGE_SIZE - 1] == val;
}

/* Frees a page nobody maps, out of the cache first. */
static void page_drop(struct world *x, struct page *p)
{
	swapdev_cache_del(&x->d, p);
	buddy_free_pages(&x->b, p, 0);
}

/* The mapping that holds page p resident, or NULL (a cached page nobody maps). */
static struct mapping *holder(struct world *x, const struct page *p)
{
	for (int i = 0; i < NR_MAPS; i++)
		if (x->m[i].state == MAP_RESIDENT && x->m[i].page == p)
			return &x->m[i];
	return NULL;
}

/* Swaps m in: from the cache (taken or copied) or the disk. */
static bool swap_in(struct world *x, struct mapping *m)
{
	uint64_t slot = m->slot, pfn = pagecache_lookup(&x->d.cache, slot);
	struct page *p;

	if (pfn && holder(x, buddy_pfn_to_page(&x->b, pfn))) {
		p = page_new(x, 0);                 /* another mapping's: a private copy */
		if (!p)
			return true;
		memcpy(data(x, p), buddy_page_address(&x->b, buddy_pfn_to_page(&x->b, pfn)),
		       MM_PAGE_SIZE);
		x->did.copied++;
	} else if (pfn) {
		p = buddy_pfn_to_page(&x->b, pfn);  /* cached, unmapped: taken as it is */
		x->did.taken++;
	} else {
		phys_addr_t pa;
		if (!(p = page_new(x, 0)))
			return true;
		pa = buddy_page_to_phys(&x->b, p);
		if (swapdev_read(&x->d, slot, &pa, 1))
			return mismatch(x, "swap-in read failed");
		if (swapdev_cache_add(&x->d, p, slot) != x->shadow[slot])
			return mismatch(x, "swap-in did not get the slot's shadow back");
		x->shadow[slot] = 0;
		x->did.read++;
	}
	if (swap_slots_put(&x->d.slots, slot) < 0)
		return mismatch(x, "the mapping's slot reference was gone");
	swapdev_swapin_writable(&x->d, p, slot);
	if (!swapdev_cache_slot(p))
		x->shadow[slot] = 0;            /* left the cache: its entry is empty */
	m->state = MAP_RESIDENT;
	m->page = p;
	return holds(x, p, m->val) ? true : mismatch(x, "swapped-in data differs");
}

static bool op_write(struct world *x, struct mapping *m, uint8_t val)
{
	if (m->state == MAP_SWAPPED && !swap_in(x, m))
		return false;
	if (m->state == MAP_NONE) {
		if (!(m->page = page_new(x, val)))
			return true;
		m->state = MAP_RESIDENT;
	} else if (m->state == MAP_RESIDENT && !swapdev_exclusive(&x->d, m->page)) {
		struct page *copy = page_new(x, 0); /* the cached copy stays for the others */
		if (!copy)
			return true;
		m->page = copy;
	}
	if (m->state != MAP_RESIDENT)
		return true;
	memset(data(x, m->page), val, MM_PAGE_SIZE);
	m->val = val;
	x->did.written++;
	return true;
}

/* Evicts resident mapping m whose page is cached: a swap entry in its place. */
static bool evict(struct world *x, struct mapping *m)
{
	uint64_t slot = swapdev_cache_slot(m->page);
	uint32_t shadow = pagecache_shadow_make(++x->age);

	if (swap_slots_dup(&x->d.slots, slot))
		return true;                    /* the count is full: it stays */
	swapdev_evicted(&x->d, m->page, shadow);
	buddy_free_pages(&x->b, m->page, 0);
	x->shadow[slot] = shadow;
	x->did.evicted++;
	m->state = MAP_SWAPPED;
	m->slot = slot;
	return true;
}

/* Swaps out up to 8 resident mappings from m on, uncached ones in one write. */
static bool op_swapout(struct world *x, int first)
{
	struct page *batch[8];
	struct mapping *chosen[8];
	unsigned n = 0, nw = 0;

	for (int i = 0; i < NR_MAPS && n < 8; i++) {
		struct mapping *m = &x->m[(first + i) % NR_MAPS];
		if (m->state != MAP_RESIDENT)
			continue;
		chosen[n++] = m;
		if (!swapdev_cache_slot(m->page))
			batch[nw++] = m->page;
	}
	swapdev_write(&x->d, batch, nw);
	for (unsigned i = 0; i < n; i++) {
		if (!swapdev_cache_slot(chosen[i]->page))
			continue;               /* no room on the device */
		x->shadow[swapdev_cache_slot(chosen[i]->page)] = 0;
		if (!evict(x, chosen[i]))
			return false;
	}
	return true;
}

static bool op_fork(struct world *x, struct mapping *from, struct mapping *to)
{
	if (to == from || to->state != MAP_NONE)
		return true;
	if (from->state == MAP_SWAPPED) {
		if (swap_slots_dup(&x->d.slots, from->slot))
			return true;
		*to = *from;
		x->did.forked++;
	} else if (from->state == MAP_RESIDENT) {
		if (!(to->page = page_new(x, from->val)))
			return true;
		to->state = MAP_RESIDENT;
		to->val = from->val;
	}
	return true;
}

static bool op_zap(struct world *x, struct mapping *m)
{
	if (m->state == MAP_SWAPPED && swap_slots_put(&x->d.slots, m->slot) < 0)
		return mismatch(x, "zap found no slot reference");
	if (m->state == MAP_RESIDENT)
		page_drop(x, m->page);
	m->state = MAP_NONE;
	return true;
}

/* Frees a cached page nobody maps (reclaim's choice): with a shadow or without. */
static bool op_drop_cached(struct world *x, int from, bool shadow)
{
	for (int i = 0; i < NR_SLOTS; i++) {
		uint64_t slot = (uint64_t)(from + i) % NR_SLOTS, pfn = pagecache_lookup(&x->d.cache, slot);
		struct page *p = pfn ? buddy_pfn_to_page(&x->b, pfn) : NULL;
		if (!p || holder(x, p))
			continue;
		x->did.dropped++;
		if (shadow) {
			x->shadow[slot] = pagecache_shadow_make(++x->age);
			swapdev_evicted(&x->d, p, x->shadow[slot]);
			buddy_free_pages(&x->b, p, 0);
		} else {
			page_drop(x, p);
			x->shadow[slot] = 0;
		}
		return true;
	}
	return true;
}

/* Every slot's count, shadow and cached page against the mappings. */
static bool check_all(struct world *x)
{
	uint64_t cached = 0;

	if (swap_slots_check(&x->d.slots) || pagecache_check(&x->d.cache))
		return mismatch(x, "slot or cache counts inconsistent");
	for (uint64_t s = 1; s < NR_SLOTS; s++) {
		unsigned refs = 0;
		uint64_t pfn = pagecache_lookup(&x->d.cache, s);
		for (int i = 0; i < NR_MAPS; i++)
			refs += x->m[i].state == MAP_SWAPPED && x->m[i].slot == s;
		if (pfn) {
			cached++;
			refs++;
			if (swapdev_cache_slot(buddy_pfn_to_page(&x->b, pfn)) != s)
				return mismatch(x, "a cached page names another slot");
		} else if (refs && pagecache_shadow(&x->d.cache, s) != x->shadow[s]) {
			return mismatch(x, "a swapped-out slot lost its shadow");
		}
		if (swap_slots_count(&x->d.slots, s) != refs)
			return mismatch(x, "a slot's count differs from its references");
	}
	for (int i = 0; i < NR_MAPS; i++)
		if (x->m[i].state == MAP_RESIDENT && !holds(x, x->m[i].page, x->m[i].val))
			return mismatch(x, "a resident mapping's data differs");
	return cached == pagecache_nr_pages(&x->d.cache) ? true : mismatch(x, "nr_pages differs");
}

static bool apply(struct world *x, const struct op *o)
{
	struct mapping *m = &x->m[o->map % NR_MAPS];

	switch (o->kind) {
	case OP_WRITE:   return op_write(x, m, o->val);
	case OP_SWAPOUT: return op_swapout(x, o->map);
	case OP_SWAPIN:  return m->state != MAP_SWAPPED || swap_in(x, m);
	case OP_FORK:    return op_fork(x, m, &x->m[o->other % NR_MAPS]);
	case OP_ZAP:     return op_zap(x, m);
	default:         return op_drop_cached(x, o->map, o->val & 1);
	}
}

/* Runs ops[0..n) on a fresh world. Returns the index of the failing op, or -1. */
static long run(const struct op *ops, long n, bool check_each)
{
	world_reset(&w);
	for (long i = 0; i < n; i++)
		if (!apply(&w, &ops[i]) || ((check_each || i % CHECK_EVERY == 0) && !check_all(&w)))
			return i;
	for (int i = 0; i < NR_MAPS; i++)       /* everything back: counts end at zero */
		op_zap(&w, &w.m[i]);
	op_drop_cached(&w, 0, false);
	while (pagecache_nr_pages(&w.d.cache))
		op_drop_cached(&w, 0, false);
	return check_all(&w) && w.d.slots.nr_free == NR_SLOTS - 1 ? -1 : n;
}

/* Removes ops one at a time while the run still fails. Returns the length left. */
static long shrink(struct op *ops, long n)
{
	for (long i = n - 1; i >= 0; i--) {
		struct op saved = ops[i];
		memmove(&ops[i], &ops[i + 1], (size_t)(n - i - 1) * sizeof(*ops));
		if (run(ops, n - 1, true) >= 0) {
			n--;
			continue;
		}
		memmove(&ops[i + 1], &ops[i], (size_t)(n - i - 1) * sizeof(*ops));
		ops[i] = saved;
	}
	return n;
}

static void report(unsigned long seed, const struct op *ops, long n)
{
	fprintf(stderr, "swap_model: seed %lu (SWAP_MODEL_SEED=%lu reproduces): %s; "
		"shrunk to %ld ops:\n", seed, seed, w.failure ? w.failure : "?", n);
	for (long i = 0; i < n; i++)
		fprintf(stderr, "  %s map %u other %u val %u\n", op_names[ops[i].kind],
			ops[i].map % NR_MAPS, ops[i].other % NR_MAPS, ops[i].val);
}

static unsigned long model_seed(void)
{
	const char *env = getenv("SWAP_MODEL_SEED");

	return env ? strtoul(env, NULL, 0) : (unsigned long)time(NULL) ^ (unsigned long)getpid();
}

static uint64_t next_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

START_TEST(random_swap_traffic_agrees_with_the_model)
{
	static struct op ops[SEQ_OPS];
	unsigned long seed = model_seed() + (unsigned long)_i;
	uint64_t r = seed * 2654435761u + 1;
	long failed;

	for (long i = 0; i < SEQ_OPS; i++) {
		uint64_t v = next_rand(&r);
		ops[i] = (struct op){ .kind = (uint8_t)(v % NR_OPS), .map = (uint8_t)(v >> 8),
				      .other = (uint8_t)(v >> 16), .val = (uint8_t)(v >> 24) };
	}
	failed = run(ops, SEQ_OPS, false);

	if (failed >= 0) {
		long n = shrink(ops, failed + 1);
		report(seed, ops, n);
		ck_abort_msg("swap_model: seed %lu failed: %s", seed, w.failure);
	}
	/* the sequence reached every path, or it proves little */
	ck_assert_uint_gt(w.did.written, 0);
	ck_assert_uint_gt(w.did.evicted, 0);
	ck_assert_uint_gt(w.did.read, 0);
	ck_assert_uint_gt(w.did.taken, 0);
	ck_assert_uint_gt(w.did.copied, 0);
	ck_assert_uint_gt(w.did.forked, 0);
	ck_assert_uint_gt(w.did.dropped, 0);
}
END_TEST

START_TEST(the_model_catches_a_lost_slot_reference)
{
	static const struct op ops[] = {
		{ .kind = OP_WRITE, .map = 0, .val = 7 },
		{ .kind = OP_SWAPOUT, .map = 0 },
	};

	ck_assert_int_eq(run(ops, 2, true), -1);
	world_reset(&w);
	apply(&w, &ops[0]);
	apply(&w, &ops[1]);
	swap_slots_dup(&w.d.slots, w.m[0].slot);   /* a reference nobody holds */
	ck_assert(!check_all(&w));
	ck_assert_str_eq(w.failure, "a slot's count differs from its references");
	swap_slots_put(&w.d.slots, w.m[0].slot);
}
END_TEST

Suite *swap_model_suite(void);
Suite *swap_model_suite(void)
{
	Suite *suite = suite_create("swap_model");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, random_swap_traffic_agrees_with_the_model, 0, NR_SEQS);
	tcase_add_test(tc, the_model_catches_a_lost_slot_reference);
	suite_add_tcase(suite, tc);
	return suite;
}
