/*
 * test_process.c: user processes on the guest kernel: the workloads in the
 * initrd run under init with their output asserted (memhog, forktest's
 * exact copy-on-write counts and leak check, mmaptest's mapping checks and
 * EFAULTs), a segfault kills only its process, signals reach handlers
 * and default actions as on Linux (sigtest), /proc files parse in
 * Linux's formats, threads share an mm and wake each other through
 * futexes (threads, and glibc's own pthreads in gthreads), unknown
 * system calls are logged once, every system
 * call answers edge-case arguments with Linux's errno and random ones
 * without an oops (badargs), and the same programs run on QEMU (where
 * `syscall` enters natively).
 */
#include "harness.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Boots a 128 MiB guest with the initrd (under the build directory),
 * kernel options and "init=PROGRAM ARGS". */
static struct vm_run boot_initrd(const char *initrd, const char *options,
				 const char *init_and_args)
{
	char cmdline[512];
	const char *argv[] = { "run", "-m", "128M", "--timeout", "120", "--initrd",
			       test_build_path(initrd), test_kernel_path(), "--",
			       cmdline, NULL };
	struct vm_run r;

	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 %s init=%s", options, init_and_args);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	return r;
}

static struct vm_run boot_with(const char *options, const char *init_and_args)
{
	return boot_initrd("guest/initrd.cpio", options, init_and_args);
}

static struct vm_run boot_init(const char *init_and_args)
{
	return boot_with("", init_and_args);
}

/* The end of a console for failure messages (Check caps their length). */
static const char *tail(const char *console)
{
	size_t n = strlen(console);

	return n > 3000 ? console + n - 3000 : console;
}

static int count_of(const char *text, const char *s)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

static void assert_no_oops(const struct vm_run *r)
{
	ck_assert_msg(!console_has(r, "Oops") && !console_has(r, "panic"), "%s", tail(r->console));
}

#define ASSERT_CONSOLE(r, s) ck_assert_msg(console_has(&(r), s), "missing \"%s\":\n%s", s, tail((r).console))

START_TEST(memhog_touches_and_verifies_its_pages_and_init_reports_its_exit)
{
	struct vm_run r = boot_init("/bin/memhog 2M --verify --release");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "Run /sbin/init as init process");
	ASSERT_CONSOLE(r, "memhog: 2048 KiB (512 pages), pattern seq, 1 pass: 512 pages touched");
	ASSERT_CONSOLE(r, "memhog: verify ok: 512 pages");
	ASSERT_CONSOLE(r, "memhog: released 2048 KiB");
	ASSERT_CONSOLE(r, "init: /bin/memhog exited with status 0");
	ASSERT_CONSOLE(r, "reboot: Power down (init exited with status 0)");
	vm_run_free(&r);
}
END_TEST

START_TEST(without_initrd_memvisors_kernel_gets_the_initrd_built_beside_it)
{
	const char *argv[] = { "run", "-v", "-m", "64M", "--timeout", "120", test_kernel_path(),
			       "--", "init=/bin/memhog", "1M", "--verify", NULL };
	struct vm_run r;

	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "no --initrd: using ");
	ASSERT_CONSOLE(r, "initrd.cpio, the initrd built beside memvisor's kernel");
	ASSERT_CONSOLE(r, "memhog: verify ok: 256 pages");
	ASSERT_CONSOLE(r, "reboot: Power down (init exited with status 0)");
	vm_run_free(&r);
}
END_TEST

/* Free huge pages on the host, in KiB (/proc/meminfo), 0 when unknown. */
static long long host_free_hugetlb_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long free_pages = 0, page_kib = 0;
	char line[128];

	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lld", &free_pages);
		sscanf(line, "Hugepagesize: %lld kB", &page_kib);
	}
	if (f)
		fclose(f);
	return free_pages * page_kib;
}

/*
 * --backing hugetlb: where the host has 32 MiB of huge pages free, a guest
 * on them verifies every byte memhog wrote; elsewhere the run is refused
 * with status 123 and the hint about reserving huge pages. Either way the
 * option is exercised, never skipped.
 */
START_TEST(hugetlb_backing_runs_a_verified_guest_or_says_why_it_cannot)
{
	bool reserved = host_free_hugetlb_kib() >= 32 * 1024;
	const char *argv[] = { "run", "--backing", "hugetlb", "-m", "32M", "--timeout", "120",
			       test_kernel_path(), "--", "init=/bin/memhog", "8M", "--verify", NULL };
	struct vm_run r;

	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	if (reserved) {
		ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
		ASSERT_CONSOLE(r, "memhog: verify ok: 2048 pages");
	} else {
		ck_assert_msg(r.status == 123, "status %d:\n%s", r.status, tail(r.console));
		ASSERT_CONSOLE(r, "cannot map hugetlb backing");
		ASSERT_CONSOLE(r, "/proc/sys/vm/nr_hugepages");
	}
	vm_run_free(&r);
}
END_TEST

/*
 * vmalloc in the guest: the swap tables (a byte and a 32-bit entry per
 * slot) are vmalloc'd, as Linux's swap_map is; /proc/vmallocinfo lists
 * them in Linux's format and meminfo's VmallocUsed counts their pages.
 */
/*
 * Boots a guest of @memory with a fresh 64M swap file (gone afterwards)
 * and the guest command line @cmdline, within @timeout seconds.
 */
static struct vm_run boot_swap(const char *memory, const char *timeout, const char *cmdline)
{
	char swap[] = "/tmp/memvisor-swap-XXXXXX", arg[64];
	int fd = mkstemp(swap);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(swap);
	snprintf(arg, sizeof(arg), "%s:64M", swap);
	const char *argv[] = { "run", "-m", memory, "--timeout", timeout, "--swap", arg,
			       test_kernel_path(), "--", cmdline, NULL };
	struct vm_run r;

	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	unlink(swap);
	return r;
}

START_TEST(swap_tables_are_vmalloc_areas_in_proc_vmallocinfo_and_meminfo)
{
	struct vm_run r = boot_swap("64M", "120", "init=/bin/cat /proc/vmallocinfo /proc/meminfo");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	/* 16384 slots: a 16 KiB map and 64 KiB of entries, each with its guard page */
	ASSERT_CONSOLE(r, "0xffffc90000000000-0xffffc90000005000    20480 swap_init+");
	ASSERT_CONSOLE(r, " pages=4 vmalloc\n");
	ASSERT_CONSOLE(r, "0xffffc90000005000-0xffffc90000016000    69632 swap_init+");
	ASSERT_CONSOLE(r, " pages=16 vmalloc\n");
	ASSERT_CONSOLE(r, "VmallocUsed:          80 kB");
	vm_run_free(&r);
}
END_TEST

START_TEST(without_fault_around_memhog_takes_a_fault_per_page_it_touches)
{
	struct vm_run r = boot_with("mm.fault_around=1", "/bin/memhog 1M --pattern random --passes 2");
	const char *p = strstr(r.console, "memhog: minflt ");
	long minflt = -1, majflt = -1, maxrss = -1;

	ck_assert_msg(r.status == 0 && p, "status %d:\n%s", r.status, tail(r.console));
	ck_assert_int_eq(sscanf(p, "memhog: minflt %ld majflt %ld maxrss %ld", &minflt, &majflt,
				&maxrss), 3);
	ASSERT_CONSOLE(r, "pattern random, 2 passes");
	/* at most one minor fault per page of the 256, plus the program's own */
	ck_assert_msg(minflt > 100 && minflt < 256 + 64, "minflt %ld\n%s", minflt, tail(r.console));
	ck_assert_msg(majflt > 0, "the binary's pages come in as major faults\n%s", tail(r.console));
	ck_assert_msg(maxrss >= 4 * (minflt - 64), "maxrss %ld kB\n%s", maxrss, tail(r.console));
	vm_run_free(&r);
}
END_TEST

START_TEST(fault_around_maps_sixteen_pages_per_anonymous_fault)
{
	struct vm_run r = boot_init("/bin/memhog 4M --verify");
	const char *p = strstr(r.console, "memhog: minflt ");
	long minflt = -1;

	ck_assert_msg(r.status == 0 && p, "status %d:\n%s", r.status, tail(r.console));
	ck_assert_int_eq(sscanf(p, "memhog: minflt %ld", &minflt), 1);
	ASSERT_CONSOLE(r, "memhog: verify ok: 1024 pages");
	/* 1024 pages: 64 windows of 16, plus the first page of each page table
	 * (and its window, one page at a time), plus the program's own faults */
	ck_assert_msg(minflt >= 64 && minflt < 64 + 2 * 16 + 64, "minflt %ld\n%s", minflt,
		      tail(r.console));
	vm_run_free(&r);
}
END_TEST

/*
 * slub_debug in the guest: slab_selftest=1 plants one bug per case in a
 * cache of its own and the kernel reports each in Linux's words, with the
 * allocating and freeing functions (U) resolved through the kernel's symbols.
 */
START_TEST(slab_selftest_reports_each_planted_bug_in_linux_words)
{
	struct vm_run r = boot_with("slab_selftest=1", "/bin/cat /proc/meminfo");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "slab_selftest: all 5 passed");
	ck_assert_int_eq(count_of(r.console, "BUG slab_selftest (Not tainted): "), 5);
	ASSERT_CONSOLE(r, "BUG slab_selftest (Not tainted): Right Redzone overwritten\n");
	ASSERT_CONSOLE(r, "BUG slab_selftest (Not tainted): Left Redzone overwritten\n");
	ASSERT_CONSOLE(r, "BUG slab_selftest (Not tainted): Poison overwritten\n");
	ASSERT_CONSOLE(r, "BUG slab_selftest (Not tainted): Object already free\n");
	ASSERT_CONSOLE(r, "BUG slab_selftest (Not tainted): Invalid object pointer 0x");
	ASSERT_CONSOLE(r, ". First byte 0x0 instead of 0xbb\n");
	ASSERT_CONSOLE(r, ". First byte 0x1 instead of 0x6b\n");
	ASSERT_CONSOLE(r, "INFO: Allocated in overrun_past_the_end+0x");
	ASSERT_CONSOLE(r, "INFO: Freed in double_free+0x");
	ASSERT_CONSOLE(r, "FIX slab_selftest: Restoring Right Redzone ");
	ASSERT_CONSOLE(r, "FIX slab_selftest: Free ignored\n");
	vm_run_free(&r);
}
END_TEST

/* One /proc/slabinfo row: object size (the stride, as Linux's) and the CPU array limit. */
static void slabinfo_row(const struct vm_run *r, const char *cache, unsigned *objsize,
			 unsigned *limit)
{
	char key[40];
	snprintf(key, sizeof(key), "\n%s ", cache);
	const char *row = strstr(r->console, key);
	ck_assert_msg(row, "no slabinfo row for %s:\n%s", cache, tail(r->console));
	ck_assert_int_eq(sscanf(row + strlen(key), "%*u %*u %u %*u %*u : tunables %u", objsize, limit),
			 2);
}

/* slub_debug=ZP,kmalloc-64: that cache alone gets red zones and poison, and no CPU array. */
START_TEST(slub_debug_with_a_cache_list_debugs_only_those_caches)
{
	struct vm_run r = boot_with("slub_debug=ZP,kmalloc-64", "/bin/cat /proc/slabinfo");
	unsigned size, limit;

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "slab: debugging as slub_debug=ZP,kmalloc-64 asks");
	slabinfo_row(&r, "kmalloc-64", &size, &limit);
	ck_assert_uint_gt(size, 64);
	ck_assert_uint_eq(limit, 0);
	slabinfo_row(&r, "kmalloc-32", &size, &limit);
	ck_assert_uint_eq(size, 32);
	ck_assert_uint_gt(limit, 0);
	vm_run_free(&r);
}
END_TEST

/* Bare slub_debug: every check on every cache, and a fork/COW workload runs clean. */
START_TEST(full_slub_debug_runs_forktest_without_a_single_report)
{
	struct vm_run r = boot_with("slub_debug", "/bin/forktest");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "slab: debugging as slub_debug asks: every check (FZPU) on every cache");
	ASSERT_CONSOLE(r, "forktest: ok");
	ck_assert_msg(!console_has(&r, "BUG "), "%s", tail(r.console));
	vm_run_free(&r);
}
END_TEST

START_TEST(forktest_shows_copy_on_write_with_exact_counts_and_leaks_nothing)
{
	struct vm_run r = boot_init("/bin/forktest");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "forktest: child sees every page shared (Shared_Dirty kB): 256 (want 256)");
	ASSERT_CONSOLE(r, "forktest: child writes copy exactly the written pages (pgcow_copy): 16 (want 16)");
	ASSERT_CONSOLE(r, "forktest: the rest stay shared (Shared_Dirty kB): 192 (want 192)");
	ASSERT_CONSOLE(r, "forktest: parent data unchanged by the child: 64 (want 64)");
	ASSERT_CONSOLE(r, "forktest: parent writes reuse every frame (pgcow_reuse): 64 (want 64)");
	ck_assert_msg(!console_has(&r, "FAILED"), "%s", tail(r.console));
	ASSERT_CONSOLE(r, "forktest: ok");
	vm_run_free(&r);
}
END_TEST

START_TEST(mmaptest_passes_every_mapping_check_and_bad_pointers_get_efault)
{
	struct vm_run r = boot_init("/bin/mmaptest");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "mmaptest: write from an unmapped pointer is EFAULT: ok");
	ASSERT_CONSOLE(r, "mmaptest: read into read-only memory is EFAULT: ok");
	ASSERT_CONSOLE(r, "mmaptest: a read of the PROT_NONE page is SIGSEGV: ok");
	ASSERT_CONSOLE(r, "mmaptest: munmap returns every frame and page table: ok");
	ck_assert_msg(!console_has(&r, "FAILED"), "%s", tail(r.console));
	ck_assert_msg(!console_has(&r, "Oops"), "%s", tail(r.console));
	vm_run_free(&r);
}
END_TEST

START_TEST(a_segfault_kills_only_its_process_with_a_linux_like_line)
{
	struct vm_run r = boot_init("/bin/mmaptest --segv");

	ck_assert_msg(r.status == 128 + 11, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, "]: segfault at 0 ip "); /* "mmaptest[PID]: ..." */
	ASSERT_CONSOLE(r, " error 6 in mmaptest[");
	ASSERT_CONSOLE(r, "init: /bin/mmaptest killed by signal 11 (Segmentation fault)");
	ck_assert_msg(!console_has(&r, "Oops"), "%s", tail(r.console));
	vm_run_free(&r);
}
END_TEST

/* Every line of the section after `marker` up to the next "==" matches fn. */
static const char *section(const struct vm_run *r, const char *name)
{
	char marker[64];

	snprintf(marker, sizeof(marker), "== %s\n", name);
	const char *p = strstr(r->console, marker);
	ck_assert_msg(p, "no section %s:\n%s", name, tail(r->console));
	return p + strlen(marker);
}

static void assert_kb_lines(const struct vm_run *r, const char *name, int min_lines)
{
	const char *p = section(r, name);
	int lines = 0;
	char key[64];
	unsigned long v;
	char unit[4];

	while (*p && strncmp(p, "==", 2)) {
		ck_assert_msg(sscanf(p, "%63[^:]: %lu %3s", key, &v, unit) >= 2,
			      "%s: bad line \"%.60s\"", name, p);
		lines++;
		p = strchr(p, '\n') + 1;
	}
	ck_assert_msg(lines >= min_lines, "%s: %d lines\n%s", name, lines, tail(r->console));
}

START_TEST(proc_files_parse_in_the_linux_format)
{
	struct vm_run r = boot_init("/bin/procdump /proc/meminfo /proc/self/status "
				    "/proc/self/maps /proc/vmstat /proc/buddyinfo "
				    "/proc/zoneinfo /proc/slabinfo /proc/self/oom_score_adj");
	unsigned long lo, hi, off, ino;
	char perms[8];
	unsigned dmaj, dmin;

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	assert_kb_lines(&r, "/proc/meminfo", 8);
	ASSERT_CONSOLE(r, "MemFree:");
	const char *st = section(&r, "/proc/self/status");
	ck_assert_msg(strstr(st, "Name:\tprocdump\n") && strstr(st, "VmRSS:\t") &&
		      strstr(st, "RssAnon:\t") && strstr(st, "RssFile:\t") &&
		      strstr(st, "RssShmem:\t") && strstr(st, "VmSwap:\t") && strstr(st, " kB\n"),
		      "%s", tail(r.console));
	const char *maps = section(&r, "/proc/self/maps");
	ck_assert_int_eq(sscanf(maps, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &off, &dmaj,
				&dmin, &ino), 7);
	ck_assert_msg(lo == 0x400000 && hi > lo && strlen(perms) == 4, "%s", tail(maps));
	ck_assert_msg(strstr(maps, " /bin/procdump\n") && strstr(maps, " [stack]\n"), "%s", tail(maps));
	const char *vm = section(&r, "/proc/vmstat");
	ck_assert_msg(!strncmp(vm, "nr_free_pages ", 14) && strstr(vm, "\npgfault ") &&
		      strstr(vm, "\npgmajfault "), "%s", tail(vm));
	ck_assert_msg(!strncmp(section(&r, "/proc/buddyinfo"), "Node 0, zone", 12), "%s", tail(r.console));
	ck_assert_msg(!strncmp(section(&r, "/proc/slabinfo"), "slabinfo - version: 2.1", 23),
		      "%s", tail(r.console));
	ck_assert_msg(!strncmp(section(&r, "/proc/self/oom_score_adj"), "0\n", 2), "%s", tail(r.console));
	ASSERT_CONSOLE(r, "procdump: oom_score_adj -500 read back as -500");
	vm_run_free(&r);
}
END_TEST

/* The space-separated fields of the line at p (up to its newline). */
static int fields_of_line(const char *p)
{
	int n = 0;

	for (bool in = false; *p && *p != '\n'; p++) {
		n += *p != ' ' && !in;
		in = *p != ' ';
	}
	return n;
}

/* The cpuN lines of /proc/stat's text: the CPUs online. */
static int cpu_lines(const char *stat)
{
	int n = 0;

	for (const char *p = stat; (p = strstr(p, "\ncpu")); p += 4)
		n += p[4] >= '0' && p[4] <= '9';
	return n;
}

START_TEST(proc_stat_statm_cmdline_uptime_and_loadavg_have_linux_fields)
{
	struct vm_run r = boot_init("/bin/procdump /proc/self/stat /proc/self/statm "
				    "/proc/self/cmdline /proc/stat /proc/uptime /proc/loadavg "
				    "/proc/self/smaps_rollup");
	unsigned long v[7];
	double up, idle, l1, l5, l15;
	int pid = -1, ppid = -1, running, tasks, last;
	char state = 0;

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	const char *st = section(&r, "/proc/self/stat");
	ck_assert_msg(sscanf(st, "%d (procdump) %c %d", &pid, &state, &ppid) == 3 && pid > 1 &&
		      state == 'R' && ppid == 1, "%s", tail(r.console));
	/* fs/proc/array.c's do_task_stat: 52 fields, the name one of them */
	ck_assert_int_eq(fields_of_line(st), 52);
	const char *sm = section(&r, "/proc/self/statm");
	ck_assert_int_eq(fields_of_line(sm), 7);
	ck_assert_int_eq(sscanf(sm, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4],
				&v[5], &v[6]), 7);
	ck_assert_msg(v[1] > 0 && v[1] <= v[0] && v[2] <= v[1] && v[3] > 0 && v[4] == 0 && v[6] == 0,
		      "%s", sm);
	ck_assert_msg(!strncmp(section(&r, "/proc/self/cmdline"), "/bin/procdump", 13), "%s",
		      tail(r.console));
	const char *ps = section(&r, "/proc/stat");
	ck_assert_msg(!strncmp(ps, "cpu  ", 5) && fields_of_line(ps) == 11, "%s", ps);
	ck_assert_msg(strstr(ps, "\ncpu0 ") && strstr(ps, "\nctxt ") && strstr(ps, "\nprocesses ") &&
		      strstr(ps, "\nprocs_running "), "%s", ps);
	/* the idle field sums every CPU's idle time, as Linux's: at most up on each */
	ck_assert_int_eq(sscanf(section(&r, "/proc/uptime"), "%lf %lf", &up, &idle), 2);
	ck_assert_msg(up > 0 && idle <= up * cpu_lines(ps), "uptime %f idle %f on %d CPUs", up, idle,
		      cpu_lines(ps));
	ck_assert_int_eq(sscanf(section(&r, "/proc/loadavg"), "%lf %lf %lf %d/%d %d", &l1, &l5, &l15,
				&running, &tasks, &last), 6);
	ck_assert_msg(running >= 1 && tasks >= 2 && last >= pid, "%d/%d %d", running, tasks, last);
	const char *roll = section(&r, "/proc/self/smaps_rollup");
	unsigned long lo, hi, rss = 0;
	ck_assert_msg(sscanf(roll, "%lx-%lx ---p 00000000 00:00 0", &lo, &hi) == 2 && lo == 0x400000 &&
		      hi > lo, "%s", roll);
	unsigned long sc = 0, sd = 0, pc = 0, pd = 0;
	const char *rl = strstr(roll, "[rollup]\nRss:");
	ck_assert_msg(rl && sscanf(rl, "[rollup]\nRss: %lu kB\nShared_Clean: %lu kB\nShared_Dirty: %lu kB\n"
				   "Private_Clean: %lu kB\nPrivate_Dirty: %lu kB", &rss, &sc, &sd, &pc,
				   &pd) == 5, "%s", roll);
	ck_assert_msg(rss > 0 && rss == sc + sd + pc + pd, "%s", roll);
	vm_run_free(&r);
}
END_TEST

START_TEST(allocfrag_replays_one_trace_under_every_fit_and_worst_fit_fragments_most)
{
	struct vm_run r = boot_init("/bin/allocfrag 2000");
	static const char *const fits[] = { "first", "next", "best", "worst" };
	double frag[4];

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	for (int i = 0; i < 4; i++) {
		char want[32];
		unsigned long heap, free_kb, largest, mmap_kb;
		snprintf(want, sizeof(want), "allocfrag: %-6s ", fits[i]);
		const char *p = strstr(r.console, want);
		ck_assert_msg(p && sscanf(p + strlen(want), "%lu %lu %lu %lf %lu", &heap, &free_kb,
					  &largest, &frag[i], &mmap_kb) == 5, "%s\n%s", fits[i],
			      tail(r.console));
		ck_assert_msg(heap >= free_kb && free_kb >= largest && frag[i] >= 0 && frag[i] < 1,
			      "%s: heap %lu free %lu largest %lu", fits[i], heap, free_kb, largest);
	}
	ck_assert_msg(frag[3] > frag[0] && frag[3] > frag[2], "worst %.3f first %.3f best %.3f",
		      frag[3], frag[0], frag[2]);
	ASSERT_CONSOLE(r, "allocfrag: musl   VmRSS grew by ");
	vm_run_free(&r);
}
END_TEST

START_TEST(an_unimplemented_system_call_returns_enosys_and_is_logged_once)
{
	struct vm_run r = boot_init("/bin/badargs");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	/* badargs calls acct twice: two ENOSYS results, one line */
	ASSERT_CONSOLE(r, "badargs: an unimplemented call (acct) is ENOSYS: ok");
	ASSERT_CONSOLE(r, "badargs: and again (logged once): ok");
	ck_assert_int_eq(count_of(r.console, "system call acct (163) not implemented: ENOSYS"), 1);
	vm_run_free(&r);
}
END_TEST

/* The claims program PROG's console: "PROG: N passed, 0 failed" with N >=
 * min, no FAILED line, no oops. */
static void assert_claims_passed(const struct vm_run *r, const char *prog, int min)
{
	const char *p = strstr(r->console, " passed, ");
	size_t n = strlen(prog);
	int passed = -1, failed = -1;

	ck_assert_msg(p, "no summary:\n%s", tail(r->console));
	while (p > r->console && p[-1] != '\n')
		p--;
	ck_assert_msg(!strncmp(p, prog, n) && p[n] == ':', "%s", tail(r->console));
	ck_assert_int_eq(sscanf(p + n, ": %d passed, %d failed", &passed, &failed), 2);
	ck_assert_msg(failed == 0 && passed >= min, "passed %d failed %d\n%s", passed, failed,
		      tail(r->console));
	ck_assert_msg(!console_has(r, "FAILED"), "%s", tail(r->console));
	assert_no_oops(r);
}

START_TEST(eight_threads_share_an_mm_and_futexes_clone_flags_and_exit_group_work)
{
	struct vm_run r = boot_init("/bin/threads");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	static const char *const key_claims[] = {
		"every byte written by every thread was read back intact",
		"/proc/self/status counts 9 threads",
		"/proc/self/task lists 9 tasks",
		"one thread exited while the others ran",
		"FUTEX_WAKE_BITSET with a matching bitset wakes the waiter",
		"kill goes to the thread that does not block the signal",
		"its held robust futex is marked FUTEX_OWNER_DIED, waiters kept",
		"exit_group(42) from one thread ends the process of 5 threads",
		"a SIGSEGV in one thread kills every thread",
		"the last thread's exit_group(7) is the process's status",
		"execve from a thread runs the program alone under the process's pid",
		"posix_spawn (clone CLONE_VM|CLONE_VFORK) starts the program",
		"FUTEX_WAKE on a MAP_SHARED word wakes the other process's waiter",
		"a thread's chdir moves the process (CLONE_FS)",
		"no add lost between WAKE_OP ADD and a thread's lock xadd",
	};
	char line[160];

	assert_claims_passed(&r, "threads", 40);
	for (size_t i = 0; i < sizeof(key_claims) / sizeof(key_claims[0]); i++) {
		snprintf(line, sizeof(line), "threads: %s: ok", key_claims[i]);
		ck_assert_msg(console_has(&r, line), "no \"%s\":\n%s", line, tail(r.console));
	}
	vm_run_free(&r);
}
END_TEST

START_TEST(a_static_glibc_program_runs_its_own_pthreads_on_clone3)
{
	struct vm_run r = boot_initrd("guest/initrd-busybox.cpio", "", "/bin/gthreads");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	assert_claims_passed(&r, "gthreads", 6);
	ASSERT_CONSOLE(r, "gthreads: 4 threads x 2000 increments under a mutex: ok");
	ASSERT_CONSOLE(r, "gthreads: a condition variable passed the turn 100 times: ok");
	ck_assert_msg(!console_has(&r, "system call clone3 (435) not implemented"), "%s",
		      tail(r.console));
	/* rseq stays ENOSYS (README): glibc's start-up asks once and runs without it */
	ck_assert_msg(count_of(r.console, "system call rseq (334) not implemented: ENOSYS") == 1,
		      "%s", tail(r.console));
	vm_run_free(&r);
}
END_TEST

/* sigtest's console: every claim passed, the key ones named, no oops, and
 * the SIGSEGV its handler caught logged no "segfault at" line. */
static void assert_sigtest_passed(const struct vm_run *r)
{
	const char *p = strstr(r->console, " passed, ");
	int passed = -1, failed = -1;

	ck_assert_msg(p, "no summary:\n%s", tail(r->console));
	while (p > r->console && p[-1] != '\n')
		p--;
	ck_assert_int_eq(sscanf(p, "sigtest: %d passed, %d failed", &passed, &failed), 2);
	ck_assert_msg(failed == 0 && passed >= 66, "passed %d failed %d\n%s", passed, failed,
		      tail(r->console));
	ck_assert_msg(!console_has(r, "FAILED"), "%s", tail(r->console));
	ASSERT_CONSOLE(*r, "sigtest: si_code is SEGV_ACCERR: ok");
	ASSERT_CONSOLE(*r, "sigtest: the retried store landed (byte 0x5a): ok");
	ASSERT_CONSOLE(*r, "sigtest: with si_code SEGV_MAPERR: ok");
	ASSERT_CONSOLE(*r, "sigtest: with si_code ILL_ILLOPN: ok");
	ASSERT_CONSOLE(*r, "sigtest: with si_code FPE_INTDIV: ok");
	ASSERT_CONSOLE(*r, "sigtest: at handler entry rsp + 8 is 16-byte aligned (ucontext at rsp + 8): ok");
	ASSERT_CONSOLE(*r, "sigtest: unblocking delivers it: ok");
	ASSERT_CONSOLE(*r, "sigtest: WIFSIGNALED && WTERMSIG == SIGTERM: ok");
	ASSERT_CONSOLE(*r, "sigtest: SIGKILL ends it anyway (cannot be blocked): ok");
	ASSERT_CONSOLE(*r, "sigtest: SIGCHLD si_status is the exit code: ok");
	ASSERT_CONSOLE(*r, "sigtest: with ECHILD: the child was reaped without a status: ok");
	ASSERT_CONSOLE(*r, "sigtest: with EINTR: ok");
	ASSERT_CONSOLE(*r, "sigtest: under SA_RESTART the read is restarted and gets the byte: ok");
	ASSERT_CONSOLE(*r, "sigtest: wait4 under SA_RESTART is restarted and returns the child: ok");
	ASSERT_CONSOLE(*r, "sigtest: a frame with a kernel rip gets SIGSEGV: ok");
	ASSERT_CONSOLE(*r, "sigtest: and stores the time left, at most the 10 s asked: ok");
	ASSERT_CONSOLE(*r, "sigtest: xmm0 of the interrupted code is restored by rt_sigreturn: ok");
	ck_assert_msg(!console_has(r, "segfault at") && !console_has(r, "traps: "),
		      "a caught fault was logged as unhandled:\n%s", tail(r->console));
	assert_no_oops(r);
}

START_TEST(signals_reach_handlers_and_default_actions_match_linux)
{
	struct vm_run r = boot_init("/bin/sigtest");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	assert_sigtest_passed(&r);
	ASSERT_CONSOLE(r, "init: /bin/sigtest exited with status 0");
	vm_run_free(&r);
}
END_TEST

/* Boots the kernel and initrd under QEMU's TCG (where `syscall` enters
 * natively) with "init=PROGRAM"; asserts the guest exited 0 (QEMU's 1). */
static struct vm_run boot_qemu(const char *init)
{
	char append[128];
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off",
		"-accel", "tcg", "-m", "128M", "-nographic", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", test_kernel_path(),
		"-initrd", test_build_path("guest/initrd.cpio"), "-append", append, NULL };
	struct vm_run r;

	snprintf(append, sizeof(append), "console=ttyS0 init=%s", init);
	ck_assert_int_eq(prog_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == 1, "status %d (want guest 0):\n%s", r.status, tail(r.console));
	return r;
}

START_TEST(the_same_programs_run_on_qemu_with_the_native_syscall_entry)
{
	struct vm_run r = boot_qemu("/bin/forktest");

	ASSERT_CONSOLE(r, "syscall: native entry at CPL 0");
	ASSERT_CONSOLE(r, "forktest: ok");
	vm_run_free(&r);
}
END_TEST

START_TEST(signals_work_the_same_through_the_native_syscall_entry_on_qemu)
{
	struct vm_run r = boot_qemu("/bin/sigtest");

	ASSERT_CONSOLE(r, "syscall: native entry at CPL 0");
	assert_sigtest_passed(&r);
	vm_run_free(&r);
}
END_TEST

/*
 * Limits and pinning (pinning.c) in a 32M guest with swap, one page per
 * fault so the figures are exact: rlimits stop mmap, brk and the stack
 * where Linux does; mlock moves pages to the unevictable list (Mlocked,
 * VmLck) and a locked process keeps every page while a hog swaps;
 * madvise PAGEOUT/WILLNEED/FREE move pages by the exact counts.
 */
START_TEST(rlimits_mlock_and_madvise_match_linux_with_exact_figures)
{
	struct vm_run r = boot_swap("32M", "600", "console=ttyS0 mm.fault_around=1 init=/bin/pinning");

	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	assert_claims_passed(&r, "pinning", 100);
	ASSERT_CONSOLE(r, "pinning: a stack touched 512K deep under a 256K RLIMIT_STACK gets SIGSEGV: ok");
	ASSERT_CONSOLE(r, "pinning: the locked process has nothing in swap: ok");
	ASSERT_CONSOLE(r, "pinning: the 32 clean ones are dropped: pglazyfreed +32: ok");
	ASSERT_CONSOLE(r, "pinning: from the swap cache: no major fault: ok");
	vm_run_free(&r);
}
END_TEST

/* shmtest's verdict in r: status 0, at least min claims and none failed,
 * the two key claims' lines, no oops. Frees r. */
static void assert_shmtest_passed(struct vm_run *r, int min, const char *key1, const char *key2)
{
	ck_assert_msg(r->status == 0, "status %d:\n%s", r->status, tail(r->console));
	assert_claims_passed(r, "shmtest", min);
	ASSERT_CONSOLE(*r, key1);
	ASSERT_CONSOLE(*r, key2);
	assert_no_oops(r);
	vm_run_free(r);
}

/* tmpfs at /tmp and /dev/shm (shmtest.c files): the file calls and their
 * errnos as Linux's, listings, /proc/mounts and statfs. */
START_TEST(tmpfs_files_behave_as_linux_with_its_errnos)
{
	struct vm_run r = boot_init("/bin/shmtest files");

	assert_shmtest_passed(&r, 55, "shmtest: the open file still reads after unlink: ok",
			      "shmtest: /proc/mounts lists tmpfs at /dev/shm: ok");
}
END_TEST

/*
 * MAP_SHARED mappings of a memfd, a shm_open file and a /tmp file
 * (shmtest.c share): a parent and its child see each other's stores and
 * write()s byte for byte, the file keeps its pages past munmap, SIGBUS
 * past EOF after ftruncate, memfd seals.
 */
START_TEST(two_processes_share_memfd_shm_open_and_tmpfs_mappings_byte_for_byte)
{
	struct vm_run r = boot_init("/bin/shmtest share");

	assert_shmtest_passed(&r, 50, "shmtest: memfd: the child's stores show in the parent's mapping: ok",
			      "shmtest: a page past EOF raises SIGBUS: ok");
}
END_TEST

/* System V shared memory on tmpfs files (shmtest.c sysv): shmget, shmat
 * in two processes, shm_nattch, keys, IPC_RMID while attached. */
START_TEST(system_v_shared_memory_is_shared_between_processes)
{
	struct vm_run r = boot_init("/bin/shmtest sysv");

	assert_shmtest_passed(&r, 23, "shmtest: its stores show in the parent's attach: ok",
			      "shmtest: the attach still holds the bytes: ok");
}
END_TEST

/*
 * A 12M tmpfs file in an 8M guest with swap (tmpfs.size_kb=12288):
 * reclaim swaps its pages out, reading it back swaps them in, every byte
 * as written; Shmem counts only the pages in memory; one more page is
 * ENOSPC; unlinked, Shmem and SwapFree are back where they were.
 */
START_TEST(a_tmpfs_file_larger_than_ram_swaps_out_and_reads_back_byte_for_byte)
{
	struct vm_run r = boot_swap("8M", "600",
				    "console=ttyS0 tmpfs.size_kb=12288 init=/bin/shmtest swap 12");

	assert_shmtest_passed(&r, 10, "shmtest: the file reads back byte for byte: ok",
			      "shmtest: it came back from swap (pswpin grew): ok");
}
END_TEST

START_TEST(every_system_call_answers_edge_case_arguments_with_linux_errno)
{
	struct vm_run r = boot_init("/bin/badargs");
	const char *p = strstr(r.console, " passed, ");
	int passed = -1, failed = -1;

	ck_assert_msg(r.status == 0 && p, "status %d:\n%s", r.status, tail(r.console));
	while (p > r.console && p[-1] != '\n')
		p--;
	ck_assert_int_eq(sscanf(p, "badargs: %d passed, %d failed", &passed, &failed), 2);
	ck_assert_msg(failed == 0 && passed >= 300, "passed %d failed %d\n%s", passed, failed,
		      tail(r.console));
	ck_assert_msg(!console_has(&r, "FAILED"), "%s", tail(r.console));
	ASSERT_CONSOLE(r, "badargs: close(0x100000000 | fd) closes fd (unsigned int fd): ok");
	ASSERT_CONSOLE(r, "badargs: nanosleep {INT64_MAX, 999999999} sleeps: ok");
	ASSERT_CONSOLE(r, "badargs: nanosleep {18446744073, 709551615} sleeps: ok");
	ASSERT_CONSOLE(r, "init: /bin/badargs exited with status 0");
	assert_no_oops(&r);
	vm_run_free(&r);
}
END_TEST

/* Random system calls with random edge arguments: children may die of a
 * signal, the kernel may not oops; a bounded call count per seed. */
static const char *const random_seeds[] = { "1", "20240516" };

START_TEST(random_system_calls_with_edge_arguments_never_oops_the_kernel)
{
	char init[96], done[96];
	struct vm_run r;

	snprintf(init, sizeof(init), "/bin/badargs --random %s --calls 2000", random_seeds[_i]);
	r = boot_init(init);
	snprintf(done, sizeof(done), "badargs: random seed %s done: ", random_seeds[_i]);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, tail(r.console));
	ASSERT_CONSOLE(r, done);
	ASSERT_CONSOLE(r, "init: /bin/badargs exited with status 0");
	assert_no_oops(&r);
	vm_run_free(&r);
}
END_TEST

Suite *process_suite(void);
Suite *process_suite(void)
{
	Suite *s = suite_create("process");
	TCase *w = tcase_create("workloads");
	tcase_set_timeout(w, 300);
	tcase_add_test(w, memhog_touches_and_verifies_its_pages_and_init_reports_its_exit);
	tcase_add_test(w, without_initrd_memvisors_kernel_gets_the_initrd_built_beside_it);
	tcase_add_test(w, hugetlb_backing_runs_a_verified_guest_or_says_why_it_cannot);
	tcase_add_test(w, swap_tables_are_vmalloc_areas_in_proc_vmallocinfo_and_meminfo);
	tcase_add_test(w, without_fault_around_memhog_takes_a_fault_per_page_it_touches);
	tcase_add_test(w, fault_around_maps_sixteen_pages_per_anonymous_fault);
	tcase_add_test(w, forktest_shows_copy_on_write_with_exact_counts_and_leaks_nothing);
	tcase_add_test(w, slab_selftest_reports_each_planted_bug_in_linux_words);
	tcase_add_test(w, slub_debug_with_a_cache_list_debugs_only_those_caches);
	tcase_add_test(w, full_slub_debug_runs_forktest_without_a_single_report);
	tcase_add_test(w, mmaptest_passes_every_mapping_check_and_bad_pointers_get_efault);
	tcase_add_test(w, a_segfault_kills_only_its_process_with_a_linux_like_line);
	tcase_add_test(w, proc_files_parse_in_the_linux_format);
	tcase_add_test(w, proc_stat_statm_cmdline_uptime_and_loadavg_have_linux_fields);
	tcase_add_test(w, allocfrag_replays_one_trace_under_every_fit_and_worst_fit_fragments_most);
	tcase_add_test(w, an_unimplemented_system_call_returns_enosys_and_is_logged_once);
	tcase_add_test(w, the_same_programs_run_on_qemu_with_the_native_syscall_entry);
	tcase_add_test(w, signals_reach_handlers_and_default_actions_match_linux);
	tcase_add_test(w, signals_work_the_same_through_the_native_syscall_entry_on_qemu);
	tcase_add_test(w, every_system_call_answers_edge_case_arguments_with_linux_errno);
	tcase_add_test(w, rlimits_mlock_and_madvise_match_linux_with_exact_figures);
	tcase_add_test(w, tmpfs_files_behave_as_linux_with_its_errnos);
	tcase_add_test(w, two_processes_share_memfd_shm_open_and_tmpfs_mappings_byte_for_byte);
	tcase_add_test(w, system_v_shared_memory_is_shared_between_processes);
	tcase_add_test(w, a_tmpfs_file_larger_than_ram_swaps_out_and_reads_back_byte_for_byte);
	tcase_add_test(w, eight_threads_share_an_mm_and_futexes_clone_flags_and_exit_group_work);
	tcase_add_test(w, a_static_glibc_program_runs_its_own_pthreads_on_clone3);
	tcase_add_loop_test(w, random_system_calls_with_edge_arguments_never_oops_the_kernel, 0, 2);
	suite_add_tcase(s, w);
	return s;
}
