/*
 * crash.c: crash=KIND triggers one kind of fatal kernel error on purpose,
 * so tests can check the oops report and the exit status:
 *   pf     write to an unmapped kernel address     -> oops (page fault)
 *   ud     ud2                                     -> oops (invalid opcode)
 *   gp     load a non-canonical address           -> oops (general protection)
 *   df     unbounded recursion into the stack guard -> double fault on IST
 *   panic  panic()
 */
#include <crash.h>
#include <printk.h>
#include <string.h>

static void __attribute__((noinline)) crash_pf(void)
{
	*(volatile unsigned long *)0xffffc90000000000ull = 1;
}

static void __attribute__((noinline)) crash_ud(void)
{
	__asm__ __volatile__("ud2");
}

static void __attribute__((noinline)) crash_gp(void)
{
	(void)*(volatile unsigned long *)0x8000000000000000ull;
}

/* Each frame keeps a live 256-byte buffer, so the stack really grows. */
static unsigned long __attribute__((noinline)) crash_recurse(unsigned long n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n > (1ul << 40))   /* never: the guard page stops us first */
		return n;
	return crash_recurse(n + 1) + (unsigned char)pad[0];
}

void crash_trigger(const char *kind)
{
	pr_emerg("crash: triggering %s\n", kind);
	if (!strcmp(kind, "pf"))
		crash_pf();
	else if (!strcmp(kind, "ud"))
		crash_ud();
	else if (!strcmp(kind, "gp"))
		crash_gp();
	else if (!strcmp(kind, "df"))
		crash_recurse(0);
	else if (!strcmp(kind, "panic"))
		panic("crash=panic requested");
	pr_err("crash: unknown kind \"%s\" (pf|ud|gp|df|panic)\n", kind);
}
