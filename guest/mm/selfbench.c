/*
 * selfbench.c: mm.selfbench=1 runs the loops of the host's `make bench-mm`
 * in the kernel at boot, on the kernel's own allocators with their real
 * locking, and prints per operation the TSC cycles and, where the vCPU
 * has a PMU (CPUID leaf 0xA with a fixed counter), the instructions
 * retired, so the guest's real cost is visible (under PVM, ring 0 is
 * emulated and a pair costs thousands of cycles; on hardware KVM, tens).
 * A pair is one allocation and its free; a mixed step frees a random live
 * object and allocates one of a random size (sizes and victims from a
 * fixed LCG, so every boot does the same work). Each row does
 * mm.selfbench_ops operations (default 4096; under PVM a pair costs about
 * 0.3 ms, so the default takes about half a minute), with as many objects
 * live (at most SB_RING) in the live rows; a row whose memory is not there
 * is skipped with the reason. The ring of live objects is one order-3
 * allocation, freed at the end.
 * A first row times the interrupt masking pair the per-CPU fast paths use.
 * Lines: "selfbench: ROW: N ops, C cycles/op, I instructions/op".
 */
#include <selfbench.h>
#include <kmalloc.h>
#include <page_alloc.h>
#include <mm_port.h>
#include <printk.h>
#include <asm/cpu.h>

#define SB_RING 4096            /* at most this many objects live */
#define SB_RING_ORDER 3         /* SB_RING pointers: 32 KiB */

#define MSR_FIXED_CTR0        0x309
#define MSR_FIXED_CTR_CTRL    0x38d
#define MSR_PERF_GLOBAL_CTRL  0x38f

struct sb_meter {
	bool pmu;                  /* fixed counter 0 counts instructions retired */
	uint64_t tsc0, instr0;
};

struct sb_state {
	struct sb_meter meter;
	void **ring;               /* live objects */
	unsigned long ops;         /* per row */
	unsigned live;             /* objects live in the live rows: min(ops, SB_RING) */
	uint32_t lcg;
};

/* Whether CPUID offers an architectural PMU with a fixed instruction counter. */
static bool pmu_present(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	if (r[0] < 0xa)
		return false;
	cpuid(0xa, 0, r);
	return (r[0] & 0xff) >= 2 && (r[3] & 0x1f) >= 1;
}

static void meter_start(struct sb_meter *m)
{
	m->instr0 = m->pmu ? rdmsr(MSR_FIXED_CTR0) : 0;
	m->tsc0 = rdtsc();
}

static void meter_report(struct sb_meter *m, const char *row, unsigned long ops)
{
	uint64_t cycles = rdtsc() - m->tsc0;
	uint64_t instr = m->pmu ? rdmsr(MSR_FIXED_CTR0) - m->instr0 : 0;
	if (m->pmu)
		pr_info("selfbench: %s: %lu ops, %llu cycles/op, %llu instructions/op\n", row, ops,
			(unsigned long long)(cycles / ops), (unsigned long long)(instr / ops));
	else
		pr_info("selfbench: %s: %lu ops, %llu cycles/op, instructions n/a (no PMU)\n", row,
			ops, (unsigned long long)(cycles / ops));
}

static uint32_t next_random(struct sb_state *s)
{
	s->lcg = s->lcg * 1103515245u + 12345u;
	return s->lcg >> 8;
}

static void kmalloc_one_at_a_time(struct sb_state *s, const char *row, size_t size)
{
	meter_start(&s->meter);
	for (unsigned long i = 0; i < s->ops; i++)
		kfree(kmalloc(size, 0));
	meter_report(&s->meter, row, s->ops);
}

static void kmalloc_live(struct sb_state *s, const char *row, size_t size)
{
	meter_start(&s->meter);
	for (unsigned i = 0; i < s->live; i++)
		s->ring[i] = kmalloc(size, 0);
	for (unsigned i = 0; i < s->live; i++)
		kfree(s->ring[i]);
	meter_report(&s->meter, row, s->live);
}

/* Sizes 8..2047, as the host's mixed row draws them. */
static size_t mixed_size(struct sb_state *s)
{
	return 8 + next_random(s) % 2040;
}

static void kmalloc_mixed(struct sb_state *s, const char *row)
{
	for (unsigned i = 0; i < s->live; i++)
		s->ring[i] = kmalloc(mixed_size(s), 0);
	meter_start(&s->meter);
	for (unsigned long i = 0; i < s->ops; i++) {
		unsigned victim = next_random(s) % s->live;
		kfree(s->ring[victim]);
		s->ring[victim] = kmalloc(mixed_size(s), 0);
	}
	meter_report(&s->meter, row, s->ops);
	for (unsigned i = 0; i < s->live; i++)
		kfree(s->ring[i]);
}

static void buddy_one_at_a_time(struct sb_state *s, const char *row, unsigned order)
{
	meter_start(&s->meter);
	for (unsigned long i = 0; i < s->ops; i++) {
		phys_addr_t pa = page_alloc(order, PAGE_ALLOC_NORECLAIM);
		if (!pa) {
			pr_info("selfbench: %s: skipped, no free block of order %u\n", row, order);
			return;
		}
		page_free(pa, order);
	}
	meter_report(&s->meter, row, s->ops);
}

/* s->live order-0 pages live at once: only where twice that is free. */
static void buddy_live(struct sb_state *s, const char *row)
{
	unsigned got = 0;
	if (page_alloc_nr_free() < 2ul * s->live) {
		pr_info("selfbench: %s: skipped, %lu pages free (wants %u)\n", row,
			page_alloc_nr_free(), 2 * s->live);
		return;
	}
	meter_start(&s->meter);
	for (; got < s->live; got++) {
		phys_addr_t pa = page_alloc(0, PAGE_ALLOC_NORECLAIM);
		if (!pa)
			break;
		s->ring[got] = (void *)pa;
	}
	for (unsigned i = 0; i < got; i++)
		page_free((phys_addr_t)s->ring[i], 0);
	if (got == s->live)
		meter_report(&s->meter, row, s->live);
	else
		pr_info("selfbench: %s: skipped, only %u pages could be taken\n", row, got);
}

/*
 * What the per-CPU fast paths pay for their only protection: one
 * mm_irq_save/mm_irq_restore pair (pushf, cli, sti), which the host bench
 * can only simulate.
 */
static void irq_save_restore(struct sb_state *s, const char *row)
{
	meter_start(&s->meter);
	for (unsigned long i = 0; i < s->ops; i++)
		mm_irq_restore(mm_irq_save());
	meter_report(&s->meter, row, s->ops);
}

static void run_rows(struct sb_state *s)
{
	char row[48];
	irq_save_restore(s, "mm_irq_save+restore pair");
	kmalloc_one_at_a_time(s, "kmalloc 64 one at a time", 64);
	kmalloc_one_at_a_time(s, "kmalloc 256 one at a time", 256);
	snprintf(row, sizeof(row), "kmalloc 64, %u live", s->live);
	kmalloc_live(s, row, 64);
	snprintf(row, sizeof(row), "kmalloc 256, %u live", s->live);
	kmalloc_live(s, row, 256);
	snprintf(row, sizeof(row), "kmalloc 8-2047 mixed, %u live", s->live);
	kmalloc_mixed(s, row);
	static const char *const orders[] = { "buddy order 0 one at a time",
					      "buddy order 1 one at a time",
					      "buddy order 2 one at a time",
					      "buddy order 3 one at a time" };
	for (unsigned order = 0; order < 4; order++)
		buddy_one_at_a_time(s, orders[order], order);
	snprintf(row, sizeof(row), "buddy order 0, %u live", s->live);
	buddy_live(s, row);
}

void selfbench_run(unsigned long ops)
{
	struct sb_state s = { .meter.pmu = pmu_present(), .lcg = 1, .ops = ops,
			      .live = (unsigned)(ops < SB_RING ? ops : SB_RING) };
	phys_addr_t ring = page_alloc(SB_RING_ORDER, 0);

	if (!ring) {
		pr_warn("selfbench: no memory for its ring of %u objects; not run\n", SB_RING);
		return;
	}
	s.ring = mm_phys_to_virt(ring);
	if (s.meter.pmu) {
		wrmsr(MSR_FIXED_CTR_CTRL, 0x3);              /* counter 0: rings 0 and 3 */
		wrmsr(MSR_PERF_GLOBAL_CTRL, 1ull << 32);     /* fixed counter 0 on */
	}
	pr_info("selfbench: %lu operations per row; cycles from the TSC%s\n", ops,
		s.meter.pmu ? ", instructions from the PMU's fixed counter 0" : "");
	run_rows(&s);
	if (s.meter.pmu)
		wrmsr(MSR_PERF_GLOBAL_CTRL, 0);
	page_free(ring, SB_RING_ORDER);
	pr_info("selfbench: done\n");
}
