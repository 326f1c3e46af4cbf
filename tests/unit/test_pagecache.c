/*
 * test_pagecache.c: the page cache (mm/pagecache.c) that both the swap
 * cache and the file page cache are: a slot holds a page, a shadow or
 * nothing; insert hands back the shadow a refault replaces; evict leaves
 * a shadow, delete leaves nothing; refault distances wrap at 2^31; misuse
 * panics; a random sequence agrees with a model.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>

#include "pagecache.h"
#include "mm_port.h"

#define NR 64

static struct pagecache c;
static uint32_t slots[NR];

static void setup(void)
{
	for (int i = 0; i < NR; i++)
		slots[i] = 0xdeadbeef;   /* init must clear them */
	ck_assert_int_eq(pagecache_init(&c, slots, NR), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(pagecache_check(&c), 0);
}

START_TEST(a_fresh_cache_is_empty_everywhere)
{
	for (uint64_t i = 0; i < NR; i++) {
		ck_assert_uint_eq(pagecache_lookup(&c, i), 0);
		ck_assert_uint_eq(pagecache_shadow(&c, i), 0);
	}
	ck_assert_uint_eq(pagecache_nr_pages(&c), 0);
}
END_TEST

/* An inode's cache before its first read (initrd.c sets caches up lazily). */
START_TEST(a_cache_never_set_up_holds_nothing_and_counts_no_page)
{
	const struct pagecache unset = { 0 };

	ck_assert_uint_eq(pagecache_lookup(&unset, 0), 0);
	ck_assert_uint_eq(pagecache_shadow(&unset, 3), 0);
	ck_assert_uint_eq(pagecache_nr_pages(&unset), 0);
	ck_assert_int_eq(pagecache_check(&unset), 0);
}
END_TEST

START_TEST(init_refuses_no_memory_or_no_slots)
{
	struct pagecache other;

	ck_assert_int_eq(pagecache_init(&other, NULL, NR), -MM_EINVAL);
	ck_assert_int_eq(pagecache_init(&other, slots, 0), -MM_EINVAL);
}
END_TEST

START_TEST(an_inserted_page_is_found_at_its_index_only)
{
	ck_assert_uint_eq(pagecache_insert(&c, 5, 1234), 0);
	ck_assert_uint_eq(pagecache_lookup(&c, 5), 1234);
	ck_assert_uint_eq(pagecache_lookup(&c, 4), 0);
	ck_assert_uint_eq(pagecache_lookup(&c, 6), 0);
	ck_assert_uint_eq(pagecache_shadow(&c, 5), 0);
	ck_assert_uint_eq(pagecache_nr_pages(&c), 1);
}
END_TEST

START_TEST(the_page_count_lives_in_the_hosts_counter_once_moved_there)
{
	static uint64_t host_counter;

	host_counter = 99;      /* outlives the test: the teardown checks the count */

	pagecache_insert(&c, 1, 10);
	pagecache_count_into(&c, &host_counter);
	ck_assert_uint_eq(host_counter, 1);
	pagecache_insert(&c, 2, 20);
	ck_assert_uint_eq(host_counter, 2);
	pagecache_delete(&c, 1, 10);
	ck_assert_uint_eq(host_counter, 1);
	ck_assert_uint_eq(pagecache_nr_pages(&c), 1);
	ck_assert_int_eq(pagecache_check(&c), 0);
}
END_TEST

START_TEST(an_index_out_of_range_caches_nothing)
{
	ck_assert_uint_eq(pagecache_lookup(&c, NR), 0);
	ck_assert_uint_eq(pagecache_shadow(&c, NR + 100), 0);
}
END_TEST

START_TEST(eviction_leaves_a_shadow_that_the_refault_gets_back)
{
	uint32_t shadow = pagecache_shadow_make(77);

	pagecache_insert(&c, 9, 4321);
	pagecache_evict(&c, 9, 4321, shadow);
	ck_assert_uint_eq(pagecache_lookup(&c, 9), 0);
	ck_assert_uint_eq(pagecache_shadow(&c, 9), shadow);
	ck_assert_uint_eq(pagecache_nr_pages(&c), 0);
	ck_assert_uint_eq(pagecache_insert(&c, 9, 555), shadow);
	ck_assert_uint_eq(pagecache_lookup(&c, 9), 555);
	ck_assert_uint_eq(pagecache_shadow(&c, 9), 0);
}
END_TEST

START_TEST(deletion_leaves_nothing_for_a_refault)
{
	pagecache_insert(&c, 3, 99);
	pagecache_delete(&c, 3, 99);
	ck_assert_uint_eq(pagecache_lookup(&c, 3), 0);
	ck_assert_uint_eq(pagecache_shadow(&c, 3), 0);
	ck_assert_uint_eq(pagecache_insert(&c, 3, 99), 0);
}
END_TEST

START_TEST(shadows_are_odd_and_pages_are_not)
{
	ck_assert(pagecache_is_shadow(pagecache_shadow_make(0)));
	ck_assert(pagecache_is_shadow(pagecache_shadow_make(UINT64_MAX)));
	pagecache_insert(&c, 0, 1);
	ck_assert(!pagecache_is_shadow(slots[0]));
	ck_assert(!pagecache_is_shadow(0));
}
END_TEST

START_TEST(refault_distance_counts_evictions_since_the_shadow)
{
	ck_assert_uint_eq(pagecache_refault_distance(pagecache_shadow_make(10), 10), 0);
	ck_assert_uint_eq(pagecache_refault_distance(pagecache_shadow_make(10), 25), 15);
}
END_TEST

START_TEST(refault_distance_wraps_with_the_age_bits_kept)
{
	uint64_t evicted = PAGECACHE_AGE_MASK - 2;   /* the clock wraps 31 bits */

	ck_assert_uint_eq(pagecache_refault_distance(pagecache_shadow_make(evicted),
						     evicted + 5), 5);
	ck_assert_uint_eq(pagecache_refault_distance(pagecache_shadow_make(1ull << 40),
						     (1ull << 40) + 3), 3);
}
END_TEST

START_TEST(check_catches_a_page_count_out_of_step)
{
	pagecache_insert(&c, 1, 10);
	(*c.nr_pages)++;
	ck_assert_int_eq(pagecache_check(&c), -MM_EINVAL);
	(*c.nr_pages)--;
}
END_TEST

START_TEST(inserting_over_a_cached_page_panics)
{
	pagecache_insert(&c, 2, 10);
	pagecache_insert(&c, 2, 11);
}
END_TEST

START_TEST(inserting_past_the_last_slot_panics)
{
	pagecache_insert(&c, NR, 10);
}
END_TEST

START_TEST(inserting_pfn_zero_panics)
{
	pagecache_insert(&c, 1, 0);
}
END_TEST

START_TEST(deleting_a_page_that_is_elsewhere_panics)
{
	pagecache_insert(&c, 2, 10);
	pagecache_delete(&c, 2, 11);
}
END_TEST

START_TEST(evicting_with_a_page_for_a_shadow_panics)
{
	pagecache_insert(&c, 2, 10);
	pagecache_evict(&c, 2, 10, 20);
}
END_TEST

/* Random inserts, deletes and evictions against a model of every slot. */
START_TEST(random_operations_agree_with_a_model)
{
	uint32_t model[NR] = { 0 };
	uint64_t pages = 0, age = 0;

	srand(17);
	for (int n = 0; n < 20000; n++) {
		uint64_t i = (uint64_t)rand() % NR, pfn = model[i] >> 1;
		bool cached = model[i] && !(model[i] & 1);
		int op = rand() % 3;

		if (!cached) {
			uint64_t want = (uint64_t)(rand() % 100000) + 1;
			ck_assert_uint_eq(pagecache_insert(&c, i, want), model[i]);
			model[i] = (uint32_t)(want << 1);
			pages++;
		} else if (op == 0) {
			pagecache_delete(&c, i, pfn);
			model[i] = 0;
			pages--;
		} else {
			model[i] = pagecache_shadow_make(++age);
			pagecache_evict(&c, i, pfn, model[i]);
			pages--;
		}
		ck_assert_uint_eq(pagecache_lookup(&c, i), model[i] & 1 ? 0 : model[i] >> 1);
		ck_assert_uint_eq(pagecache_shadow(&c, i), model[i] & 1 ? model[i] : 0);
		ck_assert_uint_eq(pagecache_nr_pages(&c), pages);
	}
}
END_TEST

START_TEST(resizing_keeps_every_entry_and_empties_the_new_slots)
{
	static uint32_t bigger[NR * 2];
	uint32_t *old;

	pagecache_insert(&c, 3, 7);
	pagecache_evict(&c, 3, 7, pagecache_swap_entry(42));
	pagecache_insert(&c, NR - 1, 9);
	for (int i = 0; i < NR * 2; i++)
		bigger[i] = 0xdeadbeef;
	old = pagecache_resize(&c, bigger, NR * 2);
	ck_assert_ptr_eq(old, slots);
	ck_assert_uint_eq(c.nr_slots, NR * 2);
	ck_assert_uint_eq(pagecache_lookup(&c, NR - 1), 9);
	ck_assert_uint_eq(pagecache_entry_slot(pagecache_shadow(&c, 3)), 42);
	for (uint64_t i = NR; i < NR * 2; i++)
		ck_assert_uint_eq(bigger[i], 0);
	ck_assert_uint_eq(pagecache_nr_pages(&c), 1);
	pagecache_insert(&c, NR + 5, 11);
	ck_assert_uint_eq(pagecache_lookup(&c, NR + 5), 11);
	pagecache_delete(&c, NR + 5, 11);
	ck_assert_ptr_eq(pagecache_resize(&c, slots, NR), bigger);   /* shrinks over empty slots */
	ck_assert_uint_eq(c.nr_slots, NR);
	ck_assert_uint_eq(pagecache_lookup(&c, NR - 1), 9);
	ck_assert_uint_eq(pagecache_lookup(&c, NR + 5), 0);
}
END_TEST

START_TEST(a_swap_entry_is_odd_and_gives_its_slot_back)
{
	for (uint64_t s = 1; s < (1ull << 31); s = s * 3 + 1) {
		uint32_t e = pagecache_swap_entry(s);
		ck_assert(pagecache_is_shadow(e));
		ck_assert_uint_eq(pagecache_entry_slot(e), s);
	}
}
END_TEST

START_TEST(shrinking_over_an_entry_in_use_panics)
{
	static uint32_t smaller[NR / 2];

	pagecache_insert(&c, NR - 1, 5);
	pagecache_resize(&c, smaller, NR / 2);
}
END_TEST

Suite *pagecache_suite(void);
Suite *pagecache_suite(void)
{
	Suite *suite = suite_create("pagecache");
	TCase *tc = tcase_create("slots");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_fresh_cache_is_empty_everywhere);
	tcase_add_test(tc, init_refuses_no_memory_or_no_slots);
	tcase_add_test(tc, a_cache_never_set_up_holds_nothing_and_counts_no_page);
	tcase_add_test(tc, an_inserted_page_is_found_at_its_index_only);
	tcase_add_test(tc, the_page_count_lives_in_the_hosts_counter_once_moved_there);
	tcase_add_test(tc, an_index_out_of_range_caches_nothing);
	tcase_add_test(tc, check_catches_a_page_count_out_of_step);
	tcase_add_test(tc, random_operations_agree_with_a_model);
	suite_add_tcase(suite, tc);

	tc = tcase_create("shadows");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, eviction_leaves_a_shadow_that_the_refault_gets_back);
	tcase_add_test(tc, deletion_leaves_nothing_for_a_refault);
	tcase_add_test(tc, shadows_are_odd_and_pages_are_not);
	tcase_add_test(tc, refault_distance_counts_evictions_since_the_shadow);
	tcase_add_test(tc, refault_distance_wraps_with_the_age_bits_kept);
	suite_add_tcase(suite, tc);

	tc = tcase_create("shmem");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, resizing_keeps_every_entry_and_empties_the_new_slots);
	tcase_add_test(tc, a_swap_entry_is_odd_and_gives_its_slot_back);
	suite_add_tcase(suite, tc);

	tc = tcase_create("misuse");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test_raise_signal(tc, inserting_over_a_cached_page_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, inserting_past_the_last_slot_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, inserting_pfn_zero_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, deleting_a_page_that_is_elsewhere_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, evicting_with_a_page_for_a_shadow_panics, SIGABRT);
	tcase_add_test_raise_signal(tc, shrinking_over_an_entry_in_use_panics, SIGABRT);
	suite_add_tcase(suite, tc);
	return suite;
}
