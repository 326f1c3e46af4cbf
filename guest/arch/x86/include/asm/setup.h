/*
 * setup.h: what the PVH boot data tells the kernel, and its reservation.
 *
 * Interface:
 *   setup_start_info  validates hvm_start_info, returns its command line
 *   setup_boot_ptr    a pointer to boot data (ACPI tables) before paging_init
 *   e820_setup        prints the e820 map Linux-style, adds usable RAM to memblock
 *   setup_reserve     reserves low 1 MiB, kernel image, boot data, modules
 */
#ifndef ASM_SETUP_H
#define ASM_SETUP_H

#include <mm_port.h>

struct boot_module {
	phys_addr_t base, size;
};

/* Copied out of start_info by setup_start_info; read-only afterwards. */
struct boot_info {
	phys_addr_t start_info;
	phys_addr_t rsdp;                 /* ACPI RSDP from start_info; 0: none given */
	const char *cmdline;              /* in the boot mapping; "" if none */
	unsigned nr_modules;
	struct boot_module modules[4];    /* the initrd is modules[0] */
};
extern struct boot_info boot_info;

void setup_start_info(phys_addr_t start_info);
/* Boot data at pa, through the boot mapping (before paging_init only);
 * panics when the boot mapping cannot reach it. */
const void *setup_boot_ptr(phys_addr_t pa, phys_addr_t len);
void e820_setup(void);
void setup_reserve(void);

#endif
