/*
 * rmap.c: reverse mapping for reclaim (reclaim.h): every PTE that maps a
 * user frame, found without a per-mapping list.
 *  - a private anonymous frame sits at one user address in every space
 *    that maps it (fork copies addresses, there is no mremap): that address
 *    is looked up in each process's page table, or in the one space
 *    page->user.mm remembers while the frame has a single mapping;
 *  - a page-cache frame is wherever an area maps its file at its offset:
 *    every area of every process is asked (Linux's i_mmap walk).
 * Walks stop after page->mapcount mappings (read before the first call:
 * fn may unmap) or when fn returns false. Serialised like reclaim: one
 * CPU, non-preemptible kernel; fn must not sleep.
 */
#include <reclaim.h>
#include <rmap.h>
#include <sched.h>
#include <uvm.h>
#include <page_alloc.h>

/* The PTE mapping pa at va in mm, or NULL. */
static pte_t *mapping_pte(struct mm *mm, uint64_t va, phys_addr_t pa)
{
	pte_t *pde, *pte = uvm_pte_slot(mm, va, &pde);

	return pte && (*pte & PTE_P) && (*pte & PTE_ADDR_MASK) == pa ? pte : NULL;
}

static unsigned anon_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg)
{
	const struct page_user *rf = &p->user;
	phys_addr_t pa = buddy_page_to_phys(page_alloc_buddy(), p);
	unsigned n = 0, want = (unsigned)p->mapcount;   /* fn may unmap */
	struct list_head *pos;
	pte_t *pte;

	if (want == 1 && rf->mm && (pte = mapping_pte(rf->mm, rf->va, pa))) {
		fn(rf->mm, pte, rf->va, arg);
		return 1;
	}
	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, tasks);

		if (!t->mm || n >= want || !(pte = mapping_pte(t->mm, rf->va, pa)))
			continue;
		n++;
		if (!fn(t->mm, pte, rf->va, arg))
			break;
	}
	return n;
}

/* The user address of page @index of v's file in v, or 0 when v does not map it. */
static uint64_t file_page_va(const struct vma *v, const struct page_user *rf)
{
	uint64_t first = v->pgoff >> MM_PAGE_SHIFT;
	uint64_t pages = (v->end - v->start) >> MM_PAGE_SHIFT;

	if (v->file != rf->inode || rf->index < first || rf->index - first >= pages)
		return 0;
	return v->start + ((rf->index - first) << MM_PAGE_SHIFT);
}

/* Every area of every process mapping the frame's file at its offset. */
static unsigned file_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg)
{
	const struct page_user *rf = &p->user;
	phys_addr_t pa = buddy_page_to_phys(page_alloc_buddy(), p);
	unsigned n = 0, want = (unsigned)p->mapcount;   /* fn may unmap */
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct mm *mm = list_entry(pos, struct task, tasks)->mm;

		for (uint32_t i = 0; mm && n < want && i < mm->vmas.nr; i++) {
			uint64_t va = file_page_va(&mm->vmas.v[i], rf);
			pte_t *pte = va ? mapping_pte(mm, va, pa) : NULL;
			if (!pte)
				continue;
			n++;
			if (!fn(mm, pte, va, arg))
				return n;
		}
	}
	return n;
}

unsigned reclaim_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg)
{
	if (!p->mapcount)
		return 0;
	return (p->flags & PG_FILE) ? file_rmap_walk(p, fn, arg) : anon_rmap_walk(p, fn, arg);
}
