/*
 * test_memory.c: guest RAM layout, e820 maps for several sizes, and the
 * bounds of GPA->HVA translation.
 */
#include "memory.h"
#include "util.h"

#include <check.h>
#include <errno.h>

struct e820_case {
	uint64_t ram;
	int n;
	struct e820_entry want[4];
};

static const struct e820_case e820_cases[] = {
	{ 16 * MiB, 3, { { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 },
			 { 0x100000, 15 * MiB, 1 } } },
	{ 128 * MiB, 3, { { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 },
			  { 0x100000, 127 * MiB, 1 } } },
	{ 3 * GiB, 3, { { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 },
			{ 0x100000, 3 * GiB - MiB, 1 } } },
	{ 5 * GiB, 4, { { 0, 0xa0000, 1 }, { 0xa0000, 0x60000, 2 },
			{ 0x100000, 3 * GiB - MiB, 1 }, { 4 * GiB, 2 * GiB, 1 } } },
};

START_TEST(e820_map_matches_the_documented_layout)
{
	const struct e820_case *c = &e820_cases[_i];
	struct e820_entry e[8];
	int n = mem_build_e820(c->ram, e, 8);
	ck_assert_int_eq(n, c->n);
	for (int i = 0; i < n; i++) {
		ck_assert_uint_eq(e[i].addr, c->want[i].addr);
		ck_assert_uint_eq(e[i].size, c->want[i].size);
		ck_assert_uint_eq(e[i].type, c->want[i].type);
	}
}
END_TEST

START_TEST(ram_above_3_gib_moves_above_the_mmio_hole)
{
	struct mem_slot s[MEM_MAX_SLOTS];
	ck_assert_int_eq(mem_layout(3 * GiB, s), 1);
	ck_assert_int_eq(mem_layout(5 * GiB, s), 2);
	ck_assert_uint_eq(s[0].gpa, 0);
	ck_assert_uint_eq(s[0].size, 3 * GiB);
	ck_assert_uint_eq(s[1].gpa, 4 * GiB);
	ck_assert_uint_eq(s[1].size, 2 * GiB);
	ck_assert_uint_eq(s[1].offset, 3 * GiB);
}
END_TEST

START_TEST(gpa_translation_refuses_ranges_outside_one_slot)
{
	struct guest_memory m;
	struct mv_error err;
	ck_assert_int_eq(mem_init(&m, 5 * GiB, MEM_BACKING_ANON, &err), 0);
	ck_assert_ptr_nonnull(mem_gpa_to_hva(&m, 0, 4096));
	ck_assert_ptr_nonnull(mem_gpa_to_hva(&m, 3 * GiB - 4096, 4096));
	ck_assert_ptr_null(mem_gpa_to_hva(&m, 3 * GiB - 4096, 4097));  /* into the hole */
	ck_assert_ptr_null(mem_gpa_to_hva(&m, 0xd0000000, 4));          /* MMIO hole */
	ck_assert_ptr_nonnull(mem_gpa_to_hva(&m, 4 * GiB, 2 * GiB));
	ck_assert_ptr_null(mem_gpa_to_hva(&m, 4 * GiB, 2 * GiB + 1));
	ck_assert_ptr_null(mem_gpa_to_hva(&m, 6 * GiB, 1));
	ck_assert_ptr_null(mem_gpa_to_hva(&m, 4 * GiB + 16, UINT64_MAX)); /* overflow */
	ck_assert_ptr_eq(mem_gpa_to_hva(&m, 4 * GiB, 1), m.base + 3 * GiB);
	mem_destroy(&m);
}
END_TEST

START_TEST(memfd_backing_works_and_bad_sizes_are_refused)
{
	struct guest_memory m;
	struct mv_error err;
	enum mem_backing b;
	ck_assert_int_eq(mem_init(&m, 16 * MiB, MEM_BACKING_MEMFD, &err), 0);
	ck_assert_int_ge(m.fd, 0);
	*(volatile char *)mem_gpa_to_hva(&m, 0x1000, 1) = 1;
	mem_destroy(&m);
	ck_assert_int_eq(mem_init(&m, 1 * MiB, MEM_BACKING_ANON, &err), -EINVAL);
	ck_assert_int_eq(mem_init(&m, 16 * MiB + 1, MEM_BACKING_ANON, &err), -EINVAL);
	ck_assert_int_eq(mem_parse_backing("hugetlb", &b), 0);
	ck_assert_int_eq(b, MEM_BACKING_HUGETLB);
	ck_assert_int_eq(mem_parse_backing("huge", &b), -EINVAL);

}
END_TEST

/* Size parsing: accepted spellings and rejected ones. */
static const struct { const char *s; uint64_t v; } good_sizes[] = {
	{ "4096", 4096 }, { "64K", 64 * KiB }, { "128M", 128 * MiB }, { "2G", 2 * GiB },
	{ "1T", 1ull << 40 }, { "16m", 16 * MiB }, { "3GiB", 3 * GiB }, { "5GB", 5 * GiB },
};
static const char *const bad_sizes[] = {
	"", "M", "-1", "12X", "1.5G", "64MM", " 64M", "64M ", "99999999999999999999",
	"17179869184G",
};

START_TEST(sizes_parse_with_binary_suffixes)
{
	uint64_t v;
	struct mv_error err;
	ck_assert_int_eq(mv_parse_size(good_sizes[_i].s, &v, &err), 0);
	ck_assert_uint_eq(v, good_sizes[_i].v);
}
END_TEST

START_TEST(nonsense_sizes_are_rejected_with_a_reason)
{
	uint64_t v;
	struct mv_error err = { 0 };
	int rc = mv_parse_size(bad_sizes[_i], &v, &err);
	ck_assert_msg(rc == -EINVAL || rc == -ERANGE, "'%s' gave %d", bad_sizes[_i], rc);
	ck_assert_int_eq(err.code, rc);
	ck_assert_msg(err.msg[0] != 0, "no reason for '%s'", bad_sizes[_i]);

}
END_TEST

START_TEST(sizes_format_back_to_short_forms)
{
	char b[32];
	ck_assert_str_eq(mv_format_size(128 * MiB, b, sizeof(b)), "128M");
	ck_assert_str_eq(mv_format_size(5 * GiB, b, sizeof(b)), "5G");
	ck_assert_str_eq(mv_format_size(4096, b, sizeof(b)), "4K");
	ck_assert_str_eq(mv_format_size(100, b, sizeof(b)), "100");
	ck_assert_str_eq(mv_format_size(3 * MiB / 2, b, sizeof(b)), "1536K");
}
END_TEST

Suite *memory_suite(void);
Suite *memory_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("layout");
	tcase_add_loop_test(tc, e820_map_matches_the_documented_layout, 0,
			    (int)(sizeof(e820_cases) / sizeof(e820_cases[0])));
	tcase_add_test(tc, ram_above_3_gib_moves_above_the_mmio_hole);
	tcase_add_test(tc, gpa_translation_refuses_ranges_outside_one_slot);
	tcase_add_test(tc, memfd_backing_works_and_bad_sizes_are_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("sizes");
	tcase_add_loop_test(tc, sizes_parse_with_binary_suffixes, 0,
			    (int)(sizeof(good_sizes) / sizeof(good_sizes[0])));
	tcase_add_loop_test(tc, nonsense_sizes_are_rejected_with_a_reason, 0,
			    (int)(sizeof(bad_sizes) / sizeof(bad_sizes[0])));
	tcase_add_test(tc, sizes_format_back_to_short_forms);
	suite_add_tcase(s, tc);
	return s;
}
