/*
 * tlb.c: TLB coherence for user address spaces (tlb.h). Owns each CPU's
 * record of the mm its CR3 holds (Linux's cpu_tlbstate.loaded_mm) and the
 * cpumask in every struct mm, and does every flush of user translations.
 *
 * Invariants:
 *  - tlbstate[c].loaded_mm is the mm whose root CPU c's CR3 holds, NULL
 *    for kernel_pt; only switch_mm changes CR3 after boot;
 *  - bit c of mm->cpumask is set iff tlbstate[c].loaded_mm == mm, so an mm
 *    with an empty mask is in no CR3 and may be destroyed (uvm_destroy
 *    asserts it);
 *  - CPU c's TLB holds translations of mm only if bit c is set: user PTEs
 *    are not global, and CR3 loads (no PCID) drop non-global entries.
 * One CPU today: tlbstate has MM_NR_CPUS slots and flushes act on this
 * CPU only, which is every CPU a mask can name.
 */
#include <tlb.h>
#include <uvm.h>
#include <vmstat.h>
#include <printk.h>
#include <asm/cpu.h>
#include <asm/paging.h>

struct cpu_tlbstate {
	struct mm *loaded_mm;   /* whose root this CPU's CR3 holds; NULL: kernel_pt */
};

/* Per-CPU by nature: one CR3 per CPU. */
static struct cpu_tlbstate tlbstate[MM_NR_CPUS];

static inline uint64_t cpu_bit(unsigned cpu)
{
	return 1ull << cpu;
}

struct mm *tlb_loaded_mm(void)
{
	return tlbstate[mm_cpu_id()].loaded_mm;
}

bool mm_loaded_here(const struct mm *mm)
{
	return (mm->cpumask & cpu_bit(mm_cpu_id())) != 0;
}

void switch_mm(struct mm *next)
{
	unsigned cpu = mm_cpu_id();
	struct cpu_tlbstate *st = &tlbstate[cpu];
	struct mm *prev = st->loaded_mm;

	if (prev == next)
		return;   /* same root: every change to it was flushed here */
	if (next)
		next->cpumask |= cpu_bit(cpu);
	write_cr3(next ? next->pt.root : kernel_pt.root);
	if (prev)
		prev->cpumask &= ~cpu_bit(cpu);
	st->loaded_mm = next;
}

void flush_tlb_page(struct mm *mm, uint64_t va)
{
	if (!mm_loaded_here(mm))
		return;
	invlpg(va);
	count_vm_event(VM_NR_TLB_LOCAL_FLUSH_ONE);
}

void flush_tlb_mm(struct mm *mm)
{
	if (!mm_loaded_here(mm))
		return;
	write_cr3(mm->pt.root);   /* user PTEs are not global: all of them go */
	count_vm_event(VM_NR_TLB_LOCAL_FLUSH_ALL);
}

void flush_tlb_kernel_page(uint64_t va)
{
	invlpg(va);
}

/* Reloading CR3 drops non-global entries; toggling PGE drops global ones. */
void flush_tlb_kernel_all(void)
{
	unsigned long cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}
