/*
 * spinlock.h: a test-and-test-and-set spinlock, and the irqsave forms that
 * mask interrupts on this CPU for as long as it is held (so an interrupt
 * handler on the same CPU can never spin on a lock its CPU holds).
 *
 * Interface:
 *   spin_lock / spin_trylock / spin_unlock
 *   spin_lock_irqsave / spin_unlock_irqrestore   the interrupt flag saved and restored
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <asm/cpu.h>

typedef struct spinlock {
	volatile uint32_t locked;
} spinlock_t;
#define SPINLOCK_INIT { 0 }

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !l->locked && !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = read_flags();

	irq_disable();
	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

#endif
