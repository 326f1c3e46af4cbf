/*
 * page_alloc.h: the kernel's page allocator front end.
 *
 * Boot: page_alloc_handover() takes every free memblock range (memory minus
 * reserved), gives it to the allocator and retires memblock; the log shows
 * the pages handed over and the pages kept reserved. After that all
 * physical pages come from page_alloc()/page_free().
 */
#ifndef GUEST_PAGE_ALLOC_H
#define GUEST_PAGE_ALLOC_H

#include <mm_port.h>
#include <stdbool.h>

#define PAGE_ALLOC_ZERO      1u  /* zero the pages */
#define PAGE_ALLOC_NORECLAIM 2u  /* only what is free: no direct reclaim, no kswapd
				  * wakeup, no OOM handling (an optional large block) */

void page_alloc_handover(void);
bool page_alloc_ready(void);

#define PAGE_ALLOC_THISNODE  4u  /* page_alloc_node: only that node (no fallback) */
#define PAGE_ALLOC_INTERLEAVE 8u /* page_alloc_node: an interleave policy's choice */

/* 2^order contiguous pages; returns their physical address or 0. */
phys_addr_t page_alloc(unsigned order, unsigned flags);
/* The same from NUMA node's zonelist (node first, then by distance). */
phys_addr_t page_alloc_node(unsigned order, unsigned flags, unsigned node);
/* The node of the RAM page at pa, or -1 when pa is not RAM. */
int page_to_nid(phys_addr_t pa);
void page_free(phys_addr_t pa, unsigned order);
/* Free pages, including per-CPU cached ones. */
unsigned long page_alloc_nr_free(void);

/* The buddy allocator behind it (for statistics and introspection). */
struct buddy;
extern struct buddy kernel_buddy;
struct buddy *page_alloc_buddy(void);

#endif
