/*
 * introspect.h: reads the guest kernel's memory-management state from
 * outside, through the mv_info contract (abi/mv_info.h).
 *
 * Guest-virtual addresses are translated by walking the guest's own page
 * tables (ptwalk.c) from a CR3 the caller supplies (a vCPU's, read while
 * the VM is paused). Every read is bounds-checked; lists are walked with a
 * hard bound, so a corrupt or hostile guest yields an error, never a hang.
 * A layout mismatch (magic, version or a struct size) is a clear error.
 */
#ifndef VMM_INTROSPECT_H
#define VMM_INTROSPECT_H

#include "memory.h"
#include "snapfmt.h"
#include "mv_info.h"

#include <stdbool.h>
#include <stddef.h>

#define INTRO_MAX_TASKS  4096
#define INTRO_MAX_CACHES 1024
#define INTRO_MAX_VMAS   65536
#define INTRO_MAX_ZONES  24     /* BUDDY_NR_ZONES: every zone of every node */

struct intro {
	const struct guest_memory *m;
	uint64_t cr3;
	bool la57;
	struct mv_info info;
};

/* A task as /proc/PID/statm and stat show it; pages and counts. */
struct intro_task {
	int32_t pid;
	char comm[16];
	char state;                /* 'R', 'S' or 'Z' (Linux's letters) */
	uint64_t root_pa;          /* 0 for kernel threads */
	uint64_t vm_pages;         /* VIRT: the areas' sizes summed; 0 for kernel threads */
	uint64_t rss[MV_MM_NR];    /* by enum mv_mm_counter; RES is the first three */
	uint64_t min_flt, maj_flt;
};

/* Looks up a symbol's value in a kernel ELF image. Returns 0 or -ENOENT. */
int intro_find_symbol(const void *elf, size_t len, const char *name, uint64_t *value);

/* Copies the kernel's GNU build-id (up to max bytes). Returns its length or 0. */
size_t intro_build_id(const void *elf, size_t len, uint8_t *id, size_t max);

/*
 * Reads and checks mv_info at info_gva. Returns 0, or a negative errno with the reason
 * in err (not mapped, bad magic, version or size mismatch).
 */
int intro_open(struct intro *in, const struct guest_memory *m, uint64_t cr3, bool la57,
	       uint64_t info_gva, struct mv_error *err);

/*
 * The same without any vCPU: mv_info and the kernel's pt_space are found
 * by translating their kernel-image addresses through the ELF program
 * headers (p_vaddr -> p_paddr), and the kernel's own top-level table then
 * serves as CR3. Works while the guest runs (reads are racy snapshots of
 * live data: fine for statistics). Returns 0, or a negative errno with the reason in err
 * (also while the kernel has not built its page tables yet).
 */
int intro_open_kernel(struct intro *in, const struct guest_memory *m, const void *elf,
		      size_t len, struct mv_error *err);

/* Copies len bytes at a guest-virtual address. Returns 0 or a negative errno. */
int intro_read(const struct intro *in, uint64_t gva, void *dst, size_t len);

/* The kernel's top-level page table (physical). Returns 0 or a negative errno. */
int intro_kernel_root(const struct intro *in, uint64_t *root_pa);

/* Zone state, node by node (each node's zones lowest first), empty zones left
 * out; returns the number of zones written (<= max) or a negative errno. */
int intro_zones(const struct intro *in, struct snap_zone *out, int max);

/* Slab caches into a malloc'd array. Returns 0 or a negative errno. */
int intro_slabs(const struct intro *in, struct snap_slab **out, size_t *n);

/* Tasks (pid, name, state, page-table root, memory and fault figures); returns how many
 * (<= max), or a negative errno. */
int intro_tasks(const struct intro *in, struct intro_task *out, int max);

/* vmstat counters into a malloc'd array, as /proc/vmstat names them: the
 * numa_* counters summed over every zone (numa_hit ... numa_other, read
 * from the zones in the same pass), then the kernel's named counters.
 * Returns 0 (n = 0 when the kernel has none) or a negative errno. */
int intro_vmstat(const struct intro *in, struct snap_counter **out, size_t *n);

/* The last bytes of the kernel log, NUL-terminated. Returns the length or a negative errno. */
long intro_log_tail(const struct intro *in, char *buf, size_t len);

#endif
