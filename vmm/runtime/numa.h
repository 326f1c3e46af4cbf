/*
 * numa.h: the guest's NUMA nodes as `memvisor run --numa SPEC` describes
 * them: each node's share of RAM, its vCPUs and the distances between
 * nodes; where each node's RAM lies in guest-physical space; and binding
 * each node's host memory to a host node.
 *
 * SPEC (docs/numa.md, `memvisor run --help`):
 *   N                   N nodes; RAM split evenly in whole pages (the last
 *                       node takes what does not divide), vCPUs in
 *                       contiguous blocks: vCPU c on node c * N / cpus
 *   ID:SIZE[:cpus=LIST][,ID:SIZE[:cpus=LIST]]...[,dist=D,D,...]
 *                       nodes 0, 1, ... in order; LIST is vCPU numbers and
 *                       ranges A-B separated by commas; a word with a ':'
 *                       begins the next node, "dist=" begins the distance
 *                       matrix: N*N numbers row by row, 10 on the diagonal,
 *                       11 .. 254 elsewhere (default 10 local, 20 remote).
 *                       Without any cpus= the vCPUs are placed as for N;
 *                       with some, every vCPU is in exactly one node.
 *   The sizes add up to -m; each node has at least NUMA_MIN_NODE_SIZE.
 *
 * Layout: node 0 holds the first size[0] bytes of RAM in the order
 * memory.h lays RAM out (from GPA 0, over the 3 GiB hole to 4 GiB), node 1
 * the next, and so on; numa_parse gives each node's GPA ranges (a node
 * that spans the hole has two). All RAM stays one host mapping and the KVM
 * slots memory.h makes (saves and snapshots record those); a node's host
 * memory is the part of that mapping behind its ranges, and on a host with
 * several nodes that part is mbind()ed to host node (guest node mod host
 * nodes). numa_resident_pages tells how much of each node's host memory
 * is resident (mincore over its ranges): `stats` reports it per node.
 *
 * Invariant (after numa_parse returns 0): 1 <= nr_nodes <= NUMA_MAX_NODES,
 * the sizes sum to the RAM size, every vCPU below cpus has a node, the
 * matrix has 10 on its diagonal and 11 .. 254 elsewhere.
 */
#ifndef VMM_NUMA_H
#define VMM_NUMA_H

#include "memory.h"
#include "util.h"

#include <stdint.h>

#define NUMA_MAX_NODES      8
#define NUMA_MAX_CPUS       255            /* MADT/SRAT local APIC IDs */
#define NUMA_MIN_NODE_SIZE  (4ull << 20)   /* Linux ignores smaller nodes */
#define NUMA_LOCAL_DISTANCE 10
#define NUMA_REMOTE_DISTANCE 20
#define NUMA_MAX_RANGES     (NUMA_MAX_NODES + MEM_MAX_SLOTS)

/* One guest-physical range of RAM on one node. */
struct numa_range {
	uint64_t gpa, size;
	int node;
};

struct numa_config {
	int nr_nodes;                   /* 0: no --numa (no SRAT, no SLIT) */
	int nr_cpus;
	uint64_t size[NUMA_MAX_NODES];  /* bytes of RAM, whole pages */
	uint8_t cpu_node[NUMA_MAX_CPUS];
	uint8_t distance[NUMA_MAX_NODES][NUMA_MAX_NODES];
	int nr_ranges;                  /* filled by numa_parse */
	struct numa_range ranges[NUMA_MAX_RANGES];
};

/*
 * Parses spec for a guest of ram_size bytes and cpus vCPUs into *out, its
 * GPA ranges laid out. Returns 0, or -EINVAL with one line in err naming
 * the problem (sizes that do not add up to ram_size, an unknown or doubly
 * placed vCPU, a malformed or wrong-sized matrix, a node out of order).
 */
int numa_parse(const char *spec, uint64_t ram_size, int cpus, struct numa_config *out,
	       struct mv_error *err);

/*
 * Checks a layout recorded elsewhere (a save file) as numa_parse checks a
 * spec and lays out its GPA ranges: cfg's nr_nodes, nr_cpus, size[],
 * cpu_node[] and distance[] filled in, for a guest of ram_size bytes.
 * Returns 0, or -EINVAL with one line in err (cfg->nr_nodes is 0 then).
 */
int numa_check_layout(struct numa_config *cfg, uint64_t ram_size, struct mv_error *err);

/* The node of guest-physical address gpa, or -1 when it is no node's RAM. */
int numa_node_of(const struct numa_config *cfg, uint64_t gpa);

/* Host NUMA nodes (/sys/devices/system/node/nodeN); 1 when it says none. */
int numa_host_nodes(void);

/* The host node guest node n's memory is bound to (numa_bind_host), or -1
 * when nothing is bound (a host with one node). */
int numa_host_node_of(int n, int host_nodes);

/*
 * Resident host pages of each node's RAM in m (mincore over the node's
 * ranges) into resident[0 .. cfg->nr_nodes). Returns 0, or a negative
 * errno (a range that is not RAM in m: -EFAULT; mincore's error).
 */
int numa_resident_pages(const struct numa_config *cfg, const struct guest_memory *m,
			uint64_t resident[NUMA_MAX_NODES]);

/*
 * Binds each node's host memory in m to a host node (MPOL_BIND to host
 * node = guest node mod host nodes) when the host has more than one, before
 * the guest touches it; on a one-node host says so at -v and binds nothing.
 * Returns 0 or a negative errno with the reason in err.
 */
int numa_bind_host(const struct numa_config *cfg, const struct guest_memory *m,
		   struct mv_error *err);

#endif
