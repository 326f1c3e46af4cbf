/*
 * test_control.c: the control API's request parser (control_parse_request)
 * on the requests the protocol defines and on what a client may get wrong;
 * no machine is needed to parse. The schedule parser is here too.
 */
#include "control.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *line, char *err, size_t errlen)
{
	json_object *req = NULL;
	int rc = control_parse_request(line, strlen(line), &req, err, errlen);
	ck_assert_msg(rc == 0 ? req != NULL : req == NULL, "%s: rc %d, req %p", line, rc,
		      (void *)req);
	json_object_put(req);
	return rc;
}

static const char *const good[] = {
	"{\"cmd\":\"balloon\",\"target\":\"64M\"}",
	"{\"cmd\":\"balloon\",\"target\":1048576}",
	"{\"cmd\":\"stats\"}",
	"{\"cmd\":\"snapshot\",\"file\":\"a.core\",\"memory\":true}",
	"{\"cmd\":\"pause\"}", "{\"cmd\":\"resume\"}", "{\"cmd\":\"quit\"}",
	" {\"cmd\":\"stats\"} ",
};

START_TEST(each_request_of_the_protocol_parses)
{
	char err[256] = "";
	ck_assert_msg(parse(good[_i], err, sizeof(err)) == 0, "%s: %s", good[_i], err);
}
END_TEST

static const struct {
	const char *line, *why;
} bad[] = {
	{ "garbage", "not a JSON object" },
	{ "{\"cmd\":\"stats\"", "not a JSON object" },
	{ "{\"cmd\":\"stats\"} x", "trailing characters" },
	{ "[1,2]", "a request is a JSON object" },
	{ "{\"target\":1}", "lacks a \"cmd\"" },
	{ "{\"cmd\":7}", "lacks a \"cmd\"" },
	{ "{\"cmd\":\"frobnicate\"}", "unknown command \"frobnicate\"" },
	{ "{\"cmd\":\"balloon\"}", "balloon needs \"target\"" },
	{ "{\"cmd\":\"balloon\",\"target\":\"lots\"}", "target:" },
	{ "{\"cmd\":\"balloon\",\"target\":-1}", "negative size" },
	{ "{\"cmd\":\"balloon\",\"target\":[1]}", "size must be" },
	{ "{\"cmd\":\"snapshot\"}", "snapshot needs \"file\"" },
	{ "{\"cmd\":\"snapshot\",\"file\":\"\"}", "snapshot needs \"file\"" },
	{ "", "not a JSON object" },
};

START_TEST(a_malformed_request_is_refused_with_its_reason)
{
	char err[256] = "";
	ck_assert_int_eq(parse(bad[_i].line, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad[_i].why), "'%s': '%s' lacks '%s'", bad[_i].line, err,
		      bad[_i].why);
}
END_TEST

START_TEST(a_line_longer_than_the_limit_is_refused_unparsed)
{
	size_t n = CONTROL_MAX_LINE + 1;
	char *line = malloc(n);
	json_object *req;
	char err[256];
	memset(line, ' ', n);
	ck_assert_int_eq(control_parse_request(line, n, &req, err, sizeof(err)), -1);
	ck_assert_ptr_null(req);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	free(line);
}
END_TEST

START_TEST(a_schedule_runs_in_time_order_and_names_a_bad_event)
{
	struct control_event ev[8];
	char err[256];
	int n = control_parse_schedule("6s:balloon=0,2s:balloon=64M,500ms:pause", ev, 8, err,
				       sizeof(err));
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(ev[0].cmd, "pause");
	ck_assert(ev[0].at == 0.5 && ev[1].at == 2 && ev[2].at == 6);
	ck_assert_str_eq(ev[1].arg, "64M");
	ck_assert_int_eq(control_parse_schedule("2s:frob", ev, 8, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown command"));
	ck_assert_int_eq(control_parse_schedule("1s:stats,2s:stats", ev, 1, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 1 events"));
}
END_TEST

Suite *control_suite(void);
Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, each_request_of_the_protocol_parses, 0,
			    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, a_malformed_request_is_refused_with_its_reason, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, a_line_longer_than_the_limit_is_refused_unparsed);
	tcase_add_test(tc, a_schedule_runs_in_time_order_and_names_a_bad_event);
	suite_add_tcase(s, tc);
	return s;
}
