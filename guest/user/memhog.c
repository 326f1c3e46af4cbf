/*
 * memhog SIZE [--pattern seq|random|zipf|loop] [--passes N] [--verify]
 *             [--release] [--hold] [--oom-score-adj N] [--pause SECS]
 *             [--show FILE] [--read FILE]... [--swappiness N] [--populate]
 *             [--await-vmstat NAME N] [--start-on-vmstat NAME N]
 *             [--bind N | --preferred N | --interleave] [--mbind N] [--move N]
 *             [--where] [--child-where]
 * Options act in order, before the hog: --oom-score-adj writes N to
 * /proc/self/oom_score_adj, --swappiness N to /proc/sys/vm/swappiness,
 * --read reads FILE through (clean page-cache pages reclaim may drop),
 * --start-on-vmstat says "memhog: waiting for vmstat NAME N" and waits
 * until /proc/vmstat's NAME reaches N (a host that snapshots the guest
 * before the hog, then lets it start, e.g. with a balloon_inflate page).
 * --bind N, --preferred N and --interleave set memhog's NUMA memory policy
 * (set_mempolicy: MPOL_BIND or MPOL_PREFERRED to node N, MPOL_INTERLEAVE
 * over every node get_mempolicy(MPOL_F_MEMS_ALLOWED) names).
 * Then it maps SIZE bytes of anonymous memory (--mbind N: then binds that
 * area alone to node N with mbind(MPOL_BIND), a policy that wins over the
 * task's for its pages; --populate: with
 * MAP_POPULATE, every page allocated inside the one mmap call, a burst
 * kswapd cannot keep up with) and writes a per-page stamp into the pages
 * the pattern visits, pass after pass, noting each visited page in seen[].
 * --await-vmstat then waits until /proc/vmstat's NAME reaches N (the
 * guest's progress, e.g. balloon_inflate pages taken by the host's balloon
 * while the hog holds its memory), checking every 100 ms, with no bound of
 * its own.
 * --verify then checks everything memhog wrote: every visited page reads
 * back its stamp, every other page still reads zero, and the bookkeeping
 * agrees with itself (seen[] holds only 0 and 1, as many 1s as pages
 * counted touched, no more than the buffer has, all of them for seq and
 * loop, which visit every page); --move N then binds the area to node N
 * with mbind(MPOL_BIND, MPOL_MF_MOVE | MPOL_MF_STRICT), moving the pages
 * written (before --verify reads them: their contents move with them);
 * --where then says on which NUMA node each
 * page landed (get_mempolicy(MPOL_F_NODE | MPOL_F_ADDR)), one line
 * "memhog: node N: P pages" per node holding any; --child-where then
 * forks a child that says the policy it inherited on the area
 * (get_mempolicy(MPOL_F_ADDR): "memhog: child: area policy MODE, nodes
 * MASK"), writes every page again (copies on write, placed by that
 * policy) and says where its copies landed ("memhog: child: node N: P
 * pages"); --pause then sleeps SECS seconds (kswapd, woken by the
 * last faults, can finish and sleep); --release unmaps the memory; --show
 * then prints FILE (a /proc file as the hog leaves the system); --hold sleeps until
 * killed (for the host to watch or snapshot the guest in that state).
 * Exit status: 0, 1 when verification fails, 2 on bad arguments or mmap
 * failure.
 */
#include "libproc.h"
#include "size.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define PAGE 4096ul

enum pattern { SEQ, RANDOM, ZIPF, LOOP };
static const char *const pattern_names[] = { "seq", "random", "zipf", "loop" };

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The i-th page a pass visits. */
static size_t page_at(enum pattern p, size_t i, size_t pages)
{
	switch (p) {
	case RANDOM:
		return next_random() % pages;
	case ZIPF:              /* skewed to low pages: most touches hit few pages */
		return next_random() % (next_random() % pages + 1);
	default:
		return i;
	}
}

static uint64_t stamp(size_t page)
{
	return page * 0x9e3779b97f4a7c15ull + 0x6d656d686f67ull;
}

/* Whether page pg holds its stamp (both ends). */
static int stamped(const uint8_t *mem, size_t pg)
{
	return *(const uint64_t *)(mem + pg * PAGE) == stamp(pg) &&
	       *(const uint64_t *)(mem + pg * PAGE + PAGE - 8) == ~stamp(pg);
}

/* Whether page pg reads as never written (both stamp words zero). */
static int untouched(const uint8_t *mem, size_t pg)
{
	return *(const uint64_t *)(mem + pg * PAGE) == 0 &&
	       *(const uint64_t *)(mem + pg * PAGE + PAGE - 8) == 0;
}

/*
 * Checks the bookkeeping against itself and the buffer: prints one
 * "verify FAILED" line per kind of inconsistency found. Returns the
 * number of kinds found (0: consistent).
 */
static int verify_bookkeeping(const uint8_t *mem, const uint8_t *seen, size_t pages,
			      size_t touched, enum pattern pat)
{
	size_t ones = 0, odd = 0, written_unseen = 0, first_unseen = pages;
	int failed = 0;

	for (size_t pg = 0; pg < pages; pg++) {
		ones += seen[pg] == 1;
		odd += seen[pg] > 1;
		if (!seen[pg] && !untouched(mem, pg) && written_unseen++ == 0)
			first_unseen = pg;
	}
	if (touched > pages && ++failed)
		printf("memhog: verify FAILED: %zu pages touched in a buffer of %zu pages\n",
		       touched, pages);
	if ((ones != touched || odd) && ++failed)
		printf("memhog: verify FAILED: seen[] marks %zu pages (%zu bytes neither 0 nor 1), "
		       "%zu counted touched\n", ones, odd, touched);
	if ((pat == SEQ || pat == LOOP) && ones != pages && ++failed)
		printf("memhog: verify FAILED: pattern %s visits all %zu pages, seen[] marks %zu\n",
		       pattern_names[pat], pages, ones);
	if (written_unseen && ++failed)
		printf("memhog: verify FAILED: %zu pages written but not in seen[] (first: page %zu)\n",
		       written_unseen, first_unseen);
	return failed;
}

/* Checks every visited page's stamp. Returns the number of wrong pages. */
static size_t verify_pages(const uint8_t *mem, const uint8_t *seen, size_t pages)
{
	size_t bad = 0;

	for (size_t pg = 0; pg < pages; pg++)
		bad += seen[pg] && !stamped(mem, pg);
	return bad;
}

/* Writes value and a newline to a /proc file. Returns 0 or -1. */
static int write_proc(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");
	int ok = f && fprintf(f, "%s\n", value) > 0;

	if (f && fclose(f))
		ok = 0;
	if (!ok)
		perror(path);
	return ok ? 0 : -1;
}

/* Copies path to stdout between "== path" and "== end" lines. */
static void show(const char *path)
{
	char buf[512];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f) {
		perror(path);
		return;
	}
	printf("== %s\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	printf("== end\n");
	fclose(f);
}

/* Reads path to its end, leaving its pages in the page cache. Returns 0 or -1. */
static int read_through(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	if (n < 0)
		perror(path);
	return n < 0 ? -1 : 0;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps until /proc/vmstat's counter name reaches at least want; option names the flag. */
static int await_vmstat(const char *option, const char *name, const char *want_text)
{
	char *end, key[96];
	long want = strtol(want_text, &end, 10), v;

	snprintf(key, sizeof(key), "%s ", name);
	if (*end || end == want_text || (v = proc_await_value("/proc/vmstat", key, want)) < 0) {
		fprintf(stderr, "memhog: %s %s %s: expected a /proc/vmstat name and a "
			"number\n", option, name, want_text);
		return -1;
	}
	printf("memhog: vmstat %s reached %ld (awaited %ld)\n", name, v, want);
	fflush(stdout);
	return 0;
}

#define MPOL_PREFERRED      1
#define MPOL_BIND           2
#define MPOL_INTERLEAVE     3
#define MPOL_F_NODE         (1 << 0)
#define MPOL_F_ADDR         (1 << 1)
#define MPOL_F_MEMS_ALLOWED (1 << 2)
#define MAX_NODES           64

/* set_mempolicy(mode) for node (-1: every node the system allows). 0 or -1. */
static int set_policy(int mode, long node)
{
	unsigned long mask = 0;
	int ignored;

	if (node >= 0 && node < MAX_NODES)
		mask = 1ul << node;
	else if (syscall(SYS_get_mempolicy, &ignored, &mask, MAX_NODES + 1, NULL,
			 MPOL_F_MEMS_ALLOWED) < 0)
		mask = 0;
	if (!mask || syscall(SYS_set_mempolicy, mode, &mask, MAX_NODES + 1) < 0) {
		perror("memhog: set_mempolicy");
		return -1;
	}
	printf("memhog: policy %s, nodes %#lx\n", mode == MPOL_BIND ? "bind" :
	       mode == MPOL_PREFERRED ? "preferred" : "interleave", mask);
	return 0;
}

/* The node number arg of option opt, or -1 (said on stderr). */
static long parse_node(const char *opt, const char *arg)
{
	char *end;
	long node = strtol(arg, &end, 10);

	if (*end || end == arg || node < 0 || node >= MAX_NODES) {
		fprintf(stderr, "memhog: %s: not a node number: %s\n", opt, arg);
		return -1;
	}
	return node;
}

#define MPOL_MF_STRICT (1 << 0)
#define MPOL_MF_MOVE   (1 << 1)

/* mbind(MPOL_BIND) of [mem, mem + len) to node with flags (0, or
 * MPOL_MF_MOVE | MPOL_MF_STRICT: the pages there move). 0 or -1. */
static int bind_area(void *mem, size_t len, long node, unsigned flags)
{
	unsigned long mask = 1ul << node;

	if (syscall(SYS_mbind, mem, len, MPOL_BIND, &mask, MAX_NODES + 1, flags) < 0) {
		perror("memhog: mbind");
		return -1;
	}
	printf("memhog: mbind %zu KiB to node %ld%s\n", len / 1024, node,
	       flags ? ", pages moved" : "");
	return 0;
}

/* Prints how many of the pages landed on each node, each line after who. */
static void report_nodes(const char *who, const uint8_t *mem, size_t pages)
{
	size_t count[MAX_NODES] = { 0 }, unknown = 0;

	for (size_t i = 0; i < pages; i++) {
		int node = -1;
		if (syscall(SYS_get_mempolicy, &node, NULL, 0, mem + i * PAGE,
			    MPOL_F_NODE | MPOL_F_ADDR) < 0 || node < 0 || node >= MAX_NODES)
			unknown++;
		else
			count[node]++;
	}
	for (int n = 0; n < MAX_NODES; n++)
		if (count[n])
			printf("memhog: %snode %d: %zu pages\n", who, n, count[n]);
	if (unknown)
		printf("memhog: %snode unknown: %zu pages\n", who, unknown);
}

/*
 * A forked child reads the policy of the hog's area (get_mempolicy
 * MPOL_F_ADDR: what it inherited), writes every page again (each write a
 * copy on write, placed by that policy) and reports where its copies
 * landed, on lines "memhog: child: ...". 0, or -1 when the child failed.
 */
static int child_where(uint8_t *mem, size_t pages)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		unsigned long mask = 0;
		int mode = -1;
		if (syscall(SYS_get_mempolicy, &mode, &mask, MAX_NODES + 1, mem, MPOL_F_ADDR) < 0)
			_exit(1);
		printf("memhog: child: area policy %d, nodes %#lx\n", mode, mask);
		for (size_t i = 0; i < pages; i++)
			mem[i * PAGE + 8] = 1;
		report_nodes("child: ", mem, pages);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("memhog: child: failed\n");
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: memhog SIZE [--pattern seq|random|zipf|loop] [--passes N] "
		"[--verify] [--release] [--hold] [--oom-score-adj N] [--pause SECS] "
		"[--show FILE] [--read FILE]... [--swappiness N] [--populate] "
		"[--await-vmstat NAME N] [--start-on-vmstat NAME N] "
		"[--bind N | --preferred N | --interleave] [--mbind N] [--move N] [--where] "
		"[--child-where]\n");
	return 2;
}

int main(int argc, char **argv)
{
	size_t size = 0;
	enum pattern pat = SEQ;
	int passes = 1, verify = 0, release = 0, hold = 0, pause = 0, populate = 0, where = 0;
	long mbind_node = -1, move_node = -1;
	int fork_where = 0;
	const char *show_path = NULL, *await_name = NULL, *await_value = NULL;

	if (argc < 2 || parse_size(argv[1], &size) || !size)
		return usage();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--verify"))
			verify = 1;
		else if (!strcmp(argv[i], "--release"))
			release = 1;
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--populate"))
			populate = MAP_POPULATE;
		else if (!strcmp(argv[i], "--where"))
			where = 1;
		else if (!strcmp(argv[i], "--child-where"))
			fork_where = 1;
		else if (!strcmp(argv[i], "--interleave")) {
			if (set_policy(MPOL_INTERLEAVE, -1))
				return 2;
		} else if ((!strcmp(argv[i], "--bind") || !strcmp(argv[i], "--preferred")) &&
			   i + 1 < argc) {
			long node = parse_node(argv[i], argv[i + 1]);
			if (node < 0 || set_policy(argv[i][2] == 'b' ? MPOL_BIND : MPOL_PREFERRED, node))
				return 2;
			i++;
		} else if ((!strcmp(argv[i], "--mbind") || !strcmp(argv[i], "--move")) &&
			   i + 1 < argc) {
			long node = parse_node(argv[i], argv[i + 1]);
			if (node < 0)
				return 2;
			*(!strcmp(argv[i], "--mbind") ? &mbind_node : &move_node) = node;
			i++;
		}
		else if (!strcmp(argv[i], "--oom-score-adj") && i + 1 < argc) {
			if (write_proc("/proc/self/oom_score_adj", argv[++i]))
				return 2;
		} else if (!strcmp(argv[i], "--swappiness") && i + 1 < argc) {
			if (write_proc("/proc/sys/vm/swappiness", argv[++i]))
				return 2;
		} else if (!strcmp(argv[i], "--pause") && i + 1 < argc)
			pause = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--show") && i + 1 < argc)
			show_path = argv[++i];
		else if (!strcmp(argv[i], "--await-vmstat") && i + 2 < argc) {
			await_name = argv[++i];
			await_value = argv[++i];
		}
		else if (!strcmp(argv[i], "--start-on-vmstat") && i + 2 < argc) {
			printf("memhog: waiting for vmstat %s %s\n", argv[i + 1], argv[i + 2]);
			fflush(stdout);
			if (await_vmstat(argv[i], argv[i + 1], argv[i + 2]) < 0)
				return 2;
			i += 2;
		}
		else if (!strcmp(argv[i], "--read") && i + 1 < argc) {
			if (read_through(argv[++i]))
				return 2;
		}
		else if (!strcmp(argv[i], "--passes") && i + 1 < argc)
			passes = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--pattern") && i + 1 < argc) {
			const char *n = argv[++i];
			for (pat = SEQ; pat <= LOOP && strcmp(n, pattern_names[pat]); pat++)
				;
			if (pat > LOOP)
				return usage();
		} else
			return usage();
	}
	if (passes < 1)
		return usage();
	size_t pages = (size + PAGE - 1) / PAGE;
	uint8_t *mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | populate, -1, 0);
	uint8_t *seen = calloc(pages, 1);
	if (mem == MAP_FAILED || !seen) {
		perror("memhog: mmap");
		return 2;
	}
	if (mbind_node >= 0 && bind_area(mem, pages * PAGE, mbind_node, 0))
		return 2;
	long t0 = now_ms();
	size_t touched = 0;
	for (int pass = 0; pass < passes; pass++) {
		for (size_t i = 0; i < pages; i++) {
			size_t pg = page_at(pat, i, pages);
			*(uint64_t *)(mem + pg * PAGE) = stamp(pg);
			*(uint64_t *)(mem + pg * PAGE + PAGE - 8) = ~stamp(pg);
			touched += !seen[pg];
			seen[pg] = 1;
		}
	}
	long t1 = now_ms();
	printf("memhog: %zu KiB (%zu pages), pattern %s, %d pass%s: %zu pages touched in %ld ms\n",
	       pages * 4, pages, pattern_names[pat], passes, passes == 1 ? "" : "es", touched,
	       t1 - t0);
	if (move_node >= 0 &&
	    bind_area(mem, pages * PAGE, move_node, MPOL_MF_MOVE | MPOL_MF_STRICT))
		return 2;
	if (where)
		report_nodes("", mem, pages);
	if (fork_where && child_where(mem, pages))
		return 1;
	if (await_name && await_vmstat("--await-vmstat", await_name, await_value) < 0)
		return 2;
	if (verify) {
		size_t bad = verify_pages(mem, seen, pages);
		int inconsistent = verify_bookkeeping(mem, seen, pages, touched, pat);

		if (bad)
			printf("memhog: verify FAILED: %zu of %zu pages wrong\n", bad, touched);
		if (bad || inconsistent)
			return 1;
		printf("memhog: verify ok: %zu pages\n", touched);
	}
	if (pause > 0)
		sleep((unsigned)pause);
	if (release) {
		munmap(mem, pages * PAGE);
		printf("memhog: released %zu KiB\n", pages * 4);
	}
	if (show_path)
		show(show_path);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("memhog: minflt %ld majflt %ld maxrss %ld kB\n", ru.ru_minflt, ru.ru_majflt,
	       ru.ru_maxrss);
	if (hold) {
		printf("memhog: holding (pid %d)\n", (int)getpid());
		fflush(stdout);
		for (;;)
			sleep(1);
	}
	return 0;
}
