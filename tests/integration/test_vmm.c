/*
 * test_vmm.c: `memvisor run` end to end with the tiny test guest: PVH boot,
 * start_info contents, exit statuses, console redirection, errors, and the
 * mode of the crash dumps and snapshots a run leaves.
 */
#include "harness.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TINY test_build_path("guests/tiny.elf")

static struct vm_run run_tiny(const char *const argv[])
{
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	return r;
}

START_TEST(tiny_guest_boots_and_exits_with_the_status_it_writes)
{
	const char *argv[] = { "run", "-m", "64M", "--timeout", "60", TINY, "--", "exit=7", NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_msg(r.status == 7, "status %d, output:\n%s", r.status, r.console);
	ck_assert(console_has(&r, "tiny: hello from PVH"));
	ck_assert(console_has(&r, "tiny: PVH magic 0x00000000336ec578 version 1"));
	ck_assert(console_has(&r, "tiny: bye"));
	vm_run_free(&r);
}
END_TEST

START_TEST(tiny_guest_boots_with_two_vcpus)
{
	const char *argv[] = { "run", "-c", "2", "-m", "64M", "--timeout", "60", TINY, NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_msg(r.status == 0, "status %d, output:\n%s", r.status, r.console);
	ck_assert(console_has(&r, "tiny: bye"));
	vm_run_free(&r);
}
END_TEST

START_TEST(guest_sees_the_command_line_and_words_after_the_double_dash)
{
	const char *argv[] = { "run", "--cmdline", "console=ttyS0 foo=bar", TINY, "--",
			       "baz", "exit=0", NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(console_has(&r, "tiny: cmdline: console=ttyS0 foo=bar baz exit=0 virtio_mmio.device=4K@0xd0000000:5\n"),
		      "%s", r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(device_announcements_stay_among_the_kernel_parameters_before_a_double_dash)
{
	const char *argv[] = { "run", TINY, "--", "exit=0", "--", "for", "init", NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(console_has(&r, "tiny: cmdline: console=ttyS0 exit=0 "
				  "virtio_mmio.device=4K@0xd0000000:5 -- for init\n"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(guest_sees_the_e820_map_of_a_64_mib_machine)
{
	const char *argv[] = { "run", "-m", "64M", TINY, NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert(console_has(&r, "e820 0x0000000000000000 0x00000000000a0000 type 1\n"));
	ck_assert(console_has(&r, "e820 0x00000000000a0000 0x0000000000060000 type 2\n"));
	ck_assert(console_has(&r, "e820 0x0000000000100000 0x0000000003f00000 type 1\n"));
	vm_run_free(&r);
}
END_TEST

START_TEST(guest_with_5_gib_gets_ram_above_4_gib)
{
	const char *argv[] = { "run", "-m", "5G", "--backing", "memfd", TINY, NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_msg(r.status == 0, "%s", r.console);
	ck_assert(console_has(&r, "e820 0x0000000000100000 0x00000000bff00000 type 1\n"));
	ck_assert(console_has(&r, "e820 0x0000000100000000 0x0000000080000000 type 1\n"));
	vm_run_free(&r);
}
END_TEST

START_TEST(initrd_reaches_the_guest_as_the_pvh_module)
{
	char path[] = "/tmp/memvisor-initrd-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "INITRD-CONTENTS", 15), 15);
	close(fd);
	const char *argv[] = { "run", "--initrd", path, TINY, NULL };
	struct vm_run r = run_tiny(argv);
	unlink(path);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(console_has(&r, "tiny: module 0 size 15 starts \"INITRD-CONTENTS\""),
		      "%s", r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(triple_fault_gives_status_121_and_a_register_dump_only_of_real_registers)
{
	const char *argv[] = { "run", "--crash-dump", "none", TINY, "--", "fault=triple", NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_msg(r.status == 121, "status %d\n%s", r.status, r.console);
	ck_assert(console_has(&r, "guest shutdown (triple fault)"));
	/* Protected mode at the fault (PE|ET, the tiny guest's code segment),
	 * unless KVM reset the vCPU first (AMD SVM does at a shutdown): then
	 * memvisor says so and prints no registers that would read as the
	 * state at the fault. */
	if (console_has(&r, "no register dump: KVM reset the vCPU")) {
		ck_assert_msg(!console_has(&r, "RIP=0") && !console_has(&r, "CR0=0"), "%s",
			      r.console);
	} else {
		ck_assert_msg(console_has(&r, "RIP=") && console_has(&r, "EFER="), "%s", r.console);
		ck_assert_msg(console_has(&r, "CR0=0000000000000011") &&
			      console_has(&r, "CS=0008"), "%s", r.console);
	}
	vm_run_free(&r);
}
END_TEST

/* The one file in dir whose name starts with prefix, into path. */
static void find_file(const char *dir, const char *prefix, char *path, size_t len)
{
	DIR *d = opendir(dir);
	const struct dirent *e;
	int found = 0;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			int n = snprintf(path, len, "%s/%s", dir, e->d_name);
			ck_assert(n > 0 && (size_t)n < len);
			found++;
		}
	closedir(d);
	ck_assert_msg(found == 1, "%d files %s* in %s", found, prefix, dir);
}

static unsigned file_mode(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_mode & 07777;
}

START_TEST(crash_dumps_and_snapshots_are_created_readable_by_their_owner_only)
{
	char dir[] = "/tmp/memvisor-dumps-XXXXXX", prefix[64], dump[512], snap[512];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);        /* the default dump goes to $TMPDIR */
	umask(022);                      /* what a login shell has: 0644 would stick */
	snprintf(prefix, sizeof(prefix), "%s/snap", dir);
	const char *argv[] = { "run", "-m", "16M", "--snapshot-at", "exit", "--snapshot-prefix",
			       prefix, TINY, "--", "fault=triple", NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_msg(r.status == 121, "status %d\n%s", r.status, r.console);
	ck_assert_msg(console_has(&r, "crash dump written to"), "%s", r.console);
	find_file(dir, "memvisor-crash-", dump, sizeof(dump));
	find_file(dir, "snap-exit", snap, sizeof(snap));
	ck_assert_uint_eq(file_mode(dump), 0600);
	ck_assert_uint_eq(file_mode(snap), 0600);
	unlink(dump);
	unlink(snap);
	ck_assert_int_eq(rmdir(dir), 0);
	vm_run_free(&r);
}
END_TEST

START_TEST(timeout_stops_a_running_guest_with_status_124)
{
	const char *argv[] = { "run", "--timeout", "0.3", TINY, "--", "quiet", "loop=4000000000",
			       NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_msg(r.status == 124, "status %d\n%s", r.status, r.console);
	ck_assert(console_has(&r, "--timeout"));
	vm_run_free(&r);
}
END_TEST

START_TEST(console_option_writes_guest_output_to_a_file)
{
	char path[] = "/tmp/memvisor-console-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	const char *argv[] = { "run", "--console", path, TINY, NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_int_eq(r.status, 0);
	ck_assert(!console_has(&r, "tiny: bye"));
	FILE *f = fopen(path, "r");
	char buf[4096] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	unlink(path);
	ck_assert_msg(strstr(buf, "tiny: bye") != NULL, "console file: %s", buf);
	vm_run_free(&r);
}
END_TEST

/* Usage and input errors: status 2 and one clear line. */
static const struct {
	const char *argv[8];
	const char *message;
} bad_invocations[] = {
	{ { "run", NULL }, "no KERNEL given" },
	{ { "run", "-m", "12X", "k", NULL }, "unknown size suffix" },
	{ { "run", "-m", "0", "k", NULL }, "out of range" },
	{ { "run", "-m", "10000000", "k", NULL }, "not a whole number of 4 KiB pages" },
	{ { "run", "-c", "0", "k", NULL }, "--cpus" },
	{ { "run", "--backing", "floppy", "k", NULL }, "--backing" },
	{ { "run", "--timeout", "soon", "k", NULL }, "--timeout" },
	{ { "run", "/nonexistent/kernel.elf", NULL }, "No such file" },
	{ { "run", "k1", "k2", NULL }, "one KERNEL expected" },
	{ { "run", "-m", "64M", "--numa", "0:48M,1:8M", "k", NULL }, "add up to 56M, not -m 64M" },
	{ { "run", "-c", "2", "--numa", "0:32M:cpus=0,1:32M:cpus=1-2", "k", NULL },
	  "names vCPU 2" },
	{ { "run", "-m", "64M", "--numa", "2,dist=10,20,10", "k", NULL }, "2 nodes need 4" },
	{ { "frobnicate", NULL }, "unknown command" },
};

START_TEST(bad_invocation_is_status_2_with_a_message)
{
	struct vm_run r = run_tiny(bad_invocations[_i].argv);
	ck_assert_msg(r.status == 2, "%s: status %d", bad_invocations[_i].message, r.status);
	ck_assert_msg(console_has(&r, bad_invocations[_i].message), "want '%s' in:\n%s",
		      bad_invocations[_i].message, r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(a_file_that_is_not_elf_is_rejected_with_status_2)
{
	const char *argv[] = { "run", "Makefile", NULL };
	struct vm_run r = run_tiny(argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert(console_has(&r, "not an ELF file"));
	vm_run_free(&r);
}
END_TEST

START_TEST(help_and_version_exit_0)
{
	const char *h[] = { "run", "--help", NULL }, *v[] = { "--version", NULL };
	struct vm_run r = run_tiny(h);
	ck_assert_int_eq(r.status, 0);
	ck_assert(console_has(&r, "usage: memvisor run"));
	ck_assert(console_has(&r, "124 timeout"));
	vm_run_free(&r);
	r = run_tiny(v);
	ck_assert_int_eq(r.status, 0);
	ck_assert(console_has(&r, "memvisor "));
	vm_run_free(&r);
}
END_TEST

Suite *vmm_suite(void);
Suite *vmm_suite(void)
{
	Suite *s = suite_create("vmm");
	TCase *boot = tcase_create("boot");
	tcase_set_timeout(boot, 120);
	tcase_add_test(boot, tiny_guest_boots_and_exits_with_the_status_it_writes);
	tcase_add_test(boot, tiny_guest_boots_with_two_vcpus);
	tcase_add_test(boot, guest_sees_the_command_line_and_words_after_the_double_dash);
	tcase_add_test(boot, guest_sees_the_e820_map_of_a_64_mib_machine);
	tcase_add_test(boot, device_announcements_stay_among_the_kernel_parameters_before_a_double_dash);
	tcase_add_test(boot, guest_with_5_gib_gets_ram_above_4_gib);
	tcase_add_test(boot, initrd_reaches_the_guest_as_the_pvh_module);
	tcase_add_test(boot, console_option_writes_guest_output_to_a_file);
	suite_add_tcase(s, boot);

	TCase *end = tcase_create("endings");
	tcase_set_timeout(end, 120);
	tcase_add_test(end, triple_fault_gives_status_121_and_a_register_dump_only_of_real_registers);
	tcase_add_test(end, crash_dumps_and_snapshots_are_created_readable_by_their_owner_only);
	tcase_add_test(end, timeout_stops_a_running_guest_with_status_124);
	tcase_add_loop_test(end, bad_invocation_is_status_2_with_a_message, 0,
			    (int)(sizeof(bad_invocations) / sizeof(bad_invocations[0])));
	tcase_add_test(end, a_file_that_is_not_elf_is_rejected_with_status_2);
	tcase_add_test(end, help_and_version_exit_0);
	suite_add_tcase(s, end);
	return s;
}
