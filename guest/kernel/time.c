/*
 * time.c: the tick counter, driven by the local APIC timer at HZ, the
 * clock system calls read (time_now_ns) and the halting idle loop.
 *
 * The clock is the tick count refined by the TSC: each tick notes the TSC;
 * between ticks the cycles since the last one, scaled by the cycles per
 * tick measured over the first TSC_CAL_TICKS ticks, add the nanoseconds
 * the tick count cannot show, never a whole tick (so the clock never runs
 * past the next tick, however late its interrupt: it never goes back).
 * Until the measurement is done the clock has tick resolution.
 * Written by the boot CPU's timer interrupt only (the other CPUs' ticks are
 * only counted, in their per-CPU areas); readers run with interrupts masked.
 */
#include <alarm.h>
#include <time.h>
#include <sched.h>
#include <percpu.h>
#include <schedstat.h>
#include <printk.h>
#include <mm_util.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/traps.h>

#define TSC_CAL_TICKS HZ            /* ticks the TSC rate is measured over */

volatile unsigned long jiffies;

struct tsc_clock boot_clock;

static void tsc_clock_tick(struct tsc_clock *c, unsigned long now)
{
	c->tsc_at_tick = rdtsc();
	if (now == 1)
		c->cal_start = c->tsc_at_tick;
	else if (now == 1 + TSC_CAL_TICKS && c->tsc_at_tick > c->cal_start)
		c->cycles_per_tick = (c->tsc_at_tick - c->cal_start) / TSC_CAL_TICKS;
}

uint64_t time_now_ns(const struct tsc_clock *c)
{
	uint64_t ns = (uint64_t)jiffies * TICK_NSEC, cycles = rdtsc() - c->tsc_at_tick;

	if (!c->cycles_per_tick)
		return ns;
	/* cycles < cycles_per_tick: the product stays below 2^64 for any TSC
	 * under 1.8e12 cycles per tick (180 THz) */
	cycles = MM_MIN(cycles, c->cycles_per_tick - 1);
	return ns + cycles * TICK_NSEC / c->cycles_per_tick;
}

uint64_t time_resolution_ns(const struct tsc_clock *c)
{
	return c->cycles_per_tick ? 1 : TICK_NSEC;
}

/* Every CPU's local timer lands here; the boot CPU's keeps the time. */
static void timer_interrupt(struct pt_regs *regs)
{
	struct percpu *p = this_cpu();

	p->timer_ticks++;
	if (p->cpu != 0) {
		apic_eoi();
		schedstat_account(p, regs->cs & 3);
		sched_tick_local();
		return;
	}
	jiffies++;
	tsc_clock_tick(&boot_clock, jiffies);
	apic_eoi();
	schedstat_tick(&sched_stat, jiffies, regs->cs & 3);
	sched_tick();
	alarm_tick(&process_alarms);
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
