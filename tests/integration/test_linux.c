/*
 * test_linux.c: Debian's own kernel (the helper VM's linux-image package,
 * made into a guest by scripts/linux-guest) boots on memvisor with 1 and 2
 * vCPUs: it finds the ACPI tables (every vCPU in the MADT), takes its TSC
 * frequency from the KVM clock, runs the initrd's init, which prints one
 * line through the serial port (COM1, found in the DSDT) and runs
 * `poweroff -f`, and memvisor ends by itself with status 0
 * (the init never exits: without the power-off the run would end at
 * --timeout with 124).
 *
 * On a PVM host Debian's kernel cannot boot (PVM's emulator stops on its
 * cmpxchg16b and xrstor64), so there memvisor runs in a helper VM
 * (MEMVISOR_HELPER_VM=1 scripts/with-kvm); elsewhere, inside the helper
 * VM included, it runs directly.
 */
#include "harness.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LINUX_VMLINUX test_build_path("linux/vmlinux")
#define LINUX_INITRD  test_build_path("linux/initrd.cpio")

static bool host_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

/* Makes build/linux/{vmlinux,initrd.cpio} (nothing when up to date). */
static void make_linux_guest(void)
{
	const char *argv[] = { "scripts/linux-guest", "--out", test_build_path("linux"), NULL };
	struct vm_run r;
	ck_assert_int_eq(prog_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "scripts/linux-guest: status %d\n%s", r.status, r.console);
	vm_run_free(&r);
}

/* memvisor run ARGS, through the helper VM on a PVM host. */
static struct vm_run run_linux(const char *const run_argv[])
{
	const char *argv[40] = { "env", "MEMVISOR_HELPER_VM=1", "scripts/with-kvm",
				 test_memvisor_path() };
	int n = 4;
	struct vm_run r;
	for (int i = 0; run_argv[i]; i++)
		argv[n++] = run_argv[i];
	argv[n] = NULL;
	if (host_is_pvm())
		ck_assert_int_eq(prog_run(&r, argv), 0);
	else
		ck_assert_int_eq(vm_run(&r, run_argv), 0);
	vm_run_strip_cr(&r);
	return r;
}

static const char *const cpu_counts[] = { "1", "2" };

START_TEST(debian_linux_boots_on_every_vcpu_and_poweroff_ends_memvisor_with_status_0)
{
	const char *cpus = cpu_counts[_i];
	char seen[32];
	make_linux_guest();
	const char *argv[] = { "run", "-c", cpus, "-m", "512M", "--timeout", "240",
			       "--crash-dump", "none", "--initrd", LINUX_INITRD, LINUX_VMLINUX, NULL };
	struct vm_run r = run_linux(argv);
	snprintf(seen, sizeof(seen), "; CPUs %s\n", cpus);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	ck_assert_msg(console_has(&r, "linux-init: up ") && console_has(&r, "MemTotal: ") &&
		      console_has(&r, seen), "no init line for %s CPUs:\n%s", cpus, r.console);
	vm_run_free(&r);
}
END_TEST

Suite *linux_suite(void);
Suite *linux_suite(void)
{
	Suite *s = suite_create("linux");
	TCase *tc = tcase_create("boot");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, debian_linux_boots_on_every_vcpu_and_poweroff_ends_memvisor_with_status_0,
			    0, (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0])));
	suite_add_tcase(s, tc);
	return s;
}
