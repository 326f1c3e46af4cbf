/*
 * test_top.c: the per-process figures of a running guest read from
 * outside. One guest runs memhog as its workload: it maps and touches
 * 4 MiB, prints its own /proc/self/statm and its fault counts
 * (getrusage), then sleeps. With the guest paused, the `processes` of
 * `memvisor stats --json` must give the very same figures for its pid.
 */
#include "ctl.h"

#include <check.h>
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

Suite *top_suite(void);
Suite *top_suite(void)
{
	Suite *s = suite_create("top");
	TCase *tc = tcase_create("processes");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stats_processes_agree_with_the_guests_own_statm_and_fault_counts);
	suite_add_tcase(s, tc);
	return s;
}
