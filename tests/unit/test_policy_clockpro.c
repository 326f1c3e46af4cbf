/*
 * test_policy_clockpro.c: CLOCK-Pro (mm/policy_clockpro.c): cold pages
 * re-referenced in their test period turn hot, resident or not; the hot
 * hand demotes when hot pages exceed c - m_c; m_c follows test outcomes,
 * up to a tenth of memory.
 */
#include <check.h>

#include "policy_rig.h"

enum { COLD, HOT };

static struct policy_rig rig;

/* 0..39 fill the 40 frames; 0 is used again; 40 faults (evicting 1). */
static void first_promotion(void)
{
	rig_init(&rig, "clockpro", 40, 0);
	rig_fill(&rig, 40, false);
	rig_touch(&rig, 0);
	ck_assert_int_eq(rig_fault(&rig, 40), 1);
}

START_TEST(clockpro_turns_a_cold_page_re_referenced_in_its_test_period_hot)
{
	first_promotion();
	ck_assert_uint_eq(rig_list(&rig, 0), HOT);
	ck_assert_uint_eq(rig.f[0].flags, 0);
	ck_assert_uint_eq(rig.p.target, 2);
	ck_assert_uint_eq(rig_list(&rig, 40), COLD);
	ck_assert_uint_eq(rig.f[40].flags, POLICY_CLOCKPRO_TEST);
}
END_TEST

START_TEST(clockpro_keeps_an_evicted_test_page_as_a_ghost_and_brings_it_back_hot)
{
	first_promotion();
	ck_assert(rig_remembers(&rig, 1));
	ck_assert_int_eq(rig_fault(&rig, 1), 2);
	ck_assert_uint_eq(rig_list(&rig, 1), HOT);
	ck_assert_uint_eq(rig.f[1].flags, 0);
	ck_assert_uint_eq(rig.p.target, 3);
	ck_assert_uint_eq(rig.p.nr[HOT], 2);
	ck_assert(!rig_remembers(&rig, 1));
}
END_TEST

START_TEST(clockpro_shrinks_the_cold_target_when_a_test_period_ends_unused)
{
	rig_init(&rig, "clockpro", 4, 0);
	rig_fill(&rig, 4, false);
	rig.p.target = 3;
	for (int i = 4; i < 8; i++)
		rig_fault(&rig, i);
	ck_assert_uint_eq(rig.p.ghosts.used, 4);   /* at most c ghosts */
	ck_assert_uint_eq(rig.p.target, 3);
	rig_fault(&rig, 8);
	rig_fault(&rig, 9);
	ck_assert_uint_eq(rig.p.target, 1);
	rig_fault(&rig, 10);
	ck_assert_uint_eq(rig.p.target, 1);        /* never below 1 */
	ck_assert_uint_eq(rig.p.ghosts.used, 4);
}
END_TEST

/*
 * All 40 pages used again: each turns hot, m_c stops at 4 (10% of 40), and
 * once hot pages pass c - m_c = 36 the hot hand demotes the oldest
 * unreferenced ones (0..3), out of test: the cold hand evicts 0 with no
 * ghost. A demoted page used again gets a new test period.
 */
START_TEST(clockpro_demotes_hot_pages_beyond_c_minus_a_capped_cold_target)
{
	rig_init(&rig, "clockpro", 40, 0);
	rig_fill(&rig, 40, true);
	ck_assert_int_eq(rig_fault(&rig, 40), 0);
	ck_assert(!rig_remembers(&rig, 0));
	ck_assert_uint_eq(rig.p.target, 4);
	ck_assert_uint_eq(rig.p.nr[HOT], 36);
	for (int i = 1; i < 4; i++)
		ck_assert_uint_eq(rig_list(&rig, i), COLD);
	rig_touch(&rig, 1);
	ck_assert_int_eq(rig_victim(&rig), 2);     /* 1 goes round, in test */
	ck_assert(!rig_remembers(&rig, 2));
	ck_assert_int_eq(rig_victim(&rig), 3);
	ck_assert_int_eq(rig_victim(&rig), 40);
	ck_assert(rig_remembers(&rig, 40));
	ck_assert_int_eq(rig_victim(&rig), 1);
	ck_assert(rig_remembers(&rig, 1));
}
END_TEST

Suite *policy_clockpro_suite(void);
Suite *policy_clockpro_suite(void)
{
	Suite *s = suite_create("policy_clockpro");
	TCase *tc = tcase_create("clockpro");
	tcase_add_test(tc, clockpro_turns_a_cold_page_re_referenced_in_its_test_period_hot);
	tcase_add_test(tc, clockpro_keeps_an_evicted_test_page_as_a_ghost_and_brings_it_back_hot);
	tcase_add_test(tc, clockpro_shrinks_the_cold_target_when_a_test_period_ends_unused);
	tcase_add_test(tc, clockpro_demotes_hot_pages_beyond_c_minus_a_capped_cold_target);
	suite_add_tcase(s, tc);
	return s;
}
