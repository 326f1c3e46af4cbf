/*
 * trampoline.S: where an AP starts (asm/smp.h). Never run in place: the
 * boot CPU copies trampoline_start..trampoline_end to TRAMPOLINE_PHYS and
 * the STARTUP IPI starts the AP at its first byte in real mode, CS =
 * TRAMPOLINE_PHYS >> 4, IP = 0. Addresses in the copy are T(label).
 *
 * Then: flat 32-bit protected mode, PAE, CR3 = trampoline_data.cr3, EFER,
 * paging (long mode), a 64-bit far jump, and on to ap_start64 (kernel
 * text) with rsp = trampoline_data.stack and rdi = trampoline_data.cpu.
 */
#include <asm/smp.h>

#define T(x) (TRAMPOLINE_PHYS + (x) - trampoline_start)
#define TR_CS32 0x08
#define TR_DS   0x10
#define TR_CS64 0x18

	.section .rodata
	.balign 16
	.globl trampoline_start
	.code16
trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tr_gdt_desc - trampoline_start
	mov %cr0, %eax
	or $1, %eax                     /* CR0.PE */
	mov %eax, %cr0
	ljmpl $TR_CS32, $T(tr_protected)

	.code32
tr_protected:
	mov $TR_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %cr4, %eax
	or $0x20, %eax                  /* CR4.PAE */
	mov %eax, %cr4
	mov T(tr_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx           /* EFER: LME (NXE, SCE as the boot CPU) */
	mov T(tr_efer), %eax
	xor %edx, %edx
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax            /* CR0.PG | CR0.PE */
	mov %eax, %cr0
	ljmpl $TR_CS64, $T(tr_long)

	.code64
tr_long:
	mov T(tr_stack), %rsp
	mov T(tr_cpu), %rdi
	mov T(tr_entry), %rax
	jmp *%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
tr_gdt_end:
tr_gdt_desc:
	.word tr_gdt_end - tr_gdt - 1
	.long T(tr_gdt)

	.balign 8
	.globl trampoline_data          /* struct trampoline_data */
trampoline_data:
tr_cr3:		.long 0
tr_efer:	.long 0
tr_entry:	.quad 0
tr_stack:	.quad 0
tr_cpu:		.quad 0
	.globl trampoline_end
trampoline_end:

/* In the kernel image, on the trampoline's tables: rdi = CPU index. */
	.text
	.globl ap_start64
ap_start64:
	xor %ebp, %ebp                  /* ends every backtrace */
	call smp_ap_main
1:	cli
	hlt
	jmp 1b
