/*
 * policy_rig.h: the fixture the per-policy suites share (test_policy_*.c):
 * one policy over RIG_FRAMES frames keyed 1..RIG_FRAMES, a software
 * "accessed bit" per frame behind the young hook, and ghost memory.
 * rig_fault() plays the kernel's fault path: a victim when the rig is at
 * its frame limit, then an insert with the fault's accessed bit set.
 */
#ifndef POLICY_RIG_H
#define POLICY_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define RIG_FRAMES 64
#define RIG_NONE (-1)

struct policy_rig {
	struct policy p;
	struct policy_frame f[RIG_FRAMES];
	bool young[RIG_FRAMES];
	uint64_t ghost_mem[512];  /* room for RIG_GHOSTS entries */
	unsigned limit;           /* frames in "memory": rig_fault evicts beyond */
};

#define RIG_GHOSTS 128

/* Fresh rig under policy name with memory for limit frames; cfg tweaks. */
void rig_init(struct policy_rig *r, const char *name, unsigned limit,
	      uint32_t lfu_decay_ticks);
/* Inserts frame i as a fault would (accessed bit set); asserts success. */
void rig_insert(struct policy_rig *r, int i);
/* The policy's victim as a frame index, or RIG_NONE; checks the policy. */
int rig_victim(struct policy_rig *r);
/* A fault on frame i: evicts first when memory is full; returns the victim. */
int rig_fault(struct policy_rig *r, int i);
/*
 * Faults frames 0..n-1 into the empty rig (n <= its limit: nothing is
 * evicted); with used, then sets each one's accessed bit (used again).
 */
void rig_fill(struct policy_rig *r, int n, bool used);
/* Sets frame i's accessed bit, as a reference by the program would. */
void rig_touch(struct policy_rig *r, int i);
/* Frame i's list in its policy (asserts it is tracked). */
unsigned rig_list(struct policy_rig *r, int i);
/* True if the policy's history remembers frame i's page. */
bool rig_remembers(struct policy_rig *r, int i);

/*
 * Whole reference strings, for the suites that compare policies: the
 * faults of policy name (seed: random's) through the simulator, and OPT's.
 */
uint64_t rig_sim_faults(const char *name, const uint32_t *refs, size_t n, uint32_t pages,
			uint32_t frames, uint64_t seed);
uint64_t rig_opt_faults(const uint32_t *refs, size_t n, uint32_t pages, uint32_t frames);

#endif
