/*
 * vmcoreinfo.h: finds a Linux guest's VMCOREINFO in its RAM and reads
 * values out of it, so snapshots and ELF cores of a Linux guest carry it
 * (as QEMU's dump-guest-memory does) and `crash`, drgn and `show` can use
 * them (its release, KERNELOFFSET under KASLR, symbol addresses).
 *
 * Why a scan and not fw_cfg: Linux (kernel/crash_core.c,
 * crash_save_vmcoreinfo_init) builds the note once at boot in pages of
 * its own (alloc_pages_exact, so it starts a page) as an ELF note named
 * "VMCOREINFO", type 0, whose text starts "OSRELEASE=". QEMU learns its
 * address from the guest's qemu_fw_cfg driver writing etc/vmcoreinfo; that
 * needs a fw_cfg device with its DMA interface and a module Debian builds
 * as =m loaded by the guest. Looking at the first bytes of each page the
 * guest has touched needs neither, works with any initrd and costs a few
 * microseconds per GiB.
 *
 * Interface:
 *   vmcoreinfo_scan    the note at the start of a page of one buffer
 *   vmcoreinfo_find    the same over every RAM slot of a VM
 *   vmcoreinfo_value   KEY's value in the note's "KEY=value\n" lines
 *   vmcoreinfo_number  the same parsed as a number (hex or decimal)
 *
 * Everything read is guest data: lengths are bounded (VMCOREINFO_MAX),
 * the text must be printable lines, and the copy is NUL-terminated.
 */
#ifndef VMM_VMCOREINFO_H
#define VMM_VMCOREINFO_H

#include "memory.h"

#include <stddef.h>
#include <stdint.h>

#define VMCOREINFO_NOTE_NAME "VMCOREINFO"
#define VMCOREINFO_NOTE_TYPE 0
#define VMCOREINFO_MAX       4096   /* Linux's VMCOREINFO_BYTES: one page */

struct vmcoreinfo {
	uint64_t gpa;                  /* where the note starts */
	size_t len;                    /* bytes of text */
	char text[VMCOREINFO_MAX + 1]; /* the note's text, NUL-terminated */
};

/*
 * The offset in buf (len bytes from a page boundary) of the first page
 * that starts with a VMCOREINFO note, skipping pages whose bit is clear in
 * resident (NULL: look at every page); the note's text length in
 * *text_len. Returns the offset, or -ENOENT when there is none.
 */
int64_t vmcoreinfo_scan(const uint8_t *buf, size_t len, const uint8_t *resident,
			size_t *text_len);

/* The note in any RAM slot of mem copied into out. resident: per slot,
 * as for vmcoreinfo_scan (a NULL entry skips its slot), or NULL to look
 * at every page. 0, or -ENOENT. */
int vmcoreinfo_find(const struct guest_memory *mem, uint8_t *const *resident,
		    struct vmcoreinfo *out);

/* KEY's value (the rest of the line after "KEY=") into out (max bytes,
 * NUL-ended). 0, -ENOENT when no line has KEY, -ENAMETOOLONG when it does
 * not fit. */
int vmcoreinfo_value(const char *text, const char *key, char *out, size_t max);

/* KEY's value as a number: base 16 for KERNELOFFSET and SYMBOL(...)
 * (Linux prints them %lx), else base 10. 0, -ENOENT or -EINVAL. */
int vmcoreinfo_number(const char *text, const char *key, uint64_t *value);

#endif
