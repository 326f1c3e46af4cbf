/*
 * test_initrd_build.c: what `memvisor initrd` puts in an archive. The
 * resolver (vmm/cmd/elfdeps.c) on trees of generated ELF files in a temp
 * directory (its root): the interpreter, DT_NEEDED found as ld.so finds
 * them (RPATH up the loader chain unless RUNPATH, RUNPATH with $ORIGIN,
 * the default directories, wrong machines skipped, SONAME matches), each
 * object once, and its errors. The newc writer (vmm/cmd/cpio.c) read
 * back: headers, parent directories, data, padding, a base archive
 * appended, and its errors.
 */
#include "cpio.h"
#include "elfdeps.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- generated ELF files ------------------------------------------------ */

/* What one generated file says (NULL: absent). */
struct elf_spec {
	const char *interp, *soname, *rpath, *runpath;
	const char *needed[4];
	int machine;               /* 0: EM_X86_64 */
};

static char root[64];

/* Appends s to the string table; returns its offset. */
static size_t strtab_add(char *tab, size_t *len, const char *s)
{
	size_t off = *len;

	strcpy(tab + off, s);
	*len += strlen(s) + 1;
	return off;
}

/* The dynamic entries of spec, strings into tab. Returns the entry count. */
static size_t dyn_entries(const struct elf_spec *spec, Elf64_Dyn *dyn, char *tab, size_t *len)
{
	size_t n = 0;

	for (int i = 0; i < 4 && spec->needed[i]; i++)
		dyn[n++] = (Elf64_Dyn){ DT_NEEDED, { strtab_add(tab, len, spec->needed[i]) } };
	if (spec->soname)
		dyn[n++] = (Elf64_Dyn){ DT_SONAME, { strtab_add(tab, len, spec->soname) } };
	if (spec->rpath)
		dyn[n++] = (Elf64_Dyn){ DT_RPATH, { strtab_add(tab, len, spec->rpath) } };
	if (spec->runpath)
		dyn[n++] = (Elf64_Dyn){ DT_RUNPATH, { strtab_add(tab, len, spec->runpath) } };
	dyn[n++] = (Elf64_Dyn){ DT_NULL, { 0 } };
	return n;
}

static Elf_Scn *add_section(Elf *e, uint32_t type, void *buf, size_t size, Elf_Type t)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d = elf_newdata(scn);
	Elf64_Shdr *sh = elf64_getshdr(scn);

	d->d_buf = buf;
	d->d_size = size;
	d->d_type = t;
	d->d_align = t == ELF_T_DYN ? 8 : 1;
	d->d_version = EV_CURRENT;
	sh->sh_type = type;
	sh->sh_entsize = t == ELF_T_DYN ? sizeof(Elf64_Dyn) : 0;
	return scn;
}

/* Writes root + path: an ELF64 shared object as spec says. */
static void write_elf(const char *path, const struct elf_spec *spec)
{
	char full[256], tab[512] = "";
	Elf64_Dyn dyn[8];
	size_t len = 1;
	size_t ndyn = dyn_entries(spec, dyn, tab, &len);

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (char *s = strchr(full + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(full, 0755);
		*s = '/';
	}
	int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_ge(fd, 0);
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	Elf64_Ehdr *eh = elf64_newehdr(e);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = (Elf64_Half)(spec->machine ? spec->machine : EM_X86_64);
	eh->e_type = ET_DYN;
	eh->e_version = EV_CURRENT;
	Elf64_Phdr *ph = spec->interp ? elf64_newphdr(e, 1) : NULL;
	Elf_Scn *interp = spec->interp ? add_section(e, SHT_PROGBITS, (void *)spec->interp,
						     strlen(spec->interp) + 1, ELF_T_BYTE) : NULL;
	Elf_Scn *str = add_section(e, SHT_STRTAB, tab, len, ELF_T_BYTE);
	Elf_Scn *d = add_section(e, SHT_DYNAMIC, dyn, ndyn * sizeof(dyn[0]), ELF_T_DYN);
	elf64_getshdr(d)->sh_link = (Elf64_Word)elf_ndxscn(str);
	ck_assert_int_ge(elf_update(e, ELF_C_NULL), 0);
	if (ph) {
		ph = elf64_getphdr(e);
		ph->p_type = PT_INTERP;
		ph->p_offset = elf64_getshdr(interp)->sh_offset;
		ph->p_filesz = strlen(spec->interp) + 1;
	}
	ck_assert_int_ge(elf_update(e, ELF_C_WRITE), 0);
	elf_end(e);
	close(fd);
}

static void write_text(const char *path, const char *text)
{
	char full[256];
	snprintf(full, sizeof(full), "%s%s", root, path);
	FILE *f = fopen(full, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void make_root(void)
{
	strcpy(root, "/tmp/mv-elfdeps-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	write_elf("/lib64/ld-linux-x86-64.so.2",
		  &(struct elf_spec){ .soname = "ld-linux-x86-64.so.2" });
	write_elf("/lib/x86_64-linux-gnu/libc.so.6",
		  &(struct elf_spec){ .soname = "libc.so.6", .needed = { "ld-linux-x86-64.so.2" } });
}

static void remove_root(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* Resolves root's /bin/prog; returns the error, the guest paths in order into names. */
static int resolve(struct elfdeps *d, struct mv_error *e)
{
	char host[256];

	snprintf(host, sizeof(host), "%s/bin/prog", root);
	elfdeps_init(d, root);
	return elfdeps_add_program(d, host, "/bin/prog", e);
}

static void assert_files(const struct elfdeps *d, const char *const *want, size_t n)
{
	ck_assert_uint_eq(d->nr_files, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(d->files[i].guest, want[i]);
}

#define ASSERT_FILES(d, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	assert_files(d, want_, sizeof(want_) / sizeof(want_[0])); } while (0)

START_TEST(a_program_brings_its_interpreter_and_libc_once)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/bin/prog", &(struct elf_spec){ .interp = "/lib64/ld-linux-x86-64.so.2",
						   .needed = { "libc.so.6" } });
	ck_assert_int_eq(resolve(&d, &e), 0);
	/* libc's need of ld-linux-x86-64.so.2 is the interpreter (its SONAME) */
	ASSERT_FILES(&d, "/bin/prog", "/lib64/ld-linux-x86-64.so.2",
		     "/lib/x86_64-linux-gnu/libc.so.6");
	ck_assert_int_eq(d.files[2].loader, 0);
	elfdeps_free(&d);
}
END_TEST

START_TEST(a_shared_need_is_one_file)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/usr/lib/x86_64-linux-gnu/liba.so", &(struct elf_spec){ .needed = { "libc.so.6" } });
	write_elf("/usr/lib/x86_64-linux-gnu/libb.so",
		  &(struct elf_spec){ .needed = { "liba.so", "libc.so.6" } });
	write_elf("/bin/prog", &(struct elf_spec){ .interp = "/lib64/ld-linux-x86-64.so.2",
						   .needed = { "liba.so", "libb.so" } });
	ck_assert_int_eq(resolve(&d, &e), 0);
	ASSERT_FILES(&d, "/bin/prog", "/lib64/ld-linux-x86-64.so.2",
		     "/usr/lib/x86_64-linux-gnu/liba.so", "/usr/lib/x86_64-linux-gnu/libb.so",
		     "/lib/x86_64-linux-gnu/libc.so.6");
	elfdeps_free(&d);
}
END_TEST

START_TEST(runpath_expands_origin_and_is_normalised)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/opt/app/lib/libapp.so", &(struct elf_spec){ .soname = "libapp.so" });
	write_elf("/opt/app/bin/prog", &(struct elf_spec){ .runpath = "/nowhere:$ORIGIN/../lib",
							   .needed = { "libapp.so" } });
	char host[256];
	snprintf(host, sizeof(host), "%s/opt/app/bin/prog", root);
	elfdeps_init(&d, root);
	ck_assert_int_eq(elfdeps_add_program(&d, host, "/opt/app/bin/prog", &e), 0);
	ASSERT_FILES(&d, "/opt/app/bin/prog", "/opt/app/lib/libapp.so");
	elfdeps_free(&d);
}
END_TEST

START_TEST(rpath_of_the_program_serves_its_libraries_without_runpath)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/opt/r/libinner.so", &(struct elf_spec){ .soname = "libinner.so" });
	write_elf("/lib/x86_64-linux-gnu/libinner.so", &(struct elf_spec){ .soname = "libinner.so" });
	write_elf("/opt/r/libouter.so", &(struct elf_spec){ .needed = { "libinner.so" } });
	write_elf("/bin/prog", &(struct elf_spec){ .rpath = "/opt/r", .needed = { "libouter.so" } });
	ck_assert_int_eq(resolve(&d, &e), 0);
	ASSERT_FILES(&d, "/bin/prog", "/opt/r/libouter.so", "/opt/r/libinner.so");
	elfdeps_free(&d);
}
END_TEST

START_TEST(runpath_of_a_library_turns_off_the_rpath_chain)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/opt/r/libinner.so", &(struct elf_spec){ .soname = "libinner.so" });
	write_elf("/lib/x86_64-linux-gnu/libinner.so", &(struct elf_spec){ .soname = "libinner.so" });
	write_elf("/opt/r/libouter.so", &(struct elf_spec){ .runpath = "/nowhere",
							    .needed = { "libinner.so" } });
	write_elf("/bin/prog", &(struct elf_spec){ .rpath = "/opt/r", .needed = { "libouter.so" } });
	ck_assert_int_eq(resolve(&d, &e), 0);
	ASSERT_FILES(&d, "/bin/prog", "/opt/r/libouter.so", "/lib/x86_64-linux-gnu/libinner.so");
	elfdeps_free(&d);
}
END_TEST

START_TEST(a_library_of_another_machine_is_skipped)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/lib/x86_64-linux-gnu/libm.so.6", &(struct elf_spec){ .machine = EM_AARCH64 });
	write_elf("/usr/lib/x86_64-linux-gnu/libm.so.6", &(struct elf_spec){ .soname = "libm.so.6" });
	write_elf("/bin/prog", &(struct elf_spec){ .needed = { "libm.so.6" } });
	ck_assert_int_eq(resolve(&d, &e), 0);
	ASSERT_FILES(&d, "/bin/prog", "/usr/lib/x86_64-linux-gnu/libm.so.6");
	elfdeps_free(&d);
}
END_TEST

START_TEST(a_missing_library_is_enoent_and_named)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/bin/prog", &(struct elf_spec){ .needed = { "libc.so.6", "libnothere.so.1" } });
	ck_assert_int_eq(resolve(&d, &e), -ENOENT);
	ck_assert_str_eq(e.msg, "library libnothere.so.1 needed by /bin/prog not found");
	elfdeps_free(&d);
}
END_TEST

START_TEST(a_program_that_is_not_elf_is_enoexec)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	mkdir(strcat(strcpy((char[128]){ 0 }, root), "/bin"), 0755);
	write_text("/bin/prog", "#!/bin/sh\necho not elf\n");
	ck_assert_int_eq(resolve(&d, &e), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(e.msg, "not an x86-64 ELF file"));
	elfdeps_free(&d);
}
END_TEST

START_TEST(a_missing_interpreter_is_enoent)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/bin/prog", &(struct elf_spec){ .interp = "/lib64/ld-missing.so.2" });
	ck_assert_int_eq(resolve(&d, &e), -ENOENT);
	ck_assert_ptr_nonnull(strstr(e.msg, "ld-missing.so.2"));
	elfdeps_free(&d);
}
END_TEST

START_TEST(a_guest_path_is_taken_once)
{
	struct elfdeps d;
	struct mv_error e = { 0 };

	write_elf("/bin/prog", &(struct elf_spec){ .interp = "/lib64/ld-linux-x86-64.so.2",
						   .needed = { "libc.so.6" } });
	ck_assert_int_eq(resolve(&d, &e), 0);
	ck_assert_int_eq(elfdeps_add_program(&d, d.files[0].host, "/bin/prog", &e), -EEXIST);
	elfdeps_free(&d);
}
END_TEST

/* ---- the newc writer ------------------------------------------------------ */

/* One entry read back from an archive. */
struct entry {
	char name[80];
	unsigned long mode, size;
	const char *data;
};

/* Parses archive buf into ents (at most max, trailer included); returns the count. */
static int read_archive(const char *buf, size_t len, struct entry *ents, int max)
{
	size_t off = 0;
	int n = 0;

	while (off < len && n < max) {
		unsigned long f[13];
		char field[9] = "";
		ck_assert_int_eq(memcmp(buf + off, "070701", 6), 0);
		for (int i = 0; i < 13; i++) {
			memcpy(field, buf + off + 6 + 8 * i, 8);
			f[i] = strtoul(field, NULL, 16);
		}
		struct entry *e = &ents[n++];
		snprintf(e->name, sizeof(e->name), "%s", buf + off + 110);
		ck_assert_uint_eq(strlen(e->name) + 1, f[11]);
		e->mode = f[1];
		e->size = f[6];
		off = (off + 110 + f[11] + 3) & ~3ul;
		e->data = buf + off;
		off = (off + f[6] + 3) & ~3ul;
		if (!strcmp(e->name, "TRAILER!!!"))
			break;
	}
	ck_assert_uint_eq(off, len);
	return n;
}

START_TEST(files_come_after_their_directories_with_their_bytes)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct cpio_writer w;
	struct mv_error e = { 0 };
	struct entry ents[8];

	cpio_open(&w, f);
	ck_assert_int_eq(cpio_add_file(&w, "lib/x86_64-linux-gnu/libc.so.6", 0644, "abcde", 5, &e), 0);
	ck_assert_int_eq(cpio_add_file(&w, "lib/x.so", 0755, "", 0, &e), 0);
	ck_assert_int_eq(cpio_finish(&w, &e), 0);
	fclose(f);
	int n = read_archive(buf, len, ents, 8);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(ents[0].name, "lib");
	ck_assert_uint_eq(ents[0].mode, 040755);
	ck_assert_str_eq(ents[1].name, "lib/x86_64-linux-gnu");
	ck_assert_str_eq(ents[2].name, "lib/x86_64-linux-gnu/libc.so.6");
	ck_assert_uint_eq(ents[2].mode, 0100644);
	ck_assert_uint_eq(ents[2].size, 5);
	ck_assert_int_eq(memcmp(ents[2].data, "abcde", 5), 0);
	ck_assert_str_eq(ents[3].name, "lib/x.so");
	ck_assert_uint_eq(ents[3].mode, 0100755);
	ck_assert_str_eq(ents[4].name, "TRAILER!!!");
	free(buf);
}
END_TEST

START_TEST(a_base_archive_comes_first_and_keeps_its_names)
{
	char *base, *buf;
	size_t base_len, len;
	struct cpio_writer w;
	struct mv_error e = { 0 };
	struct entry ents[8];
	FILE *f = open_memstream(&base, &base_len);

	cpio_open(&w, f);
	ck_assert_int_eq(cpio_add_file(&w, "bin/init", 0755, "init", 4, &e), 0);
	ck_assert_int_eq(cpio_finish(&w, &e), 0);
	fclose(f);
	f = open_memstream(&buf, &len);
	cpio_open(&w, f);
	ck_assert_int_eq(cpio_append_base(&w, (const uint8_t *)base, base_len, &e), 0);
	ck_assert_int_eq(cpio_add_file(&w, "bin/init", 0755, "x", 1, &e), -EEXIST);
	ck_assert_int_eq(cpio_add_file(&w, "bin/hello", 0755, "hi", 2, &e), 0);
	ck_assert_int_eq(cpio_finish(&w, &e), 0);
	fclose(f);
	ck_assert_int_eq(read_archive(buf, len, ents, 8), 4);
	ck_assert_str_eq(ents[0].name, "bin");
	ck_assert_str_eq(ents[1].name, "bin/init");
	ck_assert_str_eq(ents[2].name, "bin/hello");   /* no second "bin" */
	ck_assert_str_eq(ents[3].name, "TRAILER!!!");
	free(base);
	free(buf);
}
END_TEST

START_TEST(a_bad_base_or_a_long_name_is_refused)
{
	char *buf, longname[80];
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct cpio_writer w;
	struct mv_error e = { 0 };
	static const char not_cpio[200] = "#!/bin/sh";

	cpio_open(&w, f);
	ck_assert_int_eq(cpio_append_base(&w, (const uint8_t *)not_cpio, sizeof(not_cpio), &e),
			 -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[CPIO_GUEST_NAME_MAX + 1] = 0;
	ck_assert_int_eq(cpio_add_file(&w, longname, 0644, "", 0, &e), -ENAMETOOLONG);
	longname[CPIO_GUEST_NAME_MAX] = 0;
	ck_assert_int_eq(cpio_add_file(&w, longname, 0644, "", 0, &e), 0);
	cpio_discard(&w);
	fclose(f);
	free(buf);
}
END_TEST

Suite *initrd_build_suite(void);
Suite *initrd_build_suite(void)
{
	Suite *s = suite_create("initrd_build");
	TCase *r = tcase_create("resolve");
	TCase *c = tcase_create("cpio");

	tcase_add_checked_fixture(r, make_root, remove_root);
	tcase_add_test(r, a_program_brings_its_interpreter_and_libc_once);
	tcase_add_test(r, a_shared_need_is_one_file);
	tcase_add_test(r, runpath_expands_origin_and_is_normalised);
	tcase_add_test(r, rpath_of_the_program_serves_its_libraries_without_runpath);
	tcase_add_test(r, runpath_of_a_library_turns_off_the_rpath_chain);
	tcase_add_test(r, a_library_of_another_machine_is_skipped);
	tcase_add_test(r, a_missing_library_is_enoent_and_named);
	tcase_add_test(r, a_program_that_is_not_elf_is_enoexec);
	tcase_add_test(r, a_missing_interpreter_is_enoent);
	tcase_add_test(r, a_guest_path_is_taken_once);
	tcase_add_test(c, files_come_after_their_directories_with_their_bytes);
	tcase_add_test(c, a_base_archive_comes_first_and_keeps_its_names);
	tcase_add_test(c, a_bad_base_or_a_long_name_is_refused);
	suite_add_tcase(s, r);
	suite_add_tcase(s, c);
	return s;
}
