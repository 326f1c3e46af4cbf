/*
 * util.h: small host helpers every VMM file uses: logging with the program
 * name, the error type every fallible function fills, size parsing, and the
 * exit statuses memvisor documents.
 */
#ifndef VMM_UTIL_H
#define VMM_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses of `memvisor run` that are not the guest's own value. */
#define MV_EXIT_USAGE        2   /* bad options or input files */
#define MV_EXIT_TRIPLE_FAULT 121 /* guest shutdown (triple fault) */
#define MV_EXIT_KVM_ERROR    122 /* KVM internal error, failed entry, unknown exit */
#define MV_EXIT_HOST_ERROR   123 /* host failure: no /dev/kvm, out of memory, I/O */
#define MV_EXIT_TIMEOUT      124 /* --timeout fired (as timeout(1)) */

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

extern int mv_verbose;

/*
 * The one error convention of vmm/: a function that can fail returns 0 (or a
 * count) on success and a negative errno on failure, and says why in the
 * struct mv_error its caller passed (last argument, may be NULL). Only the
 * command files (vmm/cmd/) turn a failure into an exit status.
 */
struct mv_error {
	int code;      /* negative errno of the failure, 0 when none */
	char msg[512]; /* one line naming what went wrong, no trailing newline */
};

/* errno as a failure's code: -errno, or -EIO when errno says nothing. */
static inline int mv_errno(void)
{
	int e = errno;
	return e > 0 ? -e : -EIO;
}

/* Records code and the formatted message in e (if non-NULL); returns code. */
int mv_vfail_errno(struct mv_error *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

int mv_vfail(struct mv_error *e, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* The same with printf arguments. In the header so that the compiler sees
 * that it returns code (clang's analyser does not follow variadic calls). */
static inline __attribute__((format(printf, 3, 4)))
int mv_fail(struct mv_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mv_vfail(e, code, fmt, ap);
	va_end(ap);
	return code;
}

/* A failed system call: records mv_errno() and the message followed by
 * ": " and errno's text; returns the code. */
static inline __attribute__((format(printf, 2, 3)))
int mv_fail_errno(struct mv_error *e, const char *fmt, ...)
{
	int code = mv_errno();
	va_list ap;
	va_start(ap, fmt);
	mv_vfail_errno(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void mv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mv_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mv_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parses "128M", "64K", "2G", "4096" (bytes), "1T" into *out.
 * Returns 0, or -EINVAL (-ERANGE on overflow) with a message in err for:
 * empty, negative, unknown suffix, trailing junk, overflow.
 */
int mv_parse_size(const char *s, uint64_t *out, struct mv_error *err);

/* Parses a non-negative decimal number of seconds, fractions allowed.
 * Returns 0 or -EINVAL. */
int mv_parse_seconds(const char *s, double *out);
/* Bit i of a byte-array bitmap (bit 0 is byte 0's lowest): page maps of RAM. */
static inline bool mv_bit(const uint8_t *map, uint64_t i)
{
	return (map[i / 8] >> (i % 8)) & 1;
}

/* Seconds on CLOCK_MONOTONIC, for durations and deadlines. */
double mv_monotonic_seconds(void);

/* Formats bytes as "128M", "5G", "4K" or "123" when exact; else "1.5M". */
const char *mv_format_size(uint64_t bytes, char *buf, size_t len);

#endif
