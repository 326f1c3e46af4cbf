/*
 * swap_slots.c: swap-slot allocation and reference counts (swap_slots.h).
 *
 * Invariant (kept by alloc and put, the only places a count crosses 0):
 * nr_free counts the slots 1..nr_slots-1 whose map byte is 0.
 * Callers serialise (swap.c in the guest, one test at a time on the host).
 */
#include "swap_slots.h"
#include "mm_port.h"

int swap_slots_init(struct swap_slots *s, uint8_t *map, uint64_t nr_slots)
{
	if (!map || nr_slots < 2)
		return -MM_EINVAL;
	for (uint64_t i = 0; i < nr_slots; i++)
		map[i] = 0;
	map[0] = SWAP_SLOTS_RESERVED;
	s->map = map;
	s->nr_slots = nr_slots;
	s->nr_free = nr_slots - 1;
	s->next = 1;
	return 0;
}

static bool slot_valid(const struct swap_slots *s, uint64_t slot)
{
	return slot >= 1 && slot < s->nr_slots;
}

/* Next-fit: the first free slot at or after next, wrapping once. */
uint64_t swap_slots_alloc(struct swap_slots *s)
{
	uint64_t slot = s->next;

	if (!s->nr_free)
		return 0;
	for (uint64_t n = 0; n < s->nr_slots; n++, slot++) {
		if (slot >= s->nr_slots)
			slot = 1;
		if (!s->map[slot]) {
			s->map[slot] = 1;
			s->nr_free--;
			s->next = slot + 1;
			return slot;
		}
	}
	mm_panic("swap_slots_alloc: nr_free %llu but no free slot",
		 (unsigned long long)s->nr_free);
}

int swap_slots_dup(struct swap_slots *s, uint64_t slot)
{
	if (!slot_valid(s, slot) || !s->map[slot])
		return -MM_EINVAL;
	if (s->map[slot] >= SWAP_SLOTS_MAX_COUNT)
		return -MM_ERANGE;
	s->map[slot]++;
	return 0;
}

int swap_slots_put(struct swap_slots *s, uint64_t slot)
{
	if (!slot_valid(s, slot) || !s->map[slot])
		return -MM_EINVAL;
	if (--s->map[slot] == 0)
		s->nr_free++;
	return s->map[slot];
}

unsigned swap_slots_count(const struct swap_slots *s, uint64_t slot)
{
	return slot_valid(s, slot) ? s->map[slot] : 0;
}

int swap_slots_check(const struct swap_slots *s)
{
	uint64_t nr_free = 0;

	if (!s->map || s->map[0] != SWAP_SLOTS_RESERVED)
		return -MM_EINVAL;
	for (uint64_t i = 1; i < s->nr_slots; i++) {
		if (s->map[i] > SWAP_SLOTS_MAX_COUNT)
			return -MM_EINVAL;
		nr_free += !s->map[i];
	}
	return nr_free == s->nr_free ? 0 : -MM_EINVAL;
}
