/*
 * port_host.h: the mm/ port implemented on the host for unit tests.
 *
 * "Physical memory" is one lazily-backed anonymous mapping of
 * HOST_PHYS_SIZE bytes; physical address pa lives at host_phys_base + pa.
 * Page-table pages come from a pool at the top of it
 * [HOST_TABLE_POOL_BASE, HOST_PHYS_SIZE), so tests that hand the low part to
 * an allocator never collide with tables. Counters let tests prove that
 * nothing leaks and that TLB flushes happen.
 */
#ifndef PORT_HOST_H
#define PORT_HOST_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define HOST_PHYS_SIZE       (512ull << 20)
#define HOST_TABLE_POOL_SIZE (64ull << 20)
#define HOST_TABLE_POOL_BASE (HOST_PHYS_SIZE - HOST_TABLE_POOL_SIZE)

extern unsigned char *host_phys_base;
extern long host_tables_in_use;      /* table pages allocated, not freed */
extern long host_table_alloc_limit;  /* -1: no limit; else fail past it */
/* Run by every mm_table_alloc before it allocates (a test's stand-in for
 * the direct reclaim a table allocation may run); NULL: none. */
extern void (*host_table_alloc_hook)(void *arg);
extern void *host_table_alloc_hook_arg;
extern long host_tlb_page_flushes, host_tlb_full_flushes;

/*
 * The simulated CPU's state that the inline primitives (port_host_inline.h)
 * read and write, in one struct as the guest's per-CPU area, so a fast
 * path finds all of it through one address. Reset by host_port_reset.
 */
#define HOST_EFLAGS_IF (1ul << 9)
struct host_percpu {
	unsigned long irq_flag;   /* HOST_EFLAGS_IF while simulated interrupts are on */
	unsigned cpu;             /* what mm_cpu_id() returns; 0 after a reset */
	unsigned irq_armed_saves; /* mm_irq_save calls until the armed interrupt */
	bool irq_pending;         /* an interrupt waits for the unmasking */
};
extern struct host_percpu host_percpu;

/* Resets the table pool, counters and TLBs; sets up physical memory on first use. */
void host_port_reset(void);

/*
 * The TLB model: each simulated CPU caches the leaf translations it has
 * read (space, page, frame, flags; HOST_TLB_ENTRIES per CPU, replaced in
 * turn) until mm/ flushes them through mm_tlb_flush_page/_all, which drop
 * them on every CPU. A flush mm/ forgets shows up as a stale read.
 * host_tlb_read translates va in s as CPU cpu would: from its TLB, else by
 * walking s (then cached). Returns the frame address of va's page with
 * its PTE flags and PTE_P, or 0 when va is not mapped (not cached).
 */
#define HOST_TLB_ENTRIES 16
struct pt_space;
uint64_t host_tlb_read(unsigned cpu, const struct pt_space *s, uint64_t va);
extern long host_tlb_hits;           /* reads served from a TLB */

/*
 * A page fault at va on CPU cpu: drops that CPU's entries for va, as x86
 * does when it raises #PF, and no other CPU's (whose stale entries only
 * mm/'s flushes remove).
 */
void host_tlb_fault(unsigned cpu, const struct pt_space *s, uint64_t va);

/*
 * Simulated interrupts. A user process cannot execute cli, so mm_irq_save
 * reads the real flags with pushf (as the guest does) but masks a simulated
 * interrupt flag instead; mm_irq_restore unmasks it when it was on. An
 * interrupt raised while masked is taken at the mm_irq_restore (or
 * mm_spin_unlock) that unmasks them, as a pending interrupt is taken at
 * sti or popf: the handler runs on the current simulated CPU with
 * interrupts masked.
 */
typedef void (*host_irq_fn)(void *arg);
/*
 * Raises fn(arg) inside mm/: at the n-th mm_irq_save from now (n >= 1),
 * just after it masked interrupts, so the handler runs when that section
 * unmasks them. Sweeping n puts an interrupt in each masked section in
 * turn; n = 0 disarms one not yet raised.
 */
void host_irq_raise_at_save(unsigned n, host_irq_fn fn, void *arg);
extern long host_spin_locks;         /* mm_spin_lock calls since the reset */
/* The simulated interrupt flag; on after a reset. */
static inline bool host_irqs_on(void)
{
	return host_percpu.irq_flag != 0;
}
extern long host_irqs_taken;         /* handlers run since the reset */

/* The last lines mm_log printed (newest last), for tests of reports. */
const char *host_log_text(void);
void host_log_clear(void);

#endif
