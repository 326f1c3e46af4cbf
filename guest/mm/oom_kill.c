/*
 * oom_kill.c: choosing and killing a process when memory is exhausted
 * (oom_kill.h; the choice itself is mm/oom.c's).
 *
 * Invariant: at most one victim is dying at a time (victim_pid); while it
 * has not exited, further OOM faults wait for it (yield and retry) instead
 * of killing again, as Linux's oom_reaper wait does.
 * Serialised: one CPU, non-preemptible kernel.
 */
#include <oom_kill.h>
#include <thread.h>
#include <uvm.h>
#include <swap.h>
#include <vmstat.h>
#include <uapi.h>
#include <page_alloc.h>
#include <printk.h>

#define KB(pages) ((unsigned long long)(pages) * (MM_PAGE_SIZE >> 10))

static int victim_pid;

/* What mm/oom.c's selection needs to know of t. */
static struct oom_candidate task_candidate(const struct task *t)
{
	const struct mm *mm = t->mm;

	if (!mm || t->pid == 1 || t->state == TASK_ZOMBIE)
		return (struct oom_candidate){ .exempt = true };
	return (struct oom_candidate){ .rss = uvm_rss(mm), .swapents = mm->rss[MM_SWAPENTS],
				       .pgtables = (uint64_t)mm->pt.table_pages,
				       .oom_score_adj = t->oom_score_adj };
}

/* The task with the highest badness; NULL when none may be killed. */
static struct task *select_victim(void)
{
	struct oom_choice choice;
	struct list_head *pos;

	oom_choice_init(&choice, buddy_nr_managed_pages(page_alloc_buddy()) + swap_total_pages());
	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, tasks);
		struct oom_candidate c = task_candidate(t);
		oom_consider(&choice, &c, t);
	}
	return choice.victim;
}

/* Whether the last victim is still on its way out. */
static bool victim_dying(void)
{
	struct task *t = victim_pid ? task_find(victim_pid) : NULL;

	if (t && t->mm && t->state != TASK_ZOMBIE)
		return true;
	victim_pid = 0;
	return false;
}

static void log_kill(const struct task *t)
{
	const struct mm *mm = t->mm;

	pr_err("%s invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=%d\n",
	       current->comm, current->oom_score_adj);
	pr_err("Out of memory: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, file-rss:%llukB, shmem-rss:%llukB, UID:0 pgtables:%llukB oom_score_adj:%d\n",
	       t->pid, t->comm, KB(uvm_total_vm(mm)), KB(mm->rss[MM_ANON]), KB(mm->rss[MM_FILE]),
	       KB(mm->rss[MM_SHMEM]), KB(mm->pt.table_pages), t->oom_score_adj);
}

void oom_kill_on_fault(void)
{
	struct task *victim;

	if (current->signal.pending & sig_bit(SIGKILL))
		thread_group_exit(SIGKILL);
	if (!victim_dying()) {
		victim = select_victim();
		if (!victim)
			panic("Out of memory and no killable processes...");
		count_vm_event(VM_OOM_KILL);
		log_kill(victim);
		if (victim == current)
			thread_group_exit(SIGKILL);
		victim_pid = victim->pid;
		task_kill(victim->pid, SIGKILL);
	}
	sched_yield_current();    /* let the victim run to its exit */
}
