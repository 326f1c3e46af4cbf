/*
 * memblock.h: the early physical memory allocator (Linux's memblock, small).
 *
 * Two sorted, merged lists of ranges: memory (usable RAM from e820) and
 * reserved (kernel image, boot data, low 1 MiB, early allocations). Free
 * memory is memory minus reserved. Used only until memblock_handover()
 * gives every free range to the page allocator; allocations after that
 * panic. Single-threaded: only the boot CPU calls it, before interrupts.
 */
#ifndef GUEST_MEMBLOCK_H
#define GUEST_MEMBLOCK_H

#include <mm_port.h>

#define MEMBLOCK_MAX_REGIONS 128

struct memblock_region {
	phys_addr_t base, size;
	int nid;                  /* NUMA node (memory list; 0 until memblock_set_node) */
};

struct memblock_type {
	const char *name;
	unsigned cnt;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};

/* Adds RAM / marks a range reserved. Return 0 or -MM_ENOSPC (list full). */
int memblock_add(phys_addr_t base, phys_addr_t size);
int memblock_reserve(phys_addr_t base, phys_addr_t size);
/* Tags the RAM in [base, base+size) with node nid, splitting regions at its
 * ends (Linux's memblock_set_node). Returns 0 or -MM_ENOSPC. */
int memblock_set_node(phys_addr_t base, phys_addr_t size, int nid);
/* Unreserves [base, base+size) (it becomes free again). */
int memblock_free(phys_addr_t base, phys_addr_t size);

/*
 * Allocates size bytes aligned to align, top-down below the current limit,
 * and reserves them (not zeroed). Returns the address, or 0 when nothing fits.
 */
phys_addr_t memblock_alloc(phys_addr_t size, phys_addr_t align);
void memblock_set_limit(phys_addr_t limit);

/* Calls fn for each free range, page-aligned inwards, ascending. */
typedef void (*memblock_range_fn)(phys_addr_t start, phys_addr_t end, void *arg);
void memblock_for_each_free(memblock_range_fn fn, void *arg);

phys_addr_t memblock_end_of_ram(void);
phys_addr_t memblock_phys_mem_size(void);
phys_addr_t memblock_reserved_size(void);
const struct memblock_type *memblock_memory(void);
void memblock_dump(void);

/* Ends early allocation: later memblock_alloc calls panic. */
void memblock_retire(void);

#endif
