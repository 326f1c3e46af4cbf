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
 *     pgtable_l5_enabled from VMCOREINFO) to read it all through;
 *   - whether page-table isolation (PTI, the Meltdown mitigation) is on:
 *     X86_FEATURE_PTI in boot_cpu_data.x86_capability (boot_cpu_data is
 *     exported, cpuinfo_x86's layout is in the BTF). It is the running
 *     kernel's own decision (CONFIG_PAGE_TABLE_ISOLATION, the CPU's
 *     Meltdown bug, pti=on|off), so nothing is guessed from the config.
 *
 * Under PTI each mm->pgd is an 8 KiB pair: the kernel's copy, then at
 * +4 KiB the user copy, which maps the same user half plus only the entry
 * trampoline of the kernel. User mode runs on the user copy (CR3 =
 * pgd + 4 KiB, PCID bits in CR3[11:0], bit 63 "no flush" on writes); in
 * the kernel's copy Linux sets NX on every present user top-level entry,
 * so the kernel never executes user memory. The user half the CPU runs a
 * process's code under is therefore the user copy's.
 *
 * Interface:
 *   linux_layout_read  the addresses and offsets above, or why not
 *   linux_tasks        init_task's list walked: pid, comm, mm->pgd's PA
 *   linux_pti          whether the running kernel has PTI on
 *   linux_user_pgd     the table a process's user mode runs on
 *   linux_cr3_pgd      the mm->pgd a CR3 value belongs to
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
	uint64_t boot_cpu_data;        /* its address; 0: not exported (PTI unknown) */
	uint32_t cpu_caps;             /* offset of x86_capability in cpuinfo_x86 */
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

/*
 * 1 when the running kernel isolates page tables (X86_FEATURE_PTI set in
 * boot_cpu_data), 0 when not, -ENOENT when the layout does not say where
 * that bit is, -EFAULT when it cannot be read.
 */
int linux_pti(const struct guest_memory *mem, const struct linux_layout *l);

/* The root of the tables a process with that mm->pgd PA runs on in user
 * mode: the user copy under PTI, the pgd itself without. */
uint64_t linux_user_pgd(uint64_t pgd_pa, bool pti);

/*
 * The mm->pgd PA a CR3 value belongs to: PCID (bits 11:0) and bit 63 off,
 * and under PTI bit 12 off too, so that a vCPU in user mode (on the user
 * copy) and in the kernel (on the kernel's copy) both name the process.
 * Without PTI bit 12 is kept: a pgd is one page, and the page after one
 * process's pgd may well be another process's.
 */
uint64_t linux_cr3_pgd(uint64_t cr3, bool pti);

#endif
