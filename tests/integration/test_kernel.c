/*
 * test_kernel.c: the guest kernel boots on memvisor (64 MiB and 1 GiB) and,
 * unchanged, on QEMU's microvm machine; its console shows the banner, the
 * e820 map, the page-allocator hand-over and passing self-tests; crashes
 * end the VM with the documented statuses (abi/exit_status.h).
 */
#include "harness.h"
#include "exit_status.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vm_run boot_memvisor(const char *mem, const char *cmdline_extra)
{
	const char *argv[] = { "run", "-m", mem, "--timeout", "120", "--crash-dump", "none",
			       test_kernel_path(), "--", "console=ttyS0", cmdline_extra, NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	return r;
}

/* The "Memory: N pages ... handed" figure, or -1 when absent. */
static long handed_pages(const struct vm_run *r)
{
	const char *p = r->console ? strstr(r->console, "Memory: ") : NULL;
	long n;

	if (!p || sscanf(p, "Memory: %ld pages", &n) != 1 || !strstr(p, "handed to the page allocator"))
		return -1;
	return n;
}

static void assert_clean_boot(const struct vm_run *r, long ram_mib)
{
	ck_assert_msg(console_has(r, "memvisor guest kernel version"), "%s", r->console);
	ck_assert_msg(console_has(r, "Command line: console=ttyS0"), "%s", r->console);
	ck_assert_msg(console_has(r, "BIOS-e820: [mem 0x0000000000000000-"), "%s", r->console);
	ck_assert_msg(console_has(r, "] usable"), "%s", r->console);
	long handed = handed_pages(r), ram_pages = ram_mib << 8;
	/* All RAM but the low MiB, the kernel image, page tables and the page
	 * descriptors (72 bytes a page, every owner's words in one: 9/512 of
	 * RAM, which the 1/64 and 1024 pages below still cover). */
	ck_assert_msg(handed > ram_pages - ram_pages / 64 - 1024 && handed < ram_pages,
		      "handed %ld of %ld pages:\n%s", handed, ram_pages, r->console);
	ck_assert_msg(console_has(r, "selftest: write to kernel text at"), "%s", r->console);
	ck_assert_msg(console_has(r, "selftest: all "), "%s", r->console);
	ck_assert_msg(!console_has(r, "FAILED"), "%s", r->console);
}

/* Boots with mem MiB of RAM; the map must end with RAM up to mem MiB. */
static void check_memvisor_boot(long mem_mib, const char *mem, const char *e820_line)
{
	struct vm_run r = boot_memvisor(mem, NULL);
	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	assert_clean_boot(&r, mem_mib);
	ck_assert_msg(console_has(&r, e820_line), "%s", r.console);
	vm_run_free(&r);
}

START_TEST(kernel_boots_in_64_mib_and_passes_its_self_tests)
{
	check_memvisor_boot(64, "64M",
			    "BIOS-e820: [mem 0x0000000000100000-0x0000000003ffffff] usable");
}
END_TEST

START_TEST(kernel_boots_in_1_gib_and_passes_its_self_tests)
{
	check_memvisor_boot(1024, "1G",
			    "BIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable");
}
END_TEST

START_TEST(same_image_boots_on_qemu_microvm_and_exits_the_same_way)
{
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off",
		"-accel", "tcg", "-m", "128M", "-nographic", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-kernel", test_kernel_path(), "-append", "console=ttyS0", NULL };
	struct vm_run r;
	ck_assert_int_eq(prog_run(&r, argv), 0);
	ck_assert_msg(r.status != 127, "qemu-system-x86_64 missing (scripts/deps.sh installs it):\n%s",
		      r.console);
	/* isa-debug-exit turns status v into (v << 1) | 1 */
	ck_assert_msg(r.status == ((EXIT_OK << 1) | 1), "status %d:\n%s", r.status, r.console);
	assert_clean_boot(&r, 128);
	vm_run_free(&r);
}
END_TEST

START_TEST(unknown_parameters_are_reported_once_and_bad_values_rejected)
{
	struct vm_run r = boot_memvisor("64M", "foo=1 bar foo=1 mm.policy=bogus mm.swappiness=30 selftest=0");
	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	ck_assert_msg(console_has(&r, "Unknown kernel command line parameters \"foo=1 bar\""),
		      "%s", r.console);
	ck_assert_msg(console_has(&r, "invalid value for mm.policy: \"bogus\""), "%s", r.console);
	ck_assert_msg(!console_has(&r, "selftest: all"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

/*
 * mm.selfbench=1: every row of bench-mm's loops runs in the kernel and
 * prints its operations and a cost per operation (cycles, and
 * instructions where the vCPU has a PMU); no figure is judged.
 */
START_TEST(selfbench_times_every_allocator_row_in_the_kernel)
{
	static const char *const rows[] = {
		"kmalloc 64 one at a time", "kmalloc 256 one at a time", "kmalloc 64, 64 live",
		"kmalloc 256, 64 live", "kmalloc 8-2047 mixed, 64 live",
		"buddy order 0 one at a time", "buddy order 1 one at a time",
		"buddy order 2 one at a time", "buddy order 3 one at a time",
		"buddy order 0, 64 live",
	};
	struct vm_run r = boot_memvisor("64M", "mm.selfbench=1 mm.selfbench_ops=64");
	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char key[80];
		unsigned long ops = 0, cycles = 0;
		snprintf(key, sizeof(key), "selfbench: %s: ", rows[i]);
		const char *line = strstr(r.console, key);
		ck_assert_msg(line, "no line for %s:\n%s", rows[i], r.console);
		ck_assert_int_eq(sscanf(line + strlen(key), "%lu ops, %lu cycles/op", &ops, &cycles), 2);
		ck_assert_uint_eq(ops, 64);
		ck_assert_uint_gt(cycles, 0);
	}
	ck_assert_msg(console_has(&r, "selfbench: done"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

/* Each crash kind: exit status, the first oops line, and a symbolic RIP. */
static const struct {
	const char *arg;
	int status;
	const char *line, *symbol;
} crashes[] = {
	{ "crash=pf", EXIT_OOPS, "BUG: unable to handle page fault for address: ffffc90000000000",
	  "RIP: 0008:crash_pf+" },
	{ "crash=ud", EXIT_OOPS, "Oops: invalid opcode: 0000 [#1]", "RIP: 0008:crash_ud+" },
	{ "crash=gp", EXIT_OOPS, "Oops: general protection fault", "RIP: 0008:crash_gp+" },
	{ "crash=df", EXIT_OOPS, "BUG: stack guard page was hit at", "crash_recurse" },
	{ "crash=panic", EXIT_PANIC, "Kernel panic - not syncing: crash=panic requested",
	  "crash_trigger+" },
};

START_TEST(crashes_print_an_oops_with_a_backtrace_and_exit_with_their_status)
{
	struct vm_run r = boot_memvisor("64M", crashes[_i].arg);
	ck_assert_msg(r.status == crashes[_i].status, "%s: status %d:\n%s", crashes[_i].arg,
		      r.status, r.console);
	ck_assert_msg(console_has(&r, crashes[_i].line), "%s", r.console);
	ck_assert_msg(console_has(&r, crashes[_i].symbol), "%s", r.console);
	ck_assert_msg(console_has(&r, "Call Trace:"), "%s", r.console);
	ck_assert_msg(console_has(&r, " kernel_main+"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

Suite *kernel_suite(void);
Suite *kernel_suite(void)
{
	Suite *s = suite_create("kernel");
	TCase *boot = tcase_create("boot");
	tcase_set_timeout(boot, 300);
	tcase_add_test(boot, kernel_boots_in_64_mib_and_passes_its_self_tests);
	tcase_add_test(boot, kernel_boots_in_1_gib_and_passes_its_self_tests);
	tcase_add_test(boot, same_image_boots_on_qemu_microvm_and_exits_the_same_way);
	tcase_add_test(boot, unknown_parameters_are_reported_once_and_bad_values_rejected);
	tcase_add_test(boot, selfbench_times_every_allocator_row_in_the_kernel);
	suite_add_tcase(s, boot);
	TCase *crash = tcase_create("crash");
	tcase_set_timeout(crash, 300);
	tcase_add_loop_test(crash, crashes_print_an_oops_with_a_backtrace_and_exit_with_their_status,
			    0, (int)(sizeof(crashes) / sizeof(crashes[0])));
	suite_add_tcase(s, crash);
	return s;
}
