/*
 * printk.c: leveled kernel log to the serial console.
 *
 * Each call formats into a stack buffer and writes it with interrupts
 * masked, so lines from interrupt handlers never interleave mid-message.
 * A message without a level gets LOGLEVEL_DEFAULT; KERN_CONT continues the
 * previous line at its level.
 */
#include <printk.h>
#include <uart.h>
#include <asm/cpu.h>

#define PRINTK_LINE_MAX 512

static int console_loglevel = CONSOLE_LOGLEVEL_DEFAULT;
static int last_level = LOGLEVEL_DEFAULT;  /* level of the current line */

void printk_set_console_loglevel(int level)
{
	console_loglevel = level;
}

/* Strips a KERN_* prefix; returns the level (or the previous for KERN_CONT). */
static int printk_level(const char **fmt)
{
	const char *f = *fmt;

	if (f[0] != KERN_SOH[0] || !f[1])
		return LOGLEVEL_DEFAULT;
	*fmt = f + 2;
	if (f[1] == 'c')
		return last_level;
	if (f[1] >= '0' && f[1] <= '7')
		return f[1] - '0';
	return LOGLEVEL_DEFAULT;
}

int vprintk(const char *fmt, va_list ap)
{
	char line[PRINTK_LINE_MAX];
	int level = printk_level(&fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	last_level = level;
	if (level >= console_loglevel)
		return n;
	unsigned long flags = read_flags();
	irq_disable();
	uart_write(line, len);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
