/*
 * tlb.h: which CPUs may hold a user address space's translations, and the
 * TLB flushes of user mappings (Linux's mm_cpumask, cpu_tlbstate.loaded_mm
 * and flush_tlb_page/mm).
 *
 * Rules every caller keeps:
 *  - a CPU may cache translations of an mm only while that mm's root is in
 *    its CR3: user PTEs are never global (no PTE_G) and CR3 is loaded
 *    without PCID, so loading another root drops them all;
 *  - a kernel thread (or an idle task) does not load a root of its own: it
 *    runs on whatever the CPU had (lazy TLB, switch_mm_lazy), so "loaded
 *    here" is not "current->mm", and the CPU stays in that mm's cpumask
 *    until it loads another mm or the mm is released; shootdowns leave it
 *    out (but after a page-table page was freed) and it flushes all of
 *    the mm when it switches back to it;
 *  - whoever clears a present user PTE, downgrades it (RW taken away, A
 *    cleared to watch for the next access, the frame replaced) or changes
 *    it in any way the CPU must see, calls flush_tlb_page/mm on its
 *    mm before the old frame can be reused or the change relied on. pt.c
 *    does so through the mm port (mm_tlb_flush_page/all with the space);
 *    code that writes PTEs in place (reclaim, COW) calls these directly.
 * A flush acts here when the mm is loaded here, and on every other CPU of
 * mm_cpumask by a TLB flush IPI, waiting until each has done it (a
 * shootdown); a kernel_pt flush goes to every online CPU. The mask names
 * the CPUs running the mm's tasks and the CPUs that kept it lazily; a
 * shootdown reaches the former.
 *
 * /proc/vmstat counts the flushes done (nr_tlb_local_flush_one: invlpg of
 * one page, nr_tlb_local_flush_all: the whole space by a CR3 reload;
 * nr_tlb_remote_flush: shootdowns sent, nr_tlb_remote_flush_received:
 * flush IPIs taken, one per CPU reached, as Linux counts them).
 */
#ifndef GUEST_TLB_H
#define GUEST_TLB_H

#include <pt.h>

#define TLB_BATCH_MAX PT_FLUSH_ALL_PAGES

struct mm;

/* Loads mm's root in this CPU's CR3 (NULL: the kernel's) and moves the CPU's
 * bit in mm_cpumask; nothing when mm is already loaded here. */
void switch_mm(struct mm *next);

/* This CPU now runs a task without an mm on what it had loaded (lazy TLB):
 * shootdowns of that mm leave it out until switch_mm. */
void switch_mm_lazy(void);
/* A page-table page was freed: the next shootdown reaches lazy CPUs too
 * (mm_table_free). */
void tlb_note_table_freed(void);

/* The mm whose root this CPU's CR3 holds (NULL: kernel_pt). */
struct mm *tlb_loaded_mm(void);

/* Whether this CPU may hold translations of mm. */
bool mm_loaded_here(const struct mm *mm);

/* Takes mm out of every CPU's CR3, lazy ones included (they load
 * kernel_pt), so that it can be destroyed: its mask is empty on return. */
void tlb_mm_release(struct mm *mm);

/* Installs the TLB flush IPI's handler (smp_boot_cpus, before any AP starts). */
void tlb_init_ipi(void);
/* Does the flush a shootdown asks of this CPU, if any (the IPI's work, for
 * a CPU spinning with interrupts masked). */
void tlb_flush_poll(void);

/* Drops this CPU's translations of mm for va / for all of mm, when it may
 * hold any (pt.c batches a range into pages or one whole flush itself). */
void flush_tlb_page(struct mm *mm, uint64_t va);
void flush_tlb_mm(struct mm *mm);
/* The n (<= TLB_BATCH_MAX) pages va[] of mm: one shootdown for all of them. */
void flush_tlb_pages(struct mm *mm, const uint64_t *va, unsigned n);
/* Page va of mm on this CPU alone, when mm is loaded here: no shootdown
 * (mm_tlb_flush_page_local's use: a cleared accessed bit). */
void flush_tlb_page_local(struct mm *mm, uint64_t va);

/* Kernel-half mappings (kernel_pt, shared by every space): always flushed. */
void flush_tlb_kernel_page(uint64_t va);
void flush_tlb_kernel_pages(const uint64_t *va, unsigned n);
void flush_tlb_kernel_all(void);
/* Kernel page va on CPU @cpu alone, another online one, by IPI, returning
 * once it has flushed (a remote flush's round trip: selfbench times it). */
void flush_tlb_kernel_page_on(unsigned cpu, uint64_t va);

#endif
