/*
 * test_lruvec.c: reclaim's decisions (mm/lruvec.c) on explicit state:
 * shadows tick the eviction clock; a page filled with no shadow goes in
 * inactive, a refault closer than the working set goes in active and one
 * evicted too long ago inactive, both charged to their list's cost (under
 * a policy with history, the policy alone places a refault); costs
 * decay; the anonymous share follows swappiness, sizes and costs; the
 * scan budget and list aging follow the list sizes.
 */
#include <check.h>
#include <string.h>

#include "lruvec.h"
#include "mm_port.h"

#define NR 512

static struct lruvec lv;
static struct policy_frame f[NR];

static void init_with(const char *policy)
{
	struct policy_config cfg[NR_LRU] = { { .seed = 1 }, { .seed = 1 } };

	memset(f, 0, sizeof(f));
	ck_assert_int_eq(lruvec_init(&lv, policy_by_name(policy), cfg), 0);
}

static void setup(void)
{
	init_with("lru");
}

/* Puts n fresh frames from f[first] on list k. */
static void fill(enum lru_kind k, int first, int n)
{
	for (int i = first; i < first + n; i++)
		ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, k, &f[i], 0, true), LRUVEC_FILL_NEW);
}

/*
 * List k holds 200 inactive pages and a working set of 8 active ones; a
 * page is evicted, then `after` more. Returns the first one's shadow.
 */
static uint32_t evicted_before(enum lru_kind k, int after)
{
	uint32_t shadow;

	fill(k, 0, 200);
	for (int i = 0; i < 8; i++)
		policy_insert_hot(&lv.lru[k], &f[200 + i]);
	shadow = lruvec_shadow(&lv);
	for (int i = 0; i < after; i++)
		lruvec_shadow(&lv);
	return shadow;
}

START_TEST(every_eviction_ticks_the_clock_its_shadow_records)
{
	uint32_t a = lruvec_shadow(&lv), b = lruvec_shadow(&lv);

	ck_assert(pagecache_is_shadow(a) && pagecache_is_shadow(b));
	ck_assert_uint_eq(lv.nonresident_age, 2);
	ck_assert_uint_eq(pagecache_refault_distance(a, lv.nonresident_age), 1);
	ck_assert_uint_eq(pagecache_refault_distance(b, lv.nonresident_age), 0);
}
END_TEST

START_TEST(a_page_filled_without_a_shadow_goes_in_inactive_at_no_cost)
{
	fill(LRU_FILE, 0, 1);
	ck_assert_uint_eq(lv.lru[LRU_FILE].nr[POLICY_LRU_INACTIVE], 1);
	ck_assert_uint_eq(lv.cost[LRU_FILE], 0);
}
END_TEST

START_TEST(a_refault_within_the_working_set_goes_in_active)
{
	uint32_t shadow = evicted_before(LRU_FILE, 8);

	ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[300], shadow, true),
			 LRUVEC_FILL_ACTIVATED);
	ck_assert_uint_eq(lv.lru[LRU_FILE].nr[POLICY_LRU_ACTIVE], 9);
	ck_assert_uint_eq(lv.cost[LRU_FILE], LRUVEC_CLUSTER);
}
END_TEST

START_TEST(a_refault_older_than_the_working_set_goes_in_inactive)
{
	uint32_t shadow = evicted_before(LRU_FILE, 9);

	ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[300], shadow, true),
			 LRUVEC_FILL_REFAULT);
	ck_assert_uint_eq(lv.lru[LRU_FILE].nr[POLICY_LRU_ACTIVE], 8);
	ck_assert_uint_eq(lv.cost[LRU_FILE], LRUVEC_CLUSTER);
}
END_TEST

START_TEST(anonymous_pages_count_in_the_working_set_only_with_swap)
{
	uint32_t shadow = evicted_before(LRU_ANON, 4);

	ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[300], shadow, false),
			 LRUVEC_FILL_REFAULT);
	ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[301], shadow, true),
			 LRUVEC_FILL_ACTIVATED);
}
END_TEST

START_TEST(without_an_active_list_half_of_what_is_tracked_is_the_working_set)
{
	uint32_t shadow;

	init_with("fifo");
	fill(LRU_FILE, 0, 100);
	shadow = lruvec_shadow(&lv);
	for (int i = 0; i < 50; i++)
		lruvec_shadow(&lv);
	ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[100], shadow, true),
			 LRUVEC_FILL_ACTIVATED);
	lruvec_shadow(&lv);
	lruvec_shadow(&lv);
	ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[101], shadow, true),
			 LRUVEC_FILL_REFAULT);
}
END_TEST

/*
 * Under a policy with a history of its own the same near refault is not
 * activated: the policy's ghosts decide (a loop slightly larger than
 * memory refaults within the working set on every pass, and activating
 * each refault made CLOCK-Pro and lfu-hist treat the loop as reuse).
 */
START_TEST(under_a_policy_with_history_a_near_refault_is_left_to_the_policy)
{
	static const char *const history[] = { "arc", "clockpro", "s3fifo", "lfu-hist" };

	for (unsigned i = 0; i < sizeof(history) / sizeof(history[0]); i++) {
		init_with(history[i]);
		fill(LRU_FILE, 0, 100);
		uint32_t shadow = lruvec_shadow(&lv);
		ck_assert_int_eq(lruvec_insert_filled(&lv, &lv, LRU_FILE, &f[100], shadow, true),
				 LRUVEC_FILL_REFAULT);
		ck_assert_uint_gt(lv.cost[LRU_FILE], 0); /* charged as any refault */
		ck_assert_uint_eq(lv.lru[LRU_FILE].stats.accesses, 0);
	}
}
END_TEST

START_TEST(costs_halve_together_once_they_pass_a_quarter_of_the_pages)
{
	fill(LRU_ANON, 0, 200);
	fill(LRU_FILE, 200, 200);                 /* a quarter: 100 */
	lruvec_note_cost(&lv, LRU_FILE, 40);
	lruvec_note_cost(&lv, LRU_ANON, 60);
	ck_assert_uint_eq(lv.cost[LRU_ANON], 60);
	ck_assert_uint_eq(lv.cost[LRU_FILE], 40);
	lruvec_note_cost(&lv, LRU_ANON, 2);
	ck_assert_uint_eq(lv.cost[LRU_ANON], 31);
	ck_assert_uint_eq(lv.cost[LRU_FILE], 20);
}
END_TEST

START_TEST(pages_kept_cost_a_rotation_anon_and_a_refault_file)
{
	struct lruvec_scan sc[NR_LRU] = { { .scanned = 10, .freed = 7 },
					  { .scanned = 5, .freed = 4 } };

	fill(LRU_ANON, 0, 400);
	lruvec_note_scan(&lv, sc);
	ck_assert_uint_eq(lv.cost[LRU_ANON], 3);
	ck_assert_uint_eq(lv.cost[LRU_FILE], LRUVEC_CLUSTER);
}
END_TEST

START_TEST(the_anonymous_share_follows_swappiness_and_sizes)
{
	struct lruvec_balance b = { .swappiness = 100, .can_swap = true };

	fill(LRU_ANON, 0, 100);
	fill(LRU_FILE, 100, 100);
	ck_assert_uint_eq(lruvec_anon_share(&lv, 100, &b), 50);
	b.swappiness = 60;
	ck_assert_uint_eq(lruvec_anon_share(&lv, 100, &b), 30);
	b.swappiness = 200;
	ck_assert_uint_eq(lruvec_anon_share(&lv, 100, &b), 100);
	b.swappiness = 0;
	ck_assert_uint_eq(lruvec_anon_share(&lv, 100, &b), 0);
}
END_TEST

START_TEST(a_costly_list_gives_less)
{
	struct lruvec_balance b = { .swappiness = 100, .can_swap = true };

	fill(LRU_ANON, 0, 200);
	fill(LRU_FILE, 200, 200);
	lruvec_note_cost(&lv, LRU_FILE, 59);      /* file costs 60 times anon's (0 + 1) */
	ck_assert_uint_lt(lruvec_anon_share(&lv, 100, &b), 100);
	ck_assert_uint_gt(lruvec_anon_share(&lv, 100, &b), 90);
}
END_TEST

START_TEST(without_swap_or_anonymous_pages_the_file_list_gives_everything)
{
	struct lruvec_balance b = { .swappiness = 100, .can_swap = false };

	fill(LRU_ANON, 0, 10);
	fill(LRU_FILE, 10, 10);
	ck_assert_uint_eq(lruvec_anon_share(&lv, 32, &b), 0);
	init_with("lru");
	fill(LRU_FILE, 0, 10);
	b.can_swap = true;
	ck_assert_uint_eq(lruvec_anon_share(&lv, 32, &b), 0);
}
END_TEST

START_TEST(a_tiny_or_weightless_page_cache_leaves_it_all_to_anon)
{
	struct lruvec_balance b = { .swappiness = 100, .can_swap = true, .file_is_tiny = true };

	fill(LRU_ANON, 0, 10);
	fill(LRU_FILE, 10, 10);
	ck_assert_uint_eq(lruvec_anon_share(&lv, 32, &b), 32);
	b.file_is_tiny = false;
	b.swappiness = 200;                      /* file's weight: 0 */
	ck_assert_uint_eq(lruvec_anon_share(&lv, 32, &b), 32);
}
END_TEST

START_TEST(the_scan_budget_is_about_three_times_the_request_within_the_list)
{
	fill(LRU_ANON, 0, 100);
	ck_assert_uint_eq(lruvec_scan_budget(&lv, LRU_ANON, 10), 30);
	ck_assert_uint_eq(lruvec_scan_budget(&lv, LRU_ANON, 40), 100);   /* 80 + 32, capped */
	ck_assert_uint_eq(lruvec_scan_budget(&lv, LRU_FILE, 10), 0);
}
END_TEST

START_TEST(a_list_ages_once_per_its_length_scanned)
{
	struct lruvec_scan sc[NR_LRU] = { { .scanned = 60 }, { .scanned = 10 } };

	fill(LRU_ANON, 0, 100);
	lruvec_age(&lv, sc);
	ck_assert_uint_eq(lv.scanned_since_tick[LRU_ANON], 60);
	lruvec_age(&lv, sc);                     /* 120 >= 100: a tick */
	ck_assert_uint_eq(lv.scanned_since_tick[LRU_ANON], 0);
	ck_assert_uint_eq(lv.scanned_since_tick[LRU_FILE], 20);
	sc[LRU_FILE].scanned = LRUVEC_CLUSTER;   /* an empty list ages per cluster */
	lruvec_age(&lv, sc);
	ck_assert_uint_eq(lv.scanned_since_tick[LRU_FILE], 0);
}
END_TEST

START_TEST(sizes_split_active_and_inactive_or_all_inactive)
{
	uint64_t active, inactive;

	fill(LRU_ANON, 0, 5);
	policy_insert_hot(&lv.lru[LRU_ANON], &f[5]);
	lruvec_sizes(&lv, LRU_ANON, &active, &inactive);
	ck_assert_uint_eq(active, 1);
	ck_assert_uint_eq(inactive, 5);
	init_with("clock");
	fill(LRU_FILE, 0, 3);
	policy_insert_hot(&lv.lru[LRU_FILE], &f[3]);
	lruvec_sizes(&lv, LRU_FILE, &active, &inactive);
	ck_assert_uint_eq(active, 0);
	ck_assert_uint_eq(inactive, 4);
}
END_TEST

START_TEST(init_passes_on_a_policy_that_refuses)
{
	struct policy_config cfg[NR_LRU] = { { .seed = 1 }, { .seed = 1 } };

	ck_assert_int_ne(lruvec_init(&lv, NULL, cfg), 0);
}
END_TEST

Suite *lruvec_suite(void);
Suite *lruvec_suite(void)
{
	Suite *suite = suite_create("lruvec");
	TCase *tc = tcase_create("workingset");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, every_eviction_ticks_the_clock_its_shadow_records);
	tcase_add_test(tc, a_page_filled_without_a_shadow_goes_in_inactive_at_no_cost);
	tcase_add_test(tc, a_refault_within_the_working_set_goes_in_active);
	tcase_add_test(tc, under_a_policy_with_history_a_near_refault_is_left_to_the_policy);
	tcase_add_test(tc, a_refault_older_than_the_working_set_goes_in_inactive);
	tcase_add_test(tc, anonymous_pages_count_in_the_working_set_only_with_swap);
	tcase_add_test(tc, without_an_active_list_half_of_what_is_tracked_is_the_working_set);
	suite_add_tcase(suite, tc);

	tc = tcase_create("balance");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, costs_halve_together_once_they_pass_a_quarter_of_the_pages);
	tcase_add_test(tc, pages_kept_cost_a_rotation_anon_and_a_refault_file);
	tcase_add_test(tc, the_anonymous_share_follows_swappiness_and_sizes);
	tcase_add_test(tc, a_costly_list_gives_less);
	tcase_add_test(tc, without_swap_or_anonymous_pages_the_file_list_gives_everything);
	tcase_add_test(tc, a_tiny_or_weightless_page_cache_leaves_it_all_to_anon);
	tcase_add_test(tc, the_scan_budget_is_about_three_times_the_request_within_the_list);
	tcase_add_test(tc, a_list_ages_once_per_its_length_scanned);
	tcase_add_test(tc, sizes_split_active_and_inactive_or_all_inactive);
	tcase_add_test(tc, init_passes_on_a_policy_that_refuses);
	suite_add_tcase(suite, tc);
	return suite;
}
