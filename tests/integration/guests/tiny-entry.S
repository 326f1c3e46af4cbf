/*
 * tiny.S: PVH entry of the tiny test guest. The VMM enters in 32-bit flat
 * protected mode with EBX = hvm_start_info; set a stack and call C.
 */
#include "pvh.h"

	.section .note.Xen, "a", @note
	.balign 4
	.long 4                 /* name size: "Xen\0" */
	.long 4                 /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start

	.text
	.code32
	.globl pvh_start
pvh_start:
	cli
	movl $stack_top, %esp
	pushl %ebx
	call tiny_main
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.skip 16384
stack_top:
	.section .note.GNU-stack, "", @progbits
