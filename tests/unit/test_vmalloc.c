/*
 * test_vmalloc.c: vmalloc areas over the real page-table module and buddy
 * on the host port: mappings, guard pages, vfree, reuse, failure unwinding.
 */
#include <check.h>
#include <string.h>

#include "guest_layout.h"
#include "kmalloc.h"
#include "port_host.h"
#include "slab_test_util.h"
#include "vmalloc.h"

static struct pt_space pt;

static void setup(void)
{
	slab_test_setup();
	ck_assert_int_eq(pt_init(&pt), 0);
	ck_assert_int_eq(vmalloc_init(&vmalloc_global, &pt, &slab_test_buddy, VMALLOC_START,
				      VMALLOC_SIZE), 0);
}

static void teardown(void)
{
	slab_test_teardown();
}

static uint64_t va_of(const void *p, uint64_t page)
{
	return (uint64_t)(uintptr_t)p + page * MM_PAGE_SIZE;
}

struct seen_areas {
	uint64_t va[4], pages[4];
	const void *caller[4];
	int n;
};

static void note_area(const struct vmalloc_area *a, void *arg)
{
	struct seen_areas *s = arg;
	ck_assert_int_lt(s->n, 4);
	s->va[s->n] = a->va;
	s->pages[s->n] = a->nr_pages;
	s->caller[s->n++] = a->caller;
}

/* /proc/vmallocinfo's source: every area in address order with its caller. */
START_TEST(areas_are_listed_in_address_order_with_their_callers)
{
	static const int tag;
	void *a = vmalloc(2 * MM_PAGE_SIZE), *b = vmalloc_alloc_from(&vmalloc_global, 5, 0, &tag);
	struct seen_areas s = { .n = 0 };

	vmalloc_for_each(&vmalloc_global, note_area, &s);
	ck_assert_int_eq(s.n, 2);
	ck_assert_uint_eq(s.va[0], va_of(a, 0));
	ck_assert_uint_eq(s.pages[0], 2);
	ck_assert_uint_eq(s.va[1], va_of(b, 0));
	ck_assert_uint_eq(s.pages[1], 1);
	ck_assert_ptr_eq(s.caller[1], &tag);
	ck_assert_ptr_nonnull(s.caller[0]);        /* this test's code, the return address */
	vfree(a);
	s.n = 0;
	vmalloc_for_each(&vmalloc_global, note_area, &s);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.va[0], va_of(b, 0));
	vfree(b);
}
END_TEST

START_TEST(every_page_of_an_area_is_mapped_writable_to_its_own_frame)
{
	void *p = vmalloc(3 * MM_PAGE_SIZE + 1);
	phys_addr_t seen[4];

	ck_assert_uint_eq(va_of(p, 0), VMALLOC_START);
	for (uint64_t i = 0; i < 4; i++) {
		struct pt_mapping m;
		ck_assert_int_eq(pt_lookup(&pt, va_of(p, i), &m), 0);
		ck_assert_uint_eq(m.shift, PT_SHIFT_4K);
		ck_assert(m.flags & PTE_RW);
		ck_assert(m.flags & PTE_NX);
		ck_assert(!(m.flags & PTE_US));
		struct page *pg = buddy_pfn_to_page(&slab_test_buddy, m.pa >> MM_PAGE_SHIFT);
		ck_assert(pg->flags & PG_VMALLOC);
		ck_assert_uint_eq(pg->private, VMALLOC_START);
		seen[i] = m.pa;
		for (uint64_t j = 0; j < i; j++)
			ck_assert_uint_ne(seen[j], m.pa);
	}
	ck_assert_uint_eq(vmalloc_global.nr_pages, 4);
}
END_TEST

START_TEST(a_guard_page_follows_every_area_unmapped)
{
	void *a = vmalloc(2 * MM_PAGE_SIZE);
	void *b = vmalloc(MM_PAGE_SIZE);
	struct pt_mapping m;

	ck_assert_int_eq(pt_lookup(&pt, va_of(a, 2), &m), -MM_ENOENT);
	ck_assert_uint_eq(va_of(b, 0), va_of(a, 3));
	ck_assert_int_eq(pt_lookup(&pt, va_of(b, 1), &m), -MM_ENOENT);
}
END_TEST

START_TEST(vfree_unmaps_and_returns_every_page)
{
	uint64_t before = slab_test_free_pages();
	void *p = vmalloc(100 * MM_PAGE_SIZE);
	struct pt_mapping m;

	ck_assert_uint_le(slab_test_free_pages(), before - 100);
	vfree(p);
	for (uint64_t i = 0; i < 100; i++)
		ck_assert_int_eq(pt_lookup(&pt, va_of(p, i), &m), -MM_ENOENT);
	ck_assert_uint_eq(vmalloc_global.nr_pages, 0);
	ck_assert_uint_eq(vmalloc_global.nr_areas, 0);
	kmem_cache_shrink(kmalloc_cache_for(sizeof(struct vmalloc_area)));
	ck_assert_uint_eq(slab_test_free_pages(), before);
}
END_TEST

START_TEST(a_freed_range_is_reused_first_fit)
{
	void *a = vmalloc(MM_PAGE_SIZE);
	void *b = vmalloc(MM_PAGE_SIZE);
	vfree(a);
	ck_assert_ptr_eq(vmalloc(MM_PAGE_SIZE), a);
	ck_assert_uint_gt(va_of(vmalloc(2 * MM_PAGE_SIZE), 0), va_of(b, 0));
}
END_TEST

START_TEST(a_failed_allocation_leaves_nothing_mapped)
{
	void *first = vmalloc(MM_PAGE_SIZE);
	uint64_t before = slab_test_free_pages();
	struct pt_mapping m;

	host_table_alloc_limit = host_tables_in_use; /* the next page table fails */
	ck_assert_ptr_null(vmalloc(600 * MM_PAGE_SIZE));
	ck_assert_uint_eq(vmalloc_global.nr_pages, 1);
	ck_assert_uint_eq(vmalloc_global.nr_areas, 1);
	ck_assert_int_eq(pt_lookup(&pt, va_of(first, 2), &m), -MM_ENOENT);
	kmem_cache_shrink(kmalloc_cache_for(sizeof(struct vmalloc_area)));
	ck_assert_uint_eq(slab_test_free_pages(), before);
}
END_TEST

START_TEST(vfree_of_an_address_inside_an_area_is_refused)
{
	char *p = vmalloc(2 * MM_PAGE_SIZE);
	ck_assert_int_eq(vmalloc_free(&vmalloc_global, p + MM_PAGE_SIZE), -MM_EINVAL);
	ck_assert_ptr_nonnull(strstr(host_log_text(), "not an area start"));
	ck_assert_uint_eq(vmalloc_global.nr_pages, 2);
	ck_assert_ptr_null(vmalloc(0));
}
END_TEST

Suite *vmalloc_suite(void);
Suite *vmalloc_suite(void)
{
	Suite *s = suite_create("vmalloc");
	TCase *tc = tcase_create("areas");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_page_of_an_area_is_mapped_writable_to_its_own_frame);
	tcase_add_test(tc, a_guard_page_follows_every_area_unmapped);
	tcase_add_test(tc, vfree_unmaps_and_returns_every_page);
	tcase_add_test(tc, a_freed_range_is_reused_first_fit);
	tcase_add_test(tc, a_failed_allocation_leaves_nothing_mapped);
	tcase_add_test(tc, vfree_of_an_address_inside_an_area_is_refused);
	tcase_add_test(tc, areas_are_listed_in_address_order_with_their_callers);
	suite_add_tcase(s, tc);
	return s;
}
