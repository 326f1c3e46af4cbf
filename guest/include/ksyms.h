/*
 * ksyms.h: the kernel's own symbol table (function names), generated from
 * `nm -n` of a first link and linked into the final image (guest.mk).
 */
#ifndef GUEST_KSYMS_H
#define GUEST_KSYMS_H

#include <stddef.h>

/*
 * Finds the function containing addr. Returns its name and sets *offset
 * and *size, or returns NULL when addr is outside the kernel text.
 */
const char *ksyms_lookup(unsigned long addr, unsigned long *offset, unsigned long *size);

/* Writes "name+0xoff/0xsize" (or the bare hex address) into buf. */
void ksyms_format(unsigned long addr, char *buf, size_t len);

/* Address of a function by name, or 0. */
unsigned long ksyms_address(const char *name);

#endif
