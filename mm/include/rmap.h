/*
 * rmap.h: how user mappings are counted on struct page (buddy.h).
 *
 * page->mapcount is the number of user PTEs that map the frame; it changes
 * only through rmap_add/rmap_remove, where the reclaim work (issue 7) will
 * hook reverse maps and LRU lists. The kind of a user frame is a page flag
 * in the range buddy leaves to later modules:
 *   PG_ANON   private anonymous (or a private copy of a file page); freed
 *             when its last mapping goes
 *   PG_SHMEM  shared anonymous; freed the same way
 *   PG_FILE   page-cache page of a file; the file holds it, mappings only
 *             borrow it
 * Callers serialise through the owners of the page tables involved.
 */
#ifndef MM_RMAP_H
#define MM_RMAP_H

#include "buddy.h"

#define PG_ANON  (1u << 16)
#define PG_SHMEM (1u << 17)
#define PG_FILE  (1u << 18)

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
