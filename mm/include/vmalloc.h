/*
 * vmalloc.h: virtually contiguous, physically scattered kernel memory in a
 * fixed virtual range (the guest's is VMALLOC_START in abi/guest_layout.h).
 * Each area is followed by one unmapped guard page. Pages are order-0 buddy pages marked
 * PG_VMALLOC (page->private = the area's start); mappings go through pt.h.
 *
 * Boot: vmalloc_init(&vmalloc_global, &kernel_pt, buddy, VMALLOC_START,
 * VMALLOC_SIZE) after kmalloc_init; then vmalloc()/vfree().
 *
 * Locks: vs->lock protects the area list and is the page-table lock for
 * the range; page allocation happens outside it.
 */
#ifndef MM_VMALLOC_H
#define MM_VMALLOC_H

#include "buddy.h"
#include "pt.h"

#define VMALLOC_PTE_FLAGS (PTE_RW | PTE_NX | PTE_G)

struct vmalloc_area {
	struct list_head list; /* in vmalloc_space.areas, by address */
	uint64_t va;           /* first mapped byte */
	uint64_t nr_pages;     /* mapped pages; the guard page follows */
	const void *caller;    /* who asked for it (/proc/vmallocinfo) */
};

struct vmalloc_space {
	mm_spinlock_t lock;
	struct pt_space *pt;   /* fixed at init */
	struct buddy *buddy;   /* fixed at init */
	uint64_t start, end;   /* fixed at init */
	struct list_head areas; /* under lock */
	uint64_t nr_areas;     /* under lock */
	uint64_t nr_pages;     /* mapped pages; under lock */
};

/* The space vmalloc() and vfree() use. */
extern struct vmalloc_space vmalloc_global;

/* Returns 0 or -MM_EINVAL (range not page aligned or empty). */
int vmalloc_init(struct vmalloc_space *vs, struct pt_space *pt, struct buddy *b,
		 uint64_t start, uint64_t size);
/* Maps size bytes (rounded up to pages). Returns the address or NULL. */
void *vmalloc_alloc(struct vmalloc_space *vs, size_t size, unsigned gfp);
/* The same, naming the caller the area is charged to. */
void *vmalloc_alloc_from(struct vmalloc_space *vs, size_t size, unsigned gfp,
			 const void *caller);
/* Calls fn for every area, in address order, under the space's lock
 * (fn must not allocate or free vmalloc memory). */
void vmalloc_for_each(struct vmalloc_space *vs,
		      void (*fn)(const struct vmalloc_area *a, void *arg), void *arg);
/* Unmaps and frees an area. Returns 0 or -MM_EINVAL (not an area start). */
int vmalloc_free(struct vmalloc_space *vs, const void *addr);

void *vmalloc(size_t size);
void vfree(const void *addr);

#endif
