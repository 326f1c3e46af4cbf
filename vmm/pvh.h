/*
 * pvh.h: the PVH boot ABI (Xen's hvm_start_info, version 1), as QEMU and
 * Linux implement it. Layout is fixed by the ABI; all fields little endian.
 */
#ifndef VMM_PVH_H
#define VMM_PVH_H

#include <stdint.h>

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_START_MAGIC          0x336ec578u

struct hvm_start_info {
	uint32_t magic;          /* PVH_START_MAGIC */
	uint32_t version;        /* 1: memmap fields valid */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;  /* array of hvm_modlist_entry */
	uint64_t cmdline_paddr;  /* NUL-terminated */
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;   /* array of hvm_memmap_table_entry */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;           /* e820 type */
	uint32_t reserved;
};

#endif
