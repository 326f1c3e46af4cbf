/*
 * klock.c: the kernel lock (klock.h), a ticket lock whose waiters halt
 * (Linux's paravirt spinlocks: pv_wait / pv_kick). The lock word, its owner
 * and each CPU's waiter record are one per machine; the depth of each CPU's
 * hold is in its per-CPU area.
 *
 * Taking it: a CPU draws the next ticket and waits until `serving` reaches
 * it, so CPUs take the lock in the order they asked (no waiter starves).
 * It spins KLOCK_SPIN_LOOPS rounds, doing any TLB flush asked of it
 * (tlb_flush_poll), then halts until kicked: it marks itself halted,
 * checks its turn once more, and halts with `sti; hlt` under a task
 * priority that lets in only the lockless IPIs (vectors 0xf0 and up: TLB
 * flush, reschedule, kick), never an interrupt whose handler would
 * take the lock. Letting go advances `serving` and sends the kick IPI to
 * the CPU whose turn it now is, if that CPU halts. Lost wakeup: the waiter
 * publishes `halted` before its last check, the releaser `serving` before
 * it reads `halted` (both sequentially consistent), so one sees the
 * other; a kick that comes after the check is pending at `sti` and ends
 * the `hlt` in its shadow.
 *
 * The call IPI (smp.h) is below that priority: its function may wait for
 * another CPU, which may be waiting for this CPU's turn.
 *
 * Invariants: owner == the CPU whose depth is > 0, or -1 with `serving`
 * not yet taken; only the owner changes owner and `serving`; a CPU waits
 * at most once at a time (nothing it lets in while waiting takes the
 * lock), so it holds at most one ticket; waiter.ticket and
 * waiter.halted are written only by their CPU, while it waits.
 */
#include <klock.h>
#include <percpu.h>
#include <spinlock.h>
#include <printk.h>
#include <smp.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/traps.h>
#include <tlb.h>

#define KLOCK_SPIN_LOOPS 128   /* rounds a waiter spins before it halts */
#define KLOCK_HALT_TPR   0xe0  /* masks vectors below 0xf0 while a waiter halts */

/* One CPU's wait for the lock; written by that CPU only. */
struct klock_waiter {
	volatile uint32_t ticket;   /* the turn it waits for, while waiting */
	bool waiting;
	volatile bool halted;       /* halting until kicked */
};

struct kernel_lock {
	uint32_t next;              /* the next ticket drawn */
	volatile uint32_t serving;  /* the ticket whose CPU may take the lock */
	volatile int owner;         /* CPU holding it, -1 when free */
	struct klock_waiter waiter[MM_NR_CPUS];
};

/* One per machine by nature: the lock every CPU's kernel code takes. */
static struct kernel_lock klock = { .owner = -1 };

bool kernel_lock_held(void)
{
	return klock.owner == (int)smp_processor_id();
}

static bool klock_my_turn(const struct kernel_lock *l, const struct klock_waiter *w)
{
	return __atomic_load_n(&l->serving, __ATOMIC_SEQ_CST) == w->ticket;
}

/* Halts until an IPI (a kick, a flush), unless the turn came meanwhile;
 * returns with interrupts masked. */
static void klock_halt(const struct kernel_lock *l, struct klock_waiter *w)
{
	__atomic_store_n(&w->halted, true, __ATOMIC_SEQ_CST);
	if (!klock_my_turn(l, w)) {
		apic_set_tpr(KLOCK_HALT_TPR);
		safe_halt();
		irq_disable();
		apic_set_tpr(0);
	}
	__atomic_store_n(&w->halted, false, __ATOMIC_RELAXED);
}

/* Waits, interrupts masked, until w's ticket is served; halts after each
 * short spin. */
static void klock_wait_turn(const struct kernel_lock *l, struct klock_waiter *w)
{
	unsigned spins = 0;

	while (!klock_my_turn(l, w)) {
		tlb_flush_poll();       /* the holder may be waiting for this CPU's flush */
		if (++spins >= KLOCK_SPIN_LOOPS) {
			klock_halt(l, w);
			spins = 0;
		} else {
			cpu_relax();
		}
	}
}

void kernel_lock(void)
{
	struct percpu *p = this_cpu();
	struct klock_waiter *w = &klock.waiter[p->cpu];
	unsigned long flags = read_flags();

	irq_disable();
	if (klock.owner == (int)p->cpu) {
		p->klock_depth++;
	} else {
		if (w->waiting)
			panic("kernel_lock: CPU%u asked again while it waits", p->cpu);
		w->waiting = true;
		w->ticket = __atomic_fetch_add(&klock.next, 1, __ATOMIC_RELAXED);
		klock_wait_turn(&klock, w);
		w->waiting = false;
		klock.owner = (int)p->cpu;
		p->klock_depth = 1;
	}
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

/* Wakes the CPU whose ticket is @turn if it halts for it. */
static void klock_kick(const struct kernel_lock *l, uint32_t turn)
{
	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		const struct klock_waiter *w = &l->waiter[c];
		if (__atomic_load_n(&w->halted, __ATOMIC_SEQ_CST) && w->ticket == turn) {
			apic_send_ipi(percpu_of(c)->apic_id, VEC_KLOCK_KICK);
			return;
		}
	}
}

static void klock_release(struct kernel_lock *l)
{
	uint32_t turn = l->serving + 1;

	l->owner = -1;
	__atomic_store_n(&l->serving, turn, __ATOMIC_SEQ_CST);
	klock_kick(l, turn);
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
	if (!--p->klock_depth)
		klock_release(&klock);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

/* Lockless: ends a waiter's halt; its loop finds its turn. */
static void klock_kick_interrupt(struct pt_regs *regs)
{
	(void)regs;
	apic_eoi();
}

void kernel_lock_init_ipi(void)
{
	trap_set_lockless_handler(VEC_KLOCK_KICK, klock_kick_interrupt);
}
