/*
 * test_policy.c: the replacement policies (mm/policy.c) through the
 * simulator (mm/policy_sim.c), against Belady's OPT (mm/opt.c), and the
 * invariants of their shared interface; `memvisor opt` (vmm/cmd/cmd_opt.c)
 * in-process.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#include "mm_port.h"
#include "opt.h"
#include "policy.h"
#include "policy_sim.h"
#include "policy_rig.h"

static const uint32_t classic[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
#define CLASSIC_N (sizeof(classic) / sizeof(classic[0]))

static uint64_t sim(const char *name, const uint32_t *refs, size_t n, uint32_t pages,
		    uint32_t frames)
{
	return rig_sim_faults(name, refs, n, pages, frames, 1);
}

/* A malloc'd trace; the caller frees it. */
static uint32_t *trace(enum policy_pattern pat, size_t n, uint32_t pages, uint64_t seed)
{
	uint32_t *refs = malloc(n * sizeof(*refs));
	size_t size = policy_trace_work_size(pat, pages);
	void *work = size ? malloc(size) : NULL;
	ck_assert_int_eq(policy_trace_generate(pat, refs, n, pages, seed, work, size), 0);
	free(work);
	return refs;
}

/* ---- the classic string ------------------------------------------------- */

START_TEST(fifo_takes_9_faults_with_3_frames_and_10_with_4)
{
	ck_assert_uint_eq(sim("fifo", classic, CLASSIC_N, 6, 3), 9);
	ck_assert_uint_eq(sim("fifo", classic, CLASSIC_N, 6, 4), 10);
}
END_TEST

START_TEST(lru_takes_10_faults_with_3_frames_and_8_with_4)
{
	ck_assert_uint_eq(sim("lru-exact", classic, CLASSIC_N, 6, 3), 10);
	ck_assert_uint_eq(sim("lru-exact", classic, CLASSIC_N, 6, 4), 8);
}
END_TEST

START_TEST(opt_takes_7_faults_with_3_frames_and_6_with_4)
{
	ck_assert_uint_eq(rig_opt_faults(classic, CLASSIC_N, 6, 3), 7);
	ck_assert_uint_eq(rig_opt_faults(classic, CLASSIC_N, 6, 4), 6);
}
END_TEST

START_TEST(every_policy_takes_only_cold_faults_when_everything_fits)
{
	for (size_t i = 0; policy_all[i]; i++)
		ck_assert_uint_eq(sim(policy_all[i]->name, classic, CLASSIC_N, 6, 5), 5);
	ck_assert_uint_eq(rig_opt_faults(classic, CLASSIC_N, 6, 5), 5);
}
END_TEST

/* ---- OPT is a lower bound ----------------------------------------------- */

/* _i: pattern in the low bits, seed above. */
START_TEST(opt_never_faults_more_than_any_policy)
{
	enum policy_pattern pat = (enum policy_pattern)(_i % POLICY_NR_PATTERNS);
	uint64_t seed = (uint64_t)_i / POLICY_NR_PATTERNS;
	const size_t n = 4000;
	const uint32_t pages = 200;
	uint32_t *refs = trace(pat, n, pages, seed);
	for (uint32_t frames = 8; frames <= 128; frames *= 4) {
		uint64_t best = rig_opt_faults(refs, n, pages, frames);
		for (size_t i = 0; policy_all[i]; i++) {
			uint64_t f = rig_sim_faults(policy_all[i]->name, refs, n, pages, frames, seed);
			ck_assert_msg(best <= f, "%s/%s seed %llu frames %u: opt %llu > %llu",
				      policy_pattern_name(pat), policy_all[i]->name,
				      (unsigned long long)seed, frames,
				      (unsigned long long)best, (unsigned long long)f);
		}
	}
	free(refs);
}
END_TEST

START_TEST(opt_faults_once_per_distinct_page_when_frames_suffice)
{
	uint32_t *refs = trace(POLICY_PATTERN_RANDOM, 1000, 50, 3);
	ck_assert_uint_eq(rig_opt_faults(refs, 1000, 50, 50), 50);
	free(refs);
}
END_TEST

/* ---- policies change outcomes ------------------------------------------- */

START_TEST(a_loop_one_page_too_big_faults_on_every_access_under_fifo_lru_and_clock)
{
	const uint32_t frames = 64, pages = frames + 1;
	const size_t n = 20 * pages;
	uint32_t *refs = trace(POLICY_PATTERN_LOOP, n, pages, 0);
	ck_assert_uint_eq(sim("fifo", refs, n, pages, frames), n);
	ck_assert_uint_eq(sim("lru-exact", refs, n, pages, frames), n);
	ck_assert_uint_eq(sim("lru", refs, n, pages, frames), n);
	ck_assert_uint_eq(sim("clock", refs, n, pages, frames), n);
	free(refs);
}
END_TEST

/*
 * Asserts that policy name takes fewer than n / divisor faults (and no
 * fewer than OPT) on rounds passes of a loop over pages with frames.
 */
static void assert_loop_faults_below(const char *name, uint32_t frames, uint32_t pages,
				     size_t rounds, size_t divisor)
{
	const size_t n = rounds * pages;
	uint32_t *refs = trace(POLICY_PATTERN_LOOP, n, pages, 0);
	uint64_t faults = sim(name, refs, n, pages, frames);
	ck_assert_uint_lt(faults, n / divisor);
	ck_assert_uint_ge(faults, rig_opt_faults(refs, n, pages, frames));
	free(refs);
}

START_TEST(random_keeps_part_of_a_loop_one_page_too_big_resident)
{
	assert_loop_faults_below("random", 64, 65, 20, 2);
}
END_TEST

/* Asserts that each policy of names (NULL-ended) faults less than fifo. */
static void assert_fewer_faults_than_fifo(enum policy_pattern pat, uint32_t pages,
					  uint32_t frames, uint64_t seed,
					  const char *const *names)
{
	const size_t n = 50000;
	uint32_t *refs = trace(pat, n, pages, seed);
	uint64_t fifo = sim("fifo", refs, n, pages, frames);
	for (; *names; names++) {
		uint64_t f = sim(*names, refs, n, pages, frames);
		ck_assert_msg(f < fifo, "%s on %s: %llu faults, fifo %llu", *names,
			      policy_pattern_name(pat), (unsigned long long)f,
			      (unsigned long long)fifo);
	}
	free(refs);
}

START_TEST(lru_and_clock_fault_less_than_fifo_on_zipf)
{
	static const char *const names[] = { "lru", "lru-exact", "clock", NULL };
	assert_fewer_faults_than_fifo(POLICY_PATTERN_ZIPF, 1000, 100, 7, names);
}
END_TEST

START_TEST(lru_and_lfu_keep_a_hot_set_through_a_scan_better_than_fifo)
{
	static const char *const names[] = { "lru", "lfu", NULL };
	assert_fewer_faults_than_fifo(POLICY_PATTERN_SCAN, 2000, 400, 11, names);
}
END_TEST

START_TEST(the_policies_with_history_fault_less_than_fifo_on_zipf_and_on_a_scan)
{
	static const char *const names[] = { "arc", "s3fifo", "clockpro", "lfu-hist", NULL };
	assert_fewer_faults_than_fifo(POLICY_PATTERN_ZIPF, 1000, 100, 7, names);
	assert_fewer_faults_than_fifo(POLICY_PATTERN_SCAN, 2000, 400, 11, names);
}
END_TEST

/* lfu-hist: the newcomer of each fault is the next victim, the rest stay. */
START_TEST(lfu_hist_keeps_most_of_a_loop_larger_than_memory_resident)
{
	assert_loop_faults_below("lfu-hist", 100, 110, 50, 5);
}
END_TEST

static uint64_t lfu_faults(const uint32_t *refs, size_t n, uint32_t pages, uint32_t frames,
			   uint32_t decay_ticks)
{
	struct policy_sim_params sp = { .ops = policy_by_name("lfu"), .nr_frames = frames,
					.nr_pages = pages, .lfu_decay_ticks = decay_ticks };
	uint64_t work[64];
	struct policy_sim_result r;
	ck_assert_int_eq(policy_sim_run(&sp, refs, n, work, sizeof(work), &r), 0);
	return r.faults;
}

/*
 * Page 0 is hot (count saturated), then never used again while pages 1..4
 * cycle through the 4 frames. Page 0 must age out; with aging switched
 * off it holds its frame and the cycle faults on and on.
 */
START_TEST(lfu_evicts_a_formerly_hot_page_once_it_goes_cold)
{
	enum { HOT = 2000, COLD = 2000, N = HOT + COLD };
	static uint32_t refs[N];
	for (size_t i = 0; i < HOT; i++)
		refs[i] = i < 3 ? 1 + (uint32_t)i : 0;
	for (size_t i = HOT; i < N; i++)
		refs[i] = 1 + (uint32_t)(i % 4);
	ck_assert_uint_lt(lfu_faults(refs, N, 5, 4, 0), 100);
	ck_assert_uint_gt(lfu_faults(refs, N, 5, 4, UINT32_MAX), COLD / 4);
}
END_TEST

START_TEST(random_is_deterministic_for_a_seed)
{
	const size_t n = 5000;
	uint32_t *refs = trace(POLICY_PATTERN_RANDOM, n, 100, 5);
	uint64_t a = rig_sim_faults("random", refs, n, 100, 30, 42);
	ck_assert_uint_eq(rig_sim_faults("random", refs, n, 100, 30, 42), a);
	bool differs = false;
	for (uint64_t s = 43; s < 53; s++)
		differs |= rig_sim_faults("random", refs, n, 100, 30, s) != a;
	ck_assert(differs);
	free(refs);
}
END_TEST

START_TEST(traces_are_deterministic_for_a_seed)
{
	for (int pat = 0; pat < POLICY_NR_PATTERNS; pat++) {
		uint32_t *a = trace((enum policy_pattern)pat, 1000, 300, 9);
		uint32_t *b = trace((enum policy_pattern)pat, 1000, 300, 9);
		ck_assert_mem_eq(a, b, 1000 * sizeof(*a));
		for (size_t i = 0; i < 1000; i++)
			ck_assert_uint_lt(a[i], 300);
		free(a);
		free(b);
	}
}
END_TEST

/* ---- the interface ------------------------------------------------------ */

#define NF 32
#define NR_POLICIES 10 /* entries of policy_all; checked by name test */
static struct policy P;
static struct policy_frame F[NF];
static bool young_bit[NF];
static struct policy_frame *slots[NF];
static uint64_t ghost_mem[NF * 4];

static bool test_young(struct policy_frame *f, void *ctx)
{
	(void)ctx;
	bool y = young_bit[f - F];
	young_bit[f - F] = false;
	return y;
}

static void setup_policy(const struct policy_ops *ops)
{
	struct policy_config cfg = { .young = test_young, .seed = 3, .slots = slots,
				     .nr_slots = NF, .ghost_mem = ghost_mem, .nr_ghosts = NF / 2 };
	ck_assert_uint_le(policy_ghost_bytes(NF / 2), sizeof(ghost_mem));
	memset(F, 0, sizeof(F));
	for (int i = 0; i < NF; i++)
		F[i].key = (uint64_t)i + 1;
	memset(young_bit, 0, sizeof(young_bit));
	ck_assert_int_eq(policy_init(&P, ops, &cfg), 0);
}

/* _i: policy index; random inserts, accesses, ticks, removes and victims. */
START_TEST(a_tracked_frame_is_on_exactly_one_list_of_its_policy)
{
	setup_policy(policy_all[_i]);
	uint64_t rng = 99;
	for (int step = 0; step < 5000; step++) {
		struct policy_frame *f = &F[policy_prng(&rng) % NF];
		switch (policy_prng(&rng) % 6) {
		case 0: case 1: {
			int want = policy_tracks(&P, f) ? -MM_EEXIST : 0;
			ck_assert_int_eq(policy_insert(&P, f), want);
			break;
		}
		case 2:
			policy_access(&P, f);
			young_bit[f - F] = policy_tracks(&P, f);
			break;
		case 3:
			policy_tick(&P);
			break;
		case 4:
			policy_remove(&P, f);
			break;
		default:
			f = policy_victim(&P);
			ck_assert(!f || !policy_tracks(&P, f));
		}
		ck_assert_int_eq(policy_check(&P), 0);
	}
	uint64_t tracked = 0;
	for (int i = 0; i < NF; i++)
		tracked += policy_tracks(&P, &F[i]);
	ck_assert_uint_eq(tracked, P.nr_frames);
}
END_TEST

START_TEST(inserting_a_tracked_frame_again_is_refused)
{
	setup_policy(policy_by_name("fifo"));
	ck_assert_int_eq(policy_insert(&P, &F[0]), 0);
	ck_assert_int_eq(policy_insert(&P, &F[0]), -MM_EEXIST);
	ck_assert_uint_eq(P.nr_frames, 1);
}
END_TEST

START_TEST(removing_or_accessing_an_unknown_frame_is_refused)
{
	struct policy other;
	setup_policy(policy_by_name("lru"));
	ck_assert_int_eq(policy_init(&other, policy_by_name("lru"), NULL), 0);
	ck_assert_int_eq(policy_insert(&other, &F[1]), 0);
	ck_assert_int_eq(policy_remove(&P, &F[0]), -MM_ENOENT);
	ck_assert_int_eq(policy_remove(&P, &F[1]), -MM_ENOENT);
	ck_assert_int_eq(policy_access(&P, &F[1]), -MM_ENOENT);
	ck_assert_int_eq(policy_check(&P), 0);
	ck_assert_int_eq(policy_check(&other), 0);
	ck_assert_ptr_eq(F[1].owner, &other);
}
END_TEST

START_TEST(an_empty_policy_has_no_victim)
{
	setup_policy(policy_all[_i]);
	ck_assert_ptr_null(policy_victim(&P));
	policy_tick(&P);
	ck_assert_ptr_null(policy_victim(&P));
}
END_TEST

START_TEST(random_refuses_frames_beyond_its_slot_table)
{
	struct policy_config cfg = { .slots = slots, .nr_slots = 2 };
	memset(F, 0, sizeof(F));
	ck_assert_int_eq(policy_init(&P, policy_by_name("random"), &cfg), 0);
	ck_assert_int_eq(policy_insert(&P, &F[0]), 0);
	ck_assert_int_eq(policy_insert(&P, &F[1]), 0);
	ck_assert_int_eq(policy_insert(&P, &F[2]), -MM_ENOSPC);
	ck_assert_ptr_null(F[2].owner);
	ck_assert_int_eq(policy_check(&P), 0);
}
END_TEST

START_TEST(clock_gives_a_referenced_frame_a_second_chance)
{
	setup_policy(policy_by_name("clock"));
	for (int i = 0; i < 3; i++)
		policy_insert(&P, &F[i]);
	young_bit[0] = true;
	ck_assert_ptr_eq(policy_victim(&P), &F[1]);
	ck_assert_ptr_eq(policy_victim(&P), &F[2]);
	ck_assert_ptr_eq(policy_victim(&P), &F[0]);
}
END_TEST

/* Linux: one accessed bit earns a rotation, a second sighting activation. */
START_TEST(lru_rotates_a_frame_seen_young_once_and_activates_it_the_second_time)
{
	setup_policy(policy_by_name("lru"));
	for (int i = 0; i < 4; i++)
		policy_insert(&P, &F[i]);
	young_bit[0] = true;
	ck_assert_ptr_eq(policy_victim(&P), &F[1]);
	ck_assert_uint_eq(P.stats.rotated, 1);
	ck_assert_int_eq(policy_access(&P, &F[0]), 0);
	ck_assert_uint_eq(F[0].list, POLICY_LRU_ACTIVE);
	ck_assert_ptr_eq(policy_victim(&P), &F[2]);
	ck_assert_ptr_eq(policy_victim(&P), &F[3]);
	ck_assert_ptr_eq(policy_victim(&P), &F[0]);
	ck_assert_uint_eq(P.stats.activated, 1);
	ck_assert_uint_eq(P.stats.deactivated, 1);
}
END_TEST

/* A refaulting page of the working set starts where two accesses put it. */
START_TEST(a_hot_insert_activates_under_lru_and_outlives_plain_ones_under_lfu_and_clock)
{
	static const char *const names[] = { "lru", "lfu", "clock" };

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		setup_policy(policy_by_name(names[n]));
		ck_assert_int_eq(policy_insert_hot(&P, &F[0]), 0);
		ck_assert_int_eq(policy_insert_hot(&P, &F[0]), -MM_EEXIST);
		for (int i = 1; i < 4; i++)
			policy_insert(&P, &F[i]);
		if (!strcmp(names[n], "lru"))
			ck_assert_uint_eq(F[0].list, POLICY_LRU_ACTIVE);
		for (int i = 1; i < 4; i++)
			ck_assert_ptr_ne(policy_victim(&P), &F[0]);
		ck_assert_ptr_eq(policy_victim(&P), &F[0]);
		ck_assert_int_eq(policy_check(&P), 0);
	}
}
END_TEST

START_TEST(policy_init_refuses_missing_or_unaligned_ghost_memory)
{
	struct policy_config cfg = { .nr_ghosts = 4 };
	ck_assert_int_eq(policy_init(&P, policy_by_name("arc"), &cfg), -MM_EINVAL);
	cfg.ghost_mem = (char *)ghost_mem + 4;
	ck_assert_int_eq(policy_init(&P, policy_by_name("arc"), &cfg), -MM_EINVAL);
	cfg.ghost_mem = ghost_mem;
	ck_assert_int_eq(policy_init(&P, policy_by_name("arc"), &cfg), 0);
	ck_assert_uint_eq(P.ghosts.cap, 4);
}
END_TEST

START_TEST(policy_by_name_knows_each_policy_and_nothing_else)
{
	static const char *const names[] = { "fifo", "clock", "lru", "lfu", "random", "lru-exact",
					     "arc", "s3fifo", "clockpro", "lfu-hist" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_ptr_nonnull(policy_by_name(names[i]));
		ck_assert_str_eq(policy_by_name(names[i])->name, names[i]);
	}
	ck_assert_ptr_null(policy_all[NR_POLICIES]);
	ck_assert_ptr_null(policy_by_name("lr"));
	ck_assert_ptr_null(policy_by_name("lruu"));
	ck_assert_ptr_null(policy_by_name(""));
	ck_assert_ptr_null(policy_by_name(NULL));
}
END_TEST

START_TEST(the_simulator_and_opt_refuse_a_page_beyond_nr_pages)
{
	uint32_t refs[] = { 0, 1, 7 };
	struct policy_sim_params sp = { .ops = policy_by_name("fifo"), .nr_frames = 2,
					.nr_pages = 4 };
	uint64_t work[64], faults;
	struct policy_sim_result r;
	ck_assert_int_eq(policy_sim_run(&sp, refs, 3, work, sizeof(work), &r), -MM_EINVAL);
	ck_assert_int_eq(opt_faults(refs, 3, 4, 2, work, sizeof(work), &faults), -MM_EINVAL);
	ck_assert_int_eq(opt_faults(refs, 3, 8, 0, work, sizeof(work), &faults), -MM_EINVAL);
	ck_assert_int_eq(opt_faults(refs, 3, 8, 2, work, 4, &faults), -MM_EINVAL);
	ck_assert_int_eq(policy_pattern_by_name("zipfian"), -MM_EINVAL);
}
END_TEST

/* ---- memvisor opt ------------------------------------------------------- */

static char cmd_out[1 << 16];

/* Runs `memvisor opt ARGS...` (NULL-ended); stdout lands in cmd_out. */
static int opt_cmd(const char *arg, ...)
{
	char *argv[32] = { (char *)"opt" };
	int argc = 1;
	va_list ap;
	va_start(ap, arg);
	for (; arg && argc < 31; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	FILE *out = tmpfile();
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fileno(out), STDOUT_FILENO);
	int status = cmd_opt(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(out);
	cmd_out[fread(cmd_out, 1, sizeof(cmd_out) - 1, out)] = 0;
	fclose(out);
	return status;
}

/* A trace file holding len bytes of buf; the caller unlinks it. */
static char *trace_bytes(const void *buf, size_t len)
{
	static char path[] = "/tmp/policy-trace-XXXXXX";
	strcpy(path, "/tmp/policy-trace-XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

/* A trace file holding text; the caller unlinks it. */
static char *trace_file(const char *text)
{
	return trace_bytes(text, strlen(text));
}

/* The classic string as oracleGeneral records (size 4096, no next access). */
static size_t classic_records(unsigned char *out)
{
	for (size_t i = 0; i < CLASSIC_N; i++) {
		uint64_t fields[4] = { i, classic[i], 4096, UINT64_MAX };
		const unsigned widths[4] = { 4, 8, 4, 8 };
		for (unsigned f = 0; f < 4; f++)
			for (unsigned b = 0; b < widths[f]; b++)
				*out++ = (unsigned char)(fields[f] >> (8 * b));
	}
	return CLASSIC_N * 24;
}

static int64_t json_at(json_object *results, size_t i, const char *policy)
{
	json_object *r = json_object_array_get_idx(results, i), *v;
	if (policy)
		json_object_object_get_ex(r, "faults", &r);
	ck_assert(json_object_object_get_ex(r, policy ? policy : "opt", &v));
	return json_object_get_int64(v);
}

START_TEST(memvisor_opt_reports_the_classic_string_in_json)
{
	char *path = trace_file("1,2,3,4,1,2,5,1,2,3,4,5\n# Belady\n");
	ck_assert_int_eq(opt_cmd("--frames", "3,4", "--json", "--policy", "fifo,lru-exact",
				 path, NULL), 0);
	unlink(path);
	json_object *root = json_tokener_parse(cmd_out), *results;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "results", &results));
	ck_assert_int_eq(json_at(results, 0, "fifo"), 9);
	ck_assert_int_eq(json_at(results, 1, "fifo"), 10);
	ck_assert_int_eq(json_at(results, 0, "lru-exact"), 10);
	ck_assert_int_eq(json_at(results, 1, "lru-exact"), 8);
	ck_assert_int_eq(json_at(results, 0, NULL), 7);
	ck_assert_int_eq(json_at(results, 1, NULL), 6);
	json_object_put(root);
}
END_TEST

START_TEST(memvisor_opt_reads_an_oracle_general_trace_as_the_same_string)
{
	unsigned char buf[CLASSIC_N * 24];
	char *path = trace_bytes(buf, classic_records(buf));
	ck_assert_int_eq(opt_cmd("--frames", "3,4", "--json", "--policy", "fifo", path, NULL), 0);
	json_object *root = json_tokener_parse(cmd_out), *results, *v;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "results", &results));
	ck_assert_int_eq(json_at(results, 0, "fifo"), 9);
	ck_assert_int_eq(json_at(results, 1, "fifo"), 10);
	ck_assert_int_eq(json_at(results, 1, NULL), 6);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(results, 0), "format", &v));
	ck_assert_str_eq(json_object_get_string(v), "oracle-general");
	json_object_put(root);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--format", "plain", path, NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--format", "oracle", path, NULL), 2);
	unlink(path);
	path = trace_bytes(buf, sizeof(buf) - 1);
	ck_assert_int_eq(opt_cmd("--frames", "3", path, NULL), 2);
	unlink(path);
}
END_TEST

/*
 * A trace recorded by run --trace-refs (the classic string here) with its
 * TRACE.json: with no --frames, the run's resident pages (on average, at
 * most) are the frame counts, and each policy's faults after a page's
 * first use (faults minus the 5 pages) stand beside the guest's major
 * faults.
 */
START_TEST(memvisor_opt_replays_a_recorded_run_at_its_frames_beside_its_major_faults)
{
	unsigned char buf[CLASSIC_N * 24];
	char *path = trace_bytes(buf, classic_records(buf)), json[64];
	snprintf(json, sizeof(json), "%s.json", path);
	FILE *f = fopen(json, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{ \"interval\": 0.1, \"resync\": \"remap\", \"samples\": 12, "
	      "\"resident_max\": 3, \"resident_steady\": 2, \"pgmajfault\": 8, \"seconds\": 2.5, "
	      "\"seconds_sampling\": 0.25 }\n", f);
	fclose(f);
	ck_assert_int_eq(opt_cmd("--policy", "fifo,lru-exact", path, NULL), 0);
	/* the frames: resident on average (steady state), resident at most */
	ck_assert_ptr_nonnull(strstr(cmd_out, "/2 "));
	ck_assert_ptr_nonnull(strstr(cmd_out, "/3\n"));
	ck_assert_ptr_nonnull(strstr(cmd_out, "12 samples every 0.1 s (resync remap); sampling "
					      "took 0.250 s of 2.5 s (10.0%)"));
	ck_assert_ptr_nonnull(strstr(cmd_out, "beside the guest's 8 major faults"));
	/* fifo 12, 9, lru 12, 10, OPT 9, 7 faults with 2, 3 frames; minus 5 first uses */
	ck_assert_ptr_nonnull(strstr(cmd_out, "\nfifo                   7 ( 0.88)             4 ( 0.50)"));
	ck_assert_ptr_nonnull(strstr(cmd_out, "\nlru-exact              7 ( 0.88)             5 ( 0.62)"));
	ck_assert_ptr_nonnull(strstr(cmd_out, "\nOPT                    4 ( 0.50)             2 ( 0.25)"));
	ck_assert_int_eq(opt_cmd("--frames", "4", "--json", path, NULL), 0);
	ck_assert_ptr_nonnull(strstr(cmd_out, "\"pgmajfault\":8"));
	unlink(json);
	ck_assert_int_eq(opt_cmd(path, NULL), 2); /* no TRACE.json: frames needed */
	unlink(path);
}
END_TEST

START_TEST(memvisor_opt_prints_a_row_per_policy_and_opt)
{
	ck_assert_int_eq(opt_cmd("--frames", "8", "--pattern", "zipf,scan", "--pages", "40",
				 "--length", "500", NULL), 0);
	for (size_t i = 0; policy_all[i]; i++)
		ck_assert_ptr_nonnull(strstr(cmd_out, policy_all[i]->name));
	ck_assert_ptr_nonnull(strstr(cmd_out, "\nOPT "));
	ck_assert_ptr_nonnull(strstr(cmd_out, "scan/8"));
}
END_TEST

/* 2 phases of 300 (random over 20 pages, then a 50/50 mix), 3 times. */
START_TEST(memvisor_opt_generates_phases_and_mixtures_from_a_spec)
{
	ck_assert_int_eq(opt_cmd("--frames", "10", "--json", "--pattern",
				 "random:pages=20/zipf:s=0.8:pages=30:at=20+seq:at=50:pages=900*3",
				 "--length", "300", NULL), 0);
	json_object *root = json_tokener_parse(cmd_out), *results, *r, *v;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "results", &results));
	r = json_object_array_get_idx(results, 0);
	ck_assert(json_object_object_get_ex(r, "references", &v));
	ck_assert_int_eq(json_object_get_int64(v), 1800);
	ck_assert(json_object_object_get_ex(r, "pages", &v));
	ck_assert_int_eq(json_object_get_int64(v), 950);
	ck_assert(json_object_object_get_ex(r, "once", &v));
	ck_assert_int_gt(json_object_get_int64(v), 300);   /* the seq part: ~450 */
	ck_assert_int_lt(json_object_get_int64(v), 600);
	json_object_put(root);
}
END_TEST

/* Lines of cmd_out that start with prefix. */
static unsigned lines_starting(const char *prefix)
{
	unsigned n = 0;
	for (const char *l = cmd_out; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n += !strncmp(l, prefix, strlen(prefix));
	return n;
}

/*
 * out[i][p]: the faults of policies[p] (NULL: OPT) in result row i of
 * `opt ARGS[0] ARGS[1] --json` on a zipf trace; asserts there are rows rows.
 */
static void json_faults(const char *const args[], unsigned rows, const char *const policies[],
			int64_t out[][3])
{
	ck_assert_int_eq(opt_cmd(args[0], args[1], "--json", "--policy", "fifo,lru-exact",
				 "--pattern", "zipf", "--pages", "60", "--length", "3000", NULL), 0);
	json_object *root = json_tokener_parse(cmd_out), *results;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "results", &results));
	ck_assert_uint_eq(json_object_array_length(results), rows);
	for (unsigned i = 0; i < rows; i++)
		for (unsigned p = 0; p < 3; p++)
			out[i][p] = json_at(results, i, policies[p]);
	json_object_put(root);
}

START_TEST(memvisor_opt_hrc_gives_the_same_faults_as_the_same_frame_list)
{
	const char *const policies[3] = { "fifo", "lru-exact", NULL };
	const char *const hrc[] = { "--hrc", "2:70:17" }, *const list[] = { "--frames",
									  "2,19,36,53,70" };
	int64_t curve[5][3], each[5][3];
	json_faults(hrc, 5, policies, curve);
	json_faults(list, 5, policies, each);
	for (unsigned i = 0; i < 5; i++)
		for (unsigned p = 0; p < 3; p++)
			ck_assert_int_eq(curve[i][p], each[i][p]);
	ck_assert_int_lt(curve[3][1], curve[0][1]); /* the curve rises */
}
END_TEST

START_TEST(memvisor_opt_hrc_prints_a_row_per_frame_count_as_a_table_and_csv)
{
	ck_assert_int_eq(opt_cmd("--hrc", "3:10:3", "--policy", "fifo,clock", "--pattern",
				 "loop,zipf", "--pages", "12", "--length", "400", NULL), 0);
	ck_assert_ptr_nonnull(strstr(cmd_out, "simulated at each frame count"));
	ck_assert_uint_eq(lines_starting("  frames       fifo      clock        OPT"), 2);
	ck_assert_uint_eq(lines_starting("       3 "), 2);   /* 3, 6, 9 and TO: 10 */
	ck_assert_uint_eq(lines_starting("       9 "), 2);
	ck_assert_uint_eq(lines_starting("      10 "), 2);
	ck_assert_uint_eq(lines_starting("      12 "), 0);
	ck_assert_int_eq(opt_cmd("--hrc", "3:10:3", "--csv", "--policy", "fifo,clock", "--pattern",
				 "loop,zipf", "--pages", "12", "--length", "400", NULL), 0);
	ck_assert_uint_eq(lines_starting("trace,references,frames,policy,faults,hits_percent"), 1);
	ck_assert_uint_eq(lines_starting("\"loop\",400,"), 4 * 3);
	ck_assert_uint_eq(lines_starting("\"zipf\",400,10,OPT,"), 1);
}
END_TEST

START_TEST(memvisor_opt_refuses_a_bad_hrc_range_with_status_2)
{
	const char *const bad[] = { "0:5", "5:3", "1:5:0", "1", "1:2:3:4", "a:9", "1:9:x", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(opt_cmd("--hrc", bad[i], "--pattern", "loop", NULL) == 2, "%s", bad[i]);
	ck_assert_int_eq(opt_cmd("--hrc", "1:3", "--frames", "2", "--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--hrc", "1:3", "--json", "--csv", "--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--hrc", "1:2000000000", "--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--hrc", "1:200000", "--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--hrc", "1:3", "--pattern", "loop", NULL), 0);
}
END_TEST

START_TEST(memvisor_opt_refuses_bad_input_with_status_2)
{
	char *path = trace_file("1 2 three\n");
	ck_assert_int_eq(opt_cmd("--frames", "3", path, NULL), 2);
	unlink(path);
	ck_assert_int_eq(opt_cmd("--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "0", "--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "sawtooth", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--policy", "mru", "--pattern", "loop", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "loop", "file", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "/nonexistent/trace", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "zipf:s=0", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "zipf:s=9", NULL), 2);
	/* a bad exponent after a good one: refused, not the earlier value kept */
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "zipf:s=0.9:s=0", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "zipf:q=1", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "loop/", NULL), 0);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "loop*0", NULL), 2);
	ck_assert_int_eq(opt_cmd("--frames", "3", "--pattern", "loop:pages", NULL), 2);
	ck_assert_int_eq(opt_cmd("--help", NULL), 0);
}
END_TEST

Suite *policy_suite(void);
Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("classic string");
	tcase_add_test(tc, fifo_takes_9_faults_with_3_frames_and_10_with_4);
	tcase_add_test(tc, lru_takes_10_faults_with_3_frames_and_8_with_4);
	tcase_add_test(tc, opt_takes_7_faults_with_3_frames_and_6_with_4);
	tcase_add_test(tc, every_policy_takes_only_cold_faults_when_everything_fits);
	suite_add_tcase(s, tc);

	tc = tcase_create("opt bound");
	tcase_add_loop_test(tc, opt_never_faults_more_than_any_policy, 0, 4 * POLICY_NR_PATTERNS);
	tcase_add_test(tc, opt_faults_once_per_distinct_page_when_frames_suffice);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("outcomes");
	tcase_add_test(tc, a_loop_one_page_too_big_faults_on_every_access_under_fifo_lru_and_clock);
	tcase_add_test(tc, random_keeps_part_of_a_loop_one_page_too_big_resident);
	tcase_add_test(tc, lru_and_clock_fault_less_than_fifo_on_zipf);
	tcase_add_test(tc, lru_and_lfu_keep_a_hot_set_through_a_scan_better_than_fifo);
	tcase_add_test(tc, lfu_evicts_a_formerly_hot_page_once_it_goes_cold);
	tcase_add_test(tc, the_policies_with_history_fault_less_than_fifo_on_zipf_and_on_a_scan);
	tcase_add_test(tc, lfu_hist_keeps_most_of_a_loop_larger_than_memory_resident);
	tcase_add_test(tc, random_is_deterministic_for_a_seed);
	tcase_add_test(tc, traces_are_deterministic_for_a_seed);
	suite_add_tcase(s, tc);

	tc = tcase_create("interface");
	tcase_add_loop_test(tc, a_tracked_frame_is_on_exactly_one_list_of_its_policy, 0, NR_POLICIES);
	tcase_add_test(tc, inserting_a_tracked_frame_again_is_refused);
	tcase_add_test(tc, removing_or_accessing_an_unknown_frame_is_refused);
	tcase_add_loop_test(tc, an_empty_policy_has_no_victim, 0, NR_POLICIES);
	tcase_add_test(tc, random_refuses_frames_beyond_its_slot_table);
	tcase_add_test(tc, clock_gives_a_referenced_frame_a_second_chance);
	tcase_add_test(tc, lru_rotates_a_frame_seen_young_once_and_activates_it_the_second_time);
	tcase_add_test(tc, a_hot_insert_activates_under_lru_and_outlives_plain_ones_under_lfu_and_clock);
	tcase_add_test(tc, policy_init_refuses_missing_or_unaligned_ghost_memory);
	tcase_add_test(tc, policy_by_name_knows_each_policy_and_nothing_else);
	tcase_add_test(tc, the_simulator_and_opt_refuse_a_page_beyond_nr_pages);
	suite_add_tcase(s, tc);

	tc = tcase_create("memvisor opt");
	tcase_add_test(tc, memvisor_opt_reports_the_classic_string_in_json);
	tcase_add_test(tc, memvisor_opt_reads_an_oracle_general_trace_as_the_same_string);
	tcase_add_test(tc, memvisor_opt_replays_a_recorded_run_at_its_frames_beside_its_major_faults);
	tcase_add_test(tc, memvisor_opt_prints_a_row_per_policy_and_opt);
	tcase_add_test(tc, memvisor_opt_hrc_gives_the_same_faults_as_the_same_frame_list);
	tcase_add_test(tc, memvisor_opt_hrc_prints_a_row_per_frame_count_as_a_table_and_csv);
	tcase_add_test(tc, memvisor_opt_refuses_a_bad_hrc_range_with_status_2);
	tcase_add_test(tc, memvisor_opt_generates_phases_and_mixtures_from_a_spec);
	tcase_add_test(tc, memvisor_opt_refuses_bad_input_with_status_2);
	suite_add_tcase(s, tc);
	return s;
}
