/*
 * test_report.c: `memvisor report` and `memvisor test` end to end. A real
 * run (a 128M guest held up with hold=, a --pressure balloon schedule,
 * snapshots) feeds a report, kept as BUILD/report-test.html: it must be
 * self-contained (a CSP that forbids fetching, no src= or <link>) and carry
 * the pressure and snapshot markers. Headless Chromium then opens it in the
 * report_render suite (test_report_render.c), which needs no KVM: make check
 * runs it on the host, since Chromium under the TCG helper VM takes minutes.
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
	ck_assert_int_eq(test_dir_make(dir, "mvreport"), 0);
}

static void remove_dir(void)
{
	test_dir_remove(dir);
}

static const char *in_dir(const char *name)
{
	return test_dir_path(dir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
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

START_TEST(report_of_a_real_run_is_self_contained_and_marks_pressure_and_snapshots)
{
	const char *sched = "1s:balloon=32M,2500ms:balloon=0";
	char page[192];
	snprintf(page, sizeof(page), "%s", test_build_path("report-test.html"));
	unlink(page);
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
	/* the table has a row for the pair: its diff was computed in-process */
	ck_assert_ptr_nonnull(strstr(strstr(html, "id=diffs"), "<td class=l>snap-500ms &rarr; "));
	/* series of the stats record's numbers, none for its list of processes */
	ck_assert_ptr_nonnull(strstr(html, "\"vmstat.pgfault\""));
	ck_assert_ptr_nonnull(strstr(html, "\"zones.DMA32.nr_free.0\""));
	ck_assert_ptr_null(strstr(html, "\"processes."));
	free(html);
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

static const char untaken_snapshot[] =
	"guest:\n"
	"  memory: 64M\n"
	"snapshots: [1s, held]\n"
	"pressure: 'when console \"held\": snapshot=other'\n";

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

START_TEST(test_refuses_a_named_snapshot_that_no_pressure_step_takes)
{
	write_text(in_dir("untaken.yaml"), untaken_snapshot);
	const char *argv[] = { "test", in_dir("untaken.yaml"), NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.console);
	ck_assert_msg(strstr(r.console, "snapshots: no pressure step takes 'held'"), "%s",
		      r.console);
	vm_run_free(&r);
}
END_TEST

/*
 * A sweep: one scenario file, one run per memory size; two shards run a
 * stable share each, and --merge joins their tables into one.
 */
static const char ram_sweep[] =
	"name: ramsweep\n"
	"guest:\n"
	"  memory: ${mem}\n"
	"matrix:\n"
	"  mem: [32M, 64M]\n"
	"results: [host.ram, 'max(host.resident)']\n"
	"notice: 'RAM {host.ram} bytes, resident at most {max(host.resident)}'\n"
	"expect:\n"
	"  console: ['selftest: all [0-9]+ passed']\n"
	"  stats: ['host.ram == ${mem}']\n";

static int run_status(const char *const *argv, char **console)
{
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	int status = r.status;
	if (console)
		*console = strdup(r.console);
	vm_run_free(&r);
	return status;
}

/* expect.show: views of a snapshot taken at exit, one line that is not there. */
static const char views[] =
	"name: views\n"
	"guest:\n"
	"  memory: 64M\n"
	"snapshots: [exit]\n"
	"expect:\n"
	"  show:\n"
	"    - snapshot: exit\n"
	"      view: segments\n"
	"      lines: ['^gdt +0x0008 .* DPL 0 +code r-x 64-bit', 'no such line']\n"
	"      no_lines: ['^gdt .* DPL 3 +code r-x 64-bit']\n"
	"    - snapshot: exit\n"
	"      view: maps\n"
	"      space: kernel\n"
	"      no_lines: [' rwx']\n";

static const char bad_view[] =
	"snapshots: [exit]\n"
	"expect:\n"
	"  show:\n"
	"    - snapshot: exit\n"
	"      view: pages\n"
	"      lines: [x]\n";

START_TEST(expect_show_matches_the_views_of_a_snapshot_and_names_what_failed)
{
	char *out;
	write_text(in_dir("views.yaml"), views);
	write_text(in_dir("badview.yaml"), bad_view);
	const char *run[] = { "test", "--keep", in_dir("vk"), in_dir("views.yaml"), NULL };
	const char *bad[] = { "test", in_dir("badview.yaml"), NULL };
	ck_assert_int_eq(run_status(run, &out), 1);
	ck_assert_msg(strstr(out, "FAIL  views"), "%s", out);
	ck_assert_msg(strstr(out, "(5 checks)"), "%s", out); /* the status, 2 lines, 2 no_lines */
	ck_assert_msg(strstr(out, "views.yaml:9: no `show exit --view segments` line matches "
				  "'no such line'"), "%s", out);
	/* the user code segment is there: the no_lines regex fails and quotes it */
	ck_assert_msg(strstr(out, "views.yaml:10: `show exit --view segments` line 'gdt   0x0020"),
		      "%s", out);
	ck_assert_msg(!strstr(out, "--space kernel"), "the kernel's maps have rwx:\n%s", out);
	free(out);
	ck_assert_int_eq(access(in_dir("vk/views/show-exit-segments.txt"), R_OK), 0);
	ck_assert_int_eq(access(in_dir("vk/views/show-exit-maps-kernel.txt"), R_OK), 0);
	ck_assert_int_eq(run_status(bad, &out), 2);
	ck_assert_msg(strstr(out, "badview.yaml:5: expect.show.view: 'pages' is not a view of show"),
		      "%s", out);
	free(out);
}
END_TEST

START_TEST(a_matrix_sweep_runs_each_cell_and_shards_merge_into_one_table)
{
	char *out;
	write_text(in_dir("sweep.yaml"), ram_sweep);
	const char *shard1[] = { "test", "--shard", "1/2", "--keep", in_dir("s1"), in_dir("sweep.yaml"),
				 NULL };
	const char *shard2[] = { "test", "--shard", "2/2", "--keep", in_dir("s2"), in_dir("sweep.yaml"),
				 NULL };
	const char *merge[] = { "test", "--merge", in_dir("s1"), in_dir("s2"), "--keep", in_dir("m"),
				"--junit", in_dir("m.xml"), NULL };
	ck_assert_int_eq(run_status(shard1, &out), 0);
	ck_assert_msg(strstr(out, "shard 1/2: "), "%s", out);
	char *all = strdup(out);
	free(out);
	ck_assert_int_eq(run_status(shard2, &out), 0);
	all = realloc(all, strlen(all) + strlen(out) + 1);
	strcat(all, out);
	free(out);
	/* each cell's notice, with its own run's value */
	ck_assert_msg(strstr(all, "      > RAM 33554432 (32M) bytes, resident at most "), "%s", all);
	ck_assert_msg(strstr(all, "      > RAM 67108864 (64M) bytes, resident at most "), "%s", all);
	free(all);
	ck_assert_int_eq(run_status(merge, &out), 0);
	ck_assert_msg(strstr(out, "PASS  ramsweep[mem=32M]"), "%s", out);
	ck_assert_msg(strstr(out, "PASS  ramsweep[mem=64M]"), "%s", out);
	ck_assert_msg(strstr(out, "scenarios: 2 passed, 0 failed"), "%s", out);
	free(out);
	char *csv = read_text_file(in_dir("m/results.csv"));
	ck_assert_msg(strstr(csv, "name,file,verdict,status,seconds,checks,failed,mem,host.ram,"
				  "max(host.resident)\n"), "%s", csv);
	ck_assert_msg(strstr(csv, "ramsweep[mem=32M],") && strstr(csv, ",32M,33554432,"), "%s", csv);
	ck_assert_msg(strstr(csv, "ramsweep[mem=64M],") && strstr(csv, ",64M,67108864,"), "%s", csv);
	free(csv);
	char *xml = read_text_file(in_dir("m.xml"));
	ck_assert_msg(strstr(xml, "tests=\"2\" failures=\"0\""), "%s", xml);
	free(xml);
	/* the merged sweep's page, kept for the report_render suite to draw */
	char *page = read_text_file(in_dir("m/sweep.html"));
	/* the page's data is results.json's table: each cell's parameter and measures */
	ck_assert_msg(strstr(page, "const SW = {\"version\":1,\"rows\":[{"), "%.400s", page);
	ck_assert_msg(strstr(page, "\"params\":{\"mem\":\"32M\"},\"results\":{\"host.ram\":33554432"),
		      "%.400s", page);
	write_text(test_build_path("sweep-test.html"), page);
	free(page);
	/* merging a table twice would count its scenarios twice: refused */
	const char *twice[] = { "test", "--merge", in_dir("m"), in_dir("m"), NULL };
	ck_assert_int_eq(run_status(twice, &out), 2);
	ck_assert_msg(strstr(out, "two results for this name"), "%s", out);
	free(out);
}
END_TEST

/* ${NAME} must name a parameter, and each parameter must be used. */
START_TEST(a_matrix_with_an_unknown_or_unused_parameter_is_refused_before_any_run)
{
	char *out;
	write_text(in_dir("unknown.yaml"), "guest:\n  memory: ${size}\nmatrix:\n  mem: [32M]\n");
	const char *unknown[] = { "test", in_dir("unknown.yaml"), NULL };
	ck_assert_int_eq(run_status(unknown, &out), 2);
	ck_assert_msg(strstr(out, "unknown.yaml:2: '${size}' names no parameter of the matrix"), "%s",
		      out);
	free(out);
	write_text(in_dir("unused.yaml"), "guest:\n  memory: 32M\nmatrix:\n  mem: [32M, 64M]\n");
	const char *unused[] = { "test", in_dir("unused.yaml"), NULL };
	ck_assert_int_eq(run_status(unused, &out), 2);
	ck_assert_msg(strstr(out, "matrix: parameter 'mem' is used nowhere"), "%s", out);
	ck_assert_msg(!strstr(out, "PASS"), "%s", out);
	free(out);
	write_text(in_dir("notice.yaml"), "guest:\n  memory: 32M\nnotice: 'x {max(host.ram} y'\n");
	const char *notice[] = { "test", in_dir("notice.yaml"), NULL };
	ck_assert_int_eq(run_status(notice, &out), 2);
	ck_assert_msg(strstr(out, "notice.yaml:3: notice: '{max(host.ram}': "), "%s", out);
	free(out);
}
END_TEST

Suite *report_suite(void);
Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, report_of_a_real_run_is_self_contained_and_marks_pressure_and_snapshots);
	tcase_add_test(tc, report_refuses_bad_input_with_status_2);
	tcase_add_test(tc, test_runs_scenarios_and_writes_junit_tap_and_kept_files);
	tcase_add_test(tc, test_reports_a_malformed_scenario_with_its_line_and_status_2);
	tcase_add_test(tc, test_refuses_a_named_snapshot_that_no_pressure_step_takes);
	tcase_add_test(tc, a_matrix_sweep_runs_each_cell_and_shards_merge_into_one_table);
	tcase_add_test(tc, expect_show_matches_the_views_of_a_snapshot_and_names_what_failed);
	tcase_add_test(tc, a_matrix_with_an_unknown_or_unused_parameter_is_refused_before_any_run);
	suite_add_tcase(s, tc);
	return s;
}
