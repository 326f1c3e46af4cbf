/*
 * printk.c: leveled kernel log to the serial console.
 *
 * Each call formats into a stack buffer and writes it with interrupts
 * masked, so lines from interrupt handlers never interleave mid-message.
 * A message without a level gets LOGLEVEL_DEFAULT; KERN_CONT continues the
 * previous line at its level.
 *
 * Every message, printed or not, is also appended to printk_log_buf, a
 * circular buffer the VMM can read through the symbol table (dmesg from a
 * snapshot or a hung guest): byte i of the log lives at i % PRINTK_LOG_SIZE
 * and printk_log_len counts every byte ever logged.
 */
#include <printk.h>
#include <uart.h>
#include <asm/cpu.h>

#define PRINTK_LINE_MAX 512


char printk_log_buf[PRINTK_LOG_SIZE];
unsigned long printk_log_len;   /* under interrupts masked (single CPU) */

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

static void log_store(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		printk_log_buf[(printk_log_len + i) % PRINTK_LOG_SIZE] = s[i];
	printk_log_len += len;
}

int vprintk(const char *fmt, va_list ap)
{
	char line[PRINTK_LINE_MAX];
	int level = printk_level(&fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	last_level = level;
	unsigned long flags = read_flags();
	irq_disable();
	log_store(line, len);
	if (level < console_loglevel)
		uart_write(line, len);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
	return n;
}

void printk_raw(const char *s, size_t len)
{
	unsigned long flags = read_flags();

	irq_disable();
	log_store(s, len);
	uart_write(s, len);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
