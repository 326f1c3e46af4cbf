/*
 * test_path.c: the guest's path normalisation (guest/kernel/path.c), on
 * the host: what chdir, open and getcwd see of ".", "..", repeated and
 * trailing slashes, and names too long for the buffer.
 */
#include "../../guest/include/path.h"

#include <check.h>
#include <errno.h>
#include <string.h>

static const struct {
	const char *base, *in, *want;
} cases[] = {
	{ "/", "bin/init", "/bin/init" },
	{ "/bin", "init", "/bin/init" },
	{ "/bin", "/proc/meminfo", "/proc/meminfo" },
	{ "/", "", "/" },
	{ "/proc", ".", "/proc" },
	{ "/proc", "./self/../12//stat", "/proc/12/stat" },
	{ "/proc/sys/vm", "../..", "/proc" },
	{ "/", "../../..", "/" },
	{ "/bin", "..", "/" },
	{ "/", "//bin///", "/bin" },
	{ "/a", "b/./c/.", "/a/b/c" },
	{ "/a", "...", "/a/..." },
	{ "/a", "..b/.c", "/a/..b/.c" },
};

START_TEST(a_path_resolves_against_its_base_without_dots_or_extra_slashes)
{
	char out[64];
	long n = path_resolve(cases[_i].base, cases[_i].in, out, sizeof(out));

	ck_assert_str_eq(out, cases[_i].want);
	ck_assert_int_eq(n, (long)strlen(cases[_i].want));
}
END_TEST

START_TEST(a_result_longer_than_the_buffer_is_enametoolong)
{
	char out[8];

	ck_assert_int_eq(path_resolve("/", "abcdefgh", out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_int_eq(path_resolve("/abcdefghij", "x", out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_int_eq(path_resolve("/", "abcdefg", out, sizeof(out)), -ENAMETOOLONG);
	ck_assert_int_eq(path_resolve("/", "abcdef", out, sizeof(out)), 7);
	ck_assert_str_eq(out, "/abcdef");
}
END_TEST

START_TEST(dot_dot_after_a_long_name_frees_its_room)
{
	char out[8];

	ck_assert_int_eq(path_resolve("/", "abcdef/../xy", out, sizeof(out)), 3);
	ck_assert_str_eq(out, "/xy");
}
END_TEST

Suite *path_suite(void);
Suite *path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *t = tcase_create("resolve");

	tcase_add_loop_test(t, a_path_resolves_against_its_base_without_dots_or_extra_slashes, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(t, a_result_longer_than_the_buffer_is_enametoolong);
	tcase_add_test(t, dot_dot_after_a_long_name_frees_its_room);
	suite_add_tcase(s, t);
	return s;
}
