/*
 * test_refsample.c: `memvisor run --trace-refs` (vmm/live/refsample.c)
 * records what a guest uses, from its accessed bits, with no guest agent:
 * a memhog looping over 2 MiB (512 known pages) yields a trace in which
 * those 512 pages, one contiguous run of its process, each come back in
 * several samples (the bits cleared by one sample are set again by the
 * guest's next use: under shadow paging only thanks to the resync).
 *
 * The trace is read here record by record (oracleGeneral: uint32 sample,
 * uint64 pid << 40 | page, uint32 size, int64 next use), not through
 * memvisor's own reader.
 */
#include "ctl.h"

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_PAGES   512
#define PID_SHIFT    40
#define MAX_RECORDS  (1u << 22)

struct ref {
	uint32_t sample;
	uint64_t id;
};

struct traced_run {
	struct vm_run vm;
	char dir[64];
	struct ref *refs;
	size_t n;
	char *figures;        /* TRACE.json */
};

static uint64_t le(const unsigned char *p, unsigned bytes)
{
	uint64_t v = 0;
	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static void read_trace(struct traced_run *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "no trace at %s", path);
	r->refs = calloc(MAX_RECORDS, sizeof(*r->refs));
	ck_assert_ptr_nonnull(r->refs);
	unsigned char rec[24];
	while (r->n < MAX_RECORDS && fread(rec, sizeof(rec), 1, f) == 1)
		r->refs[r->n++] = (struct ref){ .sample = (uint32_t)le(rec, 4), .id = le(rec + 4, 8) };
	fclose(f);
}

/* Runs memhog looping over 2M in a 16M guest, sampled every 100 ms: 300,000
 * passes took 5.3 s and 52 samples in one run here (docs/opt.md's table:
 * 10-12 s sampled on a loaded host), so a few dozen samples. */
static void traced_loop(struct traced_run *r)
{
	char arg[160];
	ck_assert_int_eq(test_dir_make(r->dir, "mv-refs"), 0);
	const char *trace = test_dir_path(r->dir, "refs.bin");
	snprintf(arg, sizeof(arg), "%s:0.1", trace);
	const char *argv[] = { "run", "-m", "16M", "--timeout", "200", "--trace-refs", arg,
			       "--initrd",
			       test_build_path("guest/initrd.cpio"), test_kernel_path(), "--",
			       "console=ttyS0 loglevel=4 init=/bin/memhog 2M --pattern loop "
			       "--passes 300000", NULL };
	ck_assert_int_eq(vm_run(&r->vm, argv), 0);
	ck_assert_msg(r->vm.status == 0, "status %d:\n%s", r->vm.status, r->vm.console);
	read_trace(r, trace);
	r->figures = read_text_file(test_dir_path(r->dir, "refs.bin.json"));
	ck_assert_msg(*r->figures, "no %s/refs.bin.json", r->dir);
}

static void done(struct traced_run *r)
{
	ck_assert_int_eq(test_dir_remove(r->dir), 0);
	free(r->figures);
	free(r->refs);
	vm_run_free(&r->vm);
}

#define MAX_PIDS 256

/* The pid with the most references: the hog. */
static uint64_t busiest_pid(const struct traced_run *r)
{
	size_t count[MAX_PIDS] = { 0 };
	uint64_t best = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->refs[i].id >> PID_SHIFT < MAX_PIDS)
			count[r->refs[i].id >> PID_SHIFT]++;
	for (uint64_t pid = 1; pid < MAX_PIDS; pid++)
		best = count[pid] > count[best] ? pid : best;
	return best;
}

static int by_page(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The longest run of consecutive pages of pid each recorded in at least
 * min_samples samples (a page is recorded at most once per sample).
 */
static size_t longest_run_seen(const struct traced_run *r, uint64_t pid, unsigned min_samples)
{
	uint64_t *pages = calloc(r->n + 1, sizeof(*pages));
	size_t n = 0, best = 0, run = 0;
	ck_assert_ptr_nonnull(pages);
	for (size_t i = 0; i < r->n; i++)
		if (r->refs[i].id >> PID_SHIFT == pid)
			pages[n++] = r->refs[i].id & ((1ull << PID_SHIFT) - 1);
	qsort(pages, n, sizeof(*pages), by_page);
	for (size_t i = 0, times; i < n; i += times) {
		times = 1;
		while (i + times < n && pages[i + times] == pages[i])
			times++;
		bool kept = times >= min_samples;
		bool next_to_last = i > 0 && run && pages[i] == pages[i - 1] + 1;
		run = kept ? (next_to_last ? run + 1 : 1) : 0;
		best = run > best ? run : best;
	}
	free(pages);
	return best;
}

START_TEST(a_guest_looping_over_512_pages_yields_a_trace_with_those_pages_in_several_samples)
{
	struct traced_run r = { 0 };
	traced_loop(&r);
	uint64_t pid = busiest_pid(&r);
	size_t run = longest_run_seen(&r, pid, 3);
	ck_assert_msg(run >= LOOP_PAGES && run < LOOP_PAGES + 16,
		      "pid %llu: %zu consecutive pages seen in 3 samples or more, of %zu records",
		      (unsigned long long)pid, run, r.n);
	/* TRACE.json: the loop was resident, every record counted */
	ck_assert_int_ge(json_path_i64(r.figures, "resident_max"), LOOP_PAGES);
	ck_assert_int_eq(json_path_i64(r.figures, "references"), (long long)r.n);
	ck_assert_int_ge(json_path_i64(r.figures, "samples"), 3);
	done(&r);
}
END_TEST

Suite *refsample_suite(void);
Suite *refsample_suite(void)
{
	Suite *s = suite_create("refsample");
	TCase *tc = tcase_create("trace");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, a_guest_looping_over_512_pages_yields_a_trace_with_those_pages_in_several_samples);
	suite_add_tcase(s, tc);
	return s;
}
