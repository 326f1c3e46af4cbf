/*
 * rmap.c: the guest's address spaces for mm/rmap.c's walk (rmap.h): every
 * task's mm, in task-list order, each once (threads share one), and
 * reclaim_rmap_walk over them.
 * Serialised like reclaim: one CPU, non-preemptible kernel; fn must not
 * sleep.
 */
#include <reclaim.h>
#include <rmap.h>
#include <sched.h>
#include <uvm.h>
#include <page_alloc.h>

/* Whether a task before @upto on the task list uses mm too. */
static bool mm_seen_before(const struct mm *mm, const struct list_head *upto)
{
	for (const struct list_head *pos = task_list.next; pos != upto; pos = pos->next)
		if (list_entry(pos, struct task, tasks)->mm == mm)
			return true;
	return false;
}

static void for_each_task_mm(void *ctx, rmap_space_fn fn, void *arg)
{
	struct list_head *pos;

	(void)ctx;
	list_for_each(pos, &task_list) {
		struct mm *mm = list_entry(pos, struct task, tasks)->mm;
		if (mm && mm->users > 1 && mm_seen_before(mm, pos))
			continue;
		if (mm && !fn(mm, arg))
			return;
	}
}

static struct pt_space *mm_pt(struct mm *mm)
{
	return &mm->pt;
}

static const struct vma_tree *mm_vmas(struct mm *mm)
{
	return &mm->vmas;
}

static const struct rmap_spaces task_spaces = {
	.for_each = for_each_task_mm, .pt = mm_pt, .vmas = mm_vmas,
};

unsigned reclaim_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg)
{
	const struct rmap r = { .buddy = page_alloc_buddy(), .spaces = &task_spaces };

	return rmap_walk(&r, p, fn, arg);
}
