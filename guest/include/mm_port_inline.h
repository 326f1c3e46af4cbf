/*
 * mm_port_inline.h: the guest's inline part of mm/include/mm_port.h
 * (GUEST_CFLAGS define MM_PORT_INLINE as this header): the primitives on
 * every allocator fast path, compiled into their callers.
 *
 *   mm_phys_to_virt / mm_virt_to_phys  the direct map at PAGE_OFFSET; the
 *       kernel image and bad pointers go to mm_virt_to_phys_slow (mm_port.c)
 *   mm_irq_save / mm_irq_restore       pushf + cli, then sti if IF was set
 *   mm_cpu_id                          the index in this CPU's per-CPU area,
 *                                      read through GS (percpu.h)
 * Included from mm_port.h, after its types: nothing here may need more of it.
 */
#ifndef GUEST_MM_PORT_INLINE_H
#define GUEST_MM_PORT_INLINE_H

#include <asm/cpu.h>
#include <asm/layout.h>
#include <percpu.h>

/* Not in the direct map: the kernel image's address, else a panic. */
phys_addr_t mm_virt_to_phys_slow(const void *va);

static inline void *mm_phys_to_virt(phys_addr_t pa)
{
	return (void *)(PAGE_OFFSET + pa);
}

static inline phys_addr_t mm_virt_to_phys(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (__builtin_expect(v - PAGE_OFFSET < VMALLOC_START - PAGE_OFFSET, 1))
		return v - PAGE_OFFSET;
	return mm_virt_to_phys_slow(va);
}

static inline unsigned long mm_irq_save(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void mm_irq_restore(unsigned long flags)
{
	if (flags & X86_EFLAGS_IF)
		__asm__ __volatile__("sti" : : : "memory");
	else
		__asm__ __volatile__("" : : : "memory");
}

static inline unsigned mm_cpu_id(void)
{
	uint32_t cpu;

	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(cpu) : "i"(PERCPU_CPU));
	return cpu;
}

#endif
