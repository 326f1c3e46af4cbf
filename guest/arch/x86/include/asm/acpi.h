/*
 * acpi.h: what the kernel reads from the ACPI tables at boot: the CPUs
 * (local APIC IDs) the MADT lists as enabled.
 *
 * Interface:
 *   acpi_find_cpus  fills an acpi_cpus from the MADT (boot mapping only)
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

#endif
