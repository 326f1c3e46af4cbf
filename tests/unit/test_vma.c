/*
 * test_vma.c: the VMA array (mm/vma.c): insert with overlap rejection and
 * merging, lookup, partial removal and protection and NUMA policy changes
 * that split and merge, stack/brk edge moves, top-down gap search, and allocation failure
 * leaving the tree unchanged.
 */
#include <check.h>
#include <stdlib.h>

#include "vma.h"

#define P(n) ((uint64_t)(n) * MM_PAGE_SIZE)
#define RW (VMA_READ | VMA_WRITE)

static struct vma_tree t;
static int fail_allocs;     /* when set, every allocation fails */
static char file_a, file_b; /* two distinct "files" */

static void *test_alloc(size_t n)
{
	return fail_allocs ? NULL : malloc(n);
}

static void setup(void)
{
	fail_allocs = 0;
	vma_tree_init(&t, test_alloc, free);
}

static void teardown(void)
{
	ck_assert_int_eq(vma_check(&t), 0);
	vma_tree_destroy(&t);
}

static int add(uint64_t start, uint64_t end, uint32_t prot, const void *file, uint64_t pgoff)
{
	struct vma v = { .start = start, .end = end, .prot = prot, .file = file, .pgoff = pgoff };
	return vma_insert(&t, &v);
}

static void assert_area(uint32_t i, uint64_t start, uint64_t end, uint32_t prot)
{
	struct vma *v = vma_at(&t, i);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->start, start);
	ck_assert_uint_eq(v->end, end);
	ck_assert_uint_eq(v->prot, prot);
}

START_TEST(lookup_finds_the_area_containing_an_address_and_nothing_in_holes)
{
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(add(P(10 * i), P(10 * i + 5), (unsigned)i % 2 ? RW : VMA_READ,
				     NULL, 0), 0);
	ck_assert_uint_eq(t.nr, 100);
	for (int i = 0; i < 100; i++) {
		ck_assert_uint_eq(vma_lookup(&t, P(10 * i) + 123)->start, P(10 * i));
		ck_assert_uint_eq(vma_lookup(&t, P(10 * i + 5) - 1)->start, P(10 * i));
		ck_assert_ptr_null(vma_lookup(&t, P(10 * i + 5)));
		if (i < 99)
			ck_assert_uint_eq(vma_find(&t, P(10 * i + 5))->start, P(10 * i + 10));
	}
	ck_assert_ptr_null(vma_find(&t, P(995)));
}
END_TEST

START_TEST(overlapping_and_malformed_inserts_are_rejected)
{
	ck_assert_int_eq(add(P(10), P(20), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(5), P(11), RW, NULL, 0), -MM_EEXIST);
	ck_assert_int_eq(add(P(19), P(30), RW, NULL, 0), -MM_EEXIST);
	ck_assert_int_eq(add(P(12), P(13), RW, NULL, 0), -MM_EEXIST);
	ck_assert_int_eq(add(P(0), P(40), RW, NULL, 0), -MM_EEXIST);
	ck_assert_int_eq(add(P(30), P(30), RW, NULL, 0), -MM_EINVAL);
	ck_assert_int_eq(add(P(30) + 1, P(31), RW, NULL, 0), -MM_EINVAL);
	ck_assert_uint_eq(t.nr, 1);
}
END_TEST

START_TEST(adjacent_compatible_areas_merge_and_incompatible_ones_do_not)
{
	ck_assert_int_eq(add(P(10), P(20), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(30), P(40), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(20), P(30), RW, NULL, 0), 0);   /* bridges both */
	ck_assert_uint_eq(t.nr, 1);
	assert_area(0, P(10), P(40), RW);
	ck_assert_int_eq(add(P(40), P(50), VMA_READ, NULL, 0), 0); /* other prot */
	ck_assert_int_eq(add(P(50), P(60), VMA_READ, &file_a, P(0)), 0); /* file */
	ck_assert_int_eq(add(P(60), P(70), VMA_READ, &file_a, P(20)), 0); /* offset jumps */
	ck_assert_int_eq(add(P(70), P(80), VMA_READ, &file_a, P(30)), 0); /* continues */
	ck_assert_int_eq(add(P(80), P(90), VMA_READ, &file_b, P(40)), 0); /* other file */
	ck_assert_uint_eq(t.nr, 5);
	assert_area(3, P(60), P(80), VMA_READ);
}
END_TEST

START_TEST(removing_the_middle_of_an_area_splits_it_with_the_right_file_offset)
{
	ck_assert_int_eq(add(P(10), P(20), VMA_READ, &file_a, P(100)), 0);
	ck_assert_int_eq(vma_remove(&t, P(13), P(15)), 0);
	ck_assert_uint_eq(t.nr, 2);
	assert_area(0, P(10), P(13), VMA_READ);
	assert_area(1, P(15), P(20), VMA_READ);
	ck_assert_uint_eq(vma_at(&t, 0)->pgoff, P(100));
	ck_assert_uint_eq(vma_at(&t, 1)->pgoff, P(105));
	ck_assert_ptr_null(vma_lookup(&t, P(14)));
}
END_TEST

START_TEST(removing_a_range_over_several_areas_trims_the_edges_and_drops_the_inside)
{
	ck_assert_int_eq(add(P(0), P(10), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(20), P(30), VMA_READ, NULL, 0), 0);
	ck_assert_int_eq(add(P(40), P(50), RW, &file_a, 0), 0);
	ck_assert_int_eq(vma_remove(&t, P(5), P(45)), 0);
	ck_assert_uint_eq(t.nr, 2);
	assert_area(0, P(0), P(5), RW);
	assert_area(1, P(45), P(50), RW);
	ck_assert_uint_eq(vma_at(&t, 1)->pgoff, P(5));
	ck_assert_int_eq(vma_remove(&t, P(100), P(200)), 0);   /* a hole: fine */
	ck_assert_uint_eq(t.nr, 2);
}
END_TEST

START_TEST(protecting_part_of_an_area_splits_it_and_restoring_merges_it_again)
{
	ck_assert_int_eq(add(P(10), P(20), RW, NULL, 0), 0);
	ck_assert_int_eq(vma_protect(&t, P(12), P(14), VMA_READ), 0);
	ck_assert_uint_eq(t.nr, 3);
	assert_area(0, P(10), P(12), RW);
	assert_area(1, P(12), P(14), VMA_READ);
	assert_area(2, P(14), P(20), RW);
	ck_assert_int_eq(vma_protect(&t, P(12), P(14), RW), 0);
	ck_assert_uint_eq(t.nr, 1);
	assert_area(0, P(10), P(20), RW);
}
END_TEST

START_TEST(protecting_a_range_with_a_hole_fails_with_enomem_and_changes_nothing)
{
	ck_assert_int_eq(add(P(10), P(20), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(21), P(30), RW, NULL, 0), 0);
	ck_assert_int_eq(vma_protect(&t, P(15), P(25), 0), -MM_ENOMEM);
	ck_assert_uint_eq(t.nr, 2);
	assert_area(0, P(10), P(20), RW);
	assert_area(1, P(21), P(30), RW);
}
END_TEST

START_TEST(a_split_that_cannot_allocate_leaves_the_tree_unchanged)
{
	for (int i = 0; i < 8; i++)      /* fills the first array exactly */
		ck_assert_int_eq(add(P(10 * i), P(10 * i + 5), RW, NULL, 0), 0);
	fail_allocs = 1;
	ck_assert_int_eq(vma_remove(&t, P(1), P(2)), -MM_ENOMEM);
	ck_assert_int_eq(vma_protect(&t, P(1), P(2), VMA_READ), -MM_ENOMEM);
	ck_assert_int_eq(add(P(100), P(101), RW, NULL, 0), -MM_ENOMEM);
	ck_assert_uint_eq(t.nr, 8);
	for (int i = 0; i < 8; i++)
		assert_area((uint32_t)i, P(10 * i), P(10 * i + 5), RW);
	ck_assert_int_eq(vma_remove(&t, P(0), P(5)), 0);        /* no split: fine */
	ck_assert_uint_eq(t.nr, 7);
}
END_TEST

START_TEST(a_stack_grows_down_to_its_neighbour_and_brk_moves_the_heap_end)
{
	ck_assert_int_eq(add(P(100), P(110), RW, NULL, 0), 0);
	struct vma stack = { .start = P(200), .end = P(210), .prot = RW, .flags = VMA_GROWSDOWN };
	ck_assert_int_eq(vma_insert(&t, &stack), 0);
	ck_assert_int_eq(vma_set_start(&t, P(200), P(150)), 0);
	ck_assert_uint_eq(vma_lookup(&t, P(150))->start, P(150));
	ck_assert_int_eq(vma_set_start(&t, P(150), P(105)), -MM_EEXIST);
	ck_assert_int_eq(vma_set_end(&t, P(110), P(120)), 0);
	ck_assert_uint_eq(vma_lookup(&t, P(100))->end, P(120));
	ck_assert_int_eq(vma_set_end(&t, P(120), P(151)), -MM_EEXIST);
	ck_assert_int_eq(vma_set_end(&t, P(120), P(101)), 0);
	ck_assert_int_eq(vma_set_end(&t, P(101), P(100)), -MM_EINVAL);
}
END_TEST

START_TEST(top_down_placement_takes_the_highest_gap_that_fits_below_a_stack_guard)
{
	uint64_t at;
	struct vma stack = { .start = P(1000), .end = P(1010), .prot = RW, .flags = VMA_GROWSDOWN };
	ck_assert_int_eq(vma_insert(&t, &stack), 0);
	ck_assert_int_eq(add(P(900), P(950), RW, NULL, 0), 0);
	ck_assert_int_eq(vma_find_gap_topdown(&t, P(10), P(0), P(2000), P(100), &at), 0);
	ck_assert_uint_eq(at, P(1990));      /* above everything */
	ck_assert_int_eq(vma_find_gap_topdown(&t, P(10), P(0), P(1000), P(100), &at), 0);
	ck_assert_uint_eq(at, P(890));       /* [950, 1000) is inside the guard gap */
	ck_assert_int_eq(vma_find_gap_topdown(&t, P(11), P(0), P(960), 0, &at), 0);
	ck_assert_uint_eq(at, P(889));       /* [950, 960) is too small */
	ck_assert_int_eq(vma_find_gap_topdown(&t, P(10), P(0), P(970), 0, &at), 0);
	ck_assert_uint_eq(at, P(960));
	ck_assert_int_eq(vma_find_gap_topdown(&t, P(901), P(0), P(1000), P(100), &at), -MM_ENOMEM);
	ck_assert(vma_range_free(&t, P(950), P(1000)));
	ck_assert(!vma_range_free(&t, P(949), P(1000)));
}
END_TEST

START_TEST(clone_copies_every_area)
{
	struct vma_tree c;
	ck_assert_int_eq(add(P(1), P(2), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(3), P(4), VMA_READ, &file_a, 0), 0);
	vma_tree_init(&c, test_alloc, free);
	ck_assert_int_eq(vma_tree_clone(&c, &t), 0);
	ck_assert_uint_eq(c.nr, 2);
	ck_assert_uint_eq(vma_lookup(&c, P(3))->end, P(4));
	ck_assert_ptr_eq(vma_lookup(&c, P(3))->file, &file_a);
	ck_assert_ptr_ne(c.v, t.v);
	vma_tree_destroy(&c);
}
END_TEST

START_TEST(binding_part_of_an_area_splits_it_and_the_default_policy_merges_it_again)
{
	const struct mempolicy bind1 = { .mode = 2, .nodes = 2 }, none = { 0 };
	ck_assert_int_eq(add(P(10), P(20), RW, NULL, 0), 0);
	ck_assert_int_eq(vma_set_policy(&t, P(12), P(14), &bind1), 0);
	ck_assert_uint_eq(t.nr, 3);
	assert_area(1, P(12), P(14), RW);
	ck_assert_uint_eq(vma_at(&t, 1)->policy.mode, 2);
	ck_assert_uint_eq(vma_at(&t, 1)->policy.nodes, 2);
	ck_assert_uint_eq(vma_at(&t, 0)->policy.mode, 0);
	ck_assert_uint_eq(vma_at(&t, 2)->policy.mode, 0);
	ck_assert_int_eq(vma_set_policy(&t, P(12), P(14), &none), 0);
	ck_assert_uint_eq(t.nr, 1);
	assert_area(0, P(10), P(20), RW);
}
END_TEST

START_TEST(areas_with_different_node_masks_do_not_merge_and_a_clone_keeps_each_policy)
{
	const struct mempolicy bind0 = { .mode = 2, .nodes = 1 }, bind1 = { .mode = 2, .nodes = 2 };
	struct vma_tree c;
	ck_assert_int_eq(add(P(1), P(4), RW, NULL, 0), 0);
	ck_assert_int_eq(vma_set_policy(&t, P(1), P(2), &bind0), 0);
	ck_assert_int_eq(vma_set_policy(&t, P(2), P(4), &bind1), 0);
	ck_assert_uint_eq(t.nr, 2);
	vma_tree_init(&c, test_alloc, free);
	ck_assert_int_eq(vma_tree_clone(&c, &t), 0);
	ck_assert_uint_eq(vma_lookup(&c, P(1))->policy.nodes, 1);
	ck_assert_uint_eq(vma_lookup(&c, P(3))->policy.nodes, 2);
	vma_tree_destroy(&c);
}
END_TEST

START_TEST(a_range_is_covered_only_without_a_hole)
{
	const struct mempolicy bind0 = { .mode = 2, .nodes = 1 };
	ck_assert_int_eq(add(P(10), P(20), RW, NULL, 0), 0);
	ck_assert_int_eq(add(P(20), P(30), VMA_READ, NULL, 0), 0);
	ck_assert_int_eq(add(P(31), P(40), RW, NULL, 0), 0);
	ck_assert(vma_range_covered(&t, P(12), P(30)));
	ck_assert(!vma_range_covered(&t, P(12), P(31)));
	ck_assert(!vma_range_covered(&t, P(5), P(12)));
	ck_assert_int_eq(vma_set_policy(&t, P(25), P(35), &bind0), -MM_ENOMEM);
	ck_assert_uint_eq(t.nr, 3);
}
END_TEST

Suite *vma_suite(void);
Suite *vma_suite(void)
{
	Suite *s = suite_create("vma");
	TCase *tc = tcase_create("vma");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lookup_finds_the_area_containing_an_address_and_nothing_in_holes);
	tcase_add_test(tc, overlapping_and_malformed_inserts_are_rejected);
	tcase_add_test(tc, adjacent_compatible_areas_merge_and_incompatible_ones_do_not);
	tcase_add_test(tc, removing_the_middle_of_an_area_splits_it_with_the_right_file_offset);
	tcase_add_test(tc, removing_a_range_over_several_areas_trims_the_edges_and_drops_the_inside);
	tcase_add_test(tc, protecting_part_of_an_area_splits_it_and_restoring_merges_it_again);
	tcase_add_test(tc, protecting_a_range_with_a_hole_fails_with_enomem_and_changes_nothing);
	tcase_add_test(tc, a_split_that_cannot_allocate_leaves_the_tree_unchanged);
	tcase_add_test(tc, a_stack_grows_down_to_its_neighbour_and_brk_moves_the_heap_end);
	tcase_add_test(tc, top_down_placement_takes_the_highest_gap_that_fits_below_a_stack_guard);
	tcase_add_test(tc, clone_copies_every_area);
	tcase_add_test(tc, binding_part_of_an_area_splits_it_and_the_default_policy_merges_it_again);
	tcase_add_test(tc, areas_with_different_node_masks_do_not_merge_and_a_clone_keeps_each_policy);
	tcase_add_test(tc, a_range_is_covered_only_without_a_hole);
	suite_add_tcase(s, tc);
	return s;
}
