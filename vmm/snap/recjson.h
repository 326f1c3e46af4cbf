/*
 * recjson.h: one JSON rendering per record kind, the same wherever the
 * record appears: the `stats` reply and the --stats stream (livestats.c),
 * `show --json` (cmd_show.c) and `diff --json` (snapdiff.c). Key names,
 * the one set every output uses (scenario conditions and the report read
 * these paths):
 *
 *   zone     free_pages managed min low high (pages); nr_free: free blocks
 *            per buddy order, an array from order 0 to SNAP_MAX_ORDERS - 1;
 *            node; numa_hit numa_miss numa_foreign numa_interleave
 *            numa_local numa_other (Linux's per-zone counters)
 *   node     free_pages managed present and the numa_* counters, summed
 *            over the node's zones
 *   slab     active_objs object_size objects_per_slab order slabs
 *            free_slabs bytes (slabs * the slab size)
 *   vmstat   one number per counter, by the counter's name
 *   balloon  target actual held (bytes) inflated_pages deflated_pages
 *            reported_pages bad_pfns driver_ok
 *   guest    the balloon statistics the guest sent, by Linux's names
 *            (swap_in, free_memory, ...), and updates
 *   host     ram resident rss (bytes)               } live only: rendered
 *   swap     size reads writes bytes_read           } in livestats.c, which
 *            bytes_written errors                   } reads them in place
 *
 * Sections are objects keyed by name (zones by zone, slabs by cache,
 * nodes by number: "0", "1"). A zone of node 0 is keyed by its name
 * (DMA32), a zone of node N > 0 by its name, '_' and N (DMA32_1,
 * Normal_1): the keys of a one-node guest are what they always were. In
 * a diff a zone has only the keys that can change, as signed changes
 * (free_pages, nr_free), a node likewise (free_pages, numa_*); slabs and
 * vmstat are one signed change per name (a cache's change in active_objs).
 *
 * (`show --json` and `diff --json` named the per-order array
 * free_per_order before; the stats stream's nr_free is what scenario
 * conditions and the report use, so that name stays.)
 */
#ifndef VMM_RECJSON_H
#define VMM_RECJSON_H

#include "devices/balloon.h"
#include "snapfmt.h"

#include <json-c/json.h>
#include <stddef.h>

#define RECJSON_MAX_NODES 64           /* nodes summed; memvisor gives at most 8 */
#define RECJSON_ZONE_KEY  24           /* room for a zone's key and its NUL */

/* One node's zones summed (the node section's numbers). */
struct recjson_node {
	uint32_t node;
	uint64_t present, managed, free_pages;
	uint64_t numa[SNAP_NR_NUMA_STATS];
};

/* Sums the zones z[0..n) per node into sums (ascending by node, at most
 * max nodes; zones of further nodes are left out). Returns how many. */
size_t recjson_node_sums(const struct snap_zone *z, size_t n, struct recjson_node *sums,
			 size_t max);

json_object *recjson_zone(const struct snap_zone *z);
/* The zone's change from before to after: free_pages and nr_free. */
json_object *recjson_zone_change(const struct snap_zone *before, const struct snap_zone *after);
/* The node's change from before to after: free_pages and the numa_* counters. */
json_object *recjson_node_change(const struct recjson_node *before,
				 const struct recjson_node *after);
json_object *recjson_slab(const struct snap_slab *s);

/* Objects keyed by name, one record each. */
json_object *recjson_zones(const struct snap_zone *z, size_t n);
json_object *recjson_nodes(const struct snap_zone *z, size_t n);
json_object *recjson_slabs(const struct snap_slab *s, size_t n);
json_object *recjson_vmstat(const struct snap_counter *v, size_t n);

json_object *recjson_balloon(const struct balloon_figures *f);
json_object *recjson_guest(const struct balloon_figures *f);

/* The zone's key (its name, with "_N" on node N > 0) into buf
 * (RECJSON_ZONE_KEY bytes serve): its name field may lack the NUL. */
void recjson_zone_name(const struct snap_zone *z, char *buf, size_t len);

/* Adds key: v to o (json-c's uint64 as one call). */
void recjson_add_u64(json_object *o, const char *key, uint64_t v);

#endif
