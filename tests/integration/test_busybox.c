/*
 * test_busybox.c: Debian's busybox-static (glibc, static; a program
 * nobody here wrote) on the guest kernel. One boot of
 * build/guest/initrd-busybox.cpio runs /etc/bbmem.sh (guest/user/bbmem.sh)
 * under busybox sh: two memhogs in the background, then ps, ps -o, top,
 * each hog's statm, free, /proc/meminfo, uname -a, ls /proc, a pipe and
 * signals (a killed background job, a trap), each after a "== NAME" line. The tests read that console: what the
 * tools print must agree with the /proc files read in the same guest, and
 * the system calls busybox makes that the kernel lacks must answer ENOSYS
 * with one log line each, never an oops.
 */
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The one boot every test reads (an unchecked fixture runs it once). */
static struct vm_run bb;

static void boot_bbmem(void)
{
	const char *argv[] = { "run", "-m", "128M", "--timeout", "240", "--initrd",
			       test_build_path("guest/initrd-busybox.cpio"), test_kernel_path(), "--",
			       "console=ttyS0 init=/bin/busybox sh /etc/bbmem.sh", NULL };

	if (vm_run(&bb, argv)) {
		bb.status = -1;
		bb.console = strdup("");
		return;
	}
	vm_run_strip_cr(&bb);
}

static void free_bbmem(void)
{
	vm_run_free(&bb);
}

static const char *tail(void)
{
	size_t n = strlen(bb.console);

	return n > 3000 ? bb.console + n - 3000 : bb.console;
}

/* The text after the line "== NAME" (the script's section header). */
static const char *section(const char *name)
{
	char head[64];
	const char *p;

	snprintf(head, sizeof(head), "\n== %s\n", name);
	p = strstr(bb.console, head);
	ck_assert_msg(p != NULL, "no section \"%s\" (status %d):\n%s", name, bb.status, tail());
	return p + strlen(head);
}

/* Where s first stands in the section starting at text, or NULL. */
static const char *line_with(const char *text, const char *s)
{
	const char *end = strstr(text, "\n== "), *p = strstr(text, s);

	return p && (!end || p < end) ? p : NULL;
}

/* The value of "NAME: N kB" in the meminfo section. */
static long meminfo_kb(const char *name)
{
	const char *p = line_with(section("meminfo"), name);
	long v = -1;

	ck_assert_msg(p && sscanf(p + strlen(name), " %ld kB", &v) == 1, "no %s:\n%s", name, tail());
	return v;
}

/* The two memhog pids the script printed ("== pids A B"). */
static void hog_pids(int *a, int *b)
{
	const char *p = strstr(bb.console, "\n== pids ");

	ck_assert_msg(p && sscanf(p, "\n== pids %d %d", a, b) == 2, "no pids:\n%s", tail());
}

/* statm's first two fields (size, resident, in pages) for pid. */
static void statm_of(int pid, long *size, long *res)
{
	char name[32];

	snprintf(name, sizeof(name), "statm %d", pid);
	const char *p = section(name);
	while (*p && (*p < '0' || *p > '9'))  /* past the kernel's own log lines */
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "";
	ck_assert_msg(sscanf(p, "%ld %ld", size, res) == 2, "no statm of %d:\n%s", pid, tail());
}

START_TEST(the_script_runs_to_the_end_and_busybox_exits_zero)
{
	ck_assert_msg(bb.status == 0, "status %d:\n%s", bb.status, tail());
	section("done");
	ck_assert_msg(console_has(&bb, "init: /bin/busybox exited with status 0"), "%s", tail());
}
END_TEST

START_TEST(free_shows_the_total_and_free_of_proc_meminfo_in_the_same_guest)
{
	const char *mem = line_with(section("free"), "Mem:");
	const char *swap = line_with(section("free"), "Swap:");
	long total = -1, used = -1, free_kb = -1, shared = -1, cache = -1, swap_total = -1;

	ck_assert_msg(mem && sscanf(mem, "Mem: %ld %ld %ld %ld %ld", &total, &used, &free_kb, &shared,
				    &cache) == 5, "%s", tail());
	ck_assert_msg(swap && sscanf(swap, "Swap: %ld", &swap_total) == 1, "%s", tail());
	ck_assert_int_eq(total, meminfo_kb("MemTotal:"));
	ck_assert_int_eq(swap_total, meminfo_kb("SwapTotal:"));
	ck_assert_int_eq(used, total - free_kb - cache);     /* procps's and busybox's "used" */
	/* free and cat are two processes run one after the other: what the
	 * first freed and the second mapped is the only difference allowed */
	ck_assert_msg(labs(free_kb - meminfo_kb("MemFree:")) <= 512, "free %ld kB, MemFree %ld kB\n%s",
		      free_kb, meminfo_kb("MemFree:"), tail());
}
END_TEST

START_TEST(ps_lists_init_the_shell_both_workloads_and_kswapd)
{
	const char *ps = section("ps");
	char row[96];
	int a, b;

	hog_pids(&a, &b);
	snprintf(row, sizeof(row), "%5d 0        /bin/memhog 2M --hold\n", a);
	ck_assert_msg(line_with(ps, row), "no \"%s\":\n%s", row, tail());
	snprintf(row, sizeof(row), "%5d 0        /bin/memhog 3M --hold\n", b);
	ck_assert_msg(line_with(ps, row), "no \"%s\":\n%s", row, tail());
	ck_assert_msg(line_with(ps, "    1 0        /sbin/init /bin/busybox sh /etc/bbmem.sh\n"), "%s",
		      tail());
	ck_assert_msg(line_with(ps, "/bin/busybox sh /etc/bbmem.sh\n"), "%s", tail());
	ck_assert_msg(line_with(ps, "[kswapd0]"), "%s", tail());
}
END_TEST

/* The VSZ and RSS columns of pid's row in ps -o pid,ppid,vsz,rss,stat,args. */
static void ps_o_row(int pid, long *vsz, long *rss)
{
	const char *p = section("ps -o");
	char start[16];
	int got_pid = -1, ppid = -1;

	snprintf(start, sizeof(start), "\n%5d ", pid);
	p = line_with(p, start);
	ck_assert_msg(p && sscanf(p + 1, "%d %d %ld %ld", &got_pid, &ppid, vsz, rss) == 4, "pid %d:\n%s",
		      pid, tail());
}

START_TEST(ps_o_vsz_and_rss_are_each_workloads_statm_size_and_resident)
{
	int pids[2];

	hog_pids(&pids[0], &pids[1]);
	for (int i = 0; i < 2; i++) {
		long vsz, rss, size, res;
		ps_o_row(pids[i], &vsz, &rss);
		statm_of(pids[i], &size, &res);
		ck_assert_int_eq(vsz, size * 4);
		ck_assert_int_eq(rss, res * 4);
		ck_assert_msg(res >= (i ? 768 : 512), "pid %d holds %ld pages\n%s", pids[i], res, tail());
	}
}
END_TEST

START_TEST(top_prints_memory_load_and_a_process_table_with_statm_sizes)
{
	const char *top = section("top");
	int pids[2];

	ck_assert_msg(line_with(top, "Mem: ") && line_with(top, "Load average: "), "%s", tail());
	ck_assert_msg(line_with(top, "  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND\n"), "%s",
		      tail());
	hog_pids(&pids[0], &pids[1]);
	for (int i = 0; i < 2; i++) {
		char start[16];
		long size, res, vsz = -1;
		int pid = -1, ppid = -1;
		char user[16], stat[8];
		snprintf(start, sizeof(start), "\n%5d ", pids[i]);
		const char *row = line_with(top, start);
		ck_assert_msg(row && sscanf(row + 1, "%d %d %15s %7s %ld", &pid, &ppid, user, stat,
					    &vsz) == 5, "pid %d:\n%s", pids[i], tail());
		statm_of(pids[i], &size, &res);
		ck_assert_int_eq(vsz, size * 4);
	}
}
END_TEST

START_TEST(uname_a_says_linux_on_x86_64)
{
	const char *u = section("uname");

	ck_assert_msg(!strncmp(u, "Linux memvisor ", 15), "%s", tail());
	ck_assert_msg(line_with(u, " x86_64 GNU/Linux\n"), "%s", tail());
}
END_TEST

START_TEST(ls_proc_lists_the_workloads_directories_and_the_global_files)
{
	const char *ls = section("ls /proc");
	int a, b;
	char pid[16];

	hog_pids(&a, &b);
	snprintf(pid, sizeof(pid), "%d ", a);
	ck_assert_msg(line_with(ls, pid), "no %d:\n%s", a, tail());
	snprintf(pid, sizeof(pid), "%d ", b);
	ck_assert_msg(line_with(ls, pid), "no %d:\n%s", b, tail());
	ck_assert_msg(line_with(ls, "meminfo") && line_with(ls, "loadavg") && line_with(ls, "self"),
		      "%s", tail());
}
END_TEST

START_TEST(a_pipe_carries_echo_into_cat)
{
	ck_assert_msg(!strncmp(section("pipe"), "through a pipe\n", 15), "%s", tail());
}
END_TEST

START_TEST(sh_kill_of_a_background_job_gives_status_143_and_a_trap_handler_runs)
{
	const char *s = section("signals");

	ck_assert_msg(line_with(s, "status=143"), "want 128 + SIGTERM:\n%s", tail());
	ck_assert_msg(line_with(s, "caught USR1") && line_with(s, "after the trap") &&
		      strstr(s, "caught USR1") < strstr(s, "after the trap"), "%s", tail());
}
END_TEST

START_TEST(calls_busybox_needs_that_are_missing_answer_enosys_with_one_line_each)
{
	const char *line = "busybox[4]: system call rseq (334) not implemented: ENOSYS\n";
	const char *first = strstr(bb.console, line);

	ck_assert_msg(first && !strstr(first + 1, line), "want exactly one \"%s\":\n%s", line, tail());
	ck_assert_msg(!console_has(&bb, "Oops") && !console_has(&bb, "panic"), "%s", tail());
	ck_assert_msg(!console_has(&bb, "stack smashing"), "%s", tail());
}
END_TEST

Suite *busybox_suite(void);
Suite *busybox_suite(void)
{
	Suite *s = suite_create("busybox");
	TCase *t = tcase_create("bbmem");

	tcase_set_timeout(t, 300);
	tcase_add_unchecked_fixture(t, boot_bbmem, free_bbmem);
	tcase_add_test(t, the_script_runs_to_the_end_and_busybox_exits_zero);
	tcase_add_test(t, free_shows_the_total_and_free_of_proc_meminfo_in_the_same_guest);
	tcase_add_test(t, ps_lists_init_the_shell_both_workloads_and_kswapd);
	tcase_add_test(t, ps_o_vsz_and_rss_are_each_workloads_statm_size_and_resident);
	tcase_add_test(t, top_prints_memory_load_and_a_process_table_with_statm_sizes);
	tcase_add_test(t, uname_a_says_linux_on_x86_64);
	tcase_add_test(t, ls_proc_lists_the_workloads_directories_and_the_global_files);
	tcase_add_test(t, a_pipe_carries_echo_into_cat);
	tcase_add_test(t, sh_kill_of_a_background_job_gives_status_143_and_a_trap_handler_runs);
	tcase_add_test(t, calls_busybox_needs_that_are_missing_answer_enosys_with_one_line_each);
	suite_add_tcase(s, t);
	return s;
}
