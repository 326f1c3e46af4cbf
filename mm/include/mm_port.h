/*
 * mm_port.h: everything mm/ needs from the system it runs in.
 *
 * mm/ is freestanding: it includes only <stddef.h>, <stdint.h>, <stdbool.h>
 * and its own headers. One implementation per host, each in one file: the
 * guest kernel implements this port for real (guest/mm/mm_port.c);
 * the host unit tests and benches over a simulated physical memory
 * (tests/unit/port_host.c); memvisor, which links only the replacement
 * policies and OPT, the part those need (vmm/mm_port.c). No weak symbols:
 * a build links exactly one port. Nothing else of the host leaks into mm/.
 *
 * Address translation, the interrupt masking and the CPU id sit on every
 * allocator fast path, so a port may define them inline, as Linux's
 * arch headers do: a build that defines MM_PORT_INLINE as a header name
 * gets them from that header (the guest's guest/include/mm_port_inline.h,
 * the host tests' and bench's tests/unit/port_host_inline.h); without it
 * (memvisor, the freestanding check) they are the calls declared below.
 *
 * Interface:
 *   mm_phys_to_virt / mm_virt_to_phys  translate between physical addresses
 *                                      and pointers mm/ can dereference
 *   mm_table_alloc / mm_table_free     one zeroed 4 KiB page for page tables
 *   mm_tlb_flush_page / mm_tlb_flush_all  drop translations of one space
 *   mm_tlb_flush_pages                 a batch of pages of one space at once
 *   mm_tlb_flush_page_local            one page of one space on this CPU only
 *   mm_spin_lock / mm_spin_unlock      a spinlock that also masks interrupts
 *   mm_irq_save / mm_irq_restore       mask interrupts on this CPU only (the
 *                                      per-CPU fast paths' only protection)
 *   mm_cpu_id                          the current CPU, < mm_nr_cpu_ids()
 *   mm_nr_cpu_ids                      CPUs the system may run (<= MM_NR_CPUS)
 *   mm_snprintf                        printf-style formatting for views
 *   mm_log / mm_panic                  console output; panic never returns
 */
#ifndef MM_PORT_H
#define MM_PORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MM_PAGE_SHIFT 12
#define MM_PAGE_SIZE  (1ull << MM_PAGE_SHIFT)
#define MM_NR_CPUS    8

typedef uint64_t phys_addr_t;

/* One zeroed page for a page table; returns 0 when none is left. */
phys_addr_t mm_table_alloc(void);
void mm_table_free(phys_addr_t pa);

/*
 * TLB maintenance after a change to space @s: one page, or all of @s. The
 * host knows which CPUs may hold @s's translations (loaded in a CR3, by
 * its task or lazily by a kernel thread) and flushes there, or nowhere.
 */
struct pt_space;
void mm_tlb_flush_page(const struct pt_space *s, uint64_t va);
void mm_tlb_flush_all(const struct pt_space *s);
/* The n pages va[0..n-1] of @s as one batch (n at most PT_FLUSH_ALL_PAGES):
 * on SMP one request per CPU that may hold them, as Linux's
 * flush_tlb_mm_range sends one IPI for a range. */
void mm_tlb_flush_pages(const struct pt_space *s, const uint64_t *va, unsigned n);
/* Page va of @s on this CPU only, for a change another CPU may keep missing
 * without harm: a cleared accessed bit (another CPU's cached entry only
 * hides its next accesses, as on Linux/x86, whose ptep_clear_flush_young
 * flushes nowhere; anything that takes the page away flushes everywhere). */
void mm_tlb_flush_page_local(const struct pt_space *s, uint64_t va);

/* Spinlock; the holder runs with interrupts masked. */
typedef struct mm_spinlock {
	volatile uint32_t locked;
	unsigned long saved_flags; /* interrupt state of the holder */
} mm_spinlock_t;
#define MM_SPINLOCK_INIT { 0, 0 }
void mm_spin_lock(mm_spinlock_t *lock);
void mm_spin_unlock(mm_spinlock_t *lock);

/*
 * Address translation for memory mm/ reads and writes (tables, pages).
 *
 * mm_irq_save masks interrupts on the calling CPU and returns the previous
 * state for mm_irq_restore, which unmasks them only if they were on
 * (Linux's local_irq_save/restore). This is all a per-CPU list needs
 * against its own CPU: between the two, nothing else runs on this CPU.
 * Other CPUs are not held off; the callers say how they keep them out.
 * Both are compiler barriers: memory accesses stay between them.
 *
 * mm_cpu_id: the current CPU, stable while interrupts are masked.
 */
#ifdef MM_PORT_INLINE
#include MM_PORT_INLINE
#else
void *mm_phys_to_virt(phys_addr_t pa);
phys_addr_t mm_virt_to_phys(const void *va);
unsigned long mm_irq_save(void);
void mm_irq_restore(unsigned long flags);
unsigned mm_cpu_id(void);
#endif
/* How many CPUs the system has (possible, as Linux's nr_cpu_ids); per-CPU
 * arrays keep MM_NR_CPUS slots, views show this many. */
unsigned mm_nr_cpu_ids(void);

int mm_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mm_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Invariant check: a kernel panic in the guest, an abort in host tests. */
#define MM_BUG_ON(cond)                                                         \
	do {                                                                    \
		if (__builtin_expect(!!(cond), 0))                              \
			mm_panic("%s:%d: BUG in %s: %s", __FILE__, __LINE__,    \
				 __func__, #cond);                              \
	} while (0)

/*
 * MM_VM_BUG_ON(cond): an invariant check too costly for a fast path in a
 * production build (Linux's VM_BUG_ON under CONFIG_DEBUG_VM): checked when
 * MM_DEBUG_VM is 1. The host port's inline header turns it on for the unit
 * tests; the guest and `make bench-mm` leave it off.
 */
#ifndef MM_DEBUG_VM
#define MM_DEBUG_VM 0
#endif
#define MM_VM_BUG_ON(cond)                                                      \
	do {                                                                    \
		if (MM_DEBUG_VM)                                                \
			MM_BUG_ON(cond);                                        \
	} while (0)

/* Error codes: Linux's values, returned negated. */
#define MM_ENOENT  2
#define MM_ENOMEM  12
#define MM_EFAULT  14
#define MM_EBUSY   16
#define MM_EEXIST  17
#define MM_EINVAL  22
#define MM_ENOSPC  28
#define MM_ERANGE  34

#endif
