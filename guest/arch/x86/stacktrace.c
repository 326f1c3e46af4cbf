/*
 * stacktrace.c: walks the rbp chain ([rbp] = caller's rbp, [rbp+8] =
 * return address) and prints function names from the ksyms table.
 * Only frames inside a known kernel stack are followed, so a corrupt chain
 * ends the trace instead of faulting inside an oops.
 */
#include <stacktrace.h>
#include <printk.h>
#include <asm/layout.h>

#define TRACE_MAX_FRAMES 32

extern char boot_stack[], kstacks_end[];

bool stack_contains(unsigned long addr, unsigned long len)
{
	/* The stacks region: boot stack, then guard+#DF stack, guard+NMI stack. */
	return addr >= (unsigned long)boot_stack &&
	       addr + len <= (unsigned long)kstacks_end && addr + len > addr;
}

void show_trace(unsigned long rbp)
{
	printk(KERN_EMERG "Call Trace:\n");
	for (int i = 0; i < TRACE_MAX_FRAMES; i++) {
		if (!rbp || (rbp & 7) || !stack_contains(rbp, 16))
			break;
		const unsigned long *frame = (const unsigned long *)rbp;
		unsigned long ret = frame[1];
		if (!ret)
			break;
		printk(KERN_EMERG " %pS\n", (void *)ret);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void dump_stack(void)
{
	show_trace((unsigned long)__builtin_frame_address(0));
}
