/*
 * time.h: the periodic tick (jiffies) and waiting for it.
 */
#ifndef GUEST_TIME_H
#define GUEST_TIME_H

#include <stdbool.h>

#define HZ 100

extern volatile unsigned long jiffies;  /* ticks since time_init; timer IRQ only writes */

/* Starts the tick. Returns false when there is no timer. */
bool time_init(void);
/* Halts until n more ticks have passed (interrupts get enabled). */
void idle_wait_ticks(unsigned long n);
/* The idle loop: halts forever, waking for interrupts. */
void idle_loop(void) __attribute__((noreturn));

#endif
