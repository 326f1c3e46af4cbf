/*
 * pvh.h: the PVH boot ABI (Xen's hvm_start_info, version 1), as QEMU and
 * Linux implement it. The VMM writes these structures (vmm/runtime/loader.c); the
 * guest kernel (guest/arch/x86/setup.c) and the tiny test guest read them.
 *
 * Layout is fixed by the ABI, all fields little endian; the asserts below
 * hold in every build that includes this header (the 64-bit VMM and
 * kernel, and the tiny guest built -m32). Assembly sees only the constants.
 */
#ifndef ABI_PVH_H
#define ABI_PVH_H

#define XEN_ELFNOTE_PHYS32_ENTRY 18         /* ELF note: 32-bit entry point */
#define PVH_START_MAGIC          0x336ec578 /* hvm_start_info.magic */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

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

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is 56 bytes");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "hvm_start_info.nr_modules");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16,
	       "hvm_start_info.modlist_paddr");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24,
	       "hvm_start_info.cmdline_paddr");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "hvm_start_info.rsdp_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "hvm_start_info.memmap_paddr");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48,
	       "hvm_start_info.memmap_entries");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(offsetof(struct hvm_modlist_entry, size) == 8, "hvm_modlist_entry.size");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16,
	       "hvm_modlist_entry.cmdline_paddr");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry is 24 bytes");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) == 8, "hvm_memmap_table_entry.size");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "hvm_memmap_table_entry.type");
#endif /* __ASSEMBLER__ */

#endif
