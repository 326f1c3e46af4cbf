/*
 * alarm.h: alarm(2), each process's ITIMER_REAL as a one-shot deadline
 * (in its thread group, jiffies; 0: none). The timer tick calls
 * alarm_tick, which sends SIGALRM to every process whose deadline passed.
 *
 * Interface:
 *   alarm_tick   from the timer interrupt: fires what is due
 *   sys_alarm    (syscall.h) sets or cancels the caller's process's alarm
 * Invariant: clock->next is at most the earliest deadline of any process
 * (0: none is set); a tick at or past it rescans the tasks and sets it
 * again. Serialised like sched.h: the kernel lock (the boot CPU's tick
 * and the system call both run under it).
 */
#ifndef GUEST_ALARM_H
#define GUEST_ALARM_H

struct alarm_clock {
	unsigned long next;     /* jiffies of the earliest deadline, 0: none */
};

/* The kernel's one clock of process alarms. */
extern struct alarm_clock process_alarms;

/* Sends SIGALRM to each process whose alarm is due (timer interrupt). */
void alarm_tick(struct alarm_clock *c);

#endif
