/*
 * traps.c: dispatch of every IDT vector, and the oops report.
 *
 * An exception first goes to its registered handler (if any), then to the
 * exception table fixups; anything left is an oops: a Linux-like report
 * (vector, error code, RIP as symbol, registers, CR2 with decoded #PF bits,
 * call trace) followed by machine_exit(EXIT_OOPS). Interrupt vectors go to
 * their handler; an unregistered one is reported once and ignored.
 */
#include <asm/traps.h>
#include <asm/cpu.h>
#include <asm/extable.h>
#include <printk.h>
#include <stacktrace.h>
#include <exit_status.h>
#include <sched.h>
#include <syscall.h>
#include <percpu.h>
#include <klock.h>

static trap_handler_t trap_handlers[256];
/* Vectors handled without the kernel lock (IPIs another CPU's holder waits for, NMI, #DF, #MC). */
static bool trap_lockless[256] = { [X86_TRAP_NMI] = true, [X86_TRAP_DF] = true,
				   [X86_TRAP_MC] = true };
static int oops_count;
struct fixup_record trap_last_fixup;

static const char *const trap_names[32] = {
	"divide error", "debug", "NMI", "int3", "overflow", "bounds",
	"invalid opcode", "device not available", "double fault",
	"coprocessor segment overrun", "invalid TSS", "segment not present",
	"stack segment", "general protection fault", "page fault", "reserved",
	"x87 floating point error", "alignment check", "machine check",
	"SIMD floating point error", "virtualization exception",
	"control protection fault", "reserved", "reserved", "reserved",
	"reserved", "reserved", "reserved", "hypervisor injection",
	"VMM communication", "security exception", "reserved",
};

void trap_set_handler(unsigned vector, trap_handler_t fn)
{
	if (vector < 256)
		trap_handlers[vector] = fn;
}

void trap_set_lockless_handler(unsigned vector, trap_handler_t fn)
{
	if (vector < 256) {
		trap_handlers[vector] = fn;
		trap_lockless[vector] = true;
	}
}

static const char *pf_reason(unsigned long err)
{
	if (err & PF_RSVD)
		return "reserved bit violation";
	if (err & PF_PK)
		return "protection keys violation";
	return (err & PF_PROT) ? "permissions violation" : "not-present page";
}

static void oops_page_fault(const struct pt_regs *regs, unsigned long cr2)
{
	unsigned long err = regs->error_code;
	const char *access = (err & PF_INSTR) ? "instruction fetch"
			     : (err & PF_WRITE) ? "write access" : "read access";

	pr_emerg("BUG: unable to handle page fault for address: %016lx\n", cr2);
	pr_emerg("#PF: %s %s in %s mode\n", (err & PF_USER) ? "user" : "supervisor",
		 access, (regs->cs & 3) ? "user" : "kernel");
	pr_emerg("#PF: error_code(0x%04lx) - %s\n", err, pf_reason(err));
}

static void show_regs(const struct pt_regs *r, unsigned long cr2)
{
	pr_emerg("RIP: %04lx:%pS\n", r->cs, (void *)r->rip);
	pr_emerg("RSP: %04lx:%016lx EFLAGS: %08lx\n", r->ss, r->rsp, r->rflags);
	pr_emerg("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	pr_emerg("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	pr_emerg("RBP: %016lx R08: %016lx R09: %016lx\n", r->rbp, r->r8, r->r9);
	pr_emerg("R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	pr_emerg("R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
	pr_emerg("CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n",
		 read_cr0(), cr2, read_cr3(), read_cr4());
}

/* Linux's "Code:" line: bytes around RIP, the faulting one in <>. */
static void show_code(unsigned long rip)
{
	char line[16 * 3 * 2 + 16];
	size_t len = 0;

	for (unsigned long a = rip - 16; a < rip + 16; a++) {
		uint8_t b;
		if (probe_read_u8((const volatile uint8_t *)a, &b))
			len += (size_t)snprintf(line + len, sizeof(line) - len, a == rip ? "<--> " : "-- ");
		else
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						a == rip ? "<%02x> " : "%02x ", b);
	}
	pr_emerg("Code: %s\n", line);
}

void oops(struct pt_regs *regs, const char *why)
{
	unsigned long cr2 = read_cr2();
	unsigned long v = regs->vector;

	irq_disable();
	if (oops_count++)       /* an oops while reporting one: just stop */
		machine_exit(EXIT_OOPS);
	if (v == X86_TRAP_DF && stack_guard_hit(cr2)) {
		pr_emerg("BUG: stack guard page was hit at %016lx\n", cr2);
		why = "kernel stack overflow (double fault)";
	} else if (v == X86_TRAP_PF) {
		oops_page_fault(regs, cr2);
	}
	pr_emerg("Oops: %s: %04lx [#%d]\n", why, regs->error_code, oops_count);
	pr_emerg("CPU: %u vector: %lu (%s) error_code: 0x%lx\n", smp_processor_id(), v,
		 v < 32 ? trap_names[v] : "interrupt", regs->error_code);
	show_regs(regs, cr2);
	show_code(regs->rip);
	show_trace(regs->rbp);
	pr_emerg("---[ end trace ]---\n");
	pr_emerg("Kernel panic - not syncing: Fatal exception (exit status %d)\n", EXIT_OOPS);
	machine_exit(EXIT_OOPS);
}

static bool trap_try_fixup(struct pt_regs *regs)
{
	unsigned long v = regs->vector;

	if (v == X86_TRAP_NMI || v == X86_TRAP_DF || v == X86_TRAP_MC)
		return false;
	unsigned long rip = regs->rip;
	if (!extable_fixup(regs))
		return false;
	trap_last_fixup.vector = v;
	trap_last_fixup.error_code = regs->error_code;
	trap_last_fixup.rip = rip;
	trap_last_fixup.cr2 = v == X86_TRAP_PF ? read_cr2() : 0;
	trap_last_fixup.count++;
	return true;
}

void trap_unhandled(struct pt_regs *regs)
{
	if (!trap_try_fixup(regs))
		oops(regs, trap_names[regs->vector]);
}

static void trap_exception(struct pt_regs *regs)
{
	trap_handler_t fn = trap_handlers[regs->vector];

	if (fn) {
		fn(regs);
		return;
	}
	if ((regs->cs & 3) && regs->vector != X86_TRAP_DF && regs->vector != X86_TRAP_MC &&
	    regs->vector != X86_TRAP_NMI) {
		fault_user_exception(regs, trap_names[regs->vector]);
		return;
	}
	trap_unhandled(regs);
}

static void trap_interrupt(struct pt_regs *regs)
{
	static bool reported[256];
	trap_handler_t fn = trap_handlers[regs->vector];

	if (fn) {
		fn(regs);
	} else if (!reported[regs->vector]) {
		reported[regs->vector] = true;
		pr_warn("traps: unexpected interrupt vector 0x%lx, ignored\n", regs->vector);
	}
}

static void trap_dispatch(struct pt_regs *regs)
{
	if (regs->vector == SYSCALL_VECTOR)
		syscall_dispatch(regs);
	else if (regs->vector < 32)
		trap_exception(regs);
	else
		trap_interrupt(regs);
}

/*
 * Called from entry.S with the saved frame (an exception, an interrupt or
 * a native system call); returns to the interrupted code. Runs under the
 * kernel lock but for the lockless vectors. On the way back to user mode
 * the scheduler may switch tasks or end this one.
 */
void trap_handle(struct pt_regs *regs)
{
	if (regs->vector < 256 && trap_lockless[regs->vector]) {
		trap_dispatch(regs);
		return;
	}
	kernel_lock();
	trap_dispatch(regs);
	if (regs->cs & 3)
		sched_return_to_user(regs);
	kernel_unlock();
}
