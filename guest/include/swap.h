/*
 * swap.h: swap on the virtio-blk disk: the device (one, found at boot),
 * swap entries in page tables, the swap cache, swap-in on fault, and the
 * entry bookkeeping of munmap, exit and fork.
 *
 * Swap entry encoding, in a user PTE that is not present (P, bit 0, clear):
 *   bit  9       SWP_PTE_MARK (a software bit): set in every swap entry
 *   bits 12-51   the slot number (slot 0 is never used, swap_slots.h)
 *   other bits   0
 * A zero PTE is "none"; every other non-present user PTE is a swap entry.
 * A swap entry is counted in its page table's PT_CNT like a present PTE
 * (pt.h), so pt.c never frees a table that still holds one.
 *
 * Slot references (swap_slots.h): one per swap entry in a page table,
 * plus one while the swap cache holds the slot's page. The swap cache maps
 * a slot to the frame that holds its data, so a page several processes
 * had swapped out (shared after fork) is read from disk once; such a frame
 * is mapped read-only and copied on write (uvm.c's copy-on-write). A frame
 * swapped in for one entry alone stays in the cache, mapped writable and
 * clean (PTE_D clear): evicted again before anyone writes it, it needs no
 * disk write (Linux keeps such pages in the swap cache the same way). Past
 * half-full swap, swap-in frees the slot instead (Linux's vm_swap_full).
 *
 * Interface:
 *   swap_init            after virtio_probe_all: swap on if a disk exists
 *   swap_store           reclaim's way in (reclaim.h): writes in runs, new
 *                        entries, the swap cache, evictions
 *   swap_page_exclusive  whether a frame may be written in place (copy-on-write)
 *   swap_fault           swap-in of a swap entry (uvm_fault)
 *   swap_zap_range       frees the swap entries in a range (munmap, exit);
 *                        true when it freed any
 *   swap_fork_range      copies a range's swap entries into a child
 *   swap_total/free/cached_pages   for /proc/meminfo
 * Callers serialise: one CPU, and nothing here sleeps.
 */
#ifndef GUEST_SWAP_H
#define GUEST_SWAP_H

#include <uvm.h>
#include <buddy.h>

#define SWP_PTE_MARK (1ull << 9)
#define SWP_SLOT_SHIFT 12

static inline bool swp_is_entry(pte_t pte)
{
	return pte && !(pte & PTE_P);
}

static inline pte_t swp_entry(uint64_t slot)
{
	return (slot << SWP_SLOT_SHIFT) | SWP_PTE_MARK;
}

static inline uint64_t swp_slot(pte_t pte)
{
	return (pte & PTE_ADDR_MASK) >> SWP_SLOT_SHIFT;
}

void swap_init(void);

#define SWAP_WRITE_BATCH 32    /* frames per swap_store write call at most */

/*
 * Whether p may be written in place: not in the swap cache, or cached with
 * no swap entry left that would read it back (then it leaves the cache).
 */
bool swap_page_exclusive(struct page *p);

/*
 * Resolves a fault on the swap entry at *pte (va in area v of mm): from
 * the swap cache (minor) or the disk (major). Returns the uvm result;
 * UVM_FAULT_OOM when no frame or the read failed.
 */
enum uvm_fault_result swap_fault(struct mm *mm, const struct vma *v, uint64_t va,
				 pte_t *pte);

/* Frees every swap entry in [start, end) of mm (before its present PTEs go). */
bool swap_zap_range(struct mm *mm, uint64_t start, uint64_t end);

/* Copies the swap entries of [v->start, v->end) from parent into child. Returns 0 or -ENOMEM. */
int swap_fork_range(struct mm *parent, struct mm *child, const struct vma *v);

uint64_t swap_total_pages(void);
uint64_t swap_free_pages(void);
uint64_t swap_cached_pages(void);

#endif
