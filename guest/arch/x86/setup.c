/*
 * setup.c: reads the PVH hvm_start_info (through the boot direct map, which
 * covers the first BOOT_MAP_LIMIT bytes), prints the e820 map, feeds
 * memblock, and reserves everything that must survive the hand-over.
 */
#include <asm/setup.h>
#include <pvh.h>
#include <asm/layout.h>
#include <memblock.h>
#include <printk.h>
#include <string.h>

#define E820_USABLE 1
#define LOW_RESERVE (1ull << 20)

struct boot_info boot_info;
static const struct hvm_start_info *pvh;

/* A pointer to boot data at pa; panics when the boot map cannot reach it. */
const void *setup_boot_ptr(phys_addr_t pa, phys_addr_t len)
{
	if (pa + len > BOOT_MAP_LIMIT || pa + len < pa)
		panic("setup: boot data at 0x%llx+0x%llx is beyond the boot mapping",
		      (unsigned long long)pa, (unsigned long long)len);
	return mm_phys_to_virt(pa);
}

void setup_start_info(phys_addr_t start_info)
{
	pvh = setup_boot_ptr(start_info, sizeof(*pvh));
	if (pvh->magic != PVH_START_MAGIC)
		panic("setup: bad hvm_start_info magic 0x%x at 0x%llx", pvh->magic,
		      (unsigned long long)start_info);
	if (pvh->version < 1 || !pvh->memmap_entries)
		panic("setup: hvm_start_info version %u has no memory map", pvh->version);
	boot_info.start_info = start_info;
	boot_info.rsdp = pvh->rsdp_paddr;
	boot_info.cmdline = pvh->cmdline_paddr ? setup_boot_ptr(pvh->cmdline_paddr, 1) : "";
	const struct hvm_modlist_entry *mods = pvh->nr_modules
		? setup_boot_ptr(pvh->modlist_paddr, pvh->nr_modules * sizeof(*mods)) : NULL;
	for (unsigned i = 0; i < pvh->nr_modules && i < 4; i++) {
		boot_info.modules[i].base = mods[i].paddr;
		boot_info.modules[i].size = mods[i].size;
		boot_info.nr_modules++;
	}
}

static const char *e820_type_name(uint32_t type)
{
	switch (type) {
	case 1: return "usable";
	case 2: return "reserved";
	case 3: return "ACPI data";
	case 4: return "ACPI NVS";
	case 5: return "unusable";
	case 7: return "persistent (type 7)";
	default: return "type unknown";
	}
}

void e820_setup(void)
{
	const struct hvm_memmap_table_entry *e =
		setup_boot_ptr(pvh->memmap_paddr, pvh->memmap_entries * sizeof(*e));

	pr_info("BIOS-provided physical RAM map:\n");
	for (unsigned i = 0; i < pvh->memmap_entries; i++) {
		if (!e[i].size)
			continue;
		pr_info("BIOS-e820: [mem 0x%016llx-0x%016llx] %s\n",
			(unsigned long long)e[i].addr,
			(unsigned long long)(e[i].addr + e[i].size - 1),
			e820_type_name(e[i].type));
		if (e[i].type == E820_USABLE && memblock_add(e[i].addr, e[i].size))
			panic("e820_setup: too many memory ranges");
	}
	if (!memblock_phys_mem_size())
		panic("e820_setup: no usable RAM");
}

static void reserve(phys_addr_t base, phys_addr_t size, const char *what)
{
	if (memblock_reserve(base, size))
		panic("setup_reserve: cannot reserve %s", what);
}

void setup_reserve(void)
{
	extern char _kernel_start[], _end[];
	const struct hvm_memmap_table_entry *e = NULL;

	reserve(0, LOW_RESERVE, "low memory");
	reserve((phys_addr_t)_kernel_start - KERNEL_MAP_BASE,
		(phys_addr_t)(_end - _kernel_start), "kernel image");
	reserve(boot_info.start_info, sizeof(*pvh), "start_info");
	reserve(pvh->memmap_paddr, pvh->memmap_entries * sizeof(*e), "e820 map");
	if (pvh->cmdline_paddr)
		reserve(pvh->cmdline_paddr, strlen(boot_info.cmdline) + 1, "command line");
	if (pvh->nr_modules)
		reserve(pvh->modlist_paddr, pvh->nr_modules * sizeof(struct hvm_modlist_entry),
			"module list");
	for (unsigned i = 0; i < boot_info.nr_modules; i++) {
		reserve(boot_info.modules[i].base, boot_info.modules[i].size, "module");
		pr_info("RAMDISK: [mem 0x%08llx-0x%08llx]\n",
			(unsigned long long)boot_info.modules[i].base,
			(unsigned long long)(boot_info.modules[i].base +
					     boot_info.modules[i].size - 1));
	}
}
