/*
 * elfdeps.c: the dynamic linker's search, on the host (elfdeps.h).
 * Owns d->files; invariant: no two files share a guest path, and a
 * file's loader comes before it (the list is processed in order, so each
 * object's needs are resolved after those of the one that loaded it).
 */
#include "elfdeps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What one ELF file says about its needs (strings owned here). */
struct elf_needs {
	char *interp, *rpath, *runpath, *soname;
	char **needed;
	size_t nr_needed;
};

void elfdeps_init(struct elfdeps *d, const char *root)
{
	memset(d, 0, sizeof(*d));
	d->root = root;
	elf_version(EV_CURRENT);
}

static void needs_free(struct elf_needs *n)
{
	for (size_t i = 0; i < n->nr_needed; i++)
		free(n->needed[i]);
	free(n->needed);
	free(n->interp);
	free(n->rpath);
	free(n->runpath);
	free(n->soname);
	memset(n, 0, sizeof(*n));
}

void elfdeps_free(struct elfdeps *d)
{
	for (size_t i = 0; i < d->nr_files; i++) {
		free(d->files[i].guest);
		free(d->files[i].host);
		free(d->files[i].rpath);
		free(d->files[i].runpath);
		free(d->files[i].name);
	}
	free(d->files);
	d->files = NULL;
	d->nr_files = d->cap_files = 0;
}

/* Whether e is a 64-bit x86-64 ELF file. */
static bool elf_is_x86_64(Elf *e)
{
	GElf_Ehdr eh;

	return elf_kind(e) == ELF_K_ELF && gelf_getclass(e) == ELFCLASS64 &&
	       gelf_getehdr(e, &eh) && eh.e_machine == EM_X86_64;
}

/* PT_INTERP's string, or NULL (none, or malformed). */
static char *read_interp(Elf *e)
{
	size_t nr, size;
	const char *raw = elf_rawfile(e, &size);
	GElf_Phdr ph;

	if (!raw || elf_getphdrnum(e, &nr))
		return NULL;
	for (size_t i = 0; i < nr; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset || ph.p_filesz < 2)
			return NULL;
		return strndup(raw + ph.p_offset, ph.p_filesz);
	}
	return NULL;
}

static int add_needed(struct elf_needs *n, const char *name)
{
	char **v = realloc(n->needed, (n->nr_needed + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	n->needed = v;
	return (v[n->nr_needed++] = strdup(name)) ? 0 : -ENOMEM;
}

/* Keeps the first string of a tag. Returns 0 or -ENOMEM. */
static int keep_first(char **slot, const char *s)
{
	return *slot || (*slot = strdup(s)) ? 0 : -ENOMEM;
}

/* The DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH entries of one SHT_DYNAMIC section. */
static int read_dynamic(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, struct elf_needs *n)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	GElf_Dyn dyn;

	for (int i = 0; data && gelf_getdyn(data, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
		bool str = dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_SONAME ||
			   dyn.d_tag == DT_RPATH || dyn.d_tag == DT_RUNPATH;
		const char *s = str ? elf_strptr(e, sh->sh_link, dyn.d_un.d_val) : NULL;
		int err = 0;
		if (!s)
			continue;
		if (dyn.d_tag == DT_NEEDED)
			err = add_needed(n, s);
		else
			err = keep_first(dyn.d_tag == DT_SONAME ? &n->soname
					 : dyn.d_tag == DT_RPATH ? &n->rpath : &n->runpath, s);
		if (err)
			return err;
	}
	return 0;
}

static int read_needs(Elf *e, struct elf_needs *n)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	n->interp = read_interp(e);
	while ((scn = elf_nextscn(e, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNAMIC)
			return read_dynamic(e, scn, &sh, n);
	return 0;
}

/*
 * Opens the file at host path as an x86-64 ELF file into *fd and *e.
 * Returns 0, -ENOENT (no such file, or not a regular one) or -ENOEXEC
 * (not an x86-64 ELF file); on failure nothing stays open.
 */
static int elf_open(const char *path, int *fd, Elf **e)
{
	struct stat st;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -ENOENT;
	if (fstat(*fd, &st) || !S_ISREG(st.st_mode)) {
		close(*fd);
		return -ENOENT;
	}
	*e = elf_begin(*fd, ELF_C_READ, NULL);
	if (*e && elf_is_x86_64(*e))
		return 0;
	if (*e)
		elf_end(*e);
	close(*fd);
	return -ENOEXEC;
}

/*
 * Reads the needs of the file at host path. Returns 0, -ENOENT (no such
 * file, or not a regular one), -ENOEXEC (not an x86-64 ELF file) or -ENOMEM.
 */
static int elf_read_needs(const char *path, struct elf_needs *n)
{
	Elf *e;
	int fd, err;

	memset(n, 0, sizeof(*n));
	err = elf_open(path, &fd, &e);
	if (err)
		return err;
	err = read_needs(e, n);
	elf_end(e);
	close(fd);
	if (err)
		needs_free(n);
	return err;
}

/* Whether the host file at path is an x86-64 ELF file (ld.so's check of a
 * candidate: its header only, the needs are read once it is chosen). */
static bool candidate_ok(const char *path)
{
	Elf *e;
	int fd;

	if (elf_open(path, &fd, &e))
		return false;
	elf_end(e);
	close(fd);
	return true;
}

/* Normalises the absolute path p in place: no "", "." or ".." components. */
static void normalise(char *p)
{
	char *out = p, *in = p;

	while (*in) {
		while (*in == '/')
			in++;
		size_t n = strcspn(in, "/");
		if (n == 2 && !strncmp(in, "..", 2)) {
			while (out > p && *--out != '/')
				;
		} else if (n && !(n == 1 && in[0] == '.')) {
			*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

static int find_file(const struct elfdeps *d, const char *guest)
{
	for (size_t i = 0; i < d->nr_files; i++)
		if (!strcmp(d->files[i].guest, guest))
			return (int)i;
	return -1;
}

/* Appends a file (its paths copied). Returns its index or -ENOMEM. */
static int add_file(struct elfdeps *d, const char *guest, const char *host, int loader)
{
	if (d->nr_files == d->cap_files) {
		size_t cap = d->cap_files ? d->cap_files * 2 : 16;
		struct elfdeps_file *f = realloc(d->files, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		d->files = f;
		d->cap_files = cap;
	}
	struct elfdeps_file *f = &d->files[d->nr_files];
	memset(f, 0, sizeof(*f));
	f->guest = strdup(guest);
	f->host = strdup(host);
	f->loader = loader;
	if (!f->guest || !f->host) {
		free(f->guest);
		free(f->host);
		return -ENOMEM;
	}
	return (int)d->nr_files++;
}

/* Whether an object in d answers to name already: its DT_SONAME (known
 * once read) or the DT_NEEDED name it was found by, as ld.so matches a
 * loaded object's names before it searches. */
static bool loaded_as(const struct elfdeps *d, const char *name)
{
	for (size_t i = 0; i < d->nr_files; i++)
		if (d->files[i].name && !strcmp(d->files[i].name, name))
			return true;
	return false;
}

/* The guest directory dir ($ORIGIN, ${ORIGIN} replaced by origin's) joined with name. */
static int join(const char *dir, size_t len, const char *origin, const char *name, char *out,
		size_t size)
{
	size_t olen = (size_t)(strrchr(origin, '/') - origin);
	int n;

	if (len >= 9 && !strncmp(dir, "${ORIGIN}", 9))
		n = snprintf(out, size, "%.*s%.*s/%s", (int)olen, origin, (int)(len - 9), dir + 9, name);
	else if (len >= 7 && !strncmp(dir, "$ORIGIN", 7))
		n = snprintf(out, size, "%.*s%.*s/%s", (int)olen, origin, (int)(len - 7), dir + 7, name);
	else
		n = snprintf(out, size, "%.*s/%s", (int)len, dir, name);
	if (n < 0 || (size_t)n >= size || out[0] != '/')
		return -ENOENT;
	normalise(out);
	return 0;
}

/* Looks for name in the ':'-separated list (directories of @origin's
 * object). Returns 0 with the guest path in out, or -ENOENT. */
static int search_list(const struct elfdeps *d, const char *list, const char *origin,
		       const char *name, char *out, size_t size)
{
	char host[PATH_MAX * 2];

	for (const char *s = list; s && *s; s += *s == ':') {
		size_t len = strcspn(s, ":");
		if (len && !join(s, len, origin, name, out, size)) {
			snprintf(host, sizeof(host), "%s%s", d->root, out);
			if (candidate_ok(host))
				return 0;
		}
		s += len;
	}
	return -ENOENT;
}

/* The guest path of library name needed by file i, as ld.so searches. */
static int search(const struct elfdeps *d, int i, const char *name, char *out, size_t size)
{
	static const char *const defaults[] = ELFDEPS_DEFAULT_DIRS;
	const struct elfdeps_file *f = &d->files[i];

	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return name[0] == '/' ? 0 : -ENOENT;
	}
	for (int k = i; !f->runpath && k >= 0; k = d->files[k].loader)
		if (!search_list(d, d->files[k].rpath, d->files[k].guest, name, out, size))
			return 0;
	if (!search_list(d, f->runpath, f->guest, name, out, size))
		return 0;
	for (size_t k = 0; k < sizeof(defaults) / sizeof(defaults[0]); k++)
		if (!search_list(d, defaults[k], f->guest, name, out, size))
			return 0;
	return -ENOENT;
}

/* Adds the file at guest path (needed by loader as name) unless it is
 * there. Returns 0 or -ENOMEM. */
static int add_dependency(struct elfdeps *d, const char *guest, const char *name, int loader)
{
	char host[PATH_MAX * 2];

	if (find_file(d, guest) >= 0)
		return 0;
	snprintf(host, sizeof(host), "%s%s", d->root, guest);
	int idx = add_file(d, guest, host, loader);
	if (idx < 0)
		return idx;
	return (d->files[idx].name = strdup(name)) ? 0 : -ENOMEM;
}

/* Reads file i and adds what it needs. Returns 0 or a negative errno (in e). */
static int resolve_one(struct elfdeps *d, int i, struct mv_error *e)
{
	struct elf_needs n;
	char path[PATH_MAX];
	int err = elf_read_needs(d->files[i].host, &n);

	if (err)
		return mv_fail(e, err, "%s: %s", d->files[i].host,
			       err == -ENOEXEC ? "not an x86-64 ELF file" : strerror(-err));
	d->files[i].rpath = n.rpath;
	d->files[i].runpath = n.runpath;
	n.rpath = n.runpath = NULL;
	if (n.soname) {
		free(d->files[i].name);
		d->files[i].name = n.soname;
		n.soname = NULL;
	}
	if (n.interp) {
		err = n.interp[0] == '/' ? add_dependency(d, n.interp, n.interp, i) : -ENOENT;
		if (err == -ENOENT)
			mv_fail(e, err, "%s: interpreter %s is not an absolute path",
				d->files[i].host, n.interp);
	}
	for (size_t k = 0; !err && k < n.nr_needed; k++) {
		if (!strchr(n.needed[k], '/') && loaded_as(d, n.needed[k]))
			continue;
		err = search(d, i, n.needed[k], path, sizeof(path));
		if (err)
			mv_fail(e, err, "library %s needed by %s not found", n.needed[k],
				d->files[i].guest);
		else
			err = add_dependency(d, path, n.needed[k], i);
	}
	if (err == -ENOMEM)
		mv_fail(e, err, "out of memory");
	needs_free(&n);
	return err;
}

int elfdeps_add_program(struct elfdeps *d, const char *path, const char *guest,
			struct mv_error *e)
{
	size_t first = d->nr_files;

	if (find_file(d, guest) >= 0)
		return mv_fail(e, -EEXIST, "%s: %s is taken already", path, guest);
	int idx = add_file(d, guest, path, -1);
	if (idx < 0)
		return mv_fail(e, idx, "out of memory");
	for (size_t i = first; i < d->nr_files; i++) {
		int err = resolve_one(d, (int)i, e);
		if (err)
			return err;
	}
	return 0;
}
