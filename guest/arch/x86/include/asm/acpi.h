/*
 * acpi.h: what the kernel reads from the ACPI tables at boot: the CPUs
 * (local APIC IDs) the MADT lists as enabled, and the NUMA affinities of
 * the SRAT with the SLIT's distances.
 *
 * Interface:
 *   acpi_find_cpus  fills an acpi_cpus from the MADT (boot mapping only)
 *   acpi_find_numa  fills an acpi_numa from the SRAT and SLIT (boot mapping only)
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <mm_port.h>

#define ACPI_MAX_CPUS MM_NR_CPUS

struct acpi_cpus {
	unsigned nr;                        /* CPUs kept, in MADT order */
	unsigned dropped;                   /* enabled CPUs beyond ACPI_MAX_CPUS */
	uint32_t apic_ids[ACPI_MAX_CPUS];
};

/*
 * Reads the MADT through the RSDP at rsdp_pa (0: scan for it). Returns 0,
 * or -1 when there is no RSDP, no valid MADT or no enabled CPU in it.
 */
int acpi_find_cpus(phys_addr_t rsdp_pa, struct acpi_cpus *c);

#define ACPI_MAX_NUMA_MEM   16
#define ACPI_MAX_NUMA_NODES 16

struct acpi_numa_mem {
	uint64_t base, size;
	uint32_t pxm;                       /* proximity domain */
};

struct acpi_numa_cpu {
	uint32_t apic_id, pxm;
};

struct acpi_numa {
	unsigned nr_mem, nr_cpus;           /* enabled entries kept, in SRAT order */
	struct acpi_numa_mem mem[ACPI_MAX_NUMA_MEM];
	struct acpi_numa_cpu cpus[ACPI_MAX_CPUS];
	unsigned nr_localities;             /* the SLIT's; 0: no SLIT */
	uint8_t distance[ACPI_MAX_NUMA_NODES][ACPI_MAX_NUMA_NODES];
};

/*
 * Reads the SRAT (and the SLIT if there is one) through the RSDP at rsdp_pa
 * (0: scan). Returns 0, or -1 when there is no valid SRAT or it lists no
 * enabled memory.
 */
int acpi_find_numa(phys_addr_t rsdp_pa, struct acpi_numa *n);

#endif
