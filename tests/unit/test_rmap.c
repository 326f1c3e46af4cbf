/*
 * test_rmap.c: the reverse map (mm/rmap.c) over simulated address spaces:
 * an anonymous frame is found at its one address in every space mapping
 * it, or in the remembered space alone; a file frame through every area
 * mapping its file at its offset; a walk stops at mapcount mappings or
 * when the callback says so; pt_pte_slot finds 4 KiB slots only.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rmap.h"
#include "mm_port.h"
#include "port_host.h"

#define NR_SPACES 3
#define FIRST_PFN 0x100000ull   /* frames outside simulated RAM: only their addresses are used */
#define NR_PAGES 8

struct mm {
	struct pt_space pt;
	struct vma_tree vmas;
};
struct inode {
	int unused;
};

static struct mm spaces[NR_SPACES];
static struct page pages[NR_PAGES];
static struct buddy frames;             /* only pages and first_pfn: addresses */
static unsigned space_visits;           /* spaces for_each handed out */
static struct inode file_a, file_b;

static void for_each_space(void *ctx, rmap_space_fn fn, void *arg)
{
	(void)ctx;
	for (int i = 0; i < NR_SPACES; i++) {
		space_visits++;
		if (!fn(&spaces[i], arg))
			return;
	}
}

static struct pt_space *space_pt(struct mm *mm)
{
	return &mm->pt;
}

static const struct vma_tree *space_vmas(struct mm *mm)
{
	return &mm->vmas;
}

static const struct rmap_spaces test_spaces = {
	.for_each = for_each_space, .pt = space_pt, .vmas = space_vmas,
};
static const struct rmap r = { .buddy = &frames, .spaces = &test_spaces };

/* What a walk saw, in order. */
struct seen {
	unsigned n, stop_after;         /* stop_after 0: never stop */
	struct mm *mm[8];
	uint64_t va[8];
};

static bool record(struct mm *mm, pte_t *pte, uint64_t va, void *arg)
{
	struct seen *s = arg;

	ck_assert(*pte & PTE_P);
	s->mm[s->n] = mm;
	s->va[s->n] = va;
	s->n++;
	return !s->stop_after || s->n < s->stop_after;
}

static void setup(void)
{
	host_port_reset();
	for (int i = 0; i < NR_SPACES; i++) {
		ck_assert_int_eq(pt_init(&spaces[i].pt), 0);
		vma_tree_init(&spaces[i].vmas, malloc, free);
	}
	memset(pages, 0, sizeof(pages));
	frames.pages = pages;
	frames.first_pfn = FIRST_PFN;
	space_visits = 0;
}

static void teardown(void)
{
	for (int i = 0; i < NR_SPACES; i++) {
		pt_destroy(&spaces[i].pt);
		vma_tree_destroy(&spaces[i].vmas);
	}
	ck_assert_int_eq(host_tables_in_use, 0);
}

/* Maps page p at va in space i (4 KiB) and counts the mapping. */
static void map(int i, struct page *p, uint64_t va)
{
	ck_assert_int_eq(pt_map(&spaces[i].pt, va, buddy_page_to_phys(&frames, p), MM_PAGE_SIZE,
				PTE_RW | PTE_US, PT_SHIFT_4K), 0);
	rmap_add(p);
}

static struct page *anon_page(int n, uint64_t va)
{
	pages[n].flags = PG_ANON;
	pages[n].user.va = va;
	return &pages[n];
}

/* Space i maps file at [start, start + pages) from page index first. */
static void map_file_area(int i, struct inode *file, uint64_t start, uint64_t npages,
			  uint64_t first)
{
	struct vma v = { .start = start, .end = start + npages * MM_PAGE_SIZE,
			 .prot = VMA_READ, .file = file, .pgoff = first << MM_PAGE_SHIFT };

	ck_assert_int_eq(vma_insert(&spaces[i].vmas, &v), 0);
}

START_TEST(an_anonymous_frame_is_found_in_every_space_mapping_it)
{
	struct page *p = anon_page(0, 0x400000);
	struct seen s = { 0 };

	map(0, p, 0x400000);
	map(2, p, 0x400000);
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 2);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_ptr_eq(s.mm[0], &spaces[0]);
	ck_assert_ptr_eq(s.mm[1], &spaces[2]);
	ck_assert_uint_eq(s.va[1], 0x400000);
}
END_TEST

START_TEST(a_space_mapping_another_frame_at_the_address_is_skipped)
{
	struct page *p = anon_page(0, 0x400000), *other = anon_page(1, 0x400000);
	struct seen s = { 0 };

	map(0, other, 0x400000);
	map(1, p, 0x400000);
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 1);
	ck_assert_ptr_eq(s.mm[0], &spaces[1]);
}
END_TEST

START_TEST(the_remembered_space_of_a_single_mapping_is_the_only_one_asked)
{
	struct page *p = anon_page(0, 0x400000);
	struct seen s = { 0 };

	map(1, p, 0x400000);
	p->user.mm = &spaces[1];
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 1);
	ck_assert_ptr_eq(s.mm[0], &spaces[1]);
	ck_assert_uint_eq(space_visits, 0);
}
END_TEST

START_TEST(a_stale_remembered_space_falls_back_to_asking_every_space)
{
	struct page *p = anon_page(0, 0x400000);
	struct seen s = { 0 };

	map(2, p, 0x400000);
	p->user.mm = &spaces[0];        /* does not map it */
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 1);
	ck_assert_ptr_eq(s.mm[0], &spaces[2]);
	ck_assert_uint_eq(space_visits, 3);
}
END_TEST

START_TEST(a_walk_stops_after_mapcount_mappings)
{
	struct page *p = anon_page(0, 0x400000);
	struct seen s = { 0 };

	map(0, p, 0x400000);
	map(1, p, 0x400000);
	p->mapcount = 1;                /* the second mapping is on its way out */
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 1);
	ck_assert_uint_eq(space_visits, 1);
	p->mapcount = 2;
}
END_TEST

START_TEST(a_walk_stops_when_the_callback_says_so)
{
	struct page *p = anon_page(0, 0x400000);
	struct seen s = { .stop_after = 1 };

	for (int i = 0; i < NR_SPACES; i++)
		map(i, p, 0x400000);
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 1);
	ck_assert_uint_eq(s.n, 1);
}
END_TEST

START_TEST(an_unmapped_frame_visits_nothing)
{
	struct seen s = { 0 };

	ck_assert_uint_eq(rmap_walk(&r, anon_page(0, 0x400000), record, &s), 0);
	ck_assert_uint_eq(space_visits, 0);
}
END_TEST

START_TEST(a_file_frame_is_found_through_every_area_mapping_its_offset)
{
	struct page *p = &pages[3];
	struct seen s = { 0 };

	p->flags = PG_FILE;
	p->user.inode = &file_a;
	p->user.index = 5;
	map_file_area(0, &file_a, 0x10000000, 8, 0);     /* index 5 at +5 pages */
	map_file_area(0, &file_a, 0x20000000, 4, 4);     /* index 5 at +1 page */
	map_file_area(1, &file_b, 0x10000000, 8, 0);     /* another file */
	map_file_area(2, &file_a, 0x30000000, 2, 0);     /* offsets 0-1 only */
	map(0, p, 0x10005000);
	map(0, p, 0x20001000);
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 2);
	ck_assert_uint_eq(s.va[0], 0x10005000);
	ck_assert_uint_eq(s.va[1], 0x20001000);
}
END_TEST

START_TEST(a_file_area_whose_pte_maps_another_frame_is_passed_over)
{
	struct page *p = &pages[3], *copy = anon_page(4, 0x10005000);
	struct seen s = { 0 };

	p->flags = PG_FILE;
	p->user.inode = &file_a;
	p->user.index = 5;
	map_file_area(0, &file_a, 0x10000000, 8, 0);
	map_file_area(1, &file_a, 0x10000000, 8, 0);
	map(0, copy, 0x10005000);       /* a private copy replaced it here */
	map(1, p, 0x10005000);
	ck_assert_uint_eq(rmap_walk(&r, p, record, &s), 1);
	ck_assert_ptr_eq(s.mm[0], &spaces[1]);
}
END_TEST

START_TEST(pte_slot_needs_every_table_and_a_4k_leaf)
{
	pte_t *pde = NULL;

	ck_assert_ptr_null(pt_pte_slot(&spaces[0].pt, 0x400000, &pde));
	ck_assert_int_eq(pt_map(&spaces[0].pt, 0x400000, 0x200000, MM_PAGE_SIZE, PTE_RW,
				PT_SHIFT_4K), 0);
	pte_t *pte = pt_pte_slot(&spaces[0].pt, 0x401000, &pde);
	ck_assert_ptr_nonnull(pte);
	ck_assert_uint_eq(*pte, 0);                          /* same table, empty slot */
	ck_assert_uint_eq((*pde & PT_CNT_MASK) >> PT_CNT_SHIFT, 1);
	ck_assert_ptr_eq(pt_pte_slot(&spaces[0].pt, 0x400000, &pde), pte - 1);
	ck_assert_uint_eq(pte[-1] & PTE_ADDR_MASK, 0x200000);   /* the slot the mapping filled */
	ck_assert_ptr_null(pt_pte_slot(&spaces[0].pt, 0x400000 + (1ull << 39), &pde));
	ck_assert_int_eq(pt_map(&spaces[0].pt, 0x40000000, 0x40000000, 1ull << PT_SHIFT_2M,
				PTE_RW, PT_SHIFT_2M), 0);
	ck_assert_ptr_null(pt_pte_slot(&spaces[0].pt, 0x40001000, &pde));
}
END_TEST

START_TEST(mapcount_follows_add_and_remove_and_anon_frames_free_on_the_last)
{
	struct page *p = anon_page(0, 0);

	rmap_add(p);
	rmap_add(p);
	ck_assert(!rmap_remove(p));
	ck_assert(rmap_remove(p));
	ck_assert(rmap_frees_on_unmap(p));
	p->flags = PG_SHMEM;
	ck_assert(rmap_frees_on_unmap(p));
	p->flags = PG_FILE;
	ck_assert(!rmap_frees_on_unmap(p));
}
END_TEST

START_TEST(removing_an_unmapped_frame_panics)
{
	rmap_remove(anon_page(0, 0));
}
END_TEST

Suite *rmap_suite(void);
Suite *rmap_suite(void)
{
	Suite *suite = suite_create("rmap");
	TCase *tc = tcase_create("anon");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_anonymous_frame_is_found_in_every_space_mapping_it);
	tcase_add_test(tc, a_space_mapping_another_frame_at_the_address_is_skipped);
	tcase_add_test(tc, the_remembered_space_of_a_single_mapping_is_the_only_one_asked);
	tcase_add_test(tc, a_stale_remembered_space_falls_back_to_asking_every_space);
	tcase_add_test(tc, a_walk_stops_after_mapcount_mappings);
	tcase_add_test(tc, a_walk_stops_when_the_callback_says_so);
	tcase_add_test(tc, an_unmapped_frame_visits_nothing);
	suite_add_tcase(suite, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_file_frame_is_found_through_every_area_mapping_its_offset);
	tcase_add_test(tc, a_file_area_whose_pte_maps_another_frame_is_passed_over);
	suite_add_tcase(suite, tc);

	tc = tcase_create("counts");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pte_slot_needs_every_table_and_a_4k_leaf);
	tcase_add_test(tc, mapcount_follows_add_and_remove_and_anon_frames_free_on_the_last);
	tcase_add_test_raise_signal(tc, removing_an_unmapped_frame_panics, SIGABRT);
	suite_add_tcase(suite, tc);
	return suite;
}
