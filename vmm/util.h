/*
 * util.h: small host helpers every VMM file uses: logging with the program
 * name, size parsing, and the exit statuses memvisor documents.
 */
#ifndef VMM_UTIL_H
#define VMM_UTIL_H

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

void mv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mv_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mv_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parses "128M", "64K", "2G", "4096" (bytes), "1T" into *out.
 * Returns 0, or -1 with a message in err (size errlen) for anything else:
 * empty, negative, unknown suffix, trailing junk, overflow.
 */
int mv_parse_size(const char *s, uint64_t *out, char *err, size_t errlen);

/* Parses a non-negative decimal number of seconds, fractions allowed. */
int mv_parse_seconds(const char *s, double *out);

/* Formats bytes as "128M", "5G", "4K" or "123" when exact; else "1.5M". */
const char *mv_format_size(uint64_t bytes, char *buf, size_t len);

#endif
