/*
 * test_policy_trace.c: the reference strings with parameters of
 * mm/policy_trace.c: zipf exponents, mixtures, phases and repetition.
 */
#include <check.h>
#include <stdlib.h>

#include "mm_port.h"
#include "policy_trace.h"

/* Generates spec into a malloc'd array (the caller frees it); n: its length. */
static uint32_t *generate(struct policy_trace_spec *spec, uint64_t seed, size_t *n)
{
	*n = policy_trace_spec_length(spec);
	uint32_t *refs = malloc(*n * sizeof(*refs));
	size_t size = policy_trace_spec_work_size(spec);
	void *work = size ? malloc(size) : NULL;
	ck_assert_int_eq(policy_trace_spec_generate(spec, refs, seed, work, size), 0);
	free(work);
	return refs;
}

static struct policy_trace_spec zipf_spec(uint32_t milli, uint32_t pages, uint64_t length)
{
	return (struct policy_trace_spec){
		.nr_phases = 1,
		.phase[0] = { .nr_parts = 1, .length = length,
			      .part[0] = { .pattern = POLICY_PATTERN_ZIPF, .nr_pages = pages,
					   .zipf_milli = milli } },
	};
}

/* Count of page pg in refs[0..n). */
static size_t count_of(const uint32_t *refs, size_t n, uint32_t pg)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += refs[i] == pg;
	return c;
}

/* k^-s: ranks 1 and 2 at s = 2 are 4:1, ranks 1 and 4 at s = 0.5 are 2:1. */
START_TEST(a_zipf_exponent_sets_how_much_more_often_low_ranks_are_drawn)
{
	size_t n;
	struct policy_trace_spec spec = zipf_spec(2000, 100, 200000);
	uint32_t *refs = generate(&spec, 1, &n);
	double r = (double)count_of(refs, n, 0) / (double)count_of(refs, n, 1);
	ck_assert_msg(r > 3.8 && r < 4.2, "s=2: rank 1 / rank 2 = %.3f", r);
	free(refs);
	spec = zipf_spec(500, 100, 200000);
	refs = generate(&spec, 1, &n);
	r = (double)count_of(refs, n, 0) / (double)count_of(refs, n, 3);
	ck_assert_msg(r > 1.85 && r < 2.15, "s=0.5: rank 1 / rank 4 = %.3f", r);
	free(refs);
}
END_TEST

START_TEST(a_one_part_spec_with_exponent_1_gives_the_plain_zipf_string)
{
	size_t n;
	struct policy_trace_spec spec = zipf_spec(1000, 300, 5000);
	uint32_t *a = generate(&spec, 4, &n);
	uint32_t *b = malloc(n * sizeof(*b));
	uint64_t *work = malloc(policy_trace_work_size(POLICY_PATTERN_ZIPF, 300));
	ck_assert_int_eq(policy_trace_generate(POLICY_PATTERN_ZIPF, b, n, 300, 4, work,
					       policy_trace_work_size(POLICY_PATTERN_ZIPF, 300)), 0);
	ck_assert_mem_eq(a, b, n * sizeof(*a));
	free(work);
	free(a);
	free(b);
}
END_TEST

/* A working set of 10 pages, then 3 pages of a scan, four times over. */
START_TEST(a_seq_part_in_a_repeated_phase_list_scans_fresh_pages_each_time)
{
	struct policy_trace_spec spec = {
		.nr_phases = 2, .repeat = 4,
		.phase[0] = { .nr_parts = 1, .length = 5,
			      .part[0] = { .pattern = POLICY_PATTERN_RANDOM, .nr_pages = 10 } },
		.phase[1] = { .nr_parts = 1, .length = 3,
			      .part[0] = { .pattern = POLICY_PATTERN_SEQ, .first = 10,
					   .nr_pages = 100 } },
	};
	size_t n;
	uint32_t *refs = generate(&spec, 2, &n);
	ck_assert_uint_eq(n, 32);
	ck_assert_uint_eq(policy_trace_spec_pages(&spec), 110);
	for (size_t i = 0; i < n; i++) {
		size_t round = i / 8, k = i % 8;
		if (k < 5)
			ck_assert_uint_lt(refs[i], 10);
		else
			ck_assert_uint_eq(refs[i], 10 + 3 * round + (k - 5));
	}
	free(refs);
}
END_TEST

/* Weights 3:1 between two disjoint page ranges. */
START_TEST(a_mixture_draws_its_parts_in_proportion_to_their_weights)
{
	struct policy_trace_spec spec = {
		.nr_phases = 1,
		.phase[0] = { .nr_parts = 2, .length = 40000,
			      .part = { { .pattern = POLICY_PATTERN_RANDOM, .nr_pages = 50,
					  .weight = 3 },
					{ .pattern = POLICY_PATTERN_LOOP, .first = 50,
					  .nr_pages = 50, .weight = 1 } } },
	};
	size_t n, low = 0;
	uint32_t *refs = generate(&spec, 3, &n);
	for (size_t i = 0; i < n; i++)
		low += refs[i] < 50;
	ck_assert_msg(low > 29000 && low < 31000, "%zu of 40000 from the weight-3 part", low);
	free(refs);
}
END_TEST

START_TEST(a_spec_without_phases_parts_or_pages_is_refused)
{
	struct policy_trace_spec spec = { 0 };
	uint32_t out[4];
	ck_assert_int_eq(policy_trace_spec_generate(&spec, out, 1, NULL, 0), -MM_EINVAL);
	spec.nr_phases = 1;
	ck_assert_int_eq(policy_trace_spec_generate(&spec, out, 1, NULL, 0), -MM_EINVAL);
	spec.phase[0] = (struct policy_trace_phase){ .nr_parts = 1, .length = 4 };
	ck_assert_int_eq(policy_trace_spec_generate(&spec, out, 1, NULL, 0), -MM_EINVAL);
	spec.phase[0].part[0].nr_pages = 2;
	spec.phase[0].part[0].zipf_milli = POLICY_ZIPF_MILLI_MAX + 1;
	ck_assert_int_eq(policy_trace_spec_generate(&spec, out, 1, NULL, 0), -MM_EINVAL);
	spec.phase[0].part[0].zipf_milli = 0;
	ck_assert_int_eq(policy_trace_spec_generate(&spec, out, 1, NULL, 0), 0);
}
END_TEST

Suite *policy_trace_suite(void);
Suite *policy_trace_suite(void)
{
	Suite *s = suite_create("policy_trace");
	TCase *tc = tcase_create("specs");
	tcase_add_test(tc, a_zipf_exponent_sets_how_much_more_often_low_ranks_are_drawn);
	tcase_add_test(tc, a_one_part_spec_with_exponent_1_gives_the_plain_zipf_string);
	tcase_add_test(tc, a_seq_part_in_a_repeated_phase_list_scans_fresh_pages_each_time);
	tcase_add_test(tc, a_mixture_draws_its_parts_in_proportion_to_their_weights);
	tcase_add_test(tc, a_spec_without_phases_parts_or_pages_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
