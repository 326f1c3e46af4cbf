/*
 * test_top_view.c: `memvisor top`'s frames (top_render) on fixed stats
 * records: the process table in KiB and in each sort order, rates from two
 * records one second apart, the buddy picture per zone and order, the
 * largest slab caches, and an 80x24 frame that never overflows.
 */
#include "top_view.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two records a second apart: memhog faulted 50 times and kswapd scanned 300 pages. */
static const char earlier[] =
	"{\"ok\":true,\"time\":10.0,\"paused\":false,"
	"\"balloon\":{\"target\":8388608,\"actual\":4194304},"
	"\"swap\":{\"size\":33554432},"
	"\"zones\":{\"DMA\":{\"free_pages\":3769,\"managed\":3769,"
	"\"nr_free\":[1,0,0,1,1,1,0,1,0,1,3]},"
	"\"DMA32\":{\"free_pages\":27733,\"managed\":28281,\"nr_free\":[1,0,1,0,1,0,1,0,0,0,27]}},"
	"\"slabs\":{\"kmem_cache\":{\"bytes\":32768},\"kmalloc-64\":{\"bytes\":8192},"
	"\"dentry\":{\"bytes\":65536}},"
	"\"vmstat\":{\"pgscan_kswapd\":1000,\"pgscan_direct\":0,\"pgsteal_kswapd\":800,"
	"\"pgsteal_direct\":0,\"workingset_refault\":5,\"nr_anon_pages\":1100,\"pswpin\":7,"
	"\"nr_tlb_local_flush_one\":40,\"nr_tlb_local_flush_all\":3,"
	"\"pswpout\":9},"
	"\"processes\":[{\"pid\":1,\"comm\":\"init\",\"state\":\"S\",\"vsz\":266240,\"rss\":45056,"
	"\"shared\":28672,\"swap\":0,\"min_flt\":4,\"maj_flt\":8},"
	"{\"pid\":4,\"comm\":\"memhog\",\"state\":\"R\",\"vsz\":4476928,\"rss\":4276224,"
	"\"shared\":57344,\"swap\":8192,\"min_flt\":100,\"maj_flt\":14}]}";

static const char later[] =
	"{\"ok\":true,\"time\":11.0,\"paused\":true,"
	"\"balloon\":{\"target\":8388608,\"actual\":8388608},"
	"\"zones\":{\"DMA\":{\"free_pages\":3769,\"managed\":3769,"
	"\"nr_free\":[1,0,0,1,1,1,0,1,0,1,3]},"
	"\"DMA32\":{\"free_pages\":27000,\"managed\":28281,\"nr_free\":[2,0,1,0,1,0,1,0,0,0,26]}},"
	"\"vmstat\":{\"pgscan_kswapd\":1300,\"pgscan_direct\":0,\"pgsteal_kswapd\":1000,"
	"\"pgsteal_direct\":0,\"workingset_refault\":5,\"nr_anon_pages\":1150,"
	"\"nr_tlb_local_flush_one\":160,\"nr_tlb_local_flush_all\":5,"
	"\"nr_active_anon\":700,\"nr_inactive_anon\":450,\"nr_active_file\":30,"
	"\"nr_inactive_file\":120},"
	"\"processes\":[{\"pid\":1,\"comm\":\"init\",\"state\":\"S\",\"vsz\":266240,\"rss\":45056,"
	"\"shared\":28672,\"swap\":0,\"min_flt\":4,\"maj_flt\":8},"
	"{\"pid\":4,\"comm\":\"memhog\",\"state\":\"R\",\"vsz\":4476928,\"rss\":4276224,"
	"\"shared\":57344,\"swap\":8192,\"min_flt\":150,\"maj_flt\":14},"
	"{\"pid\":7,\"comm\":\"forktest\",\"state\":\"Z\",\"vsz\":8192000,\"rss\":4096,"
	"\"shared\":0,\"swap\":40960,\"min_flt\":2,\"maj_flt\":0}]}";

static struct top_frame frame;

static void render(enum top_sort sort, const char *now, const char *prev, int width, int height)
{
	struct top_view v = { .sort = sort, .width = width, .height = height, .interval = 1 };
	json_object *n = json_tokener_parse(now), *p = prev ? json_tokener_parse(prev) : NULL;
	ck_assert_ptr_nonnull(n);
	top_render(&v, n, p, &frame);
	json_object_put(n);
	json_object_put(p);
}

/* The frame's line that starts with prefix (after spaces), or NULL. */
static const char *line_starting(const char *prefix)
{
	for (int k = 0; k < frame.n; k++) {
		const char *l = frame.line[k] + strspn(frame.line[k], " ");
		if (!strncmp(l, prefix, strlen(prefix)))
			return frame.line[k];
	}
	return NULL;
}

/* The pids of the process table, top to bottom; returns how many. */
static int table_pids(int *pids, int max)
{
	int n = 0, in_table = 0;
	for (int k = 0; k < frame.n && n < max; k++) {
		if (strstr(frame.line[k], "COMM"))
			in_table = 1;
		else if (in_table && sscanf(frame.line[k], "%d", &pids[n]) == 1)
			n++;
	}
	return n;
}

static char *dump(void)
{
	static char text[TOP_MAX_ROWS * (TOP_MAX_COLS + 1)];
	size_t len = 0;
	for (int k = 0; k < frame.n; k++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", frame.line[k]);
	return text;
}

START_TEST(process_rows_show_virt_res_shr_swap_in_kib_and_the_fault_counts)
{
	render(TOP_SORT_RSS, later, NULL, 80, 24);
	const char *row = line_starting("4 memhog");
	ck_assert_msg(row, "%s", dump());
	int pid;
	char comm[16], state[4];
	unsigned long long virt, res, shr, swap, minf, majf;
	ck_assert_int_eq(sscanf(row, "%d %15s %3s %llu %llu %llu %llu %llu %llu", &pid, comm, state,
				&virt, &res, &shr, &swap, &minf, &majf), 9);
	ck_assert_str_eq(comm, "memhog");
	ck_assert_str_eq(state, "R");
	ck_assert_uint_eq(virt, 4476928 / 1024);
	ck_assert_uint_eq(res, 4276224 / 1024);
	ck_assert_uint_eq(shr, 57344 / 1024);
	ck_assert_uint_eq(swap, 8);
	ck_assert_uint_eq(minf, 150);
	ck_assert_uint_eq(majf, 14);
}
END_TEST

/* For each sort key, the pids in the order the table must show them. */
static const struct {
	enum top_sort sort;
	const char *name, *marked;
	int pids[3];
} orders[] = {
	{ TOP_SORT_RSS, "rss", ">RES", { 4, 1, 7 } },
	{ TOP_SORT_VSZ, "vsz", ">VIRT", { 7, 4, 1 } },
	{ TOP_SORT_SWAP, "swap", ">SWAP", { 7, 4, 1 } },
	{ TOP_SORT_FAULTS, "faults", ">MINFLT", { 4, 1, 7 } },
	{ TOP_SORT_PID, "pid", ">PID", { 1, 4, 7 } },
};

START_TEST(each_sort_key_orders_the_table_and_is_named_and_marked)
{
	int pids[8];
	render(orders[_i].sort, later, NULL, 80, 24);
	ck_assert_int_eq(table_pids(pids, 8), 3);
	for (int k = 0; k < 3; k++)
		ck_assert_msg(pids[k] == orders[_i].pids[k], "sort %s, row %d: pid %d\n%s",
			      orders[_i].name, k, pids[k], dump());
	ck_assert_str_eq(top_sort_name(orders[_i].sort), orders[_i].name);
	ck_assert_msg(strstr(frame.line[0], orders[_i].name), "%s", frame.line[0]);
	ck_assert_msg(line_starting(orders[_i].marked) || strstr(dump(), orders[_i].marked),
		      "no %s:\n%s", orders[_i].marked, dump());
	ck_assert_int_eq(top_sort_next(orders[_i].sort), orders[(_i + 1) % 5].sort);
}
END_TEST

START_TEST(rates_are_the_difference_of_two_records_per_second)
{
	render(TOP_SORT_RSS, later, earlier, 80, 24);
	const char *reclaim = line_starting("Reclaim/s:");
	ck_assert_msg(reclaim && strstr(reclaim, "scan 300 ") && strstr(reclaim, "steal 200 ") &&
		      strstr(reclaim, "refault 0 ") &&
		      strstr(reclaim, "TLB flush/s: page 120 all 2"), "%s", dump());
	const char *memhog = line_starting("4 memhog"), *fresh = line_starting("7 forktest");
	ck_assert_msg(memhog && !strcmp(memhog + strlen(memhog) - 3, " 50"), "%s", dump());
	ck_assert_msg(fresh && !strcmp(fresh + strlen(fresh) - 2, " -"), "new pid: %s", dump());
}
END_TEST

START_TEST(without_an_earlier_record_rates_show_a_dash)
{
	render(TOP_SORT_RSS, later, NULL, 80, 24);
	ck_assert_msg(line_starting("LRU: anon active 700 inactive 450  file active 30 inactive 120"),
		      "%s", dump());
	ck_assert_msg(line_starting("Reclaim/s: scan -  steal -  refault -  TLB flush/s: page - all -"),
		      "%s", dump());
	ck_assert_msg(strstr(frame.line[0], "[guest paused]"), "%s", frame.line[0]);
}
END_TEST

START_TEST(each_zone_shows_its_free_blocks_per_order)
{
	render(TOP_SORT_RSS, earlier, NULL, 80, 24);
	const char *dma32 = line_starting("DMA32");
	unsigned long long free_pages, nr[11];
	ck_assert_msg(dma32, "%s", dump());
	ck_assert_int_eq(sscanf(dma32, "DMA32 %llu | %llu %llu %llu %llu %llu %llu %llu %llu %llu "
				"%llu %llu", &free_pages, &nr[0], &nr[1], &nr[2], &nr[3], &nr[4],
				&nr[5], &nr[6], &nr[7], &nr[8], &nr[9], &nr[10]), 12);
	ck_assert_uint_eq(free_pages, 27733);
	ck_assert_uint_eq(nr[0], 1);
	ck_assert_uint_eq(nr[2], 1);
	ck_assert_uint_eq(nr[10], 27);
	ck_assert_msg(line_starting("Mem KiB:  managed 128200  free 126008  balloon 4096 "
				    "(target 8192)"), "%s", dump());
}
END_TEST

START_TEST(slab_caches_are_listed_largest_first)
{
	render(TOP_SORT_RSS, earlier, NULL, 80, 24);
	ck_assert_msg(line_starting("Slab KiB: dentry 64 kmem_cache 32 kmalloc-64 8"), "%s",
		      dump());
}
END_TEST

START_TEST(a_frame_fits_the_view_however_many_processes)
{
	json_object *o = json_tokener_parse(later), *procs = json_object_object_get(o, "processes");
	for (int k = 0; k < 40; k++) {
		char p[200];
		snprintf(p, sizeof(p), "{\"pid\":%d,\"comm\":\"a-very-long-command-name\",\"state\":"
			 "\"S\",\"vsz\":%d,\"rss\":4096,\"shared\":0,\"swap\":0,\"min_flt\":"
			 "99999999999,\"maj_flt\":0}", 100 + k, k * 4096);
		json_object_array_add(procs, json_tokener_parse(p));
	}
	render(TOP_SORT_RSS, json_object_to_json_string(o), NULL, 80, 24);
	json_object_put(o);
	ck_assert_int_eq(frame.n, 24);
	for (int k = 0; k < frame.n; k++)
		ck_assert_msg(strlen(frame.line[k]) <= 80, "line %d: %s", k, frame.line[k]);
	render(TOP_SORT_RSS, later, NULL, 40, 5);
	ck_assert_int_eq(frame.n, 5);
	for (int k = 0; k < frame.n; k++)
		ck_assert_uint_le(strlen(frame.line[k]), 40);
}
END_TEST

Suite *top_view_suite(void);
Suite *top_view_suite(void)
{
	Suite *s = suite_create("top_view");
	TCase *tc = tcase_create("frame");
	tcase_add_test(tc, process_rows_show_virt_res_shr_swap_in_kib_and_the_fault_counts);
	tcase_add_loop_test(tc, each_sort_key_orders_the_table_and_is_named_and_marked, 0, 5);
	tcase_add_test(tc, rates_are_the_difference_of_two_records_per_second);
	tcase_add_test(tc, without_an_earlier_record_rates_show_a_dash);
	tcase_add_test(tc, each_zone_shows_its_free_blocks_per_order);
	tcase_add_test(tc, slab_caches_are_listed_largest_first);
	tcase_add_test(tc, a_frame_fits_the_view_however_many_processes);
	suite_add_tcase(s, tc);
	return s;
}
