/*
 * extable.c: exception table lookups and the probe helpers built on it.
 * Entries come from EXTABLE_ENTRY() in inline assembly, collected by the
 * linker between __ex_table_start and __ex_table_end (unsorted, few).
 */
#include <asm/extable.h>
#include <asm/ptrace.h>

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

bool extable_fixup(struct pt_regs *regs)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			return true;
		}
	}
	return false;
}

bool extable_has(uint64_t rip)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++)
		if (e->insn == rip)
			return true;
	return false;
}

int probe_write_u8(volatile uint8_t *addr, uint8_t v)
{
	int err = 0;

	__asm__ __volatile__(
		"1: movb %2, %1\n\t"
		"jmp 3f\n"
		"2: movl $-1, %0\n"
		"3:\n\t"
		EXTABLE_ENTRY(1b, 2b)
		: "+r"(err), "=m"(*addr) : "q"(v) : "memory");
	return err;
}

int probe_read_u8(const volatile uint8_t *addr, uint8_t *v)
{
	int err = 0;
	uint8_t x = 0;

	__asm__ __volatile__(
		"1: movb %2, %1\n\t"
		"jmp 3f\n"
		"2: movl $-1, %0\n"
		"3:\n\t"
		EXTABLE_ENTRY(1b, 2b)
		: "+r"(err), "+q"(x) : "m"(*addr) : "memory");
	*v = x;
	return err;
}
