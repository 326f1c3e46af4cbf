/*
 * alarm.c: alarm(2) (alarm.h): the deadline in the thread group, the scan
 * of the task list when the earliest one passes, SIGALRM sent to the
 * process (signal_send_process: a thread that does not block it takes
 * it). A deadline survives execve and is not inherited by fork (a new
 * group starts without one), as Linux's ITIMER_REAL.
 */
#include <alarm.h>
#include <sched.h>
#include <thread.h>
#include <signal.h>
#include <syscall.h>
#include <time.h>

struct alarm_clock process_alarms;

/* Fires t's process's alarm if it is due; returns its deadline left (0: none). */
static unsigned long fire_if_due(struct task *t)
{
	struct thread_group *g = t->group;
	const struct sig_info info = { .code = SI_KERNEL };

	if (!g || g->leader != t || !g->alarm_at || t->state == TASK_ZOMBIE)
		return 0;
	if ((long)(jiffies - g->alarm_at) < 0)
		return g->alarm_at;
	g->alarm_at = 0;
	signal_send_process(t, SIGALRM, &info);
	return 0;
}

void alarm_tick(struct alarm_clock *c)
{
	struct list_head *pos;
	unsigned long next = 0;

	if (!c->next || (long)(jiffies - c->next) < 0)
		return;
	list_for_each(pos, &task_list) {
		unsigned long at = fire_if_due(list_entry(pos, struct task, tasks));
		if (at && (!next || (long)(at - next) < 0))
			next = at;
	}
	c->next = next;
}

/* Seconds left of a deadline, rounded as Linux's alarm_setitimer: up from
 * under a second, to the nearest second otherwise. */
static unsigned long seconds_left(unsigned long at)
{
	long ticks = (long)(at - jiffies);
	uint64_t ns = ticks > 0 ? (uint64_t)ticks * TICK_NSEC : 0;
	uint64_t sec = ns / NSEC_PER_SEC, usec = ns % NSEC_PER_SEC / 1000;

	if ((!sec && usec) || usec >= 500000)
		sec++;
	return at ? sec : 0;
}

/* alarm(unsigned int seconds): SIGALRM to the process after seconds (0
 * cancels); returns the seconds left of the alarm it replaces. */
SYS_DECL(alarm)
{
	struct thread_group *g = current->group;
	unsigned int seconds = (unsigned int)a0;
	unsigned long left = seconds_left(g->alarm_at);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	g->alarm_at = 0;
	if (seconds) {
		g->alarm_at = jiffies + (unsigned long)seconds * HZ;
		if (!g->alarm_at)
			g->alarm_at = 1;
		if (!process_alarms.next || (long)(g->alarm_at - process_alarms.next) < 0)
			process_alarms.next = g->alarm_at;
	}
	return (long)left;
}
