/*
 * fault.c: the #PF handler and the fate of user exceptions.
 *
 * A page fault is, in order: a CPL 3 `syscall` landing on LSTAR
 * (syscall.h); a user-space fault or a kernel uaccess fault on a user
 * address, resolved by uvm_fault and counted (minor, major, invalid, per
 * process and in vm_events); otherwise an exception-table fixup or an
 * oops. A user fault that cannot be resolved kills only its process, with
 * Linux's "segfault at" line; so do other exceptions raised in ring 3.
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

#define SIGILL  4
#define SIGTRAP 5
#define SIGFPE  8

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
		if (user) {
			segfault_line(current, regs, cr2);
			task_exit(SIGSEGV);
		}
	} else if (user) {
		count_fault(current, UVM_FAULT_SEGV_MAPERR);
		segfault_line(current, regs, cr2);
		task_exit(SIGSEGV);
	}
	trap_unhandled(regs);
}

/* Any other exception in ring 3: Linux's "traps:" line, then the signal. */
void fault_user_exception(struct pt_regs *regs, const char *what)
{
	int sig = regs->vector == X86_TRAP_UD ? SIGILL : regs->vector == X86_TRAP_DE ? SIGFPE
		  : regs->vector == X86_TRAP_BP ? SIGTRAP : SIGSEGV;

	pr_info("traps: %s[%d] %s ip:%lx sp:%lx error:%lx\n", current->comm, current->pid,
		what, regs->rip, regs->rsp, regs->error_code);
	task_exit(sig);
}

void fault_init(void)
{
	trap_set_handler(X86_TRAP_PF, page_fault);
}
