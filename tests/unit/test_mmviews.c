/*
 * test_mmviews.c: the /proc-format views against the live structures.
 * Fixture: slab_test_util (pfns 1..16383: DMA 4095 pages, DMA32 12288).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "guest_layout.h"
#include "kmalloc.h"
#include "mmviews.h"
#include "port_host.h"
#include "slab_test_util.h"

static char text[16384];

START_TEST(buddyinfo_lists_free_blocks_per_order_for_each_populated_zone)
{
	unsigned long long n[BUDDY_NR_ORDERS];
	int len = mmviews_buddyinfo(&slab_test_buddy, text, sizeof(text));
	const char *line = text;

	ck_assert_int_eq(len, (int)strlen(text));
	for (int zi = BUDDY_ZONE_DMA; zi <= BUDDY_ZONE_DMA32; zi++) {
		char want[32];
		snprintf(want, sizeof(want), "Node 0, zone %8s ", slab_test_buddy.zones[zi].name);
		ck_assert_int_eq(strncmp(line, want, strlen(want)), 0);
		ck_assert_int_eq(sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu "
				       "%llu %llu %llu %llu", &n[0], &n[1], &n[2], &n[3], &n[4],
				       &n[5], &n[6], &n[7], &n[8], &n[9], &n[10]), 11);
		for (int o = 0; o < BUDDY_NR_ORDERS; o++)
			ck_assert_uint_eq(n[o], slab_test_buddy.zones[zi].free_area[o].nr_free);
		line = strchr(line, '\n') + 1;
	}
	ck_assert_str_eq(line, ""); /* Normal has no memory: no line */
}
END_TEST

START_TEST(zoneinfo_shows_free_watermarks_and_sizes)
{
	const struct buddy_zone *z = &slab_test_buddy.zones[BUDDY_ZONE_DMA];
	char want[256];

	buddy_set_min_free_kbytes(&slab_test_buddy, 1024);
	mmviews_zoneinfo(&slab_test_buddy, NULL, text, sizeof(text));
	snprintf(want, sizeof(want), "Node 0, zone      DMA\n  pages free     %llu\n"
		 "        boost    0\n        min      %llu\n        low      %llu\n"
		 "        high     %llu\n        spanned  4096\n        present  4095\n"
		 "        managed  4095\n      nr_free_pages %llu\n",
		 (unsigned long long)z->free_pages, (unsigned long long)z->wmark[0],
		 (unsigned long long)z->wmark[1], (unsigned long long)z->wmark[2],
		 (unsigned long long)z->free_pages);
	ck_assert_msg(strstr(text, want), "missing:\n%s\nin:\n%.600s", want, text);
	ck_assert_uint_eq(z->wmark[0], 256 * 4095 / 16383);
	ck_assert_ptr_nonnull(strstr(text, "Node 0, zone   Normal\n  pages free     0\n"));
	ck_assert_ptr_nonnull(strstr(text, "  start_pfn:           4096\n"));
}
END_TEST

START_TEST(slabinfo_has_the_2_1_header_and_a_line_per_cache)
{
	void *objs[10];
	for (int i = 0; i < 10; i++)
		objs[i] = kmalloc(64, 0);
	mmviews_slabinfo(text, sizeof(text));
	ck_assert_int_eq(strncmp(text, "slabinfo - version: 2.1\n# name            <active_objs> "
				 "<num_objs> <objsize> <objperslab> <pagesperslab> : tunables "
				 "<limit> <batchcount> <sharedfactor> : slabdata <active_slabs> "
				 "<num_slabs> <sharedavail>\n", 190), 0);
	ck_assert_msg(strstr(text, "kmalloc-64            10     64     64   64    1 : tunables"
				   "   64   64    0 : slabdata      1      1      0\n"), "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "\nkmem_cache "));
	kfree(objs[0]);
}
END_TEST

START_TEST(meminfo_reports_totals_in_kib)
{
	struct vmalloc_space vs = { .start = VMALLOC_START, .end = VMALLOC_START + VMALLOC_SIZE,
				    .nr_pages = 3 };
	char want[64];

	mmviews_meminfo(&slab_test_buddy, &vs, text, sizeof(text));
	ck_assert_int_eq(strncmp(text, "MemTotal:          65532 kB\nMemFree:        ", 44), 0);
	snprintf(want, sizeof(want), "\nSlab:           %8llu kB\n",
		 (unsigned long long)slab_total_pages() * 4);
	ck_assert_ptr_nonnull(strstr(text, want));
	ck_assert_ptr_nonnull(strstr(text, "\nVmallocTotal:   1073741824 kB\nVmallocUsed:          12 kB\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nMemAvailable:   "));
}
END_TEST

START_TEST(a_short_buffer_gets_a_cut_terminated_text_and_the_full_length)
{
	int full = mmviews_slabinfo(text, sizeof(text));
	char small[40];
	ck_assert_int_eq(mmviews_slabinfo(small, sizeof(small)), full);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, text, sizeof(small) - 1), 0);
}
END_TEST

Suite *mmviews_suite(void);
Suite *mmviews_suite(void)
{
	Suite *s = suite_create("mmviews");
	TCase *tc = slab_test_case(s, "views");

	tcase_add_test(tc, buddyinfo_lists_free_blocks_per_order_for_each_populated_zone);
	tcase_add_test(tc, zoneinfo_shows_free_watermarks_and_sizes);
	tcase_add_test(tc, slabinfo_has_the_2_1_header_and_a_line_per_cache);
	tcase_add_test(tc, meminfo_reports_totals_in_kib);
	tcase_add_test(tc, a_short_buffer_gets_a_cut_terminated_text_and_the_full_length);
	return s;
}
