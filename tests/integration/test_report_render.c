/*
 * test_report_render.c: headless Chromium opens the report the report
 * suite kept (BUILD/report-test.html, from a real run): every chart must
 * have drawn data (the page's script writes data-points and data-ink,
 * pixels in the series' colours, into the DOM), and the page must have
 * made no request (its CSP forbids any; the DOM counts resources and CSP
 * violations; Chromium's net log must hold no request the page started:
 * Chromium's own background requests carry initiator "not an origin").
 * A screenshot is kept in BUILD/report-test.png for people to look at.
 * Needs no KVM, so make check runs it on the host after the report suite.
 */
#include "harness.h"

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
	ck_assert_int_eq(test_dir_make(dir, "mvrender"), 0);
}

static void remove_dir(void)
{
	test_dir_remove(dir);
}

static const char *in_dir(const char *name)
{
	return test_dir_path(dir, name);
}

/* Runs headless Chromium on the page in one mode (--dump-dom, --screenshot=). */
static struct vm_run chromium(const char *page, const char *mode)
{
	char url[256], profile[256], netlog[256];
	snprintf(url, sizeof(url), "file://%s", page);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s", in_dir("chromium-profile"));
	snprintf(netlog, sizeof(netlog), "--log-net-log=%s", in_dir("net.json"));
	const char *argv[] = { "chromium", "--headless", "--no-sandbox", "--disable-gpu",
			       "--disable-background-networking", "--disable-component-update",
			       "--disable-sync", "--no-first-run", "--disable-quic", profile,
			       "--window-size=1200,2000", "--virtual-time-budget=3000", netlog,
			       mode, url, NULL };
	struct vm_run r;
	ck_assert_msg(prog_run(&r, argv) == 0, "chromium could not start (scripts/deps.sh installs it)");
	return r;
}

/* The value of attribute attr in the DOM element with id (or <body>). */
static long long dom_attr(const char *dom, const char *id, const char *attr)
{
	char key[128];
	const char *start = dom;
	if (id) {
		snprintf(key, sizeof(key), "id=\"%s\"", id);
		start = strstr(dom, key);
	} else {
		start = strstr(dom, "<body");
	}
	if (!start)
		return -1;
	const char *end = strchr(start, '>');
	snprintf(key, sizeof(key), "%s=\"", attr);
	const char *a = strstr(start, key);
	return a && a < end ? atoll(a + strlen(key)) : -1;
}

/* Requests in Chromium's net log that the page itself started. */
static int page_requests(const char *netlog_path, char *first, size_t len)
{
	json_object *log = json_object_from_file(netlog_path), *events, *params, *init, *url;
	int n = 0;
	ck_assert_msg(log != NULL, "no net log at %s", netlog_path);
	ck_assert(json_object_object_get_ex(log, "events", &events));
	for (size_t i = 0; i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		if (!json_object_object_get_ex(e, "params", &params) ||
		    !json_object_object_get_ex(params, "initiator", &init) ||
		    !strcmp(json_object_get_string(init), "not an origin"))
			continue;
		if (!n++ && json_object_object_get_ex(params, "url", &url))
			snprintf(first, len, "%s", json_object_get_string(url));
	}
	json_object_put(log);
	return n;
}

/* The absolute path of a page the report suite kept in BUILD (malloc'd). */
static char *kept_page(const char *name)
{
	char page[192];
	struct stat st;
	snprintf(page, sizeof(page), "%s", test_build_path(name));
	ck_assert_msg(stat(page, &st) == 0, "%s is missing: the report suite writes it "
		      "(CK_RUN_SUITE=report, on KVM)", page);
	char *abs = realpath(page, NULL);
	ck_assert_ptr_nonnull(abs);
	return abs;
}

static void assert_script_finished(const char *dom)
{
	ck_assert_msg(dom_attr(dom, NULL, "data-ready") == 1, "the script did not finish:\n%.2000s",
		      dom);
}

START_TEST(the_report_of_a_real_run_draws_every_chart_and_fetches_nothing)
{
	struct stat st;
	char *abs = kept_page("report-test.html");
	struct vm_run r = chromium(abs, "--dump-dom");
	char *dom = r.console;
	assert_script_finished(dom);
	ck_assert_int_eq(dom_attr(dom, NULL, "data-resources"), 0);
	ck_assert_int_eq(dom_attr(dom, NULL, "data-csp-violations"), -1);
	static const char *const charts[] = { "chart-host", "chart-balloon", "chart-guest",
					      "chart-zones", "chart-orders", "chart-slab",
					      "chart-rates", "chart-pages" };
	for (size_t i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		long long points = dom_attr(dom, charts[i], "data-points");
		long long ink = dom_attr(dom, charts[i], "data-ink");
		ck_assert_msg(points >= 10, "%s: %lld data points", charts[i], points);
		ck_assert_msg(ink > 100, "%s: %lld pixels of series colour", charts[i], ink);
	}
	vm_run_free(&r);
	char first[256] = "";
	int n = page_requests(in_dir("net.json"), first, sizeof(first));
	ck_assert_msg(n == 0, "the page made %d requests, first %s", n, first);

	char shot[300];
	snprintf(shot, sizeof(shot), "--screenshot=%s", test_build_path("report-test.png"));
	r = chromium(abs, shot);
	vm_run_free(&r);
	free(abs);
	ck_assert_int_eq(stat(test_build_path("report-test.png"), &st), 0);
	ck_assert_int_gt(st.st_size, 20000);
}
END_TEST

/* The sweep page the report suite kept: a chart per measure, a point per cell. */
START_TEST(the_sweep_page_of_a_merged_sweep_draws_a_chart_per_measure)
{
	char *abs = kept_page("sweep-test.html");
	struct vm_run r = chromium(abs, "--dump-dom");
	char *dom = r.console;
	assert_script_finished(dom);
	ck_assert_int_eq(dom_attr(dom, NULL, "data-charts"), 2);
	static const char *const charts[] = { "chart-0", "chart-1" };
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(dom_attr(dom, charts[i], "data-points"), 2);
		ck_assert_int_eq(dom_attr(dom, charts[i], "data-series"), 1);
		long long ink = dom_attr(dom, charts[i], "data-ink");
		ck_assert_msg(ink > 50, "%s: %lld pixels of series colour", charts[i], ink);
	}
	vm_run_free(&r);
	free(abs);
	char first[256] = "";
	int n = page_requests(in_dir("net.json"), first, sizeof(first));
	ck_assert_msg(n == 0, "the page made %d requests, first %s", n, first);
}
END_TEST

Suite *report_render_suite(void);
Suite *report_render_suite(void)
{
	Suite *s = suite_create("report_render");
	TCase *tc = tcase_create("render");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, the_report_of_a_real_run_draws_every_chart_and_fetches_nothing);
	tcase_add_test(tc, the_sweep_page_of_a_merged_sweep_draws_a_chart_per_measure);
	suite_add_tcase(s, tc);
	return s;
}
