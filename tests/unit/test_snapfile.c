/*
 * test_snapfile.c: the snapshot reader on files built here note by note:
 * a valid one parses into the right records; hostile ones (wrong lengths,
 * counts that lie, missing or misplaced metadata, random corruption) are
 * rejected with a message and never read out of bounds (ASan); names that
 * fill their field come back NUL-terminated within it.
 */
#include "snapfile.h"
#include "snapview.h"

#include <check.h>
#include <errno.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

struct img {
	uint8_t b[1 << 16];
	size_t len;
};

static void put(struct img *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += (n + 3) & ~(size_t)3;
}

static void note(struct img *m, const char *name, uint32_t type, const void *desc, size_t n)
{
	uint32_t h[3] = { (uint32_t)strlen(name) + 1, (uint32_t)n, type };
	put(m, h, sizeof(h));
	put(m, name, h[0]);
	put(m, desc, n);
}

/* Builds ehdr + one PT_NOTE; notes are added by the caller, then finish(). */
static void begin(struct img *m)
{
	memset(m, 0, sizeof(*m));
	m->len = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
}

static void finish(struct img *m)
{
	Elf64_Ehdr *e = (Elf64_Ehdr *)m->b;
	Elf64_Phdr *p = (Elf64_Phdr *)(m->b + sizeof(*e));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_CORE;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_phoff = sizeof(*e);
	e->e_ehsize = sizeof(*e);
	e->e_phentsize = sizeof(*p);
	e->e_phnum = 1;
	p->p_type = PT_NOTE;
	p->p_offset = sizeof(*e) + sizeof(*p);
	p->p_filesz = m->len - p->p_offset;
}

static void meta(struct img *m)
{
	struct snap_meta mt = { .format_version = SNAP_FORMAT_VERSION, .ram_size = 64 << 20 };
	strcpy(mt.kernel, "k.elf");
	note(m, SNAP_NOTE_NAME, SNAP_NT_META, &mt, sizeof(mt));
}

static void space(struct img *m, uint32_t claimed, uint32_t real)
{
	struct { struct snap_space s; struct snap_range r[4]; } sp = { 0 };
	sp.s.pid = 7;
	sp.s.nr_ranges = claimed;
	strcpy(sp.s.comm, "memhog");
	for (uint32_t i = 0; i < real; i++)
		sp.r[i] = (struct snap_range){ .va = 0x400000 + i * 0x10000, .pa = 0x100000,
					       .len = 0x1000, .shift = 12 };
	note(m, SNAP_NOTE_NAME, SNAP_NT_SPACE, &sp, sizeof(sp.s) + real * sizeof(sp.r[0]));
}

/* A long-mode GDT as memvisor's kernel has it: null, kernel code, kernel
 * data, user data, user code, a 16-byte TSS descriptor. */
static const uint64_t long_mode_gdt[7] = {
	0, 0x00af9b000000ffffull, 0x00cf93000000ffffull, 0x00cff3000000ffffull,
	0x00affb000000ffffull, 0x80008b1300300067ull, 0xffffffffull,
};

static void cpu_note(struct img *m, uint32_t announced, size_t there)
{
	struct { struct snap_cpu c; uint64_t gdt[7]; } n = { .c = { .cpu = 0, .efer = 0xd01,
		.gdt_limit = sizeof(long_mode_gdt) - 1, .gdt_bytes = announced } };
	n.c.seg[SNAP_CS] = (struct snap_segment){ .selector = 8, .type = 0xb, .s = 1, .l = 1,
						  .present = 1, .limit = 0xffffffff };
	memcpy(n.gdt, long_mode_gdt, sizeof(long_mode_gdt));
	note(m, SNAP_NOTE_NAME, SNAP_NT_CPU, &n, sizeof(n.c) + there);
}

static void valid(struct img *m)
{
	begin(m);
	meta(m);
	struct snap_zone z = { .name = "DMA32", .free_pages = 1000, .node = 1,
			       .numa = { [SNAP_NUMA_MISS] = 12 } };
	note(m, SNAP_NOTE_NAME, SNAP_NT_ZONES, &z, sizeof(z));
	space(m, 3, 3);
	struct { struct snap_host h; uint8_t bits[8]; } host = { { .pages = 64, .resident = 3 },
								 { 7 } };
	note(m, SNAP_NOTE_NAME, SNAP_NT_HOST, &host, sizeof(host));
	note(m, SNAP_NOTE_NAME, SNAP_NT_LOG, "hello\n", 7);
	cpu_note(m, sizeof(long_mode_gdt), sizeof(long_mode_gdt));
	note(m, SNAP_NOTE_NAME, 0x4d56ffff, "future", 6); /* unknown: skipped */
	finish(m);
}

START_TEST(a_valid_snapshot_parses_into_its_records)
{
	struct img m;
	struct snap_file f;
	struct mv_error err = { 0 };
	valid(&m);
	ck_assert_msg(snapfile_parse(&f, m.b, m.len, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(f.meta.kernel, "k.elf");
	ck_assert_uint_eq(f.nr_zones, 1);
	ck_assert_uint_eq(f.zones[0].free_pages, 1000);
	ck_assert_uint_eq(f.zones[0].node, 1);
	ck_assert_uint_eq(f.zones[0].numa[SNAP_NUMA_MISS], 12);
	ck_assert_uint_eq(f.nr_spaces, 1);
	const struct snap_space_view *s = snapfile_space(&f, 7);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->hdr.nr_ranges, 3);
	ck_assert_uint_eq(s->ranges[2].va, 0x420000);
	ck_assert_uint_eq(f.nr_host, 1);
	ck_assert_uint_eq(f.host[0].count, 3);
	ck_assert_str_eq(f.log, "hello\n");
	ck_assert_uint_eq(f.nr_cpu_notes, 1);
	ck_assert_uint_eq(f.cpus[0].hdr.gdt_bytes, sizeof(long_mode_gdt));
	ck_assert_uint_eq(f.cpus[0].hdr.seg[SNAP_CS].selector, 8);
	ck_assert_mem_eq(f.cpus[0].gdt, long_mode_gdt, sizeof(long_mode_gdt));
	snapfile_free(&f);
}
END_TEST

/* A file written by a memvisor of format version 1: zone records of
 * SNAP_ZONE_V1_SIZE bytes, without node and counters. */
static void version_1(struct img *m, size_t zone_bytes)
{
	struct snap_meta mt = { .format_version = 1, .ram_size = 64 << 20 };
	uint8_t zones[2 * SNAP_ZONE_V1_SIZE] = { 0 };
	struct snap_zone z = { .name = "DMA", .free_pages = 3 };
	memcpy(zones, &z, SNAP_ZONE_V1_SIZE);
	z = (struct snap_zone){ .name = "DMA32", .free_pages = 7, .nr_free = { [10] = 5 } };
	memcpy(zones + SNAP_ZONE_V1_SIZE, &z, SNAP_ZONE_V1_SIZE);
	begin(m);
	note(m, SNAP_NOTE_NAME, SNAP_NT_META, &mt, sizeof(mt));
	note(m, SNAP_NOTE_NAME, SNAP_NT_ZONES, zones, zone_bytes);
	finish(m);
}

START_TEST(a_version_1_file_reads_with_its_zones_on_node_0)
{
	struct img m;
	struct snap_file f;
	struct mv_error err = { 0 };
	version_1(&m, 2 * SNAP_ZONE_V1_SIZE);
	ck_assert_msg(snapfile_parse(&f, m.b, m.len, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(f.meta.format_version, 1);
	ck_assert_uint_eq(f.nr_zones, 2);
	ck_assert_str_eq(f.zones[1].name, "DMA32");
	ck_assert_uint_eq(f.zones[1].free_pages, 7);
	ck_assert_uint_eq(f.zones[1].nr_free[10], 5);
	for (size_t i = 0; i < f.nr_zones; i++) {
		ck_assert_uint_eq(f.zones[i].node, 0);
		for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
			ck_assert_uint_eq(f.zones[i].numa[k], 0);
	}
	snapfile_free(&f);
	version_1(&m, sizeof(struct snap_zone)); /* today's size is not a version 1 record */
	ck_assert_int_eq(snapfile_parse(&f, m.b, m.len, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "160-byte records"), "%s", err.msg);
}
END_TEST

START_TEST(gdt_descriptors_decode_as_the_cpu_reads_them)
{
	const uint8_t *g = (const uint8_t *)long_mode_gdt;
	size_t len = sizeof(long_mode_gdt);
	static const char *const kinds[] = { "null", "code r-x 64-bit", "data rw-", "data rw-",
					     "code r-x 64-bit", "tss busy" };
	static const unsigned dpl[] = { 0, 0, 0, 3, 3, 0 };
	struct snap_segment d;
	char kind[48];
	size_t off = 0, n, i = 0;
	for (; (n = snapview_descriptor(g, len, off, true, &d)) != 0; off += n, i++) {
		ck_assert_uint_lt(i, 6);
		ck_assert_uint_eq(d.selector, off);
		ck_assert_str_eq(snapview_segment_kind(&d, kind, sizeof(kind)), kinds[i]);
		ck_assert_uint_eq(d.dpl, dpl[i]);
		ck_assert_uint_eq(d.limit, i == 0 ? 0 : i == 5 ? 0x67 : 0xffffffff);
	}
	ck_assert_uint_eq(i, 6);
	ck_assert_uint_eq(n = snapview_descriptor(g, len, 40, true, &d), 16);
	ck_assert_uint_eq(d.base, 0xffffffff80130030ull);   /* 64-bit base of a long-mode TSS */
	ck_assert_uint_eq(snapview_descriptor(g, len, 40, false, &d), 8);
	ck_assert_uint_eq(d.base, 0x80130030ull);           /* outside long mode: 8 bytes */
	ck_assert_uint_eq(snapview_descriptor(g, 44, 40, true, &d), 0);   /* cut short */
	ck_assert_uint_eq(snapview_descriptor(g, len, len, true, &d), 0);
	ck_assert_uint_eq(snapview_descriptor(NULL, 0, 0, true, &d), 0);
}
END_TEST

/* Spaces are named kernel, cpuN (a vCPU's user half, no introspection) or
 * by pid, and --space reads each name back to its pid. */
START_TEST(space_names_and_the_space_option_round_trip)
{
	const int32_t pids[] = { SNAP_KERNEL_PID, SNAP_CPU_PID(0), SNAP_CPU_PID(1), 0, 42 };
	const char *const names[] = { "kernel", "cpu0", "cpu1", "0", "42" };
	/* a process's name carries its comm too (none here) */
	const char *const shown[] = { "kernel", "cpu0", "cpu1", "0 ()", "42 ()" };
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		struct snap_space sp = { .pid = pids[i] };
		char name[32];
		int32_t pid = 12345;
		snapview_space_name(&sp, name, sizeof(name));
		ck_assert_str_eq(name, shown[i]);
		ck_assert_int_eq(snapview_parse_space(names[i], &pid), 0);
		ck_assert_int_eq(pid, pids[i]);
	}
	int32_t pid;
	ck_assert_int_eq(snapview_parse_space("cpu", &pid), -EINVAL);
	ck_assert_int_eq(snapview_parse_space("cpu1x", &pid), -EINVAL);
	ck_assert_int_eq(snapview_parse_space("cpu-1", &pid), -EINVAL);
}
END_TEST

START_TEST(names_that_fill_their_field_come_back_as_bounded_strings)
{
	struct img m;
	struct snap_file f;
	struct mv_error err = { 0 };
	struct snap_zone z;
	struct snap_slab sl;
	struct snap_counter c;
	memset(&z, 'Z', sizeof(z));
	memset(&sl, 'S', sizeof(sl));
	memset(&c, 'C', sizeof(c));
	begin(&m);
	meta(&m);
	note(&m, SNAP_NOTE_NAME, SNAP_NT_ZONES, &z, sizeof(z));
	note(&m, SNAP_NOTE_NAME, SNAP_NT_SLABS, &sl, sizeof(sl));
	note(&m, SNAP_NOTE_NAME, SNAP_NT_VMSTAT, &c, sizeof(c));
	finish(&m);
	ck_assert_msg(snapfile_parse(&f, m.b, m.len, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(strnlen(f.zones[0].name, sizeof(z.name)), sizeof(z.name) - 1);
	ck_assert_uint_eq(strnlen(f.slabs[0].name, sizeof(sl.name)), sizeof(sl.name) - 1);
	ck_assert_uint_eq(strnlen(f.vmstat[0].name, sizeof(c.name)), sizeof(c.name) - 1);
	ck_assert_uint_eq(f.vmstat[0].value, 0x4343434343434343ull);
	snapfile_free(&f);
}
END_TEST

static void lying_count(struct img *m) { begin(m); meta(m); space(m, 4, 3); finish(m); }
static void no_meta(struct img *m) { begin(m); space(m, 1, 1); finish(m); }
static void two_meta(struct img *m) { begin(m); meta(m); meta(m); finish(m); }
static void short_meta(struct img *m)
{
	begin(m);
	note(m, SNAP_NOTE_NAME, SNAP_NT_META, "tiny", 4);
	finish(m);
}
static void future_version(struct img *m)
{
	struct snap_meta mt = { .format_version = SNAP_FORMAT_VERSION + 1 };
	begin(m);
	note(m, SNAP_NOTE_NAME, SNAP_NT_META, &mt, sizeof(mt));
	finish(m);
}
static void ragged_zones(struct img *m)
{
	struct snap_zone z[2] = { 0 };
	begin(m);
	meta(m);
	note(m, SNAP_NOTE_NAME, SNAP_NT_ZONES, z, sizeof(z) - 8);
	finish(m);
}
static void huge_descsz(struct img *m)
{
	valid(m);
	uint32_t big = 0xfffffff0;
	memcpy(m->b + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 4, &big, 4);
}
static void huge_namesz(struct img *m)
{
	valid(m);
	uint32_t big = 0x7ffffffd;
	memcpy(m->b + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr), &big, 4);
}
static void bitmap_too_small(struct img *m)
{
	struct { struct snap_host h; uint8_t bits[8]; } host = { { .pages = 1 << 20 }, { 0 } };
	begin(m);
	meta(m);
	note(m, SNAP_NOTE_NAME, SNAP_NT_HOST, &host, sizeof(host));
	finish(m);
}
static void gdt_bytes_lie(struct img *m)
{
	begin(m);
	meta(m);
	cpu_note(m, sizeof(long_mode_gdt), 16);
	finish(m);
}
static void gdt_beyond_any_limit(struct img *m)
{
	begin(m);
	meta(m);
	cpu_note(m, SNAP_GDT_MAX + 8, 0);
	finish(m);
}
static void not_core(struct img *m) { valid(m); ((Elf64_Ehdr *)m->b)->e_type = ET_EXEC; }
static void note_past_end(struct img *m)
{
	valid(m);
	((Elf64_Phdr *)(m->b + sizeof(Elf64_Ehdr)))->p_filesz += 4096;
}

static const struct { void (*make)(struct img *); const char *msg; } bad[] = {
	{ lying_count, "claims 4 ranges" },
	{ no_meta, "metadata note must come first" },
	{ two_meta, "two metadata notes" },
	{ short_meta, "metadata note has 4 bytes" },
	{ future_version, "format version" },
	{ ragged_zones, "not a whole number" },
	{ huge_descsz, "runs past the note segment" },
	{ huge_namesz, "runs past the note segment" },
	{ bitmap_too_small, "cannot hold" },
	{ gdt_bytes_lie, "56 GDT bytes announced, 16 there" },
	{ gdt_beyond_any_limit, "65544 GDT bytes announced" },
	{ not_core, "not an x86-64 core file" },
	{ note_past_end, "past the end of the file" },
};

START_TEST(hostile_snapshots_are_rejected_with_a_reason)
{
	struct img m;
	struct snap_file f;
	struct mv_error err = { 0 };
	bad[_i].make(&m);
	ck_assert_int_eq(snapfile_parse(&f, m.b, m.len, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, bad[_i].msg) != NULL, "case %d: '%s' lacks '%s'", _i, err.msg,
		      bad[_i].msg);
	ck_assert_ptr_null(f.spaces);
}
END_TEST

START_TEST(a_file_that_cannot_be_opened_is_named_with_the_system_reason)
{
	struct snap_file f;
	struct mv_error err;
	ck_assert_int_eq(snapfile_read(&f, "/nonexistent/s.core", &err), -ENOENT);
	ck_assert_int_eq(err.code, -ENOENT);
	ck_assert_str_eq(err.msg, "/nonexistent/s.core: No such file or directory");
	ck_assert_int_eq(snapfile_read(&f, "/", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "/: not a snapshot file");
}
END_TEST

START_TEST(random_corruption_never_reads_out_of_bounds)
{
	struct img m, v;
	struct snap_file f;
	struct mv_error err;
	valid(&v);
	srandom(4242 + (unsigned)_i);
	for (int round = 0; round < 3000; round++) {
		m = v;
		for (int k = random() % 8; k >= 0; k--)
			m.b[(size_t)random() % m.len] ^= (uint8_t)(1u << (random() % 8));
		if (random() % 4 == 0)
			m.len = (size_t)random() % m.len;
		if (snapfile_parse(&f, m.b, m.len, &err) == 0)
			snapfile_free(&f);
	}
}
END_TEST

Suite *snapfile_suite(void);
Suite *snapfile_suite(void)
{
	Suite *s = suite_create("snapfile");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, a_valid_snapshot_parses_into_its_records);
	tcase_add_test(tc, names_that_fill_their_field_come_back_as_bounded_strings);
	tcase_add_loop_test(tc, hostile_snapshots_are_rejected_with_a_reason, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_loop_test(tc, random_corruption_never_reads_out_of_bounds, 0, 4);
	tcase_add_test(tc, a_file_that_cannot_be_opened_is_named_with_the_system_reason);
	tcase_add_test(tc, gdt_descriptors_decode_as_the_cpu_reads_them);
	tcase_add_test(tc, a_version_1_file_reads_with_its_zones_on_node_0);
	tcase_add_test(tc, space_names_and_the_space_option_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
