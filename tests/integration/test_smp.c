/*
 * test_smp.c: the guest kernel on several vCPUs. `memvisor run -c N`
 * announces N CPUs in the ACPI MADT; the kernel starts every AP
 * (INIT-SIPI-SIPI to its trampoline), each says it is online once its own
 * local APIC timer interrupts it, and /proc shows every CPU: a block each
 * in /proc/cpuinfo, a pageset each per zone in /proc/zoneinfo, a timer
 * count each in /proc/interrupts. User threads run on every CPU, and a
 * change to their mapping reaches every CPU's TLB before the system call
 * returns (guest/user/shootdown.c; on PVM, the host's shadow paging hides
 * a missing flush from the stale-read check, the remote flush counters
 * still catch it). A snapshot of two busy processes on two vCPUs shows
 * one on each (`memvisor show --view cpus`), and /proc/stat charges each
 * CPU's ticks to its own line.
 */
#include "harness.h"
#include "ctl.h"
#include "exit_status.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Boots N CPUs with init=/bin/cat FILES. */
static struct vm_run boot_cpus(int cpus, const char *files)
{
	char ncpu[8], cmdline[256];
	const char *argv[] = { "run", "-c", ncpu, "-m", "64M", "--timeout", "120",
			       "--crash-dump", "none", test_kernel_path(), "--", cmdline, NULL };
	struct vm_run r;

	snprintf(ncpu, sizeof(ncpu), "%d", cpus);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 init=/bin/cat %s", files);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	return r;
}

/* How many times s occurs in the console. */
static int count(const struct vm_run *r, const char *s)
{
	int n = 0;

	for (const char *p = r->console; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

/* Whether the console has (want) or lacks (!want) the line printf(...) makes. */
#define ASSERT_LINE(r, want, ...)                                                     \
	do {                                                                          \
		char line_[128];                                                      \
		snprintf(line_, sizeof(line_), __VA_ARGS__);                          \
		ck_assert_msg(console_has(r, line_) == (want), "%s \"%s\" in:\n%s",    \
			      (want) ? "no" : "unexpected", line_, (r)->console);     \
	} while (0)

/* The LOC row of /proc/interrupts: every CPU's count is above zero. */
static void assert_every_timer_ticked(const struct vm_run *r, int cpus)
{
	const char *p = strstr(r->console, "LOC: ");

	ck_assert_msg(p, "no LOC row:\n%s", r->console);
	p += 5;
	for (int c = 0; c < cpus; c++) {
		char *end;
		unsigned long ticks = strtoul(p, &end, 10);
		ck_assert_msg(end != p && ticks > 0, "CPU%d's timer: \"%.40s\"", c, p);
		p = end;
	}
}

static const int cpu_counts[] = { 1, 2, 4 };

START_TEST(every_vcpu_comes_online_and_shows_in_proc)
{
	int n = cpu_counts[_i];
	struct vm_run r = boot_cpus(n, "/proc/cpuinfo /proc/zoneinfo /proc/interrupts");

	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	ASSERT_LINE(&r, true, "smp: ACPI MADT lists %d CPU%s\n", n, n == 1 ? "" : "s");
	for (int c = 1; c < n; c++)
		ASSERT_LINE(&r, true, "smp: CPU%d online", c);
	ASSERT_LINE(&r, false, "smp: CPU%d online", n);
	ASSERT_LINE(&r, true, "smp: Brought up 1 node, %d CPU%s\n", n, n == 1 ? "" : "s");
	for (int c = 0; c < n; c++) {
		ASSERT_LINE(&r, true, "processor\t: %d\n", c);
		ASSERT_LINE(&r, true, "apicid\t\t: %d\n", c);
	}
	ASSERT_LINE(&r, false, "processor\t: %d\n", n);
	ASSERT_LINE(&r, true, "cpu cores\t: %d\n", n);
	/* a pageset per CPU in each zone with pages: as many "cpu: 0" as "cpu: N-1" */
	char last[32];
	snprintf(last, sizeof(last), "    cpu: %d\n", n - 1);
	ck_assert_int_gt(count(&r, "    cpu: 0\n"), 0);
	ck_assert_int_eq(count(&r, "    cpu: 0\n"), count(&r, last));
	ASSERT_LINE(&r, false, "    cpu: %d\n", n);
	assert_every_timer_ticked(&r, n);
	ck_assert_msg(!console_has(&r, "did not come up"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(unmap_and_write_protect_reach_threads_on_every_cpu)
{
	int n = cpu_counts[_i];
	struct vm_run r;
	char ncpu[8];
	const char *argv[] = { "run", "-c", ncpu, "-m", "64M", "--timeout", "200",
			       "--crash-dump", "none", test_kernel_path(), "--", "console=ttyS0",
			       "init=/bin/shootdown", NULL };

	snprintf(ncpu, sizeof(ncpu), "%d", n);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	ASSERT_LINE(&r, true, "shootdown: %d passed, 0 failed", n > 1 ? 5 : 2);
	ASSERT_LINE(&r, true, "shootdown: 20 rounds on %d CPUs", n);
	vm_run_free(&r);
}
END_TEST

/* QEMU's microvm announces its CPUs in its MADT too and starts APs on
 * INIT-SIPI-SIPI: the same image brings up both. */
START_TEST(same_image_brings_up_two_cpus_on_qemu_microvm)
{
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off",
		"-accel", "tcg", "-smp", "2", "-m", "128M", "-nographic", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-kernel", test_kernel_path(), "-append", "console=ttyS0", NULL };
	struct vm_run r;

	ck_assert_int_eq(prog_run(&r, argv), 0);
	ck_assert_msg(r.status != 127, "qemu-system-x86_64 missing:\n%s", r.console);
	/* isa-debug-exit turns status v into (v << 1) | 1 */
	ck_assert_msg(r.status == ((EXIT_OK << 1) | 1), "status %d:\n%s", r.status, r.console);
	ASSERT_LINE(&r, true, "smp: CPU%d online", 1);
	ASSERT_LINE(&r, true, "smp: Brought up 1 node, %d CPUs", 2);
	vm_run_free(&r);
}
END_TEST

/* The pid `show --view cpus` names for cpuN ("cpuN MODE CR3 PID (memhog)"),
 * 0 if no memhog's space is in its CR3 or the mode is not @mode (NULL: any). */
static int memhog_on_cpu(const char *show, int cpu, const char *mode)
{
	char head[16], line[160];
	const char *p;

	snprintf(head, sizeof(head), "\ncpu%d ", cpu);
	if (!(p = strstr(show, head)))
		return 0;
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
	char seen[16], *name = strstr(line, " (memhog)");
	if (!name || sscanf(line, "cpu%*d %15s", seen) != 1 || (mode && strcmp(seen, mode)))
		return 0;
	*name = '\0';
	return atoi(strrchr(line, ' ') + 1);
}

/* A 2-vCPU guest in the background, driven through its control socket. */
struct live {
	char dir[64];
	const char *sock;
	struct bg_run bg;
};

/* Boots the kernel on 2 vCPUs with cmdline and waits for the console line. */
static void live_boot(struct live *v, const char *cmdline, const char *line)
{
	ck_assert_int_eq(test_dir_make(v->dir, "smp-live"), 0);
	v->sock = test_dir_path(v->dir, "ctl.sock");
	const char *argv[] = { "run", "-c", "2", "-m", "64M", "--timeout", "200",
			       "--crash-dump", "none", "--control", v->sock, test_kernel_path(),
			       "--", cmdline, NULL };
	ctl_start(&v->bg, v->sock, argv);
	char *console = bg_output_with(&v->bg, line, 150);
	ck_assert_msg(console, "no \"%s\":\n%s", line, bg_output(&v->bg));
	free(console);
}

/* Snapshots the guest; returns `show --view cpus` of it (caller frees). */
static char *live_cpus(struct live *v)
{
	const char *file = test_dir_path(v->dir, "cpus.core");
	const char *argv[] = { "show", "--view", "cpus", file, NULL };
	struct vm_run r;

	free(ctl_client(v->sock, "snapshot", file));
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "show: status %d\n%s", r.status, r.console);
	return r.console;
}

static void live_quit(struct live *v)
{
	struct vm_run r = ctl_quit(v->sock, &v->bg, 30);

	ck_assert_msg(r.status == 0 && console_has(&r, "smp: CPU1 online") &&
		      !console_has(&r, "Oops"), "status %d:\n%s", r.status, r.console);
	vm_run_free(&r);
	test_dir_remove(v->dir);
}

/*
 * Two memhogs loop over their pages for ever while a third holds still:
 * once the holder sleeps, the two busy ones are all there is to run, one
 * on each vCPU. Snapshots are taken until one shows that (the holder's
 * and spawn's last system calls may still be on a CPU for the first);
 * each vCPU's CR3 must then hold a different memhog's space.
 */
START_TEST(show_says_which_task_ran_on_each_cpu)
{
	struct live v;
	char *show = NULL;
	int a = 0, b = 0;

	live_boot(&v, "console=ttyS0 init=/bin/spawn memhog 2M --passes 1000000000 --then memhog 2M "
		  "--passes 1000000000 --then memhog 64K --hold", "memhog: holding");
	for (int tries = 0; tries < 20 && !(a && b && a != b); tries++) {
		free(show);
		show = live_cpus(&v);
		a = memhog_on_cpu(show, 0, NULL);
		b = memhog_on_cpu(show, 1, NULL);
	}
	live_quit(&v);
	ck_assert_msg(a && b && a != b, "no snapshot with a memhog on each CPU; the last:\n%s", show);
	free(show);
}
END_TEST

/*
 * Lazy TLB: memhog (init, the one process) sleeps in --hold, both CPUs
 * idle; the CPU that ran it last keeps its space in CR3 (the idle task
 * and kernel threads load none of their own), in kernel mode. Three
 * snapshots, each a while after memhog went to sleep, all show it.
 */
START_TEST(an_idle_cpu_keeps_the_last_user_space_in_its_cr3)
{
	struct live v;

	live_boot(&v, "console=ttyS0 init=/bin/memhog 64K --hold", "memhog: holding");
	for (int i = 0; i < 3; i++) {
		char *show = live_cpus(&v);
		bool lazy = memhog_on_cpu(show, 0, "kernel") || memhog_on_cpu(show, 1, "kernel");
		ck_assert_msg(lazy, "snapshot %d: no idle CPU on memhog's space:\n%s", i, show);
		free(show);
	}
	live_quit(&v);
}
END_TEST

/* The user, system and idle ticks of /proc/stat's line that starts with name. */
static void stat_times(const char *console, const char *name, unsigned long t[3])
{
	char head[16];
	const char *p;

	snprintf(head, sizeof(head), "\n%s ", name);
	p = strstr(console, head);
	ck_assert_msg(p && sscanf(p + strlen(head), "%lu 0 %lu %lu", &t[0], &t[1], &t[2]) == 3,
		      "no %s line:\n%s", name, console);
}

/*
 * Two memhogs loop over 1M each for about half a second of user time on
 * two vCPUs: each CPU's line of /proc/stat has user ticks of its own, and
 * the "cpu" line is the sum of the per-CPU lines.
 */
START_TEST(proc_stat_charges_each_cpu_the_ticks_it_ran)
{
	const char *argv[] = { "run", "-c", "2", "-m", "64M", "--timeout", "200", "--crash-dump",
			       "none", test_kernel_path(), "--", "console=ttyS0", "init=/bin/spawn",
			       "memhog", "1M", "--passes", "40000", "--then", "memhog", "1M",
			       "--passes", "40001", "--show", "/proc/stat", NULL };
	unsigned long all[3], cpu0[3], cpu1[3];
	struct vm_run r;

	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	stat_times(r.console, "cpu", all);
	stat_times(r.console, "cpu0", cpu0);
	stat_times(r.console, "cpu1", cpu1);
	ck_assert_msg(cpu0[0] > 0 && cpu1[0] > 0, "user ticks: cpu0 %lu cpu1 %lu", cpu0[0], cpu1[0]);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(all[i] == cpu0[i] + cpu1[i], "field %d: cpu %lu, cpu0 %lu + cpu1 %lu", i,
			      all[i], cpu0[i], cpu1[i]);
	ASSERT_LINE(&r, false, "\ncpu2 ");
	vm_run_free(&r);
}
END_TEST

#define SELFBENCH_OPS 32

/* The cycles of "selfbench-smp: ROW, LOCKING: WHO: SELFBENCH_OPS*n pairs in C cycles". */
static unsigned long selfbench_cycles(const struct vm_run *r, const char *row, const char *who,
				      int pairs)
{
	char key[128];
	unsigned long cycles = 0;

	snprintf(key, sizeof(key), "selfbench-smp: %s: %s: %d pairs in ", row, who, pairs);
	const char *line = strstr(r->console, key);
	ck_assert_msg(line, "no \"%s\" in:\n%s", key, r->console);
	ck_assert_int_eq(sscanf(line + strlen(key), "%lu cycles", &cycles), 1);
	return cycles;
}

/*
 * mm.selfbench_smp=1 on cpu_counts[_i] vCPUs: each row's loop ran on every
 * CPU, each CPU did all its pairs (none ran out of memory), the row's
 * total is every CPU's; with a second CPU, a remote flush's round trip was
 * timed to it halted and spinning. A CPU the call IPI never reached would
 * hang the boot CPU at the barrier (the run times out).
 */
START_TEST(selfbench_smp_runs_the_pair_loops_on_every_cpu_at_once)
{
	static const char *const rows[] = {
		"kmalloc 64 pair, no kernel lock", "kmalloc 64 pair, kernel lock per pair",
		"page order 0 pair, no kernel lock", "page order 0 pair, kernel lock per pair",
	};
	int cpus = cpu_counts[_i];
	char ncpu[8], ops[32], who[16];
	const char *argv[] = { "run", "-c", ncpu, "-m", "64M", "--timeout", "120", "--crash-dump",
			       "none", test_kernel_path(), "--", "mm.selfbench_smp=1", ops, NULL };
	struct vm_run r;

	snprintf(ncpu, sizeof(ncpu), "%d", cpus);
	snprintf(ops, sizeof(ops), "mm.selfbench_ops=%d", SELFBENCH_OPS);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == EXIT_OK, "status %d:\n%s", r.status, r.console);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int c = 0; c < cpus; c++) {
			snprintf(who, sizeof(who), "cpu%d", c);
			ck_assert_uint_gt(selfbench_cycles(&r, rows[i], who, SELFBENCH_OPS), 0);
		}
		snprintf(who, sizeof(who), "%d CPUs", cpus);
		ck_assert_uint_gt(selfbench_cycles(&r, rows[i], who, cpus * SELFBENCH_OPS), 0);
	}
	ASSERT_LINE(&r, false, "(stopped: no memory)");
	ASSERT_LINE(&r, cpus > 1, "remote TLB flush, CPU1 halted in idle: %d round trips",
		    SELFBENCH_OPS);
	ASSERT_LINE(&r, cpus > 1, "remote TLB flush, CPU1 spinning for the kernel lock: %d round trips",
		    SELFBENCH_OPS);
	ASSERT_LINE(&r, cpus == 1, "remote TLB flush: skipped, one CPU");
	ASSERT_LINE(&r, true, "selfbench-smp: done");
	vm_run_free(&r);
}
END_TEST

/* A data-integrity or hostile workload, run as init in 128M on several vCPUs. */
struct smp_workload {
	const char *init;            /* init=... */
	const char *ok;              /* the line that says it passed */
};

static const struct smp_workload smp_workloads[] = {
	/* every page of a 16M hog written, then read back and checked */
	{ "/bin/memhog 16M --verify", "memhog: verify ok: 4096 pages" },
	/* copy-on-write with exact counts, nothing leaked */
	{ "/bin/forktest", "forktest: ok" },
	/* every mapping call, bad pointers get EFAULT, munmap frees everything */
	{ "/bin/mmaptest", "mmaptest: munmap returns every frame and page table: ok" },
	/* threads of one mm write and read back each other's bytes, futexes */
	{ "/bin/threads", "threads: every byte written by every thread was read back intact" },
	/* hostile arguments to every system call get Linux's errno */
	{ "/bin/badargs", "badargs: close(0x100000000 | fd) closes fd (unsigned int fd): ok" },
};
#define INTEGRITY_CPUS 2

/*
 * INTEGRITY_CPUS, or TEST_CPUS where that asks for more: `make
 * integration-kvm TEST_CPUS=4` runs these on 4 vCPUs (all five passed
 * twice so, 20 to 77 s each at a host load of 17 to 20: too long for
 * every make check).
 */
static int integrity_cpus(void)
{
	const char *env = getenv("TEST_CPUS");
	int n = env ? atoi(env) : 0;

	return n > INTEGRITY_CPUS ? n : INTEGRITY_CPUS;
}

/*
 * The workload _i on integrity_cpus() vCPUs passes as on one CPU: status
 * 0, its own ok line, no FAILED claim, and the kernel neither oopses nor
 * panics.
 */
START_TEST(data_integrity_workloads_pass_on_several_cpus)
{
	const struct smp_workload *w = &smp_workloads[_i];
	int cpus = integrity_cpus();
	char ncpu[12], cmdline[256];
	const char *argv[] = { "run", "-c", ncpu, "-m", "128M", "--timeout", "300", "--crash-dump",
			       "none", test_kernel_path(), "--", cmdline, NULL };
	struct vm_run r;

	snprintf(ncpu, sizeof(ncpu), "%d", cpus);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 init=%s", w->init);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == EXIT_OK, "%s on %d CPUs: status %d:\n%s", w->init, cpus, r.status,
		      r.console);
	ASSERT_LINE(&r, true, "smp: Brought up 1 node, %d CPUs", cpus);
	ASSERT_LINE(&r, true, "%s", w->ok);
	ck_assert_msg(!console_has(&r, "FAILED") && !console_has(&r, "Oops") &&
		      !console_has(&r, "panic"), "%s on %d CPUs:\n%s", w->init, cpus, r.console);
	vm_run_free(&r);
}
END_TEST

Suite *smp_suite(void);
Suite *smp_suite(void)
{
	Suite *s = suite_create("smp");
	TCase *boot = tcase_create("bring-up");

	tcase_set_timeout(boot, 300);
	tcase_add_loop_test(boot, every_vcpu_comes_online_and_shows_in_proc, 0,
			    (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0])));
	tcase_add_test(boot, same_image_brings_up_two_cpus_on_qemu_microvm);
	tcase_add_test(boot, show_says_which_task_ran_on_each_cpu);
	tcase_add_test(boot, an_idle_cpu_keeps_the_last_user_space_in_its_cr3);
	tcase_add_test(boot, proc_stat_charges_each_cpu_the_ticks_it_ran);
	tcase_add_loop_test(boot, selfbench_smp_runs_the_pair_loops_on_every_cpu_at_once, 0,
			    (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0])));
	suite_add_tcase(s, boot);
	TCase *tlb = tcase_create("shootdown");
	tcase_set_timeout(tlb, 600);
	tcase_add_loop_test(tlb, unmap_and_write_protect_reach_threads_on_every_cpu, 0,
			    (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0])));
	suite_add_tcase(s, tlb);
	TCase *integrity = tcase_create("integrity");
	tcase_set_timeout(integrity, 600);
	tcase_add_loop_test(integrity, data_integrity_workloads_pass_on_several_cpus, 0,
			    (int)(sizeof(smp_workloads) / sizeof(smp_workloads[0])));
	suite_add_tcase(s, integrity);
	return s;
}
