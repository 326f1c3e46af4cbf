/*
 * size.h: sizes on workload command lines: a number (decimal, or 0x hex)
 * with an optional K, M or G suffix (powers of 1024).
 */
#ifndef USER_SIZE_H
#define USER_SIZE_H

#include <stddef.h>

/* Returns 0 with the size in bytes in *out, or -1 for anything else. */
int parse_size(const char *s, size_t *out);

#endif
