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
 *  - a present frame of a VMA_LOCKED area is PG_MLOCKED, on reclaim's
 *    unevictable list (mlock populates the area, a fault in it locks what
 *    it mapped); a PG_MLOCKED frame no locked area maps goes back to its
 *    LRU when its last locked mapping is unlocked or unmapped;
 *  - the limits in mm->limits hold for every change that grows the space
 *    (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, as Linux's may_expand_vm).
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
#include <tmpfs.h>
#include <kmalloc.h>
#include <vmalloc.h>
#include <page_alloc.h>
#include <mempolicy.h>
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
	       (int)UVM_FAULT_SEGV_ACCERR == FAULT_SEGV_ACCERR && (int)UVM_FAULT_OOM == FAULT_OOM &&
	       (int)UVM_FAULT_SIGBUS == FAULT_SIGBUS,
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

static phys_addr_t frames_alloc(void *ctx, const struct vma *v, uint64_t va, unsigned order,
				unsigned flags)
{
	(void)ctx;
	return mempolicy_alloc_current(v, va, order, flags);   /* the area's or current's policy */
}

static void frame_free(void *ctx, phys_addr_t pa)
{
	(void)ctx;
	page_free(pa, 0);
}

/* The page-cache frame of a file's page: the initrd's, or tmpfs's (allocated on first write). */
static phys_addr_t file_page(void *ctx, const void *file, uint64_t index, bool *major)
{
	struct inode *ino = (struct inode *)file;

	(void)ctx;
	return ino->fs ? tmpfs_fault_page(ino, index, major) : initrd_cache_page(ino, index, major);
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
	mm->limits = (struct uvm_limits){ .as = RLIM_INFINITY, .data = RLIM_INFINITY,
					  .data_max = RLIM_INFINITY, .stack = USER_STACK_LIMIT };
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

/* ---- locked areas: the frames on the unevictable list ---------------------- */

#define VMA_LOCK_FLAGS (VMA_LOCKED | VMA_LOCKONFAULT)

/* A user frame's page, or NULL for what no LRU knows (not anon, file or shmem). */
static struct page *user_page(phys_addr_t pa)
{
	struct page *p = frame_page(pa);

	return (p->flags & (PG_ANON | PG_FILE | PG_SHMEM)) ? p : NULL;
}

/* What to do to each user frame of a range (vmscan_page_mlock or _munlock). */
struct page_op {
	void (*fn)(struct vmscan *vs, struct page *p);
};

static int page_op_one(const struct pt_mapping *m, void *arg)
{
	const struct page_op *op = arg;
	struct page *p = user_page(m->pa);

	if (p)
		op->fn(reclaim_vmscan(), p);
	return 0;
}

static void for_each_user_page(struct mm *mm, uint64_t start, uint64_t end,
			       void (*fn)(struct vmscan *vs, struct page *p))
{
	struct page_op op = { fn };

	pt_walk(&mm->pt, start, end - start, page_op_one, &op);
}

/* Every present frame of [start, end) onto the unevictable list. */
static void lock_pages(struct mm *mm, uint64_t start, uint64_t end)
{
	for_each_user_page(mm, start, end, vmscan_page_mlock);
}

/* Every present frame of [start, end), no longer in a locked area here, back
 * to its LRU unless another locked area maps it. */
static void unlock_pages(struct mm *mm, uint64_t start, uint64_t end)
{
	for_each_user_page(mm, start, end, vmscan_page_munlock);
}

/* Clears the lock flags of every area (fork's child). Returns 0 or -ENOMEM. */
static int unlock_areas(struct mm *mm)
{
	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		if (!(v->flags & VMA_LOCK_FLAGS))
			continue;
		if (vma_set_flags(&mm->vmas, v->start, v->end, 0, VMA_LOCK_FLAGS))
			return -ENOMEM;
		i = (uint32_t)-1;       /* a merge moved the areas: look again */
	}
	return 0;
}

/* Whether an area of [start, end) is locked. */
static bool pages_locked(const struct mm *mm, uint64_t start, uint64_t end)
{
	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		if (v->start < end && v->end > start && (v->flags & VMA_LOCKED))
			return true;
	}
	return false;
}

uint64_t uvm_locked_vm(const struct mm *mm)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < mm->vmas.nr; i++)
		if (mm->vmas.v[i].flags & VMA_LOCKED)
			pages += (mm->vmas.v[i].end - mm->vmas.v[i].start) >> MM_PAGE_SHIFT;
	return pages;
}

/* ---- limits (Linux's may_expand_vm) ------------------------------------------ */

/* RLIMIT_MEMLOCK in pages, or UINT64_MAX for none (root). */
static uint64_t memlock_pages(const struct mm *mm)
{
	return mm->limits.memlock == RLIM_INFINITY ? UINT64_MAX
						   : mm->limits.memlock >> MM_PAGE_SHIFT;
}

/* Pages of locked areas in [start, end) (Linux's count_mm_mlocked_page_nr). */
static uint64_t locked_in(const struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		if ((v->flags & VMA_LOCKED) && v->start < end && v->end > start)
			pages += (MM_MIN(v->end, end) - MM_MAX(v->start, start)) >> MM_PAGE_SHIFT;
	}
	return pages;
}

/* Linux's mlock_future_ok: npages more locked pages stay within RLIMIT_MEMLOCK. */
static bool memlock_ok(const struct mm *mm, uint64_t npages)
{
	return memlock_pages(mm) == UINT64_MAX || uvm_locked_vm(mm) + npages <= memlock_pages(mm);
}

/* Linux's is_data_mapping: private, writable, not the stack. */
static bool is_data_area(uint32_t prot, uint32_t flags)
{
	return (prot & VMA_WRITE) && !(flags & (VMA_SHARED | VMA_GROWSDOWN));
}

/* Pages of [start, end) inside areas; only data areas when data_only. */
static uint64_t pages_in(const struct mm *mm, uint64_t start, uint64_t end, bool data_only)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		if (v->end <= start || v->start >= end ||
		    (data_only && !is_data_area(v->prot, v->flags)))
			continue;
		pages += (MM_MIN(end, v->end) - MM_MAX(start, v->start)) >> MM_PAGE_SHIFT;
	}
	return pages;
}

uint64_t uvm_total_vm(const struct mm *mm)
{
	return pages_in(mm, 0, UINT64_MAX, false);
}

/*
 * Whether an area of prot/flags may add npages, replacing what it covers
 * of [start, end) (MAP_FIXED over old areas; start == end: nothing):
 * total size within RLIMIT_AS, data size within RLIMIT_DATA.
 */
static bool may_expand_vm(const struct mm *mm, uint32_t prot, uint32_t flags, uint64_t npages,
			  uint64_t start, uint64_t end)
{
	uint64_t total = uvm_total_vm(mm) - pages_in(mm, start, end, false);

	if (total + npages > mm->limits.as >> MM_PAGE_SHIFT)
		return false;
	if (!is_data_area(prot, flags))
		return true;
	uint64_t data = pages_in(mm, 0, USER_TOP, true) - pages_in(mm, start, end, true);
	uint64_t limit = mm->limits.data ? mm->limits.data : mm->limits.data_max;
	return data + npages <= limit >> MM_PAGE_SHIFT;
}

void uvm_destroy(struct mm *mm)
{
	tlb_mm_release(mm);       /* lazy TLB: other CPUs may still hold it */
	MM_BUG_ON(mm->cpumask);
	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		struct vma *v = &mm->vmas.v[i];
		if (v->flags & VMA_LOCKED) {
			v->flags &= ~VMA_LOCK_FLAGS;   /* the tree goes next */
			unlock_pages(mm, v->start, v->end);
		}
		fault_zap_range(&engine, mm, v->start, v->end);
	}
	MM_BUG_ON(uvm_rss(mm));
	pt_destroy(&mm->pt);
	vma_tree_destroy(&mm->vmas);
	tmpfs_reap(tmpfs_get());       /* files only this space still mapped */
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
	child->data_start = parent->data_start;
	child->data_end = parent->data_end;
	child->limits = parent->limits;
	if (unlock_areas(child))       /* locks are not inherited (Linux's dup_mmap) */
		goto fail;
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

/*
 * Extends the stack area above addr down to it, within the guard gap
 * below it, RLIMIT_STACK and RLIMIT_AS (Linux's acct_stack_growth).
 */
static struct vma *grow_stack(struct mm *mm, uint64_t addr)
{
	struct vma *next = vma_find(&mm->vmas, addr);
	uint64_t va = addr & ~PAGE_MASK_LOW;

	if (!next || !(next->flags & VMA_GROWSDOWN) || next->end - va > mm->limits.stack ||
	    !may_expand_vm(mm, next->prot, next->flags, (next->start - va) >> MM_PAGE_SHIFT, 0, 0))
		return NULL;
	struct vma *prev = vma_prev(&mm->vmas, next);
	if (prev && prev->end + STACK_GUARD_GAP > va)
		return NULL;
	if (vma_set_start(&mm->vmas, next->start, va))
		return NULL;
	return vma_lookup(&mm->vmas, addr);
}

/* The frame mapped at va, 0 when none is present. */
static phys_addr_t frame_at(struct mm *mm, uint64_t va)
{
	struct pt_mapping m;

	return pt_lookup(&mm->pt, va, &m) ? 0 : m.pa + (va - m.va);
}

/*
 * After a fault in a locked area v: what it mapped (the fault-around block
 * with it) goes on the unevictable list; a frame it replaced (copy on
 * write of @before) leaves it unless another locked area maps it.
 */
static void fault_locked(struct mm *mm, const struct vma *v, uint64_t addr, phys_addr_t before)
{
	uint64_t block = MM_PAGE_SIZE << engine.around_order;
	uint64_t start = MM_MAX(v->start, addr & ~(block - 1));
	uint64_t end = MM_MIN(v->end, (addr & ~(block - 1)) + block);
	phys_addr_t now = frame_at(mm, addr & ~PAGE_MASK_LOW);

	lock_pages(mm, start, end);
	if (before && before != now && user_page(before))
		vmscan_page_munlock(reclaim_vmscan(), frame_page(before));
}

enum uvm_fault_result uvm_fault(struct mm *mm, uint64_t addr, unsigned long err)
{
	enum fault_result r;
	const struct vma *v;
	phys_addr_t before = 0;

	if (addr >= USER_TOP)
		return UVM_FAULT_SEGV_MAPERR;
	v = vma_lookup(&mm->vmas, addr);
	if (!v)
		v = grow_stack(mm, addr);
	if (v && v->file && ((const struct inode *)v->file)->fs &&
	    tmpfs_page_needs_room((struct inode *)v->file,
				  (v->pgoff + (addr - v->start)) >> MM_PAGE_SHIFT))
		return UVM_FAULT_SIGBUS;    /* a tmpfs hole with no room: Linux's shmem SIGBUS */
	bool locked = v && (v->flags & VMA_LOCKED);
	if (locked)
		before = frame_at(mm, addr & ~PAGE_MASK_LOW);
	r = fault_handle(&engine, mm, addr, (unsigned)err);
	if (locked && (r == FAULT_MINOR || r == FAULT_MAJOR))
		fault_locked(mm, vma_lookup(&mm->vmas, addr), addr, before);
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

/*
 * Linux's mm_populate over [start, end): every area in it that is locked
 * (but not lock-on-fault) faulted in, the rest left. Returns 0 or -ENOMEM.
 */
static int populate_locked(struct mm *mm, uint64_t start, uint64_t end)
{
	int err = 0;

	for (uint64_t a = start; a < end;) {
		struct vma *v = vma_find(&mm->vmas, a);
		if (!v || v->start >= end)
			break;
		uint64_t s = MM_MAX(a, v->start), e = MM_MIN(end, v->end);
		uint32_t flags = v->flags, prot = v->prot;
		if ((flags & VMA_LOCK_FLAGS) == VMA_LOCKED && populate(mm, s, e, prot))
			err = -ENOMEM;
		a = e;              /* v may have moved: the populate can grow nothing */
	}
	return err;
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

/* Where a new mapping of len goes: fixed (the caller unmaps what it
 * covers), at the hint, or top-down. */
static long place(struct mm *mm, uint64_t addr, uint64_t len, unsigned long flags)
{
	uint64_t at;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if ((addr & PAGE_MASK_LOW) || addr < MMAP_MIN_ADDR || addr + len > USER_TOP ||
		    addr + len < addr)
			return (addr & PAGE_MASK_LOW) ? -EINVAL
			       : addr < MMAP_MIN_ADDR ? -EPERM : -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && !vma_range_free(&mm->vmas, addr, addr + len))
			return -EEXIST;
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

/* The area flags of a new mapping: its type and mmap flags, and mlockall's. */
static uint32_t mmap_vflags(const struct mm *mm, unsigned long flags)
{
	uint32_t vflags = 0;

	if ((flags & MAP_TYPE) == MAP_SHARED)
		vflags |= VMA_SHARED;
	if (flags & MAP_GROWSDOWN)
		vflags |= VMA_GROWSDOWN;
	if (flags & MAP_POPULATE)
		vflags |= VMA_LOCKED_POPULATE;
	if (flags & MAP_LOCKED)
		vflags |= VMA_LOCKED;
	return vflags | mm->def_flags;
}

long uvm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned long prot,
	      unsigned long flags, const void *file, uint64_t off)
{
	unsigned long type = flags & MAP_TYPE;

	if (!len || (off & PAGE_MASK_LOW) || (prot & ~7ul) ||
	    (type != MAP_SHARED && type != MAP_PRIVATE))
		return -EINVAL;
	len = PAGE_UP(len);
	if (!len || len > USER_TOP)
		return -ENOMEM;
	long start = place(mm, addr, len, flags);
	if (start < 0)
		return start;
	uint64_t s = (uint64_t)start, fixed_end = (flags & MAP_FIXED) ? s + len : s;
	uint32_t vflags = mmap_vflags(mm, flags);
	if ((flags & MAP_LOCKED) && !uvm_can_mlock(mm))
		return -EPERM;
	if ((vflags & VMA_LOCKED) && !memlock_ok(mm, len >> MM_PAGE_SHIFT))
		return -EAGAIN;
	if (!may_expand_vm(mm, (uint32_t)prot, vflags, len >> MM_PAGE_SHIFT, s, fixed_end))
		return -ENOMEM;
	if (fixed_end > s && !vma_range_free(&mm->vmas, s, fixed_end)) {
		long err = uvm_munmap(mm, s, len);
		if (err)
			return err;
	}
	int err = uvm_map_area(mm, s, len, (uint32_t)prot, vflags, file, file ? off : 0);
	if (err)
		return err;
	bool shared_anon = (vflags & VMA_SHARED) && !file;   /* populated: fork shares its pages */
	if (shared_anon || (flags & MAP_POPULATE)) {
		if (populate(mm, s, s + len, (uint32_t)prot) && shared_anon) {
			uvm_munmap(mm, s, len);
			return -ENOMEM;
		}
	} else {
		populate_locked(mm, s, s + len);   /* mmap ignores its failure, as Linux's */
	}
	return start;
}

long uvm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	int err = check_range(addr, &len);
	bool locked;

	if (err)
		return err;
	locked = pages_locked(mm, addr, addr + len);
	err = vma_remove(&mm->vmas, addr, addr + len);
	if (err)
		return err;
	if (locked)
		unlock_pages(mm, addr, addr + len);
	fault_zap_range(&engine, mm, addr, addr + len);
	tmpfs_reap(tmpfs_get());
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

/* Linux's check_data_rlimit: the heap and the data segment within RLIMIT_DATA. */
static bool brk_within_data_limit(const struct mm *mm, uint64_t brk)
{
	return mm->limits.data == RLIM_INFINITY ||
	       (brk - mm->brk_start) + (mm->data_end - mm->data_start) <= mm->limits.data;
}

/* Grows the heap to new_end (page aligned) as Linux's do_brk_flags. Returns 0 or an errno. */
static int brk_grow(struct mm *mm, uint64_t old_end, uint64_t new_end)
{
	uint32_t vflags = VMA_HEAP | mm->def_flags, prot = VMA_READ | VMA_WRITE;
	const struct vma *next = vma_find(&mm->vmas, old_end);

	if (next && next->start < new_end + STACK_GUARD_GAP && (next->flags & VMA_GROWSDOWN))
		return -ENOMEM;
	if (!vma_range_free(&mm->vmas, old_end, new_end) ||
	    !may_expand_vm(mm, prot, vflags, (new_end - old_end) >> MM_PAGE_SHIFT, 0, 0))
		return -ENOMEM;
	if ((vflags & VMA_LOCKED) && !memlock_ok(mm, (new_end - old_end) >> MM_PAGE_SHIFT))
		return -EAGAIN;             /* mlockall(MCL_FUTURE) past RLIMIT_MEMLOCK */
	int err = uvm_map_area(mm, old_end, new_end - old_end, prot, vflags, NULL, 0);
	if (!err)
		populate_locked(mm, old_end, new_end);
	return err;
}

long uvm_brk(struct mm *mm, uint64_t addr)
{
	uint64_t old_end = PAGE_UP(mm->brk), new_end = PAGE_UP(addr);

	if (addr < mm->brk_start || addr >= USER_MMAP_BASE || !brk_within_data_limit(mm, addr))
		return (long)mm->brk;
	if (new_end > old_end) {
		if (brk_grow(mm, old_end, new_end))
			return (long)mm->brk;
	} else if (new_end < old_end) {
		if (uvm_munmap(mm, new_end, old_end - new_end))
			return (long)mm->brk;
	}
	mm->brk = addr;
	return (long)addr;
}

/* ---- mlock ------------------------------------------------------------------ */

/*
 * Sets the lock flags of every area in [start, end) to @lock (0: unlocks
 * and gives their frames back to the LRUs; else locks them, their present
 * frames onto the unevictable list). Areas before a hole keep the change:
 * -ENOMEM (Linux's apply_vma_lock_flags). Returns 0 or -ENOMEM.
 */
static int set_lock_flags(struct mm *mm, uint64_t start, uint64_t end, uint32_t lock)
{
	for (uint64_t a = start; a < end;) {
		struct vma *v = vma_find(&mm->vmas, a);
		if (!v || v->start > a)
			return -ENOMEM;
		uint64_t e = MM_MIN(end, v->end);
		if (vma_set_flags(&mm->vmas, a, e, lock, VMA_LOCK_FLAGS & ~lock))
			return -ENOMEM;
		if (lock)
			lock_pages(mm, a, e);
		else
			unlock_pages(mm, a, e);
		a = e;
	}
	return 0;
}

long uvm_mlock(struct mm *mm, uint64_t addr, uint64_t len, bool onfault)
{
	uint32_t lock = VMA_LOCKED | (onfault ? VMA_LOCKONFAULT : 0);
	uint64_t locked = (len >> MM_PAGE_SHIFT) + uvm_locked_vm(mm);
	int err;

	if (locked > memlock_pages(mm))       /* pages locked already count once (do_mlock) */
		locked -= locked_in(mm, addr, addr + len);
	if (locked > memlock_pages(mm))
		return -ENOMEM;
	err = set_lock_flags(mm, addr, addr + len, lock);
	if (err)
		return err;
	/* Linux's __mlock_posix_error_return: no memory to populate is EAGAIN */
	return populate_locked(mm, addr, addr + len) ? -EAGAIN : 0;
}

long uvm_munlock(struct mm *mm, uint64_t addr, uint64_t len)
{
	return set_lock_flags(mm, addr, addr + len, 0);
}

/* The lock flags of every area set to lock (Linux's apply_mlockall_flags). */
static int lock_all(struct mm *mm, uint32_t lock)
{
	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		if ((v->flags & VMA_LOCK_FLAGS) == lock)
			continue;
		int err = set_lock_flags(mm, v->start, v->end, lock);
		if (err)
			return err;
		i = (uint32_t)-1;       /* merges moved the areas: look again */
	}
	return 0;
}

long uvm_mlockall(struct mm *mm, unsigned flags)
{
	uint32_t onfault = (flags & MCL_ONFAULT) ? VMA_LOCKONFAULT : 0;

	if (!uvm_can_mlock(mm))
		return -EPERM;
	if ((flags & MCL_CURRENT) && uvm_total_vm(mm) > memlock_pages(mm))
		return -ENOMEM;
	mm->def_flags = (flags & MCL_FUTURE) ? VMA_LOCKED | onfault : 0;
	if (!(flags & MCL_CURRENT))
		return 0;
	int err = lock_all(mm, VMA_LOCKED | onfault);
	if (!err)
		populate_locked(mm, 0, USER_TOP);   /* its failure is ignored, as Linux's */
	return err;
}

long uvm_munlockall(struct mm *mm)
{
	mm->def_flags = 0;
	return lock_all(mm, 0);
}

/* ---- msync ------------------------------------------------------------------ */

long uvm_msync(struct mm *mm, uint64_t start, uint64_t end, bool invalidate)
{
	long hole = 0;

	for (uint64_t a = start; a < end;) {
		const struct vma *v = vma_find(&mm->vmas, a);
		if (!v || v->start >= end)
			return -ENOMEM;
		if (v->start > a)
			hole = -ENOMEM;
		if (invalidate && (v->flags & VMA_LOCKED))
			return -EBUSY;
		a = v->end;
	}
	return hole;
}

/* ---- madvise ------------------------------------------------------------------ */

/* Linux's can_madv_lru_vma: the LRU advice does not apply to locked areas. */
static bool lru_advice_ok(const struct vma *v)
{
	return !(v->flags & VMA_LOCKED);
}

/* A frame mapped only here (COLD and PAGEOUT leave shared frames alone). */
static struct page *exclusive_page(struct mm *mm, uint64_t va)
{
	phys_addr_t pa = frame_at(mm, va);
	struct page *p = pa ? user_page(pa) : NULL;

	return p && p->mapcount == 1 && !(p->flags & PG_SHMEM) ? p : NULL;
}

/* MADV_COLD and MADV_PAGEOUT on [s, e): accessed bits cleared, then deactivated or evicted. */
static void advise_cold(struct mm *mm, uint64_t s, uint64_t e, bool pageout)
{
	for (uint64_t va = s; va < e; va += MM_PAGE_SIZE) {
		struct page *p = exclusive_page(mm, va);
		if (!p)
			continue;
		pt_protect(&mm->pt, va, MM_PAGE_SIZE, 0, PTE_A);
		mm_tlb_flush_page(&mm->pt, va);
		if (pageout)
			vmscan_page_pageout(reclaim_vmscan(), p);
		else
			vmscan_page_deactivate(reclaim_vmscan(), p);
	}
}

/*
 * MADV_FREE on [s, e) of a private anonymous area: swap entries freed;
 * pages mapped writable here alone made clean and lazily freed (reclaim
 * drops them unless written again).
 */
static void lazy_free(struct mm *mm, uint64_t s, uint64_t e)
{
	for (uint64_t va = s; va < e; va += MM_PAGE_SIZE) {
		pte_t *pde, *pte = pt_pte_slot(&mm->pt, va, &pde);
		struct page *p;
		if (pte && fault_pte_is_swap(*pte)) {
			fault_zap_range(&engine, mm, va, va + MM_PAGE_SIZE);
			continue;
		}
		if (!pte || !(*pte & PTE_RW) || !(p = exclusive_page(mm, va)) || !(p->flags & PG_ANON))
			continue;
		*pte &= ~(PTE_D | PTE_A);
		mm_tlb_flush_page(&mm->pt, va);
		vmscan_page_lazyfree(reclaim_vmscan(), p);
	}
}

/* MADV_WILLNEED on [s, e) of an anonymous area: its swapped pages read ahead. */
static void advise_willneed(struct mm *mm, uint64_t s, uint64_t e)
{
	for (uint64_t va = s; va < e; va += MM_PAGE_SIZE)
		if (fault_swap_willneed(&engine, mm, va))
			break;          /* no memory: the advice is only a hint */
}

/* One area's part [s, e) of a madvise. Returns 0 or -EINVAL (the advice does not apply). */
static int advise_area(struct mm *mm, const struct vma *v, uint64_t s, uint64_t e, int advice)
{
	switch (advice) {
	case MADV_DONTNEED:
		if (!lru_advice_ok(v))
			return -EINVAL;
		fault_zap_range(&engine, mm, s, e);
		return 0;
	case MADV_FREE:
		if (!lru_advice_ok(v) || v->file || (v->flags & VMA_SHARED))
			return -EINVAL;
		lazy_free(mm, s, e);
		return 0;
	case MADV_COLD:
	case MADV_PAGEOUT:
		if (!lru_advice_ok(v))
			return -EINVAL;
		advise_cold(mm, s, e, advice == MADV_PAGEOUT);
		return 0;
	case MADV_WILLNEED:
		if (!v->file)
			advise_willneed(mm, s, e);
		return 0;
	default:
		return 0;               /* NORMAL, RANDOM, SEQUENTIAL: hints */
	}
}

long uvm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	int err = check_range(addr, &len), hole = 0;
	uint64_t a = addr, end = addr + len;

	if (err)
		return err;
	while (a < end) {
		struct vma *v = vma_find(&mm->vmas, a);
		if (!v || v->start >= end)
			return -ENOMEM;
		if (v->start > a)
			hole = -ENOMEM;    /* a hole: Linux advises the rest, then says so */
		uint64_t s = MM_MAX(a, v->start), e = MM_MIN(end, v->end);
		err = advise_area(mm, v, s, e, advice);
		if (err)
			return err;
		a = e;
	}
	return hole;
}

/* ---- census for /proc/PID/smaps -------------------------------------------- */

static int census_one(const struct pt_mapping *m, void *arg)
{
	struct uvm_area_census *c = arg;
	const struct page *p = frame_page(m->pa);
	bool dirty = m->flags & PTE_D, shared = p->mapcount > 1;

	int nid = page_to_nid(m->pa);

	c->rss++;
	if (p->flags & PG_ANON)
		c->anon++;
	c->dirty += dirty;
	if (nid >= 0 && nid < BUDDY_MAX_NODES)
		c->node[nid]++;
	if (p->mapcount > c->mapmax)
		c->mapmax = p->mapcount;
	if (shared)
		*(dirty ? &c->shared_dirty : &c->shared_clean) += 1;
	else
		*(dirty ? &c->private_dirty : &c->private_clean) += 1;
	return 0;
}

int uvm_move_page(struct mm *mm, const struct vma *v, uint64_t va)
{
	int err = fault_move_page(&engine, mm, v, va);

	return err == -MM_EBUSY ? -EBUSY : err ? -ENOMEM : 0;
}

void uvm_area_census(struct mm *mm, const struct vma *v, struct uvm_area_census *c)
{
	memset(c, 0, sizeof(*c));
	pt_walk(&mm->pt, v->start, v->end - v->start, census_one, c);
}

uint64_t uvm_tmpfs_rss(struct mm *mm)
{
	struct uvm_area_census c;
	uint64_t n = 0;

	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		if (!v->file || !((const struct inode *)v->file)->fs)
			continue;
		uvm_area_census(mm, v, &c);
		n += c.rss - c.anon;        /* a private area's copies are anonymous */
	}
	return n;
}
