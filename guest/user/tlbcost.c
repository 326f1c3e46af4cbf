/*
 * tlbcost [PAGES]: what the TLB saves and what a flush costs, measured
 * from user space in TSC cycles (ring 3 runs natively under KVM, so these
 * are the CPU's own figures).
 *
 *  1. hot: one load from each of 16 pages, again and again: every
 *     translation stays in the TLB.
 *  2. TLB miss: one load from each of PAGES pages (default 8192, 32 MiB),
 *     visited in a scrambled order, more pages than the TLB holds, so
 *     most loads walk the page tables. Each page's load hits a different
 *     cache line (page i, line i mod 64), so the data mostly stays in the
 *     caches and the difference to (1) is mostly the walk.
 *  3. flush: mprotect(PROT_READ) on one page of the 16 makes the kernel
 *     clear its write bit and drop its translation (one invlpg, counted in
 *     /proc/vmstat nr_tlb_local_flush_one); the next load of the page
 *     misses. The call is compared with getppid's round trip, a system
 *     call that flushes nothing. (Making the page writable again flushes
 *     nothing: the kernel leaves the write bit to the next write fault.)
 * Every page is written with its index first and every load is checked
 * ("tlbcost: FAIL ...", exit 1): that catches a wrong mapping, not a
 * missing flush (a stale writable translation still reads the same page); the
 * flushes are checked by the nr_tlb_local_flush_one count alone.
 * Lines: "tlbcost: hot load: C cycles", "tlbcost: load after a TLB miss:
 * C cycles", "tlbcost: mprotect to read-only (1 flush): C cycles, getppid:
 * C cycles", "tlbcost: first load after the flush: C cycles",
 * "tlbcost: nr_tlb_local_flush_one +N for M downgrades", "tlbcost: ok".
 */
#include "libproc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096ul
#define LINE 64ul
#define HOT_PAGES 16ul
#define ROUNDS 64ul          /* passes over the pages per measurement */
#define FLUSH_ROUNDS 256ul   /* mprotect pairs */

static int failures;

static inline uint64_t cycles(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The word page i's loads read: a different cache line per page. */
static volatile uint64_t *word(char *buf, size_t i)
{
	return (volatile uint64_t *)(buf + i * PAGE + (i % (PAGE / LINE)) * LINE);
}

static void check(char *buf, size_t i)
{
	if (*word(buf, i) != i) {
		printf("tlbcost: FAIL page %zu reads %llu\n", i,
		       (unsigned long long)*word(buf, i));
		failures++;
	}
}

/* Loads of pages order[0..n), rounds times; cycles per load. */
static double load_cycles(char *buf, const size_t *order, size_t n, size_t rounds)
{
	uint64_t sum = 0;
	uint64_t t0 = cycles();
	for (size_t r = 0; r < rounds; r++)
		for (size_t k = 0; k < n; k++)
			sum += *word(buf, order[k]);
	uint64_t t = cycles() - t0;
	if (sum != rounds * (n * (n - 1) / 2)) /* order is a permutation of 0..n) */
	{
		printf("tlbcost: FAIL sum %llu\n", (unsigned long long)sum);
		failures++;
	}
	return (double)t / (double)(rounds * n);
}

/* A permutation of 0..n) with neighbours far apart (a fixed LCG shuffle). */
static size_t *scrambled(size_t n)
{
	size_t *o = malloc(n * sizeof(*o));
	uint64_t x = 0x9e3779b97f4a7c15ull;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++)
		o[i] = i;
	for (size_t i = n - 1; i > 0; i--) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t j = (size_t)(x >> 33) % (i + 1);
		size_t t = o[i];
		o[i] = o[j];
		o[j] = t;
	}
	return o;
}

/*
 * Each round: mprotect(PROT_READ) on page 0 (the kernel clears the PTE's
 * write bit and flushes its translation: one invlpg), a timed load (a TLB
 * miss), mprotect back to read-write and a store (the kernel sets the
 * write bit again in a write fault, so the next round has something to
 * downgrade). getppid's round trip for scale.
 */
static void flush_costs(char *buf)
{
	uint64_t downgrade = 0, after = 0, syscall = 0;
	long before = proc_value("/proc/vmstat", "nr_tlb_local_flush_one");
	for (size_t r = 0; r < FLUSH_ROUNDS; r++) {
		uint64_t t0 = cycles();
		if (mprotect(buf, PAGE, PROT_READ)) {
			printf("tlbcost: FAIL mprotect\n");
			failures++;
			return;
		}
		uint64_t t1 = cycles();
		check(buf, 0);
		uint64_t t2 = cycles();
		getppid();
		uint64_t t3 = cycles();
		if (mprotect(buf, PAGE, PROT_READ | PROT_WRITE)) {
			printf("tlbcost: FAIL mprotect\n");
			failures++;
			return;
		}
		*word(buf, 0) = 0;
		downgrade += t1 - t0;
		after += t2 - t1;
		syscall += t3 - t2;
	}
	long now = proc_value("/proc/vmstat", "nr_tlb_local_flush_one");
	printf("tlbcost: mprotect to read-only (1 flush): %llu cycles, getppid: %llu cycles\n",
	       (unsigned long long)(downgrade / FLUSH_ROUNDS),
	       (unsigned long long)(syscall / FLUSH_ROUNDS));
	printf("tlbcost: first load after the flush: %llu cycles\n",
	       (unsigned long long)(after / FLUSH_ROUNDS));
	printf("tlbcost: nr_tlb_local_flush_one +%ld for %lu downgrades\n", now - before,
	       FLUSH_ROUNDS);
	if (before < 0 || now - before < (long)FLUSH_ROUNDS) {
		printf("tlbcost: FAIL fewer flushes than downgrades\n");
		failures++;
	}
}

int main(int argc, char **argv)
{
	size_t pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 8192;
	if (pages < 2 * HOT_PAGES) {
		fprintf(stderr, "usage: tlbcost [PAGES >= %lu]\n", 2 * HOT_PAGES);
		return 2;
	}
	char *buf = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	size_t *order = scrambled(pages);
	if (buf == MAP_FAILED || !order) {
		printf("tlbcost: cannot map %zu pages\n", pages);
		return 2;
	}
	for (size_t i = 0; i < pages; i++)
		*word(buf, i) = i;
	size_t hot[HOT_PAGES];
	for (size_t i = 0; i < HOT_PAGES; i++)
		hot[i] = i;
	load_cycles(buf, hot, HOT_PAGES, ROUNDS); /* warm up */
	printf("tlbcost: %zu pages (%zu KiB), %lu hot\n", pages, pages * PAGE / 1024, HOT_PAGES);
	printf("tlbcost: hot load: %.1f cycles\n", load_cycles(buf, hot, HOT_PAGES, ROUNDS * 64));
	printf("tlbcost: load after a TLB miss: %.1f cycles\n",
	       load_cycles(buf, order, pages, ROUNDS / 8));
	flush_costs(buf);
	for (size_t i = 0; i < pages; i++)
		check(buf, i);
	if (failures)
		return 1;
	printf("tlbcost: ok\n");
	return 0;
}
