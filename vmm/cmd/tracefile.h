/*
 * tracefile.h: reading reference traces for `memvisor opt`, in two
 * layouts, into one array of raw ids (one id: one page):
 *
 *   plain           text: page numbers (decimal or 0x-hex) separated by
 *                   whitespace or commas, '#' starts a comment
 *   oracle-general  libCacheSim's oracleGeneral binary layout: packed
 *                   little-endian records of 24 bytes,
 *                     uint32 clock_time, uint64 obj_id, uint32 obj_size,
 *                     int64 next_access_vtime (-1 or INT64_MAX: none);
 *                   obj_id is the id; records of obj_size 0 are skipped,
 *                   as libCacheSim's reader does by default; obj_size is
 *                   otherwise not used (an object is one page)
 *
 * TRACEFILE_AUTO picks plain when the first TRACEFILE_SNIFF bytes are
 * printable text, else oracle-general. The input is read in chunks, so
 * pipes work and auto-detection does not need to seek.
 *
 * Errors (the vmm/ convention, util.h): 0 or a negative errno, with a
 * message in the struct mv_error naming FILE:LINE or FILE:RECORD (1-based)
 * and the reason. A struct tracefile is one caller's; not thread-safe.
 */
#ifndef VMM_TRACEFILE_H
#define VMM_TRACEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util.h"

#define TRACEFILE_RECORD 24    /* bytes of an oracleGeneral record */
#define TRACEFILE_SNIFF  512   /* bytes auto-detection looks at */

enum tracefile_format {
	TRACEFILE_AUTO,
	TRACEFILE_PLAIN,
	TRACEFILE_ORACLE_GENERAL,
};

struct tracefile {
	/* set by the caller before reading */
	const char *name;             /* in messages */
	enum tracefile_format format; /* AUTO: replaced by the one found */
	size_t max;                   /* references at most */
	/* the result */
	uint64_t *ids;
	size_t n, cap;
	uint64_t skipped;             /* oracle-general records of size 0 */
	/* the reader's position */
	uint64_t at;                  /* lines or records begun so far */
	char *part;                   /* an unfinished line or record */
	size_t part_len, part_cap;
};

/* The format called name ("plain", "oracle-general", "auto"); -EINVAL if none. */
int tracefile_format_by_name(const char *name);
const char *tracefile_format_name(enum tracefile_format format);

/*
 * Reads all of f into t->ids. Returns 0, or -EINVAL (malformed: a bad
 * token, a truncated record, a negative next_access_vtime, nothing in it),
 * -EIO (a read error) or -ENOMEM (more than t->max references, or no
 * memory), with the reason in err.
 */
int tracefile_read(struct tracefile *t, FILE *f, struct mv_error *err);

/* The same for a whole trace already in memory. */
int tracefile_parse(struct tracefile *t, const void *buf, size_t len, struct mv_error *err);

/* Writes one oracle-general record (next_access_vtime -1: not known). */
void tracefile_encode(unsigned char rec[TRACEFILE_RECORD], uint32_t clock, uint64_t id,
		      uint32_t size);

/* Frees what reading allocated; t can be read into again after setting it up. */
void tracefile_free(struct tracefile *t);

#endif
