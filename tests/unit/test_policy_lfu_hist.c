/*
 * test_policy_lfu_hist.c: lfu with history (mm/policy_lfu_hist.c): a cold
 * newcomer is the next victim, an evicted page comes back with its count,
 * aged by the halvings it missed, plus one for the fault.
 */
#include <check.h>

#include "policy_rig.h"

static struct policy_rig rig;

START_TEST(lfu_hist_makes_a_cold_newcomer_the_next_victim)
{
	rig_init(&rig, "lfu-hist", 4, 0);
	rig_fill(&rig, 4, false);
	ck_assert_int_eq(rig_fault(&rig, 4), 3);
	ck_assert_int_eq(rig_fault(&rig, 5), 4);
	ck_assert_int_eq(rig_fault(&rig, 6), 5);
	for (int i = 0; i < 3; i++)
		ck_assert(policy_tracks(&rig.p, &rig.f[i]));
}
END_TEST

/* 0 reaches count 4, 1..3 count 5; 4 faults and evicts 0. */
static void evict_a_counted_page(uint32_t decay_ticks)
{
	rig_init(&rig, "lfu-hist", 4, decay_ticks);
	for (int i = 0; i < 4; i++) {
		rig_fault(&rig, i);
		for (int k = 0; k < (i ? 5 : 4); k++)
			policy_access(&rig.p, &rig.f[i]);
	}
	ck_assert_int_eq(rig_fault(&rig, 4), 0);
	ck_assert(rig_remembers(&rig, 0));
}

/* The fault that brings it back is one more reference: 4 + 1. */
START_TEST(lfu_hist_brings_an_evicted_page_back_with_its_count_plus_the_fault)
{
	evict_a_counted_page(0);
	ck_assert_int_eq(rig_fault(&rig, 0), 4);
	ck_assert_uint_eq(rig_list(&rig, 0), 5);
	ck_assert_uint_eq(rig.p.stats.ghost_hits, 1);
	ck_assert(!rig_remembers(&rig, 0));
}
END_TEST

START_TEST(lfu_hist_ages_a_remembered_count_by_the_halvings_it_missed)
{
	evict_a_counted_page(1);
	policy_tick(&rig.p);                      /* one halving */
	ck_assert_uint_eq(rig.p.halvings, 1);
	ck_assert_int_eq(rig_fault(&rig, 0), 4);
	ck_assert_uint_eq(rig_list(&rig, 0), 4 / 2 + 1);
}
END_TEST

/* Pages 1..3 * RIG_FRAMES through one frame: more than RIG_GHOSTS evicted. */
START_TEST(lfu_hist_forgets_the_oldest_history_when_its_table_is_full)
{
	rig_init(&rig, "lfu-hist", 1, 0);
	uint64_t key = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < RIG_FRAMES; i++) {
			rig.f[i].key = ++key;
			rig_fault(&rig, i);
		}
	}
	ck_assert_uint_eq(rig.p.ghosts.used, RIG_GHOSTS);
	ck_assert(!policy_remembers(&rig.p, 1));
	ck_assert(policy_remembers(&rig.p, key - 1));
	ck_assert(!policy_remembers(&rig.p, key)); /* resident */
}
END_TEST

Suite *policy_lfu_hist_suite(void);
Suite *policy_lfu_hist_suite(void)
{
	Suite *s = suite_create("policy_lfu_hist");
	TCase *tc = tcase_create("lfu-hist");
	tcase_add_test(tc, lfu_hist_makes_a_cold_newcomer_the_next_victim);
	tcase_add_test(tc, lfu_hist_brings_an_evicted_page_back_with_its_count_plus_the_fault);
	tcase_add_test(tc, lfu_hist_ages_a_remembered_count_by_the_halvings_it_missed);
	tcase_add_test(tc, lfu_hist_forgets_the_oldest_history_when_its_table_is_full);
	suite_add_tcase(s, tc);
	return s;
}
