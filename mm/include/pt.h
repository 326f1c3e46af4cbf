/*
 * pt.h: x86-64 4-level page tables, built and changed through the mm/ port.
 *
 * A pt_space is one address space: a root (PML4) page plus a count of the
 * table pages it owns. Table pages come from mm_table_alloc() and go back
 * through mm_table_free() as soon as they become empty, so a space that has
 * had everything unmapped owns exactly its root.
 *
 * Page sizes are 4 KiB, 2 MiB and 1 GiB (shift 12, 21, 30). Changing part of
 * a large page splits it into the next smaller size first. unmap and
 * protect flush the TLB of every changed leaf at the end, in one batch
 * (mm_tlb_flush_pages()), or once through mm_tlb_flush_all() past
 * PT_FLUSH_ALL_PAGES leaves, naming the space; map flushes nothing (x86 caches no not-present entries).
 *
 * Callers serialise operations on one space (the owner's mm lock).
 * Errors are negative MM_E* codes (mm_port.h); on error a map call leaves
 * nothing of the failed range mapped, and unmap/protect change nothing
 * (at most a large page is split, with the same translation).
 *
 * Entry format, for readers of raw tables (introspection, snapshots):
 *  - Intermediate entries are always P|RW|US, never NX: the leaf carries
 *    the real permissions, so one table can hold user and kernel leaves
 *    and protect never has to touch upper levels.
 *  - Bits 52-61 of an intermediate entry (ignored by the MMU) count the
 *    present entries of the table it points to (PT_CNT_*), so emptied
 *    tables are found without scanning 512 entries.
 *  - Caller flags use the 4 KiB PTE encoding: PTE_PAT is bit 7. In 2 MiB
 *    and 1 GiB leaves bit 7 is PS and pt stores PAT in bit 12
 *    (PTE_PAT_LARGE); lookup and walk report it back as PTE_PAT.
 *  - PDPTs behind the kernel half (PML4 slots 256-511) are never freed
 *    before pt_destroy, even when empty, because other spaces may share
 *    them (pt_share_kernel). Every other table below the root holds at
 *    least one present entry.
 *
 * The MMU may set A/D in a leaf between pt's read and write of it
 * (protect); callers that need exact dirty bits stop the CPUs using the
 * space first. pt does not know which CPUs have a space loaded: it names
 * the space in every flush and the port flushes wherever it is loaded.
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
#define PTE_PAT  (1ull << 7)  /* PAT index bit in 4 KiB PTEs (same bit as PS) */
#define PTE_G    (1ull << 8)  /* global */
#define PTE_NX   (1ull << 63) /* no execute */
#define PTE_PAT_LARGE (1ull << 12) /* PAT index bit in 2 MiB / 1 GiB leaves */
#define PTE_PKEY_SHIFT 59     /* protection key, bits 59-62 */
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* Software count of present entries below an intermediate entry. */
#define PT_CNT_SHIFT 52
#define PT_CNT_MASK  (0x3ffull << PT_CNT_SHIFT)

/*
 * Flags a caller may pass to pt_map/pt_protect, in 4 KiB PTE encoding
 * (PS is chosen by pt itself; PTE_PAT means PAT, never PS). pt_map also
 * accepts PTE_P (every leaf is present anyway); pt_protect does not.
 */
#define PT_FLAG_MASK (PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A | PTE_D | PTE_PAT | \
		      PTE_G | PTE_NX)

#define PT_SHIFT_4K 12
#define PT_SHIFT_2M 21
#define PT_SHIFT_1G 30
#define PT_LEVELS   4
#define PT_FLUSH_ALL_PAGES 32

struct pt_space {
	phys_addr_t root;      /* PML4 page */
	long table_pages;      /* table pages owned, root included */
	bool kernel_shared;    /* slots 256-511 are @from's (pt_share_kernel) */
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
 * The 4 KiB PTE slot of va when every table above it exists, and in *pde
 * the PD entry that counts the table's present entries. Returns NULL when
 * a table is missing or a large page maps va (then use the range calls).
 * A few dozen instructions: faults and the reverse map use it.
 */
pte_t *pt_pte_slot(const struct pt_space *s, uint64_t va, pte_t **pde);

/*
 * Shares the kernel half (PML4 slots 256-511) of @from into @s, so all
 * spaces see one kernel mapping. Tables behind shared slots belong to @from.
 * The copy is of PML4 slots: a slot @from fills later is not seen by @s, so
 * populate (or pt_prealloc_kernel) every kernel slot before sharing. Once
 * shared, map/unmap/protect of kernel addresses through @s return
 * -MM_EINVAL (change them through @from). @s must not have mapped kernel
 * addresses of its own (a panic otherwise); sharing again refreshes.
 */
void pt_share_kernel(struct pt_space *s, const struct pt_space *from);

/*
 * Allocates the PDPTs behind the kernel-half PML4 slots covering
 * [va, va+len) (e.g. the vmalloc area) so that spaces sharing the kernel
 * half see later mappings there. Returns 0, -MM_EINVAL (not a kernel-half
 * range, or @s shares its kernel half) or -MM_ENOMEM (the PDPTs allocated
 * so far stay; they are kernel-half tables, freed by pt_destroy).
 */
int pt_prealloc_kernel(struct pt_space *s, uint64_t va, uint64_t len);

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
 * order; stops early and returns fn's value when it is non-zero. The range
 * may be unaligned but must be canonical, non-empty and inside one half
 * (-MM_EINVAL otherwise). fn must not change the space.
 */
typedef int (*pt_walk_fn)(const struct pt_mapping *m, void *arg);
int pt_walk(const struct pt_space *s, uint64_t va, uint64_t len,
	    pt_walk_fn fn, void *arg);

/* Frees every table the space owns (the kernel half too unless shared) and
 * the root; mapped frames are not touched (they belong to whoever mapped
 * them). Destroy a space whose kernel half others share only after them. */
void pt_destroy(struct pt_space *s);

#endif
