/*
 * test_policy_s3fifo.c: S3-FIFO (mm/policy_s3fifo.c): one-hit wonders
 * leave from the small queue, pages referenced there move to main, the
 * ghost queue sends a returning page straight to main, and main gives a
 * page one more round per counted reference.
 */
#include <check.h>

#include "policy_rig.h"

enum { SMALL, MAIN };

static struct policy_rig rig;

/* 0..9 fill the 10 frames, 0..4 are used again, 10..19 are used once. */
static void one_hit_wonders(void)
{
	rig_init(&rig, "s3fifo", 10, 0);
	rig_fill(&rig, 10, false);
	for (int i = 0; i < 5; i++)
		rig_touch(&rig, i);
	for (int i = 10; i < 20; i++)
		ck_assert_int_eq(rig_fault(&rig, i), i - 5);
}

START_TEST(s3fifo_keeps_one_hit_wonders_out_of_the_main_queue)
{
	one_hit_wonders();
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(rig_list(&rig, i), MAIN);
	for (int i = 15; i < 20; i++)
		ck_assert_uint_eq(rig_list(&rig, i), SMALL);
	ck_assert_uint_eq(rig.p.nr[MAIN], 5);
}
END_TEST

START_TEST(s3fifo_remembers_as_many_evicted_pages_as_main_holds)
{
	one_hit_wonders();
	ck_assert_uint_eq(rig.p.ghosts.used, 5);
	for (int i = 10; i < 15; i++)
		ck_assert(rig_remembers(&rig, i));
	ck_assert(!rig_remembers(&rig, 5));
}
END_TEST

START_TEST(s3fifo_brings_a_page_its_ghost_remembers_into_the_main_queue)
{
	one_hit_wonders();
	ck_assert_int_eq(rig_fault(&rig, 14), 15);
	ck_assert_uint_eq(rig_list(&rig, 14), MAIN);
	ck_assert_uint_eq(rig.p.stats.ghost_hits, 1);
	ck_assert(!rig_remembers(&rig, 14));
}
END_TEST

START_TEST(s3fifo_gives_a_main_page_one_more_round_per_counted_reference)
{
	static const int order[] = { 15, 16, 17, 18, 19, 1, 2, 3, 4, 0 };
	one_hit_wonders();
	for (int t = 0; t < 2; t++) {
		rig_touch(&rig, 0);
		policy_tick(&rig.p);
	}
	ck_assert_uint_eq(rig.f[0].freq, 2);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		ck_assert_int_eq(rig_victim(&rig), order[k]);
	ck_assert_int_eq(rig_victim(&rig), RIG_NONE);
}
END_TEST

/*
 * A kernel reports the page before the faulting access completes: with
 * fault_access_after_insert the first accessed bit is that access, and
 * only a second one moves the page to main.
 */
START_TEST(s3fifo_does_not_count_an_access_that_completes_the_fault)
{
	for (int late = 0; late <= 1; late++) {
		rig_init(&rig, "s3fifo", 2, 0);
		rig.p.cfg.fault_access_after_insert = late;
		rig_fault(&rig, 0);
		rig_fault(&rig, 1);
		rig_touch(&rig, 0);     /* late: the fault's access; else a reuse */
		ck_assert_int_eq(rig_fault(&rig, 2), late ? 0 : 1);
	}
	rig_touch(&rig, 1);
	policy_tick(&rig.p);           /* the fault's access of 1, seen */
	rig_touch(&rig, 1);            /* a reuse */
	ck_assert_int_eq(rig_fault(&rig, 3), 2);
	ck_assert_uint_eq(rig_list(&rig, 1), MAIN);
}
END_TEST

Suite *policy_s3fifo_suite(void);
Suite *policy_s3fifo_suite(void)
{
	Suite *s = suite_create("policy_s3fifo");
	TCase *tc = tcase_create("s3fifo");
	tcase_add_test(tc, s3fifo_keeps_one_hit_wonders_out_of_the_main_queue);
	tcase_add_test(tc, s3fifo_remembers_as_many_evicted_pages_as_main_holds);
	tcase_add_test(tc, s3fifo_brings_a_page_its_ghost_remembers_into_the_main_queue);
	tcase_add_test(tc, s3fifo_gives_a_main_page_one_more_round_per_counted_reference);
	tcase_add_test(tc, s3fifo_does_not_count_an_access_that_completes_the_fault);
	suite_add_tcase(s, tc);
	return s;
}
