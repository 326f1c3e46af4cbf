/*
 * ioapic.h: routing of external interrupt lines (GSIs) through the I/O
 * APIC(s) to vectors, and a small registry of handlers per line.
 *
 * Interface:
 *   ioapic_request_irq  routes a GSI to its vector (IOAPIC_VEC_BASE + gsi),
 *                       level-triggered active-high, and installs a handler
 *   ioapic_mask_irq     masks the line again and forgets the handler
 *
 * GSI g lives on the first I/O APIC (0xfec00000) when g < its pin count;
 * QEMU microvm's second I/O APIC (0xfec10000) serves the next 24 lines.
 */
#ifndef ASM_IOAPIC_H
#define ASM_IOAPIC_H

#include <stdbool.h>

#define IOAPIC_BASE      0xfec00000ul
#define IOAPIC2_BASE     0xfec10000ul
#define IOAPIC_VEC_BASE  0x30
#define IOAPIC_MAX_GSI   48

typedef void (*irq_handler_t)(unsigned gsi, void *ctx);

/*
 * Routes gsi to the boot CPU and calls fn(gsi, ctx) in interrupt context
 * for each interrupt, then EOIs the local APIC. The handler must quiet the
 * device (e.g. acknowledge it) or the level-triggered line fires again.
 * Returns 0, -1 for a bad or busy line or when no I/O APIC answers.
 */
int ioapic_request_irq(unsigned gsi, irq_handler_t fn, void *ctx);
void ioapic_mask_irq(unsigned gsi);

#endif
