/*
 * mempolicy.h: NUMA memory policies, Linux's set_mempolicy(2), mbind(2)
 * and get_mempolicy(2) with MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND and
 * MPOL_INTERLEAVE, per task and per area, deciding the node of each user
 * page a task faults in (mempolicy_alloc, the fault engine's frame
 * allocator): an area's policy, when mbind set one, wins over the task's.
 *
 * Interface:
 *   mempolicy_alloc   2^order frames for a page of an area, as its policy says
 *   mempolicy_of_area the policy that places an area's pages
 *   mempolicy_describe a policy as numa_maps names it
 *   sys_set_mempolicy, sys_mbind, sys_get_mempolicy (syscall.h)
 *
 * Modes, as Linux: DEFAULT allocates on the CPU's node and falls back by
 * distance; PREFERRED on its node, falling back (numa_miss counted); BIND
 * only on its nodes, nearest first, reclaiming there and failing (the fault
 * then OOMs) rather than leaving them; INTERLEAVE round robin over its
 * nodes, one page at a time (numa_interleave counted when the page got its
 * node; an area's interleaves by page offset). The task's policy belongs
 * to the task (written by the task itself under the kernel lock); an
 * area's to its mm (the areas' array, under the same lock); a new task
 * starts with its creator's, a forked mm with copies of its parent's areas.
 */
#ifndef GUEST_MEMPOLICY_H
#define GUEST_MEMPOLICY_H

#include <mm_port.h>
#include <vma.h>      /* struct mempolicy, shared with the areas */
#include <stddef.h>
#include <stdint.h>

#define MPOL_DEFAULT     0
#define MPOL_PREFERRED   1
#define MPOL_BIND        2
#define MPOL_INTERLEAVE  3
#define MPOL_LOCAL       4
#define MPOL_MAX         5
#define MPOL_F_STATIC_NODES   (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NODE      (1 << 0)   /* get_mempolicy: a node, not the policy */
#define MPOL_F_ADDR      (1 << 1)   /* get_mempolicy: of the page at addr */
#define MPOL_F_MEMS_ALLOWED (1 << 2)
#define MPOL_MF_STRICT   (1 << 0)   /* mbind: -EIO when a page is on another node */
#define MPOL_MF_MOVE     (1 << 1)   /* mbind: move the pages mapped only here (sys_mbind) */
#define MPOL_MF_MOVE_ALL (1 << 2)
#define MPOL_MF_VALID    (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)

struct task;

/* Frames for the page at va of t's area v (NULL: no area at hand):
 * page_alloc's flags, on the node(s) of the area's policy when mbind gave
 * it one, else of t's. Returns the physical address or 0. */
phys_addr_t mempolicy_alloc(struct task *t, const struct vma *v, uint64_t va, unsigned order,
			    unsigned flags);
/* The same for the task running here (the fault engine's frame allocator). */
phys_addr_t mempolicy_alloc_current(const struct vma *v, uint64_t va, unsigned order,
				    unsigned flags);
/* The policy that places v's pages: the area's, else t's (numa_maps). */
const struct mempolicy *mempolicy_of_area(const struct task *t, const struct vma *v);
/* pol as /proc/PID/numa_maps names it (Linux's mpol_to_str): "default",
 * "prefer:1", "bind:1", "interleave:0-1", "bind=static:0,2". */
void mempolicy_describe(const struct mempolicy *pol, char *buf, size_t size);

#endif
