/*
 * paging.c: builds and loads the kernel's final address space (paging.h).
 *
 * Table pages come through the mm port (memblock during boot), so before
 * the switch they must lie in the boot mapping: the memblock limit stays at
 * BOOT_MAP_LIMIT until CR3 points at the new tables.
 */
#include <asm/paging.h>
#include <asm/layout.h>
#include <asm/traps.h>
#include <asm/cpu.h>
#include <memblock.h>
#include <cmdline.h>
#include <printk.h>
#include <tlb.h>

struct pt_space kernel_pt;
uint64_t pte_nx, pte_global;

extern char _kernel_start[], _etext[], _rodata[], _data[], _kernel_end[];
extern char __boot_tables_start[], __boot_tables_end[];
extern char guard_boot[], guard_df[], guard_nmi[];

#define PAGE_UP(x) (((x) + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1))

static void map_range(uint64_t va, phys_addr_t pa, uint64_t len, uint64_t flags,
		      const char *what)
{
	int err = pt_map_best(&kernel_pt, va, pa, len, flags, cpu_has.gbpages);
	if (err)
		panic("paging_init: mapping %s at 0x%lx failed (%d)", what, va, err);
}

static void map_direct(void)
{
	const struct memblock_type *mem = memblock_memory();

	for (unsigned i = 0; i < mem->cnt; i++) {
		phys_addr_t b = PAGE_UP(mem->regions[i].base);
		phys_addr_t e = (mem->regions[i].base + mem->regions[i].size) &
				~(uint64_t)(PAGE_SIZE - 1);
		if (b < e)
			map_range(PAGE_OFFSET + b, b, e - b,
				  PTE_RW | pte_nx | pte_global, "direct map");
	}
}

static void map_image_part(const char *start, const char *end, uint64_t flags,
			   const char *what)
{
	uint64_t va = (uint64_t)start, len = PAGE_UP((uint64_t)end) - va;

	map_range(va, va - KERNEL_MAP_BASE, len, flags | pte_global, what);
}

static void map_image(void)
{
	map_image_part(_kernel_start, _etext, 0, "kernel text");
	map_image_part(_rodata, _data, pte_nx, "kernel rodata");
	map_image_part(_data, _kernel_end, PTE_RW | pte_nx, "kernel data");
	char *guards[] = { guard_boot, guard_df, guard_nmi };
	for (unsigned i = 0; i < 3; i++)
		if (pt_unmap(&kernel_pt, (uint64_t)guards[i], PAGE_SIZE))
			panic("paging_init: cannot unmap stack guard %p", guards[i]);
}

struct map_count {
	unsigned long pages[3];   /* 4K, 2M, 1G */
};

static int count_mapping(const struct pt_mapping *m, void *arg)
{
	struct map_count *c = arg;

	c->pages[(m->shift - PT_SHIFT_4K) / 9]++;
	return 0;
}

/* The page-size census walks every leaf (slow where ring 0 is emulated): mm.debug only. */
static void paging_report(void)
{
	struct map_count c = { { 0, 0, 0 } };

	pr_info("paging: direct map of %llu MiB at 0x%llx, kernel text RX, rodata R%s, data/bss RW%s, stack guard pages, %ld table pages\n",
		(unsigned long long)(memblock_phys_mem_size() >> 20), PAGE_OFFSET,
		pte_nx ? "+NX" : "", pte_nx ? "+NX" : "", kernel_pt.table_pages);
	if (!kparams.mm_debug)
		return;
	pt_walk(&kernel_pt, PAGE_OFFSET, memblock_end_of_ram(), count_mapping, &c);
	pr_info("paging: direct map pages: %lu 1G + %lu 2M + %lu 4K\n",
		c.pages[2], c.pages[1], c.pages[0]);
}

void paging_init(void)
{
	pte_nx = cpu_has.nx ? PTE_NX : 0;
	pte_global = cpu_has.pge ? PTE_G : 0;
	memblock_set_limit(BOOT_MAP_LIMIT);
	if (pt_init(&kernel_pt))
		panic("paging_init: no memory for the root table");
	map_direct();
	map_image();
	write_cr3(kernel_pt.root);
	flush_tlb_kernel_all();
	memblock_set_limit(~0ull);
	memblock_free((phys_addr_t)(__boot_tables_start - KERNEL_MAP_BASE),
		      (phys_addr_t)(__boot_tables_end - __boot_tables_start));
	paging_report();
}

void *ioremap(phys_addr_t pa, uint64_t size)
{
	uint64_t va = PAGE_OFFSET + (pa & ~(uint64_t)(PAGE_SIZE - 1));
	uint64_t len = PAGE_UP(pa + size) - (pa & ~(uint64_t)(PAGE_SIZE - 1));
	int err = pt_map(&kernel_pt, va, va - PAGE_OFFSET, len,
			 PTE_RW | PTE_PCD | PTE_PWT | pte_nx, PT_SHIFT_4K);

	if (err)
		panic("ioremap: 0x%llx+0x%llx failed (%d)", (unsigned long long)pa,
		      (unsigned long long)size, err);
	return (void *)(PAGE_OFFSET + pa);
}
