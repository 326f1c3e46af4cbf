/*
 * tracefile.c: the trace readers of tracefile.h.
 *
 * Both layouts are fed chunk by chunk through feed(): plain keeps an
 * unfinished line in t->part until its newline (or the end), oracle-general
 * an unfinished record (t->part_len < TRACEFILE_RECORD). Invariant between
 * chunks: every complete line or record seen is in ids[0..n), and t->at
 * counts the lines or records begun, so messages can name the one at fault.
 */
#include "tracefile.h"

#include <stdlib.h>
#include <string.h>

#define TRACEFILE_CHUNK (1u << 16)
#define TRACEFILE_NO_NEXT (-1)

static const char *const format_names[] = {
	[TRACEFILE_AUTO] = "auto",
	[TRACEFILE_PLAIN] = "plain",
	[TRACEFILE_ORACLE_GENERAL] = "oracle-general",
};

int tracefile_format_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i]))
			return (int)i;
	return -EINVAL;
}

const char *tracefile_format_name(enum tracefile_format format)
{
	return (unsigned)format <= TRACEFILE_ORACLE_GENERAL ? format_names[format] : "?";
}

/* Appends one id; returns 0 or -ENOMEM (beyond t->max or no memory). */
static int add_id(struct tracefile *t, uint64_t id, struct mv_error *err)
{
	if (t->n == t->max)
		return mv_fail(err, -ENOMEM, "%s: more than %zu references", t->name, t->max);
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		uint64_t *ids = realloc(t->ids, cap * sizeof(*ids));
		if (!ids)
			return mv_fail(err, -ENOMEM, "%s: out of memory", t->name);
		t->ids = ids;
		t->cap = cap;
	}
	t->ids[t->n++] = id;
	return 0;
}

/* Appends len bytes to the unfinished line or record; 0 or -ENOMEM. */
static int part_append(struct tracefile *t, const char *p, size_t len, struct mv_error *err)
{
	if (!t->part || t->part_len + len + 1 > t->part_cap) {
		size_t cap = 2 * (t->part_len + len + 1);
		char *part = realloc(t->part, cap);
		if (!part) {
			mv_fail(err, -ENOMEM, "%s: out of memory", t->name);
			return -ENOMEM;
		}
		t->part = part;
		t->part_cap = cap;
	}
	memcpy(t->part + t->part_len, p, len);
	t->part_len += len;
	t->part[t->part_len] = 0;
	return 0;
}

/* ---- plain ---------------------------------------------------------------- */

/* One token of line t->at; returns 0, -EINVAL (not a page number) or -ENOMEM. */
static int plain_token(struct tracefile *t, const char *tok, struct mv_error *err)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 0);
	if (errno || *end || tok[0] == '-' || tok[0] == '+')
		return mv_fail(err, -EINVAL, "%s:%llu: '%.40s' is not a page number", t->name,
			       (unsigned long long)t->at, tok);
	return add_id(t, v, err);
}

/* The line in t->part (len bytes, NUL-ended); returns 0 or a negative errno. */
static int plain_line(struct tracefile *t, size_t len, struct mv_error *err)
{
	char *line = t->part, *hash;
	t->at++;
	if (memchr(line, 0, len))
		return mv_fail(err, -EINVAL, "%s:%llu: a NUL byte in a text line (binary? try "
			       "--format oracle-general)", t->name, (unsigned long long)t->at);
	if ((hash = strchr(line, '#')))
		*hash = 0;
	for (char *save, *tok = strtok_r(line, " \t\r\n,", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n,", &save)) {
		int rc = plain_token(t, tok, err);
		if (rc)
			return rc;
	}
	t->part_len = 0;
	return 0;
}

static int plain_feed(struct tracefile *t, const char *p, size_t len, struct mv_error *err)
{
	while (len) {
		const char *nl = memchr(p, '\n', len);
		size_t take = nl ? (size_t)(nl - p) : len;
		int rc = part_append(t, p, take, err);
		if (!rc && nl)
			rc = plain_line(t, t->part_len, err);
		if (rc)
			return rc;
		take += nl != NULL;
		p += take;
		len -= take;
	}
	return 0;
}

/* ---- oracle-general ---------------------------------------------------------- */

static uint64_t le(const unsigned char *p, unsigned bytes)
{
	uint64_t v = 0;
	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static void put_le(unsigned char *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

void tracefile_encode(unsigned char rec[TRACEFILE_RECORD], uint32_t clock, uint64_t id,
		      uint32_t size)
{
	put_le(rec, clock, 4);
	put_le(rec + 4, id, 8);
	put_le(rec + 12, size, 4);
	put_le(rec + 16, (uint64_t)-1, 8); /* next_access_vtime: not known */
}

/* Record t->at at rec; returns 0 or a negative errno. */
static int oracle_record(struct tracefile *t, const unsigned char *rec, struct mv_error *err)
{
	uint64_t id = le(rec + 4, 8);
	uint32_t size = (uint32_t)le(rec + 12, 4);
	int64_t next = (int64_t)le(rec + 16, 8);
	t->at++;
	if (next < TRACEFILE_NO_NEXT)
		return mv_fail(err, -EINVAL, "%s:%llu: next_access_vtime %lld is negative (not an "
			       "oracleGeneral record?)", t->name, (unsigned long long)t->at,
			       (long long)next);
	if (!size) {
		t->skipped++;
		return 0;
	}
	return add_id(t, id, err);
}

static int oracle_feed(struct tracefile *t, const char *p, size_t len, struct mv_error *err)
{
	int rc = 0;
	if (t->part_len) { /* finish the record the last chunk began */
		size_t take = TRACEFILE_RECORD - t->part_len;
		take = take < len ? take : len;
		rc = part_append(t, p, take, err);
		p += take;
		len -= take;
		if (rc || t->part_len < TRACEFILE_RECORD)
			return rc;
		t->part_len = 0;
		rc = oracle_record(t, (const unsigned char *)t->part, err);
	}
	for (; !rc && len >= TRACEFILE_RECORD; p += TRACEFILE_RECORD, len -= TRACEFILE_RECORD)
		rc = oracle_record(t, (const unsigned char *)p, err);
	return rc ? rc : part_append(t, p, len, err);
}

/* ---- both ------------------------------------------------------------------- */

/* Plain if the first bytes are printable text (tabs and line ends allowed). */
static enum tracefile_format sniff(const char *p, size_t len)
{
	for (size_t i = 0; i < len && i < TRACEFILE_SNIFF; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 || c > 0x7e) && c != '\t' && c != '\n' && c != '\r')
			return TRACEFILE_ORACLE_GENERAL;
	}
	return TRACEFILE_PLAIN;
}

static int feed(struct tracefile *t, const char *p, size_t len, struct mv_error *err)
{
	if (t->format == TRACEFILE_AUTO && len)
		t->format = sniff(p, len);
	return t->format == TRACEFILE_ORACLE_GENERAL ? oracle_feed(t, p, len, err) :
						       plain_feed(t, p, len, err);
}

/* The end of the input: a last line without newline, a truncated record. */
static int finish(struct tracefile *t, struct mv_error *err)
{
	int rc = 0;
	if (t->format == TRACEFILE_ORACLE_GENERAL && t->part_len)
		return mv_fail(err, -EINVAL, "%s:%llu: truncated record: %zu of %d bytes", t->name,
			       (unsigned long long)t->at + 1, t->part_len, TRACEFILE_RECORD);
	if (t->format != TRACEFILE_ORACLE_GENERAL && t->part_len)
		rc = plain_line(t, t->part_len, err);
	if (!rc && !t->n)
		rc = mv_fail(err, -EINVAL, "%s: no references (%s)", t->name,
			     t->format == TRACEFILE_ORACLE_GENERAL ? "no records of a nonzero size" :
								     "no page numbers");
	return rc;
}

static void reset(struct tracefile *t)
{
	t->ids = NULL;
	t->n = t->cap = 0;
	t->skipped = t->at = 0;
	t->part = NULL;
	t->part_len = t->part_cap = 0;
}

int tracefile_parse(struct tracefile *t, const void *buf, size_t len, struct mv_error *err)
{
	reset(t);
	int rc = feed(t, buf, len, err);
	return rc ? rc : finish(t, err);
}

int tracefile_read(struct tracefile *t, FILE *f, struct mv_error *err)
{
	char *chunk = malloc(TRACEFILE_CHUNK);
	size_t got;
	int rc = chunk ? 0 : mv_fail(err, -ENOMEM, "%s: out of memory", t->name);
	reset(t);
	while (!rc && (got = fread(chunk, 1, TRACEFILE_CHUNK, f)) > 0)
		rc = feed(t, chunk, got, err);
	if (!rc && ferror(f))
		rc = mv_fail_errno(err, "%s: read", t->name);
	free(chunk);
	return rc ? rc : finish(t, err);
}

void tracefile_free(struct tracefile *t)
{
	free(t->ids);
	free(t->part);
	reset(t);
}
