/*
 * bench_mm.c: mm/ allocators (buddy, kmalloc) against glibc, jemalloc and
 * mimalloc on the same patterns, host-native (-O2, no sanitizers).
 *
 * Fairness: in every round each peer runs the pattern once, peers taking
 * turns (the first peer rotates each round), so drift of the machine hits
 * all of them alike; a row shows the minimum and median of ROUNDS rounds.
 * glibc appears twice in the same process: as configured by default, and
 * with trimming off (mallopt M_TRIM_THRESHOLD and M_MMAP_THRESHOLD at their
 * maximum, set before each of its runs), because by default glibc hands the
 * top of its heap back to the kernel after every batch and the row would
 * time page faults. mm/ runs over the host port (tests/unit/port_host.c),
 * whose primitives are the guest's, called out of line as in the guest:
 * locks are pushf and an atomic exchange; the per-CPU fast paths' masking
 * (mm_irq_save/restore) is pushf plus a store to a simulated interrupt
 * flag where the guest executes cli and sti (mm.selfbench=1 times the
 * guest's real pair in its "mm_irq_save+restore pair" row).
 * Before the timed rows, memory held per byte requested (print_memory):
 * each peer in a child of its own, random-size allocations all live, then
 * half freed.
 *
 * Modes:
 *   bench_mm [INSTR.tsv]       times; instructions per operation taken from
 *                              INSTR.tsv when given
 *   bench_mm --instr CGBASE    run under callgrind with
 *                              --callgrind-out-file=CGBASE: each pattern and
 *                              peer once, fewer operations, counted between
 *                              client requests (zero, dump); prints
 *                              "pattern<TAB>peer<TAB>instructions per op"
 * Operations: a pair is one allocation and its free; a mixed-size step
 * frees one random live object and allocates one of a random size.
 * jemalloc and mimalloc are dlopen()ed when installed (scripts/deps.sh).
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include "kmalloc.h"
#include "port_host.h"

#define ROUNDS 7
#define LIVE 4096              /* objects live in the batch and mixed patterns */
#define BENCH_PAGES 65536      /* 256 MiB of the host port's memory */
#define MIX_SIZES 65536        /* pre-drawn sizes and victims of the mixed pattern */
#define MAX_PEERS 5

typedef void *(*alloc_fn)(size_t);
typedef void (*free_fn)(void *);

struct peer {
	const char *name;
	alloc_fn alloc;
	free_fn free;
	void (*configure)(void);   /* before each run; may be NULL */
};

enum pattern_kind { ONE_AT_A_TIME, BATCH, MIXED };

struct pattern {
	const char *label;
	enum pattern_kind kind;
	size_t size;               /* bytes per allocation; 0 for MIXED */
	bool pages;                /* memvisor side is buddy, not kmalloc */
	const char *note;          /* what differs between the peers */
};

/* How many operations one run does: timed runs, and runs under callgrind. */
struct workload {
	long one_pairs;
	int batch_rounds;
	long mixed_steps;
};
static const struct workload timed = { 1000000, 200, 1000000 };
static const struct workload counted = { 20000, 6, 30000 };

/* Where a run reports its measured section. */
struct meter {
	bool instr;                /* under callgrind: zero and dump, no clock */
	double t0;
	double per_op;             /* ns per operation (timed runs) */
};

struct bench {
	struct buddy buddy;
	struct peer peers[MAX_PEERS];
	int npeers;
	void *live[LIVE];
	uint16_t mix_size[MIX_SIZES];
	uint16_t mix_victim[MIX_SIZES];
};

static struct bench *the_bench; /* for the buddy wrappers' fixed signature */

static void *mv_kmalloc(size_t size) { return kmalloc(size, 0); }
static void mv_kfree(void *p) { kfree(p); }

/* Buddy, wrapped to the same signature: size is 4096 << order, found as
 * Linux's get_order does (no loop over the orders). */
static void *mv_pages(size_t size)
{
	unsigned order = size <= MM_PAGE_SIZE ? 0
					      : 64 - (unsigned)__builtin_clzll((size - 1) >> MM_PAGE_SHIFT);
	struct page *p = buddy_alloc_pages(&the_bench->buddy, 0, order);
	return p ? buddy_page_address(&the_bench->buddy, p) : NULL;
}
static void mv_free_pages(void *addr)
{
	struct page *p = buddy_virt_to_page(&the_bench->buddy, addr);
	buddy_free_pages(&the_bench->buddy, p, p->order);
}

/* glibc's defaults for the sizes here (at most 64 KiB: never mmap()ed). */
static void glibc_default(void)
{
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	malloc_trim(0); /* what the default would have trimmed after a notrim run */
}

static void glibc_notrim(void)
{
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_MMAP_THRESHOLD, 32 << 20); /* glibc's maximum on 64-bit */
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void meter_start(struct meter *m)
{
	if (m->instr)
		CALLGRIND_ZERO_STATS;
	else
		m->t0 = now_ns();
}

static void meter_stop(struct meter *m, double ops)
{
	if (m->instr)
		CALLGRIND_DUMP_STATS;
	else
		m->per_op = (now_ns() - m->t0) / ops;
}

static void *must_alloc(const struct peer *p, size_t size)
{
	void *x = p->alloc(size);
	if (!x) {
		fprintf(stderr, "bench_mm: %s failed to allocate %zu bytes\n", p->name, size);
		exit(1);
	}
	*(volatile char *)x = 1;
	return x;
}

static void run_one_at_a_time(struct bench *bn, const struct peer *p, size_t size,
			      const struct workload *w, struct meter *m)
{
	(void)bn;
	meter_start(m);
	for (long i = 0; i < w->one_pairs; i++)
		p->free(must_alloc(p, size));
	meter_stop(m, (double)w->one_pairs);
}

static void run_batch(struct bench *bn, const struct peer *p, size_t size,
		      const struct workload *w, struct meter *m)
{
	meter_start(m);
	for (int r = 0; r < w->batch_rounds; r++) {
		for (int i = 0; i < LIVE; i++)
			bn->live[i] = must_alloc(p, size);
		for (int i = 0; i < LIVE; i++)
			p->free(bn->live[i]);
	}
	meter_stop(m, (double)w->batch_rounds * LIVE);
}

static void run_mixed(struct bench *bn, const struct peer *p, size_t size,
		      const struct workload *w, struct meter *m)
{
	(void)size;
	for (int i = 0; i < LIVE; i++)
		bn->live[i] = must_alloc(p, bn->mix_size[i]);
	meter_start(m);
	for (long s = 0; s < w->mixed_steps; s++) {
		unsigned k = (unsigned)(s % MIX_SIZES), v = bn->mix_victim[k];
		p->free(bn->live[v]);
		bn->live[v] = must_alloc(p, bn->mix_size[k]);
	}
	meter_stop(m, (double)w->mixed_steps);
	for (int i = 0; i < LIVE; i++)
		p->free(bn->live[i]);
}

/* One run of pattern pt by peer p; returns ns per operation (timed runs). */
static double run(struct bench *bn, const struct pattern *pt, const struct peer *p,
		  const struct workload *w, bool instr)
{
	static void (*const runners[])(struct bench *, const struct peer *, size_t,
				       const struct workload *, struct meter *) = {
		[ONE_AT_A_TIME] = run_one_at_a_time, [BATCH] = run_batch, [MIXED] = run_mixed,
	};
	struct meter m = { .instr = instr };

	if (p->configure)
		p->configure();
	runners[pt->kind](bn, p, pt->size, w, &m);
	return m.per_op;
}

/* Peer i of this pattern: the memvisor allocator the pattern names, or a libc. */
static struct peer pattern_peer(const struct bench *bn, const struct pattern *pt, int i)
{
	static const struct peer kmalloc_peer = { "memvisor", mv_kmalloc, mv_kfree, NULL };
	static const struct peer buddy_peer = { "memvisor", mv_pages, mv_free_pages, NULL };

	if (i == 0)
		return pt->pages ? buddy_peer : kmalloc_peer;
	return bn->peers[i];
}

/* ---- set-up ------------------------------------------------------------ */

static bool load(struct peer *a, const char *name, const char *lib, const char *malloc_sym,
		 const char *free_sym)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	*a = (struct peer){ name, NULL, NULL, NULL };
	if (!h) {
		fprintf(stderr, "bench_mm: %s left out: %s\n", name, dlerror());
		return false;
	}
	a->alloc = (alloc_fn)dlsym(h, malloc_sym);
	a->free = (free_fn)dlsym(h, free_sym);
	return a->alloc && a->free;
}

static void setup_peers(struct bench *bn)
{
	bn->peers[0] = (struct peer){ "memvisor", NULL, NULL, NULL }; /* per pattern */
	bn->peers[1] = (struct peer){ "glibc", malloc, free, glibc_default };
	bn->peers[2] = (struct peer){ "glibc-notrim", malloc, free, glibc_notrim };
	bn->npeers = 3;
	bn->npeers += load(&bn->peers[bn->npeers], "jemalloc", "libjemalloc.so.2", "malloc",
			   "free");
	bn->npeers += load(&bn->peers[bn->npeers], "mimalloc", "libmimalloc.so.2", "mi_malloc",
			   "mi_free");
}

/* Sizes 8..2047, as many in each power-of-two band, and random victims. */
static void setup_mix(struct bench *bn)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < MIX_SIZES; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned band = 8u << (x % 8);
		bn->mix_size[i] = (uint16_t)(band + (x >> 8) % band);
		bn->mix_victim[i] = (uint16_t)((x >> 32) % LIVE);
	}
}

static void setup_mm(struct bench *bn)
{
	struct page *pages = malloc(buddy_page_array_size(0, BENCH_PAGES));

	host_port_reset();
	if (!pages || buddy_init(&bn->buddy, pages, 0, BENCH_PAGES, 0) ||
	    buddy_add_free_range(&bn->buddy, 1, BENCH_PAGES) || kmalloc_init(&bn->buddy)) {
		fprintf(stderr, "bench_mm: mm set-up failed\n");
		exit(1);
	}
}

static const char BUDDY_NOTE[] =
	"memvisor: page-aligned pages from buddy_alloc_pages(order), freed by address "
	"as free_pages() does, a simulated interrupt flag for cli/sti; peers: malloc of "
	"the same bytes, any alignment";
static const char SLAB_NOTE[] = "same calls on every peer: malloc(size)/free(p), "
				"kmalloc(size, 0)/kfree(p); memvisor masks a simulated interrupt "
				"flag where the guest runs cli/sti";

static const struct pattern patterns[] = {
	{ "kmalloc 64 one at a time", ONE_AT_A_TIME, 64, false, SLAB_NOTE },
	{ "kmalloc 256 one at a time", ONE_AT_A_TIME, 256, false, SLAB_NOTE },
	{ "kmalloc 64, 4096 live", BATCH, 64, false, SLAB_NOTE },
	{ "kmalloc 256, 4096 live", BATCH, 256, false, SLAB_NOTE },
	{ "kmalloc 8-2047 mixed, 4096 live", MIXED, 0, false,
	  "memvisor rounds to 122 size classes (8-byte steps to 128, 16 to 256, 32 per "
	  "doubling to 2048), jemalloc/mimalloc to theirs, glibc keeps exact sizes" },
	{ "buddy order 0 one at a time", ONE_AT_A_TIME, 4096, true, BUDDY_NOTE },
	{ "buddy order 1 one at a time", ONE_AT_A_TIME, 8192, true, BUDDY_NOTE },
	{ "buddy order 2 one at a time", ONE_AT_A_TIME, 16384, true, BUDDY_NOTE },
	{ "buddy order 3 one at a time", ONE_AT_A_TIME, 32768, true, BUDDY_NOTE },
	{ "buddy order 4 one at a time", ONE_AT_A_TIME, 65536, true, BUDDY_NOTE },
	{ "buddy order 0, 4096 live", BATCH, 4096, true, BUDDY_NOTE },
};
#define NR_PATTERNS (int)(sizeof(patterns) / sizeof(patterns[0]))

/* ---- instructions (under callgrind) ------------------------------------ */

/* The "summary:" figure of callgrind dump number n of base; -1 if unreadable. */
static double dump_instructions(const char *base, int n)
{
	char path[4096], line[256];
	double v = -1;

	snprintf(path, sizeof(path), "%s.%d", base, n);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "summary:", 8))
			v = strtod(line + 8, NULL);
	fclose(f);
	return v;
}

static double pattern_ops(const struct pattern *pt, const struct workload *w)
{
	if (pt->kind == BATCH)
		return (double)w->batch_rounds * LIVE;
	return (double)(pt->kind == MIXED ? w->mixed_steps : w->one_pairs);
}

static int count_instructions(struct bench *bn, const char *base)
{
	int dumps = 0;

	if (!RUNNING_ON_VALGRIND) {
		fprintf(stderr, "bench_mm: --instr runs under valgrind --tool=callgrind\n");
		return 1;
	}
	for (int i = 0; i < NR_PATTERNS; i++)
		for (int j = 0; j < bn->npeers; j++) {
			struct peer p = pattern_peer(bn, &patterns[i], j);
			run(bn, &patterns[i], &p, &counted, true); /* warm up, dumped too */
			run(bn, &patterns[i], &p, &counted, true);
			dumps += 2;
			double ir = dump_instructions(base, dumps);
			if (ir < 0) {
				fprintf(stderr, "bench_mm: no callgrind dump %s.%d\n", base, dumps);
				return 1;
			}
			printf("%s\t%s\t%.1f\n", patterns[i].label, p.name,
			       ir / pattern_ops(&patterns[i], &counted));
		}
	return 0;
}

/* Instructions per op of pattern/peer from a --instr table; -1 if absent. */
static double lookup_instructions(const char *tsv, const char *label, const char *peer)
{
	char line[256], want[160];
	double v = -1;
	FILE *f = tsv ? fopen(tsv, "r") : NULL;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s\t%s\t", label, peer);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			v = strtod(line + strlen(want), NULL);
	fclose(f);
	return v;
}

/* ---- times -------------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* ns[j][r]: peer j's time in round r; peers take turns, the first rotating. */
static void time_pattern(struct bench *bn, const struct pattern *pt,
			 double ns[MAX_PEERS][ROUNDS])
{
	for (int j = 0; j < bn->npeers; j++) { /* warm up: caches, heaps, page tables */
		struct peer p = pattern_peer(bn, pt, j);
		run(bn, pt, &p, &counted, false);
	}
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < bn->npeers; k++) {
			int j = (r + k) % bn->npeers;
			struct peer p = pattern_peer(bn, pt, j);
			ns[j][r] = run(bn, pt, &p, &timed, false);
		}
	for (int j = 0; j < bn->npeers; j++)
		qsort(ns[j], ROUNDS, sizeof(double), cmp_double);
}

static void print_pattern(struct bench *bn, const struct pattern *pt, const char *tsv)
{
	double ns[MAX_PEERS][ROUNDS];

	time_pattern(bn, pt, ns);
	printf("%s\n", pt->label);
	for (int j = 0; j < bn->npeers; j++) {
		struct peer p = pattern_peer(bn, pt, j);
		double ir = lookup_instructions(tsv, pt->label, p.name);
		char irs[32] = "-";
		if (ir >= 0)
			snprintf(irs, sizeof(irs), "%.0f", ir);
		printf("  %-14s %8.1f %8.1f %9s %9.2fx\n", p.name, ns[j][0], ns[j][ROUNDS / 2], irs,
		       ns[j][ROUNDS / 2] / ns[0][ROUNDS / 2]);
	}
	printf("  note: %s\n", pt->note);
}

/* ---- memory held per byte requested -------------------------------------- */

/*
 * MEM_ALLOCS random-size allocations (the mixed pattern's sizes, 8..2047,
 * as many in each power-of-two band), then half of them freed at random.
 * Held: pages taken from the buddy for memvisor (exact), the growth of the
 * process's resident set for the others (what the kernel gave them), over
 * the bytes asked for. Each peer runs in a child of its own, so no peer
 * sees another's heap. (The issue asks for 1M allocations; the host port's
 * simulated RAM is 512 MiB, so 400,000: about 150 MiB requested.)
 */
#define MEM_ALLOCS 400000

struct mem_result {
	double full, half;         /* held / requested, all live and half freed */
};

static long resident_pages(void)
{
	long size = 0, resident = -1;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &resident) != 2)
			resident = -1;
		fclose(f);
	}
	return resident;
}

/* Bytes the peer holds now: buddy pages in use for memvisor, else resident growth. */
static double held_bytes(const struct bench *bn, bool memvisor, long rss0, uint64_t free0)
{
	if (memvisor)
		return (double)(free0 - buddy_nr_free_pages(&bn->buddy)) * (double)MM_PAGE_SIZE;
	return (double)(resident_pages() - rss0) * (double)MM_PAGE_SIZE;
}

static struct mem_result measure_memory(struct bench *bn, const struct peer *p, bool memvisor)
{
	void **obj = calloc(MEM_ALLOCS, sizeof(*obj));
	size_t *size = calloc(MEM_ALLOCS, sizeof(*size));
	double want = 0;
	struct mem_result r;
	if (!obj || !size)
		exit(1);
	memset(obj, 1, MEM_ALLOCS * sizeof(*obj)); /* the bench's own arrays: resident before */
	memset(size, 1, MEM_ALLOCS * sizeof(*size)); /* the baseline, not counted to the peer */
	if (p->configure)
		p->configure();
	long rss0 = resident_pages();
	uint64_t free0 = buddy_nr_free_pages(&bn->buddy);
	for (long i = 0; i < MEM_ALLOCS; i++) {
		size[i] = bn->mix_size[i % MIX_SIZES];
		obj[i] = must_alloc(p, size[i]);
		memset(obj[i], 0x5a, size[i]); /* touched: resident, as a program's data is */
		want += (double)size[i];
	}
	r.full = held_bytes(bn, memvisor, rss0, free0) / want;
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (long i = MEM_ALLOCS - 1; i > 0; i--) { /* shuffle, then free the first half */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		long k = (long)(x % (uint64_t)(i + 1));
		void *t = obj[i];
		size_t ts = size[i];
		obj[i] = obj[k], size[i] = size[k];
		obj[k] = t, size[k] = ts;
	}
	for (long i = 0; i < MEM_ALLOCS / 2; i++) {
		want -= (double)size[i];
		p->free(obj[i]);
	}
	r.half = held_bytes(bn, memvisor, rss0, free0) / want;
	return r;
}

/* Runs measure_memory in a child; false if the child failed. */
static bool memory_in_child(struct bench *bn, const struct peer *p, bool memvisor,
			    struct mem_result *out)
{
	int fd[2];
	if (pipe(fd) < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		struct mem_result r = measure_memory(bn, p, memvisor);
		_exit(write(fd[1], &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	bool ok = pid > 0 && read(fd[0], out, sizeof(*out)) == (ssize_t)sizeof(*out);
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return ok;
}

static void print_memory(struct bench *bn)
{
	static const struct pattern mixed = { "memory", MIXED, 0, false, NULL };
	printf("memory held per byte requested: %d allocations of 8-2047 bytes, all live, "
	       "then half freed at random\n  %-14s %10s %10s\n", MEM_ALLOCS, "peer", "all live",
	       "half freed");
	for (int j = 0; j < bn->npeers; j++) {
		struct peer p = pattern_peer(bn, &mixed, j);
		struct mem_result r;
		if (memory_in_child(bn, &p, j == 0, &r))
			printf("  %-14s %10.3f %10.3f\n", p.name, r.full, r.half);
		else
			printf("  %-14s %10s %10s\n", p.name, "failed", "failed");
	}
	printf("  note: memvisor: pages taken from its buddy allocator; the others: growth of "
	       "the process's resident set (their metadata included)\n");
}

int main(int argc, char **argv)
{
	struct bench *bn = calloc(1, sizeof(*bn));

	if (!bn)
		return 1;
	the_bench = bn;
	setup_mm(bn);
	setup_peers(bn);
	setup_mix(bn);
	if (argc == 3 && !strcmp(argv[1], "--instr"))
		return count_instructions(bn, argv[2]);
	print_memory(bn); /* first: no peer's heap is resident from the timed runs yet */
	printf("mm allocators: per allocate+free pair (mixed: per free+allocate step);\n"
	       "%d rounds, peers interleaved in each; min and median ns; instructions per op "
	       "from callgrind%s;\nlast column: median against memvisor's (< 1: peer faster)\n",
	       ROUNDS, argc > 1 ? "" : " (not given: run `make bench-mm`)");
	printf("  %-14s %8s %8s %9s %10s\n", "peer", "min ns", "med ns", "instr/op", "med/mv");
	for (int i = 0; i < NR_PATTERNS; i++)
		print_pattern(bn, &patterns[i], argc > 1 ? argv[1] : NULL);
	return 0;
}
