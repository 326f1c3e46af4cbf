/*
 * test_swapdev.c: one swap device (mm/swapdev.c) over a RAM-backed disk
 * and a buddy over simulated RAM: written pages land in consecutive
 * slots and join the swap cache; their data reads back; an I/O error or
 * a full device leaves pages uncached and slots free; eviction leaves a
 * shadow the swap-in gets back; exclusivity and swap-in writability
 * follow the slot counts and how full the device is.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "swapdev.h"
#include "port_host.h"
#include "ramdisk.h"

#define NR_SLOTS 16
#define RAM_PAGES 1024

static struct buddy B;
static struct page *descs;
static uint8_t disk_pages[NR_SLOTS][MM_PAGE_SIZE];
static struct ramdisk disk;
static struct swapdev d;
static uint8_t map[NR_SLOTS];
static uint32_t entries[NR_SLOTS];

static void setup(void)
{
	static const struct swapdev_io io = { .rw = ramdisk_rw, .ctx = &disk };

	host_port_reset();
	descs = calloc(RAM_PAGES, sizeof(*descs));
	ck_assert_int_eq(buddy_init(&B, descs, 0, RAM_PAGES, 0), 0);
	buddy_set_min_free_kbytes(&B, 0);
	ck_assert_int_eq(buddy_add_free_range(&B, 1, RAM_PAGES), 0);
	disk = (struct ramdisk){ .data = disk_pages, .nr_slots = NR_SLOTS };
	ck_assert_int_eq(swapdev_init(&d, &B, &io, map, entries, NR_SLOTS), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(swap_slots_check(&d.slots), 0);
	ck_assert_int_eq(pagecache_check(&d.cache), 0);
	free(descs);
}

/* A user page filled with byte v. */
static struct page *page_with(uint8_t v)
{
	struct page *p = buddy_alloc_pages(&B, BUDDY_GFP_ATOMIC, 0);

	ck_assert_ptr_nonnull(p);
	memset(buddy_page_address(&B, p), v, MM_PAGE_SIZE);
	return p;
}

/* Writes n pages filled with 1, 2, ... into p[]. Returns pages written. */
static unsigned write_pages(struct page **p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = page_with((uint8_t)(i + 1));
	return swapdev_write(&d, p, n);
}

START_TEST(init_refuses_a_device_with_no_usable_slot)
{
	struct swapdev other;
	static const struct swapdev_io io = { .rw = ramdisk_rw };

	ck_assert_int_eq(swapdev_init(&other, &B, &io, map, entries, 1), -MM_EINVAL);
	ck_assert(!swapdev_active(&other));
	ck_assert(swapdev_active(&d));
}
END_TEST

START_TEST(written_pages_take_consecutive_slots_in_one_request_and_join_the_cache)
{
	struct page *p[4];

	ck_assert_uint_eq(write_pages(p, 4), 4);
	ck_assert_uint_eq(disk.requests, 1);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(swapdev_cache_slot(p[i]), i + 1);
		ck_assert_uint_eq(pagecache_lookup(&d.cache, i + 1), buddy_page_to_pfn(&B, p[i]));
		ck_assert_uint_eq(swap_slots_count(&d.slots, i + 1), 1);
		ck_assert_uint_eq(disk.data[i + 1][100], i + 1);
	}
	ck_assert_uint_eq(pagecache_nr_pages(&d.cache), 4);
}
END_TEST

START_TEST(a_gap_in_the_slots_splits_the_write_into_runs)
{
	struct page *p[3];

	swap_slots_alloc(&d.slots);             /* slot 1 */
	swap_slots_alloc(&d.slots);             /* slot 2 */
	swap_slots_put(&d.slots, 1);            /* free: 1; next-fit goes on at 3 */
	d.slots.next = NR_SLOTS - 1;            /* 15, then wrap to 1, then 3 */
	ck_assert_uint_eq(write_pages(p, 3), 3);
	ck_assert_uint_eq(swapdev_cache_slot(p[0]), NR_SLOTS - 1);
	ck_assert_uint_eq(swapdev_cache_slot(p[1]), 1);
	ck_assert_uint_eq(swapdev_cache_slot(p[2]), 3);
	ck_assert_uint_eq(disk.requests, 3);
	swap_slots_put(&d.slots, 2);
}
END_TEST

START_TEST(a_failed_write_leaves_the_pages_uncached_and_the_slots_free)
{
	struct page *p[2];

	disk.fail = -5;
	ck_assert_uint_eq(write_pages(p, 2), 0);
	ck_assert_uint_eq(swapdev_cache_slot(p[0]), 0);
	ck_assert_uint_eq(d.slots.nr_free, NR_SLOTS - 1);
	ck_assert_uint_eq(pagecache_nr_pages(&d.cache), 0);
}
END_TEST

START_TEST(a_full_device_writes_what_it_has_room_for)
{
	struct page *p[SWAPDEV_WRITE_BATCH];

	ck_assert_uint_eq(write_pages(p, NR_SLOTS + 2), NR_SLOTS - 1);
	ck_assert_uint_eq(swapdev_cache_slot(p[NR_SLOTS - 1]), 0);
	ck_assert(swapdev_full(&d));
}
END_TEST

START_TEST(an_evicted_page_reads_back_and_its_shadow_comes_with_it)
{
	struct page *p[1], *back;
	uint32_t shadow = pagecache_shadow_make(9);
	phys_addr_t pa;

	write_pages(p, 1);
	swap_slots_dup(&d.slots, 1);            /* the swap entry that replaces the PTE */
	swapdev_evicted(&d, p[0], shadow);
	buddy_free_pages(&B, p[0], 0);
	ck_assert_uint_eq(pagecache_shadow(&d.cache, 1), shadow);
	ck_assert_uint_eq(swap_slots_count(&d.slots, 1), 1);

	back = page_with(0);
	pa = buddy_page_to_phys(&B, back);
	ck_assert_int_eq(swapdev_read(&d, 1, &pa, 1), 0);
	ck_assert_uint_eq(((uint8_t *)buddy_page_address(&B, back))[4095], 1);
	ck_assert_uint_eq(swapdev_cache_add(&d, back, 1), shadow);
	ck_assert_uint_eq(swapdev_cache_slot(back), 1);
	ck_assert_uint_eq(swap_slots_count(&d.slots, 1), 2);
	swap_slots_put(&d.slots, 1);            /* the entry, mapped again */
	swapdev_cache_del(&d, back);
	ck_assert_uint_eq(d.slots.nr_free, NR_SLOTS - 1);
}
END_TEST

START_TEST(a_cached_page_is_exclusive_only_when_no_entry_reads_its_slot)
{
	struct page *p[1];

	write_pages(p, 1);
	swap_slots_dup(&d.slots, 1);            /* another space still has the entry */
	ck_assert(!swapdev_exclusive(&d, p[0]));
	ck_assert_uint_eq(swapdev_cache_slot(p[0]), 1);
	swap_slots_put(&d.slots, 1);
	ck_assert(swapdev_exclusive(&d, p[0])); /* and it leaves the cache */
	ck_assert_uint_eq(swapdev_cache_slot(p[0]), 0);
	ck_assert(swapdev_exclusive(&d, p[0]));
}
END_TEST

START_TEST(a_swapped_in_page_is_writable_alone_and_stays_cached_while_swap_has_room)
{
	struct page *p[1];

	write_pages(p, 1);
	ck_assert(swapdev_swapin_writable(&d, p[0], 1));
	ck_assert_uint_eq(swapdev_cache_slot(p[0]), 1);
	p[0]->mapcount = 1;                     /* someone maps it already */
	ck_assert(!swapdev_swapin_writable(&d, p[0], 1));
	p[0]->mapcount = 0;
	swapdev_cache_del(&d, p[0]);
}
END_TEST

START_TEST(past_half_full_a_writable_swap_in_gives_its_slot_back)
{
	struct page *p[NR_SLOTS];

	write_pages(p, NR_SLOTS / 2 + 1);
	ck_assert(swapdev_full(&d));
	ck_assert(swapdev_swapin_writable(&d, p[0], 1));
	ck_assert_uint_eq(swapdev_cache_slot(p[0]), 0);
	ck_assert_uint_eq(swap_slots_count(&d.slots, 1), 0);
	for (unsigned i = 1; i < NR_SLOTS / 2 + 1; i++)
		swapdev_cache_del(&d, p[i]);
}
END_TEST

START_TEST(a_slot_at_its_count_limit_keeps_the_page_out_of_the_cache)
{
	struct page *p[1], *copy;

	write_pages(p, 1);
	while (swap_slots_dup(&d.slots, 1) == 0)
		;
	swapdev_cache_del(&d, p[0]);
	copy = page_with(1);
	swap_slots_dup(&d.slots, 1);
	ck_assert_uint_eq(swapdev_cache_add(&d, copy, 1), 0);
	ck_assert_uint_eq(swapdev_cache_slot(copy), 0);
	while (swap_slots_put(&d.slots, 1) > 0)
		;
}
END_TEST

START_TEST(evicting_an_uncached_page_panics)
{
	struct page *p = page_with(1);

	swapdev_evicted(&d, p, pagecache_shadow_make(1));
}
END_TEST

Suite *swapdev_suite(void);
Suite *swapdev_suite(void)
{
	Suite *suite = suite_create("swapdev");
	TCase *tc = tcase_create("write");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_refuses_a_device_with_no_usable_slot);
	tcase_add_test(tc, written_pages_take_consecutive_slots_in_one_request_and_join_the_cache);
	tcase_add_test(tc, a_gap_in_the_slots_splits_the_write_into_runs);
	tcase_add_test(tc, a_failed_write_leaves_the_pages_uncached_and_the_slots_free);
	tcase_add_test(tc, a_full_device_writes_what_it_has_room_for);
	suite_add_tcase(suite, tc);

	tc = tcase_create("cache");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_evicted_page_reads_back_and_its_shadow_comes_with_it);
	tcase_add_test(tc, a_cached_page_is_exclusive_only_when_no_entry_reads_its_slot);
	tcase_add_test(tc, a_swapped_in_page_is_writable_alone_and_stays_cached_while_swap_has_room);
	tcase_add_test(tc, past_half_full_a_writable_swap_in_gives_its_slot_back);
	tcase_add_test(tc, a_slot_at_its_count_limit_keeps_the_page_out_of_the_cache);
	tcase_add_test_raise_signal(tc, evicting_an_uncached_page_panics, SIGABRT);
	suite_add_tcase(suite, tc);
	return suite;
}
