/*
 * test_stressng.c: Debian's stress-ng (dynamically linked, with its dozen
 * libraries) on the guest kernel, from build/guest/initrd-stress-ng.cpio
 * (`memvisor initrd --base`, see guest/user/user.mk), in a 64M guest with
 * swap: the vm stressor's every method with --verify under each
 * mm.policy, and the mmap stressor. The initrd takes about 34M of the
 * 64M, so the stressors' 24M and 16M swap.
 *
 * Runs are bounded by operations (--vm-ops, --mmap-ops), not by -t: a
 * count of operations is the same work on every host, while -t 10 is
 * whatever fits in 10 s. Measured on a PVM host (guest ring 0 emulated,
 * well under a MIPS): `-t 10` completes (alarm ends it) in about 6 min
 * of host time, 19 s of guest time, but its vm stressors finished 0
 * bogo ops in their 10 s (the first touch of 24M through swap is slow);
 * `--vm-ops 8` does 8 verified passes in 17 s of guest time, about
 * 5 min of host time, most of it the boot, the 34M initrd and the
 * dynamic linking of stress-ng's libraries. The mmap stressor makes a
 * system call per page (each one a #PF into the emulated ring 0): one op
 * per instance took 110 s of guest time, 4.5 min of host time, and
 * `--mmap-ops 8` did not end within 20 min on a loaded host; so the mmap
 * test runs `--mmap-ops 1`: 454-616 s of host time with 2-4 guests on
 * 2 cores, 976 s with 5, under CI's earlier 300 s kill when alone. Each
 * guest stops itself at 900 s, so a hung kernel costs 15 min, not 30.
 * stress-ng's temp
 * path is /proc (writable to root, as on Linux): the vm and mmap
 * stressors create no files, and the initrd is read-only. Each test waits
 * on stress-ng's verdict lines and exit status.
 *
 * One vm run is about 2.5-5 min of host time here, so `make check` runs
 * the vm stressor under lru (Linux's lists) and lfu-hist (a policy with a
 * history of its own); MEMVISOR_STRESSNG_POLICIES=all runs it under every
 * policy, or =fifo,arc under those named.
 */
#include "harness.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const policies[] = { "fifo", "clock", "lru", "lfu", "random",
					"arc", "s3fifo", "clockpro", "lfu-hist" };

/* Boots the stress-ng initrd in 64M with a fresh 128M swap file and runs
 * stress-ng with args under mm.policy=policy. */
static struct vm_run boot_stress_ng(const char *policy, const char *args)
{
	char swap[] = "/tmp/memvisor-stressng-XXXXXX", swaparg[64], cmdline[512];
	int fd = mkstemp(swap);
	struct vm_run r;

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(swap);
	snprintf(swaparg, sizeof(swaparg), "%s:128M", swap);
	snprintf(cmdline, sizeof(cmdline),
		 "console=ttyS0 mm.policy=%s init=/bin/stress-ng --temp-path /proc %s", policy,
		 args);
	const char *argv[] = { "run", "-m", "64M", "--timeout", "900", "--initrd",
			       test_build_path("guest/initrd-stress-ng.cpio"), "--swap", swaparg,
			       test_kernel_path(), "--", cmdline, NULL };

	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	unlink(swap);
	return r;
}

static const char *tail_of(const struct vm_run *r)
{
	size_t n = strlen(r->console);

	return n > 3000 ? r->console + n - 3000 : r->console;
}

/* stress-ng passed: its own "successful run completed" line (not
 * "unsuccessful"), no "fail:" line (a verification error is one), exit
 * status 0, and the kernel did not oops. */
static void assert_stress_ng_passed(const struct vm_run *r)
{
	ck_assert_msg(r->status == 0, "status %d:\n%s", r->status, tail_of(r));
	ck_assert_msg(strstr(r->console, "] successful run completed"), "%s", tail_of(r));
	ck_assert_msg(!strstr(r->console, " fail: "), "%s", tail_of(r));
	ck_assert_msg(!strstr(r->console, "Oops") && !strstr(r->console, "panic"), "%s",
		      tail_of(r));
	ck_assert_msg(strstr(r->console, "init: /bin/stress-ng exited with status 0"), "%s",
		      tail_of(r));
}

/* The policies this run covers (MEMVISOR_STRESSNG_POLICIES, see above). */
static const char *selected[sizeof(policies) / sizeof(policies[0])];

static bool policy_named(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static int select_policies(void)
{
	const char *list = getenv("MEMVISOR_STRESSNG_POLICIES");
	int n = 0;

	if (!list || !*list)
		list = "lru,lfu-hist";
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (!strcmp(list, "all") || policy_named(list, policies[i]))
			selected[n++] = policies[i];
	return n;
}

START_TEST(vm_every_method_verifies_24m_under_each_policy)
{
	struct vm_run r = boot_stress_ng(selected[_i],
					 "--vm 2 --vm-bytes 24M --vm-method all --verify --vm-ops 8");

	assert_stress_ng_passed(&r);
	ck_assert_msg(strstr(r.console, "dispatching hogs: 2 vm"), "%s", tail_of(&r));
	vm_run_free(&r);
}
END_TEST

START_TEST(mmap_of_16m_passes)
{
	struct vm_run r = boot_stress_ng("lru", "--mmap 2 --mmap-bytes 16M --mmap-ops 1");

	assert_stress_ng_passed(&r);
	ck_assert_msg(strstr(r.console, "dispatching hogs: 2 mmap"), "%s", tail_of(&r));
	vm_run_free(&r);
}
END_TEST

Suite *stressng_suite(void);
Suite *stressng_suite(void)
{
	Suite *s = suite_create("stressng");
	TCase *t = tcase_create("stress-ng");

	tcase_set_timeout(t, 1000);     /* each guest stops itself at 900 s */
	tcase_add_loop_test(t, vm_every_method_verifies_24m_under_each_policy, 0,
			    select_policies());
	tcase_add_test(t, mmap_of_16m_passes);
	suite_add_tcase(s, t);
	return s;
}
