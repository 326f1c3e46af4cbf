/*
 * fault.c: the #PF handler and the fate of user exceptions.
 *
 * A page fault is, in order: a CPL 3 `syscall` landing on LSTAR
 * (syscall.h); a user-space fault or a kernel uaccess fault on a user
 * address, resolved by uvm_fault and counted (minor, major, invalid, per
 * process and in vm_events); otherwise an exception-table fixup or an
 * oops. A user fault that cannot be resolved raises SIGSEGV (si_code
 * SEGV_MAPERR or SEGV_ACCERR, si_addr the address) in its process, or
 * SIGBUS (BUS_ADRERR) for a file page past the end of its file, as do
 * other exceptions raised in ring 3 (SIGILL, SIGFPE, SIGTRAP, SIGSEGV);
 * Linux's "segfault at" / "traps:" line is logged when no handler will
 * catch it.
 */
#include <sched.h>
#include <uvm.h>
#include <vmstat.h>
#include <oom_kill.h>
#include <syscall.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <initrd.h>
#include <string.h>
#include <asm/traps.h>
#include <asm/extable.h>
#include <asm/cpu.h>

#define ILL_ILLOPN 2
#define BUS_ADRERR 2
#define FPE_INTDIV 1

static void count_fault(struct task *t, enum uvm_fault_result r)
{
	count_vm_event(VM_PGFAULT);
	if (r == UVM_FAULT_MAJOR) {
		t->maj_flt++;
		count_vm_event(VM_PGMAJFAULT);
	} else if (r == UVM_FAULT_MINOR) {
		t->min_flt++;
	} else {
		t->inv_flt++;
		count_vm_event(VM_PGFAULT_INVALID);
	}
}

/* Linux's show_signal_msg: "comm[pid]: segfault at ADDR ip IP sp SP error E in file[base+len]". */
static void segfault_line(struct task *t, const struct pt_regs *regs, unsigned long addr)
{
	const struct vma *v = t->mm ? vma_lookup(&t->mm->vmas, regs->rip) : NULL;
	const char *file = v && v->file ? ((const struct inode *)v->file)->name : NULL;

	if (file && strrchr(file, '/'))
		file = strrchr(file, '/') + 1;
	if (file)
		pr_info("%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx in %s[%llx+%llx]\n",
			t->comm, t->pid, addr, regs->rip, regs->rsp, regs->error_code,
			file,
			(unsigned long long)v->start, (unsigned long long)(v->end - v->start));
	else
		pr_info("%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx\n", t->comm,
			t->pid, addr, regs->rip, regs->rsp, regs->error_code);
}

/* SIGSEGV for a user access to addr; the line when it will kill. */
static void user_segv(struct pt_regs *regs, unsigned long addr, int code)
{
	if (signal_unhandled(current, SIGSEGV))
		segfault_line(current, regs, addr);
	signal_force(current, SIGSEGV, code, addr);
}

static void page_fault(struct pt_regs *regs)
{
	unsigned long cr2 = read_cr2();
	bool user = regs->cs & 3;

	if (syscall_trap(regs, cr2))
		return;
	if (current->mm && cr2 < USER_TOP && (user || extable_has(regs->rip))) {
		enum uvm_fault_result r = uvm_fault(current->mm, cr2, regs->error_code);
		count_fault(current, r);
		if (r == UVM_FAULT_MINOR || r == UVM_FAULT_MAJOR)
			return;
		if (user && r == UVM_FAULT_OOM) {
			oom_kill_on_fault();    /* kills someone; the fault is retried */
			return;
		}
		if (user && r == UVM_FAULT_SIGBUS) {
			signal_force(current, SIGBUS, BUS_ADRERR, cr2);   /* past a file's end */
			return;
		}
		if (user) {
			user_segv(regs, cr2, r == UVM_FAULT_SEGV_ACCERR ? SEGV_ACCERR : SEGV_MAPERR);
			return;
		}
	} else if (user) {
		count_fault(current, UVM_FAULT_SEGV_MAPERR);
		user_segv(regs, cr2, SEGV_MAPERR);
		return;
	}
	trap_unhandled(regs);
}

/* Any other exception in ring 3: the signal (Linux's codes), with Linux's
 * "traps:" line when it will kill. */
void fault_user_exception(struct pt_regs *regs, const char *what)
{
	unsigned long v = regs->vector;
	int sig = v == X86_TRAP_UD ? SIGILL : v == X86_TRAP_DE ? SIGFPE
		  : v == X86_TRAP_BP ? SIGTRAP : SIGSEGV;
	int code = v == X86_TRAP_UD ? ILL_ILLOPN : v == X86_TRAP_DE ? FPE_INTDIV : SI_KERNEL;
	uint64_t addr = (v == X86_TRAP_UD || v == X86_TRAP_DE) ? regs->rip : 0;

	if (signal_unhandled(current, sig))
		pr_info("traps: %s[%d] %s ip:%lx sp:%lx error:%lx\n", current->comm, current->pid,
			what, regs->rip, regs->rsp, regs->error_code);
	signal_force(current, sig, code, addr);
}

void fault_init(void)
{
	trap_set_handler(X86_TRAP_PF, page_fault);
}
