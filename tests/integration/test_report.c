/*
 * test_report.c: `memvisor report` and `memvisor test` end to end. A real
 * run (a 128M guest held up with hold=, a --pressure balloon schedule,
 * snapshots) feeds a report that headless Chromium opens: every chart must
 * have drawn data (the page's script writes data-points and data-ink,
 * pixels in the series' colours, into the DOM), and the page must have
 * made no request (its CSP forbids any; the DOM counts resources and CSP
 * violations; Chromium's net log must hold no request the page started:
 * Chromium's own background requests carry initiator "not an origin").
 * A screenshot is kept in BUILD/report-test.png for people to look at.
 *
 * `memvisor test` runs two short scenarios (one passing, one failing) and
 * a malformed one; verdicts, JUnit XML, TAP, the kept files and exit
 * statuses 0/1/2 are checked.
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
	snprintf(dir, sizeof(dir), "/tmp/mvreport-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	const char *argv[] = { "rm", "-rf", dir, NULL };
	struct vm_run r;
	if (prog_run(&r, argv) == 0)
		vm_run_free(&r);
}

static const char *in_dir(const char *name)
{
	static char bufs[8][192];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
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

/* A 128M guest, 32M made resident, a balloon of 32M between 1 s and 2.5 s. */
static void real_run(const char *sched)
{
	char stats[160], prefix[160];
	snprintf(stats, sizeof(stats), "%s:0.2", in_dir("stats.jsonl"));
	snprintf(prefix, sizeof(prefix), "%s", in_dir("snaps/snap"));
	mkdir(in_dir("snaps"), 0755);
	const char *argv[] = { "run", "-m", "128M", "--timeout", "60", "--crash-dump", "none",
			       "--console", in_dir("console.log"), "--stats", stats,
			       "--pressure", sched, "--snapshot-prefix", prefix,
			       "--snapshot-at", "500ms,exit", test_kernel_path(), "--",
			       "hold=4", "balloon.touch=32M", "balloon.reporting=0", NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "run: status %d:\n%s", r.status, r.console);
	vm_run_free(&r);
}

START_TEST(report_of_a_real_run_draws_every_chart_and_fetches_nothing)
{
	const char *sched = "1s:balloon=32M,2500ms:balloon=0";
	char page[192];
	snprintf(page, sizeof(page), "%s", in_dir("report.html"));
	real_run(sched);
	const char *argv[] = { "report", in_dir("stats.jsonl"), "--snapshots", in_dir("snaps"),
			       "--pressure", sched, "-o", page, NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "report: status %d:\n%s", r.status, r.console);
	vm_run_free(&r);

	/* self-contained: a CSP that forbids fetching, and nothing to fetch */
	char *html = read_text_file(page);
	ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
	ck_assert_ptr_null(strstr(html, " src="));
	ck_assert_ptr_null(strstr(html, "<link"));
	ck_assert_ptr_nonnull(strstr(html, "balloon=32M"));   /* a pressure marker */
	ck_assert_ptr_nonnull(strstr(html, "snap-500ms"));    /* a snapshot marker */
	ck_assert_ptr_nonnull(strstr(html, "id=diffs"));
	free(html);

	r = chromium(page, "--dump-dom");
	char *dom = r.console;
	ck_assert_msg(dom_attr(dom, NULL, "data-ready") == 1, "the script did not finish:\n%.2000s",
		      dom);
	ck_assert_int_eq(dom_attr(dom, NULL, "data-resources"), 0);
	ck_assert_int_eq(dom_attr(dom, NULL, "data-csp-violations"), -1);
	static const char *const charts[] = { "chart-host", "chart-balloon", "chart-guest",
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
	r = chromium(page, shot);
	vm_run_free(&r);
	struct stat st;
	ck_assert_int_eq(stat(test_build_path("report-test.png"), &st), 0);
	ck_assert_int_gt(st.st_size, 20000);
}
END_TEST

START_TEST(report_refuses_bad_input_with_status_2)
{
	write_text(in_dir("bad.jsonl"), "{\"time\":0.1}\nnot json\n");
	const char *no_out[] = { "report", in_dir("bad.jsonl"), NULL };
	const char *bad[] = { "report", in_dir("bad.jsonl"), "-o", in_dir("x.html"), NULL };
	const char *missing[] = { "report", in_dir("none.jsonl"), "-o", in_dir("x.html"), NULL };
	const char *const *cases[] = { no_out, bad, missing };
	for (int i = 0; i < 3; i++) {
		struct vm_run r;
		ck_assert_int_eq(vm_run(&r, cases[i]), 0);
		ck_assert_msg(r.status == 2, "case %d: status %d:\n%s", i, r.status, r.console);
		if (i == 1)
			ck_assert_msg(strstr(r.console, "bad.jsonl:2"), "%s", r.console);
		vm_run_free(&r);
	}
}
END_TEST

static const char boot_ok[] =
	"guest: {memory: 64M}\n"
	"timeout: 60\n"
	"expect:\n"
	"  status: 0\n"
	"  console: ['selftest: all [0-9]+ passed']\n"
	"  no_console: [panic]\n"
	"  stats: ['host.ram == 64M', 'max(host.resident) > 0']\n";

static const char boot_bad[] =
	"name: expects-too-much\n"
	"guest: {memory: 64M}\n"
	"timeout: 60\n"
	"expect:\n"
	"  console: ['no such line']\n"
	"  stats:\n"
	"    - balloon.actual == 64M within 1s\n";

static const char malformed[] =
	"guest:\n"
	"  memory: 64M\n"
	"expect:\n"
	"  stats:\n"
	"    - host.resident <> 3\n";

START_TEST(test_runs_scenarios_and_writes_junit_tap_and_kept_files)
{
	write_text(in_dir("boot.yaml"), boot_ok);
	write_text(in_dir("bad.yaml"), boot_bad);
	const char *argv[] = { "test", "-j", "2", "--tap", "--junit", in_dir("junit.xml"),
			       "--keep", in_dir("keep"), in_dir("boot.yaml"), in_dir("bad.yaml"),
			       NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.console);
	ck_assert_msg(strstr(r.console, "PASS  boot"), "%s", r.console);
	ck_assert_msg(strstr(r.console, "FAIL  expects-too-much"), "%s", r.console);
	ck_assert_msg(strstr(r.console, "bad.yaml:5: no console line matches 'no such line'"), "%s",
		      r.console);
	ck_assert_msg(strstr(r.console, "bad.yaml:7: 'balloon.actual == 64M within 1s'"), "%s",
		      r.console);
	ck_assert_msg(strstr(r.console, "1..2\nok 1 - boot"), "%s", r.console);
	ck_assert_msg(strstr(r.console, "not ok 2 - expects-too-much"), "%s", r.console);
	ck_assert_msg(strstr(r.console, "scenarios: 1 passed, 1 failed"), "%s", r.console);
	vm_run_free(&r);

	char *xml = read_text_file(in_dir("junit.xml"));
	ck_assert_msg(strstr(xml, "<testsuite name=\"memvisor scenarios\" tests=\"2\" failures=\"1\""),
		      "%s", xml);
	ck_assert_msg(strstr(xml, "<failure type=\"expectation\" message=\""), "%s", xml);
	free(xml);
	static const char *const kept[] = { "keep/boot/console.log", "keep/boot/stats.jsonl",
					    "keep/boot/report.html", "keep/expects-too-much/report.html" };
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		ck_assert_msg(access(in_dir(kept[i]), R_OK) == 0, "no %s", kept[i]);
}
END_TEST

START_TEST(test_reports_a_malformed_scenario_with_its_line_and_status_2)
{
	write_text(in_dir("malformed.yaml"), malformed);
	write_text(in_dir("boot.yaml"), boot_ok);
	const char *argv[] = { "test", in_dir("boot.yaml"), in_dir("malformed.yaml"), NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.console);
	ck_assert_msg(strstr(r.console, "malformed.yaml:5: expect.stats: 'host.resident <> 3'"),
		      "%s", r.console);
	ck_assert_msg(!strstr(r.console, "PASS"), "a scenario ran:\n%s", r.console);
	vm_run_free(&r);
}
END_TEST

Suite *report_suite(void);
Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, report_of_a_real_run_draws_every_chart_and_fetches_nothing);
	tcase_add_test(tc, report_refuses_bad_input_with_status_2);
	tcase_add_test(tc, test_runs_scenarios_and_writes_junit_tap_and_kept_files);
	tcase_add_test(tc, test_reports_a_malformed_scenario_with_its_line_and_status_2);
	suite_add_tcase(s, tc);
	return s;
}
