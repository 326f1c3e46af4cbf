/*
 * test_buddy.c: the buddy allocator on the host port: randomized mixed-order
 * sequences checked after every step, exhaustion and recovery, zones,
 * watermarks, reclaim hooks, fragmentation indices, lazy descriptors.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buddy.h"
#include "port_host.h"

#define DMA32_PFN BUDDY_DMA_END_PFN
#define NORMAL_PFN BUDDY_DMA32_END_PFN

static struct buddy B;
static struct page *pages;

static void setup(void)
{
	host_port_reset();
	pages = NULL;
}

static void teardown(void)
{
	free(pages);
}

/* A buddy over [0, last_pfn) with garbage descriptors (nothing is zeroed). */
static void make_buddy(uint64_t last_pfn, uint64_t min_free_kbytes)
{
	size_t sz = buddy_page_array_size(0, last_pfn);
	pages = malloc(sz);
	ck_assert_ptr_nonnull(pages);
	if (sz < (8u << 20))
		memset(pages, 0xa5, sz);
	ck_assert_int_eq(buddy_init(&B, pages, 0, last_pfn, min_free_kbytes), 0);
}

static void no_watermarks(void)
{
	buddy_set_min_free_kbytes(&B, 0);
	buddy_set_watermark_scale_factor(&B, 0);
}

/* ---- checker: lists + an independent bitmap of who owns each page ------ */

#define ARENA_PAGES 4096
static uint64_t owned[ARENA_PAGES / 64], seen_free[ARENA_PAGES / 64];
static int overlap_errors;

static bool bits_any(const uint64_t *map, uint64_t pfn, unsigned order)
{
	if (order >= 6)
		for (uint64_t w = pfn / 64; w < (pfn + (1ull << order)) / 64; w++)
			if (map[w])
				return true;
	if (order >= 6)
		return false;
	uint64_t mask = ((1ull << (1u << order)) - 1) << (pfn % 64);
	return map[pfn / 64] & mask;
}

static void bits_set(uint64_t *map, uint64_t pfn, unsigned order, bool on)
{
	for (uint64_t i = pfn; i < pfn + (1ull << order);) {
		if (i % 64 == 0 && i + 64 <= pfn + (1ull << order)) {
			map[i / 64] = on ? ~0ull : 0;
			i += 64;
		} else {
			if (on)
				map[i / 64] |= 1ull << (i % 64);
			else
				map[i / 64] &= ~(1ull << (i % 64));
			i++;
		}
	}
}

static void mark_free(uint64_t pfn, unsigned order, bool pcp, void *arg)
{
	(void)pcp;
	(void)arg;
	if (bits_any(owned, pfn, order) || bits_any(seen_free, pfn, order))
		overlap_errors++;
	bits_set(seen_free, pfn, order, true);
}

static uint64_t popcount_map(const uint64_t *map)
{
	uint64_t n = 0;
	for (size_t i = 0; i < ARENA_PAGES / 64; i++)
		n += (uint64_t)__builtin_popcountll(map[i]);
	return n;
}

/* Full check: invariants, no overlap, every managed page accounted once. */
static void check_all(void)
{
	ck_assert_int_eq(buddy_check(&B), 0);
	memset(seen_free, 0, sizeof(seen_free));
	overlap_errors = 0;
	buddy_for_each_free(&B, mark_free, NULL);
	ck_assert_int_eq(overlap_errors, 0);
	ck_assert_uint_eq(popcount_map(seen_free) + popcount_map(owned),
			  buddy_nr_managed_pages(&B));
}

struct live { struct page *p; unsigned order; };

static unsigned random_order(void)
{
	unsigned r = (unsigned)rand() % 100;
	if (r < 50)
		return 0;
	if (r < 95)
		return 1 + (unsigned)rand() % 3;
	return 4 + (unsigned)rand() % 7;
}

static unsigned random_gfp(void)
{
	unsigned r = (unsigned)rand() % 8;
	return r == 0 ? BUDDY_GFP_ZERO : r == 1 ? BUDDY_GFP_COMP : r == 2 ? BUDDY_GFP_ATOMIC : 0;
}

static void random_alloc(struct live *live, int *n)
{
	unsigned order = random_order();
	struct page *p = buddy_alloc_pages(&B, random_gfp(), order);
	if (!p)
		return;
	uint64_t pfn = buddy_page_to_pfn(&B, p);
	ck_assert_uint_eq(pfn % (1ull << order), 0);
	ck_assert(!bits_any(owned, pfn, order));
	bits_set(owned, pfn, order, true);
	live[(*n)++] = (struct live){ p, order };
}

static void random_free(struct live *live, int *n)
{
	int i = rand() % *n;
	bits_set(owned, buddy_page_to_pfn(&B, live[i].p), live[i].order, false);
	buddy_free_pages(&B, live[i].p, live[i].order);
	live[i] = live[--*n];
}

START_TEST(random_mixed_order_sequences_keep_every_invariant_after_every_step)
{
	enum { OPS = 100000, MAXLIVE = ARENA_PAGES };
	static struct live live[MAXLIVE];
	int n = 0;

	srand(1000u + (unsigned)_i);
	make_buddy(ARENA_PAGES, 0);
	memset(owned, 0, sizeof(owned));
	/* odd edges: partial max-order blocks at both ends and a hole */
	ck_assert_int_eq(buddy_add_free_range(&B, 5, 1500), 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 1600, 3077), 0);
	if (_i % 2)
		no_watermarks();
	check_all();
	for (int op = 0; op < OPS; op++) {
		bool grow = n == 0 || (n < MAXLIVE && rand() % 100 < (op / 5000 % 2 ? 40 : 60));
		if (grow)
			random_alloc(live, &n);
		else
			random_free(live, &n);
		check_all();
	}
	while (n)
		random_free(live, &n);
	buddy_drain_pcp(&B);
	check_all();
	ck_assert_uint_eq(buddy_nr_free_pages(&B), buddy_nr_managed_pages(&B));
}
END_TEST

/* ---- exhaustion and recovery ------------------------------------------ */

static void snapshot_free(uint64_t out[BUDDY_NR_ZONES][BUDDY_NR_ORDERS])
{
	for (int z = 0; z < BUDDY_NR_ZONES; z++)
		for (int o = 0; o < BUDDY_NR_ORDERS; o++)
			out[z][o] = B.zones[z].free_area[o].nr_free;
}

START_TEST(exhaustion_returns_null_and_freeing_everything_restores_the_initial_state)
{
	static struct live live[ARENA_PAGES];
	uint64_t before[BUDDY_NR_ZONES][BUDDY_NR_ORDERS], after[BUDDY_NR_ZONES][BUDDY_NR_ORDERS];
	int n = 0;

	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 3, 3000), 0);
	no_watermarks();
	snapshot_free(before);
	for (int order = 3; order >= 0; order--) {
		struct page *p;
		while ((p = buddy_alloc_pages(&B, 0, (unsigned)order)))
			live[n++] = (struct live){ p, (unsigned)order };
	}
	ck_assert_uint_eq(buddy_nr_free_pages(&B) + buddy_nr_pcp_pages(&B), 0);
	ck_assert_ptr_null(buddy_alloc_pages(&B, BUDDY_GFP_ATOMIC, 0));
	ck_assert_ptr_null(buddy_alloc_pages(&B, 0, 5));
	while (n--)
		buddy_free_pages(&B, live[n].p, live[n].order);
	buddy_drain_pcp(&B);
	ck_assert_int_eq(buddy_check(&B), 0);
	snapshot_free(after);
	ck_assert_mem_eq(before, after, sizeof(before));
}
END_TEST

START_TEST(an_order_above_the_maximum_fails_cleanly)
{
	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 2048), 0);
	ck_assert_ptr_null(buddy_alloc_pages(&B, 0, BUDDY_MAX_ORDER + 1));
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, BUDDY_MAX_ORDER));
}
END_TEST

START_TEST(a_normal_allocation_stops_at_min_but_an_atomic_one_dips_below)
{
	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 2048), 0);
	buddy_set_min_free_kbytes(&B, 400); /* min 100 pages */
	struct buddy_zone *z = &B.zones[BUDDY_ZONE_DMA];
	ck_assert_uint_eq(z->wmark[BUDDY_WMARK_MIN], 100);
	while (buddy_alloc_pages(&B, 0, 0))
		;
	ck_assert_uint_eq(buddy_nr_pcp_pages(&B), 0);
	ck_assert_uint_eq(z->free_pages, 100); /* free <= min fails */
	while (buddy_alloc_pages(&B, BUDDY_GFP_ATOMIC, 0))
		;
	/* min - min/2 = 50, minus a quarter = 38 */
	ck_assert_uint_eq(z->free_pages, 38);
}
END_TEST

/* ---- initialisation ---------------------------------------------------- */

START_TEST(init_rejects_bad_arguments)
{
	struct page one[2];
	ck_assert_int_eq(buddy_init(&B, one, 1, 2, 0), -MM_EINVAL);
	ck_assert_int_eq(buddy_init(&B, one, 0, 0, 0), -MM_EINVAL);
	make_buddy(2048, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 100, 4000), -MM_EINVAL);
	ck_assert_int_eq(buddy_add_free_range(&B, 10, 10), -MM_EINVAL);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 16), -MM_EINVAL);
}
END_TEST

START_TEST(whole_blocks_get_only_their_head_descriptor_written)
{
	unsigned char garbage[sizeof(struct page)];
	memset(garbage, 0xa5, sizeof(garbage));
	make_buddy(4096, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 1024, 3072), 0);
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_DMA].free_area[BUDDY_MAX_ORDER].nr_free, 2);
	for (uint64_t pfn = 1025; pfn < 3072; pfn++)
		if (pfn != 2048)
			ck_assert_mem_eq(&pages[pfn], garbage, sizeof(garbage));
	/* a partial block is cleared once, so its holes never merge */
	ck_assert_int_eq(buddy_add_free_range(&B, 3073, 4096), 0);
	ck_assert_uint_eq(pages[3072].flags, 0);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

/* ---- zones ---------------------------------------------------------------- */

static void make_three_zones(void)
{
	make_buddy(NORMAL_PFN + 2048, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 256, 512), 0);
	ck_assert_int_eq(buddy_add_free_range(&B, DMA32_PFN, DMA32_PFN + 512), 0);
	ck_assert_int_eq(buddy_add_free_range(&B, NORMAL_PFN, NORMAL_PFN + 512), 0);
	no_watermarks();
}

static int zone_of(struct page *p)
{
	return buddy_pfn_zone(buddy_page_to_pfn(&B, p));
}

START_TEST(zones_are_split_at_16_mib_and_4_gib)
{
	make_three_zones();
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_DMA].managed_pages, 256);
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_DMA32].managed_pages, 512);
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_NORMAL].managed_pages, 512);
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_DMA].end_pfn, 4096);
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_DMA32].start_pfn, 4096);
	ck_assert_uint_eq(B.zones[BUDDY_ZONE_NORMAL].start_pfn, 1ull << 20);
}
END_TEST

START_TEST(allocations_fall_back_from_normal_to_dma32_to_dma)
{
	int seen[BUDDY_NR_ZONES] = { 0 };
	make_three_zones();
	for (int i = 0; i < 512 + 512 + 256; i++) {
		struct page *p = buddy_alloc_pages(&B, 0, 0);
		ck_assert_ptr_nonnull(p);
		int z = zone_of(p);
		seen[z]++;
		for (int hi = z + 1; hi < BUDDY_NR_ZONES; hi++)
			ck_assert_int_eq(seen[hi], (int)B.zones[hi].managed_pages);
	}
	ck_assert_ptr_null(buddy_alloc_pages(&B, 0, 0));
}
END_TEST

START_TEST(zone_restricted_allocations_never_leave_their_zones)
{
	make_three_zones();
	for (int i = 0; i < 768; i++) {
		struct page *p = buddy_alloc_pages(&B, BUDDY_GFP_DMA32, 0);
		ck_assert_ptr_nonnull(p);
		ck_assert_int_le(zone_of(p), BUDDY_ZONE_DMA32);
	}
	ck_assert_ptr_null(buddy_alloc_pages(&B, BUDDY_GFP_DMA32, 0));
	ck_assert_ptr_null(buddy_alloc_pages(&B, BUDDY_GFP_DMA, 0));
	struct page *p = buddy_alloc_pages(&B, BUDDY_GFP_THISZONE, 0);
	ck_assert_int_eq(zone_of(p), BUDDY_ZONE_NORMAL);
}
END_TEST

START_TEST(a_this_zone_allocation_fails_rather_than_falling_back)
{
	make_three_zones();
	for (int i = 0; i < 512; i++)
		ck_assert_ptr_nonnull(buddy_alloc_pages(&B, BUDDY_GFP_THISZONE, 0));
	ck_assert_ptr_null(buddy_alloc_pages(&B, BUDDY_GFP_THISZONE, 0));
	struct page *p = buddy_alloc_pages(&B, BUDDY_GFP_DMA, 0);
	ck_assert_int_eq(zone_of(p), BUDDY_ZONE_DMA);
}
END_TEST

/* ---- watermarks, by hand: 4096 DMA + 28672 DMA32 pages = 131072 KiB ---- */

static void make_128m(uint64_t min_free_kbytes)
{
	make_buddy(32768, min_free_kbytes);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 32768), 0);
}

static void assert_wmarks(int zone, uint64_t min, uint64_t low, uint64_t high)
{
	ck_assert_uint_eq(B.zones[zone].wmark[BUDDY_WMARK_MIN], min);
	ck_assert_uint_eq(B.zones[zone].wmark[BUDDY_WMARK_LOW], low);
	ck_assert_uint_eq(B.zones[zone].wmark[BUDDY_WMARK_HIGH], high);
}

START_TEST(default_min_free_kbytes_is_four_times_the_root_of_lowmem_clamped)
{
	ck_assert_uint_eq(buddy_default_min_free_kbytes(131072), 1448); /* isqrt(2097152) */
	ck_assert_uint_eq(buddy_default_min_free_kbytes(1048576), 4096);
	ck_assert_uint_eq(buddy_default_min_free_kbytes(100), 128);
	ck_assert_uint_eq(buddy_default_min_free_kbytes(1ull << 40), 262144);
}
END_TEST

START_TEST(default_watermarks_are_shared_out_by_zone_size)
{
	make_128m(0);
	ck_assert_uint_eq(B.min_free_kbytes, 1448);
	/* pages_min 362: DMA 362*4096/32768 = 45, step max(11, 4) */
	assert_wmarks(BUDDY_ZONE_DMA, 45, 56, 67);
	/* DMA32 362*28672/32768 = 316, step max(79, 28) */
	assert_wmarks(BUDDY_ZONE_DMA32, 316, 395, 474);
	assert_wmarks(BUDDY_ZONE_NORMAL, 0, 0, 0);
}
END_TEST

START_TEST(min_free_kbytes_and_the_scale_factor_can_be_overridden)
{
	make_128m(4096); /* pages_min 1024 */
	assert_wmarks(BUDDY_ZONE_DMA, 128, 160, 192);
	assert_wmarks(BUDDY_ZONE_DMA32, 896, 1120, 1344);
	buddy_set_watermark_scale_factor(&B, 1000); /* 10% of managed */
	assert_wmarks(BUDDY_ZONE_DMA, 128, 537, 946);
	assert_wmarks(BUDDY_ZONE_DMA32, 896, 3763, 6630);
	buddy_set_min_free_kbytes(&B, BUDDY_MIN_FREE_DEFAULT);
	ck_assert_uint_eq(B.min_free_kbytes, 1448);
}
END_TEST

/* ---- reclaim hooks ------------------------------------------------------------ */

static int kswapd_calls, direct_calls;
static struct page *stash[64];
static int nstash;

static void hook_kswapd(struct buddy *b, struct buddy_zone *z, unsigned order, void *ctx)
{
	(void)b; (void)z; (void)order; (void)ctx;
	kswapd_calls++;
}

static uint64_t hook_direct(struct buddy *b, unsigned order, unsigned gfp, void *ctx)
{
	(void)order; (void)gfp; (void)ctx;
	direct_calls++;
	int freed = 0;
	while (nstash && freed < 8) {
		buddy_free_pages(b, stash[--nstash], 0);
		freed++;
	}
	return (uint64_t)freed;
}

START_TEST(reclaim_hooks_run_below_low_and_below_min)
{
	struct buddy_reclaim_ops ops = { hook_kswapd, hook_direct, NULL };
	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	buddy_set_min_free_kbytes(&B, 400); /* min 100, low 125 */
	buddy_set_reclaim_ops(&B, &ops);
	kswapd_calls = direct_calls = nstash = 0;
	while (B.zones[0].free_pages + buddy_nr_pcp_pages(&B) > 130)
		buddy_alloc_pages(&B, 0, 0);
	ck_assert_int_eq(kswapd_calls, 0);
	for (int i = 0; i < 20; i++)
		stash[nstash++] = buddy_alloc_pages(&B, BUDDY_GFP_NOWAKE, 0);
	ck_assert_int_eq(kswapd_calls, 0); /* below low, but told not to wake it */
	while (nstash)
		buddy_free_pages(&B, stash[--nstash], 0);
	for (int i = 0; i < 20; i++)
		stash[nstash++] = buddy_alloc_pages(&B, 0, 0);
	ck_assert_int_gt(kswapd_calls, 0);
	while (buddy_alloc_pages(&B, 0, 0))
		;
	ck_assert_int_eq(direct_calls, 0); /* no RECLAIM flag: no direct reclaim */
	ck_assert_ptr_null(buddy_alloc_pages(&B, BUDDY_GFP_ATOMIC, 9));
	ck_assert_int_eq(direct_calls, 0);
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, BUDDY_GFP_KERNEL, 0));
	ck_assert_int_gt(direct_calls, 0);
}
END_TEST

/* ---- fragmentation ------------------------------------------------------------ */

START_TEST(fragmentation_indices_follow_linux_formulas)
{
	static struct page *all[1024];
	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	no_watermarks();
	struct buddy_zone *z = &B.zones[BUDDY_ZONE_DMA];
	ck_assert_int_eq(buddy_unusable_index(z, 10), 0);
	ck_assert_int_eq(buddy_extfrag_index(z, 10), -1000);
	for (int i = 0; i < 1024; i++)
		all[i] = buddy_alloc_pages(&B, 0, 0);
	ck_assert_int_eq(buddy_unusable_index(z, 0), 1000); /* nothing free */
	ck_assert_int_eq(buddy_extfrag_index(z, 1), 0);
	for (int i = 0; i < 1024; i += 2)
		buddy_free_pages(&B, all[i], 0);
	buddy_drain_pcp(&B);
	ck_assert_uint_eq(z->free_area[0].nr_free, 512);
	ck_assert_int_eq(buddy_unusable_index(z, 0), 0);
	ck_assert_int_eq(buddy_unusable_index(z, 1), 1000);
	/* 1000 - (1000 + 512*1000/2) / 512 = 1000 - 501 */
	ck_assert_int_eq(buddy_extfrag_index(z, 1), 499);
	/* 1000 - (1000 + 512*1000/1024) / 512 = 1000 - 2 */
	ck_assert_int_eq(buddy_extfrag_index(z, 10), 998);
}
END_TEST

/* ---- page flags ------------------------------------------------------------------ */

START_TEST(zeroed_and_compound_allocations_are_prepared)
{
	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	struct page *p = buddy_alloc_pages(&B, 0, 2);
	memset(buddy_page_address(&B, p), 0x77, 4 * MM_PAGE_SIZE);
	buddy_free_pages(&B, p, 2);
	p = buddy_alloc_pages(&B, BUDDY_GFP_ZERO | BUDDY_GFP_COMP, 2);
	unsigned char *mem = buddy_page_address(&B, p);
	for (size_t i = 0; i < 4 * MM_PAGE_SIZE; i++)
		ck_assert_int_eq(mem[i], 0);
	ck_assert_uint_eq(p->flags, PG_HEAD);
	ck_assert_int_eq(p->refcount, 1);
	ck_assert_ptr_eq(buddy_compound_head(&B, p + 3), p);
	ck_assert_ptr_eq(buddy_virt_to_page(&B, mem + 3 * MM_PAGE_SIZE + 5), p + 3);
	buddy_free_pages(&B, p, 2);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(freeing_a_free_block_panics)
{
	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	struct page *p = buddy_alloc_pages(&B, 0, 3);
	buddy_free_pages(&B, p, 3);
	buddy_free_pages(&B, p, 3);
}
END_TEST

/* ---- per-CPU lists ------------------------------------------------------ */

/* 1024 pages in zone DMA, no watermarks, every CPU's lists at batch and high. */
static struct buddy_zone *make_pcp_buddy(uint32_t batch, uint32_t high)
{
	struct buddy_zone *z = &B.zones[BUDDY_ZONE_DMA];

	make_buddy(ARENA_PAGES, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	no_watermarks();
	for (int c = 0; c < MM_NR_CPUS; c++) {
		z->pcp[c].batch = batch;
		z->pcp[c].high = high;
	}
	return z;
}

static unsigned list_length(const struct list_head *h)
{
	unsigned n = 0;
	for (const struct list_head *pos = h->next; pos != h; pos = pos->next)
		n++;
	return n;
}

START_TEST(a_miss_refills_batch_over_order_blocks_and_a_hit_takes_nothing_from_the_zone)
{
	struct buddy_zone *z = make_pcp_buddy(8, 32);
	struct buddy_pcp *pcp = &z->pcp[0];

	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, 0)); /* 8 blocks of order 0 */
	ck_assert_uint_eq(pcp->count, 7);
	ck_assert_uint_eq(z->free_pages, 1024 - 8);
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, 0)); /* a hit */
	ck_assert_uint_eq(pcp->count, 6);
	ck_assert_uint_eq(z->free_pages, 1024 - 8);
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, 1)); /* 8 >> 1 = 4 blocks */
	ck_assert_uint_eq(z->free_pages, 1024 - 16);
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, 3)); /* 8 >> 3 = 1, at least 2 */
	ck_assert_uint_eq(z->free_pages, 1024 - 32);
	ck_assert_uint_eq(list_length(&pcp->lists[0]), 6);
	ck_assert_uint_eq(list_length(&pcp->lists[1]), 3);
	ck_assert_uint_eq(list_length(&pcp->lists[2]), 0);
	ck_assert_uint_eq(list_length(&pcp->lists[3]), 1);
	ck_assert_uint_eq(pcp->count, 6 + 3 * 2 + 8);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(a_free_above_high_drains_a_batch_back_to_the_zone)
{
	struct buddy_zone *z = make_pcp_buddy(8, 32);
	struct buddy_pcp *pcp = &z->pcp[0];
	struct page *p[40];

	for (int i = 0; i < 40; i++)
		ck_assert_ptr_nonnull(p[i] = buddy_alloc_pages(&B, 0, 0));
	buddy_drain_pcp(&B);
	ck_assert_uint_eq(pcp->count, 0);
	for (uint32_t i = 0; i < 32; i++) {
		buddy_free_pages(&B, p[i], 0);
		ck_assert_uint_eq(pcp->count, i + 1);
	}
	uint64_t free_before = z->free_pages;
	buddy_free_pages(&B, p[32], 0); /* 33 > high */
	ck_assert_uint_eq(pcp->count, 33 - 8);
	ck_assert_uint_eq(z->free_pages, free_before + 8);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(a_higher_order_allocation_that_fails_drains_the_per_cpu_lists)
{
	static struct page *all[1024 + 1];
	struct buddy_zone *z = make_pcp_buddy(8, 32);
	int n = 0;

	while ((all[n] = buddy_alloc_pages(&B, 0, 0)))
		n++;
	ck_assert_int_eq(n, 1024);
	while (n--)
		buddy_free_pages(&B, all[n], 0);
	ck_assert_uint_gt(z->pcp[0].count, 0);
	ck_assert_uint_eq(z->free_area[BUDDY_MAX_ORDER].nr_free, 0); /* kept split */
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, BUDDY_MAX_ORDER));
	ck_assert_uint_eq(buddy_nr_pcp_pages(&B), 0);
	ck_assert_uint_eq(z->free_pages, 0);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(each_cpu_allocates_from_and_frees_to_its_own_lists)
{
	struct buddy_zone *z = make_pcp_buddy(8, 32);

	host_percpu.cpu = 1;
	struct page *p = buddy_alloc_pages(&B, 0, 0);
	buddy_free_pages(&B, p, 0);
	ck_assert_uint_eq(z->pcp[1].count, 8);
	ck_assert_uint_eq(z->pcp[0].count, 0);
	host_percpu.cpu = 0;
	struct page *q = buddy_alloc_pages(&B, 0, 0);
	ck_assert_ptr_ne(q, p);
	ck_assert_uint_eq(z->pcp[0].count, 7);
	ck_assert_uint_eq(z->pcp[1].count, 8);
	host_percpu.cpu = 1;
	ck_assert_ptr_eq(buddy_alloc_pages(&B, 0, 0), p); /* hottest first */
	host_percpu.cpu = 0;
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(the_checker_catches_a_per_cpu_block_on_the_wrong_list_or_miscounted)
{
	struct buddy_zone *z = make_pcp_buddy(8, 32);
	struct buddy_pcp *pcp = &z->pcp[0];

	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, 0, 1));
	struct page *p = list_entry(pcp->lists[1].next, struct page, lru);
	p->order = 2;
	host_log_clear();
	ck_assert_int_eq(buddy_check(&B), -MM_EFAULT);
	ck_assert_ptr_nonnull(strstr(host_log_text(), "on the order 1 list says order 2"));
	p->order = 1;
	ck_assert_int_eq(buddy_check(&B), 0);
	pcp->count++;
	ck_assert_int_eq(buddy_check(&B), -MM_EFAULT);
	ck_assert_ptr_nonnull(strstr(host_log_text(), "pcp count"));
	pcp->count--;
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

static uint64_t reclaim_calls;

static uint64_t count_reclaim(struct buddy *b, unsigned order, unsigned gfp, void *ctx)
{
	(void)b, (void)order, (void)gfp, (void)ctx;
	reclaim_calls++;
	return 0;
}

START_TEST(pages_on_another_cpus_list_are_drained_before_direct_reclaim)
{
	static struct page *all[1024];
	struct buddy_zone *z = make_pcp_buddy(8, 32);
	struct buddy_reclaim_ops ops = { .direct_reclaim = count_reclaim };
	int n = 0;

	buddy_set_reclaim_ops(&B, &ops);
	while (n < 1024 && (all[n] = buddy_alloc_pages(&B, 0, 0)))
		n++;
	ck_assert_int_eq(n, 1024);
	host_percpu.cpu = 1;
	for (int i = 0; i < 16; i++) /* the only free pages: on CPU 1's list */
		buddy_free_pages(&B, all[i], 0);
	host_percpu.cpu = 0;
	ck_assert_uint_eq(z->pcp[1].count, 16);
	ck_assert_uint_eq(z->free_pages + z->pcp[0].count, 0);
	reclaim_calls = 0;
	ck_assert_ptr_nonnull(buddy_alloc_pages(&B, BUDDY_GFP_KERNEL, 0));
	ck_assert_uint_eq(reclaim_calls, 0);
	ck_assert_uint_eq(z->pcp[1].count, 0);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

/* ---- NUMA nodes ------------------------------------------------------- */

#define NODE_ZONE(n, t) (&B.zones[(n) * BUDDY_NR_ZONE_TYPES + (t)])

/* nr nodes over [0, nr * 8192) (32 MiB each), every page free, CPU c on node
 * c % nr, distances 10 local and 20 + |i - j| remote; no watermarks. */
static void make_nodes(unsigned nr)
{
	struct buddy_nodes n = { .nr = nr };
	make_buddy(nr * 8192ull, 0);
	for (unsigned i = 0; i < nr; i++) {
		n.start_pfn[i] = i * 8192ull;
		for (unsigned j = 0; j < nr; j++)
			n.distance[i][j] = (uint8_t)(i == j ? 10 : 20 + (i > j ? i - j : j - i));
	}
	for (unsigned c = 0; c < MM_NR_CPUS; c++)
		n.cpu_node[c] = (uint8_t)(c % nr);
	ck_assert_int_eq(buddy_set_nodes(&B, &n), 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 0, nr * 8192ull), 0);
	no_watermarks();
}

static unsigned node_of(struct page *p)
{
	return buddy_pfn_node(&B, buddy_page_to_pfn(&B, p));
}

START_TEST(each_node_has_the_zones_its_addresses_fall_in)
{
	make_nodes(2);
	ck_assert_uint_eq(NODE_ZONE(0, BUDDY_ZONE_DMA)->managed_pages, 4096);
	ck_assert_uint_eq(NODE_ZONE(0, BUDDY_ZONE_DMA32)->managed_pages, 4096);
	ck_assert_uint_eq(NODE_ZONE(1, BUDDY_ZONE_DMA)->managed_pages, 0);
	ck_assert_uint_eq(NODE_ZONE(1, BUDDY_ZONE_DMA32)->start_pfn, 8192);
	ck_assert_uint_eq(NODE_ZONE(1, BUDDY_ZONE_DMA32)->managed_pages, 8192);
	ck_assert_uint_eq(NODE_ZONE(1, BUDDY_ZONE_DMA32)->node, 1);
	ck_assert_uint_eq(buddy_node_free_pages(&B, 1), 8192);
	ck_assert_uint_eq(buddy_nr_managed_pages(&B), 16384);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

/*
 * Interrupt-context allocations and frees: the simulated interrupt arrives
 * inside each masked section of a workload in turn (port_host.h), frees a
 * block of its pool and allocates another. No page is handed out twice and
 * every invariant holds.
 */
enum { PIRQ_POOL = 16, PIRQ_WORK = 48 };
struct page_irq_rig {
	struct page *pool[PIRQ_POOL];
	unsigned order[PIRQ_POOL];
	int next;
};

static struct page *take_block(unsigned order)
{
	struct page *p = buddy_alloc_pages(&B, 0, order);
	if (!p)
		ck_abort_msg("no block of order %u", order);
	uint64_t pfn = buddy_page_to_pfn(&B, p);
	if (bits_any(owned, pfn, order))
		ck_abort_msg("pfn %llu handed out twice", (unsigned long long)pfn);
	bits_set(owned, pfn, order, true);
	return p;
}

static void give_block(struct page *p, unsigned order)
{
	bits_set(owned, buddy_page_to_pfn(&B, p), order, false);
	buddy_free_pages(&B, p, order);
}

static void page_irq_handler(void *arg)
{
	struct page_irq_rig *r = arg;
	int k = r->next++ % PIRQ_POOL;

	if (host_irqs_on())
		ck_abort_msg("handler ran with interrupts on");
	give_block(r->pool[k], r->order[k]);
	r->order[k] = (r->order[k] + 1) % BUDDY_PCP_ORDERS;
	r->pool[k] = take_block(r->order[k]);
}

START_TEST(an_interrupt_in_any_masked_section_may_allocate_and_free_pages)
{
	static struct page_irq_rig r;
	static struct page *work[PIRQ_WORK];
	long taken = 0;

	make_pcp_buddy(4, 12); /* small: refills and drains come often */
	r.next = 0;
	for (int k = 0; k < PIRQ_POOL; k++)
		r.pool[k] = take_block(r.order[k] = (unsigned)k % BUDDY_PCP_ORDERS);
	for (unsigned n = 1; n <= 2 * PIRQ_WORK; n++) {
		long before = host_irqs_taken;
		host_irq_raise_at_save(n, page_irq_handler, &r);
		for (int i = 0; i < PIRQ_WORK; i++)
			work[i] = take_block((unsigned)i % BUDDY_PCP_ORDERS);
		for (int i = 0; i < PIRQ_WORK; i++)
			give_block(work[i], (unsigned)i % BUDDY_PCP_ORDERS);
		host_irq_raise_at_save(0, NULL, NULL);
		taken += host_irqs_taken - before;
		if (buddy_check(&B))
			ck_abort_msg("invariant broken after an interrupt at save %u", n);
	}
	ck_assert_int_eq(taken, 2 * PIRQ_WORK); /* each run was interrupted once */
}
END_TEST

START_TEST(zonelists_put_the_local_node_first_then_the_nearest)
{
	make_nodes(3);
	/* node 2: its own zone, then node 1 (distance 21), then node 0 (22) */
	ck_assert_uint_eq(B.nr_zonelist[2], 4);
	ck_assert_uint_eq(B.zones[B.zonelist[2][0]].node, 2);
	ck_assert_uint_eq(B.zones[B.zonelist[2][1]].node, 1);
	ck_assert_uint_eq(B.zones[B.zonelist[2][2]].node, 0);
	ck_assert_uint_eq(B.zones[B.zonelist[2][2]].type, BUDDY_ZONE_DMA32);
	ck_assert_uint_eq(B.zones[B.zonelist[2][3]].type, BUDDY_ZONE_DMA);
	ck_assert_uint_eq(B.zones[B.zonelist[0][0]].node, 0);
	ck_assert_uint_eq(B.zones[B.zonelist[0][2]].node, 1);
}
END_TEST

START_TEST(a_cpu_allocates_from_its_own_node_and_counts_hits_and_locals)
{
	make_nodes(2);
	host_percpu.cpu = 1;
	struct page *p = buddy_alloc_pages(&B, 0, 4);
	ck_assert_uint_eq(node_of(p), 1);
	struct buddy_zone *z = NODE_ZONE(1, BUDDY_ZONE_DMA32);
	ck_assert_uint_eq(z->numa_stat[BUDDY_NUMA_HIT], 1);
	ck_assert_uint_eq(z->numa_stat[BUDDY_NUMA_LOCAL], 1);
	host_percpu.cpu = 0;
	ck_assert_uint_eq(node_of(buddy_alloc_pages(&B, BUDDY_GFP_NODE(1), 4)), 1);
	ck_assert_uint_eq(z->numa_stat[BUDDY_NUMA_HIT], 2);
	ck_assert_uint_eq(z->numa_stat[BUDDY_NUMA_OTHER], 1);
	ck_assert_uint_eq(node_of(buddy_alloc_pages(&B, 0, 4)), 0);
}
END_TEST

START_TEST(a_full_node_falls_back_to_the_next_with_a_miss_and_a_foreign)
{
	make_nodes(2);
	while (buddy_node_free_pages(&B, 1))
		ck_assert_uint_eq(node_of(buddy_alloc_pages(&B, BUDDY_GFP_NODE(1), BUDDY_MAX_ORDER)), 1);
	struct page *p = buddy_alloc_pages(&B, BUDDY_GFP_NODE(1), BUDDY_MAX_ORDER);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(node_of(p), 0);
	ck_assert_uint_eq(NODE_ZONE(0, BUDDY_ZONE_DMA32)->numa_stat[BUDDY_NUMA_MISS], 1);
	ck_assert_uint_eq(NODE_ZONE(1, BUDDY_ZONE_DMA32)->numa_stat[BUDDY_NUMA_FOREIGN], 1);
	ck_assert_ptr_null(buddy_alloc_pages(&B, BUDDY_GFP_NODE(1) | BUDDY_GFP_THISNODE, 0));
	buddy_free_pages(&B, p, BUDDY_MAX_ORDER);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(interleave_allocations_that_get_their_node_are_counted)
{
	make_nodes(2);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(node_of(buddy_alloc_pages(&B, BUDDY_GFP_NODE(i % 2) |
							     BUDDY_GFP_INTERLEAVE, 0)), i % 2);
	ck_assert_uint_eq(NODE_ZONE(0, BUDDY_ZONE_DMA32)->numa_stat[BUDDY_NUMA_INTERLEAVE], 2);
	ck_assert_uint_eq(NODE_ZONE(1, BUDDY_ZONE_DMA32)->numa_stat[BUDDY_NUMA_INTERLEAVE], 2);
}
END_TEST

/* memvisor run --numa gives up to 8 nodes (NUMA_MAX_NODES): all of them
 * get their zones, and the last one's zonelist walks back node by node. */
START_TEST(eight_nodes_each_get_their_zones_and_a_zonelist_over_every_node)
{
	ck_assert_uint_eq(BUDDY_MAX_NODES, 8);
	make_nodes(BUDDY_MAX_NODES);
	for (unsigned n = 0; n < BUDDY_MAX_NODES; n++)
		ck_assert_uint_eq(buddy_node_free_pages(&B, n), 8192);
	ck_assert_uint_eq(B.nr_zonelist[7], 9);    /* node 0 has DMA and DMA32 */
	for (unsigned k = 0; k < 8; k++)
		ck_assert_uint_eq(B.zones[B.zonelist[7][k]].node, 7 - k);
	struct page *p = buddy_alloc_pages(&B, BUDDY_GFP_NODE(7), 0);
	ck_assert_uint_eq(node_of(p), 7);
	buddy_free_pages(&B, p, 0);
	ck_assert_int_eq(buddy_check(&B), 0);
}
END_TEST

START_TEST(nodes_out_of_order_or_after_ram_was_handed_over_are_refused)
{
	struct buddy_nodes n = { .nr = 2, .start_pfn = { 0, 8192 } };
	make_buddy(16384, 0);
	n.start_pfn[1] = 16384;
	ck_assert_int_eq(buddy_set_nodes(&B, &n), -MM_EINVAL);
	n.start_pfn[1] = 8192;
	n.cpu_node[3] = 2;
	ck_assert_int_eq(buddy_set_nodes(&B, &n), -MM_EINVAL);
	n.cpu_node[3] = 1;
	n.nr = BUDDY_MAX_NODES + 1;
	ck_assert_int_eq(buddy_set_nodes(&B, &n), -MM_EINVAL);
	n.nr = 2;
	ck_assert_int_eq(buddy_add_free_range(&B, 0, 1024), 0);
	ck_assert_int_eq(buddy_set_nodes(&B, &n), -MM_EINVAL);
}
END_TEST

static TCase *new_case(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *buddy_suite(void);
Suite *buddy_suite(void)
{
	Suite *s = suite_create("buddy");
	TCase *tc;

	tc = new_case(s, "random");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, random_mixed_order_sequences_keep_every_invariant_after_every_step, 0, 4);

	tc = new_case(s, "exhaustion");
	tcase_add_test(tc, exhaustion_returns_null_and_freeing_everything_restores_the_initial_state);
	tcase_add_test(tc, an_order_above_the_maximum_fails_cleanly);
	tcase_add_test(tc, a_normal_allocation_stops_at_min_but_an_atomic_one_dips_below);

	tc = new_case(s, "init");
	tcase_add_test(tc, init_rejects_bad_arguments);
	tcase_add_test(tc, whole_blocks_get_only_their_head_descriptor_written);

	tc = new_case(s, "zones");
	tcase_add_test(tc, zones_are_split_at_16_mib_and_4_gib);
	tcase_add_test(tc, allocations_fall_back_from_normal_to_dma32_to_dma);
	tcase_add_test(tc, zone_restricted_allocations_never_leave_their_zones);
	tcase_add_test(tc, a_this_zone_allocation_fails_rather_than_falling_back);

	tc = new_case(s, "watermarks");
	tcase_add_test(tc, default_min_free_kbytes_is_four_times_the_root_of_lowmem_clamped);
	tcase_add_test(tc, default_watermarks_are_shared_out_by_zone_size);
	tcase_add_test(tc, min_free_kbytes_and_the_scale_factor_can_be_overridden);
	tcase_add_test(tc, reclaim_hooks_run_below_low_and_below_min);

	tc = new_case(s, "figures");
	tcase_add_test(tc, fragmentation_indices_follow_linux_formulas);
	tcase_add_test(tc, zeroed_and_compound_allocations_are_prepared);
	tcase_add_test_raise_signal(tc, freeing_a_free_block_panics, SIGABRT);

	tc = new_case(s, "pcp");
	tcase_add_test(tc, a_miss_refills_batch_over_order_blocks_and_a_hit_takes_nothing_from_the_zone);
	tcase_add_test(tc, a_free_above_high_drains_a_batch_back_to_the_zone);
	tcase_add_test(tc, a_higher_order_allocation_that_fails_drains_the_per_cpu_lists);
	tcase_add_test(tc, each_cpu_allocates_from_and_frees_to_its_own_lists);
	tcase_add_test(tc, pages_on_another_cpus_list_are_drained_before_direct_reclaim);
	tcase_add_test(tc, an_interrupt_in_any_masked_section_may_allocate_and_free_pages);
	tcase_add_test(tc, the_checker_catches_a_per_cpu_block_on_the_wrong_list_or_miscounted);

	tc = new_case(s, "numa");
	tcase_add_test(tc, each_node_has_the_zones_its_addresses_fall_in);
	tcase_add_test(tc, zonelists_put_the_local_node_first_then_the_nearest);
	tcase_add_test(tc, a_cpu_allocates_from_its_own_node_and_counts_hits_and_locals);
	tcase_add_test(tc, a_full_node_falls_back_to_the_next_with_a_miss_and_a_foreign);
	tcase_add_test(tc, interleave_allocations_that_get_their_node_are_counted);
	tcase_add_test(tc, nodes_out_of_order_or_after_ram_was_handed_over_are_refused);
	tcase_add_test(tc, eight_nodes_each_get_their_zones_and_a_zonelist_over_every_node);
	return s;
}
