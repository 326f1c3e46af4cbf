/*
 * time.c: the tick counter, driven by the local APIC timer at HZ, and the
 * halting idle loop.
 */
#include <time.h>
#include <sched.h>
#include <schedstat.h>
#include <printk.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/traps.h>

volatile unsigned long jiffies;

static void timer_interrupt(struct pt_regs *regs)
{
	jiffies++;
	apic_eoi();
	schedstat_tick(&sched_stat, jiffies, regs->cs & 3);
	sched_tick();
}

bool time_init(void)
{
	if (!apic_init())
		return false;
	trap_set_handler(VEC_TIMER, timer_interrupt);
	apic_timer_start(HZ);
	pr_info("time: APIC timer periodic at %d Hz (vector 0x%x)\n", HZ, VEC_TIMER);
	return true;
}

void idle_wait_ticks(unsigned long n)
{
	unsigned long until = jiffies + n;

	while ((long)(jiffies - until) < 0)
		safe_halt();
}

void idle_loop(void)
{
	for (;;)
		safe_halt();
}
