/*
 * klock.c: the kernel lock (klock.h). The lock word and its owner are one
 * per machine; the depth of each CPU's hold is in its per-CPU area.
 * Invariants: owner == the CPU whose depth is > 0, or -1 with the lock
 * word free; only the owner changes owner, depth and the lock word.
 */
#include <klock.h>
#include <percpu.h>
#include <spinlock.h>
#include <printk.h>
#include <asm/cpu.h>
#include <tlb.h>

struct kernel_lock {
	spinlock_t word;
	volatile int owner;     /* CPU holding it, -1 when free */
};

/* One per machine by nature: the lock every CPU's kernel code takes. */
static struct kernel_lock klock = { SPINLOCK_INIT, -1 };

bool kernel_lock_held(void)
{
	return klock.owner == (int)smp_processor_id();
}

void kernel_lock(void)
{
	struct percpu *p = this_cpu();
	unsigned long flags;

	if (klock.owner == (int)p->cpu) {
		p->klock_depth++;
		return;
	}
	flags = read_flags();
	irq_disable();
	while (!spin_trylock(&klock.word)) {
		tlb_flush_poll();       /* the holder may be waiting for this CPU's flush */
		cpu_relax();
	}
	klock.owner = (int)p->cpu;
	p->klock_depth = 1;
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

/*
 * Interrupts masked throughout: an interrupt taken between the depth
 * reaching 0 and the release would find owner still this CPU, take the
 * lock "recursively" and release it, and this release would then free
 * the lock another CPU had taken meanwhile (the likely cause of a
 * "kernel_unlock: CPU1 does not hold the kernel lock" panic under
 * mm.selfbench_smp=1, whose boot CPU lets go with interrupts on).
 */
void kernel_unlock(void)
{
	struct percpu *p = this_cpu();
	unsigned long flags = read_flags();

	irq_disable();
	if (klock.owner != (int)p->cpu || !p->klock_depth)
		panic("kernel_unlock: CPU%u does not hold the kernel lock", p->cpu);
	if (!--p->klock_depth) {
		klock.owner = -1;
		spin_unlock(&klock.word);
	}
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}
