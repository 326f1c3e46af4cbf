/*
 * loader.h: loads a PVH ELF64 kernel and an optional initrd into guest RAM
 * and builds the hvm_start_info the kernel is entered with.
 *
 * Every value taken from the image (offsets, sizes, counts, addresses) is
 * checked against the file and against guest RAM before use; a malformed
 * image yields one line in err naming what is wrong, never a crash.
 *
 * Boot data lives in low RAM at fixed addresses below 1 MiB
 * (LOADER_*_GPA); kernel segments must load at 1 MiB or above.
 */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include "memory.h"

#include <stddef.h>
#include <stdint.h>

#define LOADER_START_INFO_GPA 0x6000ull
#define LOADER_MODLIST_GPA    0x6100ull
#define LOADER_MEMMAP_GPA     0x7000ull
#define LOADER_MEMMAP_MAX     128
#define LOADER_CMDLINE_GPA    0x8000ull
#define LOADER_CMDLINE_MAX    4096      /* bytes, NUL included */
#define LOADER_MAX_PHDRS      64
#define LOADER_KERNEL_MIN     0x100000ull

struct pvh_image {
	uint32_t entry;          /* 32-bit physical entry from the Xen note */
	uint64_t load_start;     /* lowest p_paddr loaded */
	uint64_t load_end;       /* end of the highest p_paddr + p_memsz */
	int nr_loads;            /* PT_LOAD segments */
};

/*
 * Validates the image in buf[0..len) for a guest of ram_size bytes and fills
 * img; loads nothing. Returns 0 or a negative errno with the reason in err.
 */
int loader_check(const void *buf, size_t len, uint64_t ram_size,
		 struct pvh_image *img, struct mv_error *err);

/* Validates, then copies the segments into guest RAM. Returns 0 or a
 * negative errno with the reason in err. */
int loader_load_kernel(const struct guest_memory *m, const void *buf, size_t len,
		       struct pvh_image *img, struct mv_error *err);

/*
 * Places the initrd (may be NULL/0) at the top of low RAM, writes the
 * command line, e820 map, module list and hvm_start_info. Returns the
 * start_info GPA in *start_info, 0 or a negative errno with the reason in err.
 */
int loader_build_start_info(const struct guest_memory *m, const struct pvh_image *img,
			    const char *cmdline, const void *initrd, size_t initrd_len,
			    uint64_t *start_info, struct mv_error *err);

/* Points the hvm_start_info at GPA start_info to the ACPI RSDP at GPA
 * rsdp (its rsdp_paddr). Returns 0 or -EFAULT when start_info is not in RAM. */
int loader_set_rsdp(const struct guest_memory *m, uint64_t start_info, uint64_t rsdp);

/* Reads a whole file into a malloc'd buffer. Returns 0 or a negative errno with err. */
int loader_read_file(const char *path, void **buf, size_t *len, struct mv_error *err);

#endif
