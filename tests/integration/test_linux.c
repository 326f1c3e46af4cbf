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
 * Linux's own virtio drivers bind memvisor's devices: the disk becomes
 * swap, which Linux writes and reads back under memhog --verify, and the
 * balloon inflates and deflates as the host sets its size.
 *
 * Cores and snapshots of Linux carry its VMCOREINFO note: Debian's crash
 * reads the release from them.
 *
 * On a PVM host Debian's kernel cannot boot (PVM's emulator stops on its
 * cmpxchg16b and xrstor64), so there memvisor runs in a helper VM
 * (MEMVISOR_HELPER_VM=1 scripts/with-kvm); elsewhere, inside the helper
 * VM included, it runs directly.
 */
#include "harness.h"

#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
	/* nothing Linux finds here is worth a WARN (the helper VM's XSAVE made
	 * one on every boot: scripts/with-kvm's cpu_model says why) */
	ck_assert_msg(!console_has(&r, "WARNING: CPU: "), "Linux WARNs on %s CPUs:\n%s", cpus,
		      r.console);
	vm_run_free(&r);
}
END_TEST

/* o[a][b] (o[a] when b is NULL) as an integer, -1 when absent. */
static long long json_ll(json_object *o, const char *a, const char *b)
{
	json_object *x, *y;
	if (!json_object_object_get_ex(o, a, &x))
		return -1;
	if (!b)
		return json_object_get_int64(x);
	if (!json_object_object_get_ex(x, b, &y))
		return -1;
	return json_object_get_int64(y);
}

#define MiB (1024ll * 1024)

/*
 * What a --stats stream of the devices case shows: the balloon's counters
 * and the guest's statistics in its last record; the guest RAM resident on
 * the host and the pages reported free in the last record before the
 * balloon inflated, and the resident RAM and inflated pages in the last
 * record while no more pages were reported (whatever the host got back
 * in between, the balloon gave it).
 */
struct balloon_run {
	long long actual, inflated, deflated, held, reported;
	long long guest_total, guest_free, guest_updates;
	long long before_resident, before_reported;
	long long quiet_resident, quiet_inflated;
	long long last_target, held_targeted; /* in the last record with a target */
};

/* Folds one stats record into run. */
static void balloon_run_add(struct balloon_run *run, json_object *o)
{
	long long resident = json_ll(o, "host", "resident");
	run->actual = json_ll(o, "balloon", "actual");
	run->inflated = json_ll(o, "balloon", "inflated_pages");
	run->deflated = json_ll(o, "balloon", "deflated_pages");
	run->held = json_ll(o, "balloon", "held");
	run->reported = json_ll(o, "balloon", "reported_pages");
	run->guest_total = json_ll(o, "guest", "total_memory");
	run->guest_free = json_ll(o, "guest", "free_memory");
	run->guest_updates = json_ll(o, "guest", "updates");
	if (json_ll(o, "balloon", "target") > 0) {
		run->last_target = json_ll(o, "balloon", "target");
		run->held_targeted = run->held;
	}
	if (run->inflated == 0) {
		run->before_resident = resident;
		run->before_reported = run->reported;
	} else if (run->reported == run->before_reported && run->deflated == 0) {
		run->quiet_resident = resident;
		run->quiet_inflated = run->inflated;
	}
}

static struct balloon_run balloon_run_read(const char *path)
{
	struct balloon_run run = { .before_resident = -1, .quiet_resident = -1 };
	char line[16384];
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "no stats stream %s", path);
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse(line);
		if (!o)
			continue;
		balloon_run_add(&run, o);
		json_object_put(o);
	}
	fclose(f);
	return run;
}

/*
 * Linux's own virtio drivers (Debian's modules, loaded by the initrd's
 * init; virtio_mmio finds the devices in the DSDT) bind memvisor's balloon
 * and blk devices: the disk becomes swap, and the balloon driver inflates
 * to a target the host sets (--pressure, waiting on the guest's line and
 * the device's count, never on time) and deflates again when it is
 * lowered. Before it holds, the init writes 192M with memhog and frees it
 * (linux-init.touch), so the guest's free memory is resident on the host
 * when the balloon inflates, and the host gets it back; then it runs a
 * hog that does not fit beside the balloon, and Linux deflates it on OOM.
 * The same run's --stats stream carries what the driver's statistics
 * queue says and the free pages Linux reported.
 */
START_TEST(linux_virtio_drivers_bind_memvisors_devices_and_the_balloon_follows_the_host)
{
	char stats[512], swap[512], stats_arg[600], swap_arg[600];
	/* copies: test_build_path's buffers are reused by the calls below */
	snprintf(stats, sizeof(stats), "%s", test_build_path("linux/balloon-stats.jsonl"));
	snprintf(swap, sizeof(swap), "%s", test_build_path("linux/swap.img"));
	make_linux_guest();
	unlink(stats);
	unlink(swap); /* a disk of another size left by an earlier run is refused */
	snprintf(stats_arg, sizeof(stats_arg), "%s:0.5", stats);
	snprintf(swap_arg, sizeof(swap_arg), "%s:64M", swap);
	/* memvisor's own bound, under the harness's HARNESS_KILL_SECONDS (the
	 * helper VM's boot counts against that too): a hung guest ends with
	 * status 124 and memvisor's hang report in the message, not killed */
	const char *argv[] = { "run", "-m", "512M", "--timeout", "240", "--crash-dump", "none",
			       "--stats", stats_arg, "--swap", swap_arg, "--pressure",
			       "when console \"^linux-init: holding\":balloon=128M,"
			       "when balloon.actual >= 128M:balloon=124M,"
			       "when console \"^linux-init: oom: \":balloon=0,"
			       "when balloon.actual == 0:quit",
			       "--initrd", LINUX_INITRD, LINUX_VMLINUX, "--", "linux-init.touch=192M",
			       "linux-init.oom=400M", "linux-init.hold=1", NULL };
	struct vm_run r = run_linux(argv);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	ck_assert_msg(console_has(&r, "linux-init: virtio: balloon yes, blk /dev/vda 65536 kB"),
		      "Linux's drivers did not bind both devices:\n%s", r.console);
	ck_assert_msg(console_has(&r, "linux-init: swap on /dev/vda: "), "%s", r.console);
	ck_assert_msg(console_has(&r, "linux-init: touched 192M\n") &&
		      console_has(&r, "linux-init: holding"), "%s", r.console);
	struct balloon_run c = balloon_run_read(stats);
	/* 128M is 32768 pages, taken and given back */
	ck_assert_msg(c.actual == 0 && c.held == 0, "actual %lld held %lld", c.actual, c.held);
	ck_assert_msg(c.inflated >= 32768 && c.deflated >= 32768, "inflated %lld deflated %lld",
		      c.inflated, c.deflated);
	/* The hog's 192M are resident and free in the guest when the target
	 * is set, at the head of Linux's free lists, where the balloon takes
	 * its pages from; memvisor discards each page it is given. Free page
	 * reporting would give them back too, but only 2 s after they are
	 * freed: until reported_pages next rises, what the host gets back
	 * came through the balloon. In that window the drop is at least half
	 * the pages inflated (all of them in a trial run: 100M for 25600
	 * pages; the half leaves room for pages the guest touches meanwhile;
	 * without the hog the drop was near 0, the balloon taking untouched
	 * pages), and the window holds at least 4M of inflation (0.5 s
	 * samples, the balloon inflating 14-70M/s through the helper VM). */
	long long quiet_bytes = c.quiet_inflated * 4096, drop = c.before_resident - c.quiet_resident;
	ck_assert_msg(c.before_resident > 0 && c.quiet_resident > 0 && quiet_bytes >= 4 * MiB &&
		      drop >= quiet_bytes / 2,
		      "host.resident %lld before inflating, %lld after %lld pages inflated "
		      "(before reporting more): dropped less than half of them",
		      c.before_resident, c.quiet_resident, c.quiet_inflated);
	/* deflate-on-oom (VIRTIO_BALLOON_F_DEFLATE_ON_OOM): with the balloon
	 * at 124M (the host's 4M deflate, 1024 pages, is the init's signal)
	 * memhog 400M wants more than the rest of the guest and its 64M of
	 * swap (about 300M free with the balloon in), so Linux runs out of
	 * memory and its driver gives back 256 pages (1M) per OOM: before
	 * the host lowers the target again the device holds at least that
	 * much less than the target (41M less in a trial run) */
	ck_assert_msg(console_has(&r, "linux-init: oom: memhog status "), "%s", r.console);
	ck_assert_msg(c.last_target == 124 * MiB && c.held_targeted <= c.last_target - MiB,
		      "the balloon held %lld of its %lld target after the OOM: Linux did not "
		      "deflate on OOM", c.held_targeted, c.last_target);
	/* the statistics queue (VIRTIO_BALLOON_F_STATS_VQ): Linux's own
	 * figures for a 512M guest (MemTotal is what the kernel's image and
	 * reserved pages leave) */
	ck_assert_msg(c.guest_updates > 0 && c.guest_total > 256 * MiB &&
		      c.guest_total <= 512 * MiB && c.guest_free > 0 &&
		      c.guest_free <= c.guest_total,
		      "guest statistics: %lld updates, total_memory %lld, free_memory %lld",
		      c.guest_updates, c.guest_total, c.guest_free);
	/* free page reporting (VIRTIO_BALLOON_F_REPORTING): Linux reports
	 * nothing smaller than a pageblock, 2M (512 pages) */
	ck_assert_msg(c.reported >= 512, "reported_pages %lld", c.reported);
	vm_run_free(&r);
	unlink(swap);
}
END_TEST

/* The text after PREFIX on the console line that starts with it, up to
 * the line's end, into out. */
static void console_value(const char *console, const char *prefix, char *out, size_t max)
{
	const char *p = strstr(console, prefix);
	ck_assert_msg(p != NULL, "no line %s...:\n%s", prefix, console);
	p += strlen(prefix);
	size_t n = strcspn(p, "\n");
	ck_assert_msg(n > 0 && n < max, "line %s%.*s", prefix, (int)n, p);
	memcpy(out, p, n);
	out[n] = 0;
}

/*
 * Linux swaps to memvisor's virtio-blk for real: a 128M guest (MemTotal
 * about 80M) runs memhog over 96M with --verify, so the kernel writes
 * pages out to the disk and reads them back, and every page reads back as
 * memhog wrote it; /proc/vmstat's pswpout, printed by the init after
 * memhog, says how many pages went out (about 25000 in a trial run, 100 s
 * through the helper VM).
 */
START_TEST(linux_swaps_to_memvisors_disk_under_a_hog_and_memhog_verifies_every_page)
{
	char swap[512], swap_arg[600], pswpout[32];
	snprintf(swap, sizeof(swap), "%s", test_build_path("linux/swap-hog.img"));
	make_linux_guest();
	unlink(swap);
	snprintf(swap_arg, sizeof(swap_arg), "%s:256M", swap);
	const char *argv[] = { "run", "-m", "128M", "--timeout", "240", "--crash-dump", "none",
			       "--swap", swap_arg, "--initrd", LINUX_INITRD, LINUX_VMLINUX, "--", "--",
			       "/bin/memhog", "96M", "--verify", NULL };
	struct vm_run r = run_linux(argv);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	ck_assert_msg(console_has(&r, "linux-init: swap on /dev/vda: "), "%s", r.console);
	/* 96M is 24576 pages, every one touched and read back */
	ck_assert_msg(console_has(&r, "memhog: verify ok: 24576 pages\n") &&
		      console_has(&r, "linux-init: /bin/memhog exited with status 0\n"),
		      "memhog did not verify:\n%s", r.console);
	console_value(r.console, "linux-init: pswpout ", pswpout, sizeof(pswpout));
	ck_assert_msg(atol(pswpout) > 0, "Linux wrote no page to swap (pswpout %s)", pswpout);
	vm_run_free(&r);
	unlink(swap);
}
END_TEST

/*
 * One Linux run on 2 vCPUs for the "cores" tests (an unchecked fixture:
 * it runs once, before they fork): the init starts a `sleep` and prints
 * its present pages from /proc/PID/pagemap (linux-init.pagemap=1), starts
 * two shells spinning in user mode (linux-init.spin=2), then holds; the
 * host takes a snapshot, two more on the next stats samples (when events
 * fire one per sample), a save (a core with all of RAM) and quits.
 *
 * The "pti" tests have a run of their own, the same with page-table
 * isolation forced on (pti=on: what Linux does by itself on a
 * Meltdown-affected Intel host; a process's pgd is then a pair, and user
 * mode runs on the second, user copy, vmm/snap/linux_tasks.h). Under PTI
 * every timer tick switches CR3 twice, which the helper VM's TCG pays for
 * with a TLB flush each time: on a loaded host its vCPUs were in the
 * kernel at all 6 moments of 3 snapshots in 2 runs of 5, so the cores
 * case's user-mode check stays on a run without PTI.
 */
#define CORES_SNAPSHOTS 3
struct cores_run {
	char core[512], save[512];
	char later[CORES_SNAPSHOTS - 1][512]; /* the snapshots after core */
	char *console;
};
static struct cores_run cores, pti;

/* BUILD/linux/NAME followed by suffix into out (512 bytes). */
static void run_file(char *out, const char *name, const char *suffix)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "linux/%s%s", name, suffix);
	snprintf(out, 512, "%s", test_build_path(rel));
	unlink(out);
}

static void linux_cores_run(struct cores_run *c, const char *name, const char *isolation)
{
	char pressure[3000], log[128];
	run_file(c->core, name, ".core");
	run_file(c->save, name, ".mvs");
	run_file(c->later[0], name, "-2.core");
	run_file(c->later[1], name, "-3.core");
	make_linux_guest();
	snprintf(pressure, sizeof(pressure),
		 "when console \"^linux-init: holding\":snapshot=%s,"
		 "when console \"^linux-init: holding\":snapshot=%s,"
		 "when console \"^linux-init: holding\":snapshot=%s,"
		 "when console \"^linux-init: holding\":save=%s,"
		 "when console \"^linux-init: holding\":quit", c->core, c->later[0],
		 c->later[1], c->save);
	const char *argv[] = { "run", "-c", "2", "-m", "512M", "--timeout", "240", "--crash-dump",
			       "none", "--pressure", pressure, "--initrd", LINUX_INITRD, LINUX_VMLINUX,
			       "--", isolation, "linux-init.pagemap=1", "linux-init.spin=2",
			       "linux-init.hold=1", NULL };
	struct vm_run r = run_linux(argv);
	snprintf(log, sizeof(log), "linux/%s-console.log", name);
	if (r.status != 0) { /* Check cuts long messages: the whole console goes to a file */
		FILE *f = fopen(test_build_path(log), "w");
		if (f) {
			fputs(r.console, f);
			fclose(f);
		}
	}
	ck_assert_msg(r.status == 0, "status %d (console in build/%s)\n%s", r.status, log,
		      r.console);
	c->console = r.console; /* kept for the tests; freed in teardown */
}

static void linux_cores_free(struct cores_run *c)
{
	free(c->console);
	unlink(c->core);
	for (int i = 0; i < CORES_SNAPSHOTS - 1; i++)
		unlink(c->later[i]);
	unlink(c->save);
}

static void cores_setup(void)
{
	linux_cores_run(&cores, "cores", "pti=auto");
}

static void cores_teardown(void)
{
	linux_cores_free(&cores);
}

static void pti_setup(void)
{
	linux_cores_run(&pti, "pti", "pti=on");
}

static void pti_teardown(void)
{
	linux_cores_free(&pti);
}

/*
 * Snapshots of a Linux guest carry its VMCOREINFO note (found in its RAM
 * by memvisor: vmm/snap/vmcoreinfo.c): `show` prints the release and
 * KERNELOFFSET from a snapshot, and Debian's crash reads the release the
 * guest's own uname -r printed out of a save, a core with all its RAM.
 */
START_TEST(linux_cores_carry_vmcoreinfo_so_crash_and_show_name_the_guests_release)
{
	char release[80], want[160];
	struct vm_run r;
	console_value(cores.console, "linux-init: release ", release, sizeof(release));
	const char *show[] = { "show", cores.core, "--view", "tables", NULL };
	ck_assert_int_eq(vm_run(&r, show), 0);
	snprintf(want, sizeof(want), "# Linux %s, KERNELOFFSET ", release);
	ck_assert_msg(r.status == 0 && console_has(&r, want), "no \"%s\" in show's header:\n%s",
		      want, r.console);
	vm_run_free(&r);

	const char *crash[] = { "crash", "--osrelease", cores.save, NULL };
	ck_assert_int_eq(prog_run(&r, crash), 0);
	snprintf(want, sizeof(want), "%s\n", release);
	ck_assert_msg(r.status == 0 && !strcmp(r.console, want),
		      "crash --osrelease: status %d, \"%s\" (the guest said %s; is Debian's crash "
		      "installed?)", r.status, r.console, release);
	vm_run_free(&r);
}
END_TEST

/* The processes of a snapshot's tasks view: pid and root, at most max. */
static int task_roots(const char *core, long long *pid, long long *root, int max)
{
	struct vm_run r;
	json_object *all, *tasks;
	const char *argv[] = { "show", core, "--view", "tasks", "--json", NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	all = json_tokener_parse(r.console);
	ck_assert_msg(r.status == 0 && all && json_object_object_get_ex(all, "tasks", &tasks),
		      "show tasks:\n%s", r.console);
	int n = (int)json_object_array_length(tasks);
	ck_assert_int_le(n, max);
	for (int i = 0; i < n; i++) {
		pid[i] = json_ll(json_object_array_get_idx(tasks, (size_t)i), "pid", NULL);
		root[i] = json_ll(json_object_array_get_idx(tasks, (size_t)i), "root", NULL);
	}
	json_object_put(all);
	vm_run_free(&r);
	return n;
}

/* Debian's vmlinux with debug info for release (linux-image-RELEASE-dbg:
 * installed, or unpacked under BUILD/linux-dbg) into out; false if none. */
static bool debug_vmlinux(const char *release, char *out, size_t max)
{
	char rel[160];
	snprintf(out, max, "/usr/lib/debug/boot/vmlinux-%s", release);
	if (access(out, R_OK) == 0)
		return true;
	snprintf(rel, sizeof(rel), "linux-dbg/usr/lib/debug/boot/vmlinux-%s", release);
	snprintf(out, max, "%s", test_build_path(rel));
	return access(out, R_OK) == 0;
}

/*
 * Whether debugger (crash, drgn) can open the pti run's save: it is
 * installed and so is the debug vmlinux of the guest's release (the
 * release into release, 80 bytes; the vmlinux's path into vmlinux). When
 * not, prints why test skips itself and returns false.
 */
static bool debugger_ready(const char *test, const char *debugger, char *release,
			   char *vmlinux, size_t max)
{
	char probe[64];
	struct vm_run r;
	console_value(pti.console, "linux-init: release ", release, 80);
	snprintf(probe, sizeof(probe), "command -v %s", debugger);
	const char *which[] = { "sh", "-c", probe, NULL };
	ck_assert_int_eq(prog_run(&r, which), 0);
	bool installed = r.status == 0;
	vm_run_free(&r);
	if (installed && debug_vmlinux(release, vmlinux, max))
		return true;
	if (installed)
		printf("%s: skipped: no vmlinux with debug info for %s "
		       "(linux-image-%s-dbg, installed or unpacked under build/linux-dbg)\n",
		       test, release, release);
	else
		printf("%s: skipped: %s is not installed\n", test, debugger);
	return false;
}

/* The number after "key" in text (base 16), or -1 when text has no key. */
static long long hex_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtoll(p + strlen(key), NULL, 16) : -1;
}

/*
 * Debian's crash opens the pti run's save (a core with all of RAM) with
 * the debug vmlinux of the same release: its `sys` names the release, its KASLR
 * offset is the one VMCOREINFO gives, and init_task's list, read through
 * the core's RAM, holds the process the guest's init printed. Skipped,
 * with a line saying so, when crash or the debug vmlinux (a package of
 * 859 MB) is missing. crash 8.0.2's `ps` finds only the running tasks of
 * this kernel (it reads struct pid without its numbers[], a flexible array
 * in Debian's 6.1), so the list is walked with `list` instead.
 */
START_TEST(crash_reads_a_linux_save_with_debians_debug_vmlinux)
{
	char release[80], vmlinux[512], cmds[512], want[160], head[64];
	struct vm_run r, v;
	if (!debugger_ready("crash_reads_a_linux_save_with_debians_debug_vmlinux", "crash", release,
			    vmlinux, sizeof(vmlinux)))
		return;
	console_value(pti.console, "linux-init: pagemap of ", head, sizeof(head));
	snprintf(cmds, sizeof(cmds), "%s", test_build_path("linux/crash-cmds"));
	FILE *f = fopen(cmds, "w");
	ck_assert_ptr_nonnull(f);
	fputs("sys\nhelp -k\nlist task_struct.tasks -h init_task -s task_struct.pid\nquit\n", f);
	fclose(f);
	const char *crash[] = { "crash", "-s", "-i", cmds, vmlinux, pti.save, NULL };
	ck_assert_int_eq(prog_run(&r, crash), 0);
	snprintf(want, sizeof(want), "RELEASE: %s\n", release);
	ck_assert_msg(r.status == 0 && console_has(&r, want), "crash: status %d, no \"%s\":\n%s",
		      r.status, want, r.console);
	int pid = atoi(head);
	snprintf(want, sizeof(want), "  pid = %d,\n", pid);
	ck_assert_msg(console_has(&r, want), "crash's walk of init_task's list has no pid %d:\n%s",
		      pid, r.console);

	const char *show[] = { "show", pti.save, "--view", "cpus", NULL };
	ck_assert_int_eq(vm_run(&v, show), 0);
	long long offset = hex_after(v.console, "KERNELOFFSET ");
	ck_assert_msg(offset >= 0 && hex_after(r.console, "KASLR offset: ") == offset,
		      "crash's KASLR offset is not VMCOREINFO's %lld:\n%s", offset, r.console);
	vm_run_free(&v);
	vm_run_free(&r);
	unlink(cmds);
}
END_TEST

/*
 * drgn (Debian's python3-drgn) opens the pti run's save with the debug
 * vmlinux: its walk of the task list (for_each_task) finds every process
 * memvisor's snapshot has, each with the pgd memvisor found (under PTI
 * memvisor's root is the user copy, the page after it). Skipped, with a
 * line saying so, when drgn or the debug vmlinux is missing.
 */
START_TEST(drgn_reads_a_linux_saves_tasks_as_memvisor_does)
{
	char release[80], vmlinux[512], script[512], want[160];
	long long pid[256], root[256];
	struct vm_run r;
	if (!debugger_ready("drgn_reads_a_linux_saves_tasks_as_memvisor_does", "drgn", release,
			    vmlinux, sizeof(vmlinux)))
		return;
	snprintf(script, sizeof(script), "%s", test_build_path("linux/drgn-tasks.py"));
	FILE *f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fputs("from drgn.helpers.linux.pid import for_each_task\n"
	      "from drgn.helpers.linux.mm import virt_to_phys\n"
	      "print('release', prog['init_uts_ns'].name.release.string_().decode())\n"
	      "for t in for_each_task(prog):\n"
	      "    if t.mm:\n"
	      "        print('task %d pgd %#x' % (t.pid, virt_to_phys(t.mm.pgd)))\n", f);
	fclose(f);
	const char *drgn[] = { "drgn", "-q", "-c", pti.save, "-s", vmlinux, script, NULL };
	ck_assert_int_eq(prog_run(&r, drgn), 0);
	snprintf(want, sizeof(want), "release %s\n", release);
	ck_assert_msg(r.status == 0 && console_has(&r, want), "drgn: status %d, no \"%s\":\n%s",
		      r.status, want, r.console);
	int n = task_roots(pti.save, pid, root, 256);
	ck_assert_int_ge(n, 2);
	for (int i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "task %lld pgd %#llx\n", pid[i], root[i] & ~0x1000ll);
		ck_assert_msg(console_has(&r, want), "drgn has no \"%s\" (memvisor's root %#llx):\n%s",
			      want, root[i], r.console);
	}
	vm_run_free(&r);
	unlink(script);
}
END_TEST

/* The pages memvisor's walk of space pid maps: total, and whether va maps pa. */
struct space_pages {
	json_object *ranges;
	long long pages;
};

static struct space_pages space_pages(json_object *all, const char *name)
{
	struct space_pages sp = { NULL, 0 };
	ck_assert_msg(json_object_object_get_ex(all, name, &sp.ranges), "no space \"%s\"", name);
	for (size_t i = 0; i < json_object_array_length(sp.ranges); i++)
		sp.pages += json_ll(json_object_array_get_idx(sp.ranges, i), "len", NULL) / 4096;
	return sp;
}

static bool space_maps(const struct space_pages *sp, uint64_t va, uint64_t pa)
{
	for (size_t i = 0; i < json_object_array_length(sp->ranges); i++) {
		json_object *r = json_object_array_get_idx(sp->ranges, i);
		uint64_t rva = (uint64_t)json_ll(r, "va", NULL), len = (uint64_t)json_ll(r, "len", NULL);
		if (va >= rva && va - rva < len)
			return (uint64_t)json_ll(r, "pa", NULL) + (va - rva) == pa;
	}
	return false;
}

/* The one space `show --space` printed, as its name and its ranges. */
static json_object *only_space(json_object *all, char *name, size_t max)
{
	json_object *ranges = NULL;
	ck_assert_msg(all && json_object_object_length(all) == 1, "not one space");
	json_object_object_foreach(all, key, val) {
		snprintf(name, max, "%s", key);
		ranges = val;
	}
	return ranges;
}

/*
 * The task list of a Linux guest (init_task from the vmlinux's exports,
 * task_struct's layout from its BTF, VMCOREINFO for where the kernel
 * runs: vmm/snap/linux_tasks.c) gives one space per process, walked from
 * its mm->pgd: the sleeping process's space maps exactly the pages Linux
 * reports present in /proc/PID/pagemap, each to the same physical page.
 */
START_TEST(a_linux_processs_space_maps_the_pages_its_pagemap_reports)
{
	char head[64], name[64], line[96];
	int pid = 0, pages = 0;
	struct vm_run r;
	console_value(cores.console, "linux-init: pagemap of ", head, sizeof(head));
	ck_assert_int_eq(sscanf(head, "%d", &pid), 1);
	snprintf(name, sizeof(name), "%d", pid);
	const char *show[] = { "show", cores.core, "--view", "maps", "--space", name, "--json", NULL };
	ck_assert_int_eq(vm_run(&r, show), 0);
	ck_assert_msg(r.status == 0, "show: status %d\n%s", r.status, r.console);
	json_object *all = json_tokener_parse(r.console);
	ck_assert_msg(all != NULL, "show --json:\n%s", r.console);
	only_space(all, name, sizeof(name));
	struct space_pages sp = space_pages(all, name);
	snprintf(line, sizeof(line), "linux-init: pages %d ", pid);
	for (const char *p = strstr(cores.console, line); p; p = strstr(p + 1, line)) {
		unsigned long long va, pfn;
		int n;
		ck_assert_int_eq(sscanf(p + strlen(line), "%llx %llx %d", &va, &pfn, &n), 3);
		for (int k = 0; k < n; k++, pages++)
			ck_assert_msg(space_maps(&sp, va + 4096ull * k, (pfn + k) << 12),
				      "Linux maps %#llx to PFN %#llx, memvisor's walk of %s does not",
				      va + 4096ull * k, pfn + k, name);
	}
	ck_assert_msg(pages > 0 && sp.pages == pages, "Linux reports %d present pages for %d, "
		      "memvisor's walk of %s has %lld", pages, pid, name, sp.pages);
	json_object_put(all);
	vm_run_free(&r);
}
END_TEST

/* Whether a space's name is a process's ("PID (comm)"), not kernel or cpuN. */
static bool is_process_space(const char *name)
{
	return name[0] >= '0' && name[0] <= '9';
}

/*
 * Every process on the list, init among them, has a space walked from a
 * real page table: all it maps is guest RAM (a root read wrongly, say a
 * pgd's physical address off by its place in a 2M page, walks garbage
 * that points far outside the guest's 512M). `show --view tasks` lists
 * the same processes, init first.
 */
START_TEST(every_linux_process_gets_a_space_that_maps_only_guest_ram)
{
	struct vm_run r;
	int processes = 0;
	const char *show[] = { "show", cores.core, "--view", "maps", "--json", NULL };
	ck_assert_int_eq(vm_run(&r, show), 0);
	json_object *all = json_tokener_parse(r.console);
	ck_assert_msg(r.status == 0 && all, "show: status %d\n%s", r.status, r.console);
	json_object_object_foreach(all, name, ranges) {
		if (!is_process_space(name))
			continue;
		processes++;
		for (size_t i = 0; i < json_object_array_length(ranges); i++) {
			json_object *e = json_object_array_get_idx(ranges, i);
			long long pa = json_ll(e, "pa", NULL), len = json_ll(e, "len", NULL);
			ck_assert_msg(pa >= 0 && pa + len <= 512ll << 20, "%s maps %#llx..%#llx: "
				      "outside guest RAM", name, pa, pa + len);
		}
	}
	ck_assert_msg(processes >= 2 && json_object_object_get_ex(all, "1 (init)", NULL),
		      "%d process spaces, init's among them?\n%s", processes, r.console);
	json_object_put(all);
	vm_run_free(&r);

	/* the tasks view lists the same processes, init first */
	const char *tasks_argv[] = { "show", cores.core, "--view", "tasks", "--json", NULL };
	json_object *tasks;
	ck_assert_int_eq(vm_run(&r, tasks_argv), 0);
	all = json_tokener_parse(r.console);
	ck_assert_msg(r.status == 0 && all && json_object_object_get_ex(all, "tasks", &tasks) &&
		      (int)json_object_array_length(tasks) == processes, "show tasks:\n%s", r.console);
	json_object *init = json_object_array_get_idx(tasks, 0);
	ck_assert_msg(json_ll(init, "pid", NULL) == 1 &&
		      !strcmp(json_object_get_string(json_object_object_get(init, "comm")), "init"),
		      "show tasks:\n%s", r.console);
	json_object_put(all);
	vm_run_free(&r);
}
END_TEST

/*
 * The nested view and diff need no guest cooperation, so they work on
 * Linux's process too: the sleeping process's pages in guest RAM go
 * through one memory slot (HVA - GPA the same for all: 512M is one slot),
 * some are resident on the host and dirty (its stack), and between two
 * snapshots a sample apart none of its mappings came or went.
 */
START_TEST(a_linux_processs_nested_view_and_diff_follow_its_pages)
{
	char head[64], name[64];
	int pid = 0;
	struct vm_run r, d;
	console_value(cores.console, "linux-init: pagemap of ", head, sizeof(head));
	ck_assert_int_eq(sscanf(head, "%d", &pid), 1);
	snprintf(name, sizeof(name), "%d", pid);
	const char *show[] = { "show", cores.core, "--view", "nested", "--space", name, "--json",
			       NULL };
	ck_assert_int_eq(vm_run(&r, show), 0);
	ck_assert_msg(r.status == 0, "show: status %d\n%s", r.status, r.console);
	json_object *all = json_tokener_parse(r.console);
	json_object *ranges = only_space(all, name, sizeof(name));
	long long delta = 0, resident = 0, dirty = 0, in_ram = 0;
	for (size_t i = 0; i < json_object_array_length(ranges); i++) {
		json_object *x = json_object_array_get_idx(ranges, i);
		long long hva = json_ll(x, "hva", NULL), pa = json_ll(x, "pa", NULL);
		long long len = json_ll(x, "len", NULL), res = json_ll(x, "host_resident_pages", NULL);
		ck_assert_msg(hva > 0 && pa >= 0 && len > 0, "%s: range %zu outside RAM", name, i);
		ck_assert_msg(in_ram == 0 || hva - pa == delta, "%s: HVA - GPA %lld, then %lld",
			      name, delta, hva - pa);
		delta = hva - pa;
		in_ram++;
		ck_assert_msg(res >= 0 && res <= len / 4096, "%s: %lld resident of %lld pages", name,
			      res, len / 4096);
		resident += res;
		dirty += json_ll(x, "dirty_pages", NULL);
	}
	ck_assert_msg(in_ram > 0 && resident > 0 && dirty > 0,
		      "%s: %lld ranges, %lld pages resident on the host, %lld dirty", name, in_ram,
		      resident, dirty);

	const char *diff[] = { "diff", cores.core, cores.later[0], "--json", NULL };
	ck_assert_int_eq(vm_run(&d, diff), 0);
	ck_assert_msg(d.status == 0 || d.status == 1, "diff: status %d\n%s", d.status, d.console);
	json_object *dj = json_tokener_parse(d.console), *spaces, *mine, *added, *removed;
	ck_assert_msg(dj && json_object_object_get_ex(dj, "spaces", &spaces) &&
		      json_object_object_get_ex(spaces, name, &mine) &&
		      json_object_object_get_ex(mine, "added", &added) &&
		      json_object_object_get_ex(mine, "removed", &removed),
		      "diff has no space %s:\n%.2000s", name, d.console);
	ck_assert_msg(json_object_array_length(added) == 0 && json_object_array_length(removed) == 0,
		      "the sleeping %s gained or lost mappings between two snapshots:\n%.2000s", name,
		      json_object_to_json_string(mine));
	json_object_put(dj);
	json_object_put(all);
	vm_run_free(&d);
	vm_run_free(&r);
}
END_TEST

/*
 * The cpuN spaces of a Linux guest on 2 vCPUs in one snapshot: each vCPU's
 * is the table its CR3 holds, and a vCPU in user mode (two shells spin
 * there) runs a process from the task list, its space the very same walk.
 * Returns how many vCPUs were in user mode.
 */
static int vcpus_in_user_mode_run_a_listed_process(const char *core)
{
	struct vm_run r, m;
	int user = 0;
	const char *cpus_argv[] = { "show", core, "--view", "cpus", "--json", NULL };
	const char *maps_argv[] = { "show", core, "--view", "maps", "--json", NULL };
	ck_assert_int_eq(vm_run(&r, cpus_argv), 0);
	ck_assert_int_eq(vm_run(&m, maps_argv), 0);
	json_object *cj = json_tokener_parse(r.console), *mj = json_tokener_parse(m.console), *cpus;
	ck_assert_msg(cj && mj && json_object_object_get_ex(cj, "cpus", &cpus) &&
		      json_object_array_length(cpus) == 2, "show cpus:\n%s", r.console);
	for (int i = 0; i < 2; i++) {
		json_object *c = json_object_array_get_idx(cpus, (size_t)i), *mode, *own, *theirs;
		char cpu[16], proc[64];
		snprintf(cpu, sizeof(cpu), "cpu%d", i);
		ck_assert_msg(json_object_object_get_ex(mj, cpu, &own), "no space %s in %s", cpu, core);
		json_object_object_get_ex(c, "mode", &mode);
		if (strcmp(json_object_get_string(mode), "user"))
			continue;
		user++;
		long long pid = json_ll(c, "pid", NULL);
		const char *comm = json_object_get_string(json_object_object_get(c, "comm"));
		ck_assert_msg(pid >= 0 && comm, "%s is in user mode on a CR3 no process has:\n%s", cpu,
			      r.console);
		snprintf(proc, sizeof(proc), "%lld (%s)", pid, comm);
		ck_assert_msg(json_object_object_get_ex(mj, proc, &theirs) &&
			      json_object_equal(own, theirs), "%s and %s differ in %s", cpu, proc, core);
	}
	json_object_put(cj);
	json_object_put(mj);
	vm_run_free(&r);
	vm_run_free(&m);
	return user;
}

/* count(core) summed over the snapshots of run c. */
static int over_snapshots(const struct cores_run *c, int (*count)(const char *core))
{
	int n = count(c->core);
	for (int i = 0; i < CORES_SNAPSHOTS - 1; i++)
		n += count(c->later[i]);
	return n;
}

/*
 * With two shells spinning, a vCPU is in user mode at most moments, but
 * at any one of them both may be in the kernel (a timer tick, slow under
 * the helper's nested TCG: 3 snapshots in 29 found none). Of three
 * snapshots a sample apart, at least one must find one; every vCPU any
 * of them finds in user mode must run a listed process.
 */
START_TEST(each_vcpu_of_linux_runs_a_space_and_in_user_mode_a_listed_process)
{
	int user = over_snapshots(&cores, vcpus_in_user_mode_run_a_listed_process);
	ck_assert_msg(user > 0, "no vCPU in user mode with two spinning shells in %d snapshots",
		      CORES_SNAPSHOTS);
}
END_TEST

/* The root of core's kernel space, and the pages it maps into *pages. */
static long long kernel_space(const char *core, long long *pages)
{
	struct vm_run r, j;
	const char *text[] = { "show", core, "--view", "maps", "--space", "kernel", NULL };
	const char *json[] = { "show", core, "--view", "maps", "--space", "kernel", "--json", NULL };
	ck_assert_int_eq(vm_run(&r, text), 0);
	ck_assert_int_eq(vm_run(&j, json), 0);
	const char *at = strstr(r.console, "# kernel: ");
	at = at ? strstr(at, ", root ") : NULL;
	ck_assert_msg(r.status == 0 && at, "show --space kernel:\n%.2000s", r.console);
	long long root = strtoll(at + strlen(", root "), NULL, 16);
	json_object *all = json_tokener_parse(j.console);
	ck_assert_msg(all != NULL, "show --space kernel --json:\n%.2000s", j.console);
	*pages = space_pages(all, "kernel").pages;
	json_object_put(all);
	vm_run_free(&j);
	vm_run_free(&r);
	return root;
}

/* How many vCPUs of core have a CR3 on either copy of a process's pgd; each
 * of them must be named that process by the cpus view. */
static int vcpus_on_a_pgd_pair_name_its_process(const char *core)
{
	long long pid[256], root[256];
	int n = task_roots(core, pid, root, 256), named = 0;
	struct vm_run r;
	json_object *cj, *cpus;
	const char *argv[] = { "show", core, "--view", "cpus", "--json", NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	cj = json_tokener_parse(r.console);
	ck_assert_msg(cj && json_object_object_get_ex(cj, "cpus", &cpus), "show cpus:\n%s",
		      r.console);
	for (size_t c = 0; c < json_object_array_length(cpus); c++) {
		json_object *cpu = json_object_array_get_idx(cpus, c);
		long long cr3 = json_ll(cpu, "cr3", NULL) & 0x000ffffffffff000ll;
		for (int i = 0; i < n; i++) {
			if (cr3 != root[i] && cr3 != root[i] - 0x1000)
				continue;
			named++;
			ck_assert_msg(json_ll(cpu, "pid", NULL) == pid[i],
				      "cpu%zu's CR3 %#llx is on %lld's pgd pair (root %#llx), the "
				      "cpus view names another space:\n%s", c, cr3, pid[i], root[i],
				      r.console);
		}
	}
	json_object_put(cj);
	vm_run_free(&r);
	return named;
}

/*
 * Page-table isolation (pti=on): the snapshot finds it on in the running
 * kernel (X86_FEATURE_PTI) and says so; each process's root is the user
 * copy of its pgd, the page after the 8 KiB-aligned kernel copy, which is
 * what CR3 holds in user mode; and the cpus view names the process for a
 * vCPU on either copy (in user mode, or in the kernel for a system call, a
 * tick, or idling on the mm it kept). With two shells spinning a vCPU is
 * on some process's pair in all but rare moments: of three snapshots, one
 * at least must find one.
 */
START_TEST(under_pti_a_process_runs_on_its_pgds_user_copy_and_either_copy_names_it)
{
	long long pid[256], root[256];
	struct vm_run r;
	ck_assert_msg(strstr(pti.console, "page tables isolation: enabled"),
		      "Linux did not turn PTI on:\n%s", pti.console);
	const char *show[] = { "show", pti.core, "--view", "tasks", NULL };
	ck_assert_int_eq(vm_run(&r, show), 0);
	ck_assert_msg(console_has(&r, "# page-table isolation on"), "show's header:\n%s",
		      r.console);
	vm_run_free(&r);
	int n = task_roots(pti.core, pid, root, 256);
	for (int i = 0; i < n; i++)
		ck_assert_msg((root[i] & 0x1fff) == 0x1000, "process %lld's root %#llx is not the "
			      "user copy of an 8 KiB pgd pair", pid[i], root[i]);
	ck_assert_int_ge(n, 2);
	/* the kernel's space is init_top_pgt in every snapshot, with all of RAM in
	 * its direct map, whatever a vCPU ran (a user copy maps next to nothing) */
	long long kernel_pages, later_pages, kernel_root = kernel_space(pti.core, &kernel_pages);
	for (int i = 0; i < CORES_SNAPSHOTS - 1; i++)
		ck_assert_int_eq(kernel_space(pti.later[i], &later_pages), kernel_root);
	ck_assert_msg(kernel_pages >= (448 * MiB) / 4096, "the kernel space maps %lld pages",
		      kernel_pages);
	for (int i = 0; i < n; i++)
		ck_assert_msg(kernel_root != root[i] && kernel_root != root[i] - 0x1000,
			      "the kernel space is process %lld's", pid[i]);
	int named = over_snapshots(&pti, vcpus_on_a_pgd_pair_name_its_process);
	ck_assert_msg(named > 0, "no vCPU on a process's pgd pair in %d snapshots",
		      CORES_SNAPSHOTS);
}
END_TEST

/* A case whose tests share one Linux run (setup, before they fork). */
static TCase *run_case(const char *name, void (*setup)(void), void (*teardown)(void))
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, 600);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	return tc;
}

Suite *linux_suite(void);
Suite *linux_suite(void)
{
	Suite *s = suite_create("linux");
	TCase *tc = tcase_create("boot");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, debian_linux_boots_on_every_vcpu_and_poweroff_ends_memvisor_with_status_0,
			    0, (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0])));
	TCase *dev = tcase_create("devices");
	tcase_set_timeout(dev, 900);
	tcase_add_test(dev, linux_virtio_drivers_bind_memvisors_devices_and_the_balloon_follows_the_host);
	tcase_add_test(dev, linux_swaps_to_memvisors_disk_under_a_hog_and_memhog_verifies_every_page);
	/*
	 * Its panics were the helper VM's QEMU delivering an interrupt twice
	 * (scripts/with-kvm: none in 29 runs with one helper vCPU); one
	 * snapshot found no vCPU in user mode in 3 of those runs, three
	 * snapshots (cores_setup) in none of 6 since.
	 */
	TCase *core_tc = run_case("cores", cores_setup, cores_teardown);
	tcase_add_test(core_tc, linux_cores_carry_vmcoreinfo_so_crash_and_show_name_the_guests_release);
	tcase_add_test(core_tc, a_linux_processs_space_maps_the_pages_its_pagemap_reports);
	tcase_add_test(core_tc, every_linux_process_gets_a_space_that_maps_only_guest_ram);
	tcase_add_test(core_tc, a_linux_processs_nested_view_and_diff_follow_its_pages);
	tcase_add_test(core_tc, each_vcpu_of_linux_runs_a_space_and_in_user_mode_a_listed_process);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, dev);
	/* page-table isolation on, and what crash and drgn make of its save */
	TCase *pti_tc = run_case("pti", pti_setup, pti_teardown);
	tcase_add_test(pti_tc, under_pti_a_process_runs_on_its_pgds_user_copy_and_either_copy_names_it);
	tcase_add_test(pti_tc, crash_reads_a_linux_save_with_debians_debug_vmlinux);
	tcase_add_test(pti_tc, drgn_reads_a_linux_saves_tasks_as_memvisor_does);
	suite_add_tcase(s, core_tc);
	suite_add_tcase(s, pti_tc);
	return s;
}
