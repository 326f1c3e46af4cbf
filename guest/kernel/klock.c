/*
 * klock.c: the kernel lock (klock.h): a lock word, a queue of waiters in
 * ticket order, and waiters that halt (Linux's paravirt qspinlock:
 * pv_wait / pv_kick, with its lock stealing). The word, the queue, the
 * owner and each CPU's waiter record are one per machine; the depth of
 * each CPU's hold is in its per-CPU area.
 *
 * Taking it: a CPU takes the free word at once unless the queue's head is
 * spinning for it (stealing); else it draws a ticket and waits until it is
 * the head, then takes the word, making the next ticket the head. The
 * head keeps newcomers off while it spins; while it halts they may take
 * the word before it, and each release kicks it; so a waiter is passed
 * over only while it halts, and never once it is awake at the head.
 * Every wait spins KLOCK_SPIN_LOOPS rounds, doing any TLB flush asked of
 * it (tlb_flush_poll), then halts: it marks itself halted, checks once
 * more, and halts with `sti; hlt` under a task priority that lets in only
 * the lockless IPIs (vectors 0xf0 and up: TLB flush, reschedule, kick),
 * never an interrupt whose handler would take the lock. The release and
 * the making of a new head kick the head (VEC_KLOCK_KICK) if it halts.
 * Lost wakeup: the waiter publishes `halted` before its last check, the
 * kicker the word or the head before it reads `halted` (all sequentially
 * consistent), so one sees the other; a kick that comes after the check
 * is pending at `sti` and ends the `hlt` in its shadow.
 *
 * The call IPI (smp.h) is below that priority: its function may wait for
 * another CPU, which may be waiting for this CPU.
 *
 * Invariants: owner == the CPU whose depth is > 0 and holds the word, or
 * -1 with the word free or being taken; only the owner changes owner and
 * frees the word; only the head advances `head`; a CPU waits at most
 * once at a time (nothing it lets in while waiting takes the lock), so it
 * holds at most one ticket; waiter.ticket and waiter.halted are written
 * only by their CPU, while it waits.
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
	volatile uint32_t ticket;   /* its place in the queue, while waiting */
	bool waiting;
	volatile bool halted;       /* halting until kicked */
};

struct kernel_lock {
	spinlock_t word;            /* taken by the holder */
	volatile bool head_spinning; /* the queue's head spins for word: no stealing */
	uint32_t next;              /* the next ticket drawn */
	volatile uint32_t head;     /* the ticket at the head of the queue */
	volatile int owner;         /* CPU holding it, -1 when free */
	struct klock_waiter waiter[MM_NR_CPUS];
};

/* One per machine by nature: the lock every CPU's kernel code takes. */
static struct kernel_lock klock = { .word = SPINLOCK_INIT, .owner = -1 };

typedef bool (*klock_ready_fn)(const struct kernel_lock *l, const struct klock_waiter *w);

bool kernel_lock_held(void)
{
	return klock.owner == (int)smp_processor_id();
}

static bool klock_is_head(const struct kernel_lock *l, const struct klock_waiter *w)
{
	return __atomic_load_n(&l->head, __ATOMIC_SEQ_CST) == w->ticket;
}

static bool klock_word_free(const struct kernel_lock *l, const struct klock_waiter *w)
{
	(void)w;
	return !__atomic_load_n(&l->word.locked, __ATOMIC_SEQ_CST);
}

/* Halts until an IPI (a kick, a flush), unless @ready holds once halted is
 * published; returns with interrupts masked. */
static void klock_halt(const struct kernel_lock *l, struct klock_waiter *w, klock_ready_fn ready)
{
	__atomic_store_n(&w->halted, true, __ATOMIC_SEQ_CST);
	if (!ready(l, w)) {
		apic_set_tpr(KLOCK_HALT_TPR);
		safe_halt();
		irq_disable();
		apic_set_tpr(0);
	}
	__atomic_store_n(&w->halted, false, __ATOMIC_RELAXED);
}

/* Waits, interrupts masked, until w is the queue's head; halts after each
 * short spin. */
static void klock_wait_head(const struct kernel_lock *l, struct klock_waiter *w)
{
	unsigned spins = 0;

	while (!klock_is_head(l, w)) {
		tlb_flush_poll();       /* the holder may be waiting for this CPU's flush */
		if (++spins >= KLOCK_SPIN_LOOPS) {
			klock_halt(l, w, klock_is_head);
			spins = 0;
		} else {
			cpu_relax();
		}
	}
}

/* The head takes the word: newcomers keep off while it spins, and may
 * take the lock before it while it halts (it is kicked at each release). */
static void klock_take_as_head(struct kernel_lock *l, struct klock_waiter *w)
{
	for (;;) {
		__atomic_store_n(&l->head_spinning, true, __ATOMIC_SEQ_CST);
		for (unsigned i = 0; i < KLOCK_SPIN_LOOPS; i++) {
			if (spin_trylock(&l->word)) {
				l->head_spinning = false;
				return;
			}
			tlb_flush_poll();
			cpu_relax();
		}
		__atomic_store_n(&l->head_spinning, false, __ATOMIC_SEQ_CST);
		klock_halt(l, w, klock_word_free);
	}
}

/* Wakes the queue's head if it halts. */
static void klock_kick_head(const struct kernel_lock *l)
{
	uint32_t head = __atomic_load_n(&l->head, __ATOMIC_SEQ_CST);

	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		const struct klock_waiter *w = &l->waiter[c];
		if (__atomic_load_n(&w->halted, __ATOMIC_SEQ_CST) && w->ticket == head) {
			apic_send_ipi(percpu_of(c)->apic_id, VEC_KLOCK_KICK);
			return;
		}
	}
}

/* Queues w, waits to be the head, takes the word, makes the next the head. */
static void klock_take_queued(struct kernel_lock *l, struct klock_waiter *w)
{
	w->ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	w->waiting = true;
	klock_wait_head(l, w);
	klock_take_as_head(l, w);
	w->waiting = false;
	__atomic_store_n(&l->head, w->ticket + 1, __ATOMIC_SEQ_CST);
	klock_kick_head(l);
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
		if (__atomic_load_n(&klock.head_spinning, __ATOMIC_SEQ_CST) ||
		    !spin_trylock(&klock.word))
			klock_take_queued(&klock, w);
		klock.owner = (int)p->cpu;
		p->klock_depth = 1;
	}
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

static void klock_release(struct kernel_lock *l)
{
	l->owner = -1;
	__atomic_store_n(&l->word.locked, 0, __ATOMIC_SEQ_CST);
	klock_kick_head(l);
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
