/*
 * acpi.c: the CPUs the firmware announces, from the ACPI MADT (acpi.h).
 *
 * The RSDP comes from hvm_start_info.rsdp_paddr, else from the legacy scan
 * of 0xe0000-0xfffff; then the XSDT (the RSDT for a revision 0 RSDP); then
 * the MADT's processor local APIC (type 0) and local x2APIC (type 9)
 * entries that are enabled. Tables are read through the boot mapping
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

int acpi_find_cpus(phys_addr_t rsdp_pa, struct acpi_cpus *c)
{
	memset(c, 0, sizeof(*c));
	if (!rsdp_pa)
		rsdp_pa = rsdp_scan();
	if (!rsdp_pa)
		return -1;
	const struct acpi_rsdp *r = setup_boot_ptr(rsdp_pa, sizeof(*r));
	if (memcmp(r->sig, "RSD PTR ", 8) || !checksum_ok(r, 20))
		return -1;
	const struct acpi_header *madt = find_table(r, "APIC");
	if (!madt)
		return -1;
	madt_cpus(madt, c);
	return c->nr ? 0 : -1;
}
