/*
 * test_snapshot.c: snapshots of real guests: the kernel's layout as
 * docs/snapshot-format.md describes it, diff, crash dumps that gdb can read, snapshots
 * over the control socket, and corrupt files rejected with status 2.
 */
#include "ctl.h"

#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
	ck_assert_int_eq(test_dir_make(dir, "mv-snaptest"), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(test_dir_remove(dir), 0);
}

static const char *path_in(const char *name)
{
	return test_dir_path(dir, name);
}

/* Boots the kernel with snapshots at 0.05 s and at exit, prefix dir/snap. */
static void boot_with_snapshots(const char *extra)
{
	struct vm_run r;
	const char *argv[] = { "run", "-m", "64M", "--timeout", "60", "--crash-dump", "none",
			       "--snapshot-prefix", path_in("snap"), "--snapshot-at", "0.05s,exit",
			       test_kernel_path(), "--", "loglevel=1", extra, NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	vm_run_free(&r);
}

static json_object *show_json(const char *file, const char *view)
{
	struct vm_run r;
	const char *argv[] = { "show", file, "--json", "--view", view, NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "show: status %d\n%s", r.status, r.console);
	json_object *j = json_tokener_parse(r.console);
	ck_assert_msg(j != NULL, "show --json printed no JSON:\n%s", r.console);
	vm_run_free(&r);
	return j;
}

/* The kernel-space range containing va, or NULL. */
static json_object *range_at(json_object *maps, uint64_t va)
{
	json_object *ranges = json_object_object_get(maps, "kernel");
	ck_assert_ptr_nonnull(ranges);
	for (size_t i = 0; i < json_object_array_length(ranges); i++) {
		json_object *r = json_object_array_get_idx(ranges, i);
		uint64_t start = (uint64_t)json_object_get_uint64(json_object_object_get(r, "va"));
		uint64_t len = (uint64_t)json_object_get_uint64(json_object_object_get(r, "len"));
		if (va >= start && va - start < len)
			return r;
	}
	return NULL;
}

static const char *flags_at(json_object *maps, uint64_t va)
{
	json_object *r = range_at(maps, va);
	ck_assert_msg(r != NULL, "nothing maps %#llx", (unsigned long long)va);
	return json_object_get_string(json_object_object_get(r, "flags"));
}

START_TEST(kernel_snapshot_of_a_fresh_boot_matches_the_documented_layout)
{
	boot_with_snapshots(NULL);
	json_object *maps = show_json(path_in("snap-exit.core"), "maps");
	/* direct map of all RAM at 0xffff888000000000: kernel-only, writable, NX, global */
	ck_assert_str_eq(flags_at(maps, 0xffff888000000000ull), "rw-kg----");
	ck_assert_str_eq(flags_at(maps, 0xffff888000000000ull + (64ull << 20) - 4096), "rw-kg----");
	ck_assert_ptr_null(range_at(maps, 0xffff888000000000ull + (64ull << 20)));
	/* the kernel image at 0xffffffff80000000 + its load address: text r-x */
	ck_assert_str_eq(flags_at(maps, 0xffffffff80100000ull), "r-xkg----");
	/* somewhere after the text: read-only data (NX) and writable data (NX) */
	bool ro = false, rw = false;
	json_object *ranges = json_object_object_get(maps, "kernel");
	for (size_t i = 0; i < json_object_array_length(ranges); i++) {
		json_object *r = json_object_array_get_idx(ranges, i);
		uint64_t va = json_object_get_uint64(json_object_object_get(r, "va"));
		const char *f = json_object_get_string(json_object_object_get(r, "flags"));
		if (va < 0xffffffff80000000ull)
			continue;
		ro |= !strcmp(f, "r--kg----");
		rw |= !strcmp(f, "rw-kg----");
		ck_assert_msg(strcmp(f, "rwxkg----") != 0, "writable and executable at %#llx",
			      (unsigned long long)va);
	}
	ck_assert(ro && rw);
	json_object_put(maps);
	json_object *zones = show_json(path_in("snap-exit.core"), "zones");
	json_object *dma32 = json_object_object_get(zones, "DMA32");
	ck_assert_ptr_nonnull(dma32);
	uint64_t free_pages = json_object_get_uint64(json_object_object_get(dma32, "free_pages"));
	uint64_t low = json_object_get_uint64(json_object_object_get(dma32, "low"));
	ck_assert_uint_gt(free_pages, low);
	json_object_put(zones);
}
END_TEST

/* The kind of the GDT entry with this selector in a segments view's vCPU c. */
static const char *gdt_kind(json_object *c, int selector, int *dpl)
{
	json_object *gdt = json_object_object_get(c, "gdt");
	for (size_t i = 0; i < json_object_array_length(gdt); i++) {
		json_object *d = json_object_array_get_idx(gdt, i);
		if (json_object_get_int(json_object_object_get(d, "selector")) == selector) {
			*dpl = json_object_get_int(json_object_object_get(d, "dpl"));
			return json_object_get_string(json_object_object_get(d, "kind"));
		}
	}
	return NULL;
}

/* Segmentation as the boot GDT sets it up: flat 64-bit code for the kernel
 * (DPL 0) and user (DPL 3), a busy TSS in TR, long mode on. */
START_TEST(segments_view_shows_the_flat_long_mode_gdt_and_the_tss)
{
	boot_with_snapshots(NULL);
	json_object *seg = show_json(path_in("snap-exit.core"), "segments");
	json_object *c = json_object_array_get_idx(json_object_object_get(seg, "cpus"), 0);
	ck_assert_ptr_nonnull(c);
	ck_assert(json_object_get_boolean(json_object_object_get(c, "long_mode")));
	json_object *regs = json_object_object_get(c, "registers");
	json_object *cs = json_object_object_get(regs, "cs"), *tr = json_object_object_get(regs, "tr");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(cs, "kind")), "code r-x 64-bit");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(tr, "kind")), "tss busy");
	int dpl = -1, user_code = 0, kernel_code = 0;
	for (int sel = 8; sel < 0x30; sel += 8) {
		const char *k = gdt_kind(c, sel, &dpl);
		ck_assert_msg(k != NULL, "no GDT entry %#x", sel);
		user_code += !strcmp(k, "code r-x 64-bit") && dpl == 3;
		kernel_code += !strcmp(k, "code r-x 64-bit") && dpl == 0;
	}
	ck_assert_int_eq(user_code, 1);
	ck_assert_int_eq(kernel_code, 1);
	ck_assert_str_eq(gdt_kind(c, json_object_get_int(json_object_object_get(tr, "selector")),
				  &dpl), "tss busy");
	json_object_put(seg);
}
END_TEST

static struct vm_run diff(const char *a, const char *b)
{
	struct vm_run r;
	const char *argv[] = { "diff", a, b, NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	return r;
}

START_TEST(diff_is_empty_for_one_snapshot_and_shows_what_boot_added_later)
{
	boot_with_snapshots(NULL);
	struct vm_run same = diff(path_in("snap-exit.core"), path_in("snap-exit.core"));
	ck_assert_msg(same.status == 0, "status %d\n%s", same.status, same.console);
	ck_assert(!strstr(same.console, "\n+ ") && !strstr(same.console, "\n- "));
	vm_run_free(&same);
	struct vm_run d = diff(path_in("snap-0.05s.core"), path_in("snap-exit.core"));
	ck_assert_msg(d.status == 1, "status %d\n%s", d.status, d.console);
	ck_assert_msg(strstr(d.console, "pages written between the snapshots") != NULL, "%s",
		      d.console);
	vm_run_free(&d);
}
END_TEST

START_TEST(an_oops_leaves_a_crash_dump_that_show_and_gdb_can_read)
{
	struct vm_run r;
	const char *dump = path_in("crash.core");
	const char *argv[] = { "run", "-m", "64M", "--timeout", "60", "--crash-dump", dump,
			       test_kernel_path(), "--", "loglevel=1", "crash=ud", NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_int_eq(r.status, 4);
	ck_assert_msg(console_has(&r, "crash dump written to"), "%s", r.console);
	vm_run_free(&r);

	const char *log[] = { "show", dump, "--view", "log", NULL };
	ck_assert_int_eq(vm_run(&r, log), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(console_has(&r, "Oops: invalid opcode"), "%s", r.console);
	vm_run_free(&r);

	const char *gdb[] = { "gdb", "-nx", "-batch", "-ex", "print/x mv_info.magic", "-ex",
			      "info registers rip", test_kernel_path(), dump, NULL };
	ck_assert_int_eq(prog_run(&r, gdb), 0);
	ck_assert_msg(console_has(&r, "= 0x4f464e4953564d4d"), "gdb said:\n%s", r.console);
	ck_assert_msg(console_has(&r, "<machine_exit"), "gdb said:\n%s", r.console);
	vm_run_free(&r);
}
END_TEST

/* `memvisor snapshot SOCK FILE`, `quit SOCK`, and the run's end into *r. */
static void snapshot_then_quit(const char *sock, const char *file, struct bg_run *bg,
			       struct vm_run *r)
{
	free(ctl_client(sock, "snapshot", file));
	*r = ctl_quit(sock, bg, 30);
}

START_TEST(snapshot_over_the_control_socket_and_cli_while_the_guest_runs)
{
	const char *sock = path_in("ctl.sock"), *file = path_in("live.core");
	const char *argv[] = { "run", "--control", sock, "--timeout", "60", "--crash-dump", "none",
			       test_build_path("guests/tiny.elf"), "--", "quiet", "loop=4000000000",
			       NULL };
	struct bg_run bg;
	struct vm_run r;
	ctl_start(&bg, sock, argv);
	snapshot_then_quit(sock, file, &bg, &r);
	ck_assert_msg(r.status == 0, "memvisor ended with %d:\n%s", r.status, r.console);
	vm_run_free(&r);
	const char *show[] = { "show", file, NULL };
	ck_assert_int_eq(vm_run(&r, show), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(console_has(&r, "guest state not read: the guest has paging off"), "%s",
		      r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(corrupt_snapshot_files_are_rejected_with_status_2_and_one_line)
{
	boot_with_snapshots(NULL);
	FILE *f = fopen(path_in("snap-exit.core"), "rb");
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_gt(len, 4096);
	const size_t cuts[] = { 0, 3, 63, 100, 200, 500, 1000, 2000, len / 2, len - 1 };
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]) + 2; k++) {
		FILE *o = fopen(path_in("bad.core"), "wb");
		if (k < sizeof(cuts) / sizeof(cuts[0])) {
			fwrite(buf, 1, cuts[k], o);
		} else {
			char copy[4096];
			memcpy(copy, buf, sizeof(copy));
			copy[k == sizeof(cuts) / sizeof(cuts[0]) ? 1 : 16] ^= 0x55; /* magic, type */
			fwrite(copy, 1, sizeof(copy), o);
		}
		fclose(o);
		struct vm_run r;
		const char *argv[] = { "show", path_in("bad.core"), NULL };
		ck_assert_int_eq(vm_run(&r, argv), 0);
		ck_assert_msg(r.status == 2, "case %zu: status %d\n%s", k, r.status, r.console);
		ck_assert_msg(strchr(r.console, '\n') == r.console + r.len - 1,
			      "case %zu: not one line:\n%s", k, r.console);
		vm_run_free(&r);
	}
}
END_TEST

/* The console file contains s within timeout seconds. */
static bool console_file_has(const char *path, const char *s, double timeout)
{
	for (double t0 = test_now(); test_now() - t0 < timeout; usleep(50000)) {
		FILE *f = fopen(path, "r");
		char line[512];
		bool found = false;
		while (f && !found && fgets(line, sizeof(line), f))
			found = strstr(line, s) != NULL;
		if (f)
			fclose(f);
		if (found)
			return true;
	}
	return false;
}

static json_object *diff_json(const char *a, const char *b)
{
	struct vm_run r;
	const char *argv[] = { "diff", a, b, "--json", NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 1, "diff status %d\n%s", r.status, r.console);
	json_object *j = json_tokener_parse(r.console);
	ck_assert_msg(j != NULL, "%s", r.console);
	vm_run_free(&r);
	return j;
}

/* The longest added range in the space named "<pid> (comm)". */
static uint64_t longest_added(json_object *diff, const char *comm, const char **flags)
{
	uint64_t best = 0;
	json_object_object_foreach(json_object_object_get(diff, "spaces"), name, space) {
		if (!strstr(name, comm))
			continue;
		json_object *added = json_object_object_get(space, "added");
		for (size_t i = 0; i < json_object_array_length(added); i++) {
			json_object *r = json_object_array_get_idx(added, i);
			uint64_t len = json_object_get_uint64(json_object_object_get(r, "len"));
			if (len > best) {
				best = len;
				*flags = json_object_get_string(json_object_object_get(r, "flags"));
			}
		}
	}
	return best;
}

START_TEST(diff_shows_the_8_mib_a_workload_maps_and_the_frames_it_took)
{
	const char *sock = path_in("ctl.sock"), *console = path_in("console.txt");
	char sched[256];
	/* hold=1: the kernel idles a second before starting init; "before" is taken then */
	snprintf(sched, sizeof(sched), "0.6s:snapshot=%s", path_in("before.core"));
	const char *argv[] = { "run", "-m", "128M", "--control", sock, "--console", console,
			       "--timeout", "90", "--crash-dump", "none", "--pressure", sched,
			       "--initrd", test_build_path("guest/initrd.cpio"), test_kernel_path(),
			       "--", "loglevel=4", "hold=1", "init=/bin/memhog", "8M", "--hold", NULL };
	struct bg_run bg;
	struct vm_run r;
	ck_assert_int_eq(vm_start(&bg, argv), 0);
	ck_assert_msg(console_file_has(console, "memhog: holding", 60), "memhog never held:\n%s",
		      bg_output(&bg));
	snapshot_then_quit(sock, path_in("after.core"), &bg, &r);
	vm_run_free(&r);

	json_object *d = diff_json(path_in("before.core"), path_in("after.core"));
	const char *flags = "";
	uint64_t len = longest_added(d, "(memhog)", &flags);
	ck_assert_msg(len >= (8u << 20) && len < (9u << 20), "longest added range: %llu bytes",
		      (unsigned long long)len);
	ck_assert_str_eq(flags, "rw-u-----"); /* user, writable, not executable */
	long long freed = 0;
	json_object_object_foreach(json_object_object_get(d, "zones"), zone, z) {
		(void)zone;
		freed += json_object_get_int64(json_object_object_get(z, "free_pages"));
	}
	ck_assert_msg(freed <= -2048, "zones lost only %lld pages", -freed);
	json_object_put(d);
}
END_TEST

/* Sums the lengths of entries of kind ("added"/"changed") in the space of
 * the forktest parent (lowest pid) or child, matching the flags given. */
static uint64_t forktest_bytes(json_object *diff, bool parent, const char *kind,
			       const char *old_flags, const char *flags)
{
	int pid = parent ? 1 << 30 : -1;
	json_object *spaces = json_object_object_get(diff, "spaces"), *space = NULL;
	json_object_object_foreach(spaces, name, sp) {
		int n = atoi(name);
		if (strstr(name, "(forktest)") && (parent ? n < pid : n > pid)) {
			pid = n;
			space = sp;
		}
	}
	ck_assert_msg(space != NULL, "no forktest space in the diff");
	uint64_t total = 0;
	json_object *arr = json_object_object_get(space, kind);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *r = json_object_array_get_idx(arr, i);
		json_object *of = json_object_object_get(r, "old_flags");
		if (strcmp(json_object_get_string(json_object_object_get(r, "flags")), flags) ||
		    (old_flags && (!of || strcmp(json_object_get_string(of), old_flags))))
			continue;
		total += json_object_get_uint64(json_object_object_get(r, "len"));
	}
	return total;
}

START_TEST(diff_shows_copy_on_write_after_fork_and_the_copies_after_the_child_writes)
{
	char sock[160], console[160];
	snprintf(sock, sizeof(sock), "%s", path_in("ctl.sock"));
	snprintf(console, sizeof(console), "%s", path_in("console.txt"));
	const char *argv[] = { "run", "-m", "64M", "--control", sock, "--console", console,
			       "--timeout", "90", "--crash-dump", "none",
			       "--initrd", test_build_path("guest/initrd.cpio"), test_kernel_path(),
			       "--", "loglevel=4", "init=/bin/forktest", "64", "--pause", "3", NULL };
	static const char *const points[] = { "paused before fork", "paused after fork",
					      "paused after the child's writes" };
	static const char *const files[] = { "s0.core", "s1.core", "s2.core" };
	struct bg_run bg;
	struct vm_run r;
	ck_assert_int_eq(vm_start(&bg, argv), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_msg(console_file_has(console, points[i], 60), "no '%s':\n%s", points[i],
			      bg_output(&bg));
		free(ctl_client(sock, "snapshot", path_in(files[i])));
	}
	ck_assert_int_eq(bg_wait(&bg, &r, 60), 0);
	ck_assert_msg(r.status == 0 && console_file_has(console, "forktest: ok", 1),
		      "forktest failed (%d):\n%s", r.status, r.console);
	vm_run_free(&r);

	/* fork: the parent's 64 private pages turn read-only; the child maps them read-only */
	json_object *d1 = diff_json(path_in("s0.core"), path_in("s1.core"));
	ck_assert_uint_ge(forktest_bytes(d1, true, "changed", "rw-u-----", "r--u-----"), 64 * 4096);
	ck_assert_uint_ge(forktest_bytes(d1, false, "added", NULL, "r--u-----"), 64 * 4096);
	json_object_put(d1);
	/* the child's writes: 16 of them get new, writable frames */
	json_object *d2 = diff_json(path_in("s1.core"), path_in("s2.core"));
	uint64_t copied = forktest_bytes(d2, false, "changed", "r--u-----", "rw-u-----");
	ck_assert_msg(copied >= 16 * 4096 && copied <= 24 * 4096, "%llu bytes copied",
		      (unsigned long long)copied);
	ck_assert_uint_eq(forktest_bytes(d2, true, "changed", "r--u-----", "rw-u-----"), 0);
	json_object_put(d2);
}
END_TEST

Suite *snapshot_suite(void);
Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, kernel_snapshot_of_a_fresh_boot_matches_the_documented_layout);
	tcase_add_test(tc, segments_view_shows_the_flat_long_mode_gdt_and_the_tss);
	tcase_add_test(tc, diff_is_empty_for_one_snapshot_and_shows_what_boot_added_later);
	tcase_add_test(tc, an_oops_leaves_a_crash_dump_that_show_and_gdb_can_read);
	tcase_add_test(tc, snapshot_over_the_control_socket_and_cli_while_the_guest_runs);
	tcase_add_test(tc, corrupt_snapshot_files_are_rejected_with_status_2_and_one_line);
	tcase_add_test(tc, diff_shows_the_8_mib_a_workload_maps_and_the_frames_it_took);
	tcase_add_test(tc, diff_shows_copy_on_write_after_fork_and_the_copies_after_the_child_writes);
	suite_add_tcase(s, tc);
	return s;
}
