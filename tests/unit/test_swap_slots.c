/*
 * test_swap_slots.c: the swap-slot allocator (mm/swap_slots.c): slot 0 is
 * never handed out, allocation is next-fit and wraps, references count up
 * and down, a full device says so, and misuse gets error codes.
 */
#include <check.h>
#include <stdlib.h>

#include "swap_slots.h"
#include "mm_port.h"

#define NR 64

static struct swap_slots s;
static uint8_t map[NR];

static void setup(void)
{
	ck_assert_int_eq(swap_slots_init(&s, map, NR), 0);
}

static void teardown(void)
{
	ck_assert_int_eq(swap_slots_check(&s), 0);
}

START_TEST(a_fresh_device_has_every_slot_but_the_header_free)
{
	ck_assert_uint_eq(s.nr_free, NR - 1);
	ck_assert_uint_eq(swap_slots_used(&s), 0);
	ck_assert_uint_eq(swap_slots_count(&s, 0), 0);
}
END_TEST

START_TEST(slots_come_out_consecutive_and_never_zero)
{
	for (uint64_t i = 1; i < NR; i++) {
		ck_assert_uint_eq(swap_slots_alloc(&s), i);
		ck_assert_uint_eq(swap_slots_count(&s, i), 1);
	}
	ck_assert_uint_eq(s.nr_free, 0);
}
END_TEST

START_TEST(a_full_device_returns_slot_zero)
{
	for (uint64_t i = 1; i < NR; i++)
		swap_slots_alloc(&s);
	ck_assert_uint_eq(swap_slots_alloc(&s), 0);
	ck_assert_int_eq(swap_slots_put(&s, 17), 0);
	ck_assert_uint_eq(swap_slots_alloc(&s), 17);
}
END_TEST

START_TEST(allocation_continues_after_the_last_slot_and_wraps_to_freed_ones)
{
	for (uint64_t i = 1; i < NR; i++)
		swap_slots_alloc(&s);
	swap_slots_put(&s, 3);
	swap_slots_put(&s, 40);
	ck_assert_uint_eq(swap_slots_alloc(&s), 3);   /* wrapped from the end */
	ck_assert_uint_eq(swap_slots_alloc(&s), 40);  /* next fit after 3 */
}
END_TEST

START_TEST(a_slot_is_free_only_when_its_last_reference_goes)
{
	uint64_t slot = swap_slots_alloc(&s);

	ck_assert_int_eq(swap_slots_dup(&s, slot), 0);
	ck_assert_int_eq(swap_slots_dup(&s, slot), 0);
	ck_assert_uint_eq(swap_slots_count(&s, slot), 3);
	ck_assert_int_eq(swap_slots_put(&s, slot), 2);
	ck_assert_int_eq(swap_slots_put(&s, slot), 1);
	ck_assert_uint_eq(s.nr_free, NR - 2);
	ck_assert_int_eq(swap_slots_put(&s, slot), 0);
	ck_assert_uint_eq(s.nr_free, NR - 1);
}
END_TEST

START_TEST(references_stop_at_the_maximum_count)
{
	uint64_t slot = swap_slots_alloc(&s);

	for (unsigned i = 1; i < SWAP_SLOTS_MAX_COUNT; i++)
		ck_assert_int_eq(swap_slots_dup(&s, slot), 0);
	ck_assert_int_eq(swap_slots_dup(&s, slot), -MM_ERANGE);
	ck_assert_uint_eq(swap_slots_count(&s, slot), SWAP_SLOTS_MAX_COUNT);
}
END_TEST

START_TEST(misuse_gets_error_codes_and_changes_nothing)
{
	ck_assert_int_eq(swap_slots_put(&s, 5), -MM_EINVAL);     /* free */
	ck_assert_int_eq(swap_slots_dup(&s, 5), -MM_EINVAL);
	ck_assert_int_eq(swap_slots_put(&s, 0), -MM_EINVAL);     /* header */
	ck_assert_int_eq(swap_slots_put(&s, NR), -MM_EINVAL);    /* past the end */
	ck_assert_int_eq(swap_slots_dup(&s, NR + 100), -MM_EINVAL);
	ck_assert_uint_eq(s.nr_free, NR - 1);
	ck_assert_int_eq(swap_slots_init(&s, map, 1), -MM_EINVAL);
	ck_assert_int_eq(swap_slots_init(&s, NULL, NR), -MM_EINVAL);
}
END_TEST

START_TEST(check_catches_a_free_count_out_of_step)
{
	swap_slots_alloc(&s);
	s.nr_free++;
	ck_assert_int_eq(swap_slots_check(&s), -MM_EINVAL);
	s.nr_free--;
}
END_TEST

START_TEST(random_alloc_and_put_keep_the_counts_right)
{
	uint8_t model[NR] = { 0 };
	uint64_t rng = 12345;

	for (int step = 0; step < 20000; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t slot = 1 + (rng >> 33) % (NR - 1);
		switch ((rng >> 20) % 3) {
		case 0: {
			uint64_t got = swap_slots_alloc(&s);
			if (got) {
				ck_assert_uint_eq(model[got], 0);
				model[got] = 1;
			} else {
				ck_assert_uint_eq(s.nr_free, 0);
			}
			break;
		}
		case 1:
			if (model[slot] && model[slot] < SWAP_SLOTS_MAX_COUNT) {
				ck_assert_int_eq(swap_slots_dup(&s, slot), 0);
				model[slot]++;
			}
			break;
		default:
			if (model[slot])
				ck_assert_int_eq(swap_slots_put(&s, slot), --model[slot]);
			else
				ck_assert_int_eq(swap_slots_put(&s, slot), -MM_EINVAL);
		}
		ck_assert_uint_eq(swap_slots_count(&s, slot), model[slot]);
	}
	ck_assert_int_eq(swap_slots_check(&s), 0);
}
END_TEST

Suite *swap_slots_suite(void);
Suite *swap_slots_suite(void)
{
	Suite *suite = suite_create("swap_slots");
	TCase *tc = tcase_create("slots");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_fresh_device_has_every_slot_but_the_header_free);
	tcase_add_test(tc, slots_come_out_consecutive_and_never_zero);
	tcase_add_test(tc, a_full_device_returns_slot_zero);
	tcase_add_test(tc, allocation_continues_after_the_last_slot_and_wraps_to_freed_ones);
	tcase_add_test(tc, a_slot_is_free_only_when_its_last_reference_goes);
	tcase_add_test(tc, references_stop_at_the_maximum_count);
	tcase_add_test(tc, misuse_gets_error_codes_and_changes_nothing);
	tcase_add_test(tc, check_catches_a_free_count_out_of_step);
	tcase_add_test(tc, random_alloc_and_put_keep_the_counts_right);
	suite_add_tcase(suite, tc);
	return suite;
}
