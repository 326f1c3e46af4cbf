/*
 * port_host.c: host implementation of mm/include/mm_port.h for the unit
 * tests and the mm bench (see port_host.h). Single-threaded; locks and
 * interrupt masking are the guest's primitives with cli/sti simulated, and
 * locks panic on recursion.
 */
#include "port_host.h"
#include "mm_port.h"
#include "pt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

unsigned char *host_phys_base;
long host_tables_in_use;
long host_table_alloc_limit = -1;
void (*host_table_alloc_hook)(void *arg);
void *host_table_alloc_hook_arg;
long host_tlb_page_flushes, host_tlb_full_flushes, host_tlb_hits;
struct host_percpu host_percpu = { .irq_flag = HOST_EFLAGS_IF };
long host_irqs_taken;
long host_spin_locks;

/* The interrupt raised while masked, taken when they are unmasked. */
static struct {
	host_irq_fn fn;
	void *arg;
} irq_pending, irq_armed;

/* One cached translation: the page of size 1 << shift at va in the space rooted at root. */
struct tlb_entry {
	phys_addr_t root;       /* 0: empty */
	uint64_t va;            /* page-aligned */
	unsigned shift;
	uint64_t leaf;          /* frame | flags | PTE_P */
};

static struct host_tlb {
	struct tlb_entry e[MM_NR_CPUS][HOST_TLB_ENTRIES];
	unsigned next[MM_NR_CPUS];      /* entry replaced next */
	bool used;                      /* a read cached something since the reset */
} tlb;

static phys_addr_t table_free_list; /* free pool pages, linked through word 0 */
static phys_addr_t table_next;      /* first never-used pool page */
static char log_buf[16384];
static size_t log_len;

static void host_phys_setup(void)
{
	void *p = mmap(NULL, HOST_PHYS_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("port_host: mmap of simulated physical memory");
		abort();
	}
	host_phys_base = p;
}

void host_port_reset(void)
{
	if (!host_phys_base)
		host_phys_setup();
	else
		madvise(host_phys_base, HOST_PHYS_SIZE, MADV_DONTNEED);
	table_free_list = 0;
	table_next = HOST_TABLE_POOL_BASE;
	host_tables_in_use = 0;
	host_table_alloc_limit = -1;
	host_table_alloc_hook = NULL;
	host_table_alloc_hook_arg = NULL;
	host_tlb_page_flushes = host_tlb_full_flushes = host_tlb_hits = 0;
	host_percpu = (struct host_percpu){ .irq_flag = HOST_EFLAGS_IF };
	host_irqs_taken = 0;
	irq_pending.fn = irq_armed.fn = NULL;

	host_spin_locks = 0;
	memset(&tlb, 0, sizeof(tlb));
	host_log_clear();
}

void *host_phys_to_virt_slow(phys_addr_t pa)
{
	if (!host_phys_base)
		host_phys_setup();
	if (pa >= HOST_PHYS_SIZE) {
		fprintf(stderr, "port_host: physical address %#llx outside simulated RAM\n",
			(unsigned long long)pa);
		abort();
	}
	return host_phys_base + pa;
}

void host_bad_pointer(const void *va)
{
	fprintf(stderr, "port_host: pointer %p is not simulated RAM\n", va);
	abort();
}

phys_addr_t mm_table_alloc(void)
{
	phys_addr_t pa;

	if (!host_phys_base)
		host_port_reset();
	if (host_table_alloc_hook)
		host_table_alloc_hook(host_table_alloc_hook_arg);
	if (host_table_alloc_limit >= 0 && host_tables_in_use >= host_table_alloc_limit)
		return 0;
	if (table_free_list) {
		pa = table_free_list;
		memcpy(&table_free_list, mm_phys_to_virt(pa), sizeof(pa));
	} else if (table_next < HOST_PHYS_SIZE) {
		pa = table_next;
		table_next += MM_PAGE_SIZE;
	} else {
		return 0;
	}
	memset(mm_phys_to_virt(pa), 0, MM_PAGE_SIZE);
	host_tables_in_use++;
	return pa;
}

void mm_table_free(phys_addr_t pa)
{
	if (pa < HOST_TABLE_POOL_BASE || pa >= HOST_PHYS_SIZE || (pa & (MM_PAGE_SIZE - 1)))
		mm_panic("mm_table_free: %#llx is not a table page", (unsigned long long)pa);
	memset(mm_phys_to_virt(pa), 0xdb, MM_PAGE_SIZE); /* catch use after free */
	memcpy(mm_phys_to_virt(pa), &table_free_list, sizeof(pa));
	table_free_list = pa;
	host_tables_in_use--;
}

static bool entry_covers(const struct tlb_entry *t, phys_addr_t root, uint64_t va)
{
	return t->root == root && (va >> t->shift) == (t->va >> t->shift);
}

uint64_t host_tlb_read(unsigned cpu, const struct pt_space *s, uint64_t va)
{
	struct pt_mapping m;
	struct tlb_entry *t;

	if (cpu >= MM_NR_CPUS)
		mm_panic("host_tlb_read: no CPU %u", cpu);
	for (unsigned i = 0; i < HOST_TLB_ENTRIES; i++) {
		t = &tlb.e[cpu][i];
		if (entry_covers(t, s->root, va)) {
			host_tlb_hits++;
			return t->leaf + (va & ((1ull << t->shift) - 1) & ~(MM_PAGE_SIZE - 1));
		}
	}
	if (pt_lookup(s, va, &m))
		return 0;
	t = &tlb.e[cpu][tlb.next[cpu]];
	tlb.next[cpu] = (tlb.next[cpu] + 1) % HOST_TLB_ENTRIES;
	tlb.used = true;
	*t = (struct tlb_entry){ .root = s->root, .va = m.va, .shift = m.shift,
				 .leaf = m.pa | m.flags | PTE_P };
	return t->leaf + (va & ((1ull << m.shift) - 1) & ~(MM_PAGE_SIZE - 1));
}

void host_tlb_fault(unsigned cpu, const struct pt_space *s, uint64_t va)
{
	for (unsigned i = 0; cpu < MM_NR_CPUS && i < HOST_TLB_ENTRIES; i++)
		if (entry_covers(&tlb.e[cpu][i], s->root, va))
			tlb.e[cpu][i].root = 0;
}

/* Drops, on every CPU, s's entries that cover va (all of s's when all). */
static void tlb_drop(const struct pt_space *s, uint64_t va, bool all)
{
	for (unsigned c = 0; tlb.used && c < MM_NR_CPUS; c++)
		for (unsigned i = 0; i < HOST_TLB_ENTRIES; i++) {
			struct tlb_entry *t = &tlb.e[c][i];
			if (t->root == s->root && (all || entry_covers(t, s->root, va)))
				t->root = 0;
		}
}

void mm_tlb_flush_page(const struct pt_space *s, uint64_t va)
{
	host_tlb_page_flushes++;
	tlb_drop(s, va, false);
}

/* This CPU's entries only; counted with the page flushes. */
void mm_tlb_flush_page_local(const struct pt_space *s, uint64_t va)
{
	host_tlb_page_flushes++;
	host_tlb_fault(mm_cpu_id(), s, va);
}

void mm_tlb_flush_pages(const struct pt_space *s, const uint64_t *va, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		mm_tlb_flush_page(s, va[i]);
}

void mm_tlb_flush_all(const struct pt_space *s)
{
	host_tlb_full_flushes++;
	tlb_drop(s, 0, true);
}

/*
 * The guest's primitives (guest/mm/mm_port.c, mm_port_inline.h) without
 * what a user process cannot do: interrupt masking is port_host_inline.h's
 * pushf and simulated flag; the lock is taken with an atomic exchange and
 * released with a release store. The host runs mm/ on one thread, so a
 * taken lock found held is a recursive lock: panic instead of spinning
 * forever.
 */

/*
 * The armed interrupt, once its save came (the inline mm_irq_save counted
 * irq_armed_saves down to 0 and set irq_pending), moves to irq_pending.
 */
static void irq_settle(void)
{
	if (host_percpu.irq_armed_saves || !irq_armed.fn)
		return;
	irq_pending = irq_armed;
	irq_armed.fn = NULL;
}

/* Runs the pending interrupt's handler, as the CPU would on unmasking. */
void host_irq_take_pending(void)
{
	irq_settle();
	host_irq_fn fn = irq_pending.fn;

	host_percpu.irq_pending = false;
	if (!fn)
		return;
	irq_pending.fn = NULL;
	host_percpu.irq_flag = 0;
	host_irqs_taken++;
	fn(irq_pending.arg);
	host_percpu.irq_flag = HOST_EFLAGS_IF;
}

void host_irq_raise_at_save(unsigned n, host_irq_fn fn, void *arg)
{
	irq_settle();
	irq_armed.fn = n ? fn : NULL;
	irq_armed.arg = arg;
	host_percpu.irq_armed_saves = n;
}

void mm_spin_lock(mm_spinlock_t *lock)
{
	unsigned long flags = mm_irq_save();

	host_spin_locks++;
	if (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		mm_panic("mm_spin_lock: recursive lock %p", (void *)lock);
	lock->saved_flags = flags;
}

void mm_spin_unlock(mm_spinlock_t *lock)
{
	unsigned long flags = lock->saved_flags;

	if (!lock->locked)
		mm_panic("mm_spin_unlock: lock %p not held", (void *)lock);
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
	mm_irq_restore(flags);
}

/* The host tests simulate every per-CPU slot. */
unsigned mm_nr_cpu_ids(void)
{
	return MM_NR_CPUS;
}

int mm_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void mm_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (log_len + (size_t)n >= sizeof(log_buf) - 1) /* full: keep the newest */
		log_len = 0;
	else
		log_len += (size_t)n;
	if (getenv("MM_LOG_STDERR"))
		fputs(log_buf + log_len - (size_t)n, stderr);
}

const char *host_log_text(void)
{
	return log_buf;
}

void host_log_clear(void)
{
	log_len = 0;
	log_buf[0] = 0;
}

void mm_panic(const char *fmt, ...)
{
	va_list ap;
	fputs("mm_panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
