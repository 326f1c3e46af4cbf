/*
 * mv_info.c: the one symbol the host reads to find the kernel's memory
 * state (abi/mv_info.h). Only addresses and sizes: nothing here
 * runs, and the host can read it from a stopped or crashed guest.
 */
#include <mv_info.h>
#include <buddy.h>
#include <slab.h>
#include <pt.h>
#include <printk.h>
#include <page_alloc.h>
#include <asm/paging.h>
#include <asm/layout.h>
#include <sched.h>
#include <uvm.h>
#include <vmstat.h>

__attribute__((used)) const struct mv_info mv_info = {
	.magic = MV_INFO_MAGIC,
	.version = MV_INFO_VERSION,
	.size = sizeof(struct mv_info),
	.sizeof_page = sizeof(struct page),
	.sizeof_buddy = sizeof(struct buddy),
	.sizeof_kmem_cache = sizeof(struct kmem_cache),
	.sizeof_slab_global = sizeof(struct slab_global),
	.page_offset = PAGE_OFFSET,
	.kernel_pt = (uint64_t)&kernel_pt,
	.buddy = (uint64_t)&kernel_buddy,
	.slab_global = (uint64_t)&slab_global,
	.printk_log_buf = (uint64_t)printk_log_buf,
	.printk_log_len = (uint64_t)&printk_log_len,
	.printk_log_size = PRINTK_LOG_SIZE,
	.vmstat = (uint64_t)vm_events,
	.vmstat_names = (uint64_t)vm_event_names,
	.nr_vmstat = NR_VM_EVENTS,
	.vmstat_names_len = VM_EVENT_NAMES_LEN,
	.task_list = (uint64_t)&task_list,
	.task_off_link = __builtin_offsetof(struct task, tasks),
	.task_off_pid = __builtin_offsetof(struct task, pid),
	.task_off_comm = __builtin_offsetof(struct task, comm),
	.task_comm_len = TASK_COMM_LEN,
	.task_off_mm = __builtin_offsetof(struct task, mm),
	.mm_off_pt_root = __builtin_offsetof(struct mm, pt) + __builtin_offsetof(struct pt_space, root),
	.task_off_state = __builtin_offsetof(struct task, state),
	.task_off_min_flt = __builtin_offsetof(struct task, min_flt),
	.task_off_maj_flt = __builtin_offsetof(struct task, maj_flt),
	.mm_off_rss = __builtin_offsetof(struct mm, rss),
	.mm_off_vmas = __builtin_offsetof(struct mm, vmas),
	.sizeof_vma = sizeof(struct vma),
};

/* The process figures' shared meanings (abi/mv_info.h) are the kernel's own. */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(MV_TASK_RUNNING, TASK_RUNNING) && SAME(MV_TASK_SLEEPING, TASK_SLEEPING) &&
	       SAME(MV_TASK_ZOMBIE, TASK_ZOMBIE) && sizeof(enum task_state) == 4,
	       "mv_info task states");
_Static_assert(SAME(MV_MM_ANON, MM_ANON) && SAME(MV_MM_FILE, MM_FILE) &&
	       SAME(MV_MM_SHMEM, MM_SHMEM) && SAME(MV_MM_SWAPENTS, MM_SWAPENTS) &&
	       SAME(MV_MM_NR, MM_NR_COUNTERS), "mv_info mm counters");
_Static_assert(sizeof(((struct task *)0)->min_flt) == 8 && sizeof(((struct mm *)0)->rss[0]) == 8,
	       "mv_info process counters are uint64");
