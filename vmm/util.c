/*
 * util.c: logging to stderr prefixed with "memvisor: ", and the number
 * parsers the CLI shares, and mv_fail, which fills a struct mv_error. No
 * state but the verbosity flag.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mv_verbose;

static void vlog(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "memvisor: %s%s\n", prefix, line);
}

void mv_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void mv_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void mv_debug(const char *fmt, ...)
{
	va_list ap;
	if (!mv_verbose)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

int mv_vfail(struct mv_error *e, int code, const char *fmt, va_list ap)
{
	if (e) {
		e->code = code;
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	}
	return code;
}

int mv_vfail_errno(struct mv_error *e, int code, const char *fmt, va_list ap)
{
	if (e) {
		mv_vfail(e, code, fmt, ap);
		size_t used = strlen(e->msg);
		snprintf(e->msg + used, sizeof(e->msg) - used, ": %s", strerror(-code));
	}
	return code;
}

static int suffix_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K': return 10;
	case 'M': return 20;
	case 'G': return 30;
	case 'T': return 40;
	default:  return -1;
	}
}

int mv_parse_size(const char *s, uint64_t *out, struct mv_error *err)
{
	char *end;
	int shift = 0;

	if (!s || !*s || !isdigit((unsigned char)*s)) {
		return mv_fail(err, -EINVAL, "'%s' is not a size (expected e.g. 128M, 2G, 65536)",
			 s ? s : "");
	}
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return mv_fail(err, -ERANGE, "'%s' is too large", s);
	if (*end) {
		shift = suffix_shift(*end);
		bool tail_ok = end[1] == 0 || ((end[1] == 'i' || end[1] == 'B') &&
				(end[2] == 0 || (end[1] == 'i' && end[2] == 'B' && end[3] == 0)));
		if (shift < 0 || !tail_ok) {
			return mv_fail(err, -EINVAL, "'%s': unknown size suffix '%s' (use K, M, G or T)",
				 s, end);
		}
	}
	if (shift && v > (UINT64_MAX >> shift))
		return mv_fail(err, -ERANGE, "'%s' is too large", s);
	*out = (uint64_t)v << shift;
	return 0;
}

int mv_parse_seconds(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || v < 0 || v != v)
		return -EINVAL;
	*out = v;
	return 0;
}

const char *mv_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	for (int i = 3; i >= 0; i--) {
		uint64_t unit = 1ull << (10 * (i + 1));
		if (bytes >= unit && bytes % unit == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / unit), units[i]);
			return buf;
		}
	}
	if (bytes >= MiB)
		snprintf(buf, len, "%.1fM", (double)bytes / (double)MiB);
	else
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}

double mv_monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
