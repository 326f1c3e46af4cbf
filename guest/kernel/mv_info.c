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
};
