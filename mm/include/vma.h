/*
 * vma.h: the virtual memory areas of one user address space.
 *
 * A vma_tree is an array of struct vma sorted by start address; lookups are
 * binary searches (O(log n)), changes move the tail (O(n) copies of small
 * structs, which beats pointer chasing for the few hundred areas a process
 * has). Storage comes from the allocator the owner passes at init.
 *
 * Invariants (vma_check verifies them):
 *  - every area is non-empty and page aligned: start < end, both multiples
 *    of MM_PAGE_SIZE;
 *  - areas are sorted and never overlap: v[i].end <= v[i+1].start;
 *  - two adjacent areas (v[i].end == v[i+1].start) are never mergeable:
 *    every change merges what it can.
 *
 * Pointers into the tree (from vma_lookup, vma_find, vma_at) stay valid
 * only until the next change. The owner serialises callers (the process's
 * mm lock); nothing here sleeps, locks or touches page tables: callers
 * unmap or protect pages themselves around these calls.
 *
 * Errors are negative MM_E* codes (mm_port.h); a failed change leaves the
 * tree as it was.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "mm_port.h"

/* vma.prot: what user code may do (PROT_* values of Linux). */
#define VMA_READ   0x1u
#define VMA_WRITE  0x2u
#define VMA_EXEC   0x4u

/* vma.flags */
#define VMA_SHARED    (1u << 0)  /* writes are seen by every mapper (no CoW) */
#define VMA_GROWSDOWN (1u << 1)  /* the stack: may extend downwards on a fault */
#define VMA_HEAP      (1u << 2)  /* the brk heap */
#define VMA_LOCKED_POPULATE (1u << 3) /* populated at mmap time (MAP_POPULATE) */
#define VMA_LOCKED    (1u << 4)  /* mlock: its pages stay resident (unevictable) */
#define VMA_LOCKONFAULT (1u << 5) /* with VMA_LOCKED: locked as they fault, not populated */

/*
 * A NUMA memory policy (Linux's struct mempolicy): a task's, set by
 * set_mempolicy(2), or an area's, set by mbind(2) (Linux's vma->vm_policy).
 * The guest's mempolicy.h gives the modes and interprets it; vma.c only
 * compares areas' policies (different ones never merge) and copies them
 * with the area (splits, clones: a child inherits its parent's). Mode 0
 * (MPOL_DEFAULT) on an area means none: the task's policy applies.
 */
struct mempolicy {
	uint8_t mode;            /* MPOL_* */
	uint8_t il_next;         /* a task's INTERLEAVE: the node the next page goes to
				  * (an area's interleaves by page offset: 0) */
	uint16_t flags;          /* MPOL_F_STATIC_NODES / RELATIVE_NODES, as given */
	uint64_t nodes;          /* bit n: node n */
};

struct vma {
	uint64_t start, end;   /* [start, end), page aligned */
	uint32_t prot;         /* VMA_READ | VMA_WRITE | VMA_EXEC */
	uint32_t flags;        /* VMA_* flags */
	const void *file;      /* backing file (opaque to vma.c), NULL: anonymous */
	uint64_t pgoff;        /* file offset of start in bytes, page aligned */
	struct mempolicy policy; /* mbind's; mode 0: none */
};

struct vma_tree {
	struct vma *v;         /* sorted by start; nr used of cap */
	uint32_t nr, cap;
	void *(*alloc)(size_t bytes);  /* NULL when out of memory */
	void (*free)(void *p);
};

/* An empty tree whose array comes from alloc/free. Never fails. */
void vma_tree_init(struct vma_tree *t, void *(*alloc)(size_t), void (*free)(void *));
/* Frees the array; the tree is empty (and usable) afterwards. */
void vma_tree_destroy(struct vma_tree *t);

/* Copies every area of @from into @to (empty). Returns 0 or -MM_ENOMEM. */
int vma_tree_clone(struct vma_tree *to, const struct vma_tree *from);

/* The area containing addr, or NULL. */
struct vma *vma_lookup(const struct vma_tree *t, uint64_t addr);
/* The first area ending above addr (Linux's find_vma), or NULL. */
struct vma *vma_find(const struct vma_tree *t, uint64_t addr);
/* The i-th area in address order, or NULL past the end. */
struct vma *vma_at(const struct vma_tree *t, uint32_t i);
/* The area before @v in address order, or NULL. */
struct vma *vma_prev(const struct vma_tree *t, const struct vma *v);

/*
 * Adds an area, merging it with compatible neighbours. Returns 0,
 * -MM_EINVAL (empty, unaligned or wrapping range), -MM_EEXIST (overlaps an
 * area) or -MM_ENOMEM.
 */
int vma_insert(struct vma_tree *t, const struct vma *v);

/*
 * Removes [start, end) from every area it touches, splitting areas at the
 * edges; holes are fine. Returns 0, -MM_EINVAL or -MM_ENOMEM (a split
 * needed a larger array).
 */
int vma_remove(struct vma_tree *t, uint64_t start, uint64_t end);

/*
 * Sets prot on [start, end), splitting at the edges and merging after.
 * Every page of the range must be inside an area: -MM_ENOMEM (Linux's
 * mprotect errno) when one is not, or when the array cannot grow;
 * -MM_EINVAL for a bad range.
 */
int vma_protect(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t prot);

/* The same for flags: each area of [start, end) gets (flags & ~clear) | set. */
int vma_set_flags(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t set,
		  uint32_t clear);

/* The same for the NUMA policy: each area of [start, end) gets *pol (mbind). */
int vma_set_policy(struct vma_tree *t, uint64_t start, uint64_t end,
		   const struct mempolicy *pol);

/* True when areas cover every page of [start, end) (no hole). */
bool vma_range_covered(const struct vma_tree *t, uint64_t start, uint64_t end);

/*
 * Moves the start of the area containing addr (or the one starting at
 * old_start) to new_start (lower: grows a stack; higher: shrinks). The
 * new range must not overlap another area. Returns 0, -MM_EINVAL or
 * -MM_EEXIST.
 */
int vma_set_start(struct vma_tree *t, uint64_t old_start, uint64_t new_start);
/* The same for the end of the area ending at old_end (brk). */
int vma_set_end(struct vma_tree *t, uint64_t old_end, uint64_t new_end);

/*
 * Finds the highest len bytes free in [low, high) (top-down placement),
 * leaving at least gap bytes below any VMA_GROWSDOWN area. Stores the
 * start in *out. Returns 0 or -MM_ENOMEM.
 */
int vma_find_gap_topdown(const struct vma_tree *t, uint64_t len, uint64_t low,
			 uint64_t high, uint64_t gap, uint64_t *out);

/* True when [start, end) overlaps no area. */
bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end);

/* Checks the invariants above. Returns 0 or -MM_EFAULT (logged). */
int vma_check(const struct vma_tree *t);

#endif
