/*
 * klock.h: the kernel lock, one recursive lock for the whole machine that
 * serialises all kernel code on SMP (Linux 2.0's big kernel lock). It is
 * the first lock in every lock order (docs/smp.md): every other lock
 * (the mm/ spinlocks of the buddy zones, slab caches, page cache, LRU,
 * swap; the run queue, wait queues and task list, which it protects by
 * itself) is taken with it held.
 *
 * Who holds it: a CPU running kernel code. trap_handle takes it on entry
 * (but for the IPIs that must run while another CPU holds it: TLB flush,
 * reschedule; and NMI, #DF, #MC) and drops it on the way out; the idle
 * loop drops it around hlt; a new user task drops it on its first return
 * to user mode. Context switches happen with depth 1 and hand the lock
 * from the task switched out to the one switched in on the same CPU.
 * User code runs on every CPU at once.
 *
 * Waiters queue in ticket order; a CPU that finds the word free takes it
 * unless the queue's head is spinning for it (klock.c). A CPU waiting for
 * it spins a little with interrupts masked (an interrupt taken before its
 * handler's EOI could come again: PVM delivers it anew), doing any TLB
 * flush the holder asks of it (tlb_flush_poll), since the holder waits
 * for that flush; then it halts, open only to the lockless IPIs, until
 * the CPU letting go kicks it (VEC_KLOCK_KICK), so a waiter leaves its
 * host core to the vCPU that holds the lock (Linux's pv_wait / pv_kick).
 *
 * Interface:
 *   kernel_lock / kernel_unlock   recursive on one CPU
 *   kernel_lock_held              whether this CPU holds it
 *   kernel_lock_init_ipi          installs the kick IPI's handler (boot CPU,
 *                                 before the APs start)
 */
#ifndef GUEST_KLOCK_H
#define GUEST_KLOCK_H

#include <stdbool.h>

void kernel_lock(void);
void kernel_unlock(void);
bool kernel_lock_held(void);
void kernel_lock_init_ipi(void);

#endif
