/*
 * test_vmcoreinfo.c: a Linux guest's VMCOREINFO note is found at the
 * start of a page of guest RAM, laid out as Linux writes it, and only
 * there: not in a page the host has not seen resident, not in the middle
 * of a page, not with a wrong name, type, first key, length or unprintable
 * text. Its "KEY=value" lines read back as strings and numbers (the
 * snapshot reader's side is in test_snapfile.c).
 */
#include "vmcoreinfo.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGES 8
#define TEXT  "OSRELEASE=6.1.0-57-amd64\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82a13340\n" \
	      "KERNELOFFSET=1000000\nNUMBER(pgtable_l5_enabled)=0\n"

/* Writes the note as Linux's append_elf_note does at buf + off. */
static void put_note(uint8_t *buf, size_t off, const char *name, uint32_t type, const char *text)
{
	uint32_t head[3] = { (uint32_t)strlen(name) + 1, (uint32_t)strlen(text), type };
	memcpy(buf + off, head, sizeof(head));
	memcpy(buf + off + 12, name, head[0]);
	memcpy(buf + off + 24, text, head[1]);
}

static uint8_t *ram(void)
{
	uint8_t *b = calloc(PAGES, 4096);
	ck_assert_ptr_nonnull(b);
	return b;
}

START_TEST(the_note_at_the_start_of_a_page_is_found_with_its_text_length)
{
	uint8_t *b = ram();
	size_t len = 0;
	put_note(b, 5 * 4096, VMCOREINFO_NOTE_NAME, 0, TEXT);
	ck_assert_int_eq(vmcoreinfo_scan(b, PAGES * 4096, NULL, &len), 5 * 4096);
	ck_assert_uint_eq(len, strlen(TEXT));
	free(b);
}
END_TEST

START_TEST(a_page_not_resident_on_the_host_is_not_looked_at)
{
	uint8_t *b = ram(), resident[1] = { 0xff & ~(1u << 5) };
	size_t len;
	put_note(b, 5 * 4096, VMCOREINFO_NOTE_NAME, 0, TEXT);
	ck_assert_int_eq(vmcoreinfo_scan(b, PAGES * 4096, resident, &len), -ENOENT);
	resident[0] |= 1u << 5;
	ck_assert_int_eq(vmcoreinfo_scan(b, PAGES * 4096, resident, &len), 5 * 4096);
	free(b);
}
END_TEST

/* Each of these is not Linux's note and must not be taken for it. */
static void not_a_note(uint8_t *b, int which)
{
	switch (which) {
	case 0: put_note(b, 4096 + 8, VMCOREINFO_NOTE_NAME, 0, TEXT); break; /* mid-page */
	case 1: put_note(b, 4096, "VMCOREINFX", 0, TEXT); break;
	case 2: put_note(b, 4096, VMCOREINFO_NOTE_NAME, 1, TEXT); break;
	case 3: put_note(b, 4096, VMCOREINFO_NOTE_NAME, 0, "PAGESIZE=4096\n"); break;
	case 4: put_note(b, 4096, VMCOREINFO_NOTE_NAME, 0, "OSRELEASE=6.1\x01\n"); break;
	case 5: /* claims more text than a page */
		put_note(b, 4096, VMCOREINFO_NOTE_NAME, 0, TEXT);
		((uint32_t *)(b + 4096))[1] = VMCOREINFO_MAX + 1;
		break;
	case 6: /* runs past the end of RAM */
		put_note(b, (PAGES - 1) * 4096, VMCOREINFO_NOTE_NAME, 0, TEXT);
		((uint32_t *)(b + (PAGES - 1) * 4096))[1] = 4096;
		break;
	}
}

START_TEST(what_is_not_linuxs_note_is_not_found)
{
	uint8_t *b = ram();
	size_t len;
	not_a_note(b, _i);
	ck_assert_int_eq(vmcoreinfo_scan(b, PAGES * 4096, NULL, &len), -ENOENT);
	free(b);
}
END_TEST

START_TEST(find_copies_the_text_and_names_its_guest_physical_address)
{
	uint8_t *b = ram();
	struct guest_memory mem = { .nr_slots = 2 };
	mem.slots[0] = (struct mem_slot){ .gpa = 0, .size = 4 * 4096, .hva = b };
	mem.slots[1] = (struct mem_slot){ .gpa = 1ull << 32, .size = 4 * 4096, .hva = b + 4 * 4096 };
	put_note(b, 6 * 4096, VMCOREINFO_NOTE_NAME, 0, TEXT);
	struct vmcoreinfo *v = malloc(sizeof(*v));
	ck_assert_int_eq(vmcoreinfo_find(&mem, NULL, v), 0);
	ck_assert_uint_eq(v->gpa, (1ull << 32) + 2 * 4096);
	ck_assert_str_eq(v->text, TEXT);
	uint8_t *skip[2] = { b, NULL }; /* slot 1's residency unknown: skipped */
	ck_assert_int_eq(vmcoreinfo_find(&mem, skip, v), -ENOENT);
	free(v);
	free(b);
}
END_TEST

START_TEST(values_read_back_as_strings_and_numbers)
{
	char s[32];
	uint64_t n;
	ck_assert_int_eq(vmcoreinfo_value(TEXT, "OSRELEASE", s, sizeof(s)), 0);
	ck_assert_str_eq(s, "6.1.0-57-amd64");
	ck_assert_int_eq(vmcoreinfo_value(TEXT, "OSRELEASE", s, 5), -ENAMETOOLONG);
	ck_assert_int_eq(vmcoreinfo_value(TEXT, "OSREL", s, sizeof(s)), -ENOENT);
	ck_assert_int_eq(vmcoreinfo_number(TEXT, "KERNELOFFSET", &n), 0);
	ck_assert_uint_eq(n, 0x1000000);
	ck_assert_int_eq(vmcoreinfo_number(TEXT, "SYMBOL(init_uts_ns)", &n), 0);
	ck_assert_uint_eq(n, 0xffffffff82a13340ull);
	ck_assert_int_eq(vmcoreinfo_number(TEXT, "PAGESIZE", &n), 0);
	ck_assert_uint_eq(n, 4096);
	ck_assert_int_eq(vmcoreinfo_number(TEXT, "OSRELEASE", &n), -EINVAL);
	ck_assert_int_eq(vmcoreinfo_number(TEXT, "NUMBER(phys_base)", &n), -ENOENT);
}
END_TEST

Suite *vmcoreinfo_suite(void);
Suite *vmcoreinfo_suite(void)
{
	Suite *s = suite_create("vmcoreinfo");
	TCase *scan = tcase_create("scan");
	tcase_add_test(scan, the_note_at_the_start_of_a_page_is_found_with_its_text_length);
	tcase_add_test(scan, a_page_not_resident_on_the_host_is_not_looked_at);
	tcase_add_loop_test(scan, what_is_not_linuxs_note_is_not_found, 0, 7);
	tcase_add_test(scan, find_copies_the_text_and_names_its_guest_physical_address);
	TCase *text = tcase_create("text");
	tcase_add_test(text, values_read_back_as_strings_and_numbers);
	suite_add_tcase(s, scan);
	suite_add_tcase(s, text);
	return s;
}
