/*
 * smp.h (arch): the real-mode trampoline an AP starts in after
 * INIT-SIPI-SIPI, and the data the boot CPU leaves in it for that AP.
 *
 * Low memory at TRAMPOLINE_PHYS (below 1 MiB, page-aligned: the STARTUP
 * vector is its page number; inside the low MiB the kernel reserves):
 *   +0x0000  the code and trampoline_data, copied from trampoline.S
 *   +0x1000  PML4: entry 0 maps the first 2 MiB 1:1 (the trampoline runs
 *            there), entries 256-511 are kernel_pt's (the kernel half)
 *   +0x2000  PDPT, +0x3000 PD of that identity map
 * The AP goes real mode -> protected mode -> long mode on these tables,
 * jumps to ap_start64 on the stack given, and the C code switches to
 * kernel_pt at once.
 */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#define TRAMPOLINE_PHYS   0x10000
#define TRAMPOLINE_PML4   (TRAMPOLINE_PHYS + 0x1000)
#define TRAMPOLINE_PDPT   (TRAMPOLINE_PHYS + 0x2000)
#define TRAMPOLINE_PD     (TRAMPOLINE_PHYS + 0x3000)
#define TRAMPOLINE_SIZE   0x4000

#ifndef __ASSEMBLER__
#include <stdint.h>

/* At trampoline_data in the copy; written by the boot CPU before each STARTUP. */
struct trampoline_data {
	uint32_t cr3;      /* TRAMPOLINE_PML4 */
	uint32_t efer;     /* the boot CPU's EFER (LME, NXE, SCE), LMA clear */
	uint64_t entry;    /* ap_start64, in the kernel image */
	uint64_t stack;    /* top of the AP's idle stack */
	uint64_t cpu;      /* the AP's index, ap_start64's first argument */
};

extern char trampoline_start[], trampoline_data[], trampoline_end[], ap_start64[];
#endif

#endif
