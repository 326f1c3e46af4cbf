/*
 * test_acpi.c: the ACPI tables read back as a kernel reads them: from the
 * RSDP through the XSDT to each table, by the spec's byte offsets (not
 * acpi.c's own definitions), checking signatures, lengths, checksums, the
 * FADT's power-off and reset registers, \_S5 and the virtio-mmio devices
 * in the DSDT, the MADT's entries for 1, 2 and 4 vCPUs, and for a NUMA
 * guest the SRAT's affinities and the SLIT's distances.
 */
#include "acpi.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0xe0000ull
#define BUF  0x4000

struct tables {
	uint8_t buf[BUF];
	int len;
};

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* The table at guest address gpa, checked to lie inside what was built. */
static const uint8_t *at(const struct tables *t, uint64_t gpa)
{
	ck_assert_uint_ge(gpa, BASE);
	ck_assert_uint_lt(gpa - BASE + 36, (uint64_t)t->len + 1);
	return t->buf + (gpa - BASE);
}

/* A table with a whole, checksummed header of its own signature. */
static const uint8_t *table(const struct tables *t, uint64_t gpa, const char *sig)
{
	const uint8_t *p = at(t, gpa);
	uint32_t len = (uint32_t)le(p + 4, 4);
	ck_assert_msg(!memcmp(p, sig, 4), "%.4s where %s was expected", (const char *)p, sig);
	ck_assert_uint_ge(len, 36);
	ck_assert_uint_le(gpa - BASE + len, (uint64_t)t->len);
	ck_assert_msg(sum(p, len) == 0, "%s checksum", sig);
	return p;
}

/* The tables for cpus vCPUs and nr_virtio transports, 4 KiB apart from
 * 0xd0000000 on lines 5, 6, … */
static void build(struct tables *t, int cpus, int nr_virtio)
{
	struct acpi_config cfg = { .nr_cpus = cpus, .nr_virtio = nr_virtio };
	for (int i = 0; i < nr_virtio; i++)
		cfg.virtio[i] = (struct acpi_virtio_mmio){ .base = 0xd0000000u + 0x1000u * (uint32_t)i,
							   .size = 0x1000, .irq = (uint8_t)(5 + i) };
	memset(t->buf, 0xaa, sizeof(t->buf));
	t->len = acpi_build(&cfg, BASE, t->buf, sizeof(t->buf));
	ck_assert_int_gt(t->len, 0);
}

/* The XSDT's entry whose table has signature sig (exactly one). */
static const uint8_t *find(const struct tables *t, const char *sig)
{
	const uint8_t *rsdp = t->buf;
	const uint8_t *xsdt = table(t, le(rsdp + 24, 8), "XSDT");
	uint32_t n = ((uint32_t)le(xsdt + 4, 4) - 36) / 8;
	const uint8_t *found = NULL;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = at(t, le(xsdt + 36 + 8 * i, 8));
		if (!memcmp(p, sig, 4)) {
			ck_assert_msg(!found, "two %s tables", sig);
			found = table(t, le(xsdt + 36 + 8 * i, 8), sig);
		}
	}
	ck_assert_msg(found, "no %s in the XSDT", sig);
	return found;
}

START_TEST(the_rsdp_is_revision_2_with_both_checksums_right)
{
	struct tables t;
	build(&t, 1, 0);
	ck_assert(!memcmp(t.buf, "RSD PTR ", 8));
	ck_assert_uint_eq(t.buf[15], 2);
	ck_assert_uint_eq(le(t.buf + 20, 4), 36);
	ck_assert_uint_eq(sum(t.buf, 20), 0);
	ck_assert_uint_eq(sum(t.buf, 36), 0);
	ck_assert_uint_eq(le(t.buf + 16, 4), 0); /* no RSDT */
	const uint8_t *xsdt = table(&t, le(t.buf + 24, 8), "XSDT");
	ck_assert_uint_eq(le(xsdt + 4, 4), 36 + 2 * 8);
}
END_TEST

START_TEST(every_table_starts_on_a_16_byte_boundary_and_fits_the_reserved_area)
{
	struct tables t;
	build(&t, 4, 0);
	ck_assert_uint_le((unsigned)t.len, ACPI_TABLES_MAX);
	ck_assert_uint_eq(le(t.buf + 24, 8) % 16, 0);
	ck_assert_uint_eq((uint64_t)(find(&t, "FACP") - t.buf) % 16, 0);
	ck_assert_uint_eq((uint64_t)(find(&t, "APIC") - t.buf) % 16, 0);
}
END_TEST

/* A Generic Address Structure naming one byte at an I/O port. */
static void assert_io_byte(const uint8_t *gas, uint16_t port)
{
	ck_assert_uint_eq(gas[0], 1);   /* system I/O */
	ck_assert_uint_eq(gas[1], 8);   /* bit width */
	ck_assert_uint_eq(gas[2], 0);   /* bit offset */
	ck_assert_uint_eq(gas[3], 1);   /* byte access */
	ck_assert_uint_eq(le(gas + 4, 8), port);
}

START_TEST(the_fadt_is_hardware_reduced_with_sleep_and_reset_registers)
{
	struct tables t;
	build(&t, 2, 0);
	const uint8_t *fadt = find(&t, "FACP");
	ck_assert_uint_eq(le(fadt + 4, 4), 276);
	ck_assert_uint_eq(fadt[8], 6);
	uint32_t flags = (uint32_t)le(fadt + 112, 4);
	ck_assert_uint_ne(flags & (1u << 20), 0); /* HW_REDUCED_ACPI */
	ck_assert_uint_ne(flags & (1u << 10), 0); /* RESET_REG_SUP */
	assert_io_byte(fadt + 116, ACPI_RESET_PORT);
	ck_assert_uint_eq(fadt[128], ACPI_RESET_VALUE);
	assert_io_byte(fadt + 244, ACPI_SLEEP_CTL_PORT);
	assert_io_byte(fadt + 256, ACPI_SLEEP_STS_PORT);
	ck_assert_uint_eq(le(fadt + 40, 4), le(fadt + 140, 8)); /* DSDT == X_DSDT */
}
END_TEST

START_TEST(the_dsdt_names_s5_with_the_sleep_type_the_pm_device_expects)
{
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 8, 4, 0x0a,
				      ACPI_S5_SLP_TYP };
	struct tables t;
	build(&t, 1, 0);
	const uint8_t *fadt = find(&t, "FACP");
	const uint8_t *dsdt = table(&t, le(fadt + 140, 8), "DSDT");
	uint32_t len = (uint32_t)le(dsdt + 4, 4);
	ck_assert_ptr_nonnull(memmem(dsdt + 36, len - 36, s5, sizeof(s5)));
}
END_TEST

struct madt_count {
	int lapics, ioapics, overrides, nmis, other;
	uint32_t apic_ids;       /* bit per APIC ID seen enabled */
	uint16_t level_irqs;     /* ISA IRQs overridden as level, active high */
};

static void count_entry(struct madt_count *n, const uint8_t *e)
{
	switch (e[0]) {
	case 0:
		ck_assert_uint_eq(e[1], 8);
		ck_assert_uint_eq(le(e + 4, 4) & 1, 1);
		n->apic_ids |= 1u << e[3];
		n->lapics++;
		break;
	case 1:
		ck_assert_uint_eq(e[1], 12);
		ck_assert_uint_eq(le(e + 4, 4), 0xfec00000u);
		ck_assert_uint_eq(le(e + 8, 4), 0);
		n->ioapics++;
		break;
	case 2:
		ck_assert_uint_eq(e[1], 10);
		ck_assert_uint_eq(le(e + 4, 4), e[3]); /* same GSI as the IRQ */
		ck_assert_uint_eq(le(e + 8, 2), 0xd);  /* level, active high */
		n->level_irqs |= (uint16_t)(1u << e[3]);
		n->overrides++;
		break;
	case 4:
		ck_assert_uint_eq(e[1], 6);
		n->nmis++;
		break;
	default:
		n->other++;
	}
}

static struct madt_count count_madt(const struct tables *t)
{
	const uint8_t *madt = find(t, "APIC");
	uint32_t len = (uint32_t)le(madt + 4, 4);
	struct madt_count n = { 0 };
	ck_assert_uint_eq(le(madt + 36, 4), 0xfee00000u);
	for (uint32_t off = 44; off < len; off += madt[off + 1]) {
		ck_assert_uint_ge(madt[off + 1], 2);
		ck_assert_uint_le(off + madt[off + 1], len);
		count_entry(&n, madt + off);
	}
	return n;
}

static const int cpu_counts[] = { 1, 2, 4 };

START_TEST(the_madt_has_one_enabled_local_apic_per_vcpu_and_one_ioapic)
{
	int cpus = cpu_counts[_i];
	struct tables t;
	build(&t, cpus, 0);
	struct madt_count n = count_madt(&t);
	ck_assert_int_eq(n.lapics, cpus);
	ck_assert_uint_eq(n.apic_ids, (1u << cpus) - 1);
	ck_assert_int_eq(n.ioapics, 1);
	ck_assert_int_eq(n.overrides, 0);
	ck_assert_int_eq(n.nmis, 1);
	ck_assert_int_eq(n.other, 0);
}
END_TEST

START_TEST(each_virtio_line_gets_a_level_interrupt_source_override)
{
	struct tables t;
	build(&t, 2, 2);
	struct madt_count n = count_madt(&t);
	ck_assert_int_eq(n.overrides, 2);
	ck_assert_uint_eq(n.level_irqs, (1u << 5) | (1u << 6));
}
END_TEST

/* The DSDT, and where its \_SB scope's NameString starts (its body 5 bytes on). */
static const uint8_t *dsdt_sb(const struct tables *t, uint32_t *len, const uint8_t **sb)
{
	static const uint8_t scope[] = { '\\', '_', 'S', 'B', '_' };
	const uint8_t *fadt = find(t, "FACP");
	const uint8_t *dsdt = table(t, le(fadt + 140, 8), "DSDT");
	*len = (uint32_t)le(dsdt + 4, 4);
	*sb = memmem(dsdt + 36, *len - 36, scope, sizeof(scope));
	ck_assert_ptr_nonnull(*sb);
	return dsdt;
}

/* A device's _CRS bytes: Memory32Fixed(ReadWrite, base, 4K), then
 * Interrupt(ResourceConsumer, Level, ActiveHigh, Exclusive) { irq }, End. */
static void assert_crs(const uint8_t *crs, uint32_t base, uint8_t irq)
{
	ck_assert_uint_eq(crs[0], 0x86);
	ck_assert_uint_eq(le(crs + 1, 2), 9);
	ck_assert_uint_eq(crs[3], 1);
	ck_assert_uint_eq(le(crs + 4, 4), base);
	ck_assert_uint_eq(le(crs + 8, 4), 0x1000);
	ck_assert_uint_eq(crs[12], 0x89);
	ck_assert_uint_eq(le(crs + 13, 2), 6);
	ck_assert_uint_eq(crs[15], 0x01);
	ck_assert_uint_eq(crs[16], 1);
	ck_assert_uint_eq(le(crs + 17, 4), irq);
	ck_assert_uint_eq(crs[21], 0x79);
	ck_assert_uint_eq(crs[22], 0);
}

START_TEST(the_dsdt_describes_each_virtio_device_as_lnro0005_with_its_window_and_line)
{
	static const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N', 'R', 'O',
				       '0', '0', '0', '5', 0 };
	static const uint8_t crs[] = { 0x08, '_', 'C', 'R', 'S', 0x11 };
	struct tables t;
	uint32_t len;
	const uint8_t *sb;
	build(&t, 1, 2);
	const uint8_t *dsdt = dsdt_sb(&t, &len, &sb);
	const uint8_t *end = dsdt + len, *p = sb;
	for (int i = 0; i < 2; i++) {
		char name[5];
		snprintf(name, sizeof(name), "VR%02d", i);
		const uint8_t *dev = memmem(p, (size_t)(end - p), name, 4);
		ck_assert_msg(dev && dev[-3] == 0x5b && dev[-2] == 0x82, "Device (%s)", name);
		ck_assert_ptr_eq(memmem(dev, (size_t)(end - dev), hid, sizeof(hid)), dev + 4);
		const uint8_t *uid = dev + 4 + sizeof(hid);
		ck_assert(!memcmp(uid, "\x08_UID\x0a", 6) && uid[6] == i);
		const uint8_t *c = memmem(dev, (size_t)(end - dev), crs, sizeof(crs));
		ck_assert_ptr_eq(c, uid + 7);
		/* Buffer: PkgLength, BytePrefix, size 23, then the descriptors */
		ck_assert_uint_eq(c[7], 0x0a);
		ck_assert_uint_eq(c[8], 23);
		assert_crs(c + 9, 0xd0000000u + 0x1000u * (uint32_t)i, (uint8_t)(5 + i));
		p = c + 9 + 23;
	}
	ck_assert_ptr_eq(p, end);           /* the second device ends the table */
}
END_TEST

START_TEST(the_dsdt_describes_com1_as_pnp0501_with_its_ports_and_irq)
{
	static const uint8_t com1[] = {
		0x5b, 0x82, 0x2c /* PkgLength 44 */, 'C', 'O', 'M', '1',
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01, /* EisaId PNP0501 */
		0x08, '_', 'U', 'I', 'D', 0x0a, 0,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 13,
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* IO (Decode16, 0x3f8, 0x3f8, 1, 8) */
		0x22, 0x10, 0x00,                               /* IRQNoFlags () { 4 } */
		0x79, 0x00,
	};
	struct acpi_config cfg = { .nr_cpus = 1, .com1_port = 0x3f8, .com1_irq = 4 };
	struct tables t;
	uint32_t len;
	const uint8_t *sb;
	t.len = acpi_build(&cfg, BASE, t.buf, sizeof(t.buf));
	ck_assert_int_gt(t.len, 0);
	const uint8_t *dsdt = dsdt_sb(&t, &len, &sb);
	ck_assert_ptr_eq(memmem(sb, len - (uint32_t)(sb - dsdt), com1, sizeof(com1)), sb + 5);
	ck_assert_ptr_eq(sb + 5 + sizeof(com1), dsdt + len); /* nothing else under \_SB */
	cfg.com1_irq = 0;
	ck_assert_int_eq(acpi_build(&cfg, BASE, t.buf, sizeof(t.buf)), -EINVAL);
}
END_TEST

/* The tables of a guest with numa's nodes (numa_parse()d for its vCPUs). */
static void build_numa(struct tables *t, const struct numa_config *numa)
{
	struct acpi_config cfg = { .nr_cpus = numa->nr_cpus, .numa = numa };
	memset(t->buf, 0xaa, sizeof(t->buf));
	t->len = acpi_build(&cfg, BASE, t->buf, sizeof(t->buf));
	ck_assert_int_gt(t->len, 0);
}

/* How many of the XSDT's tables have signature sig. */
static int xsdt_count(const struct tables *t, const char *sig)
{
	const uint8_t *xsdt = table(t, le(t->buf + 24, 8), "XSDT");
	uint32_t n = ((uint32_t)le(xsdt + 4, 4) - 36) / 8;
	int found = 0;
	for (uint32_t i = 0; i < n; i++)
		found += !memcmp(at(t, le(xsdt + 36 + 8 * i, 8)), sig, 4);
	return found;
}

START_TEST(a_guest_without_numa_has_no_srat_or_slit)
{
	struct tables t;
	build(&t, 2, 1);
	ck_assert_int_eq(xsdt_count(&t, "SRAT"), 0);
	ck_assert_int_eq(xsdt_count(&t, "SLIT"), 0);
}
END_TEST

struct srat_seen {
	int cpus, ranges;
	int cpu_node[4];
	uint64_t node_bytes[2];
};

static void read_srat_entry(struct srat_seen *s, const uint8_t *e)
{
	if (e[0] == 0) {                 /* Processor Local APIC Affinity */
		ck_assert_uint_eq(e[1], 16);
		ck_assert_uint_lt(e[3], 4);
		ck_assert_uint_eq(le(e + 4, 4) & 1, 1);
		s->cpu_node[e[3]] = (int)(e[2] | le(e + 9, 3) << 8);
		s->cpus++;
	} else {                         /* Memory Affinity */
		ck_assert_uint_eq(e[0], 1);
		ck_assert_uint_eq(e[1], 40);
		uint32_t node = (uint32_t)le(e + 2, 4);
		ck_assert_uint_lt(node, 2);
		ck_assert_uint_eq(le(e + 28, 4) & 7, 1); /* enabled, not hot-pluggable */
		if (node == 0)
			ck_assert_uint_eq(le(e + 8, 8), 0);
		s->node_bytes[node] += le(e + 16, 8);
		s->ranges++;
	}
}

START_TEST(the_srat_puts_each_vcpu_and_each_nodes_ram_in_its_proximity_domain)
{
	struct numa_config numa;
	struct tables t;
	ck_assert_int_eq(numa_parse("0:48M:cpus=0,3,1:16M:cpus=1-2", 64 << 20, 4, &numa, NULL), 0);
	build_numa(&t, &numa);
	const uint8_t *srat = find(&t, "SRAT");
	uint32_t len = (uint32_t)le(srat + 4, 4);
	ck_assert_uint_eq(srat[8], 3);
	ck_assert_uint_eq(le(srat + 36, 4), 1);  /* reserved: 1 */
	struct srat_seen s = { 0 };
	for (uint32_t off = 48; off < len; off += srat[off + 1]) {
		ck_assert_uint_ge(srat[off + 1], 16);
		read_srat_entry(&s, srat + off);
	}
	ck_assert_int_eq(s.cpus, 4);
	ck_assert_int_eq(s.ranges, 2);
	const int want[] = { 0, 1, 1, 0 };
	ck_assert_mem_eq(s.cpu_node, want, sizeof(want));
	ck_assert_uint_eq(s.node_bytes[0], 48 << 20);
	ck_assert_uint_eq(s.node_bytes[1], 16 << 20);
}
END_TEST

START_TEST(the_slit_holds_the_distance_matrix_row_by_row)
{
	struct numa_config numa;
	struct tables t;
	ck_assert_int_eq(numa_parse("2,dist=10,21,31,10", 64 << 20, 1, &numa, NULL), 0);
	build_numa(&t, &numa);
	const uint8_t *slit = find(&t, "SLIT");
	ck_assert_uint_eq(le(slit + 4, 4), 36 + 8 + 4);
	ck_assert_uint_eq(le(slit + 36, 8), 2);
	const uint8_t want[] = { 10, 21, 31, 10 };
	ck_assert_mem_eq(slit + 44, want, sizeof(want));
	ck_assert_uint_eq((uint64_t)(slit - t.buf) % 16, 0);
}
END_TEST

START_TEST(nodes_made_for_another_vcpu_count_are_refused)
{
	struct numa_config numa;
	uint8_t buf[BUF];
	ck_assert_int_eq(numa_parse("2", 64 << 20, 2, &numa, NULL), 0);
	struct acpi_config cfg = { .nr_cpus = 4, .numa = &numa };
	ck_assert_int_eq(acpi_build(&cfg, BASE, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(a_buffer_too_small_or_a_bad_cpu_or_device_count_or_line_is_refused)
{
	uint8_t small[100], big[BUF];
	struct acpi_config one = { .nr_cpus = 1 }, none = { .nr_cpus = 0 },
			   many = { .nr_cpus = 256 },
			   devs = { .nr_cpus = 1, .nr_virtio = ACPI_MAX_VIRTIO + 1 },
			   line = { .nr_cpus = 1, .nr_virtio = 1, .virtio = { { .irq = 16 } } };
	ck_assert_int_eq(acpi_build(&one, BASE, small, sizeof(small)), -ENOSPC);
	ck_assert_int_eq(acpi_build(&none, BASE, small, sizeof(small)), -EINVAL);
	ck_assert_int_eq(acpi_build(&many, BASE, small, sizeof(small)), -EINVAL);
	ck_assert_int_eq(acpi_build(&devs, BASE, big, sizeof(big)), -EINVAL);
	ck_assert_int_eq(acpi_build(&line, BASE, big, sizeof(big)), -EINVAL);
}
END_TEST

Suite *acpi_suite(void);
Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, the_rsdp_is_revision_2_with_both_checksums_right);
	tcase_add_test(tc, every_table_starts_on_a_16_byte_boundary_and_fits_the_reserved_area);
	tcase_add_test(tc, the_fadt_is_hardware_reduced_with_sleep_and_reset_registers);
	tcase_add_test(tc, the_dsdt_names_s5_with_the_sleep_type_the_pm_device_expects);
	tcase_add_loop_test(tc, the_madt_has_one_enabled_local_apic_per_vcpu_and_one_ioapic, 0,
			    (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0])));
	tcase_add_test(tc, each_virtio_line_gets_a_level_interrupt_source_override);
	tcase_add_test(tc, the_dsdt_describes_each_virtio_device_as_lnro0005_with_its_window_and_line);
	tcase_add_test(tc, the_dsdt_describes_com1_as_pnp0501_with_its_ports_and_irq);
	tcase_add_test(tc, a_buffer_too_small_or_a_bad_cpu_or_device_count_or_line_is_refused);
	suite_add_tcase(s, tc);
	TCase *numa = tcase_create("numa");
	tcase_add_test(numa, a_guest_without_numa_has_no_srat_or_slit);
	tcase_add_test(numa, the_srat_puts_each_vcpu_and_each_nodes_ram_in_its_proximity_domain);
	tcase_add_test(numa, the_slit_holds_the_distance_matrix_row_by_row);
	tcase_add_test(numa, nodes_made_for_another_vcpu_count_are_refused);
	suite_add_tcase(s, numa);
	return s;
}
