/*
 * test_save.c: save a running guest and restore it (issue 26): memhog
 * with swap in use and the balloon inflated is saved mid-run, the VM is
 * killed, and the restored guest finishes with every page verified, once
 * and after a second save and restore; broken save files are refused
 * with status 2 before any VM exists; `diff` finds a snapshot before the
 * save and one right after the restore equal; a save taken while a lazy
 * restore is still filling RAM restores and verifies; a diff save holds
 * only the pages changed since its base and restores over it; a lazy restore (userfaultfd) gets
 * every saved page by a fault or by the prefetcher and verifies too.
 *
 * The workload waits for the host: memhog writes its pages (more than
 * the guest's RAM, so swap is in use), then awaits balloon_deflate pages
 * before it verifies, so every save below happens mid-run, and the run
 * goes on only when the restored VM's balloon is let go. Every wait is on
 * a counter (stats) or a console line, never a time window.
 */
#include "ctl.h"
#include "tamper.h"
#include "snapfmt.h"

#include <check.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOG_PAGES   "6144"               /* 24M */
#define BALLOON     "2M"
#define BALLOON_B   (2ll << 20)
#define WAIT_LIMIT  240.0                /* seconds; a bound on a hung guest only */

static char dir[64];

static void setup(void)
{
	ck_assert_int_eq(test_dir_make(dir, "mv-savetest"), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(test_dir_remove(dir), 0);
}

static const char *path_in(const char *name)
{
	return test_dir_path(dir, name);
}

/* The integer at a dotted path of `stats SOCK --json`, -1 when absent. */
static long long stat_of(const char *sock, const char *path)
{
	const char *argv[] = { "stats", sock, "--json", NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	long long v = r.status == 0 ? json_path_i64(r.console, path) : -1;
	vm_run_free(&r);
	return v;
}

/* The boolean at a dotted path of `stats SOCK --json` (false when absent). */
static bool stat_bool(const char *sock, const char *path)
{
	const char *argv[] = { "stats", sock, "--json", NULL };
	struct vm_run r;
	json_object *j, *o;
	char key[64];
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0 && (j = json_tokener_parse(r.console)), "%s", r.console);
	o = j;
	snprintf(key, sizeof(key), "%s", path);
	for (char *save = NULL, *k = strtok_r(key, ".", &save); k && o;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			o = NULL;
	bool v = o && json_object_get_boolean(o);
	json_object_put(j);
	vm_run_free(&r);
	return v;
}

static bool stats_say_paused(const char *sock)
{
	return stat_bool(sock, "paused");
}

/* Polls stats until the figure at path is at least lo; asserts it gets there. */
static void wait_stat_at_least(const char *sock, const char *path, long long lo)
{
	long long v = -1;
	for (double start = test_now(); test_now() - start < WAIT_LIMIT; usleep(100000))
		if ((v = stat_of(sock, path)) >= lo)
			return;
	ck_abort_msg("%s stayed at %lld, below %lld", path, v, lo);
}

/* Boots a 16M guest with a 64M swap disk running memhog 24M, which writes,
 * awaits 512 deflated balloon pages, then verifies. */
static void start_hog(struct bg_run *bg, const char *sock)
{
	char swap[128];
	snprintf(swap, sizeof(swap), "%s:64M", path_in("swap.img"));
	const char *argv[] = { "run", "-m", "16M", "--timeout", "400", "--crash-dump", "none",
			       "--swap", swap, "--control", sock, "--initrd",
			       test_build_path("guest/initrd.cpio"), test_kernel_path(), "--",
			       "console=ttyS0 init=/bin/memhog 24M --await-vmstat balloon_deflate 512 "
			       "--verify", NULL };
	ctl_start(bg, sock, argv);
}

/* Swap in use, then the balloon inflated to BALLOON. */
static void reach_mid_run(const char *sock)
{
	wait_stat_at_least(sock, "swap.writes", 1);
	free(ctl_client(sock, "balloon", BALLOON));
	wait_stat_at_least(sock, "balloon.actual", BALLOON_B);
}

static void save_to(const char *sock, const char *file, bool stop)
{
	const char *argv[] = { "save", sock, file, stop ? "--stop" : NULL, NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0 && strstr(r.console, "saved to "), "save: status %d\n%s",
		      r.status, r.console);
	vm_run_free(&r);
}

/* save --stop: the run then ends with status 0. */
static void save_and_end(const char *sock, const char *file, struct bg_run *bg)
{
	struct vm_run r;
	save_to(sock, file, true);
	ck_assert_int_eq(bg_wait(bg, &r, 60), 0);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	vm_run_free(&r);
}

/* The hog started and brought to mid-run (start_hog, reach_mid_run). */
static void hog_mid_run(struct bg_run *bg, const char *sock)
{
	start_hog(bg, sock);
	reach_mid_run(sock);
}

/* run --restore file, with lazy ("--lazy", "--lazy=demand") unless NULL. */
static void restore_with(struct bg_run *bg, const char *file, const char *sock, const char *lazy)
{
	const char *argv[] = { "run", "--restore", file, "--timeout", "400", "--crash-dump",
			       "none", "--control", sock, lazy, NULL };
	ctl_start(bg, sock, argv);
}

static void restore_from(struct bg_run *bg, const char *file, const char *sock)
{
	restore_with(bg, file, sock, NULL);
}

/* The hog brought to mid-run on sock and saved to file with --stop. */
static void hog_saved(const char *sock, const char *file)
{
	struct bg_run bg;
	hog_mid_run(&bg, sock);
	save_and_end(sock, file, &bg);
}

/* The restored guest still holds its balloon (balloon bytes; BALLOON in
 * finish_and_check); let it go, and memhog verifies and init ends the run
 * with memhog's status 0. */
static void finish_holding(struct bg_run *bg, const char *sock, long long balloon)
{
	struct vm_run r;
	ck_assert_int_eq(stat_of(sock, "balloon.actual"), balloon);
	ck_assert_int_eq(stat_of(sock, "balloon.held"), balloon);
	free(ctl_client(sock, "balloon", "0"));
	ck_assert_int_eq(bg_wait(bg, &r, 400), 0);
	ck_assert_msg(console_has(&r, "memhog: verify ok: " HOG_PAGES " pages"), "%s", r.console);
	ck_assert_msg(console_has(&r, "init: /bin/memhog exited with status 0"), "%s", r.console);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	vm_run_free(&r);
}

static void finish_and_check(struct bg_run *bg, const char *sock)
{
	finish_holding(bg, sock, BALLOON_B);
}

static void kill_run(struct bg_run *bg)
{
	struct vm_run r;
	ck_assert_int_eq(kill(bg->pid, SIGKILL), 0);
	ck_assert_int_eq(bg_wait(bg, &r, 60), 0);
	ck_assert_int_eq(r.status, 128 + SIGKILL);
	vm_run_free(&r);
}

START_TEST(a_guest_saved_mid_run_then_killed_resumes_from_the_file_and_verifies_every_page)
{
	struct bg_run bg, back;
	const char *sock = path_in("sock"), *sock2 = path_in("sock2"), *file = path_in("a.mvs");
	hog_mid_run(&bg, sock);
	save_to(sock, file, false);
	ck_assert_msg(!stats_say_paused(sock), "the VM stayed paused after a save without --stop");
	kill_run(&bg);

	const char *show[] = { "show", file, NULL }; /* still a snapshot `show` reads */
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, show), 0);
	ck_assert_msg(r.status == 0 && strstr(r.console, "(save)"), "%s", r.console);
	vm_run_free(&r);

	restore_from(&back, file, sock2);
	finish_and_check(&back, sock2);
}
END_TEST

/*
 * The hog saved, restored (with lazy, "--lazy=demand", unless NULL),
 * looked at by check on its socket, saved again and ended, then restored
 * from the second save, where it verifies every page.
 */
static void saved_restored_saved_again(const char *lazy, void (*check)(const char *sock))
{
	struct bg_run once, twice;
	const char *sock1 = path_in("s1"), *sock2 = path_in("s2");
	hog_saved(path_in("s0"), path_in("1.mvs"));

	restore_with(&once, path_in("1.mvs"), sock1, lazy);
	check(sock1);
	save_and_end(sock1, path_in("2.mvs"), &once);

	restore_from(&twice, path_in("2.mvs"), sock2);
	finish_and_check(&twice, sock2);
}

static void balloon_still_held(const char *sock)
{
	ck_assert_int_eq(stat_of(sock, "balloon.actual"), BALLOON_B);
}

START_TEST(a_guest_saved_and_restored_twice_still_verifies_every_page)
{
	saved_restored_saved_again(NULL, balloon_still_held);
}
END_TEST

/*
 * --lazy: the restored guest starts with no RAM filled; its pages come on
 * first access or from the prefetcher (or were given away first: they
 * read zero), and once the prefetcher is done every saved page came one
 * of these ways, none twice.
 */
START_TEST(a_guest_restored_lazily_gets_every_saved_page_by_fault_or_prefetch_and_verifies)
{
	struct bg_run back;
	const char *sock2 = path_in("sock2"), *file = path_in("l.mvs");
	hog_saved(path_in("sock"), file);

	restore_with(&back, file, sock2, "--lazy");
	long long to_fetch = stat_of(sock2, "restore.to_fetch");
	ck_assert_int_gt(to_fetch, 0);
	for (double start = test_now(); test_now() - start < WAIT_LIMIT; usleep(100000))
		if (stat_bool(sock2, "restore.prefetch_done"))
			break;
	ck_assert(stat_bool(sock2, "restore.prefetch_done"));
	ck_assert_int_eq(stat_of(sock2, "restore.faulted") + stat_of(sock2, "restore.prefetched") +
			 stat_of(sock2, "restore.discarded"), to_fetch);
	finish_and_check(&back, sock2);
}
END_TEST

/*
 * A save during a lazy fill: with --lazy=demand nothing prefetches, so
 * the pages the guest has not touched since the restore are still only
 * in the file when it is saved again. The save reads them through the
 * fill, and the guest restored from it verifies every page.
 */
/* Pages of the file not filled yet, and no prefetcher to fill them. */
static void fill_unfinished(const char *sock)
{
	long long to_fetch = stat_of(sock, "restore.to_fetch");
	ck_assert_int_gt(to_fetch, 0);
	ck_assert_int_lt(stat_of(sock, "restore.faulted") + stat_of(sock, "restore.discarded"),
			 to_fetch);
	ck_assert(!stat_bool(sock, "restore.prefetch_done"));
}

START_TEST(a_guest_saved_while_its_lazy_restore_is_still_filling_resumes_and_verifies)
{
	saved_restored_saved_again("--lazy=demand", fill_unfinished);
}
END_TEST

/* A save file of a small guest that holds still (memhog --hold), stopped. */
static void make_small_save(const char *file)
{
	struct bg_run bg;
	const char *sock = path_in("small.sock");
	const char *argv[] = { "run", "-m", "16M", "--timeout", "200", "--crash-dump", "none",
			       "--control", sock, "--initrd", test_build_path("guest/initrd.cpio"),
			       test_kernel_path(), "--", "console=ttyS0 init=/bin/memhog 1M --hold",
			       NULL };
	ctl_start(&bg, sock, argv);
	char *out = NULL;
	for (double start = test_now(); test_now() - start < WAIT_LIMIT; usleep(100000)) {
		free(out);
		out = bg_output(&bg);
		if (strstr(out, "memhog: holding"))
			break;
	}
	ck_assert_msg(strstr(out, "memhog: holding"), "%s", out);
	free(out);
	save_and_end(sock, file, &bg);
}

/* The JSON object at key of o (asserted present). */
static json_object *member(json_object *o, const char *key)
{
	json_object *v;
	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no \"%s\"", key);
	return v;
}

/* Appends "prefix.KEY," to out for each key of o. */
static void list_keys(json_object *o, const char *prefix, char *out, size_t len)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		snprintf(out + strlen(out), len - strlen(out), "%s.%s,", prefix, key);
	}
}

/* Names in out (comma-separated) of every field of `diff --json` that
 * reports a difference of state: a space's added, removed or changed
 * ranges, a zone, slab cache or vmstat counter. (dirty_pages is not one:
 * it counts pages written since dirty logging began, here since the
 * restore, while the guest's clock ran on.) */
static void differing_fields(json_object *d, char *out, size_t len)
{
	static const char *const lists[] = { "added", "removed", "changed" };
	out[0] = 0;
	json_object_object_foreach(member(d, "spaces"), space, ranges)
		for (size_t i = 0; i < 3; i++)
			if (json_object_array_length(member(ranges, lists[i])))
				snprintf(out + strlen(out), len - strlen(out), "%s.%s,", space, lists[i]);
	const char *maps[] = { "zones", "slabs", "vmstat" };
	for (size_t i = 0; i < 3; i++)
		list_keys(member(d, maps[i]), maps[i], out, len);
}

/*
 * A snapshot of a paused guest, the save of it, and a snapshot taken as
 * soon as its restore runs: `diff` finds them equal. What diff compares
 * is the guest's memory management (spaces, zones, slab caches, vmstat);
 * the snapshots' times differ but are not a field of it, so the set of
 * differing fields is exactly empty. Only time moved: the few pages the
 * guest's timer wrote since the restore (dirty_pages, 0 to 10 here).
 */
START_TEST(a_snapshot_right_after_restore_differs_from_one_before_the_save_in_nothing)
{
	const char *before = path_in("before.core"), *after = path_in("after.core");
	const char *file = path_in("d.mvs");
	char steps[1024], after_steps[512], fields[2048];
	const char *hold = "when console \"memhog: holding\":";
	snprintf(steps, sizeof(steps), "%spause,%ssnapshot=%s,%ssave=%s,%squit", hold, hold, before,
		 hold, file, hold);
	const char *boot[] = { "run", "-m", "16M", "--timeout", "200", "--crash-dump", "none",
			       "--pressure", steps, "--initrd", test_build_path("guest/initrd.cpio"),
			       test_kernel_path(), "--", "console=ttyS0 init=/bin/memhog 1M --hold",
			       NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, boot), 0);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	vm_run_free(&r);

	snprintf(after_steps, sizeof(after_steps), "0s:snapshot=%s,0s:quit", after);
	const char *restore[] = { "run", "--restore", file, "--timeout", "100", "--crash-dump",
				  "none", "--pressure", after_steps, NULL };
	ck_assert_int_eq(vm_run(&r, restore), 0);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	vm_run_free(&r);

	const char *diff[] = { "diff", before, after, "--json", NULL };
	ck_assert_int_eq(vm_run(&r, diff), 0);
	json_object *d = json_tokener_parse(r.console);
	ck_assert_msg(d != NULL, "%s", r.console);
	differing_fields(d, fields, sizeof(fields));
	ck_assert_msg(!fields[0], "differing: %s\n%s", fields, r.console);
	ck_assert(json_object_get_boolean(member(d, "equal")));
	/* the restore logs dirty pages from its start (for a later diff save) */
	ck_assert(json_object_is_type(member(d, "dirty_pages"), json_type_int));
	ck_assert_msg(r.status == 0, "diff status %d (1: different)", r.status);
	json_object_put(d);
	vm_run_free(&r);
}
END_TEST

/* Offset of the SNAP_NT_SAVE record in file. */
static long long save_record_offset(const char *file)
{
	return tamper_note_record(file, SNAP_NT_SAVE, sizeof(struct snap_save));
}

/* `save SOCK FILE --since BASE`: the client's status and output (caller frees). */
static struct vm_run save_since(const char *sock, const char *file, const char *base, bool stop)
{
	const char *argv[] = { "save", sock, file, "--since", base, stop ? "--stop" : NULL, NULL };
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	return r;
}

/* N of "saved to FILE: N of M pages". */
static long long pages_in(const struct vm_run *r)
{
	const char *at = strstr(r->console, ".mvs: ");
	long long n = -1;
	ck_assert_msg(at && sscanf(at + 6, "%lld of", &n) == 1, "%s", r->console);
	return n;
}

/*
 * Diff saves: the hog saved whole and running on, saved again against
 * that save, then, with the balloon taken further (the guest reclaims
 * and writes), saved a third time against the second with only the
 * pages changed since (KVM's dirty log, the devices' writes, the
 * balloon's discards): fewer than the whole save held. (The first diff
 * after dirty logging starts may list whole 2 MiB regions where RAM is
 * backed by huge pages, so the count is checked on the second.) Restored,
 * bases first, it verifies. A save against a file that is not the VM's
 * last save is refused, and so is a restore whose base was replaced by
 * another save (status 2).
 */
START_TEST(a_diff_save_holds_only_the_changed_pages_and_restores_over_its_base)
{
	struct bg_run bg, back;
	struct vm_run r;
	char sock[192], sock2[192], full[192], mid[192], diff[192], other[192], stray[192];
	const struct { char *dst; const char *name; } paths[] = {
		{ sock, "s0" }, { sock2, "s2" }, { full, "full.mvs" }, { mid, "mid.mvs" },
		{ diff, "diff.mvs" }, { other, "other.mvs" }, { stray, "x.mvs" } };
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) /* path_in's are reused */
		snprintf(paths[i].dst, sizeof(sock), "%s", path_in(paths[i].name));
	make_small_save(other);
	hog_mid_run(&bg, sock);
	const char *argv[] = { "save", sock, full, NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "%s", r.console);
	long long whole = pages_in(&r);
	vm_run_free(&r);

	r = save_since(sock, mid, full, false);
	ck_assert_msg(r.status == 0, "%s", r.console);
	vm_run_free(&r);
	free(ctl_client(sock, "balloon", "3M"));
	wait_stat_at_least(sock, "balloon.actual", 3ll << 20);
	r = save_since(sock, stray, full, false);
	ck_assert_msg(r.status == 1 && strstr(r.console, "is not this VM's last save"), "%d %s",
		      r.status, r.console);
	vm_run_free(&r);
	r = save_since(sock, diff, mid, true);
	ck_assert_msg(r.status == 0, "%s", r.console);
	long long changed = pages_in(&r);
	vm_run_free(&r);
	ck_assert_int_eq(bg_wait(&bg, &r, 60), 0);
	vm_run_free(&r);
	ck_assert_msg(changed > 0 && changed < whole, "%lld changed of %lld", changed, whole);

	restore_from(&back, diff, sock2);
	finish_holding(&back, sock2, 3ll << 20);

	tamper_copy(other, mid, -1);
	tamper_assert_refused(diff, "is not the save it was made from");
}
END_TEST

START_TEST(truncated_corrupted_or_mis_sized_save_files_are_refused_with_status_2)
{
	const char *good = path_in("good.mvs"), *bad = path_in("bad.mvs");
	struct stat st;
	make_small_save(good);
	ck_assert_int_eq(stat(good, &st), 0);

	tamper_copy(good, bad, st.st_size / 2);
	tamper_assert_refused(bad, "past the end of the file");

	tamper_copy(good, bad, -1);
	tamper_flip(bad, 0x39, 0x01); /* e_phnum of the ELF header, plus 256 */
	tamper_assert_refused(bad, "program header");

	tamper_copy(good, bad, -1);
	tamper_flip(bad, save_record_offset(bad), 0x40); /* save_version */
	tamper_assert_refused(bad, "save format version");

	tamper_copy(good, bad, -1);
	tamper_flip(bad, save_record_offset(bad) + 8 + 3, 0x02); /* ram_size 16M -> 48M */
	tamper_assert_refused(bad, "RAM size");

	/* the file itself restores */
	struct bg_run bg;
	const char *sock = path_in("ok.sock");
	const char *argv[] = { "run", "--restore", good, "--timeout", "100", "--control", sock,
			       NULL };
	ctl_start(&bg, sock, argv);
	struct vm_run r = ctl_quit(sock, &bg, 60);
	ck_assert_msg(r.status == 0, "status %d\n%s", r.status, r.console);
	vm_run_free(&r);
}
END_TEST

Suite *save_suite(void);
Suite *save_suite(void)
{
	Suite *s = suite_create("save");
	TCase *t = tcase_create("save");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 900);
	tcase_add_test(t, truncated_corrupted_or_mis_sized_save_files_are_refused_with_status_2);
	tcase_add_test(t, a_guest_saved_mid_run_then_killed_resumes_from_the_file_and_verifies_every_page);
	tcase_add_test(t, a_guest_saved_and_restored_twice_still_verifies_every_page);
	tcase_add_test(t, a_guest_restored_lazily_gets_every_saved_page_by_fault_or_prefetch_and_verifies);
	tcase_add_test(t, a_snapshot_right_after_restore_differs_from_one_before_the_save_in_nothing);
	tcase_add_test(t, a_guest_saved_while_its_lazy_restore_is_still_filling_resumes_and_verifies);
	suite_add_tcase(s, t);
	TCase *d = tcase_create("diff");
	tcase_add_checked_fixture(d, setup, teardown);
	tcase_set_timeout(d, 900);
	tcase_add_test(d, a_diff_save_holds_only_the_changed_pages_and_restores_over_its_base);
	suite_add_tcase(s, d);
	return s;
}
