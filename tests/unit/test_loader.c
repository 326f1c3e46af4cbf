/*
 * test_loader.c: the PVH loader on a valid generated image and on many kinds
 * of malformed ones; start_info contents after a load.
 */
#include "loader.h"
#include "pvh.h"

#include <check.h>
#include <errno.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#define IMG_SIZE   0x1100
#define NOTE_OFF   0x200
#define CODE_OFF   0x1000
#define LOAD_PADDR 0x100000ull
#define RAM        (64ull << 20)

struct image {
	unsigned char b[IMG_SIZE + 0x200];
	size_t len;
};

static Elf64_Ehdr *ehdr(struct image *im) { return (Elf64_Ehdr *)im->b; }
static Elf64_Phdr *phdr(struct image *im, int i)
{
	return (Elf64_Phdr *)(im->b + sizeof(Elf64_Ehdr)) + i;
}

/* A minimal valid PVH kernel: one PT_LOAD (with bss) and the Xen note. */
static void make_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	im->len = IMG_SIZE;
	Elf64_Ehdr *e = ehdr(im);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = LOAD_PADDR;
	e->e_phoff = sizeof(Elf64_Ehdr);
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 2;
	*phdr(im, 0) = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = CODE_OFF, .p_vaddr = LOAD_PADDR, .p_paddr = LOAD_PADDR,
		.p_filesz = 0x100, .p_memsz = 0x2000, .p_align = 0x1000 };
	*phdr(im, 1) = (Elf64_Phdr){ .p_type = PT_NOTE, .p_flags = PF_R,
		.p_offset = NOTE_OFF, .p_filesz = 20, .p_memsz = 20, .p_align = 4 };
	uint32_t note[5] = { 4, 4, XEN_ELFNOTE_PHYS32_ENTRY, 0, (uint32_t)LOAD_PADDR };
	memcpy(&note[3], "Xen", 4);
	memcpy(im->b + NOTE_OFF, note, sizeof(note));
	memset(im->b + CODE_OFF, 0xf4, 0x100); /* hlt */
}

static int check_image(struct image *im, uint64_t ram, struct mv_error *err)
{
	struct pvh_image img;
	return loader_check(im->b, im->len, ram, &img, err);
}

START_TEST(valid_image_passes_and_reports_entry_and_extent)
{
	struct image im;
	struct pvh_image img;
	struct mv_error err = { 0 };
	make_image(&im);
	ck_assert_msg(loader_check(im.b, im.len, RAM, &img, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(img.entry, LOAD_PADDR);
	ck_assert_uint_eq(img.load_start, LOAD_PADDR);
	ck_assert_uint_eq(img.load_end, LOAD_PADDR + 0x2000);
	ck_assert_int_eq(img.nr_loads, 1);
}
END_TEST

/* One malformation each: a mutator and a fragment of the expected message. */
struct bad_case {
	const char *name;
	void (*mutate)(struct image *im);
	uint64_t ram;
	const char *message;
};

static void trunc_10(struct image *im) { im->len = 10; }
static void trunc_ehdr(struct image *im) { im->len = 40; }
static void trunc_before_note(struct image *im) { im->len = NOTE_OFF + 8; }
static void trunc_in_code(struct image *im) { im->len = CODE_OFF + 0x80; }
static void bad_magic(struct image *im) { im->b[1] = 'X'; }
static void class32(struct image *im) { im->b[EI_CLASS] = ELFCLASS32; }
static void big_endian(struct image *im) { im->b[EI_DATA] = ELFDATA2MSB; }
static void machine_386(struct image *im) { ehdr(im)->e_machine = EM_386; }
static void type_dyn(struct image *im) { ehdr(im)->e_type = ET_DYN; }
static void no_note(struct image *im) { memcpy(im->b + NOTE_OFF + 8, "\x11", 1); }
static void note_bad_desc(struct image *im) { memcpy(im->b + NOTE_OFF + 4, "\x03", 1); }
static void outside_ram(struct image *im) { phdr(im, 0)->p_paddr = 0x10000000; }
static void in_mmio_hole(struct image *im) { phdr(im, 0)->p_paddr = 0xd0000000; }
static void below_1m(struct image *im) { phdr(im, 0)->p_paddr = 0x8000; }
static void filesz_gt_memsz(struct image *im) { phdr(im, 0)->p_filesz = 0x3000; }
static void offset_past_end(struct image *im) { phdr(im, 0)->p_offset = 0xffffffffff00ull; }
static void phnum_absurd(struct image *im) { ehdr(im)->e_phnum = 60000; }
static void phnum_zero(struct image *im) { ehdr(im)->e_phnum = 0; }
static void phoff_past_end(struct image *im) { ehdr(im)->e_phoff = 0x7fffffff; }
static void phentsize_wrong(struct image *im) { ehdr(im)->e_phentsize = 32; }
static void memsz_wraps(struct image *im) { phdr(im, 0)->p_memsz = ~0ull - 0x1000; }
static void entry_outside(struct image *im)
{
	uint32_t e = 0x200000;
	memcpy(im->b + NOTE_OFF + 16, &e, 4);
}
static void overlapping(struct image *im)
{
	ehdr(im)->e_phnum = 3;
	*phdr(im, 2) = *phdr(im, 0);
	phdr(im, 2)->p_paddr = LOAD_PADDR + 0x1000;
}
static void no_load(struct image *im) { phdr(im, 0)->p_type = PT_NULL; }

static const struct bad_case bad_cases[] = {
	{ "truncated to 10 bytes", trunc_10, RAM, "not an ELF file (10 bytes)" },
	{ "truncated in the ELF header", trunc_ehdr, RAM, "truncated ELF header" },
	{ "truncated before the note", trunc_before_note, RAM, "past the end of the file" },
	{ "truncated inside the code", trunc_in_code, RAM, "past the end of the file" },
	{ "bad magic", bad_magic, RAM, "bad magic" },
	{ "ELF32", class32, RAM, "ELF class 1" },
	{ "big endian", big_endian, RAM, "little endian" },
	{ "i386 machine", machine_386, RAM, "ELF machine 3" },
	{ "shared object", type_dyn, RAM, "ELF type 3" },
	{ "no PVH note", no_note, RAM, "no PVH entry note" },
	{ "note with a 3-byte value", note_bad_desc, RAM, "3-byte value" },
	{ "segment beyond RAM", outside_ram, RAM, "not inside guest RAM" },
	{ "segment in the MMIO hole", in_mmio_hole, 5ull << 30, "not inside guest RAM" },
	{ "segment below 1 MiB", below_1m, RAM, "below 1 MiB" },
	{ "p_filesz > p_memsz", filesz_gt_memsz, RAM, "exceeds p_memsz" },
	{ "offset past end of file", offset_past_end, RAM, "past the end of the file" },
	{ "absurd program header count", phnum_absurd, RAM, "60000 program headers" },
	{ "no program headers", phnum_zero, RAM, "0 program headers" },
	{ "program headers past end", phoff_past_end, RAM, "past the end of the file" },
	{ "wrong program header size", phentsize_wrong, RAM, "program header size 32" },
	{ "memsz wrapping around", memsz_wraps, RAM, "not inside guest RAM" },
	{ "entry outside segments", entry_outside, RAM, "not inside a loaded segment" },
	{ "overlapping segments", overlapping, RAM, "overlap" },
	{ "no loadable segment", no_load, RAM, "no loadable segment" },
};

START_TEST(malformed_image_is_rejected_with_a_clear_message)
{
	const struct bad_case *c = &bad_cases[_i];
	struct image im;
	struct mv_error err = { 0 };
	make_image(&im);
	c->mutate(&im);
	ck_assert_msg(check_image(&im, c->ram, &err) == -ENOEXEC, "%s: accepted", c->name);
	ck_assert_int_eq(err.code, -ENOEXEC);
	ck_assert_msg(strstr(err.msg, c->message) != NULL, "%s: message '%s' lacks '%s'", c->name,
		      err.msg, c->message);
	ck_assert_msg(strchr(err.msg, '\n') == NULL, "%s: message is more than one line", c->name);
}
END_TEST

START_TEST(every_truncation_of_a_valid_image_is_rejected)
{
	struct image im;
	struct mv_error err;
	make_image(&im);
	size_t full = im.len;
	for (size_t len = 0; len < CODE_OFF + 0x100 && len < full; len++) {
		im.len = len;
		ck_assert_msg(check_image(&im, RAM, &err) == -ENOEXEC, "truncated to %zu accepted",
			      len);
	}
}
END_TEST

START_TEST(load_copies_segments_and_zeroes_bss)
{
	struct guest_memory m;
	struct image im;
	struct pvh_image img;
	struct mv_error err = { 0 };
	make_image(&im);
	ck_assert_int_eq(mem_init(&m, RAM, MEM_BACKING_ANON, &err), 0);
	unsigned char *p = mem_gpa_to_hva(&m, LOAD_PADDR, 0x2000);
	memset(p, 0x55, 0x2000);
	ck_assert_msg(loader_load_kernel(&m, im.b, im.len, &img, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(p[0], 0xf4);
	ck_assert_uint_eq(p[0xff], 0xf4);
	for (int i = 0x100; i < 0x2000; i++)
		ck_assert_uint_eq(p[i], 0);
	mem_destroy(&m);
}
END_TEST

/* Guest RAM with the test image loaded and its start_info built; the
 * start_info's GPA. */
static uint64_t boot_data(struct guest_memory *m, struct pvh_image *img, const char *cmdline,
			  const void *initrd, size_t initrd_len)
{
	struct image im;
	struct mv_error err = { 0 };
	uint64_t si_gpa;

	make_image(&im);
	ck_assert_int_eq(mem_init(m, RAM, MEM_BACKING_ANON, &err), 0);
	ck_assert_int_eq(loader_load_kernel(m, im.b, im.len, img, &err), 0);
	ck_assert_int_eq(loader_build_start_info(m, img, cmdline, initrd, initrd_len, &si_gpa,
						 &err), 0);
	return si_gpa;
}

START_TEST(start_info_describes_cmdline_e820_and_initrd)
{
	struct guest_memory m;
	struct pvh_image img;
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry e;

	uint64_t si_gpa = boot_data(&m, &img, "console=ttyS0 x=1", "RD", 2);
	ck_assert_int_eq(mem_read(&m, si_gpa, &si, sizeof(si)), 0);
	ck_assert_uint_eq(si.magic, PVH_START_MAGIC);
	ck_assert_uint_eq(si.version, 1);
	ck_assert_str_eq((char *)mem_gpa_to_hva(&m, si.cmdline_paddr, 1), "console=ttyS0 x=1");
	ck_assert_uint_eq(si.nr_modules, 1);
	ck_assert_int_eq(mem_read(&m, si.modlist_paddr, &mod, sizeof(mod)), 0);
	ck_assert_uint_eq(mod.size, 2);
	ck_assert_uint_eq(mod.paddr % 4096, 0);
	ck_assert_uint_ge(mod.paddr, img.load_end);
	ck_assert_int_eq(memcmp(mem_gpa_to_hva(&m, mod.paddr, 2), "RD", 2), 0);
	ck_assert_uint_eq(si.memmap_entries, 3);
	ck_assert_int_eq(mem_read(&m, si.memmap_paddr + 2 * sizeof(e), &e, sizeof(e)), 0);
	ck_assert_uint_eq(e.addr, 0x100000);
	ck_assert_uint_eq(e.addr + e.size, RAM);
	mem_destroy(&m);
}
END_TEST

START_TEST(start_info_points_to_the_rsdp_once_set_and_nowhere_before)
{
	struct guest_memory m;
	struct pvh_image img;
	struct hvm_start_info si;

	uint64_t si_gpa = boot_data(&m, &img, "", NULL, 0);
	ck_assert_int_eq(mem_read(&m, si_gpa, &si, sizeof(si)), 0);
	ck_assert_uint_eq(si.rsdp_paddr, 0);
	ck_assert_int_eq(loader_set_rsdp(&m, si_gpa, 0xe0000), 0);
	ck_assert_int_eq(mem_read(&m, si_gpa, &si, sizeof(si)), 0);
	ck_assert_uint_eq(si.rsdp_paddr, 0xe0000);
	ck_assert_uint_eq(si.magic, PVH_START_MAGIC);
	ck_assert_int_eq(loader_set_rsdp(&m, RAM, 0xe0000), -EFAULT);
	mem_destroy(&m);
}
END_TEST

START_TEST(too_long_cmdline_and_too_large_initrd_are_refused)
{
	struct guest_memory m;
	struct image im;
	struct pvh_image img;
	struct mv_error err = { 0 };
	uint64_t si;
	char *longline = malloc(LOADER_CMDLINE_MAX + 1);
	memset(longline, 'a', LOADER_CMDLINE_MAX);
	longline[LOADER_CMDLINE_MAX] = 0;
	make_image(&im);
	ck_assert_int_eq(mem_init(&m, RAM, MEM_BACKING_ANON, &err), 0);
	ck_assert_int_eq(loader_load_kernel(&m, im.b, im.len, &img, &err), 0);
	ck_assert_int_eq(loader_build_start_info(&m, &img, longline, NULL, 0, &si, &err), -EINVAL);
	ck_assert(strstr(err.msg, "command line") != NULL);
	ck_assert_int_eq(loader_build_start_info(&m, &img, "", longline, RAM, &si, &err), -ENOSPC);

	ck_assert(strstr(err.msg, "initrd") != NULL);
	free(longline);
	mem_destroy(&m);
}
END_TEST

Suite *loader_suite(void);
Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("check");
	tcase_add_test(tc, valid_image_passes_and_reports_entry_and_extent);
	tcase_add_loop_test(tc, malformed_image_is_rejected_with_a_clear_message, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, every_truncation_of_a_valid_image_is_rejected);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_test(tc, load_copies_segments_and_zeroes_bss);
	tcase_add_test(tc, start_info_describes_cmdline_e820_and_initrd);
	tcase_add_test(tc, start_info_points_to_the_rsdp_once_set_and_nowhere_before);
	tcase_add_test(tc, too_long_cmdline_and_too_large_initrd_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
