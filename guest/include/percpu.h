/*
 * percpu.h: one area per CPU, found through the GS base (Linux's per-CPU
 * section, as one struct). Owned by percpu.c; each CPU writes only its own
 * area after bring-up, except `online`, which the CPU sets once and other
 * CPUs read.
 *
 * Interface:
 *   percpu_init_boot  points the boot CPU's GS base at area 0 (the first
 *                     thing kernel_main does: mm_cpu_id() reads it)
 *   percpu_enter      points this CPU's GS base at area @cpu (an AP, first thing)
 *   this_cpu          this CPU's area
 *   percpu_of         CPU @cpu's area
 *
 * GS: the kernel's GS base holds this CPU's area whenever the CPU runs
 * kernel code; entry.S swaps it with the user's (swapgs) on every entry
 * from and exit to ring 3, so user code never sees it.
 * The first words are at fixed offsets entry.S uses (PERCPU_* below).
 */
#ifndef GUEST_PERCPU_H
#define GUEST_PERCPU_H

#define PERCPU_SELF        0
#define PERCPU_USER_RSP    8    /* syscall_entry's scratch for the user rsp */
#define PERCPU_KSTACK_TOP  16   /* where syscall_entry puts the kernel frame */
#define PERCPU_CPU         24

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stdbool.h>
#include <mm_port.h>

struct task;
struct smp_call;

/* Where this CPU's timer ticks went (/proc/stat's cpuN line), in ticks;
 * written by the CPU's own timer interrupt only. */
struct cpu_times {
	uint64_t user, system, idle;
};

struct percpu {
	struct percpu *self;          /* PERCPU_SELF: this area's address */
	unsigned long user_rsp;       /* PERCPU_USER_RSP */
	unsigned long kstack_top;     /* PERCPU_KSTACK_TOP: current task's stack top */
	uint32_t cpu;                 /* PERCPU_CPU: index, < nr_cpu_ids */
	uint32_t apic_id;             /* from the MADT */
	volatile bool online;         /* set once by the CPU itself when it is up */
	unsigned long timer_ticks;    /* local APIC timer interrupts taken here */
	unsigned long resched_ipis;   /* reschedule IPIs taken here */
	struct cpu_times times;       /* ticks spent in user, kernel and idle here */
	struct task *curr_task;       /* the task running here (sched.h's current) */
	struct task *idle;            /* this CPU's idle task */
	bool need_resched;            /* schedule at the next return to user mode */
	volatile bool idle_halted;    /* in the idle loop, off the kernel lock (kernel lock) */
	unsigned klock_depth;         /* how deep this CPU holds the kernel lock (klock.h) */
	void *idle_stack;             /* an AP's boot/idle stack (KSTACK_SIZE) */
	void *ist_stacks;             /* an AP's #DF stack, then its NMI stack */
	struct smp_call *volatile call; /* asked of this CPU by smp_call_others; the
	                                 * sender sets it, the CPU's IPI clears it */
};

void percpu_init_boot(void);
void percpu_enter(unsigned cpu);
struct percpu *percpu_of(unsigned cpu);

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ __volatile__("mov %%gs:%c1, %0" : "=r"(p) : "i"(PERCPU_SELF));
	return p;
}

static inline unsigned smp_processor_id(void)
{
	uint32_t cpu;

	__asm__ __volatile__("movl %%gs:%c1, %0" : "=r"(cpu) : "i"(PERCPU_CPU));
	return cpu;
}
#endif

#endif
