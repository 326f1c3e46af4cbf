/*
 * mv_info.c: the one symbol the host reads to find the kernel's memory
 * state (mm/include/mv_info.h). Only addresses and sizes: nothing here
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

/*
 * vmstat names, in the order of the uint64_t fields of struct uvm_stats
 * (uvm.h): keep the two in step. The size check below catches a field
 * added without a name.
 */
static const char vmstat_names[] =
	"pgfault\0pgmajfault\0pgfault_invalid\0cow_copies\0cow_reuses\0zero_fills\0"
	"file_maps\0nr_anon_pages\0nr_shmem_pages\0nr_page_table_pages";
#define NR_VMSTAT (sizeof(struct uvm_stats) / sizeof(uint64_t))
_Static_assert(NR_VMSTAT == 10, "struct uvm_stats changed: update vmstat_names");

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
	.vmstat = (uint64_t)&uvm_stats,
	.vmstat_names = (uint64_t)vmstat_names,
	.nr_vmstat = NR_VMSTAT,
	.vmstat_names_len = sizeof(vmstat_names),
	.task_list = (uint64_t)&task_list,
	.task_off_link = __builtin_offsetof(struct task, tasks),
	.task_off_pid = __builtin_offsetof(struct task, pid),
	.task_off_comm = __builtin_offsetof(struct task, comm),
	.task_comm_len = TASK_COMM_LEN,
	.task_off_mm = __builtin_offsetof(struct task, mm),
	.mm_off_pt_root = __builtin_offsetof(struct mm, pt) + __builtin_offsetof(struct pt_space, root),
};
