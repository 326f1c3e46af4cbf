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

START_TEST(every_class_is_on_the_cache_list)
{
	ck_assert_uint_eq(slab_global.nr_caches, KMALLOC_NR_CACHES + 1);
	ck_assert_str_eq(kmalloc_caches[4]->name, "kmalloc-96");
	ck_assert_ptr_eq(kmalloc_cache_for(150), kmalloc_caches[6]);
	ck_assert_ptr_null(kmalloc_cache_for(8193));
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
	tcase_add_test(tc, every_class_is_on_the_cache_list);
	return s;
}
