/*
 * tlb.c: TLB coherence for user address spaces (tlb.h). Owns each CPU's
 * record of the mm its CR3 holds (Linux's cpu_tlbstate.loaded_mm) and the
 * cpumask in every struct mm, and does every flush of user translations.
 *
 * Invariants:
 *  - tlbstate[c].loaded_mm is the mm whose root CPU c's CR3 holds, NULL
 *    for kernel_pt; only switch_mm changes CR3 after boot;
 *  - bit c of mm->cpumask is set iff tlbstate[c].loaded_mm == mm, so an mm
 *    with an empty mask is in no CR3 and may be destroyed (uvm_destroy
 *    calls tlb_mm_release, then asserts it);
 *  - lazy TLB (Linux's): a CPU that switches to a task without an mm (a
 *    kernel thread, its idle task) keeps the previous mm loaded and stays
 *    in its mask (tlbstate.lazy); it leaves when it switches to another
 *    mm, or when the mm is released (a request every CPU of the mask
 *    takes). A shootdown leaves lazy CPUs out (Linux's should_flush_tlb)
 *    and marks them stale instead: a stale CPU reloads CR3 before it runs
 *    the mm's code again (switch_mm). Lazy code never touches user
 *    addresses, so the entries it keeps meanwhile are never used. Only a
 *    shootdown after page-table pages were freed (tlb_note_table_freed)
 *    reaches lazy CPUs too, as Linux's freed_tables does: a CPU must not
 *    walk, even speculatively, a table page that is reused;
 *  - CPU c's TLB holds translations of mm only if bit c is set: user PTEs
 *    are not global, and CR3 loads (no PCID) drop non-global entries;
 *  - a CPU that runs user code of mm (not lazy) is not stale: every change
 *    to mm's PTEs made since it last loaded the root has been flushed there.
 * SMP: switch_mm and every flush run under the kernel lock (klock.h), so
 * one shootdown at a time: the sender fills `shootdown`, sends the IPI to
 * the other CPUs of the mask and spins until each has cleared its bit in
 * `pending`. The IPI is lockless (the sender holds the lock), and CPUs
 * spinning for the lock with interrupts masked poll `pending`, so the
 * wait ends. A release request (`leave`) makes its targets switch to
 * kernel_pt and clear their own bits of the mask, with atomic operations:
 * several do so at once, while the sender only waits.
 */
#include <tlb.h>
#include <uvm.h>
#include <vmstat.h>
#include <printk.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/apic.h>
#include <asm/layout.h>
#include <asm/traps.h>
#include <spinlock.h>
#include <smp.h>

/* Written by its CPU in switch_mm, but `stale` by a shootdown's sender:
 * both under the kernel lock. */
struct cpu_tlbstate {
	struct mm *loaded_mm;   /* whose root this CPU's CR3 holds; NULL: kernel_pt */
	bool lazy;              /* runs a task without an mm on loaded_mm */
	bool stale;             /* a shootdown of loaded_mm left it out while lazy */
};

/* What a shootdown asks of the CPUs it reaches (Linux's flush_tlb_info). */
struct tlb_shootdown {
	struct mm *mm;              /* whose translations; NULL: kernel_pt's */
	bool all;                   /* all of them, else the pages below */
	bool leave;                 /* the mm is released: load kernel_pt instead */
	unsigned n;
	uint64_t va[TLB_BATCH_MAX];
	volatile uint64_t pending;  /* CPUs that have not flushed yet */
};

/* Per-CPU by nature: one CR3 per CPU. */
static struct cpu_tlbstate tlbstate[MM_NR_CPUS];
/* One per machine: the sender holds the kernel lock until all have flushed. */
static struct tlb_shootdown shootdown;
/* A page-table page was freed since the last user shootdown (kernel lock). */
static bool tables_freed;

static inline uint64_t cpu_bit(unsigned cpu)
{
	return 1ull << cpu;
}

struct mm *tlb_loaded_mm(void)
{
	return tlbstate[mm_cpu_id()].loaded_mm;
}

bool mm_loaded_here(const struct mm *mm)
{
	return (mm->cpumask & cpu_bit(mm_cpu_id())) != 0;
}

/* Back from lazy mode on the same root: the shootdowns it missed, at once. */
static void flush_if_stale(struct cpu_tlbstate *st)
{
	if (!st->stale)
		return;
	write_cr3(st->loaded_mm->pt.root);
	count_vm_event(VM_NR_TLB_LOCAL_FLUSH_ALL);
}

void switch_mm(struct mm *next)
{
	unsigned cpu = mm_cpu_id();
	struct cpu_tlbstate *st = &tlbstate[cpu];
	struct mm *prev = st->loaded_mm;

	if (prev == next) {
		if (next)
			flush_if_stale(st);
	} else {
		if (next)
			__atomic_fetch_or(&next->cpumask, cpu_bit(cpu), __ATOMIC_RELAXED);
		write_cr3(next ? next->pt.root : kernel_pt.root);
		if (prev)
			__atomic_fetch_and(&prev->cpumask, ~cpu_bit(cpu), __ATOMIC_RELEASE);
		st->loaded_mm = next;
	}
	st->lazy = false;
	st->stale = false;
}

void switch_mm_lazy(void)
{
	struct cpu_tlbstate *st = &tlbstate[mm_cpu_id()];

	st->lazy = st->loaded_mm != NULL;
}

void tlb_note_table_freed(void)
{
	tables_freed = true;
}

/* Reloading CR3 drops non-global entries; toggling PGE drops global ones. */
static void flush_kernel_all_here(void)
{
	unsigned long cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

/* This CPU's part of the request: its pages, or all, of mm (NULL: kernel_pt);
 * or, for a release, mm out of this CPU's CR3. */
static void flush_here(const struct tlb_shootdown *s)
{
	if (s->mm && tlbstate[mm_cpu_id()].loaded_mm != s->mm)
		return;
	if (s->leave) {
		switch_mm(NULL);
		return;
	}
	if (s->all) {
		s->mm ? write_cr3(s->mm->pt.root) : flush_kernel_all_here();
		return;
	}
	for (unsigned i = 0; i < s->n; i++)
		invlpg(s->va[i]);
}

/* An IPI may come after a poll did its work, or for the next shootdown:
 * only a pending bit asks for a flush, and flushing twice is harmless. */
void tlb_flush_poll(void)
{
	struct tlb_shootdown *s = &shootdown;
	uint64_t me = cpu_bit(mm_cpu_id());

	if (!(__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE) & me))
		return;
	flush_here(s);
	count_vm_event_atomic(VM_NR_TLB_REMOTE_FLUSH_RECEIVED);
	__atomic_fetch_and(&s->pending, ~me, __ATOMIC_RELEASE);
}

static void tlb_flush_interrupt(struct pt_regs *regs)
{
	(void)regs;
	tlb_flush_poll();
	apic_eoi();
}

void tlb_init_ipi(void)
{
	trap_set_lockless_handler(VEC_TLB_FLUSH, tlb_flush_interrupt);
}

/* The online CPUs but this one. */
static uint64_t other_online_cpus(void)
{
	uint64_t mask = 0;

	for (unsigned c = 0; c < nr_cpu_ids; c++)
		if (cpu_online(c))
			mask |= cpu_bit(c);
	return mask & ~cpu_bit(mm_cpu_id());
}

/* The CPUs but this one that may hold mm's translations. */
static uint64_t other_cpus_of(const struct mm *mm)
{
	return mm->cpumask & ~cpu_bit(mm_cpu_id());
}

/*
 * The CPUs but this one that must flush mm now: lazy ones are marked stale
 * and left out, unless page-table pages were freed since the last
 * shootdown (they must not walk them).
 */
static uint64_t shootdown_targets(const struct mm *mm)
{
	uint64_t targets = other_cpus_of(mm);

	if (tables_freed) {
		tables_freed = false;
		return targets;
	}
	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		if ((targets & cpu_bit(c)) && tlbstate[c].lazy) {
			tlbstate[c].stale = true;
			targets &= ~cpu_bit(c);
		}
	}
	return targets;
}

/* Asks the CPUs of @targets for what s describes; returns once all have done it. */
static void send_and_wait(struct tlb_shootdown *s, uint64_t targets)
{
	__atomic_store_n(&s->pending, targets, __ATOMIC_RELEASE);
	for (unsigned c = 0; c < nr_cpu_ids; c++)
		if (targets & cpu_bit(c))
			apic_send_ipi(percpu_of(c)->apic_id, VEC_TLB_FLUSH);
	count_vm_event(VM_NR_TLB_REMOTE_FLUSH);
	while (__atomic_load_n(&s->pending, __ATOMIC_ACQUIRE))
		cpu_relax();
}

/*
 * Flushes mm (NULL: kernel_pt) on the CPUs of @targets, the n pages va[]
 * or everything (va NULL), and waits until each has done it.
 */
static void flush_others(struct tlb_shootdown *s, struct mm *mm, const uint64_t *va,
			 unsigned n, uint64_t targets)
{
	if (!targets)
		return;
	s->mm = mm;
	s->leave = false;
	s->all = !va || n > TLB_BATCH_MAX;
	s->n = s->all ? 0 : n;
	for (unsigned i = 0; i < s->n; i++)
		s->va[i] = va[i];
	send_and_wait(s, targets);
}

/* The n pages va[] of mm on this CPU, when it may hold them. */
static void flush_pages_here(struct mm *mm, const uint64_t *va, unsigned n)
{
	if (!mm_loaded_here(mm))
		return;
	for (unsigned i = 0; i < n; i++)
		invlpg(va[i]);
	count_vm_events(VM_NR_TLB_LOCAL_FLUSH_ONE, n);
}

void flush_tlb_pages(struct mm *mm, const uint64_t *va, unsigned n)
{
	flush_others(&shootdown, mm, va, n, shootdown_targets(mm));
	flush_pages_here(mm, va, n);
}

void flush_tlb_page_local(struct mm *mm, uint64_t va)
{
	flush_pages_here(mm, &va, 1);
}

void flush_tlb_page(struct mm *mm, uint64_t va)
{
	flush_tlb_pages(mm, &va, 1);
}

void flush_tlb_mm(struct mm *mm)
{
	flush_others(&shootdown, mm, NULL, 0, shootdown_targets(mm));
	if (!mm_loaded_here(mm))
		return;
	write_cr3(mm->pt.root);   /* user PTEs are not global: all of them go */
	count_vm_event(VM_NR_TLB_LOCAL_FLUSH_ALL);
}

void flush_tlb_kernel_pages(const uint64_t *va, unsigned n)
{
	flush_others(&shootdown, NULL, va, n, other_online_cpus());
	for (unsigned i = 0; i < n; i++)
		invlpg(va[i]);
}

void flush_tlb_kernel_page(uint64_t va)
{
	flush_tlb_kernel_pages(&va, 1);
}

void flush_tlb_kernel_page_on(unsigned cpu, uint64_t va)
{
	if (cpu != mm_cpu_id() && cpu_online(cpu))
		flush_others(&shootdown, NULL, &va, 1, cpu_bit(cpu));
}

void flush_tlb_kernel_all(void)
{
	flush_others(&shootdown, NULL, NULL, 0, other_online_cpus());
	flush_kernel_all_here();
}

void tlb_mm_release(struct mm *mm)
{
	uint64_t others = other_cpus_of(mm);

	if (mm_loaded_here(mm))
		switch_mm(NULL);
	if (!others)
		return;
	shootdown.mm = mm;
	shootdown.leave = true;
	send_and_wait(&shootdown, others);
}
