/*
 * swap_slots.h: the swap-slot allocator of one swap device (Linux's
 * swap_map): one page-sized slot per entry, each with a count of the
 * references to it (swap entries in page tables, plus one while the swap
 * cache holds the slot's page).
 *
 * Slot 0 is never handed out (it is where Linux keeps the swap header), so
 * a slot number is never 0. Allocation is next-fit from where the last one
 * ended, so pages evicted together land in consecutive slots.
 *
 * Interface:
 *   swap_slots_init    caller memory for the counts, one byte per slot
 *   swap_slots_alloc   a free slot, its count 1
 *   swap_slots_dup     one more reference (fork copies a swap entry)
 *   swap_slots_put     one reference fewer; the slot is free at 0
 *   swap_slots_count   references to a slot
 *   swap_slots_check   nr_free matches the counts
 *
 * Invariant: nr_free is the number of slots 1..nr_slots-1 whose count is
 * 0; map[0] is SWAP_SLOTS_RESERVED.
 * Locking: none inside; the owner (the guest's swap.c) serialises calls.
 */
#ifndef MM_SWAP_SLOTS_H
#define MM_SWAP_SLOTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SWAP_SLOTS_MAX_COUNT 250   /* references one slot can hold */
#define SWAP_SLOTS_RESERVED  0xff  /* map value of slot 0 */

struct swap_slots {
	uint8_t *map;        /* references per slot; caller memory */
	uint64_t nr_slots;   /* slots including the reserved slot 0 */
	uint64_t nr_free;    /* slots with count 0 */
	uint64_t next;       /* where the next search starts */
};

/*
 * Sets s up with every slot but 0 free; clears map (nr_slots bytes).
 * Returns 0, or -MM_EINVAL when there is no usable slot (nr_slots < 2).
 */
int swap_slots_init(struct swap_slots *s, uint8_t *map, uint64_t nr_slots);

/* A free slot, now with count 1. Returns it, or 0 when all are in use. */
uint64_t swap_slots_alloc(struct swap_slots *s);

/*
 * Adds a reference to an allocated slot. Returns 0, -MM_EINVAL (slot out
 * of range or free) or -MM_ERANGE (count at SWAP_SLOTS_MAX_COUNT).
 */
int swap_slots_dup(struct swap_slots *s, uint64_t slot);

/*
 * Drops a reference. Returns the references left (0: the slot is free
 * again), or -MM_EINVAL for a slot out of range or already free.
 */
int swap_slots_put(struct swap_slots *s, uint64_t slot);

/* References to slot; 0 for a free or out-of-range slot. */
unsigned swap_slots_count(const struct swap_slots *s, uint64_t slot);

/* Slots in use (allocated, count >= 1). */
static inline uint64_t swap_slots_used(const struct swap_slots *s)
{
	return s->nr_slots ? s->nr_slots - 1 - s->nr_free : 0;
}

/* Recounts the free slots. Returns 0, or -MM_EINVAL when nr_free or map[0] is off. */
int swap_slots_check(const struct swap_slots *s);

#endif
