/*
 * slab_selftest.c: slab_selftest=1 checks, at boot, that slub_debug's
 * checks catch what they exist for, in the running kernel (as Linux's
 * slub_kunit does): each case makes a cache of its own with every debug
 * flag, commits one bug on purpose (a write past either end, a write after
 * free, a double free, a free of a pointer inside an object), and checks
 * that exactly one report came out, that the damage was repaired, and that
 * the cache is consistent and can be destroyed. The reports themselves
 * (BUG ... lines) go to the console, where a test can read them.
 * Each case prints "slab_selftest: NAME: ok" or "FAILED".
 */
#include <slab_selftest.h>
#include <printk.h>
#include <slab.h>

#define SST_SIZE 40

#define SST_FAIL(fmt, ...) \
	do { pr_err("slab_selftest: " fmt "\n", ##__VA_ARGS__); return -1; } while (0)

/* Bytes next to and inside an object, written through a volatile pointer on purpose. */
static void poke(void *obj, long offset, unsigned char value)
{
	((volatile unsigned char *)obj)[offset] = value;
}

static unsigned char peek(const void *obj, long offset)
{
	return ((const volatile unsigned char *)obj)[offset];
}

static int overrun_past_the_end(struct kmem_cache *c)
{
	void *a = kmem_cache_alloc(c, 0);

	if (!a)
		SST_FAIL("no object");
	poke(a, SST_SIZE, 0);
	kmem_cache_free(c, a);
	if (peek(a, SST_SIZE) != SLAB_RED_BYTE)
		SST_FAIL("right red zone not restored: 0x%x", peek(a, SST_SIZE));
	return 0;
}

static int underrun_before_the_start(struct kmem_cache *c)
{
	void *a = kmem_cache_alloc(c, 0);

	if (!a)
		SST_FAIL("no object");
	poke(a, -1, 0);
	kmem_cache_free(c, a);
	if (peek(a, -1) != SLAB_RED_BYTE)
		SST_FAIL("left red zone not restored: 0x%x", peek(a, -1));
	return 0;
}

static int write_after_free(struct kmem_cache *c)
{
	void *a = kmem_cache_alloc(c, 0);

	if (!a)
		SST_FAIL("no object");
	kmem_cache_free(c, a);
	poke(a, 3, 1);
	void *b = kmem_cache_alloc(c, 0);
	if (b != a)
		SST_FAIL("the freed object %p was not reused (%p)", a, b);
	kmem_cache_free(c, b);
	return 0;
}

static int double_free(struct kmem_cache *c)
{
	void *a = kmem_cache_alloc(c, 0);

	if (!a)
		SST_FAIL("no object");
	kmem_cache_free(c, a);
	kmem_cache_free(c, a);
	return 0;
}

static int free_inside_an_object(struct kmem_cache *c)
{
	char *a = kmem_cache_alloc(c, 0);

	if (!a)
		SST_FAIL("no object");
	kmem_cache_free(c, a + 8);
	if (c->active_objs != 1)
		SST_FAIL("the bad free was not ignored: %llu objects live",
			 (unsigned long long)c->active_objs);
	kmem_cache_free(c, a);
	return 0;
}

struct slab_case {
	const char *name;
	int (*fn)(struct kmem_cache *c);
};

static const struct slab_case cases[] = {
	{ "overrun past the end", overrun_past_the_end },
	{ "underrun before the start", underrun_before_the_start },
	{ "write after free", write_after_free },
	{ "double free", double_free },
	{ "free inside an object", free_inside_an_object },
};

/* One case on a cache of its own: one report, repaired, nothing left behind. */
static int run_case(const struct slab_case *sc)
{
	struct kmem_cache *c = kmem_cache_create_flags("slab_selftest", SST_SIZE, 0, NULL,
						       SLAB_F_DEBUG_ALL);
	if (!c)
		SST_FAIL("%s: no memory for the cache", sc->name);
	int err = sc->fn(c);
	if (!err && c->debug_reports != 1)
		SST_FAIL("%s: %llu reports, want 1", sc->name, (unsigned long long)c->debug_reports);
	if (!err && slab_check_cache(c))
		SST_FAIL("%s: cache inconsistent afterwards", sc->name);
	if (kmem_cache_destroy(c))
		SST_FAIL("%s: cache cannot be destroyed", sc->name);
	return err;
}

int slab_selftest_run(void)
{
	int failed = 0;
	unsigned n = sizeof(cases) / sizeof(cases[0]);

	for (unsigned i = 0; i < n; i++) {
		int err = run_case(&cases[i]);
		pr_info("slab_selftest: %s: %s\n", cases[i].name, err ? "FAILED" : "ok");
		failed += err != 0;
	}
	if (failed)
		pr_err("slab_selftest: %d of %u FAILED\n", failed, n);
	else
		pr_info("slab_selftest: all %u passed\n", n);
	return failed;
}
