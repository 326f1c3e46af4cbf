/*
 * libsize.c: parse_size (size.h), shared by the workloads that take sizes.
 */
#include "size.h"

#include <stdlib.h>

int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	}
	if (*end)
		return -1;
	*out = (size_t)v;
	return 0;
}
