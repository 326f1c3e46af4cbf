/*
 * cmd_initrd.c: `memvisor initrd -o FILE [--base INITRD] PROGRAM...`:
 * an initrd (newc cpio) holding each program as /bin/NAME and every file
 * it needs in the guest, found as the dynamic linker finds them
 * (elfdeps.h): its interpreter and shared libraries, at the paths the
 * guest's ld.so will look at. Symbolic links are followed (the guest's
 * initrd keeps regular files only). With --base, the entries of the
 * project's initrd come first, so its /sbin/init and programs are there
 * too.
 *
 * The archive is written to FILE.tmp and renamed: a failure leaves no
 * half archive. Exit status 0, or 2 with one line on stderr (a missing
 * program or library, a file that is not x86-64 ELF, a bad base archive,
 * I/O errors).
 */
#include "commands.h"
#include "cpio.h"
#include "elfdeps.h"
#include "loader.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char initrd_usage[] =
	"usage: memvisor initrd -o FILE [--base INITRD] [-v] PROGRAM...\n"
	"\n"
	"Writes a newc cpio initrd holding each PROGRAM as /bin/NAME, with the\n"
	"interpreter (ld.so) and shared libraries it needs, resolved as the dynamic\n"
	"linker would (DT_NEEDED recursively, DT_RPATH, DT_RUNPATH, then\n"
	"/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib, /usr/lib). A\n"
	"PROGRAM without a '/' is looked up in PATH.\n"
	"\n"
	"  -o, --output FILE   the archive to write\n"
	"  -b, --base INITRD   start with the entries of this newc archive (e.g.\n"
	"                      build/guest/initrd.cpio: /sbin/init and the project's\n"
	"                      programs)\n"
	"  -v, --verbose       list each file and where it came from\n"
	"  -h, --help          this text\n"
	"\n"
	"Exit status: 0, or 2 with one line on stderr.\n";

struct initrd_opts {
	const char *out, *base;
	bool verbose;
	char **programs;
	int nr_programs;
};

static int parse_opts(struct initrd_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "base", required_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0; /* glibc: a full reset */
	while ((c = getopt_long(argc, argv, "o:b:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'b': o->base = optarg; break;
		case 'v': o->verbose = true; break;
		case 'h': fputs(initrd_usage, stdout); exit(0);
		default: fputs(initrd_usage, stderr); return -EINVAL;
		}
	}
	if (!o->out || optind >= argc) {
		mv_err("initrd: %s", !o->out ? "no -o FILE" : "no PROGRAM");
		fputs(initrd_usage, stderr);
		return -EINVAL;
	}
	o->programs = argv + optind;
	o->nr_programs = argc - optind;
	return 0;
}

/* The host path of PROGRAM: itself with a '/', else the first executable
 * PATH entry, as execvp. Returns 0 or -ENOENT (in e). */
static int program_path(const char *prog, char *out, size_t size, struct mv_error *e)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/')) {
		snprintf(out, size, "%s", prog);
		return access(out, F_OK) ? mv_fail(e, -ENOENT, "%s: no such program", prog) : 0;
	}
	for (const char *s = path ? path : "/usr/bin:/bin"; *s; s += *s == ':') {
		size_t len = strcspn(s, ":");
		snprintf(out, size, "%.*s/%s", (int)len, len ? s : ".", prog);
		if (!access(out, X_OK))
			return 0;
		s += len;
	}
	return mv_fail(e, -ENOENT, "%s: no such program in PATH", prog);
}

/* Adds every program and what it needs to d. Returns 0 or a negative errno (in e). */
static int resolve_programs(const struct initrd_opts *o, struct elfdeps *d, struct mv_error *e)
{
	char host[PATH_MAX], guest[PATH_MAX];

	for (int i = 0; i < o->nr_programs; i++) {
		const char *name = strrchr(o->programs[i], '/');
		int err = program_path(o->programs[i], host, sizeof(host), e);
		if (err)
			return err;
		snprintf(guest, sizeof(guest), "/bin/%s", name ? name + 1 : o->programs[i]);
		err = elfdeps_add_program(d, host, guest, e);
		if (err)
			return err;
	}
	return 0;
}

/* Copies one host file into the archive at its guest path. Returns 0 or a negative errno. */
static int add_host_file(struct cpio_writer *w, const struct elfdeps_file *f, bool verbose,
			 struct mv_error *e)
{
	struct stat st;
	void *buf;
	size_t len;

	if (stat(f->host, &st))
		return mv_fail_errno(e, "%s", f->host);
	int err = loader_read_file(f->host, &buf, &len, e);
	if (err)
		return err;
	err = cpio_add_file(w, f->guest + 1, (uint32_t)st.st_mode, buf, len, e);
	free(buf);
	if (!err && verbose)
		printf("%-48s <- %s\n", f->guest, f->host);
	return err;
}

/* The base archive's entries into w. Returns 0 or a negative errno. */
static int add_base(struct cpio_writer *w, const char *base, struct mv_error *e)
{
	struct mv_error why = { 0 };
	void *buf;
	size_t len;
	int err = loader_read_file(base, &buf, &len, e);

	if (err)
		return err;
	err = cpio_append_base(w, buf, len, &why);
	free(buf);
	return err ? mv_fail(e, err, "%s: %s", base, why.msg) : 0;
}

/* The archive for d (after the base) on f. Returns 0 or a negative errno. */
static int write_archive(const struct initrd_opts *o, const struct elfdeps *d, FILE *f,
			 struct mv_error *e)
{
	struct cpio_writer w;
	int err = 0;

	cpio_open(&w, f);
	if (o->base)
		err = add_base(&w, o->base, e);
	for (size_t i = 0; !err && i < d->nr_files; i++)
		err = add_host_file(&w, &d->files[i], o->verbose, e);
	if (err) {
		cpio_discard(&w);
		return err;
	}
	return cpio_finish(&w, e);
}

/* Writes o->out through o->out.tmp. Returns 0 or a negative errno. */
static int write_output(const struct initrd_opts *o, const struct elfdeps *d, struct mv_error *e)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", o->out);
	if (!(f = fopen(tmp, "wb")))
		return mv_fail_errno(e, "%s", tmp);
	int err = write_archive(o, d, f, e);
	if (fclose(f) && !err)
		err = mv_fail_errno(e, "%s", tmp);
	if (!err && rename(tmp, o->out))
		err = mv_fail_errno(e, "%s", o->out);
	if (err)
		unlink(tmp);
	return err;
}

int cmd_initrd(int argc, char **argv)
{
	struct initrd_opts o = { .out = NULL };
	struct mv_error e = { 0 };
	struct elfdeps d;

	if (parse_opts(&o, argc, argv))
		return MV_EXIT_USAGE;
	elfdeps_init(&d, "");
	int err = resolve_programs(&o, &d, &e) ?: write_output(&o, &d, &e);
	elfdeps_free(&d);
	if (err)
		mv_err("initrd: %s", e.msg);
	return err ? MV_EXIT_USAGE : 0;
}
