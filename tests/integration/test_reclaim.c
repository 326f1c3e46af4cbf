/*
 * test_reclaim.c: reclaim, swap and the OOM killer in the guest kernel
 * (issue 7): a memhog larger than the guest's RAM completes with swap and
 * reads every page back intact, with pages swapped out and in and kswapd
 * at work; swappiness decides between page cache and anonymous pages;
 * without swap clean file pages go first, then the OOM killer kills the
 * hog with Linux's line, init survives and the VM ends with the status
 * init reports; replacement policies change fault counts.
 *
 * Counters come from an exit snapshot read with `memvisor show --view
 * vmstat --json`; the kswapd test drives a running guest through its
 * control socket (stats, balloon, quit) instead. Guests are small (8-32
 * MiB): ring 0 is emulated here.
 */
#include "ctl.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GUEST_RAM "32M"

struct reclaim_run {
	struct vm_run vm;
	char dir[64];
	char *vmstat;      /* show --view vmstat --json of the exit snapshot */
	const char *timeout; /* the guest's --timeout, seconds; NULL: 200 */
};

static const char *tail(const char *console)
{
	size_t n = strlen(console);

	return n > 3000 ? console + n - 3000 : console;
}

/*
 * Boots a guest of ram bytes (with a swap file of swap_size unless NULL)
 * with kernel parameters params running init ARGS.
 */
static void boot_with(struct reclaim_run *r, const char *ram, const char *swap_size,
		      const char *params, const char *init_and_args)
{
	char cmdline[512], swap[128], prefix[96], core[128];
	const char *argv[20];
	int n = 0;

	strcpy(r->dir, "/tmp/mv-reclaim-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 %s init=%s", params, init_and_args);
	snprintf(swap, sizeof(swap), "%s/swap.img:%s", r->dir, swap_size ? swap_size : "");
	snprintf(prefix, sizeof(prefix), "%s/snap", r->dir);
	argv[n++] = "run";
	argv[n++] = "-m";
	argv[n++] = ram;
	argv[n++] = "--timeout";
	argv[n++] = r->timeout ? r->timeout : "200";
	argv[n++] = "--snapshot-at";
	argv[n++] = "exit";
	argv[n++] = "--snapshot-prefix";
	argv[n++] = prefix;
	if (swap_size) {
		argv[n++] = "--swap";
		argv[n++] = swap;
	}
	argv[n++] = "--initrd";
	argv[n++] = test_build_path("guest/initrd.cpio");
	argv[n++] = test_kernel_path();
	argv[n++] = "--";
	argv[n++] = cmdline;
	argv[n] = NULL;
	ck_assert_int_eq(vm_run(&r->vm, argv), 0);

	struct vm_run show;
	snprintf(core, sizeof(core), "%s-exit.core", prefix);
	const char *sargv[] = { "show", core, "--view", "vmstat", "--json", NULL };
	ck_assert_int_eq(vm_run(&show, sargv), 0);
	r->vmstat = show.status == 0 ? strdup(show.console) : strdup("{}");
	vm_run_free(&show);
}

/* A GUEST_RAM guest with the default policy. */
static void boot(struct reclaim_run *r, const char *swap_size, const char *init_and_args)
{
	boot_with(r, GUEST_RAM, swap_size, "", init_and_args);
}

static void done(struct reclaim_run *r)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	ck_assert_int_eq(system(cmd), 0);
	free(r->vmstat);
	vm_run_free(&r->vm);
}

static long long counter(const struct reclaim_run *r, const char *name)
{
	return json_path_i64(r->vmstat, name);
}

#define ASSERT_CONSOLE(r, s) \
	ck_assert_msg(console_has(&(r)->vm, s), "missing \"%s\":\n%s", s, tail((r)->vm.console))

/* boot_with, and the guest's init exited with status 0. */
static void boot_ok(struct reclaim_run *r, const char *ram, const char *swap_size,
		    const char *init_and_args)
{
	boot_with(r, ram, swap_size, "", init_and_args);
	ck_assert_msg(r->vm.status == 0, "status %d:\n%s", r->vm.status, tail(r->vm.console));
}

/* Pages went out to swap and came back in. */
static void assert_swapped_out_and_in(const struct reclaim_run *r)
{
	ck_assert_msg(counter(r, "pswpout") > 0 && counter(r, "pswpin") > 0,
		      "pswpout %lld pswpin %lld\n%s", counter(r, "pswpout"),
		      counter(r, "pswpin"), r->vmstat);
}

/*
 * Four threads of one process fill and verify slices of 8 MiB in an 8M
 * guest: pages of the one address space they share are swapped out (the
 * rmap walks it once, not once per thread) and faulted back by whichever
 * thread touches them; every page comes back intact.
 */
START_TEST(with_swap_threads_sharing_one_mm_get_every_swapped_page_back)
{
	struct reclaim_run r = { 0 };

	boot_ok(&r, "8M", "32M", "/bin/threads --hog 8");
	ASSERT_CONSOLE(&r, "threads: every page of 8 MiB written by 4 threads read back intact: ok");
	ASSERT_CONSOLE(&r, "threads: 1 passed, 0 failed");
	assert_swapped_out_and_in(&r);
	ck_assert_int_eq(counter(&r, "oom_kill"), 0);
	ck_assert_msg(!strstr(r.vm.console, "Oops") && !strstr(r.vm.console, "panic"), "%s",
		      tail(r.vm.console));
	done(&r);
}
END_TEST

/*
 * Twice the RAM of a 16M guest. Every hog page goes to disk once: one
 * read back by --verify and not written stays in the swap cache, and its
 * second eviction writes nothing.
 */
START_TEST(with_swap_a_hog_twice_the_size_of_ram_completes_and_verifies_every_page)
{
	struct reclaim_run r = { 0 };

	boot_ok(&r, "16M", "64M", "/bin/memhog 32M --verify");
	ASSERT_CONSOLE(&r, "Adding 65532k swap on /dev/vda.");
	ASSERT_CONSOLE(&r, "memhog: verify ok: 8192 pages");
	ck_assert_msg(counter(&r, "pswpout") <= 8192 + 8192 / 8, "pswpout %lld for 8192 pages",
		      counter(&r, "pswpout"));
	ASSERT_CONSOLE(&r, "init: /bin/memhog exited with status 0");
	assert_swapped_out_and_in(&r);
	ck_assert_msg(counter(&r, "pgmajfault") > 0, "%s", r.vmstat);
	/* every page written out came from a scan, by kswapd or the faulting task */
	ck_assert_msg(counter(&r, "pgsteal_kswapd") + counter(&r, "pgsteal_direct") <=
		      counter(&r, "pgscan_kswapd") + counter(&r, "pgscan_direct"), "%s", r.vmstat);
	ck_assert_int_eq(counter(&r, "oom_kill"), 0);
	done(&r);
}
END_TEST

/*
 * Issue 16: kswapd (a kernel thread, lazily on the hog's CR3) swapped out
 * pages whose translations it left in the TLB, and the hog's next writes
 * went to freed frames: memhog's own seen[] bytes came back 0 and it
 * counted 13424 pages touched of 10240 (6 of 6 runs on a PVM host). The
 * exact count and the bookkeeping half of --verify catch that; the
 * flushes are counted. Under with-kvm's nested KVM the bug hid (0 of 5
 * runs): the QEMU case below is the one that shows it there.
 */
START_TEST(under_random_a_looping_hog_with_swap_keeps_every_write_and_its_bookkeeping)
{
	/* 3 passes took 127-154 s of guest time and 345-365 s of host time
	 * with 3 guests on 2 cores: 200 s (the others' bound) was too tight */
	struct reclaim_run r = { .timeout = "500" };

	boot_with(&r, "32M", "64M", "mm.policy=random",
		  "/bin/memhog 40M --pattern loop --passes 3 --verify");
	ck_assert_msg(r.vm.status == 0, "status %d:\n%s", r.vm.status, tail(r.vm.console));
	ASSERT_CONSOLE(&r, "3 passes: 10240 pages touched in");
	ASSERT_CONSOLE(&r, "memhog: verify ok: 10240 pages");
	ck_assert_msg(counter(&r, "pswpout") > 0, "%s", r.vmstat);
	ck_assert_msg(counter(&r, "nr_tlb_local_flush_one") > 0, "%s", r.vmstat);
	ck_assert_msg(counter(&r, "nr_tlb_local_flush_all") >= 0, "%s", r.vmstat); /* -1: absent */
	done(&r);
}
END_TEST

/*
 * The same hog on QEMU's TCG, whose TLB keeps what no CR3 load or invlpg
 * dropped, as hardware does (nested KVM under TCG flushes at every VM
 * exit and hides stale entries). Six passes, not three: before issue 16's
 * fix 3 passes went wrong in 7 of 8 runs here (11310, 10618, 10612,
 * 12545, 20222 pages touched of 10240, or a hang in --verify), 6 passes
 * in 3 of 3 (12639, 15712, 11859). swap.img is the guest's virtio-blk disk.
 */
START_TEST(on_qemu_tcg_a_looping_hog_with_swap_keeps_every_write_and_its_bookkeeping)
{
	char dir[] = "/tmp/mv-reclaim-XXXXXX", drive[128], cmd[128];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(drive, sizeof(drive), "file=%s/swap.img,format=raw,if=none,id=swap", dir);
	snprintf(cmd, sizeof(cmd), "truncate -s 64M %s/swap.img", dir);
	ck_assert_int_eq(system(cmd), 0);
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,acpi=off",
		"-accel", "tcg", "-m", "32M", "-nographic", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-global", "virtio-mmio.force-legacy=false",
		"-drive", drive, "-device", "virtio-blk-device,drive=swap",
		"-kernel", test_kernel_path(), "-initrd", test_build_path("guest/initrd.cpio"),
		"-append", "console=ttyS0 mm.policy=random init=/bin/memhog 40M --pattern loop "
		"--passes 6 --verify", NULL };
	struct vm_run r;

	ck_assert_int_eq(prog_run(&r, argv), 0);
	ck_assert_msg(r.status == 1, "status %d (want guest 0):\n%s", r.status, tail(r.console));
	ck_assert_msg(console_has(&r, "Adding 65532k swap on /dev/vda."), "%s", tail(r.console));
	ck_assert_msg(console_has(&r, "6 passes: 10240 pages touched in"), "%s", tail(r.console));
	ck_assert_msg(console_has(&r, "memhog: verify ok: 10240 pages"), "%s", tail(r.console));
	vm_run_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * The number after the n-th (0-based) "key" in text (NULL: none), or -1
 * when there are fewer: console and /proc texts read by key.
 */
static long long number_after(const char *text, const char *key, int n)
{
	const char *s = text;

	for (int i = 0; s && i <= n; i++)
		if ((s = strstr(s, key)))
			s += strlen(key);
	return s ? atoll(s) : -1;
}

/* A guest running in the background, driven through its control socket. */
struct live_vm {
	struct bg_run bg;
	char dir[64], sock[96];
};

static void live_start(struct live_vm *v, const char *ram, const char *swap_size,
		       const char *cmdline)
{
	char swap[128];

	strcpy(v->dir, "/tmp/mv-reclaim-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(v->dir));
	snprintf(v->sock, sizeof(v->sock), "%s/ctl.sock", v->dir);
	snprintf(swap, sizeof(swap), "%s/swap.img:%s", v->dir, swap_size);
	const char *argv[] = { "run", "-m", ram, "--timeout", "200", "--control", v->sock,
			       "--swap", swap, "--crash-dump", "none",
			       "--initrd", test_build_path("guest/initrd.cpio"), test_kernel_path(),
			       "--", cmdline, NULL };
	ctl_start(&v->bg, v->sock, argv);
}

static void live_quit(struct live_vm *v)
{
	struct vm_run r = ctl_quit(v->sock, &v->bg, 30);
	char cmd[128];

	ck_assert_msg(r.status == 0 && !console_has(&r, "Oops"), "status %d:\n%s", r.status,
		      tail(r.console));
	vm_run_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", v->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* What kswapd is judged by, from `memvisor stats --json` (read from guest memory). */
struct kswapd_view {
	long long free, low, high;   /* pages, summed over the zones */
	long long pageoutrun, pgscan_kswapd, balloon_pages;
};

static long long zones_sum(const char *stats, const char *key)
{
	static const char *const zones[] = { "DMA", "DMA32", "Normal" };
	long long sum = 0;
	char path[64];

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		snprintf(path, sizeof(path), "zones.%s.%s", zones[i], key);
		long long v = json_path_i64(stats, path);
		sum += v > 0 ? v : 0;
	}
	return sum;
}

static struct kswapd_view kswapd_view(struct live_vm *v)
{
	char *stats = ctl_client(v->sock, "stats", "--json");
	struct kswapd_view k = {
		.free = zones_sum(stats, "free_pages"),
		.low = zones_sum(stats, "low"),
		.high = zones_sum(stats, "high"),
		.pageoutrun = json_path_i64(stats, "vmstat.pageoutrun"),
		.pgscan_kswapd = json_path_i64(stats, "vmstat.pgscan_kswapd"),
		.balloon_pages = json_path_i64(stats, "balloon.actual") / 4096,
	};

	free(stats);
	return k;
}

/* Sums the numbers after "key" in every zone of a /proc/zoneinfo text. */
static long long zoneinfo_sum(const char *zoneinfo, const char *key)
{
	long long sum = 0, v;

	for (int zone = 0; (v = number_after(zoneinfo, key, zone)) >= 0; zone++)
		sum += v;
	return sum;
}

#define UNDER_LOW 16   /* pages the balloon takes free memory below the low marks by */

/*
 * A hog larger than RAM passes the low marks: kswapd has run (pageoutrun,
 * pgscan_kswapd), and /proc/zoneinfo's marks are the ones the host reads.
 * Then, the hog holding still, the balloon takes free memory UNDER_LOW
 * pages below low: kswapd, and nothing else, gives memory back, and free
 * pages end above the high marks (summed over the zones, the balance
 * kswapd keeps). Reading free pages after the hog's own last faults would
 * race with them: those take free memory back toward low without waking
 * kswapd (Linux's hysteresis). Swappiness 200 keeps kswapd on anonymous
 * pages, off the hog's text.
 */
START_TEST(kswapd_woken_below_the_low_watermark_reclaims_past_high_and_sleeps)
{
	struct live_vm v;

	live_start(&v, GUEST_RAM, "64M", "console=ttyS0 mm.swappiness=200 "
		   "init=/bin/memhog 40M --pause 1 --show /proc/zoneinfo --hold");
	char *console = bg_output_with(&v.bg, "memhog: holding", 150);
	ck_assert_msg(console, "the hog never held:\n%s", tail(bg_output(&v.bg)));
	struct kswapd_view k0 = kswapd_view(&v);
	ck_assert_msg(k0.pageoutrun > 0 && k0.pgscan_kswapd > 0, "pageoutrun %lld pgscan_kswapd %lld",
		      k0.pageoutrun, k0.pgscan_kswapd);
	const char *zi = strstr(console, "== /proc/zoneinfo");
	ck_assert_msg(zi, "no zoneinfo:\n%s", tail(console));
	ck_assert_msg(k0.low > 0 && k0.high > k0.low && zoneinfo_sum(zi, "\n        low ") == k0.low &&
		      zoneinfo_sum(zi, "\n        high ") == k0.high,
		      "host reads low %lld high %lld:\n%s", k0.low, k0.high, zi);
	free(console);

	char size[32];
	long long take = (k0.free > k0.low ? k0.free - k0.low : 0) + UNDER_LOW;
	snprintf(size, sizeof(size), "%lldK", take * 4);
	free(ctl_client(v.sock, "balloon", size));
	struct kswapd_view k = k0;
	for (double t0 = test_now(); test_now() - t0 < 60; usleep(200000)) {
		k = kswapd_view(&v);
		if (k.balloon_pages == take && k.pageoutrun > k0.pageoutrun && k.free >= k.high)
			break;
	}
	ck_assert_msg(k.balloon_pages == take && k.pageoutrun > k0.pageoutrun && k.free >= k.high,
		      "balloon %lld of %lld pages, pageoutrun %lld -> %lld, free %lld (low %lld "
		      "high %lld)", k.balloon_pages, take, k0.pageoutrun, k.pageoutrun, k.free, k.low,
		      k.high);
	live_quit(&v);
}
END_TEST

/*
 * Without swap anonymous memory cannot go, clean file pages can: they are
 * dropped (and faulted back from the file: refaults) before the OOM
 * killer has to act.
 */
START_TEST(without_swap_file_pages_are_dropped_then_the_oom_killer_kills_the_hog_and_init_survives)
{
	struct reclaim_run r = { 0 };

	boot(&r, NULL, "/bin/memhog 48M");
	ck_assert_msg(r.vm.status == 128 + 9, "status %d:\n%s", r.vm.status, tail(r.vm.console));
	ck_assert_msg(strstr(r.vm.console, "Out of memory: Killed process ") &&
		      strstr(r.vm.console, " (memhog) total-vm:") &&
		      strstr(r.vm.console, "kB, anon-rss:") &&
		      strstr(r.vm.console, "kB, shmem-rss:0kB, UID:0 pgtables:") &&
		      strstr(r.vm.console, "kB oom_score_adj:0"),
		      "no Linux-form OOM line:\n%s", tail(r.vm.console));
	ASSERT_CONSOLE(&r, "init: /bin/memhog killed by signal 9");
	ASSERT_CONSOLE(&r, "reboot: Power down (init exited with status 137)");
	ck_assert_int_eq(counter(&r, "oom_kill"), 1);
	ck_assert_int_eq(counter(&r, "pswpout"), 0);
	ck_assert_msg(counter(&r, "pgsteal_file") > 0 && counter(&r, "pgsteal_anon") == 0,
		      "%s", r.vmstat);
	ck_assert_msg(counter(&r, "workingset_refault_file") > 0 &&
		      counter(&r, "workingset_refault_anon") == 0, "%s", r.vmstat);
	done(&r);
}
END_TEST

/*
 * spawn starts a 16M hog that holds its memory, then a 24M one with
 * oom_score_adj -1000: together they do not fit, and only the smaller one
 * may be killed.
 */
START_TEST(without_swap_a_hog_with_oom_score_adj_minus_1000_survives_and_the_smaller_one_dies)
{
	struct reclaim_run r = { 0 };

	boot(&r, NULL, "/bin/spawn --delay 2 /bin/memhog 16M --hold "
		       "--then memhog 24M --oom-score-adj -1000 --verify");
	ck_assert_msg(r.vm.status == 0, "status %d:\n%s", r.vm.status, tail(r.vm.console));
	/* either hog may be the one whose fault invokes it (the holder wakes
	 * every second and may find its text dropped) */
	ASSERT_CONSOLE(&r, "invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), "
			   "order=0, oom_score_adj=");
	ASSERT_CONSOLE(&r, "kB oom_score_adj:0");
	ck_assert_msg(!strstr(r.vm.console, "kB oom_score_adj:-1000"), "%s", tail(r.vm.console));
	ASSERT_CONSOLE(&r, "memhog: verify ok: 6144 pages");

	const char *held = strstr(r.vm.console, "spawn: /bin/memhog[");
	char killed[96];
	ck_assert_msg(held, "%s", tail(r.vm.console));
	int pid = atoi(held + strlen("spawn: /bin/memhog["));
	snprintf(killed, sizeof(killed), "spawn: /bin/memhog[%d] killed by signal 9 (Killed)", pid);
	ASSERT_CONSOLE(&r, killed);
	snprintf(killed, sizeof(killed), "Out of memory: Killed process %d (memhog)", pid);
	ASSERT_CONSOLE(&r, killed);
	ASSERT_CONSOLE(&r, "spawn: memhog[");
	ASSERT_CONSOLE(&r, "] exited with status 0");
	ASSERT_CONSOLE(&r, "init: /bin/spawn exited with status 0");
	ck_assert_int_eq(counter(&r, "oom_kill"), 1);
	done(&r);
}
END_TEST

/*
 * A hog that first reads six programs through the page cache (about 130
 * clean, unmapped file pages), then takes 20M of a 16M guest with swap.
 */
#define CACHE_THEN_HOG "/bin/memhog 20M %s --read /bin/allocfrag --read /bin/forktest " \
	"--read /bin/mmaptest --read /bin/procdump --read /bin/spawn --read /bin/cat " \
	"--show /proc/meminfo"

struct swappiness_outcome {
	long long steal_anon, steal_file, cached_kb;
};

/* The hog under swappiness set by params (command line) or hog_args (/proc). */
static struct swappiness_outcome cache_then_hog(const char *params, const char *hog_args)
{
	struct reclaim_run r = { 0 };
	struct swappiness_outcome o;
	char init[384];

	snprintf(init, sizeof(init), CACHE_THEN_HOG, hog_args);
	boot_with(&r, "16M", "64M", params, init);
	ck_assert_msg(r.vm.status == 0, "%s: status %d:\n%s", init, r.vm.status,
		      tail(r.vm.console));
	o.steal_anon = counter(&r, "pgsteal_anon");
	o.steal_file = counter(&r, "pgsteal_file");
	o.cached_kb = number_after(strstr(r.vm.console, "== /proc/meminfo"), "\nCached:", 0);
	ck_assert_msg(o.cached_kb >= 0, "%s: no meminfo:\n%s", init, tail(r.vm.console));
	ck_assert_msg(counter(&r, "pgsteal_kswapd") + counter(&r, "pgsteal_direct") ==
		      o.steal_anon + o.steal_file, "%s", r.vmstat);
	done(&r);
	return o;
}

/*
 * Linux semantics: swappiness 0 takes clean file pages before it swaps,
 * 200 swaps anonymous memory and leaves the page cache alone. One is set
 * on the command line, the other through /proc/sys/vm/swappiness.
 */
START_TEST(swappiness_0_drops_the_page_cache_first_and_200_swaps_anonymous_pages_instead)
{
	struct swappiness_outcome file_first = cache_then_hog("mm.swappiness=0", "");
	struct swappiness_outcome anon_first = cache_then_hog("", "--swappiness 200");

	ck_assert_msg(file_first.steal_file > 100 && anon_first.steal_file < file_first.steal_file / 4,
		      "pgsteal_file %lld at swappiness 0, %lld at 200", file_first.steal_file,
		      anon_first.steal_file);
	ck_assert_msg(anon_first.steal_anon > file_first.steal_anon,
		      "pgsteal_anon %lld at swappiness 0, %lld at 200", file_first.steal_anon,
		      anon_first.steal_anon);
	ck_assert_msg(anon_first.cached_kb > file_first.cached_kb + 256,
		      "Cached %lld kB at swappiness 0, %lld kB at 200", file_first.cached_kb,
		      anon_first.cached_kb);
}
END_TEST

/*
 * munmap of memory that is all in swap frees its page tables: a hog whose
 * 8M a second hog pushed out to swap releases it and has as many table
 * pages left as a hog that never had more than 4K (before, the tables held
 * only by swap entries stayed until exit: 16 kB more here).
 */
START_TEST(munmap_of_swapped_out_memory_frees_its_page_tables)
{
	struct reclaim_run r = { 0 };

	boot_with(&r, "16M", "64M", "", "/bin/spawn --delay 1 memhog 4K --release --show "
		  "/proc/self/status --then memhog 8M --pause 4 --release --show /proc/self/status "
		  "--then memhog 16M");
	ck_assert_msg(r.vm.status == 0, "status %d:\n%s", r.vm.status, tail(r.vm.console));
	ck_assert_msg(counter(&r, "pswpout") >= 2048 * 3 / 4, "%s", r.vmstat);
	long long baseline = number_after(r.vm.console, "VmPTE:", 0);
	long long after = number_after(r.vm.console, "VmPTE:", 1);
	ck_assert_msg(baseline > 0 && after == baseline, "VmPTE %lld kB after release, %lld kB "
		      "for a 4K hog:\n%s", after, baseline, tail(r.vm.console));
	done(&r);
}
END_TEST

/* /proc/sys/vm/swappiness takes 0-200 and reads back what it took. */
START_TEST(proc_sys_vm_swappiness_refuses_201_and_reads_back_7)
{
	struct reclaim_run r = { 0 };

	boot_with(&r, "16M", NULL, "", "/bin/spawn memhog 1M --swappiness 201 --then memhog 1M "
		  "--swappiness 7 --show /proc/sys/vm/swappiness");
	ck_assert_msg(r.vm.status == 0, "status %d:\n%s", r.vm.status, tail(r.vm.console));
	ASSERT_CONSOLE(&r, "/proc/sys/vm/swappiness: Invalid argument");
	ASSERT_CONSOLE(&r, "] exited with status 2");
	long long shown = number_after(r.vm.console, "== /proc/sys/vm/swappiness", 0);
	ck_assert_msg(shown == 7, "read back %lld:\n%s", shown, tail(r.vm.console));
	done(&r);
}
END_TEST

/*
 * Policy outcomes (issue 7): an 8M guest leaves about 5M to a process;
 * memhog loops over 6M. mm.page_cluster=0 makes every page brought back
 * one major fault, so majflt counts the accesses that missed.
 */
#define POLICY_RAM   "8M"
#define LOOP_PAGES   1536          /* 6M */
#define LOOP_PASSES  2

/* memhog ARGS in a POLICY_RAM guest with swap under mm.policy=policy; it must succeed. */
static void policy_boot(struct reclaim_run *r, const char *policy, const char *args)
{
	char params[96];

	snprintf(params, sizeof(params), "mm.policy=%s mm.page_cluster=0", policy);
	boot_with(r, POLICY_RAM, "16M", params, args);
	ck_assert_msg(r->vm.status == 0, "%s: status %d:\n%s", policy, r->vm.status,
		      tail(r->vm.console));
}

/* majflt of memhog ARGS under mm.policy=policy (from its rusage line). */
static long policy_majflt(const char *policy, const char *args)
{
	struct reclaim_run r = { 0 };
	long majflt = -1;

	policy_boot(&r, policy, args);
	const char *line = strstr(r.vm.console, "memhog: minflt ");
	ck_assert_msg(line && sscanf(line, "memhog: minflt %*d majflt %ld", &majflt) == 1,
		      "%s: no rusage line:\n%s", policy, tail(r.vm.console));
	ck_assert_int_eq(counter(&r, "oom_kill"), 0);
	done(&r);
	return majflt;
}

static long loop_majflt(const char *policy)
{
	return policy_majflt(policy, "/bin/memhog 6M --pattern loop --passes 2");
}

/* Every access after the first pass: each page is gone by the time the loop returns. */
#define NEARLY_EVERY_ACCESS (LOOP_PAGES * (LOOP_PASSES - 1) * 9 / 10)

static void assert_faults_on_nearly_every_access(const char *policy)
{
	long majflt = loop_majflt(policy);

	ck_assert_msg(majflt >= NEARLY_EVERY_ACCESS, "%s majflt %ld", policy, majflt);
}

START_TEST(on_a_loop_slightly_larger_than_memory_fifo_faults_on_nearly_every_access)
{
	assert_faults_on_nearly_every_access("fifo");
}
END_TEST

START_TEST(on_a_loop_slightly_larger_than_memory_lru_faults_on_nearly_every_access)
{
	assert_faults_on_nearly_every_access("lru");
}
END_TEST

START_TEST(on_a_loop_slightly_larger_than_memory_clock_faults_on_nearly_every_access)
{
	assert_faults_on_nearly_every_access("clock");
}
END_TEST

/*
 * random evicts a random page, so some of the loop survives each pass:
 * measured 900-1040 major faults (65-75% of the floor fifo, lru and clock
 * stay above), varying with kswapd's timing; 3/4 of the floor failed at
 * 1040 once, so the bound is 7/8 of it.
 */
START_TEST(on_a_loop_slightly_larger_than_memory_random_keeps_part_of_it_resident)
{
	long majflt = loop_majflt("random");

	ck_assert_msg(majflt < NEARLY_EVERY_ACCESS * 7 / 8, "random majflt %ld", majflt);
}
END_TEST

/*
 * Refault distance (Linux's workingset detection), under lru: a page read
 * back from swap fewer evictions after its own than the active list holds
 * is activated. A zipf hog's hot pages come back that soon (29 of 278
 * measured); a loop's page comes back only after the rest of the loop was
 * evicted, so hardly ever (1 of 1543 measured; 0 with 16 KiB less RAM).
 */
START_TEST(under_lru_a_zipf_hogs_hot_refaults_are_activated_and_a_loops_hardly_ever)
{
	struct reclaim_run r = { 0 };

	policy_boot(&r, "lru", "/bin/memhog 6M --pattern zipf --passes 3");
	long long zipf_refaults = counter(&r, "workingset_refault_anon");
	long long zipf_activated = counter(&r, "workingset_activate_anon");
	done(&r);
	policy_boot(&r, "lru", "/bin/memhog 6M --pattern loop --passes 2");
	long long loop_refaults = counter(&r, "workingset_refault_anon");
	long long loop_activated = counter(&r, "workingset_activate_anon");
	done(&r);

	ck_assert_msg(zipf_activated > 0 && zipf_activated < zipf_refaults,
		      "zipf: %lld of %lld refaults activated", zipf_activated, zipf_refaults);
	ck_assert_msg(loop_refaults >= NEARLY_EVERY_ACCESS && loop_activated * 100 <= loop_refaults,
		      "loop: %lld of %lld refaults activated", loop_activated, loop_refaults);
}
END_TEST

START_TEST(on_a_zipf_pattern_lru_and_clock_fault_less_than_fifo)
{
	const char *args = "/bin/memhog 6M --pattern zipf --passes 3";
	long fifo = policy_majflt("fifo", args);
	long lru = policy_majflt("lru", args);
	long clock = policy_majflt("clock", args);

	ck_assert_msg(lru < fifo && clock < fifo, "majflt fifo %ld lru %ld clock %ld", fifo, lru,
		      clock);
}
END_TEST

Suite *reclaim_suite(void);
Suite *reclaim_suite(void)
{
	Suite *s = suite_create("reclaim");
	TCase *swap = tcase_create("swap");
	TCase *oom = tcase_create("oom");

	tcase_set_timeout(swap, 240);
	tcase_set_timeout(oom, 240);
	tcase_add_test(swap, with_swap_a_hog_twice_the_size_of_ram_completes_and_verifies_every_page);
	tcase_add_test(swap, with_swap_threads_sharing_one_mm_get_every_swapped_page_back);
	tcase_add_test(swap, kswapd_woken_below_the_low_watermark_reclaims_past_high_and_sleeps);
	tcase_add_test(oom, without_swap_file_pages_are_dropped_then_the_oom_killer_kills_the_hog_and_init_survives);
	tcase_add_test(oom, without_swap_a_hog_with_oom_score_adj_minus_1000_survives_and_the_smaller_one_dies);
	tcase_add_test(swap, swappiness_0_drops_the_page_cache_first_and_200_swaps_anonymous_pages_instead);
	tcase_add_test(swap, proc_sys_vm_swappiness_refuses_201_and_reads_back_7);
	tcase_add_test(swap, munmap_of_swapped_out_memory_frees_its_page_tables);
	TCase *policy = tcase_create("policy");
	tcase_set_timeout(policy, 120);
	tcase_add_test(policy, on_a_loop_slightly_larger_than_memory_fifo_faults_on_nearly_every_access);
	tcase_add_test(policy, on_a_loop_slightly_larger_than_memory_lru_faults_on_nearly_every_access);
	tcase_add_test(policy, on_a_loop_slightly_larger_than_memory_clock_faults_on_nearly_every_access);
	tcase_add_test(policy, on_a_loop_slightly_larger_than_memory_random_keeps_part_of_it_resident);
	tcase_add_test(policy, under_lru_a_zipf_hogs_hot_refaults_are_activated_and_a_loops_hardly_ever);
	tcase_add_test(policy, on_a_zipf_pattern_lru_and_clock_fault_less_than_fifo);
	TCase *tlb = tcase_create("tlb");   /* issue 16: stale translations after swap-out */
	tcase_set_timeout(tlb, 600);   /* past the random hog's 500 s and the harness's kill at
					* 560 s: a hang fails with its console */
	tcase_add_test(tlb, under_random_a_looping_hog_with_swap_keeps_every_write_and_its_bookkeeping);
	tcase_add_test(tlb, on_qemu_tcg_a_looping_hog_with_swap_keeps_every_write_and_its_bookkeeping);
	suite_add_tcase(s, tlb);
	suite_add_tcase(s, policy);
	suite_add_tcase(s, swap);
	suite_add_tcase(s, oom);
	return s;
}
