/*
 * linux_tasks.h: the process list of a Linux guest, read from outside,
 * with no help from the guest and no file besides the vmlinux memvisor
 * booted:
 *   - where init_task is: the vmlinux's export table (__ksymtab: Linux
 *     exports init_task), plus KERNELOFFSET (KASLR) from the guest's
 *     VMCOREINFO (vmcoreinfo.h). Debian's System.map is a placeholder
 *     ("The real System.map is in the linux-image-<version>-dbg package"),
 *     so it cannot be used;
 *   - where task_struct keeps tasks, pid, comm and mm, and mm_struct its
 *     pgd: the vmlinux's BTF (.BTF, CONFIG_DEBUG_INFO_BTF=y in Debian's
 *     kernels, kept by scripts/linux-guest's extraction), read with
 *     libbpf's BTF API;
 *   - the kernel's own page table (init_top_pgt, phys_base and
 *     pgtable_l5_enabled from VMCOREINFO) to read it all through.
 *
 * Interface:
 *   linux_layout_read  the addresses and offsets above, or why not
 *   linux_tasks        init_task's list walked: pid, comm, mm->pgd's PA
 *
 * Everything read from the guest is bounded: at most max tasks, every
 * read through the page tables checked, a cycle ends at max.
 */
#ifndef VMM_LINUX_TASKS_H
#define VMM_LINUX_TASKS_H

#include "introspect.h"
#include "memory.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct linux_layout {
	uint64_t init_task;            /* its address in the running kernel */
	uint64_t kernel_root;          /* PA of init_top_pgt */
	bool la57;                     /* 5-level paging (pgtable_l5_enabled) */
	uint32_t task_tasks, task_pid, task_comm, task_mm; /* offsets in task_struct */
	uint32_t mm_pgd;               /* offset in mm_struct */
};

/*
 * Fills l from the vmlinux (elf, len bytes) and the guest's VMCOREINFO
 * text. Returns 0, or a negative errno with the reason in err.
 */
int linux_layout_read(const void *elf, size_t len, const char *vmcoreinfo,
		      struct linux_layout *l, struct mv_error *err);

/*
 * The processes on init_task's list (init_task first), at most max, into
 * out: pid, comm, and the PA of mm->pgd (0 for kernel threads). Returns
 * the count, or -EFAULT when init_task itself cannot be read.
 */
int linux_tasks(const struct guest_memory *mem, const struct linux_layout *l,
		struct intro_task *out, int max);

#endif
