/*
 * integrity [--workers N] [--rounds N] [--seed N] [--brk SIZE] [--heap SIZE]
 *           [--stack SIZE] [--anon SIZE] [--file PATH] [--await-vmstat NAME N]
 *
 * A data-integrity stress: nothing a process writes may be lost or changed
 * by paging, swap, reclaim, copy-on-write or the balloon. It forks N
 * workers (default 3). Each owns five regions of memory:
 *   brk    the program break, grown with the raw brk system call
 *   heap   one malloc'd block (mmap-sized for musl's malloc)
 *   stack  arrays in a chain of recursive frames (the stack grows down)
 *   anon   an anonymous private mapping
 *   file   a MAP_PRIVATE mapping of an initrd file (default /bin/integrity),
 *          written on its odd pages: copy-on-write of page-cache pages
 * and runs rounds (default 3). A round: the worker writes a new pattern
 * into every page (the file region's odd pages only) and forks a child,
 * which verifies the inherited data, writes another pattern over a third
 * of the pages of every region (copy-on-write), and verifies all of it
 * again; once the child has exited the worker verifies its own
 * copy, which must be as it left it. With --await-vmstat each worker waits
 * before its last round, holding its data, until /proc/vmstat's NAME
 * reaches N (e.g. balloon_deflate pages, once the host's balloon has come
 * and gone), and verifies everything before going on.
 *
 * Invariants checked:
 *  - a page's contents are a pure function of (seed, worker, region, page,
 *    gen): pattern_word() regenerates every 8 bytes; gen 0 is the file's
 *    own contents, read again with read() to compare;
 *  - every verification covers every byte of every page twice over: the
 *    page's checksum against the one recorded when it was written, and a
 *    full compare against the regenerated contents;
 *  - gen[] and sum[] (the record of what each page must hold) live in the
 *    process's own heap, so a child's writes change only the child's copy.
 *
 * Sizes take K, M or G. Pages counts go to a shared page (tally[]) so the
 * first process can add up its workers' and their children's figures.
 * On a mismatch a process prints the worker, region, page, offset,
 * expected and found bytes (at most MAX_REPORTS lines) and what the page
 * holds instead when that is recognisable (zeros, another gen of the
 * page). Ends with "integrity: N workers, N pages written, N verified,
 * N bad". Exit status 0, 1 on any bad page or a process that did not exit
 * cleanly, 2 on bad arguments or a failed setup.
 */
#include "libproc.h"
#include "size.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define WORDS (PAGE / 8)
#define MAX_WORKERS 64
#define MAX_REPORTS 8
#define STACK_FRAME_PAGES 16            /* pages of stack region per frame */

enum region_id { R_BRK, R_HEAP, R_STACK, R_ANON, R_FILE, NR_REGIONS };
static const char *const region_names[NR_REGIONS] = { "brk", "heap", "stack", "anon", "file" };

struct region {
	enum region_id id;
	size_t pages;
	unsigned char *base;            /* contiguous regions */
	unsigned char **page_at;        /* the stack region: one pointer per page */
	uint32_t *gen;                  /* what each page must hold */
	uint64_t *sum;                  /* its checksum */
};

struct tally {
	uint64_t written, verified, bad;
};

static struct config {
	unsigned workers, rounds;
	uint64_t seed;
	size_t bytes[NR_REGIONS];       /* the file region's size is the file's */
	const char *file;
	const char *await_name;
	long await_value;
} cfg = {
	.workers = 3, .rounds = 3, .seed = 0x696e746567726974ull,
	.bytes = { [R_BRK] = 1 << 20, [R_HEAP] = 2 << 20, [R_STACK] = 1 << 20,
		   [R_ANON] = 4 << 20 },
	.file = "/bin/integrity",
};

/* One process's view: which worker, whether it is the child of a round. */
static struct {
	unsigned worker;
	int child;
	unsigned round;
	struct region r[NR_REGIONS];
	int fd;                          /* the file region's file */
	size_t file_size;
	struct tally *tally;             /* this process's slot in the shared page */
	unsigned reports;
} me;

static struct tally (*shared)[2];        /* [worker][parent, child] */

/* ---- patterns ---------------------------------------------------------- */

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t page_seed(const struct region *r, size_t page, uint32_t gen)
{
	uint64_t s = mix(cfg.seed + me.worker);

	s = mix(s + r->id);
	s = mix(s + page);
	return mix(s + gen);
}

static uint64_t pattern_word(uint64_t seed, size_t k)
{
	return mix(seed + k * 0xd1b54a32d192ed03ull);
}

static uint64_t checksum_step(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0x100000001b3ull + (h >> 29);
}

static uint64_t checksum(const unsigned char *p)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t k = 0; k < WORDS; k++)
		h = checksum_step(h, w[k]);
	return h;
}

static unsigned char *page_addr(const struct region *r, size_t i)
{
	return r->page_at ? r->page_at[i] : r->base + i * PAGE;
}

/* The gen-0 contents of a file page: the file as read() gives it, zeros past its end. */
static int file_page(size_t i, unsigned char *out)
{
	size_t got = 0;
	ssize_t n = 1;

	memset(out, 0, PAGE);
	if (lseek(me.fd, (off_t)(i * PAGE), SEEK_SET) < 0)
		return -1;
	while (got < PAGE && (n = read(me.fd, out + got, PAGE - got)) > 0)
		got += (size_t)n;
	return n < 0 ? -1 : 0;
}

/* The contents page i of r must hold at gen, into out. */
static void expected_page(const struct region *r, size_t i, uint32_t gen, unsigned char *out)
{
	uint64_t *w = (uint64_t *)out, s = page_seed(r, i, gen);

	if (r->id == R_FILE && gen == 0) {
		if (file_page(i, out))
			memset(out, 0xee, PAGE);         /* cannot read: shows as bad */
		return;
	}
	for (size_t k = 0; k < WORDS; k++)
		w[k] = pattern_word(s, k);
}

/* ---- writing and verifying ------------------------------------------- */

static void write_page(struct region *r, size_t i, uint32_t gen)
{
	volatile uint64_t *w = (volatile uint64_t *)page_addr(r, i);
	uint64_t s = page_seed(r, i, gen), h = 0xcbf29ce484222325ull;

	for (size_t k = 0; k < WORDS; k++) {
		uint64_t v = pattern_word(s, k);
		w[k] = v;
		h = checksum_step(h, v);
	}
	r->gen[i] = gen;
	r->sum[i] = h;
	me.tally->written++;
}

/* What a bad page holds instead, when that is recognisable. */
static void describe(const struct region *r, size_t i, const unsigned char *p, char *out,
		     size_t len)
{
	static unsigned char want[PAGE];
	uint32_t top = 2 * (me.round + 1) + 1;

	for (size_t k = 0; k < PAGE && !p[k]; k++)
		if (k == PAGE - 1) {
			snprintf(out, len, "all zeros");
			return;
		}
	for (uint32_t g = 0; g <= top + 2; g++) {
		expected_page(r, i, g, want);
		if (!memcmp(want, p, PAGE)) {
			snprintf(out, len, "gen %u of this page (%s)", g,
				 g < r->gen[i] ? "stale" : "other");
			return;
		}
	}
	snprintf(out, len, "unrecognised");
}

static void report_bad(const struct region *r, size_t i, const unsigned char *p,
		       const unsigned char *want, uint64_t sum)
{
	size_t first = PAGE, differ = 0;
	char what[64];

	for (size_t k = 0; k < PAGE; k++)
		if (p[k] != want[k]) {
			differ++;
			if (first == PAGE)
				first = k;
		}
	if (me.reports++ >= MAX_REPORTS)
		return;
	describe(r, i, p, what, sizeof(what));
	if (first == PAGE)
		printf("integrity: BAD worker %u %s round %u region %s page %zu (va %p): contents "
		       "right but checksum %016llx, recorded %016llx\n", me.worker,
		       me.child ? "child" : "parent", me.round, region_names[r->id], i, (void *)p,
		       (unsigned long long)sum, (unsigned long long)r->sum[i]);
	else
		printf("integrity: BAD worker %u %s round %u region %s page %zu (va %p) offset %zu: "
		       "expected 0x%02x found 0x%02x; %zu of %lu bytes differ, gen %u wanted, "
		       "page holds %s\n", me.worker, me.child ? "child" : "parent", me.round,
		       region_names[r->id], i, (void *)p, first, want[first], p[first], differ,
		       PAGE, r->gen[i], what);
	fflush(stdout);
}

/* Checks every byte of page i of r: checksum, then a full compare. */
static int verify_page(const struct region *r, size_t i)
{
	static unsigned char want[PAGE];
	const unsigned char *p = page_addr(r, i);
	uint64_t sum = checksum(p);

	me.tally->verified++;
	expected_page(r, i, r->gen[i], want);
	if (sum == r->sum[i] && !memcmp(p, want, PAGE))
		return 0;
	me.tally->bad++;
	report_bad(r, i, p, want, sum);
	return 1;
}

static int verify_all(void)
{
	int bad = 0;

	for (int id = 0; id < NR_REGIONS; id++)
		for (size_t i = 0; i < me.r[id].pages; i++)
			bad |= verify_page(&me.r[id], i);
	return bad;
}

/* The parent's pass: every page, but only the odd pages of the file. */
static void write_parent(uint32_t gen)
{
	for (int id = 0; id < NR_REGIONS; id++)
		for (size_t i = 0; i < me.r[id].pages; i++)
			if (id != R_FILE || (i & 1))
				write_page(&me.r[id], i, gen);
}

/* The child's pass: a third of the pages of each region, file pages too. */
static void write_child(uint32_t gen)
{
	for (int id = 0; id < NR_REGIONS; id++)
		for (size_t i = 0; i < me.r[id].pages; i++)
			if ((i + me.round) % 3 == 0)
				write_page(&me.r[id], i, gen);
}

/* ---- rounds ------------------------------------------------------------ */

static void child_round(void)
{
	int bad;

	me.child = 1;
	me.tally = &shared[me.worker][1];
	bad = verify_all();
	write_child(2 * (me.round + 1) + 1);
	bad |= verify_all();
	fflush(stdout);
	_exit(bad);
}

/* Waits for pid; nonzero (and says why) unless it exited with status 0. */
static int reap(pid_t pid, const char *who, unsigned worker)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		printf("integrity: %s of worker %u: waitpid failed\n", who, worker);
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		printf("integrity: %s of worker %u killed by signal %d\n", who, worker,
		       WTERMSIG(status));
	else
		printf("integrity: %s of worker %u exited with status %d\n", who, worker,
		       WEXITSTATUS(status));
	return 1;
}

static int await_vmstat(void)
{
	char key[64];
	long v;

	snprintf(key, sizeof(key), "%s ", cfg.await_name);
	v = proc_await_value("/proc/vmstat", key, cfg.await_value);
	if (v < 0) {
		printf("integrity: /proc/vmstat has no %s\n", cfg.await_name);
		return 1;
	}
	printf("integrity: worker %u: vmstat %s reached %ld (awaited %ld)\n", me.worker,
	       cfg.await_name, v, cfg.await_value);
	return verify_all();
}

/* The child's first pass checks what the parent has just written. */
static int one_round(void)
{
	int bad = 0;
	pid_t pid;

	write_parent(2 * (me.round + 1));
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		child_round();
	if (pid < 0) {
		printf("integrity: worker %u: fork failed\n", me.worker);
		return 1;
	}
	bad |= reap(pid, "child", me.worker);
	bad |= verify_all();
	printf("integrity: worker %u round %u %s\n", me.worker, me.round, bad ? "FAILED" : "ok");
	return bad;
}

static int run_rounds(void)
{
	int bad = 0;

	for (me.round = 0; me.round < cfg.rounds; me.round++) {
		if (cfg.await_name && me.round == cfg.rounds - 1)
			bad |= await_vmstat();
		bad |= one_round();
	}
	return bad;
}

/*
 * Puts the stack region in frames frame.. of a recursive chain, each with
 * its own array, and runs the rounds from the deepest frame so that every
 * array stays live. The asm after the call keeps the array and the frame.
 */
static int __attribute__((noinline)) descend(size_t frame)
{
	unsigned char chunk[(STACK_FRAME_PAGES + 1) * PAGE];
	struct region *r = &me.r[R_STACK];
	unsigned char *p = (unsigned char *)(((uintptr_t)chunk + PAGE - 1) & ~(PAGE - 1));
	size_t first = frame * STACK_FRAME_PAGES;
	int ret;

	if (first >= r->pages)
		return run_rounds();
	for (size_t i = first; i < r->pages && i < first + STACK_FRAME_PAGES; i++)
		r->page_at[i] = p + (i - first) * PAGE;
	ret = descend(frame + 1);
	__asm__ volatile("" : : "r"(chunk) : "memory");
	return ret;
}

/* ---- setup ------------------------------------------------------------- */

static int region_init(enum region_id id, size_t pages)
{
	struct region *r = &me.r[id];

	r->id = id;
	r->pages = pages;
	r->gen = calloc(pages + 1, sizeof(*r->gen));
	r->sum = calloc(pages + 1, sizeof(*r->sum));
	return r->gen && r->sum ? 0 : -1;
}

/* The brk region comes first, before malloc caches the break. */
static int setup_brk(void)
{
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t start = (cur + PAGE - 1) & ~(PAGE - 1), end = start + cfg.bytes[R_BRK];

	if ((uintptr_t)syscall(SYS_brk, end) < end)
		return -1;
	me.r[R_BRK].base = (unsigned char *)start;
	return 0;
}

static int setup_file(void)
{
	struct stat st;
	size_t pages;
	void *p;

	me.fd = open(cfg.file, O_RDONLY);
	if (me.fd < 0 || fstat(me.fd, &st) || st.st_size <= 0)
		return -1;
	me.file_size = (size_t)st.st_size;
	pages = (me.file_size + PAGE - 1) / PAGE;
	p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, me.fd, 0);
	if (p == MAP_FAILED || region_init(R_FILE, pages))
		return -1;
	me.r[R_FILE].base = p;
	for (size_t i = 0; i < pages; i++)      /* gen 0: the file's own bytes */
		me.r[R_FILE].sum[i] = checksum(page_addr(&me.r[R_FILE], i));
	return 0;
}

static int setup_regions(void)
{
	void *heap, *anon;

	if (setup_brk() || region_init(R_BRK, cfg.bytes[R_BRK] / PAGE))
		return -1;
	heap = malloc(cfg.bytes[R_HEAP] + PAGE);
	if (!heap || region_init(R_HEAP, cfg.bytes[R_HEAP] / PAGE))
		return -1;
	me.r[R_HEAP].base = (unsigned char *)(((uintptr_t)heap + PAGE - 1) & ~(PAGE - 1));
	anon = mmap(NULL, cfg.bytes[R_ANON] + PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || region_init(R_ANON, cfg.bytes[R_ANON] / PAGE))
		return -1;
	me.r[R_ANON].base = anon;
	if (region_init(R_STACK, cfg.bytes[R_STACK] / PAGE))
		return -1;
	me.r[R_STACK].page_at = calloc(me.r[R_STACK].pages + 1, sizeof(unsigned char *));
	if (!me.r[R_STACK].page_at)
		return -1;
	return setup_file();
}

static void worker(unsigned w)
{
	int bad;

	me.worker = w;
	me.tally = &shared[w][0];
	if (setup_regions()) {
		printf("integrity: worker %u: setup failed (out of memory, or cannot map %s)\n", w,
		       cfg.file);
		fflush(stdout);
		_exit(2);
	}
	bad = descend(0);
	printf("integrity: worker %u done: %llu pages written, %llu verified, %llu bad\n", w,
	       (unsigned long long)(shared[w][0].written + shared[w][1].written),
	       (unsigned long long)(shared[w][0].verified + shared[w][1].verified),
	       (unsigned long long)(shared[w][0].bad + shared[w][1].bad));
	fflush(stdout);
	_exit(bad);
}

/* ---- arguments --------------------------------------------------------- */

static int parse_number(const char *s, unsigned long long *out)
{
	char *end;

	*out = strtoull(s, &end, 0);
	return *s && !*end ? 0 : -1;
}

static int parse_args(int argc, char **argv)
{
	static const char *const size_opts[NR_REGIONS] = { "--brk", "--heap", "--stack",
							   "--anon", NULL };
	unsigned long long n;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int done = 0;

		if (!v)
			return -1;
		for (int id = 0; id < R_FILE; id++)
			if (!strcmp(a, size_opts[id])) {
				done = !parse_size(v, &cfg.bytes[id]) ? 1 : -1;
				cfg.bytes[id] &= ~(PAGE - 1); /* whole pages */
			}
		if (!done && !strcmp(a, "--workers"))
			done = !parse_number(v, &n) && n >= 1 && n <= MAX_WORKERS ?
			       (cfg.workers = (unsigned)n, 1) : -1;
		else if (!done && !strcmp(a, "--rounds"))
			done = !parse_number(v, &n) && n >= 1 && n <= 1000 ?
			       (cfg.rounds = (unsigned)n, 1) : -1;
		else if (!done && !strcmp(a, "--seed"))
			done = !parse_number(v, &n) ? (cfg.seed = n, 1) : -1;
		else if (!done && !strcmp(a, "--file"))
			done = (cfg.file = v, 1);
		else if (!done && !strcmp(a, "--await-vmstat") && i + 2 < argc &&
			 !parse_number(argv[i + 2], &n)) {
			cfg.await_name = v;
			cfg.await_value = (long)n;
			i++;
			done = 1;
		}
		if (done != 1)
			return -1;
		i++;
	}
	return 0;
}

/* ---- main -------------------------------------------------------------- */

/* Forks the workers, waits for them all; the number that failed. */
static int run_workers(void)
{
	pid_t pids[MAX_WORKERS];
	int failed = 0;

	for (unsigned w = 0; w < cfg.workers; w++) {
		fflush(stdout);
		pids[w] = fork();
		if (pids[w] == 0)
			worker(w);
		if (pids[w] < 0) {
			printf("integrity: fork of worker %u failed\n", w);
			return failed + (int)(cfg.workers - w);
		}
	}
	for (unsigned w = 0; w < cfg.workers; w++)
		failed += reap(pids[w], "process", w);
	return failed;
}

int main(int argc, char **argv)
{
	struct tally sum = { 0, 0, 0 };
	int failed;

	if (parse_args(argc, argv)) {
		fprintf(stderr, "usage: integrity [--workers N] [--rounds N] [--seed N] [--brk SIZE] "
			"[--heap SIZE] [--stack SIZE] [--anon SIZE] [--file PATH] "
			"[--await-vmstat NAME N]\n");
		return 2;
	}
	shared = mmap(NULL, sizeof(struct tally[MAX_WORKERS][2]), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		printf("integrity: cannot map the shared tally page\n");
		return 2;
	}
	printf("integrity: %u workers x (brk %zuK heap %zuK stack %zuK anon %zuK file %s), "
	       "%u rounds, seed %#llx\n", cfg.workers, cfg.bytes[R_BRK] >> 10,
	       cfg.bytes[R_HEAP] >> 10, cfg.bytes[R_STACK] >> 10, cfg.bytes[R_ANON] >> 10,
	       cfg.file, cfg.rounds, (unsigned long long)cfg.seed);
	failed = run_workers();
	for (unsigned w = 0; w < cfg.workers; w++)
		for (int c = 0; c < 2; c++) {
			sum.written += shared[w][c].written;
			sum.verified += shared[w][c].verified;
			sum.bad += shared[w][c].bad;
		}
	printf("integrity: %u workers, %llu pages written, %llu verified, %llu bad\n",
	       cfg.workers, (unsigned long long)sum.written, (unsigned long long)sum.verified,
	       (unsigned long long)sum.bad);
	if (failed)
		printf("integrity: %d processes did not exit cleanly\n", failed);
	return failed || sum.bad ? 1 : 0;
}
