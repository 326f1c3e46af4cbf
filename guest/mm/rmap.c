/*
 * rmap.c: the guest's address spaces for mm/rmap.c's walk (rmap.h): every
 * task's mm, in task-list order, each once (threads, vfork children and
 * CLONE_VM sharers share one: a per-walk stamp in the mm), and
 * reclaim_rmap_walk over them.
 * Serialised like reclaim: one CPU, non-preemptible kernel; fn must not
 * sleep.
 */
#include <reclaim.h>
#include <rmap.h>
#include <sched.h>
#include <uvm.h>
#include <page_alloc.h>

/* The walk over tasks' spaces: the walks so far, to visit each space once per walk. */
struct task_spaces {
	uint64_t walks;         /* mm->rmap_walk holds the last walk that visited mm */
};

/*
 * Every task's space once, in task-list order: threads, a vfork child and
 * any CLONE_VM sharer meet a space already visited in this walk (its
 * rmap_walk stamp) and skip it. One pass over the task list.
 */
static void for_each_task_mm(void *ctx, rmap_space_fn fn, void *arg)
{
	struct task_spaces *ts = ctx;
	uint64_t walk = ++ts->walks;
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct mm *mm = list_entry(pos, struct task, tasks)->mm;
		if (!mm || mm->rmap_walk == walk)
			continue;
		mm->rmap_walk = walk;
		if (!fn(mm, arg))
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

static struct task_spaces walks;

static const struct rmap_spaces task_spaces = {
	.for_each = for_each_task_mm, .pt = mm_pt, .vmas = mm_vmas, .ctx = &walks,
};

unsigned reclaim_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg)
{
	const struct rmap r = { .buddy = page_alloc_buddy(), .spaces = &task_spaces };

	return rmap_walk(&r, p, fn, arg);
}
