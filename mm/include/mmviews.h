/*
 * mmviews.h: Linux /proc text for the allocators, generated from the live
 * structures: buddyinfo, zoneinfo (the fields we have), slabinfo 2.1 and
 * the allocator lines of meminfo.
 *
 * Each writes a NUL-terminated text into buf (at most size bytes) and
 * returns the length of the whole text, as snprintf does: a return value
 * >= size means the text was cut. Reads are unlocked snapshots of counters.
 */
#ifndef MM_MMVIEWS_H
#define MM_MMVIEWS_H

#include "buddy.h"
#include "vmalloc.h"

int mmviews_buddyinfo(const struct buddy *b, char *buf, size_t size);
/*
 * Figures per node for zoneinfo's "  per-node stats" block, which Linux
 * prints under each node's first zone with pages (its node_stat items):
 * names[i] with value[node][i], nr of them. NULL: no block.
 */
#define MMVIEWS_NODE_STATS 8
struct mmviews_node_stats {
	const char *const *names;
	unsigned nr;                    /* at most MMVIEWS_NODE_STATS */
	uint64_t value[BUDDY_MAX_NODES][MMVIEWS_NODE_STATS];
};
int mmviews_zoneinfo(const struct buddy *b, const struct mmviews_node_stats *ns, char *buf,
		     size_t size);
int mmviews_slabinfo(char *buf, size_t size);
/* vs may be NULL (no vmalloc yet). */
int mmviews_meminfo(const struct buddy *b, const struct vmalloc_space *vs,
		    char *buf, size_t size);

/* Linux's name of a NUMA counter (numa_hit, ...), and its sum over node's
 * zones (node -1: every zone), as /proc/vmstat and numastat show them. */
const char *mmviews_numa_stat_name(enum buddy_numa_stat i);
uint64_t mmviews_numa_stat(const struct buddy *b, int node, enum buddy_numa_stat i);

/* Pages on the free-slab lists of every cache (meminfo's SReclaimable). */
uint64_t mmviews_slab_reclaimable_pages(void);

#endif
