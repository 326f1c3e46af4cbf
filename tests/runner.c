/*
 * runner.c: runs every suite of one test kind. Built twice: as the unit
 * runner (SUITES_H "unit_suites.h", from tests/unit/test_*.c) and as the
 * integration runner (from tests/integration/test_*.c). Exit status is non-zero when a test fails or when no
 * check ran at all. CK_RUN_SUITE / CK_RUN_CASE select a subset, CK_FORK=no
 * runs in-process for gdb and valgrind.
 *
 * The integration runner's failure messages carry a guest's whole console.
 * Check's default limit (4 KiB) is shorter than one Linux boot log, and a
 * longer message ends the test with "Message string too long" instead of
 * the failure, so that build raises it (MAX_FAILURE_MESSAGE; CK_MAX_MSG_SIZE
 * still overrides it). Only there: Check copies a buffer of the limit's size
 * for every assertion, which the unit suites make by the million.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define SUITE(fn) Suite *fn(void);
#include SUITES_H
#undef SUITE

int main(int argc, char **argv)
{
	(void)argc;
#ifdef MAX_FAILURE_MESSAGE
	check_set_max_msg_size(MAX_FAILURE_MESSAGE);
#endif
	SRunner *sr = srunner_create(NULL);
#define SUITE(fn) srunner_add_suite(sr, fn());
#include SUITES_H
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	int run = srunner_ntests_run(sr);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (run == 0) {
		fprintf(stderr, "%s: no test ran\n", argv[0]);
		return 1;
	}
	return failed ? 1 : 0;
}
