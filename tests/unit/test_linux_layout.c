/*
 * test_linux_layout.c: linux_layout_read over a small vmlinux built here
 * with libelf: an export table (__ksymtab, or __ksymtab_gpl, entries of
 * three int32s relative to themselves, names in __ksymtab_strings) that
 * exports init_task among others, and a .BTF section written with
 * libbpf's BTF writer whose task_struct keeps its fields in an anonymous
 * struct, as Linux's randomized_struct_fields does. VMCOREINFO text says
 * where the kernel runs: init_task moves by KERNELOFFSET (KASLR), the
 * kernel's root is init_top_pgt's physical address, 5-level paging comes
 * from pgtable_l5_enabled; each missing piece is an error naming it.
 * Where PTI's feature bit lives (boot_cpu_data, exported, and
 * cpuinfo_x86.x86_capability in the BTF) is optional: without either the
 * layout reads and says PTI is unknown.
 */
#include "linux_tasks.h"

#include <bpf/btf.h>
#include <check.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KSYMTAB_ADDR   0xffffffff82000000ull
#define STRINGS_ADDR   0xffffffff82100000ull
#define INIT_TASK      0xffffffff82a14940ull /* where the vmlinux links it */
#define OTHER_SYMBOL   0xffffffff82a20000ull
#define BOOT_CPU_DATA  0xffffffff82c38da0ull /* boot_cpu_data */
#define CPU_CAPS       0x18u                 /* cpuinfo_x86.x86_capability */
#define TOP_PGT        0xffffffff82a0a000ull /* SYMBOL(init_top_pgt) */
#define PHYS_BASE      0x1000000ull
#define ANON_AT        0x100u                /* the anonymous struct in task_struct */

/* One section of the vmlinux to build. */
struct section {
	const char *name;
	uint64_t addr;
	const void *bytes;
	size_t len;
};

/* ---- the export table ---------------------------------------------------- */

/* Names in __ksymtab_strings, each at its offset below. */
static const char strings[] = "init_tasks\0init_task\0boot_cpu_data\0";
#define NAME_DECOY 0u  /* "init_tasks": init_task's name plus a letter */
#define NAME_INIT  11u
#define NAME_BOOT_CPU 21u

/* Entry i of a table at KSYMTAB_ADDR: value and name relative to their own places. */
static void ksym(int32_t *table, int i, uint64_t value, uint32_t name_off)
{
	uint64_t entry = KSYMTAB_ADDR + 12u * (uint64_t)i;
	table[3 * i] = (int32_t)(value - entry);
	table[3 * i + 1] = (int32_t)(STRINGS_ADDR + name_off - (entry + 4));
	table[3 * i + 2] = 0; /* no namespace */
}

/* ---- the BTF --------------------------------------------------------------- */

/*
 * task_struct { long __state; struct { list_head tasks @0x40; mm_struct *mm
 * @0x80; int pid @0xc0; char comm[16] @0x200 } @ANON_AT } and mm_struct
 * { ...; pgd_t *pgd @0x48 } (without pgd when with_pgd is false), and
 * cpuinfo_x86 { __u32 x86_capability[24] @CPU_CAPS } when with_cpuinfo.
 */
static struct btf *kernel_btf(bool with_pgd, bool with_cpuinfo)
{
	struct btf *b = btf__new_empty();
	ck_assert_ptr_nonnull(b);
	int lng = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	int in = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	int chr = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	int comm = btf__add_array(b, in, chr, 16);
	int lng_ptr = btf__add_ptr(b, lng); /* fields go to the last type added: types first */
	int list = btf__add_struct(b, "list_head", 16);
	btf__add_field(b, "next", lng_ptr, 0, 0);
	btf__add_field(b, "prev", lng_ptr, 64, 0);
	int mm = btf__add_struct(b, "mm_struct", 0x400);
	btf__add_field(b, "mmap_base", lng, 0, 0);
	if (with_pgd)
		btf__add_field(b, "pgd", lng_ptr, 0x48 * 8, 0);
	int mm_ptr = btf__add_ptr(b, mm);
	int anon = btf__add_struct(b, NULL, 0x300);
	btf__add_field(b, "tasks", list, 0x40 * 8, 0);
	btf__add_field(b, "mm", mm_ptr, 0x80 * 8, 0);
	btf__add_field(b, "pid", in, 0xc0 * 8, 0);
	btf__add_field(b, "comm", comm, 0x200 * 8, 0);
	ck_assert_int_gt(btf__add_struct(b, "task_struct", 0x1000), 0);
	btf__add_field(b, "__state", lng, 0, 0);
	ck_assert_int_eq(btf__add_field(b, NULL, anon, ANON_AT * 8, 0), 0);
	if (with_cpuinfo) {
		int caps = btf__add_array(b, in, in, 24);
		ck_assert_int_gt(btf__add_struct(b, "cpuinfo_x86", 0x100), 0);
		btf__add_field(b, "x86", chr, 0, 0);
		ck_assert_int_eq(btf__add_field(b, "x86_capability", caps, CPU_CAPS * 8, 0), 0);
	}
	return b;
}

/* ---- the ELF file ---------------------------------------------------------- */

/* Adds one section (data and header) to e; its name at name_off in .shstrtab. */
static void add_section(Elf *e, const struct section *s, size_t name_off, uint32_t type)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d = elf_newdata(scn);
	ck_assert_ptr_nonnull(d);
	d->d_buf = (void *)(uintptr_t)s->bytes;
	d->d_size = s->len;
	d->d_type = ELF_T_BYTE;
	d->d_align = 1;
	Elf64_Shdr *sh = elf64_getshdr(scn);
	sh->sh_name = (Elf64_Word)name_off;
	sh->sh_type = type;
	sh->sh_flags = type == SHT_STRTAB ? 0 : SHF_ALLOC;
	sh->sh_addr = s->addr;
}

/* The section names packed as .shstrtab ("\0name\0...\0.shstrtab\0"), with
 * each name's offset in offs[i] and .shstrtab's in offs[n]. */
static size_t shstrtab(const struct section *secs, int n, char *buf, size_t *offs)
{
	size_t len = 1;
	buf[0] = 0;
	for (int i = 0; i <= n; i++) {
		const char *name = i < n ? secs[i].name : ".shstrtab";
		offs[i] = len;
		strcpy(buf + len, name);
		len += strlen(name) + 1;
	}
	return len;
}

/* An x86-64 ELF file of the n sections, malloc'd into *out; its length. */
static size_t vmlinux(const struct section *secs, int n, uint8_t **out)
{
	char names[512];
	size_t offs[8];
	struct stat st;
	ck_assert_int_lt(n, 7);
	ck_assert_int_ne(elf_version(EV_CURRENT), EV_NONE);
	int fd = memfd_create("vmlinux", 0);
	ck_assert_int_ge(fd, 0);
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	Elf64_Ehdr *eh = elf64_newehdr(e);
	ck_assert_ptr_nonnull(eh);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	size_t names_len = shstrtab(secs, n, names, offs);
	for (int i = 0; i < n; i++)
		add_section(e, &secs[i], offs[i], SHT_PROGBITS);
	add_section(e, &(struct section){ ".shstrtab", 0, names, names_len }, offs[n], SHT_STRTAB);
	eh->e_shstrndx = (Elf64_Half)(n + 1);
	ck_assert_int_gt(elf_update(e, ELF_C_WRITE), 0);
	elf_end(e);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*out = malloc((size_t)st.st_size);
	ck_assert_int_eq(pread(fd, *out, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	return (size_t)st.st_size;
}

/* ---- the fixture: a vmlinux exporting init_task, with BTF --------------- */

static int32_t ksymtab[9];
static struct btf *btf;
static struct section parts[3];

static void setup(void)
{
	uint32_t btf_len;
	ksym(ksymtab, 0, OTHER_SYMBOL, NAME_DECOY);
	ksym(ksymtab, 1, INIT_TASK, NAME_INIT);
	ksym(ksymtab, 2, BOOT_CPU_DATA, NAME_BOOT_CPU);
	btf = kernel_btf(true, true);
	const void *raw = btf__raw_data(btf, &btf_len);
	ck_assert_ptr_nonnull(raw);
	parts[0] = (struct section){ "__ksymtab", KSYMTAB_ADDR, ksymtab, sizeof(ksymtab) };
	parts[1] = (struct section){ "__ksymtab_strings", STRINGS_ADDR, strings, sizeof(strings) };
	parts[2] = (struct section){ ".BTF", 0, raw, btf_len };
}

static void teardown(void)
{
	btf__free(btf);
}

/* linux_layout_read of a vmlinux made of the n sections and VMCOREINFO text. */
static int layout_of(const struct section *secs, int n, const char *vmcoreinfo,
		     struct linux_layout *l, struct mv_error *err)
{
	uint8_t *elf;
	size_t len = vmlinux(secs, n, &elf);
	int rc = linux_layout_read(elf, len, vmcoreinfo, l, err);
	free(elf);
	return rc;
}

static const char vmcoreinfo_no_kaslr[] =
	"OSRELEASE=6.1.0-test\nSYMBOL(init_top_pgt)=ffffffff82a0a000\n"
	"NUMBER(phys_base)=16777216\nKERNELOFFSET=0\n";

START_TEST(the_layout_comes_from_the_export_table_the_btf_and_vmcoreinfo)
{
	struct linux_layout l;
	struct mv_error err = { 0 };
	ck_assert_int_eq(layout_of(parts, 3, vmcoreinfo_no_kaslr, &l, &err), 0);
	ck_assert_uint_eq(l.init_task, INIT_TASK); /* not the decoy "init_tasks" */
	ck_assert_uint_eq(l.kernel_root, TOP_PGT - 0xffffffff80000000ull + PHYS_BASE);
	ck_assert(!l.la57);
	/* task_struct's fields sit inside its anonymous struct */
	ck_assert_uint_eq(l.task_tasks, ANON_AT + 0x40);
	ck_assert_uint_eq(l.task_mm, ANON_AT + 0x80);
	ck_assert_uint_eq(l.task_pid, ANON_AT + 0xc0);
	ck_assert_uint_eq(l.task_comm, ANON_AT + 0x200);
	ck_assert_uint_eq(l.mm_pgd, 0x48);
	/* where X86_FEATURE_PTI is */
	ck_assert_uint_eq(l.boot_cpu_data, BOOT_CPU_DATA);
	ck_assert_uint_eq(l.cpu_caps, CPU_CAPS);
}
END_TEST

START_TEST(a_kaslr_slide_moves_init_task_by_kerneloffset)
{
	struct linux_layout l;
	struct mv_error err = { 0 };
	const char *vmcoreinfo = "SYMBOL(init_top_pgt)=ffffffffa0a0a000\nNUMBER(phys_base)=0\n"
				 "KERNELOFFSET=1e000000\nNUMBER(pgtable_l5_enabled)=1\n";
	ck_assert_int_eq(layout_of(parts, 3, vmcoreinfo, &l, &err), 0);
	ck_assert_uint_eq(l.init_task, INIT_TASK + 0x1e000000ull);
	ck_assert_uint_eq(l.boot_cpu_data, BOOT_CPU_DATA + 0x1e000000ull);
	ck_assert_uint_eq(l.kernel_root, 0xffffffffa0a0a000ull - 0xffffffff80000000ull);
	ck_assert(l.la57);
}
END_TEST

START_TEST(init_task_exported_to_gpl_modules_only_is_found_too)
{
	struct linux_layout l;
	struct mv_error err = { 0 };
	struct section gpl[3] = { parts[0], parts[1], parts[2] };
	gpl[0].name = "__ksymtab_gpl";
	ck_assert_int_eq(layout_of(gpl, 3, vmcoreinfo_no_kaslr, &l, &err), 0);
	ck_assert_uint_eq(l.init_task, INIT_TASK);
}
END_TEST

/* linux_layout_read fails with code and a message containing what. */
static void fails_naming(int rc, const struct mv_error *err, int code, const char *what)
{
	ck_assert_int_eq(rc, code);
	ck_assert_msg(strstr(err->msg, what) != NULL, "\"%s\" does not say \"%s\"", err->msg,
		      what);
}

START_TEST(each_missing_piece_is_an_error_that_names_it)
{
	struct linux_layout l;
	struct mv_error err = { 0 };
	fails_naming(layout_of(parts, 3, NULL, &l, &err), &err, -ENOENT, "no VMCOREINFO");
	fails_naming(layout_of(parts, 3, "KERNELOFFSET=0\n", &l, &err), &err, -ENOENT,
		     "init_top_pgt");
	char text[] = "not an elf";
	fails_naming(linux_layout_read(text, sizeof(text), vmcoreinfo_no_kaslr, &l, &err), &err,
		     -EINVAL, "not an ELF");
	fails_naming(layout_of(parts + 1, 2, vmcoreinfo_no_kaslr, &l, &err), &err, -ENOENT,
		     "init_task");
	fails_naming(layout_of(parts, 2, vmcoreinfo_no_kaslr, &l, &err), &err, -ENOENT, ".BTF");

	uint32_t len;
	struct btf *no_pgd = kernel_btf(false, true);
	struct section without[3] = { parts[0], parts[1],
				      { ".BTF", 0, btf__raw_data(no_pgd, &len), 0 } };
	without[2].len = len;
	fails_naming(layout_of(without, 3, vmcoreinfo_no_kaslr, &l, &err), &err, -ENOENT,
		     "mm_struct.pgd");
	btf__free(no_pgd);
}
END_TEST

START_TEST(without_boot_cpu_data_or_its_btf_pti_is_unknown_and_the_rest_reads)
{
	struct linux_layout l;
	struct mv_error err = { 0 };
	int32_t two[6];     /* the table without boot_cpu_data */
	memcpy(two, ksymtab, sizeof(two));
	struct section unexported[3] = { parts[0], parts[1], parts[2] };
	unexported[0].bytes = two;
	unexported[0].len = sizeof(two);
	ck_assert_int_eq(layout_of(unexported, 3, vmcoreinfo_no_kaslr, &l, &err), 0);
	ck_assert_uint_eq(l.init_task, INIT_TASK);
	ck_assert_uint_eq(l.boot_cpu_data, 0);

	uint32_t len;
	struct btf *no_cpuinfo = kernel_btf(true, false);
	struct section without[3] = { parts[0], parts[1],
				      { ".BTF", 0, btf__raw_data(no_cpuinfo, &len), 0 } };
	without[2].len = len;
	ck_assert_int_eq(layout_of(without, 3, vmcoreinfo_no_kaslr, &l, &err), 0);
	ck_assert_uint_eq(l.task_pid, ANON_AT + 0xc0);
	ck_assert_uint_eq(l.boot_cpu_data, 0);
	btf__free(no_cpuinfo);
}
END_TEST

Suite *linux_layout_suite(void);
Suite *linux_layout_suite(void)
{
	Suite *s = suite_create("linux_layout");
	TCase *tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_layout_comes_from_the_export_table_the_btf_and_vmcoreinfo);
	tcase_add_test(tc, a_kaslr_slide_moves_init_task_by_kerneloffset);
	tcase_add_test(tc, init_task_exported_to_gpl_modules_only_is_found_too);
	tcase_add_test(tc, each_missing_piece_is_an_error_that_names_it);
	tcase_add_test(tc, without_boot_cpu_data_or_its_btf_pti_is_unknown_and_the_rest_reads);
	suite_add_tcase(s, tc);
	return s;
}
