/*
 * elfdeps.h: the files a dynamically linked program needs in a guest,
 * found as glibc's dynamic linker finds them: the interpreter its
 * PT_INTERP names, then each DT_NEEDED, recursively (each object once).
 * A bare name an object already answers to (its DT_SONAME, or the name
 * it was found by) is that object, as ld.so reuses the interpreter for
 * libc's "ld-linux-x86-64.so.2". A name with a '/' is a path; a bare
 * name is searched in the loading
 * object's DT_RPATH and its loaders' up to the program (only when the
 * object has no DT_RUNPATH), then its DT_RUNPATH ($ORIGIN expanded), then
 * Debian's default directories (ELFDEPS_DEFAULT_DIRS); a file of another
 * class or machine is skipped, as ld.so skips it. Files are read with
 * libelf.
 *
 * Every path is a guest path (absolute, normalised); the host file read
 * for it is root + path, so tests can resolve inside a directory tree.
 * Errors: 0 or a negative errno, said in the caller's struct mv_error.
 */
#ifndef VMM_ELFDEPS_H
#define VMM_ELFDEPS_H

#include <stddef.h>

#define ELFDEPS_DEFAULT_DIRS \
	{ "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib" }

struct elfdeps_file {
	char *guest;               /* where it goes, e.g. "/lib/x86_64-linux-gnu/libc.so.6" */
	char *host;                /* the file read (root + guest, or the program's path) */
	int loader;                /* index of the object that needed it first; -1: none */
	char *rpath, *runpath;     /* its DT_RPATH and DT_RUNPATH, or NULL */
	char *name;                /* its DT_SONAME once read, else the name it was
				    * needed by (NULL for a program) */
};

struct elfdeps {
	const char *root;          /* "" for the host's own file system */
	struct elfdeps_file *files;  /* programs, their interpreters and libraries */
	size_t nr_files, cap_files;
};

struct mv_error;

void elfdeps_init(struct elfdeps *d, const char *root);
void elfdeps_free(struct elfdeps *d);
/*
 * Adds the program at host path @path as guest path @guest, and every
 * file it needs that is not in d yet. Returns 0, -ENOENT (the program or
 * a library is missing), -ENOEXEC (not an x86-64 ELF file), -EEXIST (the
 * guest path is taken), -ENAMETOOLONG or -ENOMEM.
 */
int elfdeps_add_program(struct elfdeps *d, const char *path, const char *guest,
			struct mv_error *e);

#endif
