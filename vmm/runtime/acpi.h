/*
 * acpi.h: the ACPI tables memvisor writes into guest RAM for a kernel that
 * reads them (Linux); memvisor's own kernel ignores them.
 *
 * Layout, from ACPI_TABLES_GPA in the reserved legacy hole (memory.h), each
 * table 16-byte aligned, in this order:
 *   RSDP (revision 2, 36 bytes; also where a legacy scan of 0xe0000 finds it)
 *   XSDT -> FADT, MADT, and with --numa SRAT and SLIT
 *   FADT (revision 6, 276 bytes): hardware-reduced ACPI, as QEMU's microvm:
 *        no PM1 blocks, timer or SCI; S5 through the sleep control register
 *        (ACPI_SLEEP_CTL_PORT), the reset register at port 0xcf9
 *   DSDT: \_S5 = Package { ACPI_S5_SLP_TYP, ... }, and under \_SB the
 *        serial port, COM1: _HID PNP0501, _CRS its 8 ports and IRQ (on a
 *        hardware-reduced machine Linux has no legacy PIC and maps no ISA
 *        IRQ it is not told of: without this, opening ttyS0 fails with EIO),
 *        and one device per virtio-mmio transport, VR00, VR01, …: _HID "LNRO0005"
 *        (what Linux's virtio_mmio driver matches), _UID, _CRS with its
 *        registers (Memory32Fixed) and its line (level, active high)
 *   MADT: one Local APIC per vCPU (APIC ID = vCPU index, as kvm.c sets
 *        CPUID), the IOAPIC at GSI 0, a level/active-high interrupt source
 *        override for each virtio-mmio line, LINT1 as NMI
 *   SRAT (revision 3, with --numa): one Processor Local APIC Affinity per
 *        vCPU (its node as proximity domain) and one Memory Affinity per
 *        node's GPA range (numa.h: a node across the 3 GiB hole has two),
 *        enabled, not hot-pluggable
 *   SLIT (revision 1, with --numa): the nodes' distance matrix, row by row
 * No RSDT: revision 2 readers take the XSDT. A kernel that also takes the
 * virtio_mmio.device= words of the command line (memvisor's; Linux built
 * with VIRTIO_MMIO_CMDLINE_DEVICES, which Debian's is not) sees each
 * device twice; the second probe fails on the claimed registers.
 *
 * IRQ 0 has no override: memvisor keeps KVM's default routing, where the
 * in-kernel PIT's GSI 0 reaches IOAPIC pin 0 (QEMU reroutes it to pin 2
 * and says so with an override 0 -> 2).
 *
 * Invariant: every table's bytes sum to 0 (mod 256), the RSDP's first 20
 * bytes too; every pointer in them is a GPA inside what acpi_build wrote.
 */
#ifndef VMM_ACPI_H
#define VMM_ACPI_H

#include "memory.h"
#include "numa.h"

#include <stddef.h>
#include <stdint.h>

#define ACPI_TABLES_GPA      0xe0000ull
#define ACPI_TABLES_MAX      0x10000   /* bytes reserved for them */
#define ACPI_SLEEP_CTL_PORT  0x600     /* FADT sleep control register, 1 byte */
#define ACPI_SLEEP_STS_PORT  0x601     /* FADT sleep status register, 1 byte */
#define ACPI_RESET_PORT      0xcf9     /* FADT reset register */
#define ACPI_RESET_VALUE     0x06      /* system reset, CPU reset (0xcf9's bits) */
#define ACPI_S5_SLP_TYP      5         /* \_S5's sleep type, written to bits 2-4 */
#define ACPI_SLEEP_TYP_SHIFT 2         /* sleep control: SLP_TYPx in bits 2-4, */
#define ACPI_SLEEP_TYP_MASK  0x1c
#define ACPI_SLEEP_EN        0x20      /* SLP_EN in bit 5 (ACPI 6.5, 4.8.3.7) */
#define ACPI_LAPIC_BASE      0xfee00000u
#define ACPI_IOAPIC_BASE     0xfec00000u

#define ACPI_MAX_VIRTIO 8

/* One virtio-mmio transport: its register window and its interrupt line. */
struct acpi_virtio_mmio {
	uint32_t base, size;
	uint8_t irq;          /* an ISA IRQ (1 .. 15), on the GSI of that number */
};

struct acpi_config {
	int nr_cpus;          /* 1 .. 255 Local APIC entries, IDs 0 .. nr_cpus-1 */
	uint16_t com1_port;   /* the 16550's first port (0: none) */
	uint8_t com1_irq;     /* its ISA IRQ, edge-triggered, active high */
	int nr_virtio;        /* 0 .. ACPI_MAX_VIRTIO */
	struct acpi_virtio_mmio virtio[ACPI_MAX_VIRTIO];
	const struct numa_config *numa; /* NULL or no nodes: no SRAT, no SLIT */
};

/*
 * Writes the tables into buf[0..len) as they will sit at GPA base (the
 * RSDP at offset 0). Returns the bytes used, -EINVAL for a bad cpu or
 * device count, a device IRQ outside 1 .. 15 or NUMA nodes for another
 * vCPU count, -ENOSPC when len is too small.
 */
int acpi_build(const struct acpi_config *cfg, uint64_t base, uint8_t *buf, size_t len);

/*
 * Builds the tables at ACPI_TABLES_GPA in guest RAM and returns the RSDP's
 * GPA in *rsdp. Returns 0 or a negative errno as acpi_build.
 */
int acpi_install(const struct guest_memory *m, const struct acpi_config *cfg, uint64_t *rsdp);

#endif
