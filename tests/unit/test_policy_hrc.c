/*
 * test_policy_hrc.c: the one-pass hit ratio curves of mm/policy_hrc.c
 * against the per-frame-count simulator (mm/policy_sim.c) and OPT
 * (mm/opt.c) on seeded traces of every pattern, at every frame count.
 */
#include <check.h>
#include <stdlib.h>

#include "mm_port.h"
#include "policy.h"
#include "policy_hrc.h"
#include "policy_rig.h"
#include "policy_sim.h"
#include "policy_trace.h"

#define HRC_REFS   3000
#define HRC_PAGES  150
#define HRC_FRAMES 160   /* beyond the pages: the curve's flat end too */

static const uint32_t classic[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
#define CLASSIC_N (sizeof(classic) / sizeof(classic[0]))

/* Trace i of the loop tests: each pattern, and a mixture, with seed i. */
static uint32_t *hrc_trace(int i, size_t n)
{
	struct policy_trace_spec spec = {
		.nr_phases = 2,
		.phase[0] = { .nr_parts = 1, .length = n / 2,
			      .part[0] = { .pattern = (enum policy_pattern)(i % POLICY_NR_PATTERNS),
					   .nr_pages = HRC_PAGES, .zipf_milli = 900 } },
		.phase[1] = { .nr_parts = 2, .length = n - n / 2,
			      .part[0] = { .pattern = POLICY_PATTERN_ZIPF, .nr_pages = HRC_PAGES / 2 },
			      .part[1] = { .pattern = POLICY_PATTERN_LOOP, .nr_pages = HRC_PAGES / 2,
					   .first = HRC_PAGES / 2 } },
	};
	uint32_t *refs = malloc(n * sizeof(*refs));
	size_t size = policy_trace_spec_work_size(&spec);
	void *work = malloc(size);
	ck_assert_int_eq(policy_trace_spec_generate(&spec, refs, (uint64_t)i + 1, work, size), 0);
	free(work);
	return refs;
}

/* hits[0..max] of one curve function; the caller frees it. */
static uint64_t *curve(bool lru, const uint32_t *refs, size_t n, uint32_t pages, uint32_t max)
{
	size_t size = lru ? policy_hrc_lru_work_size(n, pages) :
			    policy_hrc_opt_work_size(n, pages, max);
	void *work = malloc(size);
	uint64_t *hits = malloc((max + 1) * sizeof(*hits));
	int rc = lru ? policy_hrc_lru(refs, n, pages, max, work, size, hits) :
		       policy_hrc_opt(refs, n, pages, max, work, size, hits);
	ck_assert_int_eq(rc, 0);
	free(work);
	return hits;
}

START_TEST(the_classic_string_gives_lru_2_and_4_hits_and_opt_5_and_6)
{
	uint64_t *lru = curve(true, classic, CLASSIC_N, 6, 5);
	uint64_t *best = curve(false, classic, CLASSIC_N, 6, 5);
	ck_assert_uint_eq(lru[0], 0);
	ck_assert_uint_eq(lru[3], 2);
	ck_assert_uint_eq(lru[4], 4);
	ck_assert_uint_eq(lru[5], 7);    /* all 5 pages fit: only cold misses */
	ck_assert_uint_eq(best[3], 5);
	ck_assert_uint_eq(best[4], 6);
	ck_assert_uint_eq(best[5], 7);
	free(lru);
	free(best);
}
END_TEST

/* Faults with frames frames, per count: exact LRU simulated, or OPT. */
static uint64_t per_count(bool lru, const uint32_t *refs, uint32_t frames)
{
	return lru ? rig_sim_faults("lru-exact", refs, HRC_REFS, HRC_PAGES, frames, 1) :
		     rig_opt_faults(refs, HRC_REFS, HRC_PAGES, frames);
}

/* Trace i's one-pass curve against per_count at every frame count. */
static void check_curve(bool lru, int i)
{
	uint32_t *refs = hrc_trace(i, HRC_REFS);
	uint64_t *hits = curve(lru, refs, HRC_REFS, HRC_PAGES, HRC_FRAMES);
	for (uint32_t c = 1; c <= HRC_FRAMES; c++) {
		uint64_t want = per_count(lru, refs, c);
		ck_assert_msg(HRC_REFS - hits[c] == want,
			      "%s, trace %d, %u frames: curve %llu faults, per count %llu",
			      lru ? "lru" : "opt", i, c,
			      (unsigned long long)(HRC_REFS - hits[c]), (unsigned long long)want);
	}
	free(hits);
	free(refs);
}

START_TEST(mattsons_lru_curve_equals_a_per_count_lru_simulation_at_every_point)
{
	check_curve(true, _i);
}
END_TEST

START_TEST(the_opt_stack_curve_equals_per_count_opt_at_every_point)
{
	check_curve(false, _i);
}
END_TEST

/* A curve kept to fewer frames is the same curve, cut short. */
START_TEST(a_shorter_opt_stack_gives_the_same_curve_up_to_its_end)
{
	uint32_t *refs = hrc_trace(_i, HRC_REFS);
	uint64_t *full = curve(false, refs, HRC_REFS, HRC_PAGES, HRC_FRAMES);
	uint64_t *cut = curve(false, refs, HRC_REFS, HRC_PAGES, 17);
	for (uint32_t c = 0; c <= 17; c++)
		ck_assert_uint_eq(cut[c], full[c]);
	free(cut);
	free(full);
	free(refs);
}
END_TEST

START_TEST(opt_hits_at_least_as_often_as_every_policy_at_every_point)
{
	uint32_t *refs = hrc_trace(_i, HRC_REFS);
	uint64_t *best = curve(false, refs, HRC_REFS, HRC_PAGES, HRC_FRAMES);
	for (size_t p = 0; policy_all[p]; p++)
		for (uint32_t c = 1; c <= HRC_FRAMES; c++)
			ck_assert_msg(HRC_REFS - best[c] <= rig_sim_faults(policy_all[p]->name, refs,
									   HRC_REFS, HRC_PAGES, c, 1),
				      "trace %d: %s beats OPT with %u frames", _i,
				      policy_all[p]->name, c);
	free(best);
	free(refs);
}
END_TEST

START_TEST(the_curves_refuse_a_page_beyond_nr_pages_and_unaligned_work)
{
	uint64_t work[64], hits[4];
	ck_assert_int_eq(policy_hrc_lru(classic, CLASSIC_N, 5, 3, work, sizeof(work), hits),
			 -MM_EINVAL);
	ck_assert_int_eq(policy_hrc_opt(classic, CLASSIC_N, 5, 3, work, sizeof(work), hits),
			 -MM_EINVAL);
	ck_assert_int_eq(policy_hrc_lru(classic, CLASSIC_N, 6, 3, (char *)work + 4,
					sizeof(work) - 8, hits), -MM_EINVAL);
	ck_assert_int_eq(policy_hrc_opt(classic, CLASSIC_N, 6, 3, work, 8, hits), -MM_EINVAL);
	ck_assert_int_eq(policy_hrc_lru(classic, CLASSIC_N, 6, 3, work, sizeof(work), hits), 0);
}
END_TEST

Suite *policy_hrc_suite(void);
Suite *policy_hrc_suite(void)
{
	Suite *s = suite_create("policy_hrc");
	TCase *tc = tcase_create("curves");
	tcase_add_test(tc, the_classic_string_gives_lru_2_and_4_hits_and_opt_5_and_6);
	tcase_add_loop_test(tc, mattsons_lru_curve_equals_a_per_count_lru_simulation_at_every_point,
			    0, 2 * POLICY_NR_PATTERNS);
	tcase_add_loop_test(tc, the_opt_stack_curve_equals_per_count_opt_at_every_point, 0,
			    2 * POLICY_NR_PATTERNS);
	tcase_add_loop_test(tc, a_shorter_opt_stack_gives_the_same_curve_up_to_its_end, 0,
			    POLICY_NR_PATTERNS);
	tcase_add_loop_test(tc, opt_hits_at_least_as_often_as_every_policy_at_every_point, 0,
			    POLICY_NR_PATTERNS);
	tcase_add_test(tc, the_curves_refuse_a_page_beyond_nr_pages_and_unaligned_work);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
