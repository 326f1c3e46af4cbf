/*
 * spaces.h: simulated user address spaces for host tests of reclaim and
 * faults: each a page table, its areas and its page counters, all reached
 * by mm/rmap.c's walk and handed to vmscan (vmscan_spaces) as the guest's
 * reclaim.c hands it the tasks' spaces. The state is the caller's struct
 * host_spaces, passed as ctx to the hooks.
 *
 * Interface:
 *   host_spaces_init     nr empty spaces (tables, areas) and the hook tables
 *   host_spaces_destroy  frees their tables and areas
 *   host_pte_at          the PTE slot of va, or NULL without a table
 * Invariant: rss[k] counts what the engines said they mapped (fault.h's
 * kinds); vmscan's unmapped hook moves one from ANON to SWAPENTS, or off FILE.
 */
#ifndef SPACES_H
#define SPACES_H

#include "fault.h"

#define HOST_MAX_SPACES 4

struct mm {
	struct pt_space pt;
	struct vma_tree vmas;
	uint64_t rss[NR_FAULT_RSS];
};

struct host_spaces {
	struct mm mm[HOST_MAX_SPACES];
	unsigned nr;
	struct rmap rmap;              /* the walk over them */
	struct rmap_spaces walk;       /* ctx: this */
	struct vmscan_spaces engine;   /* what vmscan_init takes; ctx: this */
};

/* Sets up nr (<= HOST_MAX_SPACES) empty spaces over buddy b. Returns 0 or pt_init's error. */
int host_spaces_init(struct host_spaces *h, unsigned nr, const struct buddy *b);
void host_spaces_destroy(struct host_spaces *h);

static inline pte_t *host_pte_at(struct mm *mm, uint64_t va)
{
	pte_t *pde;

	return pt_pte_slot(&mm->pt, va, &pde);
}

#endif
