/*
 * test_ptwalk.c: the host-side page-table walker on tables built by hand in
 * simulated guest RAM: every page size, 5-level mode, coalescing, and
 * hostile tables (pointers outside RAM, self-reference, fan-in, garbage).
 */
#include "ptwalk.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RAM (32ull << 20)
#define ROOT 0x100000ull

static struct guest_memory mem;
static uint64_t next_table;

static void setup(void)
{
	struct mv_error err;
	ck_assert_int_eq(mem_init(&mem, RAM, MEM_BACKING_ANON, &err), 0);
	next_table = ROOT + 0x1000;
}

static void teardown(void)
{
	mem_destroy(&mem);
}

static uint64_t *table(uint64_t pa)
{
	return mem_gpa_to_hva(&mem, pa, 4096);
}

static uint64_t new_table(void)
{
	uint64_t pa = next_table;
	next_table += 0x1000;
	return pa;
}

/* Ensures the intermediate tables for va down to `depth` levels and returns
 * the table at that level (4-level paging: depth 1 = PDPT ... 3 = PT). */
static uint64_t table_for(uint64_t va, int depth)
{
	uint64_t t = ROOT;
	for (int level = 0; level < depth; level++) {
		unsigned shift = 39 - 9 * (unsigned)level;
		uint64_t *e = &table(t)[(va >> shift) & 511];
		if (!(*e & PTE_P))
			*e = new_table() | PTE_P | PTE_RW | PTE_US;
		t = *e & PTE_ADDR_MASK;
	}
	return t;
}

static void map(uint64_t va, uint64_t pa, unsigned shift, uint64_t flags)
{
	int depth = shift == 30 ? 1 : shift == 21 ? 2 : 3;
	uint64_t t = table_for(va, depth);
	table(t)[(va >> shift) & 511] = pa | flags | PTE_P | (shift > 12 ? PTE_PS : 0);
}

static int collect(const struct ptw_leaf *l, void *arg)
{
	struct ptw_leaf *out = arg;
	while (out->shift)
		out++;
	*out = *l;
	return 0;
}

START_TEST(walker_finds_4k_2m_and_1g_leaves_with_their_flags)
{
	struct ptw_leaf got[8] = { 0 };
	struct ptw_stats st;
	map(0x400000, 0x200000, 12, PTE_US | PTE_A);
	map(0x40000000, 0x600000, 21, PTE_RW | PTE_NX | PTE_D | PTE_A);
	map(0xffff888000000000ull, 0x40000000, 30, PTE_RW | PTE_G | PTE_NX | (3ull << 59));
	ck_assert_int_eq(ptw_walk(&mem, ROOT, false, collect, got, &st), 0);
	ck_assert_uint_eq(st.leaves, 3);
	ck_assert_uint_eq(got[0].va, 0x400000);
	ck_assert_uint_eq(got[0].pa, 0x200000);
	ck_assert_uint_eq(got[0].shift, 12);
	ck_assert_uint_eq(got[0].flags, PTE_P | PTE_US | PTE_A);
	/* entry_pa: where the leaf entry is, as run --trace-refs clears A there */
	const uint64_t *entry = mem_gpa_to_hva(&mem, got[0].entry_pa, 8);
	ck_assert_ptr_nonnull(entry);
	ck_assert_uint_eq(*entry & PTE_ADDR_MASK, 0x200000);
	ck_assert_uint_eq(got[0].entry_pa, table_for(0x400000, 3) + ((0x400000 >> 12) & 511) * 8);
	ck_assert_uint_eq(got[1].va, 0x40000000);
	ck_assert_uint_eq(got[1].shift, 21);
	ck_assert(got[1].flags & PTE_NX);
	ck_assert_uint_eq(got[2].va, 0xffff888000000000ull); /* sign-extended */
	ck_assert_uint_eq(got[2].shift, 30);
	ck_assert_uint_eq((got[2].flags >> PTE_PKEY_SHIFT) & 0xf, 3);
	ck_assert_uint_eq(st.tables[0], 1);
	ck_assert_uint_eq(st.tables[3], 1);
	char f[32];
	ck_assert_str_eq(ptw_flag_string(got[2].flags, f, sizeof(f)), "rw-kg---- k3");
}
END_TEST

START_TEST(translate_follows_large_pages_and_reports_holes)
{
	struct ptw_leaf l;
	map(0x40000000, 0x600000, 21, PTE_RW);
	ck_assert_int_eq(ptw_translate(&mem, ROOT, false, 0x40012345, &l), 0);
	ck_assert_uint_eq(l.pa, 0x600000);
	ck_assert_uint_eq(l.va, 0x40000000);
	ck_assert_int_eq(ptw_translate(&mem, ROOT, false, 0x80000000, &l), 1);
	ck_assert_int_eq(ptw_translate(&mem, RAM + 4096, false, 0, &l), -EFAULT);
}
END_TEST

START_TEST(five_level_tables_reach_57_bit_addresses)
{
	/* root = PML5; slot 1 covers va 1 << 48 */
	uint64_t pml4 = new_table(), pdpt = new_table();
	table(ROOT)[1] = pml4 | PTE_P | PTE_RW;
	table(pml4)[0] = pdpt | PTE_P | PTE_RW;
	table(pdpt)[2] = 0x80000000ull | PTE_P | PTE_PS | PTE_RW;
	struct ptw_leaf got[2] = { 0 };
	ck_assert_int_eq(ptw_walk(&mem, ROOT, true, collect, got, NULL), 0);
	ck_assert_uint_eq(got[0].va, (1ull << 48) + (2ull << 30));
	ck_assert_uint_eq(got[0].shift, 30);
}
END_TEST

START_TEST(contiguous_pages_with_equal_flags_coalesce_into_one_range)
{
	for (uint64_t i = 0; i < 16; i++)
		map(0x400000 + i * 4096, 0x300000 + i * 4096, 12,
		    PTE_US | PTE_RW | ((i & 1) ? PTE_A : 0) | (i == 3 ? PTE_D : 0));
	map(0x410000, 0x900000, 12, PTE_US | PTE_RW);   /* pa jumps: new range */
	map(0x411000, 0x901000, 12, PTE_US);            /* flags differ: new range */
	struct ptw_range *r;
	size_t n;
	ck_assert_int_eq(ptw_ranges(&mem, ROOT, false, &r, &n, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(r[0].va, 0x400000);
	ck_assert_uint_eq(r[0].len, 16 * 4096);
	ck_assert_uint_eq(r[0].accessed, 8);
	ck_assert_uint_eq(r[0].dirty, 1);
	ck_assert_uint_eq(r[1].pa, 0x900000);
	ck_assert(!(r[2].flags & PTE_RW));
	free(r);
}
END_TEST

START_TEST(table_pointers_outside_ram_are_counted_not_followed)
{
	struct ptw_stats st;
	table(ROOT)[0] = (RAM + 0x1000) | PTE_P;            /* past RAM */
	table(ROOT)[1] = 0xd0000000ull | PTE_P;             /* MMIO hole */
	table(ROOT)[2] = 0xfffffffffffff000ull | PTE_P;     /* absurd */
	ck_assert_int_eq(ptw_walk(&mem, ROOT, false, NULL, NULL, &st), 0);
	ck_assert_uint_eq(st.bad_tables, 3);
	ck_assert_uint_eq(st.leaves, 0);
}
END_TEST

START_TEST(self_referencing_and_fanned_in_tables_finish_quickly)
{
	struct ptw_stats st;
	uint64_t pt = new_table();
	table(ROOT)[511] = ROOT | PTE_P;                    /* recursive slot */
	for (int i = 0; i < 511; i++)
		table(ROOT)[i] = pt | PTE_P;                /* 511 paths to one table */
	for (int i = 0; i < 512; i++)
		table(pt)[i] = pt | PTE_P;                  /* and it points at itself */
	ck_assert_int_eq(ptw_walk(&mem, ROOT, false, NULL, NULL, &st), 0);
	ck_assert_uint_ge(st.revisits, 510);
	ck_assert_uint_le(st.tables[0] + st.tables[1] + st.tables[2] + st.tables[3], 2);
}
END_TEST

START_TEST(large_page_bit_in_the_top_level_is_reported)
{
	struct ptw_stats st;
	table(ROOT)[3] = 0x40000000ull | PTE_P | PTE_PS;
	ck_assert_int_eq(ptw_walk(&mem, ROOT, false, NULL, NULL, &st), 0);
	ck_assert_uint_eq(st.bad_large, 1);
	struct ptw_leaf l;
	ck_assert_int_eq(ptw_translate(&mem, ROOT, false, 3ull << 39, &l), -EFAULT);
}
END_TEST

START_TEST(random_tables_never_crash_or_hang)
{
	srandom(0x7ab1e + (unsigned)_i);
	uint64_t *ram = mem_gpa_to_hva(&mem, 0, RAM);
	for (size_t i = ROOT / 8; i < (ROOT + (64 << 12)) / 8; i++) {
		uint64_t r = (uint64_t)random() << 33 ^ (uint64_t)random() << 12 ^ (uint64_t)random();
		/* mostly present entries aimed inside the table area */
		ram[i] = (random() % 4) ? (ROOT + (r % 64) * 4096) | (r & 0x8000000000000fffull) | 1 : r;
	}
	struct ptw_stats st;
	struct ptw_range *rr;
	size_t n;
	ck_assert_int_eq(ptw_ranges(&mem, ROOT, _i & 1, &rr, &n, &st), 0);
	ck_assert_uint_le(st.tables[0] + st.tables[1] + st.tables[2] + st.tables[3] + st.tables[4], 64);
	free(rr);
}
END_TEST

Suite *ptwalk_suite(void);
Suite *ptwalk_suite(void)
{
	Suite *s = suite_create("ptwalk");
	TCase *tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, walker_finds_4k_2m_and_1g_leaves_with_their_flags);
	tcase_add_test(tc, translate_follows_large_pages_and_reports_holes);
	tcase_add_test(tc, five_level_tables_reach_57_bit_addresses);
	tcase_add_test(tc, contiguous_pages_with_equal_flags_coalesce_into_one_range);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, table_pointers_outside_ram_are_counted_not_followed);
	tcase_add_test(tc, self_referencing_and_fanned_in_tables_finish_quickly);
	tcase_add_test(tc, large_page_bit_in_the_top_level_is_reported);
	tcase_add_loop_test(tc, random_tables_never_crash_or_hang, 0, 8);
	suite_add_tcase(s, tc);
	return s;
}
