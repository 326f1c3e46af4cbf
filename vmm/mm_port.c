/*
 * mm_port.c: memvisor's implementation of mm/include/mm_port.h.
 *
 * memvisor links only the mm/ files that simulate page replacement
 * (policy*.c, opt.c; VMM_MM_SRCS in the Makefile) for `memvisor opt`.
 * They map no memory and take no locks: of the port they need only
 * mm_panic, so that is all this host implements. Linking another mm/ file
 * that needs more of the port fails at link time, which is where to add
 * it. The unit tests link their own port instead (tests/unit/port_host.c:
 * simulated physical memory, failure injection, a captured log).
 */
#include "mm_port.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant of mm/: says which, then ends the program. */
void mm_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("memvisor: mm panic: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}
