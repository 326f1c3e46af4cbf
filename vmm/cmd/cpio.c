/*
 * cpio.c: the newc archive writer (cpio.h). Owns nothing but the
 * writer's name list; invariant: every name in it was written once, and
 * every directory above a written file was written before it.
 */
#include "cpio.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NEWC_MAGIC "070701"
#define NEWC_HDR 110
#define TRAILER "TRAILER!!!"
#define S_IFDIR_ 0040000u
#define S_IFREG_ 0100000u

void cpio_open(struct cpio_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->next_ino = 1;
}

static bool cpio_has(const struct cpio_writer *w, const char *name, size_t len)
{
	for (size_t i = 0; i < w->nr_names; i++)
		if (strlen(w->names[i]) == len && !memcmp(w->names[i], name, len))
			return true;
	return false;
}

/* Remembers name[0..len). Returns 0 or -ENOMEM. */
static int remember(struct cpio_writer *w, const char *name, size_t len, struct mv_error *e)
{
	if (w->nr_names == w->cap_names) {
		size_t cap = w->cap_names ? w->cap_names * 2 : 32;
		char **n = realloc(w->names, cap * sizeof(*n));
		if (!n)
			return mv_fail(e, -ENOMEM, "out of memory");
		w->names = n;
		w->cap_names = cap;
	}
	w->names[w->nr_names] = strndup(name, len);
	return w->names[w->nr_names++] ? 0 : mv_fail(e, -ENOMEM, "out of memory");
}

static int pad4(struct cpio_writer *w, size_t written)
{
	static const char zero[4];
	size_t n = (4 - written % 4) % 4;

	return fwrite(zero, 1, n, w->f) == n ? 0 : -EIO;
}

/* One entry: header, name[0..len) and NUL, data; each padded to 4 bytes. */
static int write_entry(struct cpio_writer *w, const char *name, size_t len, uint32_t mode,
		       const void *data, size_t size, struct mv_error *e)
{
	char hdr[NEWC_HDR + 1];

	snprintf(hdr, sizeof(hdr), NEWC_MAGIC "%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 w->next_ino++, mode, 0u, 0u, (mode & S_IFDIR_) ? 2u : 1u, 0u, size, 0u, 0u, 0u,
		 0u, len + 1, 0u);
	if (fwrite(hdr, 1, NEWC_HDR, w->f) != NEWC_HDR || fwrite(name, 1, len, w->f) != len ||
	    fputc(0, w->f) == EOF || pad4(w, NEWC_HDR + len + 1) ||
	    (size && fwrite(data, 1, size, w->f) != size) || pad4(w, size))
		return mv_fail_errno(e, "writing %.*s", (int)len, name);
	return 0;
}

/* Writes every directory above name not written yet. Returns 0 or a negative errno. */
static int add_parents(struct cpio_writer *w, const char *name, struct mv_error *e)
{
	for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		size_t len = (size_t)(s - name);
		if (cpio_has(w, name, len))
			continue;
		int err = write_entry(w, name, len, S_IFDIR_ | 0755, NULL, 0, e) ?:
			  remember(w, name, len, e);
		if (err)
			return err;
	}
	return 0;
}

int cpio_add_file(struct cpio_writer *w, const char *name, uint32_t mode, const void *data,
		  size_t size, struct mv_error *e)
{
	size_t len = strlen(name);

	if (!len || len > CPIO_GUEST_NAME_MAX)
		return mv_fail(e, -ENAMETOOLONG, "/%s: name longer than the initrd's %d bytes",
			       name, CPIO_GUEST_NAME_MAX);
	if (cpio_has(w, name, len))
		return mv_fail(e, -EEXIST, "/%s is in the archive already", name);
	return add_parents(w, name, e) ?:
	       write_entry(w, name, len, S_IFREG_ | (mode & 07777), data, size, e) ?:
	       remember(w, name, len, e);
}

/* A newc header field: 8 hex digits. Returns the value or -1. */
static long hex8(const uint8_t *p)
{
	char field[9];

	memcpy(field, p, 8);
	field[8] = 0;
	if (strspn(field, "0123456789abcdefABCDEF") != 8)
		return -1;
	return (long)strtoul(field, NULL, 16);
}

static size_t up4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The end of the entry at off in data[0..size), its name in name and len; 0 if malformed. */
static size_t base_entry(const uint8_t *data, size_t size, size_t off, const char **name,
			 size_t *len)
{
	if (size - off < NEWC_HDR || memcmp(data + off, NEWC_MAGIC, 6))
		return 0;
	long namesize = hex8(data + off + 94), filesize = hex8(data + off + 54);
	if (namesize < 1 || filesize < 0 || (size_t)namesize > size - off - NEWC_HDR)
		return 0;
	size_t data_off = up4(off + NEWC_HDR + (size_t)namesize);
	if (data_off > size || (size_t)filesize > size - data_off)
		return 0;
	*name = (const char *)data + off + NEWC_HDR;
	*len = strnlen(*name, (size_t)namesize);
	size_t end = up4(data_off + (size_t)filesize);
	return end < size ? end : size;
}

int cpio_append_base(struct cpio_writer *w, const uint8_t *data, size_t size,
		     struct mv_error *e)
{
	size_t off = 0;

	while (off < size) {
		const char *name;
		size_t len, end = base_entry(data, size, off, &name, &len);
		if (!end)
			break;
		if (len == strlen(TRAILER) && !memcmp(name, TRAILER, len))
			return fwrite(data, 1, off, w->f) == off ? 0
			       : mv_fail_errno(e, "writing the base archive");
		if (len > 2 && !memcmp(name, "./", 2))
			name += 2, len -= 2;
		if (remember(w, name, len, e))
			return -ENOMEM;
		off = end;
	}
	return mv_fail(e, -EINVAL, "not a newc cpio archive (no entry at byte %zu)", off);
}

void cpio_discard(struct cpio_writer *w)
{
	for (size_t i = 0; i < w->nr_names; i++)
		free(w->names[i]);
	free(w->names);
	w->names = NULL;
	w->nr_names = w->cap_names = 0;
}

int cpio_finish(struct cpio_writer *w, struct mv_error *e)
{
	int err = write_entry(w, TRAILER, strlen(TRAILER), 0, NULL, 0, e);

	cpio_discard(w);
	return err;
}
