/*
 * test_dynlink.c: dynamically linked Debian programs on the guest kernel,
 * from build/guest/initrd-dynlink.cpio (`memvisor initrd --base`, see
 * guest/user/user.mk). One boot runs execbad: a glibc program built with
 * the host's gcc runs through /lib64/ld-linux-x86-64.so.2 from the initrd
 * (twice: the second run finds ld.so's and libc's pages in the page
 * cache the first filled; and beside a holding copy, its libc text is
 * Shared_Clean in smaps), and bad interpreters fail execve with Linux's
 * errors. Another runs Debian's memtester (glibc, dynamically linked):
 * `memtester 16M 1` passes in a 64M guest, and in a 32M one with swap. On the host, `memvisor
 * initrd`'s failures are one line and exit status 2, leaving no archive.
 */
#include "harness.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The execbad boot every "execbad" test reads (an unchecked fixture runs it once). */
static struct vm_run eb;

/* Boots the dynlink initrd; swap: a swap file (created at 64M), or NULL. */
static void boot_swap(struct vm_run *r, const char *mem, const char *swap, const char *cmdline)
{
	const char *argv[] = { "run", "-m", mem, "--timeout", "900", "--initrd",
			       test_build_path("guest/initrd-dynlink.cpio"), test_kernel_path(),
			       swap ? "--swap" : "--", swap ? swap : cmdline,
			       swap ? "--" : NULL, cmdline, NULL };

	if (vm_run(r, argv)) {
		r->status = -1;
		r->console = strdup("");
		return;
	}
	vm_run_strip_cr(r);
}

static void boot_execbad(void)
{
	boot_swap(&eb, "64M", NULL, "console=ttyS0 init=/bin/execbad");
}

static void free_execbad(void)
{
	vm_run_free(&eb);
}

static const char *tail_of(const struct vm_run *r)
{
	size_t n = strlen(r->console);

	return n > 3000 ? r->console + n - 3000 : r->console;
}

/* The text after the n-th (0-based) occurrence of prefix, or "". */
static const char *nth_after(const char *text, const char *prefix, int n)
{
	const char *p = text;

	for (int i = 0; p && i <= n; i++) {
		p = strstr(p, prefix);
		if (p)
			p += strlen(prefix);
	}
	return p ? p : "";
}

START_TEST(a_glibc_program_runs_and_bad_interpreters_fail_execve_with_linux_errors)
{
	ck_assert_msg(eb.status == 0, "status %d:\n%s", eb.status, tail_of(&eb));
	ck_assert_msg(console_has(&eb, "execbad: 10 passed, 0 failed"), "%s", tail_of(&eb));
	ck_assert_msg(console_has(&eb, "dynhello: hello from glibc\n"), "%s", tail_of(&eb));
	ck_assert_msg(!console_has(&eb, "Oops") && !console_has(&eb, "Kernel panic"), "%s",
		      tail_of(&eb));
}
END_TEST

START_TEST(the_second_run_finds_the_libraries_in_the_page_cache)
{
	long first = -1, second = -1, unused;

	ck_assert_msg(sscanf(nth_after(eb.console, "dynhello: majflt ", 0), "%ld minflt %ld",
			     &first, &unused) == 2, "%s", tail_of(&eb));
	ck_assert_msg(sscanf(nth_after(eb.console, "dynhello: majflt ", 1), "%ld minflt %ld",
			     &second, &unused) == 2, "%s", tail_of(&eb));
	/* the first run reads ld.so, libc and itself from the initrd */
	ck_assert_msg(first > 0, "first run majflt %ld", first);
	ck_assert_msg(second < first, "majflt first %ld, second %ld", first, second);
}
END_TEST

START_TEST(statm_counts_the_mapped_library_pages_as_shared)
{
	long size = -1, resident = -1, shared = -1;

	ck_assert_msg(sscanf(nth_after(eb.console, "dynhello: statm ", 0), "%ld %ld %ld", &size,
			     &resident, &shared) == 3, "%s", tail_of(&eb));
	ck_assert_msg(shared > 0 && shared <= resident && resident <= size,
		      "statm size %ld resident %ld shared %ld", size, resident, shared);
}
END_TEST

/* memtester 16M 1 in a guest of mem (with a swap file when swap): it passes. */
static void memtester_passes(const char *mem, bool swap)
{
	char dir[64];
	struct vm_run r;

	ck_assert_int_eq(test_dir_make(dir, "mv-dynlink"), 0);
	boot_swap(&r, mem, swap ? test_dir_path(dir, "swap.img") : NULL,
		  "console=ttyS0 init=/bin/memtester 16M 1");
	test_dir_remove(dir);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail_of(&r));
	ck_assert_msg(console_has(&r, "memtester version 4."), "%s", tail_of(&r));
	ck_assert_msg(console_has(&r, "Compare XOR         : ok"), "%s", tail_of(&r));
	ck_assert_msg(console_has(&r, "\nDone.\n"), "%s", tail_of(&r));
	ck_assert_msg(console_has(&r, "init: /bin/memtester exited with status 0"), "%s",
		      tail_of(&r));
	ck_assert_msg(!console_has(&r, "FAILURE"), "%s", tail_of(&r));
	vm_run_free(&r);
}

START_TEST(debian_memtester_16m_passes_in_a_64m_guest)
{
	memtester_passes("64M", false);
}
END_TEST

START_TEST(debian_memtester_16m_passes_in_a_32m_guest_with_swap)
{
	memtester_passes("32M", true);
}
END_TEST

/*
 * Debian's own ls (coreutils, dynamically linked): ls -l asks each file's
 * extended attributes (lgetxattr, getxattr: EOPNOTSUPP here, as on a file
 * system without them) and lists the initrd with Linux's modes.
 */
START_TEST(debian_ls_lists_the_initrd_in_long_format)
{
	struct vm_run r;
	boot_swap(&r, "128M", NULL, "console=ttyS0 init=/bin/ls -l /bin");
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail_of(&r));
	ck_assert_msg(console_has(&r, "-rwxr-xr-x 1 0 0 "), "%s", tail_of(&r));
	ck_assert_msg(console_has(&r, " memtester\n") && console_has(&r, " ls\n"), "%s",
		      tail_of(&r));
	ck_assert_msg(!console_has(&r, "xattr") && !console_has(&r, "prctl"), "%s", tail_of(&r));
	ck_assert_msg(!console_has(&r, "/bin/ls: "), "ls complained:\n%s", tail_of(&r));
	vm_run_free(&r);
}
END_TEST

/* Runs `memvisor initrd -o OUT what` expecting status 2, one line naming why, no OUT. */
static void initrd_fails(const char *what, const char *why)
{
	char out[256];
	struct vm_run r;

	snprintf(out, sizeof(out), "%s", test_build_path("initrd-fail-test.cpio"));
	const char *argv[] = { "initrd", "-o", out, what, NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 2, "status %d: %s", r.status, r.console);
	ck_assert_msg(strstr(r.console, why) && strchr(r.console, '\n') == r.console + r.len - 1,
		      "want one line with \"%s\": %s", why, r.console);
	ck_assert_int_ne(access(out, F_OK), 0);
	vm_run_free(&r);
}

START_TEST(initrd_of_a_missing_program_is_status_2_and_one_line)
{
	initrd_fails("/nonexistent/prog", "/nonexistent/prog: no such program");
}
END_TEST

START_TEST(initrd_of_a_file_that_is_not_elf_is_status_2_and_one_line)
{
	initrd_fails("guest/user/bbmem.sh", "guest/user/bbmem.sh: not an x86-64 ELF file");
}
END_TEST

Suite *dynlink_suite(void);
Suite *dynlink_suite(void)
{
	Suite *s = suite_create("dynlink");
	TCase *t = tcase_create("execbad");
	TCase *m = tcase_create("memtester");

	tcase_set_timeout(t, 300);
	tcase_add_unchecked_fixture(t, boot_execbad, free_execbad);
	tcase_add_test(t, a_glibc_program_runs_and_bad_interpreters_fail_execve_with_linux_errors);
	tcase_add_test(t, the_second_run_finds_the_libraries_in_the_page_cache);
	tcase_add_test(t, statm_counts_the_mapped_library_pages_as_shared);
	tcase_set_timeout(m, 1000);
	tcase_add_test(m, debian_memtester_16m_passes_in_a_64m_guest);
	tcase_add_test(m, debian_memtester_16m_passes_in_a_32m_guest_with_swap);
	tcase_add_test(m, debian_ls_lists_the_initrd_in_long_format);
	TCase *c = tcase_create("initrd_cli");
	tcase_add_test(c, initrd_of_a_missing_program_is_status_2_and_one_line);
	tcase_add_test(c, initrd_of_a_file_that_is_not_elf_is_status_2_and_one_line);
	suite_add_tcase(s, t);
	suite_add_tcase(s, m);
	suite_add_tcase(s, c);
	return s;
}
