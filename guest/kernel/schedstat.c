/*
 * schedstat.c: CPU time and load averages (schedstat.h). The load is
 * Linux's calc_global_load: every LOAD_FREQ ticks, avenrun[i] =
 * avenrun[i] * e_i + n * (1 - e_i) in FSHIFT fixed point, n the runnable
 * tasks. Written by the boot CPU's timer tick only; CPU times by each
 * CPU's own tick (its area, and the task it runs, which runs nowhere
 * else); readers (sysinfo, /proc) take a word at a time.
 */
#include <schedstat.h>
#include <sched.h>
#include <smp.h>

#define EXP_1  1884                 /* 1/exp(5sec/1min) in fixed point */
#define EXP_5  2014                 /* 1/exp(5sec/5min) */
#define EXP_15 2037                 /* 1/exp(5sec/15min) */

struct schedstat sched_stat;

static unsigned long calc_load(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (FIXED_1 - exp);

	if (active >= load)
		newload += FIXED_1 - 1;
	return newload / FIXED_1;
}

static unsigned int count_tasks(bool running_only)
{
	struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &task_list) {
		const struct task *t = list_entry(pos, struct task, tasks);
		if (t->pid && (!running_only || t->state == TASK_RUNNING))
			n++;
	}
	return n;
}

unsigned int schedstat_nr_running(void)
{
	return count_tasks(true);
}

unsigned int schedstat_nr_tasks(void)
{
	return count_tasks(false);
}

/* Samples the runnable count once LOAD_FREQ ticks have passed. */
static void sample_load(struct schedstat *ss, unsigned long now)
{
	static const unsigned long exps[3] = { EXP_1, EXP_5, EXP_15 };

	if (!ss->next_sample)
		ss->next_sample = now + LOAD_FREQ;
	if ((long)(now - ss->next_sample) < 0)
		return;
	unsigned long active = (unsigned long)schedstat_nr_running() * FIXED_1;
	for (int i = 0; i < 3; i++)
		ss->avenrun[i] = calc_load(ss->avenrun[i], exps[i], active);
	ss->next_sample = now + LOAD_FREQ;
}

void schedstat_account(struct percpu *cpu, bool user_mode)
{
	struct task *t = cpu->curr_task;

	if (t == cpu->idle)
		cpu->times.idle++;
	else if (user_mode)
		cpu->times.user++, t->utime++;
	else
		cpu->times.system++, t->stime++;
}

void schedstat_tick(struct schedstat *ss, unsigned long now, bool user_mode)
{
	schedstat_account(this_cpu(), user_mode);
	sample_load(ss, now);
}

struct cpu_times schedstat_cpu_times(void)
{
	struct cpu_times sum = { 0, 0, 0 };

	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		const struct cpu_times *t = &percpu_of(c)->times;
		if (!cpu_online(c))
			continue;
		sum.user += t->user;
		sum.system += t->system;
		sum.idle += t->idle;
	}
	return sum;
}
