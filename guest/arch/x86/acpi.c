/*
 * acpi.c: the CPUs the firmware announces, from the ACPI MADT, and the
 * NUMA nodes, from the SRAT and SLIT (acpi.h).
 *
 * The RSDP comes from hvm_start_info.rsdp_paddr, else from the legacy scan
 * of 0xe0000-0xfffff; then the XSDT (the RSDT for a revision 0 RSDP); then
 * the MADT's processor local APIC (type 0) and local x2APIC (type 9)
 * entries that are enabled; the SRAT's enabled processor local APIC and
 * memory affinities and the SLIT's matrix. Tables are read through the boot mapping
 * (setup_boot_ptr), so this runs before paging_init; a table with a bad
 * checksum is ignored. Writes only the acpi_cpus it is given.
 */
#include <asm/acpi.h>
#include <asm/setup.h>
#include <compiler.h>
#include <printk.h>
#include <string.h>

#define RSDP_SCAN_START 0xe0000
#define RSDP_SCAN_END   0x100000
#define MADT_ENTRIES    44      /* header 36, local APIC address 4, flags 4 */
#define MADT_LAPIC      0
#define MADT_X2APIC     9
#define MADT_ENABLED    1u
#define SRAT_ENTRIES    48      /* header 36, reserved 12 */
#define SRAT_LAPIC      0
#define SRAT_MEMORY     1
#define SRAT_ENABLED    1u
#define SLIT_ENTRIES    44      /* header 36, localities 8 */

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t xchecksum, reserved[3];
} __packed;

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_revision, creator, creator_revision;
} __packed;

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

/* The RSDP found by the legacy scan, or 0. */
static phys_addr_t rsdp_scan(void)
{
	for (phys_addr_t pa = RSDP_SCAN_START; pa < RSDP_SCAN_END; pa += 16) {
		const struct acpi_rsdp *r = setup_boot_ptr(pa, 20);
		if (!memcmp(r->sig, "RSD PTR ", 8) && checksum_ok(r, 20))
			return pa;
	}
	return 0;
}

/* The table at pa when its header and checksum are good, else NULL. */
static const struct acpi_header *table_at(phys_addr_t pa)
{
	if (!pa)
		return NULL;
	const struct acpi_header *h = setup_boot_ptr(pa, sizeof(*h));
	if (h->length < sizeof(*h))
		return NULL;
	h = setup_boot_ptr(pa, h->length);
	return checksum_ok(h, h->length) ? h : NULL;
}

/* The table with signature sig listed in the XSDT (or RSDT), or NULL. */
static const struct acpi_header *find_table(const struct acpi_rsdp *r, const char *sig)
{
	bool x = r->revision >= 2 && r->xsdt;
	const struct acpi_header *root = table_at(x ? r->xsdt : r->rsdt);
	size_t width = x ? 8 : 4;

	if (!root)
		return NULL;
	const uint8_t *e = (const uint8_t *)(root + 1);
	size_t n = (root->length - sizeof(*root)) / width;
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, e + i * width, width);
		const struct acpi_header *t = table_at(pa);
		if (t && !memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

static void add_cpu(struct acpi_cpus *c, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & MADT_ENABLED))
		return;
	if (c->nr == ACPI_MAX_CPUS) {
		c->dropped++;
		return;
	}
	c->apic_ids[c->nr++] = apic_id;
}

static void madt_cpus(const struct acpi_header *madt, struct acpi_cpus *c)
{
	const uint8_t *p = (const uint8_t *)madt + MADT_ENTRIES;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	uint32_t id, flags;

	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		if (p[0] == MADT_LAPIC && p[1] >= 8) {
			memcpy(&flags, p + 4, 4);
			add_cpu(c, p[3], flags);
		} else if (p[0] == MADT_X2APIC && p[1] >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			add_cpu(c, id, flags);
		}
	}
}

/* The RSDP at rsdp_pa (0: scan for it) when it is valid, else NULL. */
static const struct acpi_rsdp *rsdp_find(phys_addr_t rsdp_pa)
{
	if (!rsdp_pa)
		rsdp_pa = rsdp_scan();
	if (!rsdp_pa)
		return NULL;
	const struct acpi_rsdp *r = setup_boot_ptr(rsdp_pa, sizeof(*r));
	return memcmp(r->sig, "RSD PTR ", 8) || !checksum_ok(r, 20) ? NULL : r;
}

int acpi_find_cpus(phys_addr_t rsdp_pa, struct acpi_cpus *c)
{
	memset(c, 0, sizeof(*c));
	const struct acpi_rsdp *r = rsdp_find(rsdp_pa);
	if (!r)
		return -1;
	const struct acpi_header *madt = find_table(r, "APIC");
	if (!madt)
		return -1;
	madt_cpus(madt, c);
	return c->nr ? 0 : -1;
}

static void srat_entry(const uint8_t *p, struct acpi_numa *n)
{
	uint32_t flags, pxm = 0;

	if (p[0] == SRAT_LAPIC && p[1] >= 16 && n->nr_cpus < ACPI_MAX_CPUS) {
		memcpy(&flags, p + 4, 4);
		memcpy(&pxm, p + 9, 3);
		if (flags & SRAT_ENABLED)
			n->cpus[n->nr_cpus++] = (struct acpi_numa_cpu){
				.apic_id = p[3], .pxm = p[2] | pxm << 8 };
	} else if (p[0] == SRAT_MEMORY && p[1] >= 40 && n->nr_mem < ACPI_MAX_NUMA_MEM) {
		struct acpi_numa_mem *m = &n->mem[n->nr_mem];
		memcpy(&flags, p + 28, 4);
		memcpy(&m->pxm, p + 2, 4);
		memcpy(&m->base, p + 8, 8);
		memcpy(&m->size, p + 16, 8);
		if ((flags & SRAT_ENABLED) && m->size)
			n->nr_mem++;
	}
}

static void slit_matrix(const struct acpi_header *slit, struct acpi_numa *n)
{
	const uint8_t *p = (const uint8_t *)slit;
	uint64_t nr;

	memcpy(&nr, p + 36, 8);
	if (nr > ACPI_MAX_NUMA_NODES || SLIT_ENTRIES + nr * nr > slit->length)
		return;
	n->nr_localities = (unsigned)nr;
	for (unsigned i = 0; i < nr; i++)
		memcpy(n->distance[i], p + SLIT_ENTRIES + i * nr, nr);
}

int acpi_find_numa(phys_addr_t rsdp_pa, struct acpi_numa *n)
{
	memset(n, 0, sizeof(*n));
	const struct acpi_rsdp *r = rsdp_find(rsdp_pa);
	const struct acpi_header *srat = r ? find_table(r, "SRAT") : NULL;
	if (!srat)
		return -1;
	const uint8_t *p = (const uint8_t *)srat + SRAT_ENTRIES;
	const uint8_t *end = (const uint8_t *)srat + srat->length;
	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1])
		srat_entry(p, n);
	const struct acpi_header *slit = find_table(r, "SLIT");
	if (slit)
		slit_matrix(slit, n);
	return n->nr_mem ? 0 : -1;
}
