/*
 * head.S: PVH entry. The loader starts us in 32-bit flat protected mode,
 * paging off, at the physical address in the Xen PHYS32_ENTRY note, with
 * EBX = physical address of hvm_start_info.
 *
 * We clear .bss (which includes the boot page tables and stacks), build
 * boot page tables, enable PAE + long mode + paging, jump to the kernel's
 * link address and call kernel_main(start_info_phys).
 *
 * Boot tables (one 2 MiB-page PD for the first 1 GiB, BOOT_MAP_LIMIT), used
 * only until paging_init() switches to the final tables and frees them:
 *   PML4[0]   identity          0 .. 1 GiB
 *   PML4[273] direct map        PAGE_OFFSET .. +1 GiB
 *   PML4[511] kernel image      KERNEL_MAP_BASE .. +1 GiB
 */
#include <asm/layout.h>
#include <pvh.h>

#define PA(x) ((x) - KERNEL_MAP_BASE)
#define PTE_TABLE 0x3    /* present | writable */
#define PTE_LARGE 0x83   /* present | writable | 2 MiB page */

	.section .note.Xen, "a", @note
	.balign 4
	.long 4                 /* namesz: "Xen\0" */
	.long 8                 /* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad PA(pvh_start)

	.section .head.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %esi                  /* start_info, kept in esi */

	/* Clear .bss, the stacks and the boot tables. */
	mov $PA(__bss_start), %edi
	mov $PA(_end), %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl

	/* One page directory of 512 2 MiB pages: physical 0 .. 1 GiB. */
	mov $PA(boot_pd), %edi
	mov $PTE_LARGE, %eax
	mov $512, %ecx
1:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	dec %ecx
	jnz 1b

	movl $PA(boot_pd) + PTE_TABLE, PA(boot_pdpt_low)
	movl $PA(boot_pd) + PTE_TABLE, PA(boot_pdpt_high) + 510 * 8
	movl $PA(boot_pdpt_low) + PTE_TABLE, PA(boot_pml4)
	movl $PA(boot_pdpt_low) + PTE_TABLE, PA(boot_pml4) + 273 * 8
	movl $PA(boot_pdpt_high) + PTE_TABLE, PA(boot_pml4) + 511 * 8

	mov %cr4, %eax
	or $0x20, %eax                  /* CR4.PAE */
	mov %eax, %cr4
	mov $PA(boot_pml4), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx           /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax            /* CR0.PG | CR0.PE */
	mov %eax, %cr0

	lgdt PA(boot_gdt_desc)
	ljmp $GDT_KERNEL_CS, $PA(long_entry)

	.code64
long_entry:
	movabs $high_entry, %rax
	jmp *%rax

	.text
high_entry:
	mov $GDT_KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp                  /* ends every backtrace */
	mov %esi, %edi                  /* zero-extends start_info */
	call kernel_main
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit kernel code */
	.quad 0x00cf92000000ffff        /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)

/*
 * Kernel stacks, each with an unmapped guard page below it in the final
 * page tables (paging_init unmaps the guard_* pages).
 */
	.section .kstacks, "aw", @nobits
	.balign PAGE_SIZE
	.globl guard_boot, boot_stack, boot_stack_top
guard_boot:	.skip PAGE_SIZE
boot_stack:	.skip KSTACK_SIZE
boot_stack_top:
	.globl guard_df, df_stack_top
guard_df:	.skip PAGE_SIZE
	.skip ISTACK_SIZE
df_stack_top:
	.globl guard_nmi, nmi_stack_top
guard_nmi:	.skip PAGE_SIZE
	.skip ISTACK_SIZE
nmi_stack_top:
	.globl kstacks_end
kstacks_end:

	.section .boot_tables, "aw", @nobits
	.balign PAGE_SIZE
	.globl boot_pml4
boot_pml4:	.skip PAGE_SIZE
boot_pdpt_low:	.skip PAGE_SIZE
boot_pdpt_high:	.skip PAGE_SIZE
boot_pd:	.skip PAGE_SIZE
