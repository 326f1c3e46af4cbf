/*
 * stacktrace.c: walks the rbp chain ([rbp] = caller's rbp, [rbp+8] =
 * return address) and prints function names from the ksyms table.
 * Only frames inside a known kernel stack are followed, so a corrupt chain
 * ends the trace instead of faulting inside an oops.
 */
#include <stacktrace.h>
#include <printk.h>
#include <asm/layout.h>

#define TRACE_MAX_FRAMES 4096  /* frames walked; repeats are folded */

extern char boot_stack[], kstacks_end[], guard_boot[], guard_df[], guard_nmi[];

bool stack_contains(unsigned long addr, unsigned long len)
{
	/* The stacks region: boot stack, then guard+#DF stack, guard+NMI stack. */
	return addr >= (unsigned long)boot_stack &&
	       addr + len <= (unsigned long)kstacks_end && addr + len > addr;
}

/* Prints one frame, or folds it into a run of identical return addresses. */
static void trace_frame(unsigned long ret, unsigned long *last, unsigned long *repeats)
{
	if (ret == *last) {
		(*repeats)++;
		return;
	}
	if (*repeats)
		printk(KERN_EMERG " ... %lu more of the frame above\n", *repeats);
	*repeats = 0;
	*last = ret;
	printk(KERN_EMERG " %pS\n", (void *)ret);
}

void show_trace(unsigned long rbp)
{
	unsigned long last = 0, repeats = 0;

	printk(KERN_EMERG "Call Trace:\n");
	for (int i = 0; i < TRACE_MAX_FRAMES; i++) {
		if (!rbp || (rbp & 7) || !stack_contains(rbp, 16))
			break;
		const unsigned long *frame = (const unsigned long *)rbp;
		if (!frame[1])
			break;
		trace_frame(frame[1], &last, &repeats);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	if (repeats)
		printk(KERN_EMERG " ... %lu more of the frame above\n", repeats);
}

bool stack_guard_hit(unsigned long addr)
{
	const char *guards[] = { guard_boot, guard_df, guard_nmi };

	for (unsigned i = 0; i < 3; i++)
		if (addr >= (unsigned long)guards[i] && addr < (unsigned long)guards[i] + PAGE_SIZE)
			return true;
	return false;
}

void dump_stack(void)
{
	show_trace((unsigned long)__builtin_frame_address(0));
}
