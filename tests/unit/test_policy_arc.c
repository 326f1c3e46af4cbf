/*
 * test_policy_arc.c: ARC in its clock form (mm/policy_arc.c): where pages
 * go on a reference and on eviction, and how the target p adapts.
 */
#include <check.h>

#include "policy_rig.h"

enum { T1, T2 };

static struct policy_rig rig;

START_TEST(arc_moves_a_page_referenced_in_t1_to_t2_and_evicts_an_unreferenced_one_to_b1)
{
	rig_init(&rig, "arc", 4, 0);
	rig_fill(&rig, 4, false);
	rig_touch(&rig, 0);
	ck_assert_int_eq(rig_fault(&rig, 4), 1);
	ck_assert_uint_eq(rig_list(&rig, 0), T2);
	ck_assert_uint_eq(rig_list(&rig, 4), T1);
	ck_assert(rig_remembers(&rig, 1));
	ck_assert_uint_eq(rig.p.ghosts.nr[0], 1);  /* B1 */
}
END_TEST

START_TEST(arc_adapts_p_toward_recency_on_a_b1_hit)
{
	rig_init(&rig, "arc", 4, 0);
	rig_fill(&rig, 4, false);
	rig_touch(&rig, 0);
	rig_touch(&rig, 1);
	ck_assert_int_eq(rig_fault(&rig, 4), 2);   /* 0, 1 to T2; 2 to B1 */
	ck_assert_uint_eq(rig.p.target, 0);
	ck_assert_int_eq(rig_fault(&rig, 2), 3);   /* 3 to B1, then the B1 hit */
	ck_assert_uint_eq(rig.p.target, 1);
	ck_assert_uint_eq(rig_list(&rig, 2), T2);
	ck_assert(!rig_remembers(&rig, 2));
	ck_assert(rig_remembers(&rig, 3));
	ck_assert_uint_eq(rig.p.stats.ghost_hits, 1);
}
END_TEST

START_TEST(arc_adapts_p_toward_frequency_on_a_b2_hit)
{
	rig_init(&rig, "arc", 4, 0);
	rig_fill(&rig, 4, true);
	rig.p.target = 2;
	ck_assert_int_eq(rig_victim(&rig), 0);     /* all to T2, then T2's oldest */
	ck_assert_uint_eq(rig.p.ghosts.nr[1], 1);  /* B2 */
	rig_fault(&rig, 0);
	ck_assert_uint_eq(rig.p.target, 1);
	ck_assert_uint_eq(rig_list(&rig, 0), T2);
}
END_TEST

START_TEST(arc_forgets_b1_when_t1_fills_the_cache)
{
	rig_init(&rig, "arc", 4, 0);
	for (int i = 0; i < 8; i++)
		rig_fault(&rig, i);
	/* T1 held every frame: ARC keeps no B1 history beyond c - |T1| */
	ck_assert_uint_le(rig.p.nr[T1] + rig.p.ghosts.nr[0], 4);
	ck_assert_uint_eq(rig.p.nr[T1], 4);
	ck_assert_uint_eq(rig.p.ghosts.nr[0], 0);
	ck_assert_int_eq(policy_check(&rig.p), 0);
}
END_TEST

Suite *policy_arc_suite(void);
Suite *policy_arc_suite(void)
{
	Suite *s = suite_create("policy_arc");
	TCase *tc = tcase_create("arc");
	tcase_add_test(tc, arc_moves_a_page_referenced_in_t1_to_t2_and_evicts_an_unreferenced_one_to_b1);
	tcase_add_test(tc, arc_adapts_p_toward_recency_on_a_b1_hit);
	tcase_add_test(tc, arc_adapts_p_toward_frequency_on_a_b2_hit);
	tcase_add_test(tc, arc_forgets_b1_when_t1_fills_the_cache);
	suite_add_tcase(s, tc);
	return s;
}
