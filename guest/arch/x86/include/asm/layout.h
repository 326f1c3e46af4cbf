/*
 * layout.h: the guest kernel's virtual layout (docs/contracts.md) and selectors.
 * What the host relies on (user top, direct map, vmalloc range) is in the
 * shared abi/guest_layout.h. Included from C and from assembly.
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#include <guest_layout.h>

#define KERNEL_MAP_BASE  0xffffffff80000000 /* virt = phys + this for the image */
#define KERNEL_LOAD_PHYS 0x100000           /* image loads at 1 MiB */
#define BOOT_MAP_LIMIT   0x40000000         /* boot tables map the first 1 GiB */

#define PAGE_SIZE        4096
#define KSTACK_SIZE      16384              /* boot/kernel stack */
#define ISTACK_SIZE      4096               /* #DF and NMI stacks */

/* GDT selectors */
#define GDT_KERNEL_CS    0x08
#define GDT_KERNEL_DS    0x10
#define GDT_USER_DS      0x1b               /* reserved for user mode */
#define GDT_USER_CS      0x23
#define GDT_TSS          0x28

/* Interrupt vectors beyond the 32 exceptions */
#define VEC_TIMER        0x20
#define VEC_RESCHEDULE   0xf0               /* IPI: look at the run queue */
#define VEC_TLB_FLUSH    0xf1               /* IPI: flush what tlb.c asks */
#define VEC_KLOCK_KICK   0xf3               /* IPI: a kernel lock waiter's turn came */
/* Below 0xf0, so a CPU halting for the kernel lock (klock.c) does not take
 * it: the function may wait for the CPU that waits for the lock. */
#define VEC_CALL_FUNC    0xe0               /* IPI: run what smp_call_others asks */
#define VEC_SPURIOUS     0xff

/* TSS interrupt stack table slots */
#define IST_DF           1
#define IST_NMI          2

#endif
