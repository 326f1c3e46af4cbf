/*
 * bench_mm.c: mm/ allocators against glibc, jemalloc and mimalloc on the
 * same patterns, host-native (-O2, no sanitizers), one side-by-side table.
 *
 * Patterns (ns per allocate+free pair, median of REPEATS runs):
 *   steady  allocate one, free it, repeat
 *   batch   allocate 4096, free all 4096 in the same order, repeat
 * Buddy rows compare an order-n page allocation with malloc of 2^n pages.
 * jemalloc and mimalloc are dlopen()ed when installed (scripts/deps.sh).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmalloc.h"
#include "port_host.h"

#define REPEATS 9
#define STEADY_PAIRS 1000000
#define BATCH 4096
#define BATCH_ROUNDS 200
#define BENCH_PAGES 65536 /* 256 MiB of the host port's memory */

typedef void *(*alloc_fn)(size_t);
typedef void (*free_fn)(void *);

struct allocator {
	const char *name;
	alloc_fn alloc;
	free_fn free;
};

static struct buddy B;
static void *batch_ptrs[BATCH];

static void *mv_kmalloc(size_t size) { return kmalloc(size, 0); }
static void mv_kfree(void *p) { kfree(p); }

/* Buddy, wrapped to the same signature: size is 4096 << order. */
static void *mv_pages(size_t size)
{
	unsigned order = 0;
	while ((MM_PAGE_SIZE << order) < size)
		order++;
	struct page *p = buddy_alloc_pages(&B, 0, order);
	return p ? buddy_page_address(&B, p) : NULL;
}
static void mv_free_pages(void *addr)
{
	struct page *p = buddy_virt_to_page(&B, addr);
	buddy_free_pages(&B, p, p->order);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double run_steady(const struct allocator *a, size_t size)
{
	double t0 = now_ns();
	for (int i = 0; i < STEADY_PAIRS; i++) {
		void *p = a->alloc(size);
		if (!p)
			abort();
		*(volatile char *)p = 1;
		a->free(p);
	}
	return (now_ns() - t0) / STEADY_PAIRS;
}

static double run_batch(const struct allocator *a, size_t size)
{
	double t0 = now_ns();
	for (int r = 0; r < BATCH_ROUNDS; r++) {
		for (int i = 0; i < BATCH; i++) {
			batch_ptrs[i] = a->alloc(size);
			if (!batch_ptrs[i])
				abort();
			*(volatile char *)batch_ptrs[i] = 1;
		}
		for (int i = 0; i < BATCH; i++)
			a->free(batch_ptrs[i]);
	}
	return (now_ns() - t0) / ((double)BATCH_ROUNDS * BATCH);
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static double median(double (*run)(const struct allocator *, size_t),
		     const struct allocator *a, size_t size)
{
	double v[REPEATS];
	run(a, size); /* warm up */
	for (int i = 0; i < REPEATS; i++)
		v[i] = run(a, size);
	qsort(v, REPEATS, sizeof(v[0]), cmp_double);
	return v[REPEATS / 2];
}

static bool load(struct allocator *a, const char *name, const char *lib,
		 const char *malloc_sym, const char *free_sym)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	a->name = name;
	if (!h) {
		fprintf(stderr, "bench_mm: %s left out: %s\n", name, dlerror());
		return false;
	}
	a->alloc = (alloc_fn)dlsym(h, malloc_sym);
	a->free = (free_fn)dlsym(h, free_sym);
	return a->alloc && a->free;
}

struct row {
	const char *label;
	struct allocator *mv;
	size_t size;
	double (*run)(const struct allocator *, size_t);
};

static void print_row(const struct row *r, struct allocator *others, int nothers)
{
	double mv = median(r->run, r->mv, r->size), t[4];

	printf("%-26s %9.1f", r->label, mv);
	for (int i = 0; i < nothers; i++) {
		t[i] = median(r->run, &others[i], r->size);
		printf(" %9.1f", t[i]);
	}
	for (int i = 0; i < nothers; i++)
		printf(" %8.2fx", t[i] / mv);
	printf("\n");
}

static void setup_mm(void)
{
	struct page *pages = malloc(buddy_page_array_size(0, BENCH_PAGES));
	host_port_reset();
	if (!pages || buddy_init(&B, pages, 0, BENCH_PAGES, 0) ||
	    buddy_add_free_range(&B, 1, BENCH_PAGES) || kmalloc_init(&B)) {
		fprintf(stderr, "bench_mm: mm set-up failed\n");
		exit(1);
	}
}

int main(void)
{
	struct allocator mv_k = { "kmalloc", mv_kmalloc, mv_kfree };
	struct allocator mv_p = { "buddy", mv_pages, mv_free_pages };
	struct allocator others[3] = { { "glibc", malloc, free } };
	int n = 1;

	setup_mm();
	n += load(&others[n], "jemalloc", "libjemalloc.so.2", "malloc", "free");
	n += load(&others[n], "mimalloc", "libmimalloc.so.2", "mi_malloc", "mi_free");

	const struct row rows[] = {
		{ "buddy order-0 steady", &mv_p, 4096, run_steady },
		{ "buddy order-3 steady", &mv_p, 32768, run_steady },
		{ "buddy order-0 batch 4096", &mv_p, 4096, run_batch },
		{ "kmalloc 64 steady", &mv_k, 64, run_steady },
		{ "kmalloc 256 steady", &mv_k, 256, run_steady },
		{ "kmalloc 64 batch 4096", &mv_k, 64, run_batch },
		{ "kmalloc 256 batch 4096", &mv_k, 256, run_batch },
	};
	printf("mm allocators: ns per allocate+free pair, median of %d runs "
	       "(buddy rows: malloc of the same bytes;\n"
	       "X/mv > 1: memvisor faster)\n", REPEATS);
	printf("%-26s %9s", "pattern", "memvisor");
	for (int i = 0; i < n; i++)
		printf(" %9s", others[i].name);
	for (int i = 0; i < n; i++)
		printf(" %8.8s/mv", others[i].name);
	printf("\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		print_row(&rows[i], others, n);
	return 0;
}
