/*
 * traps.h: CPU setup (GDT, TSS, IDT, feature bits) and trap dispatch.
 *
 * Interface:
 *   cpu_init            loads the final GDT/TSS/IDT, turns on WP, NXE, PGE
 *   cpu_init_ap         the same on an AP, with its own GDT and TSS
 *   trap_set_handler    routes a vector to a handler; for exceptions the
 *                       handler decides, and calls oops() when it cannot fix
 *   oops                prints the Linux-like report and ends the VM
 */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <stdbool.h>
#include <compiler.h>
#include <asm/ptrace.h>

#define X86_TRAP_DE   0
#define X86_TRAP_NMI  2
#define X86_TRAP_BP   3
#define X86_TRAP_UD   6
#define X86_TRAP_DF   8
#define X86_TRAP_GP  13
#define X86_TRAP_PF  14
#define X86_TRAP_MC  18

/* #PF error code bits */
#define PF_PROT  (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER  (1u << 2)
#define PF_RSVD  (1u << 3)
#define PF_INSTR (1u << 4)
#define PF_PK    (1u << 5)

struct cpu_features {
	bool nx, pge, gbpages, apic, x2apic, hypervisor;
	uint32_t leaf1_edx;         /* CPUID.1:EDX, what exec gives programs as AT_HWCAP */
	char vendor[13];            /* CPUID.0, e.g. "GenuineIntel" */
	char model_name[49];        /* the brand string, CPUID.80000002-4 ("" if none) */
	unsigned family, model, stepping;
};
extern struct cpu_features cpu_has;

typedef void (*trap_handler_t)(struct pt_regs *regs);

/* The boot CPU: features, the shared IDT, CPU 0's GDT and TSS. */
void cpu_init(void);
/* Linux's /proc/cpuinfo "flags" words of cpu_has, space-separated. Returns buf. */
char *cpu_flags_string(char *buf, size_t n);
/* An AP, on itself: CPU @cpu's GDT and TSS (RSP0 and IST stacks given), the IDT, features. */
void cpu_init_ap(unsigned cpu, unsigned long stack_top, unsigned long df_top,
		 unsigned long nmi_top);
void trap_set_handler(unsigned vector, trap_handler_t fn);
/* The same for a vector handled without the kernel lock (klock.h): an IPI
 * the lock's holder may wait for. The handler takes no lock. */
void trap_set_lockless_handler(unsigned vector, trap_handler_t fn);
void trap_handle(struct pt_regs *regs);
void oops(struct pt_regs *regs, const char *why) __noreturn;
/* For an exception handler that could not resolve it: fixup or oops. */
void trap_unhandled(struct pt_regs *regs);

/* fault.c: the #PF handler and exceptions raised by user code (they raise a signal). */
void fault_init(void);
void fault_user_exception(struct pt_regs *regs, const char *what);

/* The last exception that an extable fixup absorbed (for self-tests). */
struct fixup_record {
	unsigned long vector, error_code, rip, cr2;
	unsigned long count;
};
extern struct fixup_record trap_last_fixup;

#endif
