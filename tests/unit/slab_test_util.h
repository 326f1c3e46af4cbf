/*
 * slab_test_util.h: the fixture test_slab.c, test_kmalloc.c and
 * test_mmviews.c share: a buddy over SLAB_TEST_PAGES pages of the host
 * port's memory (no watermarks) with kmalloc initialised on it.
 */
#ifndef SLAB_TEST_UTIL_H
#define SLAB_TEST_UTIL_H

#include <check.h>
#include "buddy.h"

#define SLAB_TEST_PAGES 16384 /* 64 MiB, below the host table pool */

extern struct buddy slab_test_buddy;
extern uint64_t slab_test_initial_free; /* free pages after set-up */
void slab_test_setup(void);
void slab_test_teardown(void);
/* Free pages after draining per-CPU lists. */
uint64_t slab_test_free_pages(void);

static inline TCase *slab_test_case(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, slab_test_setup, slab_test_teardown);
	suite_add_tcase(s, tc);
	return tc;
}

#endif
