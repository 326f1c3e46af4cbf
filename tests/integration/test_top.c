/*
 * test_top.c: a running guest's memory read from outside: the stats
 * record's processes and `memvisor top`. Each test's guest runs memhog as
 * its workload: it maps and touches 4 MiB, prints its own
 * /proc/self/statm and its fault counts (getrusage), then sleeps.
 * - With the guest paused, the `processes` of `memvisor stats --json`
 *   give the very same figures for its pid, and `top --once` the same
 *   figures as `stats --json`.
 * - The live view runs in a detached tmux session of 80x24 (its server
 *   started with -D, in the foreground, as a child of the test, with an
 *   empty configuration file of its own): the test
 *   waits for frames by reading the screen (capture-pane), types s, p and
 *   q, and reads what changed.
 */
#include "ctl.h"

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE 4096ll

/* A guest running memhog (pid reported on the console) under a control socket. */
struct hog_vm {
	struct bg_run bg;
	char sock[108];
	int pid;
	long long statm[7];          /* size resident shared text lib data dt, pages */
	long long min_flt, maj_flt;
};

/* Polls the console until memhog says it holds; fills pid, statm and faults. */
static void wait_for_hog(struct hog_vm *v)
{
	char *out = NULL;
	const char *hold = NULL;
	for (double t0 = test_now(); !hold && test_now() - t0 < 60; usleep(50000)) {
		free(out);
		out = bg_output(&v->bg);
		hold = strstr(out, "memhog: holding (pid ");
	}
	ck_assert_msg(hold && sscanf(hold, "memhog: holding (pid %d)", &v->pid) == 1,
		      "memhog never held:\n%s", out);
	const char *statm = strstr(out, "== /proc/self/statm");
	const char *flt = strstr(out, "memhog: minflt ");
	ck_assert_msg(statm && sscanf(statm + strlen("== /proc/self/statm"), " %lld %lld %lld %lld "
				      "%lld %lld %lld", &v->statm[0], &v->statm[1], &v->statm[2],
				      &v->statm[3], &v->statm[4], &v->statm[5], &v->statm[6]) == 7,
		      "no statm:\n%s", out);
	ck_assert_msg(flt && sscanf(flt, "memhog: minflt %lld majflt %lld", &v->min_flt,
				    &v->maj_flt) == 2, "no fault counts:\n%s", out);
	free(out);
}

static void hog_up(struct hog_vm *v)
{
	snprintf(v->sock, sizeof(v->sock), "/tmp/mvtop-%d.sock", getpid());
	const char *argv[] = { "run", "-m", "128M", "--timeout", "120", "--control", v->sock,
			       "--initrd", test_build_path("guest/initrd.cpio"), test_kernel_path(),
			       "--", "console=ttyS0", "init=/bin/memhog", "4M", "--show",
			       "/proc/self/statm", "--hold", NULL };
	ctl_start(&v->bg, v->sock, argv);
	wait_for_hog(v);
}

static void hog_down(struct hog_vm *v)
{
	struct vm_run r = ctl_quit(v->sock, &v->bg, 30);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.console);
	vm_run_free(&r);
}

/* The element of stats' processes with this pid (owned by stats), or NULL. */
static json_object *process_of(json_object *stats, int pid)
{
	json_object *procs, *pid_o;
	if (!json_object_object_get_ex(stats, "processes", &procs))
		return NULL;
	for (size_t k = 0; k < json_object_array_length(procs); k++) {
		json_object *p = json_object_array_get_idx(procs, k);
		if (json_object_object_get_ex(p, "pid", &pid_o) && json_object_get_int(pid_o) == pid)
			return p;
	}
	return NULL;
}

static long long field(json_object *p, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(p, key, &v), "no \"%s\" in %s", key,
		      json_object_to_json_string(p));
	return json_object_get_int64(v);
}

START_TEST(stats_processes_agree_with_the_guests_own_statm_and_fault_counts)
{
	struct hog_vm v;
	hog_up(&v);
	free(ctl_client(v.sock, "pause", NULL));
	char *text = ctl_client(v.sock, "stats", "--json");
	json_object *stats = json_tokener_parse(text), *p = process_of(stats, v.pid);
	ck_assert_msg(p, "pid %d not among the processes:\n%s", v.pid, text);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(p, "comm")), "memhog");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(p, "state")), "S");
	ck_assert_int_eq(field(p, "vsz"), v.statm[0] * PAGE);
	ck_assert_int_eq(field(p, "rss"), v.statm[1] * PAGE);
	ck_assert_int_eq(field(p, "shared"), v.statm[2] * PAGE);
	ck_assert_int_eq(field(p, "swap"), 0);
	ck_assert_int_eq(field(p, "min_flt"), v.min_flt);
	ck_assert_int_eq(field(p, "maj_flt"), v.maj_flt);
	ck_assert_msg(v.statm[1] >= 1024, "memhog holds 4 MiB, statm says %lld pages", v.statm[1]);
	json_object_put(stats);
	free(text);
	free(ctl_client(v.sock, "resume", NULL));
	hog_down(&v);
}
END_TEST

/* The process row of pid in a top frame: VIRT RES SHR SWAP (KiB) MINFLT MAJFLT. */
static int top_row(const char *frame, int pid, long long f[6])
{
	char start[16];
	snprintf(start, sizeof(start), "\n%5d ", pid);
	const char *row = strstr(frame, start);
	return row && sscanf(row + strlen(start), "%*s %*s %lld %lld %lld %lld %lld %lld", &f[0],
			     &f[1], &f[2], &f[3], &f[4], &f[5]) == 6;
}

/* The figures of stats' process p as top shows them (KiB, counts). */
static void top_figures(json_object *p, long long f[6])
{
	static const char *const keys[] = { "vsz", "rss", "shared", "swap", "min_flt", "maj_flt" };
	for (int k = 0; k < 6; k++)
		f[k] = field(p, keys[k]) / (k < 4 ? 1024 : 1);
}

/* Every process of stats has its row in the frame, with the same figures. */
static void rows_match(const char *frame, json_object *stats)
{
	json_object *procs = json_object_object_get(stats, "processes");
	ck_assert_msg(procs && json_object_array_length(procs) >= 2, "%s", frame);
	for (size_t k = 0; k < json_object_array_length(procs); k++) {
		json_object *p = json_object_array_get_idx(procs, k);
		long long want[6], got[6];
		top_figures(p, want);
		ck_assert_msg(top_row(frame, (int)field(p, "pid"), got), "no row for %s:\n%s",
			      json_object_to_json_string(p), frame);
		for (int c = 0; c < 6; c++)
			ck_assert_msg(got[c] == want[c], "pid %lld column %d: %lld, stats %lld\n%s",
				      field(p, "pid"), c, got[c], want[c], frame);
	}
}

/* Each zone's line: free pages, then free blocks per order, as stats has them. */
static void zones_match(const char *frame, json_object *stats)
{
	json_object *zones = json_object_object_get(stats, "zones");
	ck_assert_msg(zones && json_object_object_length(zones) > 0, "%s", frame);
	json_object_object_foreach(zones, name, z) {
		char want[160] = "";
		json_object *nr = json_object_object_get(z, "nr_free");
		size_t len = (size_t)snprintf(want, sizeof(want), "\n%-8.8s %8lld |", name,
					      field(z, "free_pages"));
		for (size_t o = 0; o < json_object_array_length(nr); o++)
			len += (size_t)snprintf(want + len, sizeof(want) - len, "%5lld",
						(long long)json_object_get_int64(
							json_object_array_get_idx(nr, o)));
		ck_assert_msg(strstr(frame, strcat(want, "\n")), "zone line %s\nnot in:\n%s", want,
			      frame);
	}
}

/* A plain frame of at most 80x24: no escape codes, no long lines. */
static void fits_80x24(const char *frame)
{
	int lines = 0, col = 0;
	for (const char *c = frame; *c; c++) {
		ck_assert_msg(*c == '\n' || (*c >= ' ' && *c < 127), "byte %#x in:\n%s", *c, frame);
		col = *c == '\n' ? 0 : col + 1;
		lines += *c == '\n';
		ck_assert_msg(col <= 80, "a line over 80 columns:\n%s", frame);
	}
	ck_assert_msg(lines <= 24, "%d lines:\n%s", lines, frame);
}

START_TEST(top_once_shows_what_stats_json_shows_for_the_same_paused_moment)
{
	struct hog_vm v;
	hog_up(&v);
	free(ctl_client(v.sock, "pause", NULL));
	const char *argv[] = { "top", v.sock, "--once", "--interval", "0.2", NULL };
	struct vm_run top;
	ck_assert_int_eq(vm_run(&top, argv), 0);
	ck_assert_msg(top.status == 0, "status %d:\n%s", top.status, top.console);
	char *text = ctl_client(v.sock, "stats", "--json");
	json_object *stats = json_tokener_parse(text);
	fits_80x24(top.console);
	ck_assert_msg(strstr(top.console, "sort rss  [guest paused]\n"), "%s", top.console);
	rows_match(top.console, stats);
	zones_match(top.console, stats);
	char lru[192];
	snprintf(lru, sizeof(lru), "\nLRU pages: anon %lld ",
		 (long long)json_path_i64(text, "vmstat.nr_anon_pages"));
	ck_assert_msg(strstr(top.console, lru), "no \"%s\" in:\n%s", lru + 1, top.console);
	long long active_anon = json_path_i64(text, "vmstat.nr_active_anon");
	long long inactive_anon = json_path_i64(text, "vmstat.nr_inactive_anon");
	long long active_file = json_path_i64(text, "vmstat.nr_active_file");
	long long inactive_file = json_path_i64(text, "vmstat.nr_inactive_file");
	/* memhog's pages on the anonymous list, its program text on the file list */
	ck_assert_msg(active_anon + inactive_anon > 0 && active_file + inactive_file > 0,
		      "an LRU list is empty:\n%s", text);
	snprintf(lru, sizeof(lru), "\nLRU: anon active %lld inactive %lld  file active %lld inactive %lld\n",
		 active_anon, inactive_anon, active_file, inactive_file);
	ck_assert_msg(strstr(top.console, lru), "no \"%s\" in:\n%s", lru + 1, top.console);
	ck_assert_msg(strstr(top.console, "Reclaim/s: scan 0  steal 0  refault 0  TLB flush/s: page 0 all 0\n"), "%s",
		      top.console);
	json_object_put(stats);
	free(text);
	vm_run_free(&top);
	free(ctl_client(v.sock, "resume", NULL));
	hog_down(&v);
}
END_TEST

/* A tmux server of its own (foreground, -D) on a socket in dir. */
struct tmux {
	struct bg_run server;
	char dir[64];
	const char *sock;
};

/* `tmux -S SOCK ARGS...`: its output (caller frees); asserts status 0. */
static char *tmux_run(struct tmux *t, const char *const args[])
{
	const char *argv[16] = { "tmux", "-S", t->sock };
	int n = 3;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	struct vm_run r;
	ck_assert_int_eq(prog_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "tmux %s: status %d:\n%s", argv[3], r.status, r.console);
	return r.console;
}

static void tmux_up(struct tmux *t)
{
	ck_assert_int_eq(test_dir_make(t->dir, "mv-toptmux"), 0);
	t->sock = strdup(test_dir_path(t->dir, "tmux.sock"));
	const char *conf = test_dir_path(t->dir, "tmux.conf"); /* empty: tmux's defaults */
	FILE *f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	const char *argv[] = { "tmux", "-D", "-f", conf, "-S", t->sock, NULL };
	ck_assert_int_eq(prog_start(&t->server, argv), 0);
	ck_assert_msg(wait_for_path(t->sock, 20), "no tmux server:\n%s", bg_output(&t->server));
}

static void tmux_down(struct tmux *t)
{
	struct vm_run r;
	free(tmux_run(t, (const char *const[]){ "kill-server", NULL }));
	ck_assert_int_eq(bg_wait(&t->server, &r, 20), 0);
	vm_run_free(&r);
	free((void *)t->sock);
	ck_assert_int_eq(test_dir_remove(t->dir), 0);
}

/* Polls the pane's screen until it shows every string in want; returns it. */
static char *screen_with(struct tmux *t, const char *const want[])
{
	const char *const capture[] = { "capture-pane", "-p", "-t", "top", NULL };
	char *screen = NULL;
	bool all = false;
	for (double t0 = test_now(); !all && test_now() - t0 < 30; usleep(all ? 0 : 50000)) {
		free(screen);
		screen = tmux_run(t, capture);
		all = true;
		for (int k = 0; want[k]; k++)
			all = all && strstr(screen, want[k]);
	}
	ck_assert_msg(all, "the screen never showed \"%s\"...:\n%s", want[0], screen);
	return screen;
}

static void press(struct tmux *t, const char *key)
{
	free(tmux_run(t, (const char *const[]){ "send-keys", "-t", "top", key, NULL }));
}

START_TEST(the_live_view_in_an_80x24_tmux_answers_sort_pause_and_quit_keys)
{
	struct hog_vm v;
	struct tmux t;
	char exe[PATH_MAX], command[PATH_MAX + 256], hog_row[32];
	hog_up(&v);
	tmux_up(&t);
	ck_assert_ptr_nonnull(realpath(test_memvisor_path(), exe));
	snprintf(command, sizeof(command), "'%s' top '%s' --interval 0.5; echo top-exit=$?; "
		 "sleep 600", exe, v.sock);
	snprintf(hog_row, sizeof(hog_row), "%5d memhog ", v.pid);
	free(tmux_run(&t, (const char *const[]){ "new-session", "-d", "-s", "top", "-x", "80",
						  "-y", "24", command, NULL }));
	free(screen_with(&t, (const char *const[]){ "sort rss", " >RES ", hog_row, NULL }));
	press(&t, "s");
	char *screen = screen_with(&t, (const char *const[]){ "sort vsz", " >VIRT ", hog_row,
							      NULL });
	ck_assert_msg(!strstr(screen, ">RES"), "two sort columns:\n%s", screen);
	free(screen);
	press(&t, "p");
	free(screen_with(&t, (const char *const[]){ "[view paused]", NULL }));
	press(&t, "q");
	free(screen_with(&t, (const char *const[]){ "top-exit=0", NULL }));
	tmux_down(&t);
	hog_down(&v);
}
END_TEST

/* `memvisor ARGS...` (no guest needed): its exit status; the output in out. */
static int memvisor_status(const char *const argv[], char **out)
{
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	*out = r.console;
	return r.status;
}

START_TEST(top_refuses_bad_arguments_and_a_socket_nobody_answers_with_status_2)
{
	static const char *const bad[][6] = {
		{ "top", NULL },
		{ "top", "/tmp/a.sock", "/tmp/b.sock", NULL },
		{ "top", "/tmp/a.sock", "--interval", "fast", NULL },
		{ "top", "/tmp/a.sock", "--interval", "61", NULL },
		{ "top", "/nonexistent/mv-top.sock", "--once", NULL },
	};
	char *out;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		ck_assert_msg(memvisor_status(bad[k], &out) == 2, "%s %s: %s", bad[k][1], bad[k][2],
			      out);
		ck_assert_msg(strstr(out, "usage: memvisor top") || strstr(out, "cannot connect"),
			      "%s", out);
		free(out);
	}
	ck_assert_int_eq(memvisor_status((const char *const[]){ "top", "--help", NULL }, &out), 0);
	ck_assert_msg(strstr(out, "s next sort"), "%s", out);
	free(out);
}
END_TEST

Suite *top_suite(void);
Suite *top_suite(void)
{
	Suite *s = suite_create("top");
	TCase *tc = tcase_create("top");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stats_processes_agree_with_the_guests_own_statm_and_fault_counts);
	tcase_add_test(tc, top_once_shows_what_stats_json_shows_for_the_same_paused_moment);
	tcase_add_test(tc, the_live_view_in_an_80x24_tmux_answers_sort_pause_and_quit_keys);
	tcase_add_test(tc, top_refuses_bad_arguments_and_a_socket_nobody_answers_with_status_2);
	suite_add_tcase(s, tc);
	return s;
}
