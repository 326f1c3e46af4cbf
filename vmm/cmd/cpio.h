/*
 * cpio.h: writing a newc ("070701") cpio archive, the format of the
 * guest's initrd (guest/kernel/initrd.c reads it) and of Linux's
 * initramfs: one header, name and data per entry, each padded to 4
 * bytes, then the TRAILER!!! entry.
 *
 * Interface: cpio_open, cpio_append_base (the entries of an existing
 * archive, without its trailer), cpio_add_file, cpio_finish. A writer
 * adds each parent directory once before the first file below it, and
 * never the same name twice. Errors: 0 or a negative errno, said in the
 * caller's struct mv_error (util.h).
 */
#ifndef VMM_CPIO_H
#define VMM_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cpio_writer {
	FILE *f;
	uint32_t next_ino;
	char **names;              /* every name written so far */
	size_t nr_names, cap_names;
};

struct mv_error;

/* Starts an archive on f (the caller opens and closes it). */
void cpio_open(struct cpio_writer *w, FILE *f);
/*
 * Copies the entries of the newc archive data[0..size) (the project's
 * initrd) up to its trailer, remembering their names. Returns 0, or
 * -EINVAL when it is not a newc archive.
 */
int cpio_append_base(struct cpio_writer *w, const uint8_t *data, size_t size,
		      struct mv_error *e);
/* Adds a regular file (name without a leading '/') with mode's permission
 * bits, and its missing parent directories. Returns 0, -EEXIST (the name
 * is in the archive), -ENAMETOOLONG or -EIO. */
int cpio_add_file(struct cpio_writer *w, const char *name, uint32_t mode,
		  const void *data, size_t size, struct mv_error *e);
/* Writes the trailer and frees the name list. Returns 0 or -EIO. */
int cpio_finish(struct cpio_writer *w, struct mv_error *e);
/* Frees the name list without writing (after an error). */
void cpio_discard(struct cpio_writer *w);

/* Longest name the guest's initrd keeps (INITRD_NAME_MAX less its NUL). */
#define CPIO_GUEST_NAME_MAX 63

#endif
