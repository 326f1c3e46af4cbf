/*
 * mempolicy.h: NUMA memory policies, Linux's set_mempolicy(2) and
 * get_mempolicy(2) with MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND and
 * MPOL_INTERLEAVE, per task, deciding the node of each user page the task
 * faults in (mempolicy_alloc, the fault engine's frame allocator).
 *
 * Interface:
 *   mempolicy_alloc   2^order frames for current's user memory, as its policy says
 *   sys_set_mempolicy, sys_get_mempolicy (syscall.h)
 *
 * Modes, as Linux: DEFAULT allocates on the CPU's node and falls back by
 * distance; PREFERRED on its node, falling back (numa_miss counted); BIND
 * only on its nodes, nearest first, reclaiming there and failing (the fault
 * then OOMs) rather than leaving them; INTERLEAVE round robin over its
 * nodes, one page at a time (numa_interleave counted when the page got its
 * node). The policy belongs to the task (written by the task itself under
 * the kernel lock); a new task starts with its creator's.
 */
#ifndef GUEST_MEMPOLICY_H
#define GUEST_MEMPOLICY_H

#include <mm_port.h>
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

struct mempolicy {
	uint8_t mode;            /* MPOL_* (DEFAULT: the zero policy) */
	uint8_t il_next;         /* INTERLEAVE: the node the next page goes to */
	uint16_t flags;          /* MPOL_F_STATIC_NODES / RELATIVE_NODES, as given */
	uint64_t nodes;          /* bit n: node n */
};

struct task;

/* Frames for t's user memory: page_alloc's flags, t's policy's node(s).
 * Returns the physical address or 0. */
phys_addr_t mempolicy_alloc(struct task *t, unsigned order, unsigned flags);
/* pol as /proc/PID/numa_maps names it (Linux's mpol_to_str): "default",
 * "prefer:1", "bind:1", "interleave:0-1", "bind=static:0,2". */
void mempolicy_describe(const struct mempolicy *pol, char *buf, size_t size);
/* The same for the task running here (the fault engine's frame allocator). */
phys_addr_t mempolicy_alloc_current(unsigned order, unsigned flags);

#endif
