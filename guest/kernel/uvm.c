/*
 * uvm.c: user address spaces (uvm.h): areas, copy-on-write fork,
 * mmap/munmap/mprotect/madvise/brk, and the glue of demand paging: the
 * one fault engine (mm/fault.h) with the kernel's page allocator, page
 * cache, reclaim and swap device behind its hooks, its counters in
 * vm_events, the stack's growth.
 *
 * Invariants:
 *  - every present user PTE lies inside an area of its space and maps a
 *    4 KiB frame whose page->mapcount counts it (rmap.h);
 *  - a private frame shared with another mapping (mapcount > 1, or a
 *    page-cache frame) is never mapped writable: the write fault copies it
 *    (or reuses it once its mapcount is 1);
 *  - mm->rss[k] is the number of present PTEs whose frame is of kind k;
 *  - a fault maps the faulting page accessed (PTE_A), as the access it
 *    retries would: reclaim running before that retry sees it in use.
 * Shared anonymous areas are populated when created, so fork can share
 * their frames writable (there is no shmem object to find them later).
 */
#include <uvm.h>
#include <fault.h>
#include <vmstat.h>
#include <reclaim.h>
#include <swap.h>
#include <rmap.h>
#include <tlb.h>
#include <initrd.h>
#include <kmalloc.h>
#include <vmalloc.h>
#include <page_alloc.h>
#include <printk.h>
#include <string.h>
#include <errno.h>
#include <uapi.h>
#include <asm/paging.h>
#include <asm/traps.h>
#include <asm/cpu.h>
#include <cmdline.h>

#define PAGE_MASK_LOW (MM_PAGE_SIZE - 1)
#define PAGE_UP(x) (((x) + PAGE_MASK_LOW) & ~PAGE_MASK_LOW)
#define MMAP_MIN_ADDR 0x10000ull

static struct page *frame_page(phys_addr_t pa)
{
	return buddy_pfn_to_page(page_alloc_buddy(), pa >> MM_PAGE_SHIFT);
}

_Static_assert((int)UVM_FAULT_MINOR == FAULT_MINOR && (int)UVM_FAULT_MAJOR == FAULT_MAJOR &&
	       (int)UVM_FAULT_SEGV_MAPERR == FAULT_SEGV_MAPERR &&
	       (int)UVM_FAULT_SEGV_ACCERR == FAULT_SEGV_ACCERR && (int)UVM_FAULT_OOM == FAULT_OOM,
	       "uvm's fault results are the engine's");
_Static_assert(PF_WRITE == FAULT_WRITE && PF_INSTR == FAULT_INSTR, "#PF error bits");
_Static_assert((int)MM_ANON == FAULT_RSS_ANON && (int)MM_FILE == FAULT_RSS_FILE &&
	       (int)MM_SHMEM == FAULT_RSS_SHMEM && (int)MM_SWAPENTS == FAULT_RSS_SWAPENTS,
	       "mm->rss is the engine's counters");
_Static_assert(PAGE_ALLOC_ZERO == FAULT_ALLOC_ZERO &&
	       PAGE_ALLOC_NORECLAIM == FAULT_ALLOC_NORECLAIM, "allocation flags");

/* ---- the fault engine's host ---------------------------------------------- */

static uint64_t *mm_rss(struct mm *mm)
{
	return mm->rss;
}

static phys_addr_t frames_alloc(void *ctx, unsigned order, unsigned flags)
{
	(void)ctx;
	return page_alloc(order, flags);
}

static void frame_free(void *ctx, phys_addr_t pa)
{
	(void)ctx;
	page_free(pa, 0);
}

static phys_addr_t file_page(void *ctx, const void *file, uint64_t index, bool *major)
{
	(void)ctx;
	return initrd_cache_page((struct inode *)file, index, major);
}

/* The page-cache frame of the file's page index if cached, without I/O. */
static phys_addr_t file_cached(void *ctx, const void *file, uint64_t index)
{
	(void)ctx;
	return pagecache_lookup(&((const struct inode *)file)->cache, index) << MM_PAGE_SHIFT;
}

static uint64_t file_size(const void *file)
{
	return ((const struct inode *)file)->size;
}

static void fault_prepare(void *ctx)
{
	(void)ctx;
	reclaim_fault_prepare();
}

static void count_event(void *ctx, enum fault_event e, int64_t n)
{
	static const enum vm_event_item item[NR_FAULT_EVENTS] = {
		[FAULT_EV_ZERO_FILLS] = VM_ZERO_FILLS, [FAULT_EV_FILE_MAPS] = VM_FILE_MAPS,
		[FAULT_EV_COW_COPIES] = VM_COW_COPIES, [FAULT_EV_COW_REUSES] = VM_COW_REUSES,
		[FAULT_EV_PSWPIN] = VM_PSWPIN, [FAULT_EV_NR_ANON_PAGES] = VM_NR_ANON_PAGES,
		[FAULT_EV_NR_SHMEM_PAGES] = VM_NR_SHMEM_PAGES,
		[FAULT_EV_FILE_AROUND] = VM_FILE_FAULT_AROUND,
	};

	(void)ctx;
	vm_events[item[e]] += (uint64_t)n;
}

static const struct fault_host kernel_host = {
	.rss = mm_rss, .alloc = frames_alloc, .free = frame_free, .file_page = file_page,
	.file_cached = file_cached, .file_size = file_size, .prepare = fault_prepare,
	.count = count_event,
};

/* File fault-around's window: Linux's default fault_around_bytes, 64 KiB. */
#define FILE_FAULT_AROUND_ORDER 4

/* The one engine, over the kernel's allocator, reclaim node and swap device. */
static struct fault_engine engine;

/* log2 of mm.fault_around (anonymous pages per fault). */
static unsigned fault_around_order(void)
{
	unsigned order = 0;

	while ((2l << order) <= kparams.mm_fault_around)
		order++;
	return order;
}

static void hiwater_update(struct mm *mm)
{
	if (uvm_rss(mm) > mm->hiwater_rss)
		mm->hiwater_rss = uvm_rss(mm);
}

static void *vma_kalloc(size_t n)
{
	return kmalloc(n, BUDDY_GFP_KERNEL);
}

static void vma_kfree(void *p)
{
	kfree(p);
}

void uvm_init(void)
{
	int err = pt_prealloc_kernel(&kernel_pt, VMALLOC_START, VMALLOC_SIZE);

	if (err)
		panic("uvm_init: cannot pre-allocate the vmalloc tables (%d)", err);
	err = vmalloc_init(&vmalloc_global, &kernel_pt, page_alloc_buddy(), VMALLOC_START,
			   VMALLOC_SIZE);
	if (err)
		panic("uvm_init: cannot set up vmalloc (%d)", err);
	/* after the command line and paging_init (pte_nx): the settings are set once */
	engine = (struct fault_engine){ .buddy = page_alloc_buddy(), .vs = reclaim_vmscan(),
					.swap = swap_device(), .host = &kernel_host, .nx = pte_nx,
					.around_order = fault_around_order(),
					.file_around_order = FILE_FAULT_AROUND_ORDER,
					.page_cluster = (unsigned)kparams.mm_page_cluster };
}

struct mm *uvm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm), BUDDY_GFP_KERNEL);

	if (!mm)
		return NULL;
	if (pt_init(&mm->pt)) {
		kfree(mm);
		return NULL;
	}
	pt_share_kernel(&mm->pt, &kernel_pt);
	vma_tree_init(&mm->vmas, vma_kalloc, vma_kfree);
	mm->users = 1;
	return mm;
}

void uvm_switch(struct mm *mm)
{
	switch_mm(mm);
}

uint64_t uvm_rss(const struct mm *mm)
{
	return mm->rss[MM_ANON] + mm->rss[MM_FILE] + mm->rss[MM_SHMEM];
}

uint64_t uvm_total_vm(const struct mm *mm)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < mm->vmas.nr; i++)
		pages += (mm->vmas.v[i].end - mm->vmas.v[i].start) >> MM_PAGE_SHIFT;
	return pages;
}

void uvm_destroy(struct mm *mm)
{
	MM_BUG_ON(mm->cpumask);   /* in no CR3: switch away first */
	for (uint32_t i = 0; i < mm->vmas.nr; i++)
		fault_zap_range(&engine, mm, mm->vmas.v[i].start, mm->vmas.v[i].end);
	MM_BUG_ON(uvm_rss(mm));
	pt_destroy(&mm->pt);
	vma_tree_destroy(&mm->vmas);
	kfree(mm);
}

struct mm *uvm_get(struct mm *mm)
{
	MM_BUG_ON(mm->users <= 0);
	mm->users++;
	return mm;
}

void uvm_put(struct mm *mm)
{
	MM_BUG_ON(mm->users <= 0);
	if (--mm->users == 0)
		uvm_destroy(mm);
}

struct mm *uvm_fork(struct mm *parent)
{
	struct mm *child = uvm_create();

	if (!child)
		return NULL;
	if (vma_tree_clone(&child->vmas, &parent->vmas))
		goto fail;
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	for (uint32_t i = 0; i < parent->vmas.nr; i++)
		if (fault_fork_range(&engine, parent, child, &parent->vmas.v[i]))
			goto fail;
	child->hiwater_rss = uvm_rss(child);
	return child;
fail:
	uvm_destroy(child);
	return NULL;
}

int uvm_map_area(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot,
		 uint32_t flags, const void *file, uint64_t off)
{
	struct vma v = { .start = start, .end = start + len, .prot = prot, .flags = flags,
			 .file = file, .pgoff = off };
	int err = vma_insert(&mm->vmas, &v);

	if (!err && uvm_total_vm(mm) > mm->hiwater_vm)
		mm->hiwater_vm = uvm_total_vm(mm);
	return err;
}

/* ---- faults ------------------------------------------------------------ */

/* Extends the stack area above addr down to it, within limit and guard gap. */
static struct vma *grow_stack(struct mm *mm, uint64_t addr)
{
	struct vma *next = vma_find(&mm->vmas, addr);
	uint64_t va = addr & ~PAGE_MASK_LOW;

	if (!next || !(next->flags & VMA_GROWSDOWN) || next->end - va > USER_STACK_LIMIT)
		return NULL;
	struct vma *prev = vma_prev(&mm->vmas, next);
	if (prev && prev->end + STACK_GUARD_GAP > va)
		return NULL;
	if (vma_set_start(&mm->vmas, next->start, va))
		return NULL;
	return vma_lookup(&mm->vmas, addr);
}

enum uvm_fault_result uvm_fault(struct mm *mm, uint64_t addr, unsigned long err)
{
	enum fault_result r;

	if (addr >= USER_TOP)
		return UVM_FAULT_SEGV_MAPERR;
	if (!vma_lookup(&mm->vmas, addr))
		grow_stack(mm, addr);
	r = fault_handle(&engine, mm, addr, (unsigned)err);
	hiwater_update(mm);
	return (enum uvm_fault_result)r;
}

/* ---- system calls -------------------------------------------------------- */

/* Faults in every page of [start, end). Returns 0 or -ENOMEM. */
static int populate(struct mm *mm, uint64_t start, uint64_t end, uint32_t prot)
{
	unsigned long err = PF_USER | ((prot & VMA_WRITE) ? PF_WRITE : 0);

	if (!prot)
		return 0;
	for (uint64_t va = start; va < end; va += MM_PAGE_SIZE) {
		enum uvm_fault_result r = uvm_fault(mm, va, err);
		if (r != UVM_FAULT_MINOR && r != UVM_FAULT_MAJOR)
			return -ENOMEM;
	}
	return 0;
}

/* Checks an [addr, addr+len) user range; rounds len up. Returns 0 or -EINVAL. */
static int check_range(uint64_t addr, uint64_t *len)
{
	if ((addr & PAGE_MASK_LOW) || !*len)
		return -EINVAL;
	*len = PAGE_UP(*len);
	if (!*len || addr + *len > USER_TOP || addr + *len < addr)
		return -EINVAL;
	return 0;
}

/* Where a new mapping of len goes: fixed, at the hint, or top-down. */
static long place(struct mm *mm, uint64_t addr, uint64_t len, unsigned long flags)
{
	uint64_t at;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((addr & PAGE_MASK_LOW) || addr < MMAP_MIN_ADDR || addr + len > USER_TOP ||
		    addr + len < addr)
			return (addr & PAGE_MASK_LOW) ? -EINVAL
			       : addr < MMAP_MIN_ADDR ? -EPERM : -ENOMEM;
		if (!vma_range_free(&mm->vmas, addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			long err = uvm_munmap(mm, addr, len);
			if (err)
				return err;
		}
		return (long)addr;
	}
	addr = PAGE_UP(addr);
	if (addr >= MMAP_MIN_ADDR && addr + len <= USER_MMAP_BASE && addr + len > addr &&
	    vma_range_free(&mm->vmas, addr, addr + len))
		return (long)addr;
	if (vma_find_gap_topdown(&mm->vmas, len, MMAP_MIN_ADDR, USER_MMAP_BASE,
				 STACK_GUARD_GAP, &at))
		return -ENOMEM;
	return (long)at;
}

long uvm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned long prot,
	      unsigned long flags, const void *file, uint64_t off)
{
	unsigned long type = flags & MAP_TYPE;
	uint32_t vflags = 0;

	if (!len || (off & PAGE_MASK_LOW) || (prot & ~7ul) ||
	    (type != MAP_SHARED && type != MAP_PRIVATE))
		return -EINVAL;
	len = PAGE_UP(len);
	if (!len || len > USER_TOP)
		return -ENOMEM;
	long start = place(mm, addr, len, flags);
	if (start < 0)
		return start;
	if (type == MAP_SHARED && !file)
		vflags |= VMA_SHARED;
	if (flags & MAP_GROWSDOWN)
		vflags |= VMA_GROWSDOWN;
	if (flags & MAP_POPULATE)
		vflags |= VMA_LOCKED_POPULATE;
	int err = uvm_map_area(mm, (uint64_t)start, len, (uint32_t)prot, vflags, file,
			       file ? off : 0);
	if (err)
		return err;
	if ((vflags & VMA_SHARED) || (flags & MAP_POPULATE)) {
		if (populate(mm, (uint64_t)start, (uint64_t)start + len, (uint32_t)prot) &&
		    (vflags & VMA_SHARED)) {
			uvm_munmap(mm, (uint64_t)start, len);
			return -ENOMEM;
		}
	}
	return start;
}

long uvm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	int err = check_range(addr, &len);

	if (err)
		return err;
	err = vma_remove(&mm->vmas, addr, addr + len);
	if (err)
		return err;
	fault_zap_range(&engine, mm, addr, addr + len);
	return 0;
}

long uvm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, unsigned long prot)
{
	uint64_t set = 0, clear = 0;
	int err = check_range(addr, &len);

	if (err)
		return err;
	if (prot & ~7ul)
		return -EINVAL;
	err = vma_protect(&mm->vmas, addr, addr + len, (uint32_t)prot);
	if (err)
		return err;
	if (prot)
		set |= PTE_US;
	else
		clear |= PTE_US;
	if (!(prot & PROT_WRITE))
		clear |= PTE_RW;          /* adding write is left to the write fault */
	if (prot & PROT_EXEC)
		clear |= pte_nx;
	else
		set |= pte_nx;
	return pt_protect(&mm->pt, addr, len, set, clear) ? -ENOMEM : 0;
}

long uvm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	int err = check_range(addr, &len);
	uint64_t a = addr, end = addr + len;

	if (err)
		return err;
	while (a < end) {
		struct vma *v = vma_find(&mm->vmas, a);
		if (!v || v->start >= end)
			return -ENOMEM;
		if (v->start > a)
			err = -ENOMEM;         /* a hole: Linux advises the rest, then says so */
		uint64_t s = MM_MAX(a, v->start), e = MM_MIN(end, v->end);
		if (advice == MADV_DONTNEED)
			fault_zap_range(&engine, mm, s, e);
		a = e;
	}
	return err;
}

long uvm_brk(struct mm *mm, uint64_t addr)
{
	uint64_t old_end = PAGE_UP(mm->brk), new_end = PAGE_UP(addr);

	if (addr < mm->brk_start || addr >= USER_MMAP_BASE)
		return (long)mm->brk;
	if (new_end > old_end) {
		if (!vma_range_free(&mm->vmas, old_end, new_end))
			return (long)mm->brk;
		int err = old_end == PAGE_UP(mm->brk_start)
			? uvm_map_area(mm, old_end, new_end - old_end, VMA_READ | VMA_WRITE,
				       VMA_HEAP, NULL, 0)
			: vma_set_end(&mm->vmas, old_end, new_end);
		if (err)
			return (long)mm->brk;
	} else if (new_end < old_end) {
		if (vma_remove(&mm->vmas, new_end, old_end))
			return (long)mm->brk;
		fault_zap_range(&engine, mm, new_end, old_end);
	}
	mm->brk = addr;
	return (long)addr;
}

/* ---- census for /proc/PID/smaps -------------------------------------------- */

static int census_one(const struct pt_mapping *m, void *arg)
{
	struct uvm_area_census *c = arg;
	const struct page *p = frame_page(m->pa);
	bool dirty = m->flags & PTE_D, shared = p->mapcount > 1;

	c->rss++;
	if (p->flags & PG_ANON)
		c->anon++;
	if (shared)
		*(dirty ? &c->shared_dirty : &c->shared_clean) += 1;
	else
		*(dirty ? &c->private_dirty : &c->private_clean) += 1;
	return 0;
}

void uvm_area_census(struct mm *mm, const struct vma *v, struct uvm_area_census *c)
{
	memset(c, 0, sizeof(*c));
	pt_walk(&mm->pt, v->start, v->end - v->start, census_one, c);
}
