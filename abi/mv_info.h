/*
 * mv_info.h: the introspection contract between the guest kernel and the
 * host (docs/contracts.md, "mv_info").
 *
 * The kernel exports one symbol, `mv_info`, of this type. The VMM finds it
 * in the kernel ELF, translates its guest-virtual address by walking the
 * guest's page tables, and reads the structures it points to with the same
 * mm/ headers the kernel was built with. It needs no help from the guest,
 * so a paused, hung or crashed guest can be inspected.
 *
 * Rules: every pointer is a guest-virtual address (0 = not present in this
 * kernel); every size lets the reader refuse a layout it was not built
 * for; fields are only ever appended, and MV_INFO_VERSION changes when a
 * field changes meaning. Structures whose layout changes often (tasks) are
 * described by field offsets instead of a size. The asserts after the
 * struct pin every offset in both builds: moving a field fails to compile.
 */
#ifndef ABI_MV_INFO_H
#define ABI_MV_INFO_H

#include <stddef.h>
#include <stdint.h>

#define MV_INFO_MAGIC   0x4f464e4953564d4dull /* "MMVSINFO" little endian */
#define MV_INFO_VERSION 1

struct mv_info {
	uint64_t magic;             /* MV_INFO_MAGIC */
	uint32_t version;           /* MV_INFO_VERSION */
	uint32_t size;              /* sizeof(struct mv_info) */

	/* sizes of the shared structures, checked by the reader */
	uint32_t sizeof_page;       /* struct page (buddy.h) */
	uint32_t sizeof_buddy;      /* struct buddy */
	uint32_t sizeof_kmem_cache; /* struct kmem_cache (slab.h) */
	uint32_t sizeof_slab_global;

	/* where things are */
	uint64_t page_offset;       /* base of the direct map of all RAM */
	uint64_t kernel_pt;         /* struct pt_space of the kernel */
	uint64_t buddy;             /* struct buddy: zones, page array */
	uint64_t slab_global;       /* struct slab_global: cache list */
	uint64_t printk_log_buf;    /* char[printk_log_size], circular */
	uint64_t printk_log_len;    /* unsigned long: bytes ever logged */
	uint64_t printk_log_size;

	/* vmstat: nr_vmstat counters (uint64_t) named by a NUL-separated blob */
	uint64_t vmstat;
	uint64_t vmstat_names;
	uint32_t nr_vmstat;
	uint32_t vmstat_names_len;

	/*
	 * Tasks: a circular list through a list_head in each task, whose head
	 * is at task_list. In a task: the link (list_head) at task_off_link,
	 * the pid (int32) at task_off_pid, the name (char[task_comm_len]) at
	 * task_off_comm, and a pointer to its address space at task_off_mm
	 * (0 for kernel threads), in which the physical address of the
	 * top-level page table (uint64) is at mm_off_pt_root.
	 * task_list == 0: this kernel has no processes.
	 */
	uint64_t task_list;
	uint32_t task_off_link, task_off_pid, task_off_comm, task_comm_len;
	uint32_t task_off_mm, mm_off_pt_root;

	uint64_t swap;              /* swap state, 0 until swap exists */

	/*
	 * A process's figures, as /proc/PID/statm, status and stat give them.
	 * In a task: its state (int32: 0 running, 1 sleeping, 2 zombie) at
	 * task_off_state, its minor and major fault counts (uint64) at
	 * task_off_min_flt and task_off_maj_flt. In its address space: four
	 * uint64 page counts at mm_off_rss, in the order anonymous, file,
	 * shmem, swap entries (resident = the first three; shared = file +
	 * shmem), and at mm_off_vmas the area tree (struct vma_tree,
	 * mm/include/vma.h) whose areas' sizes sum to VIRT; a struct vma is
	 * sizeof_vma bytes.
	 */
	uint32_t task_off_state, task_off_min_flt, task_off_maj_flt;
	uint32_t mm_off_rss, mm_off_vmas, sizeof_vma;
};

/* The task states and counter order mv_info's process figures use. */
enum mv_task_state { MV_TASK_RUNNING, MV_TASK_SLEEPING, MV_TASK_ZOMBIE };
enum mv_mm_counter { MV_MM_ANON, MV_MM_FILE, MV_MM_SHMEM, MV_MM_SWAPENTS, MV_MM_NR };

#define MV_INFO_ASSERT_AT(field, off) \
	_Static_assert(offsetof(struct mv_info, field) == (off), "mv_info." #field " at " #off)
MV_INFO_ASSERT_AT(magic, 0);
MV_INFO_ASSERT_AT(version, 8);
MV_INFO_ASSERT_AT(size, 12);
MV_INFO_ASSERT_AT(sizeof_page, 16);
MV_INFO_ASSERT_AT(sizeof_buddy, 20);
MV_INFO_ASSERT_AT(sizeof_kmem_cache, 24);
MV_INFO_ASSERT_AT(sizeof_slab_global, 28);
MV_INFO_ASSERT_AT(page_offset, 32);
MV_INFO_ASSERT_AT(kernel_pt, 40);
MV_INFO_ASSERT_AT(buddy, 48);
MV_INFO_ASSERT_AT(slab_global, 56);
MV_INFO_ASSERT_AT(printk_log_buf, 64);
MV_INFO_ASSERT_AT(printk_log_len, 72);
MV_INFO_ASSERT_AT(printk_log_size, 80);
MV_INFO_ASSERT_AT(vmstat, 88);
MV_INFO_ASSERT_AT(vmstat_names, 96);
MV_INFO_ASSERT_AT(nr_vmstat, 104);
MV_INFO_ASSERT_AT(vmstat_names_len, 108);
MV_INFO_ASSERT_AT(task_list, 112);
MV_INFO_ASSERT_AT(task_off_link, 120);
MV_INFO_ASSERT_AT(task_off_pid, 124);
MV_INFO_ASSERT_AT(task_off_comm, 128);
MV_INFO_ASSERT_AT(task_comm_len, 132);
MV_INFO_ASSERT_AT(task_off_mm, 136);
MV_INFO_ASSERT_AT(mm_off_pt_root, 140);
MV_INFO_ASSERT_AT(swap, 144);
MV_INFO_ASSERT_AT(task_off_state, 152);
MV_INFO_ASSERT_AT(task_off_min_flt, 156);
MV_INFO_ASSERT_AT(task_off_maj_flt, 160);
MV_INFO_ASSERT_AT(mm_off_rss, 164);
MV_INFO_ASSERT_AT(mm_off_vmas, 168);
MV_INFO_ASSERT_AT(sizeof_vma, 172);
_Static_assert(sizeof(struct mv_info) == 176, "mv_info is 176 bytes");
#undef MV_INFO_ASSERT_AT

#endif
