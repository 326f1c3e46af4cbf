/*
 * tlb.h: which CPUs may hold a user address space's translations, and the
 * TLB flushes of user mappings (Linux's mm_cpumask, cpu_tlbstate.loaded_mm
 * and flush_tlb_page/mm).
 *
 * Rules every caller keeps:
 *  - a CPU may cache translations of an mm only while that mm's root is in
 *    its CR3: user PTEs are never global (no PTE_G) and CR3 is loaded
 *    without PCID, so loading another root drops them all;
 *  - a kernel thread does not load a root of its own: it runs on whatever
 *    the CPU had (lazy TLB), so "loaded here" is not "current->mm";
 *  - whoever clears a present user PTE, downgrades it (RW taken away, A
 *    cleared to watch for the next access, the frame replaced) or changes
 *    it in any way the CPU must see, calls flush_tlb_page/mm on its
 *    mm before the old frame can be reused or the change relied on. pt.c
 *    does so through the mm port (mm_tlb_flush_page/all with the space);
 *    code that writes PTEs in place (reclaim, COW) calls these directly.
 * A flush of an mm not loaded on this CPU does nothing: no TLB here holds
 * it. With SMP, the flush goes to every CPU of mm_cpumask (a later issue);
 * today that mask has at most this CPU's bit.
 *
 * /proc/vmstat counts the flushes done (nr_tlb_local_flush_one: invlpg of
 * one page, nr_tlb_local_flush_all: the whole space by a CR3 reload).
 */
#ifndef GUEST_TLB_H
#define GUEST_TLB_H

#include <pt.h>

struct mm;

/* Loads mm's root in this CPU's CR3 (NULL: the kernel's) and moves the CPU's
 * bit in mm_cpumask; nothing when mm is already loaded here. */
void switch_mm(struct mm *next);

/* The mm whose root this CPU's CR3 holds (NULL: kernel_pt). */
struct mm *tlb_loaded_mm(void);

/* Whether this CPU may hold translations of mm. */
bool mm_loaded_here(const struct mm *mm);

/* Drops this CPU's translations of mm for va / for all of mm, when it may
 * hold any (pt.c batches a range into pages or one whole flush itself). */
void flush_tlb_page(struct mm *mm, uint64_t va);
void flush_tlb_mm(struct mm *mm);

/* Kernel-half mappings (kernel_pt, shared by every space): always flushed. */
void flush_tlb_kernel_page(uint64_t va);
void flush_tlb_kernel_all(void);

#endif
