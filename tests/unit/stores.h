/*
 * stores.h: reclaim's two stores (vmscan.h) for host tests, as the
 * guest's swap.c and initrd.c provide them: anonymous pages to a swap
 * device (over a RAM disk, ramdisk.h), page-cache pages dropped with a
 * shadow in their file's cache. The state is the caller's struct
 * host_stores, passed as each store's ctx.
 *
 * Interface:
 *   host_stores_init      a buddy over RAM pages, the stores, the swap device
 *   host_stores_init_nodes  the same with the buddy cut into NUMA nodes
 *   host_stores_table     the two stores, as vmscan_init takes them
 *   host_swap_store_ops   ctx: struct host_stores; present iff swap_on
 *   host_file_store_ops   ctx: struct host_stores
 */
#ifndef STORES_H
#define STORES_H

#include "vmscan.h"
#include "swapdev.h"
#include "ramdisk.h"

/* The swap device's memory, the caller's: nr_slots of each. */
struct host_swap_mem {
	uint8_t (*disk)[MM_PAGE_SIZE];
	uint8_t *map;
	uint32_t *entries;
	uint64_t nr_slots;
};

struct host_stores {
	struct swapdev d;        /* set up when swap_on */
	struct ramdisk disk;
	struct swapdev_io io;
	bool swap_on;            /* the swap store is present */
	struct buddy *b;         /* where evicted pages go back */
	struct vmscan *vs;       /* told of evicted anonymous pages */
	long anon_freed;         /* anonymous pages evicted and freed */
	bool file_keeps;         /* the file store keeps every page, relisted (tmpfs, swap full) */
	struct pagecache *(*file_cache)(struct inode *ino);   /* the test's files */
};

/*
 * Sets b up over descs for RAM pages [1, ram_pages) with no reserve, and
 * s over b and vs: the swap store present iff swap_on (its device on
 * mem), the file store finding a page's cache through file_cache.
 * Returns 0 or what buddy or swapdev set-up returned.
 */
int host_stores_init(struct host_stores *s, struct buddy *b, struct page *descs,
		     uint64_t ram_pages, struct vmscan *vs, bool swap_on,
		     const struct host_swap_mem *mem,
		     struct pagecache *(*file_cache)(struct inode *ino));

/* host_stores_init with b cut into nodes first (buddy_set_nodes; NULL: one node). */
int host_stores_init_nodes(struct host_stores *s, struct buddy *b, struct page *descs,
			   uint64_t ram_pages, const struct buddy_nodes *nodes, struct vmscan *vs,
			   bool swap_on, const struct host_swap_mem *mem,
			   struct pagecache *(*file_cache)(struct inode *ino));

/* Fills store with the two stores over s. */
void host_stores_table(struct host_stores *s, struct vmscan_store store[NR_LRU]);

extern const struct vmscan_store_ops host_swap_store_ops;
extern const struct vmscan_store_ops host_file_store_ops;

#endif
