/*
 * rmap.h: the reverse map of user frames: how user mappings are counted
 * on struct page (buddy.h), and every PTE that maps a frame, found
 * without a per-mapping list.
 *
 * page->mapcount is the number of user PTEs that map the frame; it changes
 * only through rmap_add/rmap_remove. The kind of a user frame is a page
 * flag in the range buddy leaves to later modules:
 *   PG_ANON   private anonymous (or a private copy of a file page); freed
 *             when its last mapping goes
 *   PG_SHMEM  shared anonymous; freed the same way
 *   PG_FILE   page-cache page of a file; the file holds it, mappings only
 *             borrow it
 *
 * The walk (rmap_walk), by kind:
 *  - a private anonymous frame sits at one user address (page->user.va)
 *    in every space that maps it (fork copies addresses, there is no
 *    mremap): that address is looked up in each address space, or in the
 *    one space page->user.mm remembers while the frame has one mapping
 *    (Linux's anon_vma walk with every mm in one family);
 *  - a page-cache frame is wherever an area maps its file
 *    (page->user.inode) at its offset (page->user.index): every area of
 *    every space is asked (Linux's i_mmap walk).
 * Walks stop after page->mapcount mappings (read before the first call:
 * fn may unmap) or when fn returns false.
 *
 * The address spaces are the host's (struct mm, opaque here): struct
 * rmap_spaces says how to visit them and reach their page tables and
 * areas. Callers serialise through the owners of the page tables involved
 * (the guest: one CPU, non-preemptible); fn must not sleep.
 */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "buddy.h"
#include "pt.h"
#include "vma.h"

#define PG_ANON  (1u << 16)
#define PG_SHMEM (1u << 17)
#define PG_FILE  (1u << 18)

struct mm;

/* fn(mm, pte, va, arg) for one PTE mapping the frame; false stops the walk. */
typedef bool (*rmap_fn)(struct mm *mm, pte_t *pte, uint64_t va, void *arg);
/* Called once per address space by rmap_spaces.for_each; false stops it. */
typedef bool (*rmap_space_fn)(struct mm *mm, void *arg);

/* The host's address spaces, as the walk visits them. */
struct rmap_spaces {
	/* Calls fn on every address space in turn until fn returns false. */
	void (*for_each)(void *ctx, rmap_space_fn fn, void *arg);
	struct pt_space *(*pt)(struct mm *mm);
	const struct vma_tree *(*vmas)(struct mm *mm);
	void *ctx;
};

/* What one walk needs: frame addresses and the spaces to search. */
struct rmap {
	const struct buddy *buddy;
	const struct rmap_spaces *spaces;
};

/* Calls fn on every PTE mapping p. Returns the mappings visited. */
unsigned rmap_walk(const struct rmap *r, struct page *p, rmap_fn fn, void *arg);

static inline void rmap_add(struct page *p)
{
	p->mapcount++;
}

/* Drops one mapping. Returns true when it was the last one. */
static inline bool rmap_remove(struct page *p)
{
	MM_BUG_ON(p->mapcount <= 0);
	return --p->mapcount == 0;
}

/* Whether the frame's last mapping going away should free it. */
static inline bool rmap_frees_on_unmap(const struct page *p)
{
	return (p->flags & (PG_ANON | PG_SHMEM)) != 0;
}

#endif
