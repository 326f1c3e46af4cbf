/*
 * paging.h: the kernel's final page tables (built with mm/pt.h).
 *
 * paging_init maps all RAM at PAGE_OFFSET (largest pages that fit), the
 * kernel image with per-section protections (text RX, rodata R+NX,
 * data/bss RW+NX), leaves a guard page below each kernel stack unmapped,
 * switches CR3 and frees the boot tables. Callers serialise through
 * kernel_pt_lock for later changes.
 */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <pt.h>

extern struct pt_space kernel_pt;
extern uint64_t pte_nx;      /* PTE_NX when the CPU has NX, else 0 */
extern uint64_t pte_global;  /* PTE_G when the CPU has PGE, else 0 */

void paging_init(void);

/* Maps device memory uncached at PAGE_OFFSET + pa. Returns its address. */
void *ioremap(phys_addr_t pa, uint64_t size);

#endif
