/*
 * extable.h: exception fixups. An instruction listed in the __ex_table
 * section may fault; the trap handler then resumes at its fixup address
 * instead of oopsing (Linux's _ASM_EXTABLE, simplified).
 */
#ifndef ASM_EXTABLE_H
#define ASM_EXTABLE_H

#include <stdint.h>
#include <stdbool.h>

struct pt_regs;

struct extable_entry {
	uint64_t insn;   /* address of the instruction that may fault */
	uint64_t fixup;  /* where to continue when it does */
};

#define EXTABLE_ENTRY(insn, fixup)                          \
	".pushsection __ex_table, \"a\"\n\t"                \
	".balign 8\n\t"                                     \
	".quad " #insn ", " #fixup "\n\t"                   \
	".popsection\n\t"

/* If regs->rip has a fixup, moves regs->rip there and returns true. */
bool extable_fixup(struct pt_regs *regs);
/* Whether the instruction at rip has a fixup (a uaccess or probe). */
bool extable_has(uint64_t rip);

/*
 * Writes one byte to addr, catching a fault. Returns 0 on success, -1 when
 * the write faulted.
 */
int probe_write_u8(volatile uint8_t *addr, uint8_t v);
/* Reads one byte; returns 0 and stores it, or -1 when the read faulted. */
int probe_read_u8(const volatile uint8_t *addr, uint8_t *v);

#endif
