/*
 * schedstat.h: what the scheduler's clock tick measures, for sysinfo and
 * /proc: the load averages (Linux's avenrun: exponentially decayed means
 * of the number of runnable tasks over 1, 5 and 15 minutes, sampled every
 * LOAD_FREQ ticks, in fixed point with FSHIFT fraction bits) and CPU time
 * (each tick charged to the interrupted task as user or system time, or
 * to the CPU's idle time), in ticks (HZ = Linux's USER_HZ).
 *
 * Interface:
 *   schedstat_tick         timer tick: charges the tick, samples the load
 *   schedstat_nr_running   runnable tasks now
 *   schedstat_nr_tasks     every task (Linux's nr_threads)
 */
#ifndef GUEST_SCHEDSTAT_H
#define GUEST_SCHEDSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define FSHIFT 11                   /* bits of fraction */
#define FIXED_1 (1ul << FSHIFT)
#define LOAD_FREQ (5 * HZ + 1)      /* ticks between samples */
#define LOAD_INT(x) ((x) >> FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (FIXED_1 - 1)) * 100)

/* Written by the timer tick only; readers take a word at a time. */
struct schedstat {
	unsigned long avenrun[3];   /* 1, 5, 15 minutes */
	unsigned long next_sample;  /* jiffies of the next load sample */
	uint64_t user, system, idle; /* ticks the CPU spent in each */
};

extern struct schedstat sched_stat;

/* Charges this tick (@user_mode: the CPU was running user code) and
 * samples the runnable count once LOAD_FREQ ticks have passed. */
void schedstat_tick(struct schedstat *ss, unsigned long now, bool user_mode);
/* Tasks that are runnable (the idle task not counted). */
unsigned int schedstat_nr_running(void);
/* Every task but the idle one (Linux's nr_threads). */
unsigned int schedstat_nr_tasks(void);

#endif
