/*
 * test_oom.c: OOM victim selection (mm/oom.c): badness is resident pages
 * plus swap entries plus page tables, shifted by oom_score_adj per mille
 * of RAM + swap, at least 1; exempt processes and adj -1000 are never
 * chosen; the highest badness wins and ties keep the first offered.
 */
#include <check.h>

#include "oom.h"

#define TOTAL 100000ull   /* pages of RAM + swap: adj 1 is worth 100 pages */

START_TEST(badness_counts_resident_swapped_and_table_pages)
{
	struct oom_candidate c = { .rss = 300, .swapents = 200, .pgtables = 7 };

	ck_assert_int_eq(oom_badness(&c, TOTAL), 507);
}
END_TEST

START_TEST(oom_score_adj_shifts_badness_per_mille_of_memory)
{
	struct oom_candidate c = { .rss = 300, .oom_score_adj = 500 };

	ck_assert_int_eq(oom_badness(&c, TOTAL), 300 + 500 * 100);
	c.oom_score_adj = -2;
	ck_assert_int_eq(oom_badness(&c, TOTAL), 100);
}
END_TEST

START_TEST(a_killable_process_scores_at_least_one)
{
	struct oom_candidate c = { .rss = 10, .oom_score_adj = -999 };

	ck_assert_int_eq(oom_badness(&c, TOTAL), 1);
}
END_TEST

START_TEST(exempt_processes_and_the_minimum_adj_are_unkillable)
{
	struct oom_candidate exempt = { .rss = 1000000, .exempt = true };
	struct oom_candidate minimum = { .rss = 1000000, .oom_score_adj = OOM_SCORE_ADJ_MIN };

	ck_assert_int_eq(oom_badness(&exempt, TOTAL), OOM_UNKILLABLE);
	ck_assert_int_eq(oom_badness(&minimum, TOTAL), OOM_UNKILLABLE);
}
END_TEST

START_TEST(the_highest_badness_is_chosen)
{
	struct oom_candidate c[] = { { .rss = 10 }, { .rss = 500 }, { .rss = 499, .pgtables = 2 },
				     { .rss = 50 } };
	struct oom_choice ch;

	oom_choice_init(&ch, TOTAL);
	for (int i = 0; i < 4; i++)
		oom_consider(&ch, &c[i], &c[i]);
	ck_assert_ptr_eq(ch.victim, &c[2]);
	ck_assert_int_eq(ch.points, 501);
}
END_TEST

START_TEST(a_tie_keeps_the_first_offered)
{
	struct oom_candidate a = { .rss = 40 }, b = { .rss = 40 };
	struct oom_choice ch;

	oom_choice_init(&ch, TOTAL);
	ck_assert(oom_consider(&ch, &a, &a));
	ck_assert(!oom_consider(&ch, &b, &b));
	ck_assert_ptr_eq(ch.victim, &a);
}
END_TEST

START_TEST(with_only_unkillable_processes_there_is_no_victim)
{
	struct oom_candidate kthread = { .exempt = true };
	struct oom_candidate shielded = { .rss = 5000, .oom_score_adj = OOM_SCORE_ADJ_MIN };
	struct oom_choice ch;

	oom_choice_init(&ch, TOTAL);
	ck_assert(!oom_consider(&ch, &kthread, &kthread));
	ck_assert(!oom_consider(&ch, &shielded, &shielded));
	ck_assert_ptr_null(ch.victim);
	ck_assert_int_eq(ch.points, OOM_UNKILLABLE);
}
END_TEST

START_TEST(a_preferred_small_process_beats_a_large_one)
{
	struct oom_candidate big = { .rss = 20000 }, small = { .rss = 10, .oom_score_adj = 1000 };
	struct oom_choice ch;

	oom_choice_init(&ch, TOTAL);
	oom_consider(&ch, &big, &big);
	oom_consider(&ch, &small, &small);
	ck_assert_ptr_eq(ch.victim, &small);
}
END_TEST

Suite *oom_suite(void);
Suite *oom_suite(void)
{
	Suite *suite = suite_create("oom");
	TCase *tc = tcase_create("badness");

	tcase_add_test(tc, badness_counts_resident_swapped_and_table_pages);
	tcase_add_test(tc, oom_score_adj_shifts_badness_per_mille_of_memory);
	tcase_add_test(tc, a_killable_process_scores_at_least_one);
	tcase_add_test(tc, exempt_processes_and_the_minimum_adj_are_unkillable);
	suite_add_tcase(suite, tc);

	tc = tcase_create("selection");
	tcase_add_test(tc, the_highest_badness_is_chosen);
	tcase_add_test(tc, a_tie_keeps_the_first_offered);
	tcase_add_test(tc, with_only_unkillable_processes_there_is_no_victim);
	tcase_add_test(tc, a_preferred_small_process_beats_a_large_one);
	suite_add_tcase(suite, tc);
	return suite;
}
