/*
 * numa.h: the machine's NUMA nodes, found once at boot (before the page
 * allocator takes RAM): from the ACPI SRAT and SLIT the VMM or firmware
 * writes (acpi.h), or split evenly by numa=fake=N on the command line for a
 * machine without them; numa=off or neither gives one node.
 *
 * Interface:
 *   numa_init            finds the nodes, tags memblock's RAM with them, logs them
 *   numa_to_buddy_nodes  the same nodes as buddy_set_nodes takes them
 *   numa_cpu_node        the node a CPU allocates from
 *
 * Invariant (after numa_init): 1 <= nr <= BUDDY_MAX_NODES; node n spans
 * [start[n], start[n+1]), start[0] = 0, start[nr] = the end of RAM, every
 * inner boundary a multiple of NUMA_ALIGN (the buddy allocator's largest
 * block: a block never spans two nodes) and ascending. Written by the boot
 * CPU before the APs start; read-only afterwards.
 */
#ifndef GUEST_NUMA_H
#define GUEST_NUMA_H

#include <mm_port.h>
#include <buddy.h>

#define NUMA_ALIGN ((phys_addr_t)MM_PAGE_SIZE << BUDDY_MAX_ORDER) /* 4 MiB */

struct numa_layout {
	unsigned nr;
	phys_addr_t start[BUDDY_MAX_NODES + 1];
	uint8_t distance[BUDDY_MAX_NODES][BUDDY_MAX_NODES];
	uint8_t cpu_node[MM_NR_CPUS];
	const char *source;          /* "SRAT", "numa=fake", "one node" */
};

extern struct numa_layout numa_layout;

/* Finds the nodes into l (after smp_find_cpus: CPUs map by APIC ID). */
void numa_init(struct numa_layout *l, phys_addr_t rsdp);
void numa_to_buddy_nodes(const struct numa_layout *l, struct buddy_nodes *out);

static inline unsigned numa_cpu_node(const struct numa_layout *l, unsigned cpu)
{
	return cpu < MM_NR_CPUS ? l->cpu_node[cpu] : 0;
}

#endif
