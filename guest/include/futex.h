/*
 * futex.h: fast user-space mutexes (futex(2)): tasks sleep on a user
 * word and are woken by address; robust-list cleanup and clear_child_tid
 * at a thread's exit.
 *
 * A waiter is keyed by (mm, address) for a private futex or one in a
 * private mapping, and by the physical address of the word for one in a
 * shared mapping (MAP_SHARED: every process mapping the page meets
 * there). Waiters hang in a table of hashed buckets, each a FIFO list.
 * Serialised like sched.h: one CPU, interrupts masked in the kernel.
 *
 * Interface:
 *   futex_wake_key        wakes up to n waiters on a word (exit paths)
 *   futex_exit_release    robust list walk and clear_child_tid at exit
 */
#ifndef GUEST_FUTEX_H
#define GUEST_FUTEX_H

#include <sched.h>

#define FUTEX_HASH_BUCKETS 64

struct futex_table {
	struct list_head bucket[FUTEX_HASH_BUCKETS];   /* futex_waiter by node */
};

/* The kernel's one table (futex.c). */
extern struct futex_table kernel_futexes;

/* Empties table (boot). */
void futex_table_init(struct futex_table *ft);
/*
 * Wakes up to @n (at least one) waiters of t's word @uaddr whose bitset
 * meets @bitset. Returns the number woken, or -EINVAL (misaligned) /
 * -EFAULT (outside user space or, shared, unmapped).
 */
long futex_wake_addr(struct futex_table *ft, struct task *t, uint64_t uaddr, bool private,
		     int n, uint32_t bitset);
/* At t's exit, while its mm is still there: robust futexes are marked
 * owner-died and woken, clear_child_tid is zeroed and woken. */
void futex_exit_release(struct task *t);

#endif
