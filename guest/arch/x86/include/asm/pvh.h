/*
 * pvh.h: what the guest reads of the PVH boot ABI (Xen hvm_start_info v1).
 */
#ifndef ASM_PVH_H
#define ASM_PVH_H

#include <stdint.h>

#define PVH_MAGIC 0x336ec578u

struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;       /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct pvh_module {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct pvh_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

#endif
