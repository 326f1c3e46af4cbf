/*
 * apic.h: the local APIC of each CPU (x2APIC through MSRs when the CPU has
 * it, else xAPIC through an uncached MMIO mapping), its timer and IPIs.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <stdbool.h>

/* Boot CPU: chooses the mode, enables its local APIC. Returns false when there is none. */
bool apic_init(void);
/* An AP: enables its own local APIC in the mode apic_init chose. */
void apic_enable_local(void);
/* This CPU's local APIC ID. */
unsigned apic_id(void);
/* A fixed interrupt @vector to the CPU whose local APIC ID is @dest. */
void apic_send_ipi(unsigned dest, unsigned vector);
/* INIT, then STARTUP at @start_phys (page-aligned, below 1 MiB): starts an AP. */
void apic_send_init(unsigned dest);
void apic_send_startup(unsigned dest, unsigned long start_phys);
/* Starts the periodic timer at hz, delivering VEC_TIMER. */
void apic_timer_start(unsigned hz);
void apic_eoi(void);
/* Sets this CPU's task priority: vectors whose class (vector >> 4) is at
 * most @tpr >> 4 wait. The kernel runs at 0 (apic_enable_local). */
void apic_set_tpr(unsigned tpr);

#endif
