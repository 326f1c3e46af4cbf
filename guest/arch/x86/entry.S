/*
 * entry.S: one stub per IDT vector (256, 16 bytes apart from trap_stubs),
 * and the common path that saves all registers as a struct pt_regs, calls
 * trap_handle(regs) and returns with iretq.
 *
 * Invariant: every stub leaves the stack as
 *   [pt_regs GPRs][vector][error code][hardware iret frame]
 * pushing a zero error code for vectors where the CPU pushes none.
 *
 * GS: an entry from ring 3 (the saved CS has RPL 3) swaps in the kernel's
 * GS base (swapgs) before anything else, and the way back swaps the
 * user's in with interrupts masked, just before iretq (percpu.h).
 *
 * Also here: syscall_entry (the native `syscall` path, which builds the
 * same frame with vector SYSCALL_VECTOR on the task's kernel stack and
 * leaves through trap_return's iretq), switch_to and the first-run
 * trampolines of new tasks (sched.h).
 */
#include <asm/layout.h>
#include <percpu.h>

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		    (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if !HAS_ERR(vec)
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	testb $3, 24(%rsp)              /* the saved CS: from ring 3? */
	jz trap_save
	swapgs
trap_save:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	mov %rsp, %rdi
	call trap_handle
	.globl trap_return
trap_return:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	add $16, %rsp                   /* vector and error code */
	testb $3, 8(%rsp)               /* back to ring 3? */
	jz 1f
	cli                             /* no interrupt with the user's GS */
	swapgs
1:	iretq

/*
 * Native system call, at CPL 0 with interrupts masked (SFMASK): RCX = user
 * RIP, R11 = user RFLAGS, RSP still the user's. swapgs reaches this CPU's
 * area, which holds the current task's stack top and a scratch word.
 */
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:PERCPU_USER_RSP
	mov %gs:PERCPU_KSTACK_TOP, %rsp
	pushq $GDT_USER_DS
	pushq %gs:PERCPU_USER_RSP
	pushq %r11
	pushq $GDT_USER_CS
	pushq %rcx
	pushq $0                        /* error code */
	pushq $0x100                    /* SYSCALL_VECTOR */
	jmp trap_save

/* void switch_to(unsigned long *prev_ksp, unsigned long next_ksp) */
	.globl switch_to
switch_to:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* First run of a user task: its user frame is at the stack pointer; the
 * kernel lock schedule() handed it is dropped on the way out (klock.h). */
	.globl ret_to_user
ret_to_user:
	call kernel_unlock
	jmp trap_return

/* First run of a kernel thread: fn in r12, arg in r13. */
	.globl kthread_entry
kthread_entry:
	mov %r12, %rdi
	mov %r13, %rsi
	xor %ebp, %ebp
	call kthread_main
	ud2
