/*
 * ksyms.c: address -> function name lookups over the generated table
 * (ksyms_addrs sorted ascending, names in ksyms_names at ksyms_name_offs).
 * The table is empty in the first link pass; lookups then return NULL.
 */
#include <ksyms.h>
#include <printk.h>
#include <string.h>

extern const unsigned long ksyms_count;
extern const unsigned long ksyms_addrs[];
extern const unsigned ksyms_name_offs[];
extern const char ksyms_names[];
extern const char _text[], _etext[];

/* Index of the last symbol at or below addr, or -1. */
static long ksyms_find(unsigned long addr)
{
	long lo = 0, hi = (long)ksyms_count - 1, found = -1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		if (ksyms_addrs[mid] <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

const char *ksyms_lookup(unsigned long addr, unsigned long *offset, unsigned long *size)
{
	if (addr < (unsigned long)_text || addr >= (unsigned long)_etext)
		return NULL;
	long i = ksyms_find(addr);
	if (i < 0)
		return NULL;
	unsigned long end = (unsigned long)i + 1 < ksyms_count ? ksyms_addrs[i + 1]
							     : (unsigned long)_etext;
	*offset = addr - ksyms_addrs[i];
	*size = end - ksyms_addrs[i];
	return ksyms_names + ksyms_name_offs[i];
}

void ksyms_format(unsigned long addr, char *buf, size_t len)
{
	unsigned long off, size;
	const char *name = ksyms_lookup(addr, &off, &size);

	if (name)
		snprintf(buf, len, "%s+0x%lx/0x%lx", name, off, size);
	else
		snprintf(buf, len, "0x%016lx", addr);
}

unsigned long ksyms_address(const char *name)
{
	for (unsigned long i = 0; i < ksyms_count; i++)
		if (!strcmp(ksyms_names + ksyms_name_offs[i], name))
			return ksyms_addrs[i];
	return 0;
}
