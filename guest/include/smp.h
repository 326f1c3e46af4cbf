/*
 * smp.h: the CPUs of the machine and their bring-up.
 *
 * Interface:
 *   smp_find_cpus   reads the CPU list (ACPI MADT) at boot, before paging_init
 *   smp_boot_cpus   starts every AP, one at a time, and waits for each
 *   nr_cpu_ids      CPUs possible (listed), CPU 0 the boot CPU
 *   cpu_online / num_online_cpus
 *   smp_send_reschedule  the reschedule IPI to one CPU
 *   smp_call_others / smp_call_wait   a function run on every other online
 *                   CPU by IPI, without the kernel lock (Linux's
 *                   smp_call_function), and the wait for all of them
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

/*
 * A function to run on other CPUs. It runs in the call IPI's handler:
 * interrupts masked, the kernel lock not taken (the handler may take it),
 * on whatever the CPU was doing, so it must be short or its own caller's
 * business (selfbench's loops). The sender fills fn and arg and keeps the
 * struct alive until smp_call_wait returns.
 */
struct smp_call {
	void (*fn)(void *arg);
	void *arg;
	volatile unsigned done;   /* CPUs that have returned from fn */
};

/* Asks every other online CPU to run c->fn(c->arg) and returns how many
 * were asked, without waiting; -EBUSY (none asked) when one of them has
 * not taken an earlier call yet. */
int smp_call_others(struct smp_call *c);
/* Spins until @n CPUs have run c->fn. A CPU waiting for the kernel lock
 * takes no IPI, so the caller must not hold it (panics if it does). */
void smp_call_wait(struct smp_call *c, unsigned n);

#endif
