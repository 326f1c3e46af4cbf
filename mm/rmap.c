/*
 * rmap.c: the reverse-map walk (rmap.h): every PTE mapping a user frame,
 * from the frame's own words (page->user) and the host's address spaces.
 *
 * Invariant relied on, kept by the callers of rmap_add/rmap_remove: a
 * mapped anonymous frame is mapped at page->user.va in each space that
 * maps it, and page->user.mm, when not NULL while mapcount is 1, is that
 * one space; a page-cache frame is mapped only through areas whose file
 * and offset cover (page->user.inode, page->user.index).
 * Serialised by the callers (rmap.h).
 */
#include "rmap.h"

/* One walk in progress. */
struct walk {
	const struct rmap *r;
	const struct page *page;
	phys_addr_t pa;
	unsigned want, n;       /* mappings to find (mapcount before), found */
	rmap_fn fn;
	void *arg;
};

/* The PTE mapping w's frame at va in mm, or NULL. */
static pte_t *mapping_pte(const struct walk *w, struct mm *mm, uint64_t va)
{
	pte_t *pde, *pte = pt_pte_slot(w->r->spaces->pt(mm), va, &pde);

	return pte && (*pte & PTE_P) && (*pte & PTE_ADDR_MASK) == w->pa ? pte : NULL;
}

/* Calls fn on a mapping found; false once the walk is over. */
static bool visit(struct walk *w, struct mm *mm, pte_t *pte, uint64_t va)
{
	w->n++;
	return w->fn(mm, pte, va, w->arg) && w->n < w->want;
}

static bool anon_space(struct mm *mm, void *arg)
{
	struct walk *w = arg;
	pte_t *pte = mapping_pte(w, mm, w->page->user.va);

	return !pte || visit(w, mm, pte, w->page->user.va);
}

/* The user address of w's file page in area v, or 0 when v does not map it. */
static uint64_t file_page_va(const struct walk *w, const struct vma *v)
{
	uint64_t first = v->pgoff >> MM_PAGE_SHIFT;
	uint64_t pages = (v->end - v->start) >> MM_PAGE_SHIFT;
	uint64_t index = w->page->user.index;

	if (v->file != w->page->user.inode || index < first || index - first >= pages)
		return 0;
	return v->start + ((index - first) << MM_PAGE_SHIFT);
}

static bool file_space(struct mm *mm, void *arg)
{
	struct walk *w = arg;
	const struct vma_tree *t = w->r->spaces->vmas(mm);

	for (uint32_t i = 0; i < t->nr; i++) {
		uint64_t va = file_page_va(w, &t->v[i]);
		pte_t *pte = va ? mapping_pte(w, mm, va) : NULL;
		if (pte && !visit(w, mm, pte, va))
			return false;
	}
	return true;
}

unsigned rmap_walk(const struct rmap *r, struct page *p, rmap_fn fn, void *arg)
{
	struct walk w = { .r = r, .page = p, .pa = buddy_page_to_phys(r->buddy, p),
			  .want = (unsigned)p->mapcount, .fn = fn, .arg = arg };
	pte_t *pte;

	if (!w.want)
		return 0;
	if (p->flags & PG_FILE) {
		r->spaces->for_each(r->spaces->ctx, file_space, &w);
		return w.n;
	}
	if (w.want == 1 && p->user.mm && (pte = mapping_pte(&w, p->user.mm, p->user.va))) {
		fn(p->user.mm, pte, p->user.va, arg);
		return 1;
	}
	r->spaces->for_each(r->spaces->ctx, anon_space, &w);
	return w.n;
}
