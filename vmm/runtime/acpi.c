/*
 * acpi.c: builds the RSDP, XSDT, FADT, DSDT and MADT (see acpi.h for the
 * layout and the invariants). Field offsets follow the ACPI 6.5
 * specification's tables (5.2.5.3 RSDP, 5.2.6 header, 5.2.8 XSDT, 5.2.9
 * FADT, 5.2.12 MADT, 5.2.3.2 Generic Address Structure).
 *
 * Tables are written little endian through a cursor over a byte buffer:
 * each table is appended, then its length and checksum are patched in.
 */
#include "acpi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SDT_HEADER_LEN   36
#define RSDP_LEN         36
#define RSDP_V1_LEN      20
#define FADT_LEN         276
#define FADT_REVISION    6
#define FADT_MINOR       5

/* FADT fields and flags (ACPI 6.5, table 5.9 and 5.10). */
#define FADT_DSDT           40
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS          112
#define FADT_RESET_REG      116
#define FADT_RESET_VALUE    128
#define FADT_MINOR_VERSION  131
#define FADT_X_DSDT         140
#define FADT_SLEEP_CONTROL  244
#define FADT_SLEEP_STATUS   256
#define FADT_PWR_BUTTON     (1u << 4)   /* no fixed-feature power button */
#define FADT_SLP_BUTTON     (1u << 5)
#define FADT_RESET_REG_SUP  (1u << 10)
#define FADT_HW_REDUCED     (1u << 20)
#define BOOT_ARCH_NO_VGA    (1u << 2)
#define BOOT_ARCH_NO_MSI    (1u << 3)
#define BOOT_ARCH_NO_RTC    (1u << 5)

/* Generic Address Structure: I/O space, byte access. */
#define GAS_SYSTEM_IO   1
#define GAS_ACCESS_BYTE 1

/* MADT entry types and flags (ACPI 6.5, 5.2.12). */
#define MADT_LAPIC          0
#define MADT_IOAPIC         1
#define MADT_IRQ_OVERRIDE   2
#define MADT_LAPIC_NMI      4
#define MADT_PCAT_COMPAT    1u
#define MADT_LAPIC_ENABLED  1u
#define MPS_ACTIVE_HIGH     0x1
#define MPS_LEVEL           0xc
#define MADT_REVISION       5

/* SRAT entry types and flags (ACPI 6.5, 5.2.16); SLIT (5.2.17). */
#define SRAT_REVISION       3
#define SRAT_LAPIC_AFFINITY 0
#define SRAT_MEM_AFFINITY   1
#define SRAT_ENABLED        1u
#define SLIT_REVISION       1

/* AML (ACPI 6.5, 20.2) for the DSDT's names and devices. */
#define AML_NAME_OP    0x08
#define AML_PACKAGE_OP 0x12
#define AML_BUFFER_OP  0x11
#define AML_SCOPE_OP   0x10
#define AML_EXT_PFX    0x5b
#define AML_DEVICE_OP  0x82            /* after AML_EXT_PFX */
#define AML_BYTE_PFX   0x0a
#define AML_STRING_PFX 0x0d
#define AML_DWORD_PFX  0x0c
#define EISA_PNP0501   0x0105d041u     /* EisaId ("PNP0501"), a 16550 */
#define AML_ZERO_OP    0x00
#define AML_ROOT_CHAR  '\\'

/* Resource descriptors (ACPI 6.5, 6.4.3) of a virtio-mmio device's _CRS. */
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_IRQ        0x89
#define RES_END_TAG        0x79
#define RES_IO             0x47        /* small: I/O ports, 7 bytes */
#define RES_IO_DECODE16    0x01
#define RES_IRQ_NO_FLAGS   0x22        /* small: IRQ mask, edge, active high */
#define RES_READ_WRITE     0x01
#define RES_IRQ_CONSUMER   0x01        /* level (bit 1 clear), active high (bit 2 clear) */
#define AML_MAX_OBJECT     1024        /* bytes of one scope's body */

struct cursor {
	uint8_t *buf;
	size_t cap, len;
	uint64_t base;          /* GPA of buf[0] */
	bool overflow;
};

static void put(struct cursor *c, const void *p, size_t n)
{
	if (c->overflow || n > c->cap - c->len) {
		c->overflow = true;
		return;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

/* Writes the low n bytes of v, little endian, at offset off (patching). */
static void patch_le(struct cursor *c, size_t off, uint64_t v, size_t n)
{
	if (c->overflow || off + n > c->len)
		return;
	for (size_t i = 0; i < n; i++)
		c->buf[off + i] = (uint8_t)(v >> (8 * i));
}

static void put_le(struct cursor *c, uint64_t v, size_t n)
{
	uint8_t b[8] = { 0 };
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(c, b, n);
}

static void put_zeros(struct cursor *c, size_t n)
{
	static const uint8_t zeros[64];
	while (n && !c->overflow) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);
		put(c, zeros, k);
		n -= k;
	}
}

static void align16(struct cursor *c)
{
	put_zeros(c, (16 - c->len % 16) % 16);
}

static uint8_t checksum_of(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

/* Starts a table at a 16-byte boundary; returns its offset in the buffer. */
static size_t table_begin(struct cursor *c, const char sig[4], uint8_t revision)
{
	align16(c);
	size_t start = c->len;
	put(c, sig, 4);
	put_le(c, 0, 4);                 /* length, patched by table_end */
	put_le(c, revision, 1);
	put_le(c, 0, 1);                 /* checksum, patched by table_end */
	put(c, "MEMVSR", 6);             /* OEM ID */
	put(c, "MEMVISOR", 8);           /* OEM table ID */
	put_le(c, 1, 4);                 /* OEM revision */
	put(c, "MVSR", 4);               /* creator ID */
	put_le(c, 1, 4);                 /* creator revision */
	return start;
}

static void table_end(struct cursor *c, size_t start)
{
	if (c->overflow)
		return;
	size_t len = c->len - start;
	patch_le(c, start + 4, len, 4);
	c->buf[start + 9] = checksum_of(c->buf + start, len);
}

static uint64_t gpa_of(const struct cursor *c, size_t off)
{
	return c->base + off;
}

/* A Generic Address Structure for one byte at an I/O port. */
static void patch_gas_port(struct cursor *c, size_t off, uint16_t port)
{
	patch_le(c, off, GAS_SYSTEM_IO, 1);
	patch_le(c, off + 1, 8, 1);         /* register bit width */
	patch_le(c, off + 2, 0, 1);         /* bit offset */
	patch_le(c, off + 3, GAS_ACCESS_BYTE, 1);
	patch_le(c, off + 4, port, 8);
}

/*
 * Appends op, the PkgLength of what follows (its own bytes included: one
 * for up to 63, two for up to 4095) and body[0..len).
 */
static void put_package(struct cursor *c, const uint8_t *op, size_t op_len,
			const uint8_t *body, size_t len)
{
	put(c, op, op_len);
	if (len + 1 <= 63) {
		put_le(c, len + 1, 1);
	} else if (len + 2 <= 0xfff) {
		put_le(c, 0x40 | ((len + 2) & 0xf), 1);
		put_le(c, (len + 2) >> 4, 1);
	} else {
		c->overflow = true;
	}
	put(c, body, len);
}

/* Name (_CRS, Buffer () { res[0..len) }) */
static void put_crs(struct cursor *c, const uint8_t *res, size_t len)
{
	uint8_t buf[40] = { 0 };
	struct cursor b = { .buf = buf, .cap = sizeof(buf) };
	put_le(&b, AML_BYTE_PFX, 1);
	put_le(&b, len, 1);              /* buffer size */
	put(&b, res, len);
	if (b.overflow)
		c->overflow = true;
	static const uint8_t name[] = { AML_NAME_OP, '_', 'C', 'R', 'S' };
	put(c, name, sizeof(name));
	static const uint8_t buffer_op = AML_BUFFER_OP;
	put_package(c, &buffer_op, 1, buf, b.len);
}

/* Device (COM1) { Name (_HID, EisaId ("PNP0501")); Name (_UID, 0);
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 1, 8);
 *                                     IRQNoFlags () { irq } }) } */
static void put_com1_device(struct cursor *c, uint16_t port, uint8_t irq)
{
	static const uint8_t hid[] = { 'C', 'O', 'M', '1', AML_NAME_OP, '_', 'H', 'I', 'D',
				       AML_DWORD_PFX };
	static const uint8_t uid[] = { AML_NAME_OP, '_', 'U', 'I', 'D', AML_BYTE_PFX, 0 };
	uint8_t res[16] = { 0 }, body[64] = { 0 };
	struct cursor r = { .buf = res, .cap = sizeof(res) };
	struct cursor b = { .buf = body, .cap = sizeof(body) };
	put_le(&r, RES_IO, 1);
	put_le(&r, RES_IO_DECODE16, 1);
	put_le(&r, port, 2);             /* minimum base */
	put_le(&r, port, 2);             /* maximum base */
	put_le(&r, 1, 1);                /* alignment */
	put_le(&r, 8, 1);                /* ports */
	put_le(&r, RES_IRQ_NO_FLAGS, 1);
	put_le(&r, 1u << irq, 2);
	put_le(&r, RES_END_TAG, 1);
	put_le(&r, 0, 1);
	put(&b, hid, sizeof(hid));
	put_le(&b, EISA_PNP0501, 4);
	put(&b, uid, sizeof(uid));
	put_crs(&b, res, r.len);
	if (b.overflow)
		c->overflow = true;
	static const uint8_t device_op[] = { AML_EXT_PFX, AML_DEVICE_OP };
	put_package(c, device_op, sizeof(device_op), body, b.len);
}

/* Name(_CRS, ResourceTemplate () { Memory32Fixed; Interrupt }) */
static void put_virtio_crs(struct cursor *c, const struct acpi_virtio_mmio *d)
{
	uint8_t res[32] = { 0 };
	struct cursor r = { .buf = res, .cap = sizeof(res) };
	put_le(&r, RES_MEMORY32_FIXED, 1);
	put_le(&r, 9, 2);
	put_le(&r, RES_READ_WRITE, 1);
	put_le(&r, d->base, 4);
	put_le(&r, d->size, 4);
	put_le(&r, RES_EXT_IRQ, 1);
	put_le(&r, 6, 2);
	put_le(&r, RES_IRQ_CONSUMER, 1);
	put_le(&r, 1, 1);                /* one interrupt */
	put_le(&r, d->irq, 4);
	put_le(&r, RES_END_TAG, 1);
	put_le(&r, 0, 1);                /* checksum 0: not checked */
	put_crs(c, res, r.len);
}

/* Device (VRnn) { Name (_HID, "LNRO0005"); Name (_UID, n); Name (_CRS, …) } */
static void put_virtio_device(struct cursor *c, int n, const struct acpi_virtio_mmio *d)
{
	static const uint8_t hid[] = { AML_NAME_OP, '_', 'H', 'I', 'D', AML_STRING_PFX,
				       'L', 'N', 'R', 'O', '0', '0', '0', '5', 0 };
	const uint8_t uid[] = { AML_NAME_OP, '_', 'U', 'I', 'D', AML_BYTE_PFX, (uint8_t)n };
	uint8_t body[128] = { 0 };
	struct cursor b = { .buf = body, .cap = sizeof(body) };
	const uint8_t dev_name[] = { 'V', 'R', (uint8_t)('0' + n / 10), (uint8_t)('0' + n % 10) };
	put(&b, dev_name, sizeof(dev_name));
	put(&b, hid, sizeof(hid));
	put(&b, uid, sizeof(uid));
	put_virtio_crs(&b, d);
	if (b.overflow)
		c->overflow = true;
	static const uint8_t device_op[] = { AML_EXT_PFX, AML_DEVICE_OP };
	put_package(c, device_op, sizeof(device_op), body, b.len);
}

/* Scope (\_SB) { the virtio-mmio devices } */
static void put_sb_scope(struct cursor *c, const struct acpi_config *cfg)
{
	uint8_t body[AML_MAX_OBJECT] = { 0 };
	struct cursor b = { .buf = body, .cap = sizeof(body) };
	static const uint8_t sb[] = { AML_ROOT_CHAR, '_', 'S', 'B', '_' };
	put(&b, sb, sizeof(sb));
	if (cfg->com1_port)
		put_com1_device(&b, cfg->com1_port, cfg->com1_irq);
	for (int i = 0; i < cfg->nr_virtio; i++)
		put_virtio_device(&b, i, &cfg->virtio[i]);
	if (b.overflow)
		c->overflow = true;
	static const uint8_t scope_op = AML_SCOPE_OP;
	put_package(c, &scope_op, 1, body, b.len);
}

static size_t build_dsdt(struct cursor *c, const struct acpi_config *cfg)
{
	static const uint8_t s5[] = {
		AML_NAME_OP, '_', 'S', '5', '_',
		AML_PACKAGE_OP, 8 /* PkgLength: itself and what follows */, 4 /* elements */,
		AML_BYTE_PFX, ACPI_S5_SLP_TYP, AML_BYTE_PFX, ACPI_S5_SLP_TYP,
		AML_ZERO_OP, AML_ZERO_OP,
	};
	size_t start = table_begin(c, "DSDT", 2);
	put(c, s5, sizeof(s5));
	if (cfg->nr_virtio || cfg->com1_port)
		put_sb_scope(c, cfg);
	table_end(c, start);
	return start;
}

static size_t build_fadt(struct cursor *c, size_t dsdt)
{
	size_t start = table_begin(c, "FACP", FADT_REVISION);
	put_zeros(c, FADT_LEN - SDT_HEADER_LEN);
	patch_le(c, start + FADT_DSDT, gpa_of(c, dsdt), 4);
	patch_le(c, start + FADT_X_DSDT, gpa_of(c, dsdt), 8);
	patch_le(c, start + FADT_IAPC_BOOT_ARCH,
		 BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_MSI | BOOT_ARCH_NO_RTC, 2);
	patch_le(c, start + FADT_FLAGS,
		 FADT_HW_REDUCED | FADT_RESET_REG_SUP | FADT_PWR_BUTTON | FADT_SLP_BUTTON, 4);
	patch_gas_port(c, start + FADT_RESET_REG, ACPI_RESET_PORT);
	patch_le(c, start + FADT_RESET_VALUE, ACPI_RESET_VALUE, 1);
	patch_le(c, start + FADT_MINOR_VERSION, FADT_MINOR, 1);
	patch_gas_port(c, start + FADT_SLEEP_CONTROL, ACPI_SLEEP_CTL_PORT);
	patch_gas_port(c, start + FADT_SLEEP_STATUS, ACPI_SLEEP_STS_PORT);
	table_end(c, start);
	return start;
}

static void put_madt_lapic(struct cursor *c, uint8_t id)
{
	const uint8_t e[] = { MADT_LAPIC, 8, id /* processor UID */, id /* APIC ID */,
			      MADT_LAPIC_ENABLED, 0, 0, 0 };
	put(c, e, sizeof(e));
}

static void put_madt_ioapic(struct cursor *c)
{
	const uint8_t e[] = { MADT_IOAPIC, 12, 0 /* IOAPIC ID */, 0 };
	put(c, e, sizeof(e));
	put_le(c, ACPI_IOAPIC_BASE, 4);
	put_le(c, 0, 4);                 /* first GSI */
}

/* ISA IRQ irq on GSI irq, level-triggered and active high. */
static void put_madt_level_override(struct cursor *c, uint8_t irq)
{
	const uint8_t e[] = { MADT_IRQ_OVERRIDE, 10, 0 /* ISA */, irq };
	put(c, e, sizeof(e));
	put_le(c, irq, 4);
	put_le(c, MPS_ACTIVE_HIGH | MPS_LEVEL, 2);
}

static size_t build_madt(struct cursor *c, const struct acpi_config *cfg)
{
	static const uint8_t lint1_nmi[] = { MADT_LAPIC_NMI, 6, 0xff /* all CPUs */, 0, 0, 1 };
	size_t start = table_begin(c, "APIC", MADT_REVISION);
	put_le(c, ACPI_LAPIC_BASE, 4);
	put_le(c, MADT_PCAT_COMPAT, 4);  /* the in-kernel 8259s are there too */
	for (int i = 0; i < cfg->nr_cpus; i++)
		put_madt_lapic(c, (uint8_t)i);
	put_madt_ioapic(c);
	for (int i = 0; i < cfg->nr_virtio; i++)
		put_madt_level_override(c, cfg->virtio[i].irq);
	put(c, lint1_nmi, sizeof(lint1_nmi));
	table_end(c, start);
	return start;
}

/* Processor Local APIC Affinity: vCPU id (its APIC ID) on node. */
static void put_srat_lapic(struct cursor *c, uint8_t id, uint32_t node)
{
	const uint8_t e[] = { SRAT_LAPIC_AFFINITY, 16, (uint8_t)node, id };
	put(c, e, sizeof(e));
	put_le(c, SRAT_ENABLED, 4);
	put_le(c, 0, 1);                 /* local SAPIC EID */
	put_le(c, node >> 8, 3);         /* proximity domain, bits 8-31 */
	put_le(c, 0, 4);                 /* clock domain */
}

/* Memory Affinity: one GPA range on its node, enabled. */
static void put_srat_memory(struct cursor *c, const struct numa_range *r)
{
	put_le(c, SRAT_MEM_AFFINITY, 1);
	put_le(c, 40, 1);
	put_le(c, (uint32_t)r->node, 4);
	put_le(c, 0, 2);
	put_le(c, r->gpa, 8);            /* base address, low then high dword */
	put_le(c, r->size, 8);           /* length, low then high dword */
	put_le(c, 0, 4);
	put_le(c, SRAT_ENABLED, 4);
	put_le(c, 0, 8);
}

static size_t build_srat(struct cursor *c, const struct acpi_config *cfg)
{
	const struct numa_config *numa = cfg->numa;
	size_t start = table_begin(c, "SRAT", SRAT_REVISION);
	put_le(c, 1, 4);                 /* reserved, 1 for compatibility */
	put_le(c, 0, 8);
	for (int i = 0; i < cfg->nr_cpus; i++)
		put_srat_lapic(c, (uint8_t)i, numa->cpu_node[i]);
	for (int i = 0; i < numa->nr_ranges; i++)
		put_srat_memory(c, &numa->ranges[i]);
	table_end(c, start);
	return start;
}

static size_t build_slit(struct cursor *c, const struct numa_config *numa)
{
	size_t start = table_begin(c, "SLIT", SLIT_REVISION);
	put_le(c, (uint64_t)numa->nr_nodes, 8);
	for (int i = 0; i < numa->nr_nodes; i++)
		put(c, numa->distance[i], (size_t)numa->nr_nodes);
	table_end(c, start);
	return start;
}

static bool has_numa(const struct acpi_config *cfg)
{
	return cfg->numa && cfg->numa->nr_nodes > 0;
}

/* Whether the config is one acpi_build can describe. */
static bool config_ok(const struct acpi_config *cfg)
{
	if (cfg->nr_cpus < 1 || cfg->nr_cpus > 255 || cfg->nr_virtio < 0 ||
	    cfg->nr_virtio > ACPI_MAX_VIRTIO)
		return false;
	for (int i = 0; i < cfg->nr_virtio; i++)
		if (cfg->virtio[i].irq < 1 || cfg->virtio[i].irq > 15)
			return false;
	if (cfg->com1_port && (cfg->com1_irq < 1 || cfg->com1_irq > 15))
		return false;
	return !has_numa(cfg) || (cfg->numa->nr_cpus == cfg->nr_cpus &&
				  cfg->numa->nr_nodes <= NUMA_MAX_NODES);
}

static size_t build_xsdt(struct cursor *c, const size_t *tables, int n)
{
	size_t start = table_begin(c, "XSDT", 1);
	for (int i = 0; i < n; i++)
		put_le(c, gpa_of(c, tables[i]), 8);
	table_end(c, start);
	return start;
}

/* The RSDP sits at offset 0; its XSDT address is patched in later. */
static void build_rsdp(struct cursor *c)
{
	put(c, "RSD PTR ", 8);
	put_le(c, 0, 1);                 /* checksum of the first 20 bytes */
	put(c, "MEMVSR", 6);
	put_le(c, 2, 1);                 /* revision: ACPI 2.0+ */
	put_le(c, 0, 4);                 /* RSDT address: none */
	put_le(c, RSDP_LEN, 4);
	put_le(c, 0, 8);                 /* XSDT address */
	put_le(c, 0, 1);                 /* extended checksum */
	put_zeros(c, 3);
}

static void finish_rsdp(struct cursor *c, size_t xsdt)
{
	if (c->overflow)
		return;
	patch_le(c, 24, gpa_of(c, xsdt), 8);
	c->buf[8] = checksum_of(c->buf, RSDP_V1_LEN);
	c->buf[32] = checksum_of(c->buf, RSDP_LEN);
}

int acpi_build(const struct acpi_config *cfg, uint64_t base, uint8_t *buf, size_t len)
{
	struct cursor c = { .buf = buf, .cap = len, .base = base };
	if (!config_ok(cfg))
		return -EINVAL;
	build_rsdp(&c);
	size_t dsdt = build_dsdt(&c, cfg);
	size_t tables[4];
	int n = 0;
	tables[n++] = build_fadt(&c, dsdt);
	tables[n++] = build_madt(&c, cfg);
	if (has_numa(cfg)) {
		tables[n++] = build_srat(&c, cfg);
		tables[n++] = build_slit(&c, cfg->numa);
	}
	size_t xsdt = build_xsdt(&c, tables, n);
	finish_rsdp(&c, xsdt);
	if (c.overflow)
		return -ENOSPC;
	return (int)c.len;
}

int acpi_install(const struct guest_memory *m, const struct acpi_config *cfg, uint64_t *rsdp)
{
	uint8_t *buf = calloc(1, ACPI_TABLES_MAX);
	if (!buf)
		return -ENOMEM;
	int n = acpi_build(cfg, ACPI_TABLES_GPA, buf, ACPI_TABLES_MAX);
	if (n >= 0)
		n = mem_write(m, ACPI_TABLES_GPA, buf, (uint64_t)n);
	free(buf);
	if (n < 0)
		return n;
	*rsdp = ACPI_TABLES_GPA;
	return 0;
}
