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
 *
 * mm.selfbench_smp=1 (selfbench_smp_run): every online CPU runs the same
 * pair loop at once, mm.selfbench_ops pairs each: the boot CPU asks the
 * others by IPI (smp_call_others), they meet on a barrier and start
 * together; each counts its pairs and its TSC cycles, with interrupts
 * masked (no tick lands in a loop). A row runs twice: with no kernel lock
 * (only the allocators' per-CPU fast paths and their own spinlocks), and
 * with the kernel lock taken around each pair, as every kernel caller
 * holds it today (docs/smp.md). The boot CPU drops the kernel lock while
 * the loops run. Then a remote TLB flush's round trip: the boot CPU
 * flushes a kernel page on CPU 1 alone and waits for its acknowledgement,
 * with CPU 1 halted in its idle loop (the IPI wakes it) and with CPU 1
 * spinning for the kernel lock (it polls the request). Figures are TSC
 * cycles; the guest has no trustworthy clock to turn them into seconds
 * (its timer ticks late on a loaded PVM host), so `make bench-smp` does
 * that with the host's TSC rate.
 * Lines: "selfbench-smp: ROW, LOCKING: cpuN: P pairs in C cycles",
 * "selfbench-smp: ROW, LOCKING: N CPUs: P pairs in C cycles" (C from the
 * common start to the last CPU's end) and "selfbench-smp: remote TLB
 * flush, TARGET: N round trips, C cycles median, M mean, L min".
 */
#include <selfbench.h>
#include <kmalloc.h>
#include <page_alloc.h>
#include <mm_port.h>
#include <printk.h>
#include <asm/cpu.h>
#include <errno.h>
#include <klock.h>
#include <smp.h>
#include <spinlock.h>
#include <tlb.h>

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

/* ---- mm.selfbench_smp=1: the pair loops on every CPU at once ---- */

#define SB_FLUSH_ROUNDS 256     /* at most this many remote flush round trips */

struct sb_cpu_figures {
	unsigned long pairs;    /* done: fewer than asked when memory ran out */
	uint64_t cycles;        /* TSC cycles of this CPU's loop */
	uint64_t end;           /* TSC when it finished */
};

/* One row on every online CPU; written by each CPU in its own slot. */
struct sb_smp_row {
	const char *name;
	int (*pair)(void);          /* one allocation and its free; -ENOMEM when none */
	bool klock;                 /* each pair under the kernel lock */
	unsigned long ops;          /* pairs per CPU */
	volatile unsigned arrived;  /* CPUs at the starting barrier */
	volatile bool go;           /* set by the boot CPU once all have arrived */
	uint64_t start;             /* TSC when go was set */
	struct sb_cpu_figures cpu[MM_NR_CPUS];
};

/* Neither pair reclaims nor wakes kswapd: the loops without the kernel
 * lock must stay inside the allocators (a wakeup touches the run queue). */
static int kmalloc_pair(void)
{
	void *p = kmalloc(64, BUDDY_GFP_NOWAKE);

	if (!p)
		return -ENOMEM;
	kfree(p);
	return 0;
}

static int page_pair(void)
{
	phys_addr_t pa = page_alloc(0, PAGE_ALLOC_NORECLAIM);

	if (!pa)
		return -ENOMEM;
	page_free(pa, 0);
	return 0;
}

static int smp_row_pair(struct sb_smp_row *r)
{
	int err;

	if (r->klock)
		kernel_lock();
	err = r->pair();
	if (r->klock)
		kernel_unlock();
	return err;
}

/* Each CPU's part, interrupts masked: the barrier, then its own loop. */
static void smp_row_loop(void *arg)
{
	struct sb_smp_row *r = arg;
	struct sb_cpu_figures *f = &r->cpu[smp_processor_id()];
	unsigned long i = 0;
	uint64_t t0;

	__atomic_fetch_add(&r->arrived, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		cpu_relax();
	t0 = rdtsc();
	while (i < r->ops && !smp_row_pair(r))
		i++;
	f->end = rdtsc();
	f->cycles = f->end - t0;
	f->pairs = i;
}

/* Runs r on every online CPU at once; the caller holds the kernel lock
 * once (depth 1), which is dropped meanwhile. Returns 0 or -EBUSY. */
static int smp_row_run(struct sb_smp_row *r)
{
	struct smp_call call = { .fn = smp_row_loop, .arg = r };
	unsigned long flags;
	int others;

	kernel_unlock();
	others = smp_call_others(&call);
	if (others < 0) {
		kernel_lock();
		return others;
	}
	while (__atomic_load_n(&r->arrived, __ATOMIC_ACQUIRE) < (unsigned)others)
		cpu_relax();
	flags = mm_irq_save();
	r->start = rdtsc();
	__atomic_store_n(&r->go, true, __ATOMIC_RELEASE);
	smp_row_loop(r);
	mm_irq_restore(flags);
	smp_call_wait(&call, (unsigned)others);
	kernel_lock();
	return 0;
}

static void smp_row_report(const struct sb_smp_row *r)
{
	const char *locking = r->klock ? "kernel lock per pair" : "no kernel lock";
	unsigned long total = 0;
	unsigned ncpus = 0;
	uint64_t last = r->start;

	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		const struct sb_cpu_figures *f = &r->cpu[c];
		if (!cpu_online(c))
			continue;
		pr_info("selfbench-smp: %s, %s: cpu%u: %lu pairs in %llu cycles%s\n", r->name,
			locking, c, f->pairs, (unsigned long long)f->cycles,
			f->pairs < r->ops ? " (stopped: no memory)" : "");
		total += f->pairs;
		ncpus++;
		if (f->end > last)
			last = f->end;
	}
	pr_info("selfbench-smp: %s, %s: %u CPUs: %lu pairs in %llu cycles\n", r->name, locking,
		ncpus, total, (unsigned long long)(last - r->start));
}

/* One flush of kernel page va on CPU 1 alone, waited for: its cycles. */
static uint64_t flush_round_trip(uint64_t va)
{
	uint64_t t0 = rdtsc();

	flush_tlb_kernel_page_on(1, va);
	return rdtsc() - t0;
}

/* CPU 1 halted in its idle loop: the kernel lock is let go between round
 * trips until CPU 1 has gone back to halt, so each IPI wakes it. */
static void flush_to_halted_cpu(uint64_t *v, unsigned long rounds, uint64_t va)
{
	for (unsigned long i = 0; i < rounds; i++) {
		kernel_unlock();
		while (!READ_ONCE(percpu_of(1)->idle_halted))
			cpu_relax();
		kernel_lock();
		v[i] = flush_round_trip(va);
	}
}

/* CPU 1 spinning for the kernel lock, which this CPU keeps: the first
 * flush wakes it from halt into that spin, where it polls the others. */
static void flush_to_spinning_cpu(uint64_t *v, unsigned long rounds, uint64_t va)
{
	flush_round_trip(va);
	for (unsigned long i = 0; i < rounds; i++)
		v[i] = flush_round_trip(va);
}

static void sort_cycles(uint64_t *v, unsigned long n)
{
	for (unsigned long i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned long j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void flush_report(const char *target, uint64_t *v, unsigned long rounds)
{
	uint64_t sum = 0;

	for (unsigned long i = 0; i < rounds; i++)
		sum += v[i];
	sort_cycles(v, rounds);
	pr_info("selfbench-smp: remote TLB flush, %s: %lu round trips, %llu cycles median, "
		"%llu mean, %llu min\n", target, rounds, (unsigned long long)v[rounds / 2],
		(unsigned long long)(sum / rounds), (unsigned long long)v[0]);
}

/* A remote flush's round trip to CPU 1, halted and spinning; returns
 * -ENOMEM when there is no room for the samples. */
static int remote_flush_run(unsigned long rounds)
{
	uint64_t *v = kmalloc(rounds * sizeof(*v), 0);
	uint64_t va = (uint64_t)(uintptr_t)v & ~(uint64_t)(MM_PAGE_SIZE - 1);

	if (!v)
		return -ENOMEM;
	flush_to_halted_cpu(v, rounds, va);
	flush_report("CPU1 halted in idle", v, rounds);
	flush_to_spinning_cpu(v, rounds, va);
	flush_report("CPU1 spinning for the kernel lock", v, rounds);
	kfree(v);
	return 0;
}

void selfbench_smp_run(unsigned long ops)
{
	static const struct { const char *name; int (*pair)(void); } rows[] = {
		{ "kmalloc 64 pair", kmalloc_pair },
		{ "page order 0 pair", page_pair },
	};
	if (this_cpu()->klock_depth != 1) {
		pr_warn("selfbench-smp: kernel lock held %u deep; not run\n", this_cpu()->klock_depth);
		return;
	}
	pr_info("selfbench-smp: %u CPUs, %lu pairs per CPU per row; cycles from the TSC\n",
		num_online_cpus(), ops);
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int klock = 0; klock < 2; klock++) {
			struct sb_smp_row r = { .name = rows[i].name, .pair = rows[i].pair,
						.klock = klock, .ops = ops };
			if (smp_row_run(&r))
				pr_info("selfbench-smp: %s: skipped, a call is pending\n", r.name);
			else
				smp_row_report(&r);
		}
	}
	if (!cpu_online(1))
		pr_info("selfbench-smp: remote TLB flush: skipped, one CPU\n");
	else if (remote_flush_run(ops < SB_FLUSH_ROUNDS ? ops : SB_FLUSH_ROUNDS))
		pr_info("selfbench-smp: remote TLB flush: skipped, no memory for its samples\n");
	pr_info("selfbench-smp: done\n");
}
