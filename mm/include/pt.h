/*
 * pt.h: x86-64 4-level page tables, built and changed through the mm/ port.
 *
 * A pt_space is one address space: a root (PML4) page plus a count of the
 * table pages it owns. Table pages come from mm_table_alloc() and go back
 * through mm_table_free() as soon as they become empty, so a space that has
 * had everything unmapped owns exactly its root.
 *
 * Page sizes are 4 KiB, 2 MiB and 1 GiB (shift 12, 21, 30). Changing part of
 * a large page splits it into the next smaller size first. Every operation
 * over a range flushes the TLB through mm_tlb_flush_page() for a few pages
 * or mm_tlb_flush_all() past PT_FLUSH_ALL_PAGES.
 *
 * Callers serialise operations on one space (the owner's mm lock).
 * Errors are negative MM_E* codes (mm_port.h); on error a map call leaves
 * nothing of the failed range mapped.
 */
#ifndef MM_PT_H
#define MM_PT_H

#include "mm_port.h"

typedef uint64_t pte_t;

#define PTE_P    (1ull << 0)  /* present */
#define PTE_RW   (1ull << 1)  /* writable */
#define PTE_US   (1ull << 2)  /* user accessible */
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)  /* accessed */
#define PTE_D    (1ull << 6)  /* dirty */
#define PTE_PS   (1ull << 7)  /* large page (in PDPT and PD entries) */
#define PTE_G    (1ull << 8)  /* global */
#define PTE_NX   (1ull << 63) /* no execute */
#define PTE_PKEY_SHIFT 59     /* protection key, bits 59-62 */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Flags a caller may pass to pt_map/pt_protect (PS is chosen by pt itself). */
#define PT_FLAG_MASK (PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_G | PTE_NX)

#define PT_SHIFT_4K 12
#define PT_SHIFT_2M 21
#define PT_SHIFT_1G 30
#define PT_LEVELS   4
#define PT_FLUSH_ALL_PAGES 32

struct pt_space {
	phys_addr_t root;      /* PML4 page */
	long table_pages;      /* table pages owned, root included */
};

/* One leaf mapping, as reported by lookup and walk. */
struct pt_mapping {
	uint64_t va;           /* start of the page (aligned to its size) */
	phys_addr_t pa;
	uint64_t flags;        /* PTE bits without address and PS */
	unsigned shift;        /* 12, 21 or 30 */
};

/* Allocates the root. Returns 0 or -MM_ENOMEM. */
int pt_init(struct pt_space *s);

/*
 * Shares the kernel half (PML4 slots 256-511) of @from into @s, so all
 * spaces see one kernel mapping. Tables behind shared slots belong to @from.
 */
void pt_share_kernel(struct pt_space *s, const struct pt_space *from);

/*
 * Maps [va, va+len) to [pa, pa+len) with pages of 1 << shift bytes.
 * va, pa and len must be aligned to the page size and va canonical.
 * Returns 0, -MM_EINVAL (alignment, size, non-canonical, bad flags),
 * -MM_EEXIST (something already mapped in the range) or -MM_ENOMEM.
 */
int pt_map(struct pt_space *s, uint64_t va, phys_addr_t pa, uint64_t len,
	   uint64_t flags, unsigned shift);

/*
 * Maps [va, va+len) to [pa, pa+len) with the largest pages that fit the
 * alignment of both addresses (1 GiB only if allow_1g). Same errors as pt_map.
 */
int pt_map_best(struct pt_space *s, uint64_t va, phys_addr_t pa, uint64_t len,
		uint64_t flags, bool allow_1g);

/*
 * Unmaps every page in [va, va+len) (4 KiB aligned); unmapped holes are
 * fine. Large pages straddling an edge are split. Emptied tables are freed.
 * Returns 0, -MM_EINVAL or -MM_ENOMEM (a split could not get a table).
 */
int pt_unmap(struct pt_space *s, uint64_t va, uint64_t len);

/*
 * Sets then clears flag bits on every mapped page in [va, va+len); splits
 * large pages at the edges. Returns 0, -MM_EINVAL or -MM_ENOMEM.
 */
int pt_protect(struct pt_space *s, uint64_t va, uint64_t len,
	       uint64_t set, uint64_t clear);

/* Finds the mapping covering va. Returns 0 or -MM_ENOENT. */
int pt_lookup(const struct pt_space *s, uint64_t va, struct pt_mapping *out);

/*
 * Calls fn for each leaf mapping overlapping [va, va+len), in address
 * order; stops early and returns fn's value when it is non-zero.
 */
typedef int (*pt_walk_fn)(const struct pt_mapping *m, void *arg);
int pt_walk(const struct pt_space *s, uint64_t va, uint64_t len,
	    pt_walk_fn fn, void *arg);

/* Frees every table of the user half and the root; mapped frames are not
 * touched (they belong to whoever mapped them). */
void pt_destroy(struct pt_space *s);

#endif
