/*
 * allocfrag [OPS]: replays one fixed allocation trace (a seeded mix of
 * small, medium and occasional large requests, freed in random order)
 * under each mvalloc strategy and under musl's malloc, and prints per
 * strategy the heap size, free bytes, largest free block and the external
 * fragmentation 1 - largest/free. musl's heap is not visible from outside,
 * so its row shows the growth of VmRSS instead.
 *
 * Then the brk/mmap threshold at work: one request just under
 * MV_MMAP_THRESHOLD and one at it, each showing where its bytes came from
 * (the brk heap grew, or a mapping of its own: /proc/self/maps names the
 * area each lies in) and, for the mapping, that free unmaps it at once.
 */
#include "libproc.h"
#include "mvalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_MAX 512

static uint64_t seed;

static uint64_t next_random(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static size_t request_size(void)
{
	uint64_t r = next_random() % 100;

	if (r < 70)
		return 16 + next_random() % 496;
	if (r < 97)
		return 1024 + next_random() % 7168;
	return 160 * 1024;
}

static void *live[LIVE_MAX];

/* Frees what a replay left live. */
static void release_all(void (*release)(void *))
{
	for (int i = 0; i < LIVE_MAX; i++) {
		release(live[i]);
		live[i] = NULL;
	}
}

/* Replays the trace with alloc/free; the trace is the same for every call. */
static void replay(int ops, void *(*alloc)(size_t), void (*release)(void *))
{
	seed = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < ops; i++) {
		size_t slot = next_random() % LIVE_MAX;
		if (live[slot]) {
			release(live[slot]);
			live[slot] = NULL;
		} else {
			size_t n = request_size();
			live[slot] = alloc(n);
			if (live[slot])
				memset(live[slot], 0xa5, n < 64 ? n : 64);
		}
	}
}

/* Where addr lies, as /proc/self/maps names it. */
static const char *area_of(const void *addr)
{
	const char *name = maps_name(addr);

	return !name ? "unmapped" : *name ? name : "an anonymous area";
}

/* Allocates n bytes with mvalloc and says which way they came, then frees them. */
static void show_one_request(size_t n)
{
	struct mv_stats before, held, after;

	mv_get_stats(&before);
	char *p = mv_malloc(n);
	if (!p) {
		printf("allocfrag: threshold: %zu B: out of memory\n", n);
		return;
	}
	memset(p, 0x5a, n);
	mv_get_stats(&held);
	printf("allocfrag: threshold: %zu B from %s: heap %+ld KiB, mmap %+ld KiB, address in %s\n", n,
	       held.mmap_bytes > before.mmap_bytes ? "mmap" : "brk",
	       (long)(held.heap_bytes - before.heap_bytes) / 1024,
	       (long)(held.mmap_bytes - before.mmap_bytes) / 1024, area_of(p));
	mv_free(p);
	mv_get_stats(&after);
	printf("allocfrag: threshold: freed: mmap %+ld KiB, address now %s\n",
	       (long)(after.mmap_bytes - before.mmap_bytes) / 1024, area_of(p));
}

/* One request under the threshold, one at it, on a fresh first-fit heap. */
static void show_threshold(void)
{
	mv_init(MV_FIRST_FIT);
	printf("allocfrag: threshold: requests of %d B or more get a mapping of their own\n",
	       MV_MMAP_THRESHOLD);
	show_one_request(MV_MMAP_THRESHOLD - 64);
	show_one_request(MV_MMAP_THRESHOLD);
}

int main(int argc, char **argv)
{
	int ops = argc > 1 ? atoi(argv[1]) : 4000;

	printf("allocfrag: %d operations, same trace for every allocator\n", ops);
	printf("allocfrag: %-6s %10s %10s %12s %6s %10s\n", "fit", "heap KiB", "free KiB",
	       "largest KiB", "frag", "mmap KiB");
	for (enum mv_fit f = MV_FIRST_FIT; f <= MV_WORST_FIT; f++) {
		struct mv_stats s;
		mv_init(f);
		replay(ops, mv_malloc, mv_free);
		mv_get_stats(&s);
		double frag = s.free_bytes ? 1.0 - (double)s.largest_free / (double)s.free_bytes : 0;
		printf("allocfrag: %-6s %10zu %10zu %12zu %6.3f %10zu\n", mv_fit_name(f),
		       s.heap_bytes >> 10, s.free_bytes >> 10, s.largest_free >> 10, frag,
		       s.mmap_bytes >> 10);
		release_all(mv_free);
	}
	long rss0 = proc_value("/proc/self/status", "VmRSS:");
	replay(ops, malloc, free);
	long rss1 = proc_value("/proc/self/status", "VmRSS:");
	printf("allocfrag: %-6s VmRSS grew by %ld KiB (heap internals not visible)\n", "musl",
	       rss1 - rss0);
	show_threshold();
	return 0;
}
