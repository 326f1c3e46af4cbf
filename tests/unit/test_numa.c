/*
 * test_numa.c: `run --numa SPEC` parsed as docs/numa.md describes it: the
 * even split and the explicit form, the vCPU placement, the distance
 * matrix, each refusal's message, and each node's GPA ranges around the
 * 3 GiB hole; then each node's host residency, measured on real guest
 * memory (memfd backing: no transparent huge page makes one write many
 * pages resident).
 */
#include "numa.h"

#include <check.h>
#include <errno.h>
#include <string.h>

static struct numa_config cfg;
static struct mv_error err;

static int parse(const char *spec, uint64_t ram, int cpus)
{
	memset(&err, 0, sizeof(err));
	return numa_parse(spec, ram, cpus, &cfg, &err);
}

/* spec is refused and the message contains words. */
static void assert_refused(const char *spec, uint64_t ram, int cpus, const char *words)
{
	ck_assert_int_eq(parse(spec, ram, cpus), -EINVAL);
	ck_assert_msg(strstr(err.msg, words), "'%s': \"%s\" does not say \"%s\"", spec, err.msg,
		      words);
	ck_assert_int_eq(cfg.nr_nodes, 0);
}

START_TEST(a_node_count_splits_ram_evenly_and_the_vcpus_in_blocks)
{
	ck_assert_int_eq(parse("2", 64 * MiB, 4), 0);
	ck_assert_int_eq(cfg.nr_nodes, 2);
	ck_assert_uint_eq(cfg.size[0], 32 * MiB);
	ck_assert_uint_eq(cfg.size[1], 32 * MiB);
	const uint8_t want[] = { 0, 0, 1, 1 };
	ck_assert_mem_eq(cfg.cpu_node, want, sizeof(want));
	ck_assert_uint_eq(cfg.distance[0][0], 10);
	ck_assert_uint_eq(cfg.distance[0][1], 20);
	ck_assert_uint_eq(cfg.distance[1][0], 20);
}
END_TEST

START_TEST(an_uneven_split_gives_the_last_node_the_remainder_in_whole_pages)
{
	ck_assert_int_eq(parse("3", 64 * MiB, 1), 0);
	ck_assert_uint_eq(cfg.size[0] % 4096, 0);
	ck_assert_uint_eq(cfg.size[0], cfg.size[1]);
	ck_assert_uint_eq(cfg.size[0] + cfg.size[1] + cfg.size[2], 64 * MiB);
	ck_assert_uint_lt(cfg.size[2] - cfg.size[0], 3 * 4096);
	ck_assert_uint_eq(cfg.cpu_node[0], 0);
}
END_TEST

START_TEST(the_explicit_form_takes_sizes_vcpu_lists_ranges_and_a_matrix)
{
	ck_assert_int_eq(parse("0:48M:cpus=0,3,1:16M:cpus=1-2,dist=10,21,21,10", 64 * MiB, 4), 0);
	ck_assert_int_eq(cfg.nr_nodes, 2);
	ck_assert_uint_eq(cfg.size[0], 48 * MiB);
	ck_assert_uint_eq(cfg.size[1], 16 * MiB);
	const uint8_t want[] = { 0, 1, 1, 0 };
	ck_assert_mem_eq(cfg.cpu_node, want, sizeof(want));
	ck_assert_uint_eq(cfg.distance[0][1], 21);
	ck_assert_uint_eq(cfg.distance[1][1], 10);
}
END_TEST

START_TEST(nodes_without_cpus_lists_get_the_vcpus_in_blocks)
{
	ck_assert_int_eq(parse("0:16M,1:16M,2:32M", 64 * MiB, 3), 0);
	const uint8_t want[] = { 0, 1, 2 };
	ck_assert_mem_eq(cfg.cpu_node, want, sizeof(want));
}
END_TEST

START_TEST(sizes_that_do_not_add_up_to_the_ram_are_refused)
{
	assert_refused("0:48M:cpus=0,1,1:8M:cpus=2,3", 64 * MiB, 4,
		       "add up to 56M, not -m 64M");
	assert_refused("0:48M,1:32M", 64 * MiB, 1, "add up to 80M");
}
END_TEST

START_TEST(an_unknown_unplaced_or_doubly_placed_vcpu_is_refused)
{
	assert_refused("0:32M:cpus=0,1,1:32M:cpus=2,5", 64 * MiB, 4, "vCPU 5");
	assert_refused("0:32M:cpus=0,1,1:32M:cpus=2", 64 * MiB, 4, "vCPU 3 is in no node");
	assert_refused("0:32M:cpus=0-2,1:32M:cpus=2,3", 64 * MiB, 4, "vCPU 2 is in nodes 0 and 1");
	assert_refused("0:32M:cpus=3-1,1:32M", 64 * MiB, 4, "backwards");
	assert_refused("0:32M:cpus=a,1:32M", 64 * MiB, 4, "not a vCPU");
}
END_TEST

START_TEST(a_malformed_distance_matrix_is_refused)
{
	assert_refused("2,dist=10,20,20", 64 * MiB, 1, "3 numbers; 2 nodes need 4");
	assert_refused("2,dist=11,20,20,10", 64 * MiB, 1, "node 0 to itself is 11");
	assert_refused("2,dist=10,10,20,10", 64 * MiB, 1, "node 0 to node 1 is 10");
	assert_refused("2,dist=10,255,20,10", 64 * MiB, 1, "is 255");
	assert_refused("2,dist=10,x,20,10", 64 * MiB, 1, "'x' is not a number");
	assert_refused("2,dist=10,20,20,10,dist=10", 64 * MiB, 1, "two dist=");
}
END_TEST

START_TEST(malformed_node_lists_are_refused)
{
	assert_refused("1:64M", 64 * MiB, 1, "out of order");
	assert_refused("0:64Q", 64 * MiB, 1, "node 0");
	assert_refused("0:32M:cpu=0,1:32M", 64 * MiB, 1, "not cpus=LIST");
	assert_refused("0:62M,1:2M", 64 * MiB, 1, "at least 4M");
	assert_refused("9", 64 * MiB, 1, "from 1 to 8");
	assert_refused("2,0:32M", 64 * MiB, 1, "after a node count");
	assert_refused("", 64 * MiB, 1, "empty");
	assert_refused("junk", 64 * MiB, 1, "neither");
}
END_TEST

/* A save file's record of a layout (numa_check_layout): what numa_parse
 * gave is accepted and laid out the same; what no spec could give is not. */
START_TEST(a_recorded_layout_is_checked_and_laid_out_as_its_spec_was)
{
	ck_assert_int_eq(parse("0:40M:cpus=0-1,1:24M:cpus=2,dist=10,31,31,10", 64 * MiB, 3), 0);
	struct numa_config parsed = cfg, rec = { .nr_nodes = cfg.nr_nodes, .nr_cpus = cfg.nr_cpus };
	memcpy(rec.size, cfg.size, sizeof(rec.size));
	memcpy(rec.distance, cfg.distance, sizeof(rec.distance));
	memcpy(rec.cpu_node, cfg.cpu_node, sizeof(rec.cpu_node));
	cfg = rec;
	ck_assert_int_eq(numa_check_layout(&cfg, 64 * MiB, &err), 0);
	ck_assert_int_eq(cfg.nr_ranges, parsed.nr_ranges);
	ck_assert_mem_eq(cfg.ranges, parsed.ranges, sizeof(parsed.ranges[0]) * (size_t)cfg.nr_ranges);

	cfg = rec;
	ck_assert_int_eq(numa_check_layout(&cfg, 128 * MiB, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "add up to 64M, not -m 128M"), "%s", err.msg);
	ck_assert_int_eq(cfg.nr_nodes, 0);
	cfg = rec;
	cfg.cpu_node[2] = 2;
	ck_assert_int_eq(numa_check_layout(&cfg, 64 * MiB, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "vCPU 2 is on node 2; there are 2 nodes"), "%s", err.msg);
	cfg = rec;
	cfg.distance[0][1] = 9;
	ck_assert_int_eq(numa_check_layout(&cfg, 64 * MiB, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "node 0 to node 1 is 9"), "%s", err.msg);
	cfg = rec;
	cfg.nr_nodes = 9;
	ck_assert_int_eq(numa_check_layout(&cfg, 64 * MiB, &err), -EINVAL);
}
END_TEST

START_TEST(each_node_gets_the_gpa_ranges_of_its_share_of_ram)
{
	ck_assert_int_eq(parse("2", 64 * MiB, 1), 0);
	ck_assert_int_eq(cfg.nr_ranges, 2);
	ck_assert_uint_eq(cfg.ranges[0].gpa, 0);
	ck_assert_uint_eq(cfg.ranges[1].gpa, 32 * MiB);
	ck_assert_int_eq(numa_node_of(&cfg, 32 * MiB - 1), 0);
	ck_assert_int_eq(numa_node_of(&cfg, 32 * MiB), 1);
	ck_assert_int_eq(numa_node_of(&cfg, 64 * MiB), -1);
}
END_TEST

START_TEST(a_node_across_the_3_gib_hole_has_two_ranges)
{
	ck_assert_int_eq(parse("0:2G,1:2G", 4 * GiB, 1), 0);
	ck_assert_int_eq(cfg.nr_ranges, 3);
	ck_assert_uint_eq(cfg.ranges[1].gpa, 2 * GiB);
	ck_assert_uint_eq(cfg.ranges[1].size, 1 * GiB);
	ck_assert_int_eq(cfg.ranges[1].node, 1);
	ck_assert_uint_eq(cfg.ranges[2].gpa, MEM_HIGH_BASE);
	ck_assert_uint_eq(cfg.ranges[2].size, 1 * GiB);
	ck_assert_int_eq(numa_node_of(&cfg, MEM_LOW_TOP), -1);
	ck_assert_int_eq(numa_node_of(&cfg, MEM_HIGH_BASE), 1);
}
END_TEST

/* Writes one byte into each of n pages from gpa on. */
static void touch(const struct guest_memory *m, uint64_t gpa, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(mem_write(m, gpa + i * 4096ull, "x", 1), 0);
}

static void resident_of(const struct guest_memory *m, uint64_t want0, uint64_t want1)
{
	uint64_t resident[NUMA_MAX_NODES];
	ck_assert_int_eq(numa_resident_pages(&cfg, m, resident), 0);
	ck_assert_uint_eq(resident[0], want0);
	ck_assert_uint_eq(resident[1], want1);
}

START_TEST(each_node_s_residency_counts_the_pages_written_in_its_ram)
{
	struct guest_memory m;
	ck_assert_int_eq(parse("2", 16 * MiB, 1), 0);
	ck_assert_int_eq(mem_init(&m, 16 * MiB, MEM_BACKING_MEMFD, &err), 0);
	resident_of(&m, 0, 0);
	touch(&m, 8 * MiB, 300);
	touch(&m, 0, 20);
	resident_of(&m, 20, 300);
	ck_assert_int_eq(mem_discard(&m, 8 * MiB, 100 * 4096), 0);
	resident_of(&m, 20, 200);
	mem_destroy(&m);
}
END_TEST

START_TEST(a_node_across_the_hole_counts_both_of_its_ranges)
{
	struct guest_memory m;
	ck_assert_int_eq(parse("0:2G,1:2G", 4 * GiB, 1), 0);
	ck_assert_int_eq(mem_init(&m, 4 * GiB, MEM_BACKING_MEMFD, &err), 0);
	touch(&m, 2 * GiB - 4096, 1);      /* node 0's last page */
	touch(&m, 2 * GiB, 5);             /* node 1, below the hole */
	touch(&m, MEM_HIGH_BASE, 7);       /* node 1, above it */
	resident_of(&m, 1, 12);
	mem_destroy(&m);
}
END_TEST

START_TEST(a_guest_node_is_bound_only_on_a_host_with_several)
{
	ck_assert_int_eq(numa_host_node_of(1, 1), -1);
	ck_assert_int_eq(numa_host_node_of(0, 2), 0);
	ck_assert_int_eq(numa_host_node_of(3, 2), 1);
}
END_TEST

Suite *numa_suite(void);
Suite *numa_suite(void)
{
	Suite *s = suite_create("numa");
	TCase *spec = tcase_create("spec");
	tcase_add_test(spec, a_node_count_splits_ram_evenly_and_the_vcpus_in_blocks);
	tcase_add_test(spec, an_uneven_split_gives_the_last_node_the_remainder_in_whole_pages);
	tcase_add_test(spec, the_explicit_form_takes_sizes_vcpu_lists_ranges_and_a_matrix);
	tcase_add_test(spec, nodes_without_cpus_lists_get_the_vcpus_in_blocks);
	tcase_add_test(spec, sizes_that_do_not_add_up_to_the_ram_are_refused);
	tcase_add_test(spec, an_unknown_unplaced_or_doubly_placed_vcpu_is_refused);
	tcase_add_test(spec, a_malformed_distance_matrix_is_refused);
	tcase_add_test(spec, malformed_node_lists_are_refused);
	tcase_add_test(spec, a_recorded_layout_is_checked_and_laid_out_as_its_spec_was);
	suite_add_tcase(s, spec);
	TCase *layout = tcase_create("layout");
	tcase_add_test(layout, each_node_gets_the_gpa_ranges_of_its_share_of_ram);
	tcase_add_test(layout, a_node_across_the_3_gib_hole_has_two_ranges);
	suite_add_tcase(s, layout);
	TCase *host = tcase_create("host memory");
	tcase_add_test(host, each_node_s_residency_counts_the_pages_written_in_its_ram);
	tcase_add_test(host, a_node_across_the_hole_counts_both_of_its_ranges);
	tcase_add_test(host, a_guest_node_is_bound_only_on_a_host_with_several);
	suite_add_tcase(s, host);
	return s;
}
