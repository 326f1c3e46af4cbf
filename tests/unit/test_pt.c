/*
 * test_pt.c: x86-64 page tables on the host port: map, map_best, unmap,
 * protect and lookup over 4 KiB, 2 MiB and 1 GiB pages; splitting large
 * pages; freeing emptied tables; errors and rollback; walk; kernel-half
 * sharing; a randomized run against a reference model of 4 KiB pages;
 * through the port's TLB model, no CPU keeps a stale translation.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "port_host.h"
#include "pt.h"

#define K4 (1ull << PT_SHIFT_4K)
#define M2 (1ull << PT_SHIFT_2M)
#define G1 (1ull << PT_SHIFT_1G)
#define UVA 0x100000000ull           /* a 1 GiB aligned user address */
#define KVA 0xffff888000000000ull    /* the direct map */
#define PA  0x40000000ull            /* a 1 GiB aligned frame address */
#define FL  (PTE_RW | PTE_NX)

static struct pt_space S;

static void setup(void)
{
	host_port_reset();
	ck_assert_int_eq(pt_init(&S), 0);
}

static void teardown(void)
{
	if (S.root)
		pt_destroy(&S);
	ck_assert_int_eq(host_tables_in_use, 0);
}

/* Asserts that va translates to pa with a page of 1 << shift and flags. */
static void expect_mapped(uint64_t va, uint64_t pa, unsigned shift, uint64_t flags)
{
	struct pt_mapping m;

	ck_assert_int_eq(pt_lookup(&S, va, &m), 0);
	ck_assert_uint_eq(m.va, va & ~((1ull << shift) - 1));
	ck_assert_uint_eq(m.pa + (va - m.va), pa);
	ck_assert_uint_eq(m.shift, shift);
	ck_assert_uint_eq(m.flags, flags | PTE_P);
}

static void expect_unmapped(uint64_t va)
{
	struct pt_mapping m;

	ck_assert_int_eq(pt_lookup(&S, va, &m), -MM_ENOENT);
}

/* The raw leaf entry for va, read by walking the tables by hand. */
static pte_t raw_leaf(uint64_t va, int *level)
{
	pte_t *t = mm_phys_to_virt(S.root);

	for (*level = 4; *level >= 1; --*level) {
		pte_t e = t[(va >> (12 + 9 * (*level - 1))) & 511];

		if (!(e & PTE_P) || *level == 1 || (e & PTE_PS))
			return e;
		t = mm_phys_to_virt(e & PTE_ADDR_MASK);
	}
	return 0;
}

/* Leaves per page size and mapped bytes, collected by pt_walk. */
struct tally {
	int n[3];          /* 4K, 2M, 1G */
	uint64_t bytes;
	uint64_t next_va;  /* walk order: each leaf starts at or past this */
};

static int tally_fn(const struct pt_mapping *m, void *arg)
{
	struct tally *t = arg;

	if (m->va < t->next_va)
		return -1; /* out of order: tally()'s assertion fails */
	t->next_va = m->va + (1ull << m->shift);
	t->n[(m->shift - 12) / 9]++;
	t->bytes += 1ull << m->shift;
	return 0;
}

static struct tally tally(uint64_t va, uint64_t len)
{
	struct tally t = { 0 };

	ck_assert_int_eq(pt_walk(&S, va, len, tally_fn, &t), 0);
	return t;
}

/* Asserts how many leaves of each size pt_walk finds in [va, va+len). */
static void expect_leaves(uint64_t va, uint64_t len, int n4k, int n2m, int n1g)
{
	struct tally t = tally(va, len);

	ck_assert_int_eq(t.n[0], n4k);
	ck_assert_int_eq(t.n[1], n2m);
	ck_assert_int_eq(t.n[2], n1g);
}

/* ---- map and lookup -------------------------------------------------- */

START_TEST(map_4k_page_is_found_by_lookup_at_every_offset)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, FL, PT_SHIFT_4K), 0);
	expect_mapped(UVA, PA, 12, FL);
	expect_mapped(UVA + 0xfff, PA + 0xfff, 12, FL);
	expect_unmapped(UVA + K4);
	expect_unmapped(UVA - K4);
	ck_assert_int_eq(S.table_pages, 4);
	ck_assert_int_eq(host_tables_in_use, 4);
}
END_TEST

START_TEST(map_2m_pages_translate_every_offset_inside)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 2 * M2, FL | PTE_US, PT_SHIFT_2M), 0);
	expect_mapped(UVA, PA, 21, FL | PTE_US);
	expect_mapped(UVA + M2 + 0x12345, PA + M2 + 0x12345, 21, FL | PTE_US);
	expect_unmapped(UVA + 2 * M2);
	ck_assert_int_eq(S.table_pages, 3);
}
END_TEST

START_TEST(map_1g_page_needs_only_a_pdpt)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, G1, FL, PT_SHIFT_1G), 0);
	expect_mapped(UVA + G1 - 1, PA + G1 - 1, 30, FL);
	ck_assert_int_eq(S.table_pages, 2);
}
END_TEST

START_TEST(map_accepts_present_bit_and_kernel_addresses)
{
	ck_assert_int_eq(pt_map(&S, KVA, PA, M2, PTE_P | PTE_RW | PTE_G, PT_SHIFT_2M), 0);
	expect_mapped(KVA + 5, PA + 5, 21, PTE_RW | PTE_G);
}
END_TEST

START_TEST(map_of_the_last_page_of_the_address_space_works)
{
	uint64_t va = ~0ull - K4 + 1;

	ck_assert_int_eq(pt_map(&S, va, PA, K4, FL, PT_SHIFT_4K), 0);
	expect_mapped(~0ull, PA + K4 - 1, 12, FL);
	ck_assert_int_eq(pt_unmap(&S, va, K4), 0);
	expect_unmapped(va);
}
END_TEST

START_TEST(pat_lives_in_bit_12_of_large_pages_and_bit_7_of_4k_pages)
{
	int level;
	pte_t e;

	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, PTE_PAT | PTE_RW, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_map(&S, UVA + M2, PA, K4, PTE_PAT, PT_SHIFT_4K), 0);
	e = raw_leaf(UVA, &level);
	ck_assert_int_eq(level, 2);
	ck_assert(e & PTE_PS);
	ck_assert(e & PTE_PAT_LARGE);
	ck_assert_uint_eq(e & PTE_ADDR_MASK & ~(M2 - 1), PA);
	expect_mapped(UVA, PA, 21, PTE_PAT | PTE_RW);
	e = raw_leaf(UVA + M2, &level);
	ck_assert_int_eq(level, 1);
	ck_assert(e & PTE_PAT);
	ck_assert_uint_eq(e & PTE_ADDR_MASK, PA);
	expect_mapped(UVA + M2, PA, 12, PTE_PAT);
}
END_TEST

START_TEST(map_does_not_flush_the_tlb)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 64 * K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(host_tlb_page_flushes + host_tlb_full_flushes, 0);
}
END_TEST

/* ---- map_best ------------------------------------------------------------ */

START_TEST(map_best_uses_1g_pages_where_both_addresses_allow)
{
	uint64_t len = 2 * G1 + 3 * M2 + 5 * K4;

	ck_assert_int_eq(pt_map_best(&S, UVA, PA, len, FL, true), 0);
	expect_leaves(UVA, len, 5, 3, 2);
	ck_assert_uint_eq(tally(UVA, len).bytes, len);
	expect_mapped(UVA + 2 * G1 + 3 * M2 + 4 * K4, PA + 2 * G1 + 3 * M2 + 4 * K4, 12, FL);
}
END_TEST

START_TEST(map_best_without_allow_1g_uses_2m_pages)
{
	ck_assert_int_eq(pt_map_best(&S, UVA, PA, G1, FL, false), 0);
	expect_leaves(UVA, G1, 0, 512, 0);
}
END_TEST

START_TEST(map_best_uses_small_pages_at_unaligned_edges)
{
	uint64_t va = UVA + G1 - M2 - 2 * K4, len = 2 * K4 + M2 + G1 + M2 + 3 * K4;

	ck_assert_int_eq(pt_map_best(&S, va, PA + (va - UVA), len, FL, true), 0);
	expect_leaves(va, len, 5, 2, 1);
	expect_mapped(UVA + G1, PA + G1, 30, FL);
	expect_mapped(va, PA + (va - UVA), 12, FL);
}
END_TEST

START_TEST(map_best_falls_back_to_4k_when_pa_is_not_2m_aligned_with_va)
{
	ck_assert_int_eq(pt_map_best(&S, UVA, PA + K4, 2 * M2, FL, true), 0);
	expect_leaves(UVA, 2 * M2, 1024, 0, 0);
	expect_mapped(UVA + M2, PA + K4 + M2, 12, FL);
}
END_TEST

START_TEST(map_best_uses_2m_when_pa_is_2m_but_not_1g_aligned_with_va)
{
	ck_assert_int_eq(pt_map_best(&S, UVA, PA + M2, G1, FL, true), 0);
	expect_leaves(UVA, G1, 0, 512, 0);
}
END_TEST

/* ---- unmap and splitting --------------------------------------------------- */

START_TEST(unmap_of_everything_leaves_only_the_root)
{
	ck_assert_int_eq(pt_map_best(&S, UVA - M2 - K4, PA - M2 - K4, 3 * G1, FL, true), 0);
	ck_assert_int_eq(pt_map(&S, 0x7fff00000000ull, PA, 8 * K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_gt(S.table_pages, 4);
	ck_assert_int_eq(pt_unmap(&S, 0, 1ull << 47), 0);
	ck_assert_int_eq(S.table_pages, 1);
	ck_assert_int_eq(host_tables_in_use, 1);
	ck_assert_int_eq(tally(0, 1ull << 47).bytes, 0);
}
END_TEST

START_TEST(unmap_of_holes_succeeds_and_changes_nothing)
{
	ck_assert_int_eq(pt_unmap(&S, UVA, G1), 0);
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA + K4, 7 * K4), 0);
	expect_mapped(UVA, PA, 12, FL);
	ck_assert_int_eq(host_tlb_page_flushes + host_tlb_full_flushes, 0);
}
END_TEST

START_TEST(unmap_inside_a_2m_page_splits_it_and_keeps_the_neighbours)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, FL | PTE_G, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA + 4 * K4, K4), 0);
	expect_unmapped(UVA + 4 * K4);
	expect_mapped(UVA + 3 * K4, PA + 3 * K4, 12, FL | PTE_G);
	expect_mapped(UVA + 5 * K4, PA + 5 * K4, 12, FL | PTE_G);
	expect_mapped(UVA + M2 - 1, PA + M2 - 1, 12, FL | PTE_G);
	expect_leaves(UVA, M2, 511, 0, 0);
	ck_assert_int_eq(S.table_pages, 4);
}
END_TEST

START_TEST(unmap_inside_a_1g_page_splits_down_to_4k_only_where_needed)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, G1, FL, PT_SHIFT_1G), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA + 3 * M2 + K4, K4), 0);
	expect_unmapped(UVA + 3 * M2 + K4);
	expect_mapped(UVA + 3 * M2, PA + 3 * M2, 12, FL);
	expect_mapped(UVA + 3 * M2 + 2 * K4, PA + 3 * M2 + 2 * K4, 12, FL);
	expect_mapped(UVA + 4 * M2, PA + 4 * M2, 21, FL);
	expect_mapped(UVA, PA, 21, FL);
	expect_leaves(UVA, G1, 511, 511, 0);
	ck_assert_uint_eq(tally(UVA, G1).bytes, G1 - K4);
}
END_TEST

START_TEST(unmap_of_a_whole_large_page_frees_no_split_table)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 2 * M2, FL, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA, M2), 0);
	ck_assert_int_eq(S.table_pages, 3);
	expect_mapped(UVA + M2, PA + M2, 21, FL);
	ck_assert_int_eq(host_tlb_page_flushes, 1);
}
END_TEST

START_TEST(unmap_flushes_each_page_then_everything_past_the_threshold)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 2 * M2, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA, PT_FLUSH_ALL_PAGES * K4), 0);
	ck_assert_int_eq(host_tlb_page_flushes, PT_FLUSH_ALL_PAGES);
	ck_assert_int_eq(host_tlb_full_flushes, 0);
	ck_assert_int_eq(pt_unmap(&S, UVA, 2 * M2), 0);
	ck_assert_int_eq(host_tlb_page_flushes, PT_FLUSH_ALL_PAGES);
	ck_assert_int_eq(host_tlb_full_flushes, 1);
	ck_assert_int_eq(S.table_pages, 1);
}
END_TEST

/* ---- protect ------------------------------------------------------------- */

START_TEST(protect_sets_and_clears_flags_on_every_page_size)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_map(&S, UVA + M2, PA, M2, FL, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_map(&S, UVA + G1, PA, G1, FL, PT_SHIFT_1G), 0);
	ck_assert_int_eq(pt_protect(&S, UVA, 2 * G1, PTE_US | PTE_PAT, PTE_RW), 0);
	expect_mapped(UVA, PA, 12, PTE_NX | PTE_US | PTE_PAT);
	expect_mapped(UVA + M2, PA, 21, PTE_NX | PTE_US | PTE_PAT);
	expect_mapped(UVA + G1, PA, 30, PTE_NX | PTE_US | PTE_PAT);
	ck_assert_int_eq(host_tlb_page_flushes, 3);
}
END_TEST

START_TEST(protect_inside_a_2m_page_splits_it_and_the_neighbours_keep_their_flags)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, PTE_RW | PTE_PAT, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_protect(&S, UVA + K4, 2 * K4, PTE_NX, PTE_RW), 0);
	expect_mapped(UVA, PA, 12, PTE_RW | PTE_PAT);
	expect_mapped(UVA + K4, PA + K4, 12, PTE_NX | PTE_PAT);
	expect_mapped(UVA + 2 * K4, PA + 2 * K4, 12, PTE_NX | PTE_PAT);
	expect_mapped(UVA + 3 * K4, PA + 3 * K4, 12, PTE_RW | PTE_PAT);
}
END_TEST

START_TEST(split_moves_pat_to_bit_7_and_never_carries_ps_into_4k_ptes)
{
	int level;
	pte_t e;

	ck_assert_int_eq(pt_map(&S, UVA, PA, G1, PTE_RW | PTE_PAT, PT_SHIFT_1G), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA + K4, K4), 0);
	e = raw_leaf(UVA + M2, &level);
	ck_assert_int_eq(level, 2);
	ck_assert(e & PTE_PS);
	ck_assert(e & PTE_PAT_LARGE);
	ck_assert_uint_eq(e & PTE_ADDR_MASK & ~(M2 - 1), PA + M2);
	e = raw_leaf(UVA + 2 * K4, &level);
	ck_assert_int_eq(level, 1);
	ck_assert_uint_eq(e, (PA + 2 * K4) | PTE_P | PTE_RW | PTE_PAT);
}
END_TEST

START_TEST(split_without_pat_leaves_bit_7_clear_in_4k_ptes)
{
	int level;

	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, PTE_RW, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_protect(&S, UVA, K4, 0, PTE_RW), 0);
	ck_assert_uint_eq(raw_leaf(UVA + K4, &level), (PA + K4) | PTE_P | PTE_RW);
	ck_assert_int_eq(level, 1);
}
END_TEST

START_TEST(protect_that_changes_nothing_flushes_nothing)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 4 * K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_protect(&S, UVA, 4 * K4, PTE_RW, 0), 0);
	ck_assert_int_eq(host_tlb_page_flushes + host_tlb_full_flushes, 0);
}
END_TEST

/* ---- errors ------------------------------------------------------------ */

START_TEST(map_over_an_existing_page_fails_and_keeps_it)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, FL, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_map(&S, UVA + K4, 0, K4, 0, PT_SHIFT_4K), -MM_EEXIST);
	ck_assert_int_eq(pt_map(&S, UVA, 0, G1, 0, PT_SHIFT_1G), -MM_EEXIST);
	ck_assert_int_eq(pt_map(&S, UVA - K4, 0, 2 * K4, 0, PT_SHIFT_4K), -MM_EEXIST);
	ck_assert_int_eq(pt_map_best(&S, UVA - M2, 0, 3 * M2, 0, true), -MM_EEXIST);
	expect_mapped(UVA + K4, PA + K4, 21, FL);
	expect_unmapped(UVA - K4);
	expect_unmapped(UVA - M2);
	ck_assert_int_eq(S.table_pages, 3);
	ck_assert_int_eq(host_tables_in_use, 3);
}
END_TEST

START_TEST(map_overlapping_the_end_of_its_range_rolls_back_the_start)
{
	ck_assert_int_eq(pt_map(&S, UVA + 2 * G1, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_map_best(&S, UVA, PA, 2 * G1 + K4, 0, true), -MM_EEXIST);
	ck_assert_int_eq(tally(UVA, 3 * G1).bytes, K4);
	ck_assert_int_eq(S.table_pages, 4);
	ck_assert_int_eq(pt_map(&S, UVA + 2 * G1 - 8 * K4, PA, 9 * K4, 0, PT_SHIFT_4K),
			 -MM_EEXIST);
	ck_assert_int_eq(tally(UVA, 3 * G1).bytes, K4);
	ck_assert_int_eq(S.table_pages, 4);
	expect_mapped(UVA + 2 * G1, PA, 12, FL);
}
END_TEST

START_TEST(invalid_arguments_are_rejected)
{
	struct pt_mapping m;

	ck_assert_int_eq(pt_map(&S, UVA + 1, PA, K4, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA + 1, K4, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4 + 1, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA, 0, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA + K4, PA, M2, 0, PT_SHIFT_2M), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA + M2, G1, 0, PT_SHIFT_1G), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, 0, 13), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, 0, 39), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, 1ull << PTE_PKEY_SHIFT, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, 1ull << 9, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, 0x800000000000ull, PA, K4, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, 0x7ffffffff000ull, PA, 2 * K4, 0, PT_SHIFT_4K),
			 -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, ~0ull - K4 + 1, PA, 2 * K4, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, 1ull << 52, K4, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map(&S, UVA, ~0ull - K4 + 1, 2 * K4, 0, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_map_best(&S, UVA, PA, K4 / 2, 0, true), -MM_EINVAL);
	ck_assert_int_eq(pt_unmap(&S, UVA + 8, K4), -MM_EINVAL);
	ck_assert_int_eq(pt_unmap(&S, UVA, 0), -MM_EINVAL);
	ck_assert_int_eq(pt_unmap(&S, 0, ~0ull - K4 + 1), -MM_EINVAL);
	ck_assert_int_eq(pt_protect(&S, UVA, K4, PTE_P, 0), -MM_EINVAL);
	ck_assert_int_eq(pt_protect(&S, UVA, K4, 0, PTE_PS << 2), -MM_EINVAL);
	ck_assert_int_eq(pt_protect(&S, UVA, K4 - 1, 0, 0), -MM_EINVAL);
	ck_assert_int_eq(pt_walk(&S, UVA, 0, tally_fn, NULL), -MM_EINVAL);
	ck_assert_int_eq(pt_lookup(&S, 0x800000000000ull, &m), -MM_ENOENT);
	ck_assert_int_eq(S.table_pages, 1);
	ck_assert_int_eq(host_tlb_page_flushes + host_tlb_full_flushes, 0);
}
END_TEST

/* Maps a range with the table pool limited to each size in turn. */
START_TEST(running_out_of_tables_mid_map_leaves_nothing_mapped_or_leaked)
{
	uint64_t va = 0x7fff80000000ull - 3 * M2, len = G1 + 6 * M2;
	int err = -MM_ENOMEM;

	for (long limit = 1; err == -MM_ENOMEM; limit++) {
		host_table_alloc_limit = limit;
		err = pt_map(&S, va, PA, len, FL, PT_SHIFT_4K);
		if (err == -MM_ENOMEM) {
			ck_assert_int_eq(tally(va, len).bytes, 0);
			ck_assert_int_eq(S.table_pages, 1);
			ck_assert_int_eq(host_tables_in_use, 1);
		}
	}
	ck_assert_int_eq(err, 0);
	ck_assert_uint_eq(tally(va, len).bytes, len);
}
END_TEST

START_TEST(running_out_of_tables_mid_map_best_leaves_other_mappings_alone)
{
	/* Gets the tables for its first 4K page, maps 1G, fails at the end. */
	ck_assert_int_eq(pt_map(&S, UVA + G1 + M2, PA, K4, FL, PT_SHIFT_4K), 0);
	host_table_alloc_limit = host_tables_in_use + 2;
	ck_assert_int_eq(pt_map_best(&S, UVA - K4, PA - K4, G1 + 2 * K4, FL, true),
			 -MM_ENOMEM);
	host_table_alloc_limit = -1;
	ck_assert_int_eq(tally(0, 1ull << 47).bytes, K4);
	ck_assert_int_eq(S.table_pages, 4);
	ck_assert_int_eq(host_tables_in_use, 4);
	expect_mapped(UVA + G1 + M2, PA, 12, FL);
}
END_TEST

START_TEST(running_out_of_tables_in_a_split_changes_no_translation)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, G1, FL, PT_SHIFT_1G), 0);
	host_table_alloc_limit = host_tables_in_use + 1;
	ck_assert_int_eq(pt_unmap(&S, UVA + K4, K4), -MM_ENOMEM);
	ck_assert_int_eq(pt_protect(&S, UVA + K4, K4, 0, PTE_RW), -MM_ENOMEM);
	host_table_alloc_limit = -1;
	expect_mapped(UVA + K4, PA + K4, 21, FL);
	ck_assert_uint_eq(tally(UVA, G1).bytes, G1);
	ck_assert_int_eq(pt_unmap(&S, UVA + K4, K4), 0);
	expect_unmapped(UVA + K4);
}
END_TEST

/* ---- walk ------------------------------------------------------------------ */

static uint64_t walked[16];
static int nwalked;

static int record_fn(const struct pt_mapping *m, void *arg)
{
	(void)arg;
	walked[nwalked++] = m->va;
	return nwalked == 3 ? 42 : 0;
}

START_TEST(walk_visits_leaves_in_address_order_including_a_straddling_one)
{
	struct tally t;

	ck_assert_int_eq(pt_map(&S, UVA + G1, PA, G1, FL, PT_SHIFT_1G), 0);
	ck_assert_int_eq(pt_map(&S, UVA + 5 * K4, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_map(&S, UVA + M2, PA, M2, FL, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_map(&S, 0x10000, PA, K4, FL, PT_SHIFT_4K), 0);
	t = tally(0x10000, UVA + G1 + 1 - 0x10000);
	ck_assert_int_eq(t.n[0] + t.n[1] + t.n[2], 4);
	ck_assert_uint_eq(t.next_va, UVA + 2 * G1);
	expect_leaves(UVA + M2 + 5, 1, 0, 1, 0);
}
END_TEST

START_TEST(walk_stops_at_the_first_non_zero_return_and_passes_it_on)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 8 * K4, FL, PT_SHIFT_4K), 0);
	nwalked = 0;
	ck_assert_int_eq(pt_walk(&S, UVA, G1, record_fn, NULL), 42);
	ck_assert_int_eq(nwalked, 3);
	ck_assert_uint_eq(walked[2], UVA + 2 * K4);
}
END_TEST

START_TEST(walk_covers_the_kernel_half_up_to_the_last_byte)
{
	ck_assert_int_eq(pt_map(&S, ~0ull - G1 + 1, PA, G1, FL, PT_SHIFT_1G), 0);
	ck_assert_int_eq(pt_map(&S, KVA, PA, M2, FL, PT_SHIFT_2M), 0);
	expect_leaves(0xffff800000000000ull, 1ull << 47, 0, 1, 1);
}
END_TEST

/* ---- tables and sharing ------------------------------------------------------ */

START_TEST(destroy_frees_every_table_of_a_busy_space)
{
	ck_assert_int_eq(pt_map_best(&S, UVA + K4, PA + K4, G1 + M2, FL, true), 0);
	ck_assert_int_eq(pt_map(&S, KVA, PA, M2, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(host_tables_in_use, S.table_pages);
	pt_destroy(&S);
	ck_assert_int_eq(host_tables_in_use, 0);
	ck_assert_int_eq(S.table_pages, 0);
}
END_TEST

START_TEST(kernel_half_pdpts_survive_unmap_so_sharers_stay_valid)
{
	ck_assert_int_eq(pt_map(&S, KVA, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_unmap(&S, KVA, K4), 0);
	ck_assert_int_eq(S.table_pages, 2);
	ck_assert_int_eq(pt_prealloc_kernel(&S, 0xffffc90000000000ull, 1ull << 40), 0);
	ck_assert_int_eq(S.table_pages, 4);
	ck_assert_int_eq(pt_prealloc_kernel(&S, UVA, K4), -MM_EINVAL);
}
END_TEST

START_TEST(a_space_sharing_the_kernel_half_sees_it_but_does_not_own_it)
{
	struct pt_space u;

	ck_assert_int_eq(pt_map(&S, KVA, PA, G1, FL | PTE_G, PT_SHIFT_2M), 0);
	ck_assert_int_eq(pt_prealloc_kernel(&S, 0xffffc90000000000ull, G1), 0);
	ck_assert_int_eq(pt_init(&u), 0);
	pt_share_kernel(&u, &S);
	ck_assert_int_eq(pt_map(&S, 0xffffc90000000000ull, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_map(&u, UVA, PA, K4, FL | PTE_US, PT_SHIFT_4K), 0);

	struct pt_mapping m;
	ck_assert_int_eq(pt_lookup(&u, KVA + M2, &m), 0);
	ck_assert_uint_eq(m.pa, PA + M2);
	ck_assert_int_eq(pt_lookup(&u, 0xffffc90000000000ull, &m), 0);
	ck_assert_int_eq(pt_map(&u, KVA + G1, PA, K4, FL, PT_SHIFT_4K), -MM_EINVAL);
	ck_assert_int_eq(pt_unmap(&u, KVA, K4), -MM_EINVAL);
	ck_assert_int_eq(pt_protect(&u, KVA, K4, 0, PTE_RW), -MM_EINVAL);
	ck_assert_int_eq(u.table_pages, 4);

	long before = host_tables_in_use;
	pt_destroy(&u);
	ck_assert_int_eq(host_tables_in_use, before - 4);
	expect_mapped(KVA + M2, PA + M2, 21, FL | PTE_G);
}
END_TEST

START_TEST(sharing_again_shows_kernel_slots_filled_since)
{
	struct pt_space u;
	struct pt_mapping m;

	ck_assert_int_eq(pt_init(&u), 0);
	pt_share_kernel(&u, &S);
	ck_assert_int_eq(pt_map(&S, KVA, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_lookup(&u, KVA, &m), -MM_ENOENT);
	pt_share_kernel(&u, &S);
	ck_assert_int_eq(pt_lookup(&u, KVA, &m), 0);
	pt_destroy(&u);
}
END_TEST

START_TEST(sharing_into_a_space_with_its_own_kernel_mappings_panics)
{
	struct pt_space u;

	ck_assert_int_eq(pt_init(&u), 0);
	ck_assert_int_eq(pt_map(&u, KVA, PA, K4, FL, PT_SHIFT_4K), 0);
	pt_share_kernel(&u, &S);
}
END_TEST

START_TEST(unmapping_a_full_kernel_pte_table_frees_it_but_keeps_the_pdpt)
{
	ck_assert_int_eq(pt_map(&S, KVA, PA, M2, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_unmap(&S, KVA, G1), 0);
	ck_assert_int_eq(S.table_pages, 2);
	ck_assert_int_eq(host_tlb_full_flushes, 1);
	ck_assert_int_eq(tally(KVA, G1).bytes, 0);
}
END_TEST

START_TEST(prealloc_out_of_tables_keeps_what_it_got_until_destroy)
{
	host_table_alloc_limit = 2;
	ck_assert_int_eq(pt_prealloc_kernel(&S, KVA, 4ull << 39), -MM_ENOMEM);
	host_table_alloc_limit = -1;
	ck_assert_int_eq(S.table_pages, 2);
	ck_assert_int_eq(pt_prealloc_kernel(&S, KVA, 4ull << 39), 0);
	ck_assert_int_eq(S.table_pages, 5);
}
END_TEST

/* ---- randomized, against a model of 4 KiB pages --------------------------------- */

#define WIN      (0x8000000000ull - 2 * G1) /* straddles two PML4 slots */
#define WIN_LEN  (4 * G1)
#define WIN_PAGES (WIN_LEN / K4)

struct model_page {
	uint64_t pa;
	uint64_t flags; /* 0: unmapped; else as lookup reports them */
};

static struct model_page *model;
static uint64_t model_mapped;
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static uint64_t rnd_flags(void)
{
	static const uint64_t bits[] = { PTE_RW, PTE_US, PTE_PWT, PTE_PCD, PTE_A,
					 PTE_D, PTE_PAT, PTE_G, PTE_NX };
	uint64_t f = 0, r = rnd();

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (r & (1u << i))
			f |= bits[i];
	return f;
}

static bool model_any(uint64_t va, uint64_t len)
{
	for (uint64_t p = (va - WIN) / K4; p < (va - WIN + len) / K4; p++)
		if (model[p].flags)
			return true;
	return false;
}

static void model_map(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags)
{
	for (uint64_t i = 0; i < len / K4; i++) {
		struct model_page *mp = &model[(va - WIN) / K4 + i];

		mp->pa = pa + i * K4;
		mp->flags = flags | PTE_P;
		model_mapped++;
	}
}

static void model_change(uint64_t va, uint64_t len, bool unmap, uint64_t set,
			 uint64_t clear)
{
	for (uint64_t p = (va - WIN) / K4; p < (va - WIN + len) / K4; p++) {
		if (!model[p].flags)
			continue;
		if (unmap) {
			model[p].flags = 0;
			model_mapped--;
		} else {
			model[p].flags = (model[p].flags | set) & ~clear;
		}
	}
}

/*
 * Checks each leaf against the model and counts the tables its leaves need.
 * Plain comparisons here: a ck_assert per page would dominate the run.
 */
struct verify {
	uint64_t pages, next_va, bad;
	long tables;
	uint64_t last_pt, last_pd, last_pdpt; /* region + 1 of the last counted */
};

static void count_table(uint64_t *last, uint64_t region, long *tables)
{
	if (*last != region + 1) {
		*last = region + 1;
		++*tables;
	}
}

static int verify_fn(const struct pt_mapping *m, void *arg)
{
	struct verify *v = arg;
	uint64_t size = 1ull << m->shift;
	const struct model_page *mp = &model[(m->va - WIN) / K4];

	if (m->va < v->next_va || m->va < WIN || m->va + size > WIN + WIN_LEN)
		return 1;
	v->next_va = m->va + size;
	for (uint64_t i = 0; i < size / K4; i++)
		v->bad += mp[i].flags != m->flags || mp[i].pa != m->pa + i * K4;
	v->pages += size / K4;
	if (m->shift == PT_SHIFT_4K)
		count_table(&v->last_pt, m->va >> 21, &v->tables);
	if (m->shift <= PT_SHIFT_2M)
		count_table(&v->last_pd, m->va >> 30, &v->tables);
	count_table(&v->last_pdpt, m->va >> 39, &v->tables);
	return 0;
}

static void verify_all(void)
{
	struct verify v = { 0 };

	ck_assert_int_eq(pt_walk(&S, 0, 1ull << 47, verify_fn, &v), 0);
	ck_assert_uint_eq(v.bad, 0);
	ck_assert_uint_eq(v.pages, model_mapped);
	ck_assert_int_eq(S.table_pages, 1 + v.tables);
	ck_assert_int_eq(host_tables_in_use, S.table_pages);
}

static void verify_some_lookups(void)
{
	for (int i = 0; i < 8; i++) {
		uint64_t va = WIN + rnd_below(WIN_LEN);
		struct model_page *mp = &model[(va - WIN) / K4];
		struct pt_mapping m;
		int err = pt_lookup(&S, va, &m);

		if (!mp->flags) {
			ck_assert_int_eq(err, -MM_ENOENT);
			continue;
		}
		ck_assert_int_eq(err, 0);
		ck_assert_uint_eq(m.pa + (va - m.va), mp->pa + va % K4);
		ck_assert_uint_eq(m.flags, mp->flags);
	}
}

/* A random range in the window aligned to align, of 1..max_units units. */
static void rnd_range(uint64_t align, uint64_t max_units, uint64_t *va, uint64_t *len)
{
	uint64_t units = 1 + rnd_below(max_units);

	if (units * align > WIN_LEN)
		units = WIN_LEN / align;
	*len = units * align;
	*va = WIN + rnd_below((WIN_LEN - *len) / align + 1) * align;
}

static void random_map(bool low_memory)
{
	static const unsigned shifts[] = { 12, 12, 12, 21, 21, 30 };
	unsigned shift = shifts[rnd_below(6)];
	bool best = rnd_below(4) == 0;
	uint64_t va, len, flags = rnd_flags(), pa;
	int err;

	if (best) {
		rnd_range(K4, rnd_below(8) ? 600 : 400000, &va, &len);
		pa = va + (rnd_below(3) ? rnd_below(8) * G1 : rnd_below(64) * K4 * 511);
		err = pt_map_best(&S, va, pa, len, flags, rnd_below(2));
	} else {
		rnd_range(1ull << shift, shift == 12 ? 300 : shift == 21 ? 6 : 1, &va, &len);
		pa = rnd_below(1ull << 28) << shift & ((1ull << 48) - 1);
		err = pt_map(&S, va, pa, len, flags, shift);
	}
	if (err == -MM_ENOMEM && low_memory)
		return;
	ck_assert_int_eq(err, model_any(va, len) ? -MM_EEXIST : 0);
	if (!err)
		model_map(va, pa, len, flags);
}

static void random_change(bool low_memory)
{
	bool unmap = rnd_below(2);
	uint64_t va, len, set = rnd_flags() & rnd_flags(), clear = rnd_flags() & rnd_flags();
	int err;

	rnd_range(K4, rnd_below(8) ? 700 : WIN_PAGES, &va, &len);
	err = unmap ? pt_unmap(&S, va, len) : pt_protect(&S, va, len, set, clear);
	if (err == -MM_ENOMEM && low_memory)
		return;
	ck_assert_int_eq(err, 0);
	model_change(va, len, unmap, set, clear);
}

START_TEST(random_operations_agree_with_a_model_of_4k_pages)
{
	model = calloc(WIN_PAGES, sizeof(*model));
	ck_assert_ptr_nonnull(model);
	model_mapped = 0;
	rng ^= (uint64_t)(_i + 1) * 0xbf58476d1ce4e5b9ull;
	for (int op = 0; op < 3000; op++) {
		bool low_memory = rnd_below(10) == 0;

		if (low_memory)
			host_table_alloc_limit = host_tables_in_use + (long)rnd_below(3);
		if (rnd_below(2))
			random_map(low_memory);
		else
			random_change(low_memory);
		host_table_alloc_limit = -1;
		verify_some_lookups();
		if (op % 64 == 0)
			verify_all();
	}
	verify_all();
	ck_assert_int_eq(pt_unmap(&S, WIN, WIN_LEN), 0);
	ck_assert_int_eq(S.table_pages, 1);
	free(model);
}
END_TEST

/* ---- through the host port's TLB model: every change is flushed -------- */

START_TEST(the_tlb_model_serves_a_stale_translation_until_a_flush)
{
	pte_t *pde, *pte;

	ck_assert_int_eq(pt_map(&S, UVA, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_uint_eq(host_tlb_read(0, &S, UVA + 8), PA | FL | PTE_P);
	pte = pt_pte_slot(&S, UVA, &pde);
	*pte = 0;                                   /* changed without a flush */
	ck_assert_uint_eq(host_tlb_read(0, &S, UVA), PA | FL | PTE_P);
	ck_assert_uint_eq(host_tlb_read(1, &S, UVA), 0);    /* never cached there */
	mm_tlb_flush_page(&S, UVA);
	ck_assert_uint_eq(host_tlb_read(0, &S, UVA), 0);
	*pde -= 1ull << PT_CNT_SHIFT;               /* the entry this test removed */
}
END_TEST

START_TEST(unmap_leaves_no_cpu_a_stale_translation)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, 4 * K4, FL, PT_SHIFT_4K), 0);
	for (unsigned cpu = 0; cpu < 3; cpu++)
		ck_assert_uint_eq(host_tlb_read(cpu, &S, UVA + K4), (PA + K4) | FL | PTE_P);
	ck_assert_int_eq(pt_unmap(&S, UVA + K4, K4), 0);
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		ck_assert_uint_eq(host_tlb_read(cpu, &S, UVA + K4), 0);
		ck_assert_uint_eq(host_tlb_read(cpu, &S, UVA), PA | FL | PTE_P);
	}
}
END_TEST

START_TEST(write_protection_reaches_every_cpu)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, FL, PT_SHIFT_4K), 0);
	ck_assert(host_tlb_read(0, &S, UVA + 5 * K4) & PTE_RW);
	ck_assert(host_tlb_read(1, &S, UVA + 5 * K4) & PTE_RW);
	ck_assert_int_eq(pt_protect(&S, UVA, M2, 0, PTE_RW), 0);
	ck_assert(!(host_tlb_read(0, &S, UVA + 5 * K4) & PTE_RW));
	ck_assert(!(host_tlb_read(1, &S, UVA + 5 * K4) & PTE_RW));
}
END_TEST

START_TEST(splitting_a_large_page_drops_its_cached_translation)
{
	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, FL, PT_SHIFT_2M), 0);
	ck_assert_uint_eq(host_tlb_read(2, &S, UVA + 7 * K4), (PA + 7 * K4) | FL | PTE_P);
	ck_assert_int_eq(pt_unmap(&S, UVA + 7 * K4, K4), 0);
	ck_assert_uint_eq(host_tlb_read(2, &S, UVA + 7 * K4), 0);
	ck_assert_uint_eq(host_tlb_read(2, &S, UVA + 8 * K4), (PA + 8 * K4) | FL | PTE_P);
}
END_TEST

START_TEST(a_large_unmap_flushes_everything_of_that_space_only)
{
	struct pt_space other;

	ck_assert_int_eq(pt_init(&other), 0);
	ck_assert_int_eq(pt_map(&other, UVA, PA, K4, FL, PT_SHIFT_4K), 0);
	ck_assert_int_eq(pt_map(&S, UVA, PA, M2, FL, PT_SHIFT_4K), 0);
	ck_assert_uint_ne(host_tlb_read(0, &other, UVA), 0);
	ck_assert_uint_ne(host_tlb_read(0, &S, UVA + M2 - K4), 0);
	ck_assert_int_eq(pt_unmap(&S, UVA, M2), 0);
	ck_assert_int_eq(host_tlb_full_flushes, 1);
	ck_assert_uint_eq(host_tlb_read(0, &S, UVA + M2 - K4), 0);
	host_tlb_hits = 0;
	ck_assert_uint_eq(host_tlb_read(0, &other, UVA), PA | FL | PTE_P);
	ck_assert_int_eq(host_tlb_hits, 1);
	pt_destroy(&other);
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	suite_add_tcase(s, tc);
	return tc;
}

Suite *pt_suite(void);
Suite *pt_suite(void)
{
	Suite *s = suite_create("pt");
	TCase *tc;

	tc = tcase(s, "tlb model");
	tcase_add_test(tc, the_tlb_model_serves_a_stale_translation_until_a_flush);
	tcase_add_test(tc, unmap_leaves_no_cpu_a_stale_translation);
	tcase_add_test(tc, write_protection_reaches_every_cpu);
	tcase_add_test(tc, splitting_a_large_page_drops_its_cached_translation);
	tcase_add_test(tc, a_large_unmap_flushes_everything_of_that_space_only);

	tc = tcase(s, "map");
	tcase_add_test(tc, map_4k_page_is_found_by_lookup_at_every_offset);
	tcase_add_test(tc, map_2m_pages_translate_every_offset_inside);
	tcase_add_test(tc, map_1g_page_needs_only_a_pdpt);
	tcase_add_test(tc, map_accepts_present_bit_and_kernel_addresses);
	tcase_add_test(tc, map_of_the_last_page_of_the_address_space_works);
	tcase_add_test(tc, pat_lives_in_bit_12_of_large_pages_and_bit_7_of_4k_pages);
	tcase_add_test(tc, map_does_not_flush_the_tlb);

	tc = tcase(s, "map_best");
	tcase_add_test(tc, map_best_uses_1g_pages_where_both_addresses_allow);
	tcase_add_test(tc, map_best_without_allow_1g_uses_2m_pages);
	tcase_add_test(tc, map_best_uses_small_pages_at_unaligned_edges);
	tcase_add_test(tc, map_best_falls_back_to_4k_when_pa_is_not_2m_aligned_with_va);
	tcase_add_test(tc, map_best_uses_2m_when_pa_is_2m_but_not_1g_aligned_with_va);

	tc = tcase(s, "unmap");
	tcase_add_test(tc, unmap_of_everything_leaves_only_the_root);
	tcase_add_test(tc, unmap_of_holes_succeeds_and_changes_nothing);
	tcase_add_test(tc, unmap_inside_a_2m_page_splits_it_and_keeps_the_neighbours);
	tcase_add_test(tc, unmap_inside_a_1g_page_splits_down_to_4k_only_where_needed);
	tcase_add_test(tc, unmap_of_a_whole_large_page_frees_no_split_table);
	tcase_add_test(tc, unmap_flushes_each_page_then_everything_past_the_threshold);

	tc = tcase(s, "protect");
	tcase_add_test(tc, protect_sets_and_clears_flags_on_every_page_size);
	tcase_add_test(tc, protect_inside_a_2m_page_splits_it_and_the_neighbours_keep_their_flags);
	tcase_add_test(tc, split_moves_pat_to_bit_7_and_never_carries_ps_into_4k_ptes);
	tcase_add_test(tc, split_without_pat_leaves_bit_7_clear_in_4k_ptes);
	tcase_add_test(tc, protect_that_changes_nothing_flushes_nothing);

	tc = tcase(s, "errors");
	tcase_add_test(tc, map_over_an_existing_page_fails_and_keeps_it);
	tcase_add_test(tc, map_overlapping_the_end_of_its_range_rolls_back_the_start);
	tcase_add_test(tc, invalid_arguments_are_rejected);
	tcase_add_test(tc, running_out_of_tables_mid_map_leaves_nothing_mapped_or_leaked);
	tcase_add_test(tc, running_out_of_tables_mid_map_best_leaves_other_mappings_alone);
	tcase_add_test(tc, running_out_of_tables_in_a_split_changes_no_translation);

	tc = tcase(s, "walk");
	tcase_add_test(tc, walk_visits_leaves_in_address_order_including_a_straddling_one);
	tcase_add_test(tc, walk_stops_at_the_first_non_zero_return_and_passes_it_on);
	tcase_add_test(tc, walk_covers_the_kernel_half_up_to_the_last_byte);

	tc = tcase(s, "tables");
	tcase_add_test(tc, destroy_frees_every_table_of_a_busy_space);
	tcase_add_test(tc, kernel_half_pdpts_survive_unmap_so_sharers_stay_valid);
	tcase_add_test(tc, a_space_sharing_the_kernel_half_sees_it_but_does_not_own_it);
	tcase_add_test(tc, sharing_again_shows_kernel_slots_filled_since);
	tcase_add_test_raise_signal(tc, sharing_into_a_space_with_its_own_kernel_mappings_panics,
				    SIGABRT);
	tcase_add_test(tc, unmapping_a_full_kernel_pte_table_frees_it_but_keeps_the_pdpt);
	tcase_add_test(tc, prealloc_out_of_tables_keeps_what_it_got_until_destroy);

	tc = tcase(s, "random");
	tcase_add_loop_test(tc, random_operations_agree_with_a_model_of_4k_pages, 0, 3);
	return s;
}
