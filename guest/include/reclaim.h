/*
 * reclaim.h: page reclaim: the LRU (user anonymous frames tracked by the
 * mm.policy replacement policy, mm/include/policy.h), reverse mapping,
 * eviction to swap, direct reclaim and kswapd.
 *
 * Per frame, a side array (not struct page) holds the policy's
 * struct policy_frame, the frame's user address and its swap-cache slot.
 * Reverse map: a private anonymous frame sits at the same user address in
 * every address space that maps it (fork copies addresses; there is no
 * mremap), so its mappings are found by looking that address up in each
 * process's page table: Linux's anon_vma walk with every mm in one family.
 *
 * Interface (hooks uvm.c calls):
 *   reclaim_page_mapped  a private anonymous frame got a mapping at va in mm
 *                        (after rmap_add)
 *   reclaim_page_freed   a user frame goes back to the allocator
 *   reclaim_fault_prepare  a safe point before a fault: direct reclaim if
 *                        free memory is below the min watermark's margin
 * and for the rest of the kernel:
 *   reclaim_init         after swap_init: side array, policy, kswapd, buddy hooks
 *   reclaim_shrink       evicts up to n frames; returns frames freed
 *   reclaim_rmap_walk    calls fn on every PTE mapping a frame
 *
 * Locking: one CPU and a non-preemptible kernel; reclaim runs in task
 * context only (kswapd, a fault, an allocation). Direct reclaim from inside
 * an allocation skips frames the current process maps, whose PTEs the
 * interrupted code may hold.
 */
#ifndef GUEST_RECLAIM_H
#define GUEST_RECLAIM_H

#include <policy.h>
#include <buddy.h>
#include <pt.h>

struct mm;

struct reclaim_frame {
	struct policy_frame pf;  /* owned by the policy while tracked */
	uint64_t va;             /* user address of every mapping (anon) */
	struct mm *mm;           /* the one mapping's space, valid while mapcount
				  * is 1 and this is not NULL (else walk all) */
	uint32_t swap_slot;      /* swap cache: the slot holding a copy, 0: none */
	uint32_t pad;
};

/* The side data of p; NULL before reclaim_init or for a pfn outside RAM. */
struct reclaim_frame *reclaim_frame(const struct page *p);

void reclaim_init(void);
void reclaim_page_mapped(struct page *p, struct mm *mm, uint64_t va);
void reclaim_page_freed(struct page *p);
void reclaim_fault_prepare(void);

/* Evicts up to n frames (direct: counted as direct reclaim). Returns frames freed. */
unsigned long reclaim_shrink(unsigned long n, bool direct);

/* fn(mm, pte, arg) for each PTE mapping p; stops when fn returns false. */
typedef bool (*reclaim_rmap_fn)(struct mm *mm, pte_t *pte, uint64_t va, void *arg);
/* Returns the mappings visited. */
unsigned reclaim_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg);

/* The policy in use ("fifo", ...), for the log and /proc. */
const char *reclaim_policy_name(void);

#endif
