/*
 * smp.c: finding the CPUs and starting the APs (smp.h).
 *
 * Bring-up of AP i, by the boot CPU, one AP at a time: its stacks (idle
 * stack, #DF and NMI stacks) from the page allocator, its per-CPU area,
 * the trampoline (asm/smp.h) with its data, then INIT and STARTUP (a
 * second STARTUP when the first did not take, as the MP spec says); the
 * boot CPU halts until the AP marks itself online and sends it a
 * reschedule IPI, or SMP_BOOT_TICKS pass (the AP is then left out).
 * The AP (smp_ap_main) runs on the trampoline's tables until it has
 * loaded its own GDT and the kernel's CR3; it calls itself online once its
 * own timer has interrupted it, then takes the kernel lock and enters the
 * idle loop (sched.h) with its own idle task, made by the boot CPU.
 *
 * Calls on other CPUs (smp_call_others): the request is the sender's; each
 * target's per-CPU `call` points at it from the send until the target's
 * IPI handler takes it, so a CPU has at most one call outstanding.
 */
#include <smp.h>
#include <numa.h>
#include <percpu.h>
#include <printk.h>
#include <string.h>
#include <errno.h>
#include <spinlock.h>
#include <time.h>
#include <syscall.h>
#include <page_alloc.h>
#include <sched.h>
#include <klock.h>
#include <tlb.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/setup.h>
#include <asm/smp.h>
#include <asm/traps.h>

#define SMP_BOOT_TICKS   (2 * HZ)     /* per STARTUP, before giving up on an AP */
#define IDLE_STACK_ORDER 2            /* KSTACK_SIZE */
#define IST_ORDER        1            /* #DF and NMI stacks, ISTACK_SIZE each */
#define PTE_TABLE        0x3ull       /* present | writable */
#define PTE_LARGE        0x83ull      /* present | writable | 2 MiB */

unsigned nr_cpu_ids = 1;

void smp_find_cpus(void)
{
	struct acpi_cpus c;

	if (acpi_find_cpus(boot_info.rsdp, &c)) {
		pr_info("smp: no ACPI MADT, one CPU\n");
		return;
	}
	if (c.dropped)
		pr_warn("smp: %u CPUs beyond the %u this kernel supports are left out\n",
			c.dropped, ACPI_MAX_CPUS);
	nr_cpu_ids = c.nr;
	for (unsigned i = 0; i < c.nr; i++)
		percpu_of(i)->apic_id = c.apic_ids[i];
	pr_info("smp: ACPI MADT lists %u CPU%s\n", c.nr, c.nr == 1 ? "" : "s");
}

bool cpu_online(unsigned cpu)
{
	return cpu < nr_cpu_ids && percpu_of(cpu)->online;
}

unsigned num_online_cpus(void)
{
	unsigned n = 0;

	for (unsigned c = 0; c < nr_cpu_ids; c++)
		n += cpu_online(c);
	return n;
}

void smp_send_reschedule(unsigned cpu)
{
	apic_send_ipi(percpu_of(cpu)->apic_id, VEC_RESCHEDULE);
}

static void reschedule_interrupt(struct pt_regs *regs)
{
	(void)regs;
	this_cpu()->resched_ipis++;
	apic_eoi();
}

/* Lockless: the sender may wait for it without the kernel lock, or run
 * for as long as fn needs while another CPU holds the lock. */
static void call_function_interrupt(struct pt_regs *regs)
{
	struct percpu *p = this_cpu();
	struct smp_call *c = p->call;

	(void)regs;
	apic_eoi();
	if (!c)
		return;
	p->call = NULL;
	c->fn(c->arg);
	__atomic_fetch_add(&c->done, 1, __ATOMIC_RELEASE);
}

int smp_call_others(struct smp_call *c)
{
	unsigned self = smp_processor_id();
	int n = 0;

	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu != self && cpu_online(cpu) && percpu_of(cpu)->call)
			return -EBUSY;
	__atomic_store_n(&c->done, 0, __ATOMIC_RELAXED);
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (cpu == self || !cpu_online(cpu))
			continue;
		__atomic_store_n(&percpu_of(cpu)->call, c, __ATOMIC_RELEASE);
		apic_send_ipi(percpu_of(cpu)->apic_id, VEC_CALL_FUNC);
		n++;
	}
	return n;
}

void smp_call_wait(struct smp_call *c, unsigned n)
{
	if (kernel_lock_held())
		panic("smp_call_wait: CPU%u holds the kernel lock", smp_processor_id());
	while (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) < n)
		cpu_relax();
}

/* The AP, from ap_start64 on its idle stack. */
void smp_ap_main(unsigned cpu) __noreturn;
void smp_ap_main(unsigned cpu)
{
	percpu_enter(cpu);
	struct percpu *p = this_cpu();
	unsigned long ist = (unsigned long)p->ist_stacks;

	cpu_init_ap(cpu, (unsigned long)p->idle_stack + KSTACK_SIZE, ist + ISTACK_SIZE,
		    ist + 2 * ISTACK_SIZE);
	write_cr3(kernel_pt.root);
	syscall_init();
	apic_enable_local();
	apic_timer_start(HZ);
	while (!READ_ONCE(p->timer_ticks))      /* online = its timer interrupts arrive */
		safe_halt();
	irq_disable();
	pr_info("smp: CPU%u online (APIC %u)\n", cpu, p->apic_id);
	WRITE_ONCE(p->online, true);
	apic_send_ipi(percpu_of(0)->apic_id, VEC_RESCHEDULE);
	kernel_lock();
	sched_idle();
}

/* The trampoline's copy and its identity + kernel-half page tables. */
static void trampoline_install(void)
{
	uint64_t *pml4 = mm_phys_to_virt(TRAMPOLINE_PML4);
	uint64_t *pdpt = mm_phys_to_virt(TRAMPOLINE_PDPT);
	uint64_t *pd = mm_phys_to_virt(TRAMPOLINE_PD);
	const uint64_t *kroot = mm_phys_to_virt(kernel_pt.root);

	memcpy(mm_phys_to_virt(TRAMPOLINE_PHYS), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	memset(pml4, 0, 3 * PAGE_SIZE);
	pd[0] = PTE_LARGE;
	pdpt[0] = TRAMPOLINE_PD | PTE_TABLE;
	pml4[0] = TRAMPOLINE_PDPT | PTE_TABLE;
	for (unsigned i = 256; i < 512; i++)
		pml4[i] = kroot[i];
}

static struct trampoline_data *trampoline_data_copy(void)
{
	return mm_phys_to_virt(TRAMPOLINE_PHYS + (unsigned long)(trampoline_data -
								  trampoline_start));
}

/* Stacks for CPU @cpu; returns 0 or -1 when memory runs out. */
static int ap_alloc_stacks(struct percpu *p)
{
	phys_addr_t idle = page_alloc(IDLE_STACK_ORDER, 0);
	phys_addr_t ist = idle ? page_alloc(IST_ORDER, 0) : 0;

	if (!ist) {
		if (idle)
			page_free(idle, IDLE_STACK_ORDER);
		return -1;
	}
	p->idle_stack = mm_phys_to_virt(idle);
	p->ist_stacks = mm_phys_to_virt(ist);
	return 0;
}

/*
 * Halts until CPU @cpu is online or SMP_BOOT_TICKS pass; whether it came
 * up. Off the kernel lock, which the AP's first timer tick takes.
 */
static bool wait_online(unsigned cpu)
{
	unsigned long until = jiffies + SMP_BOOT_TICKS;

	kernel_unlock();
	irq_disable();
	while (!READ_ONCE(percpu_of(cpu)->online) && (long)(jiffies - until) < 0) {
		safe_halt();
		irq_disable();
	}
	irq_enable();
	kernel_lock();
	return READ_ONCE(percpu_of(cpu)->online);
}

static bool ap_start(unsigned cpu)
{
	struct percpu *p = percpu_of(cpu);
	struct trampoline_data *d = trampoline_data_copy();

	if (ap_alloc_stacks(p) || !(p->idle = sched_create_idle(cpu, p->idle_stack))) {
		pr_err("smp: no memory for CPU%u's stacks\n", cpu);
		return false;
	}
	p->curr_task = p->idle;
	p->cpu = cpu;
	d->cr3 = TRAMPOLINE_PML4;
	d->efer = (uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA);
	d->entry = (uint64_t)ap_start64;
	d->stack = (uint64_t)p->idle_stack + KSTACK_SIZE;
	d->cpu = cpu;
	apic_send_init(p->apic_id);
	apic_send_startup(p->apic_id, TRAMPOLINE_PHYS);
	if (wait_online(cpu))
		return true;
	apic_send_startup(p->apic_id, TRAMPOLINE_PHYS);
	if (wait_online(cpu))
		return true;
	pr_err("smp: CPU%u (APIC %u) did not come up\n", cpu, p->apic_id);
	return false;
}

void smp_boot_cpus(void)
{
	unsigned self = apic_id();

	trap_set_lockless_handler(VEC_RESCHEDULE, reschedule_interrupt);
	trap_set_lockless_handler(VEC_CALL_FUNC, call_function_interrupt);
	tlb_init_ipi();
	kernel_lock_init_ipi();
	if (percpu_of(0)->apic_id != self) {
		/* the MADT lists the boot CPU elsewhere: swap it into slot 0 */
		for (unsigned i = 1; i < nr_cpu_ids; i++)
			if (percpu_of(i)->apic_id == self)
				percpu_of(i)->apic_id = percpu_of(0)->apic_id;
		percpu_of(0)->apic_id = self;
	}
	if (nr_cpu_ids > 1)
		trampoline_install();
	for (unsigned cpu = 1; cpu < nr_cpu_ids; cpu++)
		ap_start(cpu);
	unsigned n = num_online_cpus();
	pr_info("smp: Brought up %u node%s, %u CPU%s\n", numa_layout.nr,
		numa_layout.nr == 1 ? "" : "s", n, n == 1 ? "" : "s");
}
