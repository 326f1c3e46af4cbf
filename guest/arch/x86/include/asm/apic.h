/*
 * apic.h: the boot CPU's local APIC (x2APIC through MSRs when the CPU has
 * it, else xAPIC through an uncached MMIO mapping) and its timer.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <stdbool.h>

/* Enables the local APIC. Returns false when there is none. */
bool apic_init(void);
/* Starts the periodic timer at hz, delivering VEC_TIMER. */
void apic_timer_start(unsigned hz);
void apic_eoi(void);

#endif
