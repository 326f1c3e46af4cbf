/*
 * port_host_inline.h: the host port's inline part of mm/include/mm_port.h
 * (the unit tests and the mm bench define MM_PORT_INLINE as this header),
 * the same shape as the guest's guest/include/mm_port_inline.h:
 *
 *   mm_phys_to_virt / mm_virt_to_phys  offsets into the simulated physical
 *       memory; first use and a pointer outside it go to port_host.c
 *   mm_irq_save / mm_irq_restore       pushf, then a store to the simulated
 *       interrupt flag where the guest executes cli and sti; a save counts
 *       down to the armed interrupt inline (no call: a call there would
 *       make the fast paths save registers the guest's do not), the
 *       pending one runs out of line at the unmasking restore
 *       (port_host.h's simulated interrupts)
 *   mm_cpu_id                          the simulated CPU's index
 * The state is port_host.c's host_percpu (see port_host.h); one thread
 * runs mm/.
 */
#ifndef PORT_HOST_INLINE_H
#define PORT_HOST_INLINE_H

#include "port_host.h"

/* The unit tests run mm/'s debug checks (MM_VM_BUG_ON); the bench builds
 * with -DMM_DEBUG_VM=0, as the guest runs. */
#ifndef MM_DEBUG_VM
#define MM_DEBUG_VM 1
#endif

/* port_host.c's side of what follows. */
void *host_phys_to_virt_slow(phys_addr_t pa); /* sets memory up; aborts past its end */
void host_bad_pointer(const void *va) __attribute__((noreturn));
void host_irq_take_pending(void);     /* runs the pending interrupt's handler */

static inline void *mm_phys_to_virt(phys_addr_t pa)
{
	if (__builtin_expect(!host_phys_base || pa >= HOST_PHYS_SIZE, 0))
		return host_phys_to_virt_slow(pa);
	return host_phys_base + pa;
}

static inline phys_addr_t mm_virt_to_phys(const void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)host_phys_base;

	if (__builtin_expect(off >= HOST_PHYS_SIZE, 0))
		host_bad_pointer(va);
	return (phys_addr_t)off;
}

static inline unsigned long mm_irq_save(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(flags) : : "memory");
	flags = (flags & ~HOST_EFLAGS_IF) | host_percpu.irq_flag;
	host_percpu.irq_flag = 0;
	if (__builtin_expect(host_percpu.irq_armed_saves != 0, 0) &&
	    !--host_percpu.irq_armed_saves)
		host_percpu.irq_pending = true; /* the armed interrupt: no call here */
	__asm__ __volatile__("" : : : "memory");
	return flags;
}

static inline void mm_irq_restore(unsigned long flags)
{
	__asm__ __volatile__("" : : : "memory");
	if (!(flags & HOST_EFLAGS_IF))
		return;
	host_percpu.irq_flag = HOST_EFLAGS_IF;
	if (__builtin_expect(host_percpu.irq_pending, 0))
		host_irq_take_pending();
}

static inline unsigned mm_cpu_id(void)
{
	return host_percpu.cpu;
}

#endif
