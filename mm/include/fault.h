/*
 * fault.h: the page-fault engine (Linux's mm/memory.c): what a fault on
 * a user address does, and the frame bookkeeping of mapping, unmapping
 * and fork that must agree with it. It decides and performs:
 *   - no area, or an access the area does not allow: a SIGSEGV result;
 *   - not present, anonymous: a zeroed frame (or, by fault-around, one
 *     zeroed block of 2^around_order frames mapped as small pages);
 *   - not present, file-backed private: the page-cache frame mapped
 *     read-only for reads (and, by file fault-around, the neighbours the
 *     cache holds in an aligned window of 2^file_around_order pages,
 *     read-only and not accessed, without I/O), a private copy for writes;
 *   - not present, file-backed shared (VMA_SHARED): the page-cache frame
 *     itself, writable for writes, so every mapper and read() see one page;
 *   - a file page wholly past the end of its file: SIGBUS, as Linux;
 *   - a swap entry: swap-in through the swap cache, a run of following
 *     entries read with it (2^page_cluster pages at most), the refault
 *     told to reclaim;
 *   - a write to a present read-only page of a writable area: the frame
 *     reused in place when only this mapping holds it, else copied;
 *   - a present, permitted page: a stale TLB entry, flushed.
 *
 * Interface:
 *   fault_handle       resolves one fault in a space; returns enum fault_result
 *   fault_map_frame    maps one frame and counts it (fork, populate)
 *   fault_drop_frame   forgets one unmapped mapping; frees the frame if last
 *   fault_zap_range    unmaps [start, end) of a space: frames and swap entries
 *   fault_fork_range   copies an area's mappings into a child, copy-on-write
 *   fault_pte_flags    the PTE bits of a page of an area
 *   fault_swap_willneed  reads a swap entry's page into the swap cache ahead
 *
 * Invariants (the guest's uvm.h states them for its spaces):
 *  - every present user PTE maps a 4 KiB frame whose page->mapcount counts
 *    it; rss[k] counts the present PTEs whose frame is of kind k, and
 *    rss[FAULT_RSS_SWAPENTS] the swap entries;
 *  - a private frame with another mapping (mapcount > 1, a page-cache
 *    frame, or a swap-cache frame another entry reads) is never mapped
 *    writable: the write fault copies it;
 *  - a PTE changed in place from present (made writable after a copy,
 *    replaced) is flushed (mm_tlb_flush_page) before the old frame can go;
 *  - the faulting page is mapped accessed (PTE_A), as the retried access
 *    would.
 * Order of calls: fault -> the host's page cache (file_page) -> vmscan ->
 * swapdev -> buddy (through the host's alloc/free); never the reverse.
 * Locking: none inside; the caller serialises on the space's owner (the
 * guest: one CPU, non-preemptible); direct reclaim may run inside alloc.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include "vmscan.h"
#include "swapdev.h"

/* What a fault came to, for the caller's counting and signals. */
enum fault_result { FAULT_MINOR, FAULT_MAJOR, FAULT_SEGV_MAPERR, FAULT_SEGV_ACCERR,
		    FAULT_OOM, FAULT_SIGBUS };

/* The access, as x86's #PF error code says it (only these bits are read). */
#define FAULT_WRITE (1u << 1)
#define FAULT_INSTR (1u << 4)

/* A space's page counters (the host's array, in this order). */
enum fault_rss { FAULT_RSS_ANON, FAULT_RSS_FILE, FAULT_RSS_SHMEM, FAULT_RSS_SWAPENTS,
		 NR_FAULT_RSS };

/*
 * The rss side of vmscan's unmapped hook (vmscan_spaces.unmapped), the
 * same for every host: an evicted anonymous mapping became a swap entry,
 * a file one went.
 */
static inline void fault_rss_unmapped(uint64_t rss[NR_FAULT_RSS], enum lru_kind k)
{
	if (k == LRU_FILE) {
		rss[FAULT_RSS_FILE]--;
		return;
	}
	rss[FAULT_RSS_ANON]--;
	rss[FAULT_RSS_SWAPENTS]++;
}

/* What the engine counts through the host's count hook (deltas; NR_* are gauges). */
enum fault_event {
	FAULT_EV_ZERO_FILLS, FAULT_EV_FILE_MAPS, FAULT_EV_COW_COPIES, FAULT_EV_COW_REUSES,
	FAULT_EV_PSWPIN, FAULT_EV_NR_ANON_PAGES, FAULT_EV_NR_SHMEM_PAGES,
	FAULT_EV_FILE_AROUND,   /* pages file fault-around mapped */
	NR_FAULT_EVENTS
};

/* alloc's flags (the guest's page_alloc flags, same values). */
#define FAULT_ALLOC_ZERO      1u   /* zeroed */
#define FAULT_ALLOC_NORECLAIM 2u   /* only what is free now: no reclaim */

/*
 * What the engine needs of its host. A space's page table and areas are
 * the vmscan's spaces' (vs->spaces->pt / ->vmas).
 *   rss        the space's NR_FAULT_RSS counters
 *   alloc      2^order frames (order-0 unless fault-around) for va in area v
 *              (v NULL: an address with no area at hand, a swap read-ahead),
 *              where the area's or the task's NUMA policy says; 0 when none
 *   free       one frame alloc gave (order 0)
 *   file_page  the page-cache frame of file's page index, filled on first
 *              use (*major then); 0 when out of memory
 *   file_size  the file's size in bytes
 *   file_cached  the page-cache frame of file's page index if cached now
 *              (no I/O, no allocation), else 0; NULL: no file fault-around
 *   prepare    called once a fault is known to be resolvable, before any
 *              allocation (reclaim's fault plan); may be NULL
 *   count      adds n to event e
 */
struct fault_host {
	uint64_t *(*rss)(struct mm *mm);
	phys_addr_t (*alloc)(void *ctx, const struct vma *v, uint64_t va, unsigned order,
			     unsigned flags);
	void (*free)(void *ctx, phys_addr_t pa);
	phys_addr_t (*file_page)(void *ctx, const void *file, uint64_t index, bool *major);
	uint64_t (*file_size)(const void *file);
	phys_addr_t (*file_cached)(void *ctx, const void *file, uint64_t index);
	void (*prepare)(void *ctx);
	void (*count)(void *ctx, enum fault_event e, int64_t n);
	void *ctx;
};

/* One node's fault engine: the state it works on, by reference. */
struct fault_engine {
	struct buddy *buddy;             /* page <-> frame, block splits */
	struct vmscan *vs;               /* the LRUs; its spaces reach page tables */
	struct swapdev *swap;            /* the swap device and cache; inactive: none */
	const struct fault_host *host;
	uint64_t nx;                     /* the PTE's no-execute bit, 0 without NX */
	unsigned around_order;           /* anonymous pages per fault: 2^this */
	unsigned file_around_order;      /* file fault-around window: 2^this pages (<= 9), 0: none */
	unsigned page_cluster;           /* swap-in run: 2^this pages at most */
};

#define FAULT_SWAPIN_MAX 16              /* pages one swap-in may read, at most */

/* Swap entries in PTEs: not present, bit 9 set, the slot in bits 12-51. */
#define FAULT_SWP_MARK (1ull << 9)

static inline bool fault_pte_is_swap(pte_t pte)
{
	return pte && !(pte & PTE_P);
}

static inline pte_t fault_swap_pte(uint64_t slot)
{
	return (slot << MM_PAGE_SHIFT) | FAULT_SWP_MARK;
}

static inline uint64_t fault_swap_slot(pte_t pte)
{
	return (pte & PTE_ADDR_MASK) >> MM_PAGE_SHIFT;
}

/*
 * Resolves a fault at addr with access err (FAULT_WRITE, FAULT_INSTR) in
 * mm. Returns FAULT_MINOR or FAULT_MAJOR (resolved: retry the access),
 * FAULT_SEGV_MAPERR (no area), FAULT_SEGV_ACCERR (the area forbids it),
 * FAULT_SIGBUS (a file page wholly past its end), FAULT_OOM (no frame, or
 * a swap read failed).
 */
enum fault_result fault_handle(struct fault_engine *fe, struct mm *mm, uint64_t addr,
			       unsigned err);

/* madvise(MADV_WILLNEED): the swap entry at va (if any) read into the swap
 * cache, not mapped. Returns 0 or -MM_ENOMEM. */
int fault_swap_willneed(struct fault_engine *fe, struct mm *mm, uint64_t va);

/* PTE bits for a page of area v; writable when the frame may be written. */
uint64_t fault_pte_flags(const struct fault_engine *fe, const struct vma *v, bool writable);

/* Maps frame pa at va in mm with flags and counts it. Returns 0, -MM_ENOMEM or -MM_EEXIST. */
int fault_map_frame(struct fault_engine *fe, struct mm *mm, uint64_t va, phys_addr_t pa,
		    uint64_t flags);

/* Forgets one mapping of pa in mm (already unmapped); frees an anonymous frame if last. */
void fault_drop_frame(struct fault_engine *fe, struct mm *mm, phys_addr_t pa);

/* Unmaps [start, end) of mm: frames dropped, swap entries freed, empty tables freed. */
void fault_zap_range(struct fault_engine *fe, struct mm *mm, uint64_t start, uint64_t end);

/*
 * Moves the private anonymous page mapped at va of mm (area v), when that
 * is its one mapping, to a frame the host's alloc gives for v and va (the
 * area's NUMA policy; Linux's migration of one folio for mbind's
 * MPOL_MF_MOVE): the PTE is write-protected while the copy is made, then
 * points at the copy with its bits, and the old frame is dropped. Returns
 * 0, -MM_EBUSY (nothing present, a shared, file, locked or lazily freed
 * page, or one with a copy in the swap cache: left where it is) or
 * -MM_ENOMEM (no frame). The caller holds mm (its faults cannot run).
 */
int fault_move_page(struct fault_engine *fe, struct mm *mm, const struct vma *v, uint64_t va);

/*
 * Copies area v's mappings of parent into child (whose areas already
 * hold v): frames shared, private ones write-protected in both; swap
 * entries duplicated. Returns 0 or -MM_ENOMEM (child then holds part).
 */
int fault_fork_range(struct fault_engine *fe, struct mm *parent, struct mm *child,
		     const struct vma *v);

#endif
