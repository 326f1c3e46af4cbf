/*
 * mm_port.c: the guest's implementation of mm/include/mm_port.h.
 *
 * Physical memory is reached through the direct map at PAGE_OFFSET (during
 * boot the boot tables map its first BOOT_MAP_LIMIT bytes; paging_init maps
 * all RAM). The translation, interrupt masking and CPU id are inline, in
 * guest/include/mm_port_inline.h; this file has the rest. Table pages come from memblock until the page allocator takes
 * over, then from it. mm_tlb_flush_page/all hand pt.c's flushes to tlb.c:
 * kernel_pt's always (its half is in every space), a user space's where
 * that space is loaded (every user pt_space is the pt of a struct mm).
 */
#include <mm_port.h>
#include <printk.h>
#include <memblock.h>
#include <page_alloc.h>
#include <string.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <tlb.h>
#include <uvm.h>
#include <mm_util.h>
#include <smp.h>

/* mm_virt_to_phys's way out of the direct map (mm_port_inline.h). */
phys_addr_t mm_virt_to_phys_slow(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (v >= KERNEL_MAP_BASE)
		return v - KERNEL_MAP_BASE;
	panic("mm_virt_to_phys: %p is neither direct-mapped nor kernel image", va);
}

phys_addr_t mm_table_alloc(void)
{
	phys_addr_t pa;

	if (page_alloc_ready())
		return page_alloc(0, PAGE_ALLOC_ZERO);
	pa = memblock_alloc(MM_PAGE_SIZE, MM_PAGE_SIZE);
	if (pa)
		memset(mm_phys_to_virt(pa), 0, MM_PAGE_SIZE);
	return pa;
}

void mm_table_free(phys_addr_t pa)
{
	tlb_note_table_freed();
	if (page_alloc_ready())
		page_free(pa, 0);
	else
		memblock_free(pa, MM_PAGE_SIZE);
}

static struct mm *space_mm(const struct pt_space *s)
{
	return container_of(s, struct mm, pt);
}

void mm_tlb_flush_page(const struct pt_space *s, uint64_t va)
{
	if (s == &kernel_pt)
		flush_tlb_kernel_page(va);
	else
		flush_tlb_page(space_mm(s), va);
}

void mm_tlb_flush_page_local(const struct pt_space *s, uint64_t va)
{
	if (s == &kernel_pt)
		flush_tlb_kernel_page(va);
	else
		flush_tlb_page_local(space_mm(s), va);
}

void mm_tlb_flush_pages(const struct pt_space *s, const uint64_t *va, unsigned n)
{
	if (s == &kernel_pt)
		flush_tlb_kernel_pages(va, n);
	else
		flush_tlb_pages(space_mm(s), va, n);
}

void mm_tlb_flush_all(const struct pt_space *s)
{
	if (s == &kernel_pt)
		flush_tlb_kernel_all();
	else
		flush_tlb_mm(space_mm(s));
}

void mm_spin_lock(mm_spinlock_t *lock)
{
	unsigned long flags = mm_irq_save();

	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		__asm__ __volatile__("pause");
	lock->saved_flags = flags;
}

void mm_spin_unlock(mm_spinlock_t *lock)
{
	unsigned long flags = lock->saved_flags;

	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	mm_irq_restore(flags);
}

unsigned mm_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

/* The kernel's formatter (vsprintf.c). */
int mm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void mm_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void mm_panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic("%s", msg);
}
