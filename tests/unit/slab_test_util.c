/*
 * slab_test_util.c: the shared slab/kmalloc fixture (slab_test_util.h).
 */
#include <stdlib.h>

#include "kmalloc.h"
#include "port_host.h"
#include "slab_test_util.h"

struct buddy slab_test_buddy;
static struct page *pages;
uint64_t slab_test_initial_free;

void slab_test_setup(void)
{
	host_port_reset();
	pages = malloc(buddy_page_array_size(0, SLAB_TEST_PAGES));
	ck_assert_int_eq(buddy_init(&slab_test_buddy, pages, 0, SLAB_TEST_PAGES, 0), 0);
	ck_assert_int_eq(buddy_add_free_range(&slab_test_buddy, 1, SLAB_TEST_PAGES), 0);
	buddy_set_min_free_kbytes(&slab_test_buddy, 0);
	ck_assert_int_eq(kmalloc_init(&slab_test_buddy), 0);
	slab_test_initial_free = slab_test_free_pages();
}

void slab_test_teardown(void)
{
	slab_set_debug(false);
	free(pages);
}

uint64_t slab_test_free_pages(void)
{
	buddy_drain_pcp(&slab_test_buddy);
	return buddy_nr_free_pages(&slab_test_buddy);
}

