/*
 * ptrace.h: the register frame entry.S builds for every trap and interrupt.
 * Field order matches the push order in entry.S (lowest address first).
 */
#ifndef ASM_PTRACE_H
#define ASM_PTRACE_H

#include <stdint.h>

struct pt_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;     /* pushed by the stub (or the CPU) */
	uint64_t rip, cs, rflags, rsp, ss; /* the hardware frame */
};

#endif
