/*
 * test_policy_clockpro.c: CLOCK-Pro (mm/policy_clockpro.c): cold pages
 * re-referenced in their test period turn hot, resident or not; the hot
 * hand demotes when hot pages exceed c - m_c; m_c follows test outcomes.
 */
#include <check.h>

#include "policy_rig.h"

enum { COLD, HOT };

static struct policy_rig rig;

/* 0..3 fill the 4 frames; 0 is used again; 4 faults (evicting 1). */
static void first_promotion(void)
{
	rig_init(&rig, "clockpro", 4, 0);
	for (int i = 0; i < 4; i++)
		rig_fault(&rig, i);
	rig_touch(&rig, 0);
	ck_assert_int_eq(rig_fault(&rig, 4), 1);
}

START_TEST(clockpro_turns_a_cold_page_re_referenced_in_its_test_period_hot)
{
	first_promotion();
	ck_assert_uint_eq(rig_list(&rig, 0), HOT);
	ck_assert_uint_eq(rig.f[0].flags, 0);
	ck_assert_uint_eq(rig.p.target, 2);
	ck_assert_uint_eq(rig_list(&rig, 4), COLD);
	ck_assert_uint_eq(rig.f[4].flags, POLICY_CLOCKPRO_TEST);
}
END_TEST

START_TEST(clockpro_keeps_an_evicted_test_page_as_a_ghost_and_brings_it_back_hot)
{
	first_promotion();
	ck_assert(rig_remembers(&rig, 1));
	ck_assert_int_eq(rig_fault(&rig, 1), 2);
	ck_assert_uint_eq(rig_list(&rig, 1), HOT);
	ck_assert_uint_eq(rig.p.target, 3);
	/* hot pages now exceed c - m_c = 1: the hot hand demoted 0, out of test */
	ck_assert_uint_eq(rig_list(&rig, 0), COLD);
	ck_assert_uint_eq(rig.f[0].flags, 0);
	ck_assert_uint_eq(rig.p.nr[HOT], 1);
}
END_TEST

START_TEST(clockpro_shrinks_the_cold_target_when_a_test_period_ends_unused)
{
	rig_init(&rig, "clockpro", 4, 0);
	for (int i = 0; i < 4; i++)
		rig_fault(&rig, i);
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

START_TEST(clockpro_gives_a_referenced_cold_page_out_of_test_a_new_test_period)
{
	first_promotion();
	ck_assert_int_eq(rig_fault(&rig, 1), 2);  /* demotes 0, out of test */
	rig_touch(&rig, 0);
	ck_assert_int_eq(rig_victim(&rig), 3);
	ck_assert_int_eq(rig_victim(&rig), 4);
	/* 0 goes round with a test period, so its eviction leaves a ghost */
	ck_assert_int_eq(rig_victim(&rig), 0);
	ck_assert(rig_remembers(&rig, 0));
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
	tcase_add_test(tc, clockpro_gives_a_referenced_cold_page_out_of_test_a_new_test_period);
	suite_add_tcase(s, tc);
	return s;
}
