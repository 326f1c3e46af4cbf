/*
 * mvalloc.h: a user-space malloc for the workloads: requests below
 * MV_MMAP_THRESHOLD come from a brk heap with a selectable fit strategy
 * (first, next, best, worst), block splitting and coalescing of free
 * neighbours; larger ones get their own mmap. Not thread-safe.
 */
#ifndef USER_MVALLOC_H
#define USER_MVALLOC_H

#include <stddef.h>

#define MV_MMAP_THRESHOLD (128 * 1024)

enum mv_fit { MV_FIRST_FIT, MV_NEXT_FIT, MV_BEST_FIT, MV_WORST_FIT };

struct mv_stats {
	size_t heap_bytes;      /* brk heap size */
	size_t free_bytes;      /* free inside it */
	size_t largest_free;    /* largest free block */
	size_t mmap_bytes;      /* live mmap'd blocks */
};

/* Starts a fresh heap (giving back the old one) with strategy fit. */
void mv_init(enum mv_fit fit);
/* Returns 16-aligned memory, or NULL when the kernel refuses more. */
void *mv_malloc(size_t n);
void mv_free(void *p);
void mv_get_stats(struct mv_stats *s);
const char *mv_fit_name(enum mv_fit fit);

#endif
