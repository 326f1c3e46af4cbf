/*
 * swap.h: swap on the virtio-blk disk: the device (one, found at boot),
 * the swap cache, and reclaim's store over them. Swap entries in page
 * tables (mm/fault.h's encoding: not present, bit 9 set, the slot in
 * bits 12-51), swap-in on fault and the entry bookkeeping of munmap,
 * exit and fork are the fault engine's (mm/fault.c) on this device.
 *
 * A swap entry is counted in its page table's PT_CNT like a present PTE
 * (pt.h), so pt.c never frees a table that still holds one.
 *
 * Slot references (swap_slots.h): one per swap entry in a page table,
 * plus one while the swap cache holds the slot's page. The swap cache maps
 * a slot to the frame that holds its data, so a page several processes
 * had swapped out (shared after fork) is read from disk once; such a frame
 * is mapped read-only and copied on write. A frame swapped in for one
 * entry alone stays in the cache, mapped writable and clean (PTE_D
 * clear): evicted again before anyone writes it, it needs no disk write
 * (Linux keeps such pages in the swap cache the same way). Past half-full
 * swap, swap-in frees the slot instead (Linux's vm_swap_full).
 *
 * Interface:
 *   swap_init            after virtio_probe_all: swap on if a disk exists
 *   swap_store           reclaim's way in (reclaim.h): writes in runs, new
 *                        entries, the swap cache, evictions
 *   swap_device          the device, for the fault engine (uvm.c)
 *   swap_total/free/cached_pages   for /proc/meminfo
 * Callers serialise: one CPU, and nothing here sleeps.
 */
#ifndef GUEST_SWAP_H
#define GUEST_SWAP_H

#include <uvm.h>
#include <swapdev.h>

void swap_init(void);

#define SWAP_WRITE_BATCH 32    /* frames per swap_store write call at most */

/* The one device (inactive without a disk). */
struct swapdev *swap_device(void);

uint64_t swap_total_pages(void);
uint64_t swap_free_pages(void);
uint64_t swap_cached_pages(void);

#endif
