/*
 * percpu.c: the per-CPU areas (percpu.h). Area i belongs to CPU i; the
 * boot CPU fills an AP's identity (cpu, apic_id, idle_stack) before it
 * starts it, and from then on only that CPU writes its area.
 */
#include <percpu.h>
#include <stddef.h>
#include <asm/cpu.h>

#define MSR_GS_BASE 0xc0000101

_Static_assert(offsetof(struct percpu, self) == PERCPU_SELF, "percpu.self");
_Static_assert(offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "percpu.user_rsp");
_Static_assert(offsetof(struct percpu, kstack_top) == PERCPU_KSTACK_TOP, "percpu.kstack_top");
_Static_assert(offsetof(struct percpu, cpu) == PERCPU_CPU, "percpu.cpu");

/* Per-CPU by nature: one area per CPU, reached through that CPU's GS base. */
static struct percpu percpu_areas[MM_NR_CPUS];

struct percpu *percpu_of(unsigned cpu)
{
	if (cpu >= MM_NR_CPUS)
		mm_panic("percpu_of: CPU %u beyond MM_NR_CPUS", cpu);
	return &percpu_areas[cpu];
}

void percpu_enter(unsigned cpu)
{
	struct percpu *p = percpu_of(cpu);

	p->self = p;
	p->cpu = cpu;
	wrmsr(MSR_GS_BASE, (uint64_t)p);
}

void percpu_init_boot(void)
{
	percpu_enter(0);
	percpu_areas[0].online = true;
}
