/*
 * test_kmalloc.c: size classes, large allocations straight from buddy,
 * zeroing and alignment.
 */
#include <check.h>
#include <string.h>

#include "kmalloc.h"
#include "port_host.h"
#include "slab_test_util.h"

START_TEST(each_size_is_served_by_the_smallest_class_that_fits)
{
	static const size_t ask[] = { 1, 8, 9, 16, 17, 33, 64, 65, 96, 97, 128, 129, 192,
				      193, 256, 257, 1000, 2048, 4000, 4097, 8192 };
	static const size_t got[] = { 8, 8, 16, 16, 32, 64, 64, 96, 96, 128, 128, 192, 192,
				      256, 256, 512, 1024, 2048, 4096, 8192, 8192 };
	for (size_t i = 0; i < sizeof(ask) / sizeof(ask[0]); i++) {
		void *p = kmalloc(ask[i], 0);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(ksize(p), got[i]);
		kfree(p);
	}
}
END_TEST

START_TEST(large_requests_take_pages_and_give_them_all_back)
{
	uint64_t before = slab_test_free_pages();
	void *p = kmalloc(8193, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(ksize(p), 4 * MM_PAGE_SIZE);
	ck_assert_uint_eq((uintptr_t)mm_virt_to_phys(p) % MM_PAGE_SIZE, 0);
	ck_assert_uint_eq(slab_test_free_pages(), before - 4);
	kfree(p);
	ck_assert_uint_eq(slab_test_free_pages(), before);
	ck_assert_ptr_null(kmalloc((MM_PAGE_SIZE << BUDDY_MAX_ORDER) + 1, 0));
}
END_TEST

START_TEST(zero_bytes_give_null_and_kfree_of_null_is_a_no_op)
{
	ck_assert_ptr_null(kmalloc(0, 0));
	kfree(NULL);
	ck_assert_uint_eq(ksize(NULL), 0);
}
END_TEST

START_TEST(kzalloc_returns_zeroed_memory_even_after_reuse)
{
	unsigned char *p = kmalloc(200, 0);
	memset(p, 0xee, 200);
	kfree(p);
	unsigned char *q = kzalloc(200, 0);
	for (int i = 0; i < 200; i++)
		ck_assert_int_eq(q[i], 0);
}
END_TEST

START_TEST(power_of_two_classes_are_naturally_aligned)
{
	for (size_t size = 8; size <= 8192; size *= 2)
		for (int i = 0; i < 20; i++)
			ck_assert_uint_eq((uintptr_t)mm_virt_to_phys(kmalloc(size, 0)) % size, 0);
}
END_TEST

START_TEST(every_base_class_is_on_the_cache_list_and_others_join_after_their_lazy_uses)
{
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_BASE_CACHES + 1);
	ck_assert_str_eq(kmalloc_caches[11]->name, "kmalloc-96");
	ck_assert_ptr_eq(kmalloc_cache_for(96), kmalloc_caches[11]);
	ck_assert_str_eq(kmalloc_cache_for(150)->name, "kmalloc-192"); /* first uses: Linux's */
	ck_assert_ptr_null(kmalloc_cache_for(8193));
	ck_assert_ptr_null(kmalloc_caches[KMALLOC_FINE_FIRST]);
	for (int i = 0; i < KMALLOC_LAZY_USES; i++) /* the next base class serves 257 meanwhile */
		ck_assert_str_eq(kmalloc_cache_for(257)->name, "kmalloc-512");
	ck_assert_ptr_null(kmalloc_caches[KMALLOC_FINE_FIRST]);
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_BASE_CACHES + 1);
	struct kmem_cache *c = kmalloc_cache_for(257);
	ck_assert_str_eq(c->name, "kmalloc-264");
	ck_assert_ptr_eq(kmalloc_caches[KMALLOC_FINE_FIRST], c);
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_BASE_CACHES + 2);
	ck_assert_ptr_eq(kmalloc_cache_for(264), c);
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_BASE_CACHES + 2);
}
END_TEST

/* A class first made by atomic requests (an interrupt handler's): made all
 * the same, its descriptor allocated with the caller's flags. */
START_TEST(atomic_requests_make_a_class_too)
{
	void *p[KMALLOC_LAZY_USES + 1];

	for (int i = 0; i <= KMALLOC_LAZY_USES; i++)
		p[i] = kmalloc(300, BUDDY_GFP_ATOMIC);
	ck_assert_uint_eq(ksize(p[0]), 512);                  /* the base class, meanwhile */
	ck_assert_uint_eq(ksize(p[KMALLOC_LAZY_USES]), 304);  /* then its own */
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_BASE_CACHES + 2);
	for (int i = 0; i <= KMALLOC_LAZY_USES; i++)
		kfree(p[i]);
	ck_assert_int_eq(slab_check_cache(kmalloc_cache_for(300)), 0);
}
END_TEST

/* The cache for size once its class is made (after its lazy uses). */
static struct kmem_cache *settled_cache_for(size_t size)
{
	struct kmem_cache *c = NULL;

	for (int i = 0; i <= KMALLOC_LAZY_USES; i++)
		c = kmalloc_cache_for(size);
	return c;
}

/* Every size up to 8192 gets a class at least as big, at most 1/32 bigger above 256. */
START_TEST(each_size_gets_the_smallest_class_that_holds_it)
{
	uint32_t prev = 0;

	for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
		struct kmem_cache *c = settled_cache_for(size);
		ck_assert_uint_ge(c->object_size, size);
		ck_assert_uint_ge(c->object_size, prev);
		if (size > 256 && size <= 2048)
			ck_assert_uint_le((c->object_size - size) * 32, c->object_size);
		if (c->object_size != prev && size > 1)
			ck_assert_uint_eq(size, prev + 1u); /* a new class starts just past the last */
		prev = c->object_size;
	}
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_CACHES + 1);
	ck_assert_str_eq(kmalloc_cache_for(1024)->name, "kmalloc-1k");
	ck_assert_str_eq(kmalloc_cache_for(1025)->name, "kmalloc-1056");
}
END_TEST

Suite *kmalloc_suite(void);
Suite *kmalloc_suite(void)
{
	Suite *s = suite_create("kmalloc");
	TCase *tc = slab_test_case(s, "classes");

	tcase_add_test(tc, each_size_is_served_by_the_smallest_class_that_fits);
	tcase_add_test(tc, large_requests_take_pages_and_give_them_all_back);
	tcase_add_test(tc, zero_bytes_give_null_and_kfree_of_null_is_a_no_op);
	tcase_add_test(tc, kzalloc_returns_zeroed_memory_even_after_reuse);
	tcase_add_test(tc, power_of_two_classes_are_naturally_aligned);
	tcase_add_test(tc, every_base_class_is_on_the_cache_list_and_others_join_after_their_lazy_uses);
	tcase_add_test(tc, each_size_gets_the_smallest_class_that_holds_it);
	tcase_add_test(tc, atomic_requests_make_a_class_too);
	return s;
}
