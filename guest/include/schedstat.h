/*
 * schedstat.h: what the scheduler's clock tick measures, for sysinfo and
 * /proc: the load averages (Linux's avenrun: exponentially decayed means
 * of the number of runnable tasks over 1, 5 and 15 minutes, sampled every
 * LOAD_FREQ ticks, in fixed point with FSHIFT fraction bits) and CPU time
 * (each CPU's every tick charged to the task it interrupted as user or
 * system time, and to that CPU's user, system or idle time in its
 * per-CPU area), in ticks (HZ = Linux's USER_HZ).
 *
 * Interface:
 *   schedstat_tick         the boot CPU's timer tick: charges the tick,
 *                          samples the load
 *   schedstat_account      any other CPU's timer tick: charges the tick
 *   schedstat_cpu_times    the times of all online CPUs summed
 *   schedstat_nr_running   runnable tasks now
 *   schedstat_nr_tasks     every task (Linux's nr_threads)
 */
#ifndef GUEST_SCHEDSTAT_H
#define GUEST_SCHEDSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <percpu.h>

#define FSHIFT 11                   /* bits of fraction */
#define FIXED_1 (1ul << FSHIFT)
#define LOAD_FREQ (5 * HZ + 1)      /* ticks between samples */
#define LOAD_INT(x) ((x) >> FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (FIXED_1 - 1)) * 100)

/* Written by the boot CPU's timer tick only; readers take a word at a time. */
struct schedstat {
	unsigned long avenrun[3];   /* 1, 5, 15 minutes */
	unsigned long next_sample;  /* jiffies of the next load sample */
};

extern struct schedstat sched_stat;

/* Charges this tick (@user_mode: the CPU was running user code) and
 * samples the runnable count once LOAD_FREQ ticks have passed. */
void schedstat_tick(struct schedstat *ss, unsigned long now, bool user_mode);
/* Charges this tick to cpu's times and its current task. */
void schedstat_account(struct percpu *cpu, bool user_mode);
/* The times of every online CPU, summed (/proc/stat's cpu line, /proc/uptime's idle). */
struct cpu_times schedstat_cpu_times(void);
/* Tasks that are runnable (the idle task not counted). */
unsigned int schedstat_nr_running(void);
/* Every task but the idle one (Linux's nr_threads). */
unsigned int schedstat_nr_tasks(void);

#endif
