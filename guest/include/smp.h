/*
 * smp.h: the CPUs of the machine and their bring-up.
 *
 * Interface:
 *   smp_find_cpus   reads the CPU list (ACPI MADT) at boot, before paging_init
 *   smp_boot_cpus   starts every AP, one at a time, and waits for each
 *   nr_cpu_ids      CPUs possible (listed), CPU 0 the boot CPU
 *   cpu_online / num_online_cpus
 *   smp_send_reschedule  the reschedule IPI to one CPU
 *
 * CPU i's local APIC ID is percpu_of(i)->apic_id; CPU 0 is the one that
 * booted. An AP comes up with its own GDT, TSS, IST stacks and idle stack,
 * its local APIC and timer enabled, says "smp: CPU<i> online" and idles in
 * hlt with interrupts on. Without an MADT the machine has one CPU.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdbool.h>
#include <percpu.h>

/* Written by smp_find_cpus at boot, read-only afterwards. */
extern unsigned nr_cpu_ids;

void smp_find_cpus(void);
void smp_boot_cpus(void);
bool cpu_online(unsigned cpu);
unsigned num_online_cpus(void);
void smp_send_reschedule(unsigned cpu);

#endif
