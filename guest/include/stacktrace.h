/*
 * stacktrace.h: frame-pointer backtraces (the kernel is built with
 * -fno-omit-frame-pointer; the boot entry zeroes rbp to end the chain).
 */
#ifndef GUEST_STACKTRACE_H
#define GUEST_STACKTRACE_H

#include <stdbool.h>

/* Prints " func+0x../0x.." per frame, starting from frame pointer rbp. */
void show_trace(unsigned long rbp);
/* Prints the trace of the caller. */
void dump_stack(void);
/* True when [addr, addr+len) lies inside a kernel stack. */
bool stack_contains(unsigned long addr, unsigned long len);
/* True when addr lies in the guard page below a kernel stack. */
bool stack_guard_hit(unsigned long addr);

#endif
