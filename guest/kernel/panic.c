/*
 * panic.c: panic() and machine_exit(), the two ways the kernel ends.
 * A panic while panicking exits at once rather than recursing.
 */
#include <printk.h>
#include <stacktrace.h>
#include <exit_status.h>
#include <asm/cpu.h>

static int panic_depth;

void machine_exit(int status)
{
	irq_disable();
	outl(EXIT_PORT, (uint32_t)status);
	for (;;)   /* no exit device: stop here */
		__asm__ __volatile__("hlt");
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	irq_disable();
	if (panic_depth++)
		machine_exit(EXIT_PANIC);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", msg);
	dump_stack();
	printk(KERN_EMERG "---[ end Kernel panic - not syncing: %s ]---\n", msg);
	machine_exit(EXIT_PANIC);
}
