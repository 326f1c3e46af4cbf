/*
 * time.h: the periodic tick (jiffies) and waiting for it.
 */
#ifndef GUEST_TIME_H
#define GUEST_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define HZ 100
#define NSEC_PER_SEC 1000000000ull
#define TICK_NSEC (NSEC_PER_SEC / HZ)

extern volatile unsigned long jiffies;  /* ticks since time_init; timer IRQ only writes */

/* The TSC against the tick (time.c); written by the timer interrupt only. */
struct tsc_clock {
	uint64_t tsc_at_tick;       /* TSC when jiffies last changed */
	uint64_t cal_start;         /* TSC at tick 1, when the measurement starts */
	uint64_t cycles_per_tick;   /* 0 until measured */
};

extern struct tsc_clock boot_clock;  /* the one CPU's, from time_init on */

/* Nanoseconds since the tick started, at TSC resolution once c has the
 * TSC's rate (the first second), at tick resolution before. */
uint64_t time_now_ns(const struct tsc_clock *c);
/* The resolution time_now_ns has now (clock_getres): 1 or TICK_NSEC. */
uint64_t time_resolution_ns(const struct tsc_clock *c);
/* Starts the tick. Returns false when there is no timer. */
bool time_init(void);
/* Halts until n more ticks have passed (interrupts get enabled). */
void idle_wait_ticks(unsigned long n);
/* The idle loop: halts forever, waking for interrupts. */
void idle_loop(void) __attribute__((noreturn));

#endif
