/*
 * selftest.c: boot-time checks of what the boot built: the direct map
 * aliases RAM, kernel text/rodata are write-protected (the fault is caught
 * through an exception fixup), stack guard pages are unmapped, the timer
 * ticks, the page allocator hands out and takes back pages.
 * Each test prints one "selftest: NAME: ok" or "FAILED" line.
 */
#include <selftest.h>
#include <printk.h>
#include <memblock.h>
#include <page_alloc.h>
#include <time.h>
#include <asm/extable.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/traps.h>

static volatile uint64_t st_word = 0x5eed5eed5eed5eedull;
static const uint64_t st_const = 0xc0de;
extern char guard_boot[];

#define ST_FAIL(fmt, ...) \
	do { pr_err("selftest: " fmt "\n", ##__VA_ARGS__); return -1; } while (0)

/* The kernel variable st_word and its direct-map alias are one memory. */
static int st_direct_map_alias(void)
{
	volatile uint64_t *alias = mm_phys_to_virt(mm_virt_to_phys((const void *)&st_word));

	if (*alias != st_word)
		ST_FAIL("direct map reads 0x%lx, kernel map 0x%lx", *alias, st_word);
	*alias = 0x1234567887654321ull;
	if (st_word != 0x1234567887654321ull)
		ST_FAIL("write through the direct map not seen through the kernel map");
	return 0;
}

/* First and last whole page of every RAM range, through the direct map. */
static int st_direct_map_ram(void)
{
	const struct memblock_type *mem = memblock_memory();
	struct pt_mapping m;
	uint8_t v;

	for (unsigned i = 0; i < mem->cnt; i++) {
		phys_addr_t b = (mem->regions[i].base + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
		phys_addr_t last = ((mem->regions[i].base + mem->regions[i].size) &
				    ~(MM_PAGE_SIZE - 1)) - 1;
		if (last < b)
			continue;
		if (probe_read_u8(mm_phys_to_virt(b), &v) || probe_read_u8(mm_phys_to_virt(last), &v))
			ST_FAIL("RAM [0x%llx-0x%llx] not readable through the direct map",
				(unsigned long long)b, (unsigned long long)last);
		if (pt_lookup(&kernel_pt, (uint64_t)mm_phys_to_virt(last), &m) ||
		    !(m.flags & PTE_RW) || (m.flags & pte_nx) != pte_nx)
			ST_FAIL("direct map of 0x%llx is not RW+NX", (unsigned long long)last);
	}
	return 0;
}

/* A write to addr must fault with a protection #PF on addr; data unchanged. */
static int st_expect_write_fault(const char *what, volatile uint8_t *addr)
{
	uint8_t before = *addr;
	unsigned long count = trap_last_fixup.count;

	if (!probe_write_u8(addr, before))
		ST_FAIL("write to %s at %p did not fault", what, (void *)addr);
	if (trap_last_fixup.count != count + 1 || trap_last_fixup.vector != X86_TRAP_PF ||
	    trap_last_fixup.cr2 != (unsigned long)addr ||
	    (trap_last_fixup.error_code & (PF_PROT | PF_WRITE)) != (PF_PROT | PF_WRITE))
		ST_FAIL("write to %s: unexpected fault (vector %lu error 0x%lx cr2 0x%lx)",
			what, trap_last_fixup.vector, trap_last_fixup.error_code,
			trap_last_fixup.cr2);
	pr_info("selftest: write to %s at %pS faulted (#PF error 0x%lx), fixed up\n",
		what, (void *)addr, trap_last_fixup.error_code);
	return 0;
}

static int st_text_readonly(void)
{
	return st_expect_write_fault("kernel text", (volatile uint8_t *)(void *)selftest_run);
}

static int st_rodata_readonly(void)
{
	return st_expect_write_fault("kernel rodata", (volatile uint8_t *)&st_const);
}

static int st_stack_guard(void)
{
	uint8_t v;

	if (!probe_read_u8((volatile uint8_t *)guard_boot + PAGE_SIZE - 1, &v))
		ST_FAIL("boot stack guard page %p is mapped", guard_boot);
	if (trap_last_fixup.error_code & PF_PROT)
		ST_FAIL("guard page fault was not a not-present fault");
	return 0;
}

static int st_timer(void)
{
	unsigned long t0 = jiffies;

	idle_wait_ticks(2);
	if (jiffies - t0 < 2)
		ST_FAIL("timer: %lu ticks", jiffies - t0);
	return 0;
}

static int st_page_alloc(void)
{
	unsigned long before = page_alloc_nr_free();
	phys_addr_t a = page_alloc(0, PAGE_ALLOC_ZERO), b = page_alloc(3, 0);

	if (!a || !b || (b & ((MM_PAGE_SIZE << 3) - 1)))
		ST_FAIL("page_alloc returned 0x%llx, 0x%llx", (unsigned long long)a,
			(unsigned long long)b);
	if (*(volatile uint64_t *)mm_phys_to_virt(a) != 0)
		ST_FAIL("page_alloc(ZERO) page is not zero");
	*(volatile uint64_t *)mm_phys_to_virt(b) = 1;
	page_free(a, 0);
	page_free(b, 3);
	if (page_alloc_nr_free() != before)
		ST_FAIL("free pages %lu after alloc+free, %lu before", page_alloc_nr_free(), before);
	return 0;
}

struct selftest {
	const char *name;
	int (*fn)(void);
};

static const struct selftest selftests[] = {
	{ "direct map aliases kernel data", st_direct_map_alias },
	{ "direct map covers all RAM, RW+NX", st_direct_map_ram },
	{ "kernel text is read-only", st_text_readonly },
	{ "kernel rodata is read-only", st_rodata_readonly },
	{ "stack guard page is unmapped", st_stack_guard },
	{ "timer ticks", st_timer },
	{ "page allocator round trip", st_page_alloc },
};

int selftest_run(void)
{
	int failed = 0;
	unsigned n = sizeof(selftests) / sizeof(selftests[0]);

	for (unsigned i = 0; i < n; i++) {
		int err = selftests[i].fn();
		pr_info("selftest: %s: %s\n", selftests[i].name, err ? "FAILED" : "ok");
		failed += err != 0;
	}
	if (failed)
		pr_err("selftest: %d of %u FAILED\n", failed, n);
	else
		pr_info("selftest: all %u passed\n", n);
	return failed;
}
