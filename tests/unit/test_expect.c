/*
 * test_expect.c: the condition language of scenario files (vmm/lab/expect.h):
 * parse errors name what is wrong and the column, and conditions mean
 * what the header says over a small synthetic stats stream and diff.
 */
#include "expect.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define M (1024.0 * 1024.0)

static struct expect_stats stats;

/* Samples every 0.5 s: balloon.actual climbs 0,16M,...,64M (at 2 s), then stays;
 * guest.free_memory appears from 1 s on; a counter grows 10 per sample. */
static void make_stream(void)
{
	char path[] = "/tmp/test-expect-XXXXXX";
	struct mv_error err;
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i <= 10; i++) {
		double actual = (i < 4 ? i : 4) * 16 * M;
		fprintf(f, "{\"time\":%.1f,\"balloon\":{\"actual\":%.0f,\"target\":%.0f},", i * 0.5,
			actual, 64 * M);
		if (i >= 2)
			fprintf(f, "\"guest\":{\"free_memory\":%.0f},", 120 * M - actual);
		fprintf(f, "\"vmstat\":{\"pgfault\":%d},\"zones\":{\"DMA32\":{\"nr_free\":[%d,2]}}}\n",
			10 * i, i);
	}
	fclose(f);
	ck_assert_msg(expect_stats_load(&stats, path, &err) == 0, "%s", err.msg);
	unlink(path);
}

static void free_stream(void)
{
	expect_stats_free(&stats);
}

/* 1 when text holds over the stream, 0 when not; fails the test on a parse error. */
static int holds(const char *text)
{
	char why[512];
	struct mv_error err;
	struct expect_cond *c = expect_parse(text, EXPECT_STATS, &err);
	ck_assert_msg(c != NULL, "'%s': %s", text, err.msg);
	int r = expect_eval_stats(c, &stats, why, sizeof(why));
	expect_free(c);
	return r;
}

START_TEST(time_clauses_pick_the_samples_the_header_promises)
{
	ck_assert(holds("balloon.actual == 64M"));              /* last sample */
	ck_assert(holds("balloon.actual == 32M at 1s"));        /* first sample at/after 1 s */
	ck_assert(holds("balloon.actual == 32M at 0.8s"));
	ck_assert(holds("balloon.actual == 64M within 2s"));    /* reached at 2.0 s */
	ck_assert(!holds("balloon.actual == 64M within 1500ms"));
	ck_assert(holds("balloon.actual == 64M after 2s"));     /* always from then on */
	ck_assert(!holds("balloon.actual == 64M after 1.5s"));
	ck_assert(holds("ever balloon.actual == 48M"));
	ck_assert(holds("always balloon.actual <= balloon.target"));
	ck_assert(!holds("always balloon.actual > 0"));
	ck_assert(holds("ever balloon.actual > 0 after 4s"));
}
END_TEST

START_TEST(aggregates_rates_and_arithmetic)
{
	ck_assert(holds("max(balloon.actual) == 64M"));
	ck_assert(holds("min(guest.free_memory) == 56M"));      /* absent samples skipped */
	ck_assert(holds("first(guest.free_memory) == 88M"));
	ck_assert(holds("delta(vmstat.pgfault) == 100"));
	ck_assert(holds("always rate(vmstat.pgfault) == 20 after 0.5s"));
	ck_assert(holds("max(rate(vmstat.pgfault)) == 20"));
	ck_assert(holds("avg(vmstat.pgfault) == 50"));
	ck_assert(holds("guest.free_memory + balloon.actual == 120M"));
	ck_assert(holds("balloon.actual / 4 == 16 * 1024 * 1024"));
	ck_assert(holds("-balloon.actual < 0"));
	ck_assert(holds("zones.DMA32.nr_free.0 == 10"));
	ck_assert(holds("zones.\"DMA32\".nr_free.1 == 2"));
	ck_assert(holds("1K == 1024") && holds("2G == 2048M") && holds("1.5M == 1536K"));
}
END_TEST

START_TEST(absent_values_fail_with_a_reason)
{
	char why[512];
	struct mv_error err;
	struct expect_cond *c = expect_parse("guest.free_memory > 0 at 0s", EXPECT_STATS, &err);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(expect_eval_stats(c, &stats, why, sizeof(why)), 0);
	ck_assert_msg(strstr(why, "guest.free_memory = absent"), "%s", why);
	expect_free(c);
	c = expect_parse("ever no.such.path > 0", EXPECT_STATS, &err);
	ck_assert_int_eq(expect_eval_stats(c, &stats, why, sizeof(why)), 0);
	ck_assert_msg(strstr(why, "absent in every sample"), "%s", why);
	expect_free(c);
	c = expect_parse("balloon.actual == 1G within 2s", EXPECT_STATS, &err);
	ck_assert_int_eq(expect_eval_stats(c, &stats, why, sizeof(why)), 0);
	ck_assert_msg(strstr(why, "never true") && strstr(why, "ranged 0 .. 67108864 (64M)"), "%s",
		      why);
	expect_free(c);
}
END_TEST

static const struct {
	const char *text;
	enum expect_kind kind;
	const char *error;
} bad[] = {
	{ "balloon.actual = 64M", EXPECT_STATS, "'=' is not a comparison; write '==' at column 16" },
	{ "balloon.actual == 64Q", EXPECT_STATS, "unknown unit 'Q'" },
	{ "balloon.actual", EXPECT_STATS, "expected a comparison" },
	{ "max(balloon.actual > 3", EXPECT_STATS, "expected ')' to close max( at column 20" },
	{ "median(x) > 3", EXPECT_STATS, "unknown stats function 'median'" },
	{ "added(memhog) > 3", EXPECT_STATS, "unknown stats function 'added'" },
	{ "max(x) > 3", EXPECT_DIFF, "unknown diff function 'max'" },
	{ "x > 3 at 2s", EXPECT_DIFF, "'at' applies to stats conditions" },
	{ "ever x > 3", EXPECT_DIFF, "always/ever apply to stats conditions" },
	{ "x > 3 at", EXPECT_STATS, "expected a number at column 9" },
	{ "x > 3 sometimes", EXPECT_STATS, "unexpected 'sometimes' after the condition" },
	{ "x.\"open > 3", EXPECT_STATS, "unterminated quoted name" },
	{ "x > ", EXPECT_STATS, "expected a number, a path or a function at the end" },
	{ "x. > 1", EXPECT_STATS, "expected a name after '.'" },
};

START_TEST(malformed_conditions_name_what_is_wrong_and_where)
{
	struct mv_error err;
	struct expect_cond *c = expect_parse(bad[_i].text, bad[_i].kind, &err);
	ck_assert_msg(c == NULL, "'%s' parsed", bad[_i].text);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_msg(strstr(err.msg, bad[_i].error), "'%s': got '%s', want '%s'", bad[_i].text,
		      err.msg, bad[_i].error);
}
END_TEST

START_TEST(diff_functions_sum_and_join_ranges_of_matching_spaces)
{
	char why[512];
	struct mv_error err;
	json_object *d = json_tokener_parse(
		"{\"spaces\":{\"2 (memhog)\":{\"added\":["
		"{\"va\":4096,\"len\":4096},{\"va\":8192,\"len\":8388608},"
		"{\"va\":16777216,\"len\":4096}],\"removed\":[],\"changed\":[]},"
		"\"1 (init)\":{\"added\":[{\"va\":0,\"len\":65536}]}},"
		"\"zones\":{\"DMA32\":{\"free_pages\":-2100}},\"vmstat\":{},\"dirty_pages\":2048}");
	static const char *const yes[] = {
		"added(memhog) == 8M + 8K", "largest_added(memhog) == 8M + 4K",
		"removed(memhog) == 0", "added(init) == 64K", "zones.DMA32.free_pages <= -2048",
		"zones.Normal.free_pages == 0", "vmstat.pgfault == 0", "dirty_pages >= 2048",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct expect_cond *c = expect_parse(yes[i], EXPECT_DIFF, &err);
		ck_assert_msg(c != NULL, "'%s': %s", yes[i], err.msg);
		ck_assert_msg(expect_eval_diff(c, d, why, sizeof(why)), "'%s': %s", yes[i], why);
		expect_free(c);
	}
	struct expect_cond *c = expect_parse("nothing.here > 0", EXPECT_DIFF, &err);
	ck_assert_int_eq(expect_eval_diff(c, d, why, sizeof(why)), 0);
	ck_assert_msg(strstr(why, "nothing.here is absent"), "%s", why);
	expect_free(c);
	json_object_put(d);
}
END_TEST

Suite *expect_suite(void);
Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *tc = tcase_create("stats");
	tcase_add_checked_fixture(tc, make_stream, free_stream);
	tcase_add_test(tc, time_clauses_pick_the_samples_the_header_promises);
	tcase_add_test(tc, aggregates_rates_and_arithmetic);
	tcase_add_test(tc, absent_values_fail_with_a_reason);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse and diff");
	tcase_add_loop_test(tc, malformed_conditions_name_what_is_wrong_and_where, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, diff_functions_sum_and_join_ranges_of_matching_spaces);
	suite_add_tcase(s, tc);
	return s;
}
