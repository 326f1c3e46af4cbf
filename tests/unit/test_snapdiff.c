/*
 * test_snapdiff.c: the snapshot diff library (snapdiff_compute) on
 * snapshots built here record by record: which ranges it calls added,
 * removed and changed, how it merges runs, which zones and counters it
 * lists, and what counts as a difference; then its JSON, in the key names
 * of recjson.h, and recjson's records on what a file or guest may claim.
 */
#include "recjson.h"
#include "snapdiff.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RW_USER 0x7ull             /* present, writable, user */
#define RO_USER 0x5ull             /* present, user */

/* Two snapshots of one process (pid 7) and the kernel, edited per test. */
struct pair {
	struct snap_file a, b;
	struct snap_space_view sa[2], sb[2];
	struct snap_range ra[8], rb[8];
	struct snap_zone za[1], zb[1];
	struct snap_counter va[2], vb[2];
	struct snap_slab sla[2], slb[3];
	struct snap_bitmap_view dirty[1];
	struct snap_diff d;
};

static struct snap_range range(uint64_t va, uint64_t len, uint64_t pa, uint64_t flags)
{
	return (struct snap_range){ .va = va, .pa = pa, .len = len, .flags = flags, .shift = 12 };
}

static void space(struct snap_space_view *s, int32_t pid, struct snap_range *r, uint32_t n)
{
	*s = (struct snap_space_view){ .hdr = { .pid = pid, .nr_ranges = n }, .ranges = r };
	snprintf(s->hdr.comm, sizeof(s->hdr.comm), "%s", pid < 0 ? "" : "hog");
}

#define NAME(rec, s) snprintf((rec).name, sizeof((rec).name), "%s", s)
/* Both snapshots list the n records of p->in_a (b a copy of them, in in_b). */
#define SAME_IN_BOTH(list, in_a, in_b, n)                               \
	do {                                                            \
		memcpy(p->in_b, p->in_a, (n) * sizeof(p->in_a[0]));     \
		p->a.list = p->in_a;                                    \
		p->b.list = p->in_b;                                    \
		p->a.nr_##list = p->b.nr_##list = (n);                  \
	} while (0)

static void pair_init(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	space(&p->sa[0], SNAP_KERNEL_PID, NULL, 0);
	space(&p->sb[0], SNAP_KERNEL_PID, NULL, 0);
	p->a.spaces = p->sa;
	p->b.spaces = p->sb;
	p->a.nr_spaces = p->b.nr_spaces = 1;
	NAME(p->za[0], "DMA32");
	SAME_IN_BOTH(zones, za, zb, 1);
	NAME(p->va[0], "pgfault");
	NAME(p->va[1], "pswpin");
	SAME_IN_BOTH(vmstat, va, vb, 2);
	NAME(p->sla[0], "kmalloc-64");
	NAME(p->sla[1], "vma");
	SAME_IN_BOTH(slabs, sla, slb, 2);
}

/* The pair every test edits: fresh per test (checked fixture), its diff
 * freed after it. */
static struct pair p;

static void setup(void)
{
	pair_init(&p);
}

static void teardown(void)
{
	snapdiff_free(&p.d);
}

/* Gives both snapshots the process space, with na and nb ranges. */
static void with_process(uint32_t na, uint32_t nb)
{
	space(&p.sa[1], 7, p.ra, na);
	space(&p.sb[1], 7, p.rb, nb);
	p.a.nr_spaces = p.b.nr_spaces = 2;
}

static void compute(void)
{
	ck_assert_int_eq(snapdiff_compute(&p.a, &p.b, &p.d), 0);
}

static const struct snapdiff_space *process(void)
{
	ck_assert_uint_eq(p.d.nr_spaces, 2);
	return &p.d.spaces[1];
}

/* Diffs the pair with na and nb process ranges; returns the process's diff. */
static const struct snapdiff_space *diff_process(uint32_t na, uint32_t nb)
{
	with_process(na, nb);
	compute();
	return process();
}

START_TEST(identical_snapshots_have_no_differences)
{
	p.ra[0] = p.rb[0] = range(0x400000, 0x1000, 0x10000, RW_USER);
	ck_assert_uint_eq(diff_process(1, 1)->nr_ranges, 0);
	ck_assert_uint_eq(p.d.differences, 0);
	ck_assert_uint_eq(p.d.nr_zones + p.d.nr_slabs + p.d.nr_vmstat, 0);
}
END_TEST

START_TEST(adjacent_new_pages_with_the_same_flags_are_one_added_run)
{
	p.rb[0] = range(0x400000, 0x1000, 0x10000, RW_USER);
	p.rb[1] = range(0x401000, 0x1000, 0x30000, RW_USER);
	p.rb[2] = range(0x402000, 0x1000, 0x50000, RO_USER);
	const struct snapdiff_space *s = diff_process(0, 3);
	ck_assert_uint_eq(s->nr_ranges, 2);
	ck_assert_int_eq(s->ranges[0].kind, SNAPDIFF_ADDED);
	ck_assert_uint_eq(s->ranges[0].range.va, 0x400000);
	ck_assert_uint_eq(s->ranges[0].range.len, 0x2000);
	ck_assert_uint_eq(s->ranges[1].range.flags, RO_USER);
	ck_assert_uint_eq(p.d.differences, 2);
}
END_TEST

START_TEST(a_range_gone_from_b_is_removed_with_a_s_frames)
{
	p.ra[0] = range(0x400000, 0x3000, 0x10000, RW_USER);
	p.rb[0] = range(0x400000, 0x1000, 0x10000, RW_USER);
	const struct snapdiff_space *s = diff_process(1, 1);
	ck_assert_uint_eq(s->nr_ranges, 1);
	ck_assert_int_eq(s->ranges[0].kind, SNAPDIFF_REMOVED);
	ck_assert_uint_eq(s->ranges[0].range.va, 0x401000);
	ck_assert_uint_eq(s->ranges[0].range.pa, 0x11000);
	ck_assert_uint_eq(s->ranges[0].range.len, 0x2000);
}
END_TEST

START_TEST(changed_flags_and_frames_keep_the_old_values)
{
	p.ra[0] = range(0x400000, 0x1000, 0x10000, RO_USER);
	p.rb[0] = range(0x400000, 0x1000, 0x20000, RW_USER);
	const struct snapdiff_space *s = diff_process(1, 1);
	ck_assert_uint_eq(s->nr_ranges, 1);
	ck_assert_uint_eq(p.d.differences, 1);
	const struct snapdiff_range *r = &s->ranges[0];
	ck_assert_int_eq(r->kind, SNAPDIFF_CHANGED);
	ck_assert_uint_eq(r->what, SNAPDIFF_FLAGS | SNAPDIFF_FRAMES);
	ck_assert_uint_eq(r->old.flags, RO_USER);
	ck_assert_uint_eq(r->old.pa, 0x10000);
	ck_assert_uint_eq(r->range.pa, 0x20000);
}
END_TEST

START_TEST(a_space_only_in_b_is_new_and_all_added)
{
	p.rb[0] = range(0x400000, 0x1000, 0x10000, RW_USER);
	with_process(0, 1);
	p.a.nr_spaces = 1;
	compute();
	const struct snapdiff_space *s = process();
	ck_assert_int_eq(p.d.spaces[0].presence, SNAPDIFF_IN_BOTH);
	ck_assert_int_eq(s->presence, SNAPDIFF_NEW);
	ck_assert_str_eq(s->name, "7 (hog)");
	ck_assert_int_eq(s->ranges[0].kind, SNAPDIFF_ADDED);
}
END_TEST

START_TEST(only_zones_and_counters_that_changed_are_listed)
{
	p.zb[0].free_pages = 5;
	p.zb[0].nr_free[0] = 1;
	p.zb[0].nr_free[2] = 1;
	p.vb[1].value = 3;
	compute();
	ck_assert_uint_eq(p.d.nr_zones, 1);
	ck_assert_uint_eq(p.d.zones[0].after.free_pages, 5);
	ck_assert_uint_eq(p.d.nr_vmstat, 1);
	ck_assert_str_eq(p.d.vmstat[0].name, "pswpin");
	ck_assert_uint_eq(p.d.vmstat[0].after, 3);
	ck_assert_uint_eq(p.d.differences, 2);
}
END_TEST

START_TEST(slab_caches_are_listed_by_name_when_their_objects_changed)
{
	p.sla[1].active_objs = 10;
	p.slb[0].active_objs = 0;               /* unchanged, first in both */
	p.slb[0].nr_slabs = 4;                  /* not an object count: not listed */
	p.slb[1] = p.slb[0];                    /* b lists the caches the other way round */
	p.slb[0] = p.sla[1];
	p.slb[0].active_objs = 25;
	p.slb[2] = p.slb[0];                    /* a cache only in b has nothing to compare */
	NAME(p.slb[2], "task");
	p.b.nr_slabs = 3;
	compute();
	ck_assert_uint_eq(p.d.nr_slabs, 1);
	ck_assert_str_eq(p.d.slabs[0].name, "vma");
	ck_assert_uint_eq(p.d.slabs[0].before, 10);
	ck_assert_uint_eq(p.d.slabs[0].after, 25);
	ck_assert_uint_eq(p.d.differences, 1);
}
END_TEST

START_TEST(dirty_pages_are_known_only_when_every_slot_logged_them)
{
	p.dirty[0] = (struct snap_bitmap_view){ .valid = true, .count = 42 };
	p.b.dirty = p.dirty;
	p.b.nr_dirty = 1;
	compute();
	ck_assert(p.d.dirty_known);
	ck_assert_uint_eq(p.d.dirty_pages, 42);
	ck_assert_uint_eq(p.d.differences, 0);
	snapdiff_free(&p.d);
	p.dirty[0].valid = false;
	compute();
	ck_assert(!p.d.dirty_known);
}
END_TEST

/* The number at a dotted path of o, which must be there. */
static int64_t at(json_object *o, const char *path)
{
	char copy[128], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", path);
	for (char *seg = strtok_r(copy, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(seg));
		else
			ck_assert_msg(json_object_object_get_ex(o, seg, &o), "%s: no %s", path, seg);
		ck_assert_msg(o != NULL, "%s: no %s", path, seg);
	}
	return json_object_get_int64(o);
}

START_TEST(diff_json_names_zone_changes_as_the_stats_stream_does)
{
	p.za[0].free_pages = 10;
	p.za[0].nr_free[3] = 2;
	p.zb[0].nr_free[3] = 1;
	p.vb[0].value = 9;
	compute();
	json_object *j = snapdiff_json(&p.d);
	ck_assert_int_eq(at(j, "zones.DMA32.free_pages"), -10);
	ck_assert_int_eq(at(j, "zones.DMA32.nr_free.3"), -1);
	ck_assert_int_eq(at(j, "vmstat.pgfault"), 9);
	ck_assert_int_eq(at(j, "equal"), 0);
	json_object_put(j);
}
END_TEST

START_TEST(a_zone_record_has_the_documented_keys)
{
	struct snap_zone z = { .name = "Normal", .free_pages = 7, .managed = 9,
			       .wmark = { 1, 2, 3 }, .nr_free = { [10] = 4 } };
	json_object *j = recjson_zone(&z);
	ck_assert_int_eq(at(j, "free_pages"), 7);
	ck_assert_int_eq(at(j, "managed"), 9);
	ck_assert_int_eq(at(j, "min") + at(j, "low") + at(j, "high"), 6);
	ck_assert_int_eq(at(j, "nr_free.10"), 4);
	ck_assert_int_eq(at(j, "node"), 0);
	ck_assert_int_eq(at(j, "numa_hit") + at(j, "numa_miss") + at(j, "numa_foreign") +
			 at(j, "numa_interleave") + at(j, "numa_local") + at(j, "numa_other"), 0);
	ck_assert_uint_eq(json_object_object_length(j), 13);
	json_object_put(j);
}
END_TEST

/* Node 0's DMA32 and node 1's DMA32 and Normal, as a 2-node guest has them. */
static void two_nodes(struct snap_zone z[3], uint64_t free1, uint64_t miss1)
{
	memset(z, 0, 3 * sizeof(*z));
	NAME(z[0], "DMA32");
	NAME(z[1], "DMA32");
	NAME(z[2], "Normal");
	z[0].free_pages = 100;
	z[0].managed = z[1].managed = 200;
	z[0].numa[SNAP_NUMA_HIT] = z[0].numa[SNAP_NUMA_LOCAL] = 50;
	z[1].node = z[2].node = 1;
	z[1].free_pages = free1;
	z[1].numa[SNAP_NUMA_MISS] = z[1].numa[SNAP_NUMA_OTHER] = miss1;
}

START_TEST(zones_of_one_name_are_compared_node_by_node)
{
	struct snap_zone za[3], zb[3];
	two_nodes(za, 150, 0);
	two_nodes(zb, 110, 40);
	p.a.zones = za;
	p.b.zones = zb;
	p.a.nr_zones = p.b.nr_zones = 3;
	compute();
	ck_assert_uint_eq(p.d.nr_zones, 1);
	ck_assert_uint_eq(p.d.zones[0].after.node, 1);
	ck_assert_uint_eq(p.d.zones[0].before.free_pages, 150);
	ck_assert_uint_eq(p.d.nr_nodes, 1);
	ck_assert_uint_eq(p.d.nodes[0].after.node, 1);
	ck_assert_uint_eq(p.d.nodes[0].after.numa[SNAP_NUMA_MISS], 40);
	ck_assert_uint_eq(p.d.differences, 2);
	json_object *j = snapdiff_json(&p.d);
	ck_assert_int_eq(at(j, "zones.DMA32_1.free_pages"), -40);
	ck_assert_int_eq(at(j, "nodes.1.free_pages"), -40);
	ck_assert_int_eq(at(j, "nodes.1.numa_miss"), 40);
	ck_assert_int_eq(at(j, "nodes.1.numa_hit"), 0);
	ck_assert(!json_object_object_get_ex(json_object_object_get(j, "nodes"), "0", NULL));
	json_object_put(j);
}
END_TEST

START_TEST(a_one_node_diff_lists_no_nodes)
{
	p.zb[0].numa[SNAP_NUMA_HIT] = 5;
	p.zb[0].free_pages = 3;
	compute();
	ck_assert_uint_eq(p.d.nr_zones, 1);
	ck_assert_uint_eq(p.d.nr_nodes, 0);
	ck_assert_uint_eq(p.d.differences, 1);
}
END_TEST

START_TEST(the_node_section_sums_each_node_s_zones)
{
	struct snap_zone z[3];
	two_nodes(z, 70, 9);
	json_object *j = recjson_nodes(z, 3);
	ck_assert_uint_eq(json_object_object_length(j), 2);
	ck_assert_int_eq(at(j, "0.free_pages"), 100);
	ck_assert_int_eq(at(j, "0.numa_local"), 50);
	ck_assert_int_eq(at(j, "1.free_pages"), 70);
	ck_assert_int_eq(at(j, "1.managed"), 200);
	ck_assert_int_eq(at(j, "1.numa_other"), 9);
	json_object_put(j);
	json_object *zones = recjson_zones(z, 3);
	ck_assert_int_eq(at(zones, "DMA32.node"), 0);
	ck_assert_int_eq(at(zones, "DMA32_1.node"), 1);
	ck_assert_int_eq(at(zones, "Normal_1.numa_miss"), 0);
	json_object_put(zones);
}
END_TEST

START_TEST(a_slab_record_of_an_impossible_order_has_no_bytes)
{
	struct snap_slab ok = { .name = "kmalloc-64", .order = 1, .nr_slabs = 3 };
	struct snap_slab bad = { .name = "hostile", .order = 0x41414141, .nr_slabs = 3 };
	json_object *j = recjson_slab(&ok), *k = recjson_slab(&bad);
	ck_assert_int_eq(at(j, "bytes"), 3 * 8192);
	ck_assert_int_eq(at(k, "bytes"), 0);
	json_object_put(j);
	json_object_put(k);
}
END_TEST

Suite *snapdiff_suite(void);
Suite *snapdiff_suite(void)
{
	Suite *s = suite_create("snapdiff");
	TCase *ranges = tcase_create("ranges");
	tcase_add_checked_fixture(ranges, setup, teardown);
	tcase_add_test(ranges, identical_snapshots_have_no_differences);
	tcase_add_test(ranges, adjacent_new_pages_with_the_same_flags_are_one_added_run);
	tcase_add_test(ranges, a_range_gone_from_b_is_removed_with_a_s_frames);
	tcase_add_test(ranges, changed_flags_and_frames_keep_the_old_values);
	tcase_add_test(ranges, a_space_only_in_b_is_new_and_all_added);
	suite_add_tcase(s, ranges);
	TCase *state = tcase_create("allocator state");
	tcase_add_checked_fixture(state, setup, teardown);
	tcase_add_test(state, only_zones_and_counters_that_changed_are_listed);
	tcase_add_test(state, slab_caches_are_listed_by_name_when_their_objects_changed);
	tcase_add_test(state, dirty_pages_are_known_only_when_every_slot_logged_them);
	suite_add_tcase(s, state);
	TCase *json = tcase_create("json");
	tcase_add_checked_fixture(json, setup, teardown);
	tcase_add_test(json, diff_json_names_zone_changes_as_the_stats_stream_does);
	tcase_add_test(json, a_zone_record_has_the_documented_keys);
	tcase_add_test(json, a_slab_record_of_an_impossible_order_has_no_bytes);
	suite_add_tcase(s, json);
	TCase *numa = tcase_create("numa nodes");
	tcase_add_checked_fixture(numa, setup, teardown);
	tcase_add_test(numa, zones_of_one_name_are_compared_node_by_node);
	tcase_add_test(numa, a_one_node_diff_lists_no_nodes);
	tcase_add_test(numa, the_node_section_sums_each_node_s_zones);
	suite_add_tcase(s, numa);
	return s;
}
