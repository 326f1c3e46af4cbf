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

/* Nanoseconds since the tick started, at TSC resolution once the TSC's
 * rate is measured (the first second), at tick resolution before. */
uint64_t time_now_ns(void);
/* The resolution time_now_ns has now (clock_getres): 1 or TICK_NSEC. */
uint64_t time_resolution_ns(void);
/* Starts the tick. Returns false when there is no timer. */
bool time_init(void);
/* Halts until n more ticks have passed (interrupts get enabled). */
void idle_wait_ticks(unsigned long n);
/* The idle loop: halts forever, waking for interrupts. */
void idle_loop(void) __attribute__((noreturn));

#endif
