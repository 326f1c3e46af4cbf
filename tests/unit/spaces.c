/*
 * spaces.c: simulated address spaces for host tests (spaces.h).
 * State is the caller's struct host_spaces, passed as ctx.
 */
#include <stdlib.h>

#include "spaces.h"

static void for_each_space(void *ctx, rmap_space_fn fn, void *arg)
{
	struct host_spaces *h = ctx;

	for (unsigned i = 0; i < h->nr; i++)
		if (!fn(&h->mm[i], arg))
			return;
}

static struct pt_space *space_pt(struct mm *mm)
{
	return &mm->pt;
}

static const struct vma_tree *space_vmas(struct mm *mm)
{
	return &mm->vmas;
}

static unsigned walk_spaces(void *ctx, struct page *p, rmap_fn fn, void *arg)
{
	struct host_spaces *h = ctx;

	return rmap_walk(&h->rmap, p, fn, arg);
}

static void unmapped(struct mm *mm, enum lru_kind k)
{
	fault_rss_unmapped(mm->rss, k);
}

int host_spaces_init(struct host_spaces *h, unsigned nr, const struct buddy *b)
{
	MM_BUG_ON(nr > HOST_MAX_SPACES);
	h->nr = nr;
	for (unsigned i = 0; i < nr; i++) {
		h->mm[i] = (struct mm){ 0 };
		int err = pt_init(&h->mm[i].pt);
		if (err)
			return err;
		vma_tree_init(&h->mm[i].vmas, malloc, free);
	}
	h->walk = (struct rmap_spaces){ .for_each = for_each_space, .pt = space_pt,
					.vmas = space_vmas, .ctx = h };
	h->rmap = (struct rmap){ .buddy = b, .spaces = &h->walk };
	h->engine = (struct vmscan_spaces){ .walk = walk_spaces, .pt = space_pt,
					    .vmas = space_vmas, .swap_pte = fault_swap_pte,
					    .unmapped = unmapped, .ctx = h };
	return 0;
}

void host_spaces_destroy(struct host_spaces *h)
{
	for (unsigned i = 0; i < h->nr; i++) {
		pt_destroy(&h->mm[i].pt);
		vma_tree_destroy(&h->mm[i].vmas);
	}
}
