/*
 * printk.h: kernel logging, formatting and panic.
 *
 * A message may start with a level (KERN_ERR "..."), Linux style; lines
 * with a level above the console loglevel are not printed. The default
 * level is KERN_INFO's.
 */
#ifndef GUEST_PRINTK_H
#define GUEST_PRINTK_H

#include <stdarg.h>
#include <compiler.h>

#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_CONT    KERN_SOH "c"

#define LOGLEVEL_DEFAULT 6      /* KERN_INFO */
#define CONSOLE_LOGLEVEL_DEFAULT 7  /* print everything but debug */

/* The log of every message, circular (see printk.c); read by the VMM. */
#define PRINTK_LOG_SIZE (16 * 1024)
extern char printk_log_buf[];
extern unsigned long printk_log_len;
extern unsigned long printk_log_len;

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
void printk_set_console_loglevel(int level);
/* Writes bytes as they are (user output): to the console and the log. */
void printk_raw(const char *s, size_t len);

/* Formatting (vsprintf.c). %pS prints symbol+offset/size of a kernel address. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Prints a message and the call trace, then ends the VM with EXIT_PANIC. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

/* Ends the VM through the debug-exit port with @status (exit_status.h). */
void machine_exit(int status) __noreturn;

#define pr_emerg(fmt, ...)  printk(KERN_EMERG fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)    printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)   printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  printk(KERN_DEBUG fmt, ##__VA_ARGS__)
#define pr_cont(fmt, ...)   printk(KERN_CONT fmt, ##__VA_ARGS__)

#endif
