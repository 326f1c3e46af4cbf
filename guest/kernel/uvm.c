/*
 * uvm.c: user address spaces (uvm.h): areas, demand paging, copy-on-write
 * fork, mmap/munmap/mprotect/madvise/brk.
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
#define ZAP_BATCH 64

static struct page *frame_page(phys_addr_t pa)
{
	return buddy_pfn_to_page(page_alloc_buddy(), pa >> MM_PAGE_SHIFT);
}

static enum mm_counter frame_kind(const struct page *p)
{
	return (p->flags & PG_ANON) ? MM_ANON : (p->flags & PG_SHMEM) ? MM_SHMEM : MM_FILE;
}

/* Fills an empty slot found by pt_pte_slot; the PD entry counts it. */
static void pte_install(pte_t *slot, pte_t *pde, phys_addr_t pa, uint64_t flags)
{
	*slot = pa | flags | PTE_P;
	*pde += 1ull << PT_CNT_SHIFT;
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

/* PTE bits for a page of @v; @writable when the frame may be written. */
uint64_t uvm_pte_flags(const struct vma *v, bool writable)
{
	uint64_t f = v->prot ? PTE_US : 0;

	if (writable && (v->prot & VMA_WRITE))
		f |= PTE_RW;
	if (!(v->prot & VMA_EXEC))
		f |= pte_nx;
	return f;
}

/* Maps one frame and counts it. Returns 0 or -ENOMEM / -EEXIST. */
static int map_frame(struct mm *mm, uint64_t va, phys_addr_t pa, uint64_t flags)
{
	pte_t *pde, *slot = pt_pte_slot(&mm->pt, va, &pde);

	if (slot && !*slot) {
		pte_install(slot, pde, pa, flags);
	} else {
		int err = pt_map(&mm->pt, va, pa, MM_PAGE_SIZE, flags, PT_SHIFT_4K);
		if (err)
			return err;
	}
	struct page *p = frame_page(pa);
	rmap_add(p);
	reclaim_page_mapped(p, mm, va);
	mm->rss[frame_kind(p)]++;
	if (uvm_rss(mm) > mm->hiwater_rss)
		mm->hiwater_rss = uvm_rss(mm);
	return 0;
}

/* Frees an anonymous or shmem frame nobody maps any more. */
static void free_frame(phys_addr_t pa)
{
	struct page *p = frame_page(pa);

	reclaim_page_freed(p);
	if (p->flags & PG_ANON)
		vm_events[VM_NR_ANON_PAGES]--;
	else
		vm_events[VM_NR_SHMEM_PAGES]--;
	p->flags &= ~(PG_ANON | PG_SHMEM);
	page_free(pa, 0);
}

/* Forgets one mapping of pa (already unmapped); frees the frame if last. */
static void drop_frame(struct mm *mm, phys_addr_t pa)
{
	struct page *p = frame_page(pa);

	mm->rss[frame_kind(p)]--;
	if (rmap_remove(p) && rmap_frees_on_unmap(p))
		free_frame(pa);
}

/* A new frame of kind flag (PG_ANON or PG_SHMEM), zeroed or copied from src. */
static phys_addr_t new_frame(uint32_t kind, const void *src)
{
	phys_addr_t pa = page_alloc(0, src ? 0 : PAGE_ALLOC_ZERO);

	if (!pa)
		return 0;
	if (src)
		memcpy(mm_phys_to_virt(pa), src, MM_PAGE_SIZE);
	frame_page(pa)->flags |= kind;
	if (kind == PG_ANON)
		vm_events[VM_NR_ANON_PAGES]++;
	else
		vm_events[VM_NR_SHMEM_PAGES]++;
	return pa;
}

struct zap_batch {
	uint64_t va[ZAP_BATCH];
	phys_addr_t pa[ZAP_BATCH];
	unsigned n;
};

static int zap_collect(const struct pt_mapping *m, void *arg)
{
	struct zap_batch *b = arg;

	MM_BUG_ON(m->shift != PT_SHIFT_4K);
	b->va[b->n] = m->va;
	b->pa[b->n] = m->pa;
	return ++b->n == ZAP_BATCH;
}

/*
 * Unmaps every page in [start, end) and drops its frame. Tables left
 * holding nothing once the swap entries went are freed by pt_unmap.
 */
static void zap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	struct zap_batch b;
	bool tables_emptied = swap_zap_range(mm, start, end);

	while (start < end) {
		b.n = 0;
		pt_walk(&mm->pt, start, end - start, zap_collect, &b);
		uint64_t stop = b.n == ZAP_BATCH ? b.va[ZAP_BATCH - 1] + MM_PAGE_SIZE : end;
		if (b.n && pt_unmap(&mm->pt, start, stop - start))
			panic("zap_range: unmapping 4 KiB pages at 0x%llx failed",
			      (unsigned long long)start);
		for (unsigned i = 0; i < b.n; i++)
			drop_frame(mm, b.pa[i]);
		if (!b.n && tables_emptied && pt_unmap(&mm->pt, start, end - start))
			panic("zap_range: freeing the tables of 0x%llx failed",
			      (unsigned long long)start);
		start = stop;
	}
}

void uvm_destroy(struct mm *mm)
{
	MM_BUG_ON(mm->cpumask);   /* in no CR3: switch away first */
	for (uint32_t i = 0; i < mm->vmas.nr; i++)
		zap_range(mm, mm->vmas.v[i].start, mm->vmas.v[i].end);
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

struct fork_ctx {
	struct mm *child;
	const struct vma *v;
};

/* Maps one parent frame into the child; private ones lose write access. */
static int fork_copy(const struct pt_mapping *m, void *arg)
{
	struct fork_ctx *c = arg;
	uint64_t flags = m->flags & ~PTE_A;

	if (!(c->v->flags & VMA_SHARED))
		flags &= ~PTE_RW;
	return map_frame(c->child, m->va, m->pa, flags);
}

struct mm *uvm_fork(struct mm *parent)
{
	struct mm *child = uvm_create();
	struct fork_ctx c = { child, NULL };

	if (!child)
		return NULL;
	if (vma_tree_clone(&child->vmas, &parent->vmas))
		goto fail;
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	for (uint32_t i = 0; i < parent->vmas.nr; i++) {
		const struct vma *v = &parent->vmas.v[i];
		c.v = v;
		if (pt_walk(&parent->pt, v->start, v->end - v->start, fork_copy, &c) ||
		    swap_fork_range(parent, child, v))
			goto fail;
		if (!(v->flags & VMA_SHARED) && (v->prot & VMA_WRITE) &&
		    pt_protect(&parent->pt, v->start, v->end - v->start, 0, PTE_RW))
			goto fail;
	}
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

static bool access_permitted(const struct vma *v, unsigned long err)
{
	if (err & PF_WRITE)
		return v->prot & VMA_WRITE;
	if (err & PF_INSTR)
		return v->prot & VMA_EXEC;
	return v->prot != 0;
}

/* Write to a present read-only page of a writable area: reuse or copy. */
static enum uvm_fault_result fault_cow(struct mm *mm, const struct vma *v, uint64_t va,
				       const struct pt_mapping *m)
{
	struct page *p = frame_page(m->pa);

	pte_t *pde, *slot = pt_pte_slot(&mm->pt, va, &pde);

	if ((v->flags & VMA_SHARED) ||
	    ((p->flags & PG_ANON) && p->mapcount == 1 && swap_page_exclusive(p))) {
		if (slot) {
			*slot |= PTE_RW;
			flush_tlb_page(mm, va);   /* pt_protect flushes itself */
		} else if (pt_protect(&mm->pt, va, MM_PAGE_SIZE, PTE_RW, 0)) {
			return UVM_FAULT_OOM;
		}
		count_vm_event(VM_COW_REUSES);
		return UVM_FAULT_MINOR;
	}
	phys_addr_t copy = new_frame(PG_ANON, mm_phys_to_virt(m->pa));
	if (!copy)
		return UVM_FAULT_OOM;
	if (slot) {     /* swap the frame in place: the PD's count stays */
		*slot = copy | uvm_pte_flags(v, true) | (m->flags & PTE_D) | PTE_A | PTE_P;
		flush_tlb_page(mm, va);
		rmap_add(frame_page(copy));
		reclaim_page_mapped(frame_page(copy), mm, va);
		mm->rss[MM_ANON]++;
		drop_frame(mm, m->pa);
		count_vm_event(VM_COW_COPIES);
		return UVM_FAULT_MINOR;
	}
	if (pt_unmap(&mm->pt, va, MM_PAGE_SIZE))
		panic("fault_cow: unmapping 0x%llx failed", (unsigned long long)va);
	drop_frame(mm, m->pa);
	if (map_frame(mm, va, copy, uvm_pte_flags(v, true) | (m->flags & PTE_D) | PTE_A))
		panic("fault_cow: remapping 0x%llx failed", (unsigned long long)va);
	count_vm_event(VM_COW_COPIES);
	return UVM_FAULT_MINOR;
}

/* A file page: the page-cache frame for reads, a private copy for writes. */
static enum uvm_fault_result fault_file(struct mm *mm, const struct vma *v, uint64_t va,
					unsigned long err)
{
	struct inode *ino = (struct inode *)v->file;
	uint64_t index = (v->pgoff + (va - v->start)) >> MM_PAGE_SHIFT;
	bool major;
	phys_addr_t pa;

	if (index >= PAGE_UP(ino->size) >> MM_PAGE_SHIFT)
		return UVM_FAULT_SEGV_ACCERR;     /* Linux: SIGBUS */
	pa = initrd_cache_page(ino, index, &major);
	if (!pa)
		return UVM_FAULT_OOM;
	count_vm_event(VM_FILE_MAPS);
	if (err & PF_WRITE) {
		phys_addr_t copy = new_frame(PG_ANON, mm_phys_to_virt(pa));
		if (!copy)
			return UVM_FAULT_OOM;
		count_vm_event(VM_COW_COPIES);
		pa = copy;
	}
	if (map_frame(mm, va, pa, uvm_pte_flags(v, err & PF_WRITE) | PTE_A))
		return UVM_FAULT_OOM;
	return major ? UVM_FAULT_MAJOR : UVM_FAULT_MINOR;
}

/* Splits an allocated 2^order block into order-0 pages, each freed alone. */
static void split_block(struct page *p, unsigned order)
{
	if (!order)
		return;
	struct page *upper = buddy_split_block(page_alloc_buddy(), p, order);
	split_block(p, order - 1);
	split_block(upper, order - 1);
}

/*
 * Anonymous fault-around (Linux's multi-size THP, without the large
 * mapping): when the aligned window of n pages around va lies in a private
 * area and none of its PTEs is set, one order-log2(n) block is zeroed and
 * mapped as n small pages, so one trap and one allocation serve n pages.
 * Returns false (nothing done) when the window does not qualify.
 */
static bool fault_around(struct mm *mm, const struct vma *v, uint64_t va, unsigned order)
{
	uint64_t n = 1ull << order, w = va & ~(n * MM_PAGE_SIZE - 1);
	pte_t *pde, *slot;

	if ((v->flags & VMA_SHARED) || w < v->start || w + n * MM_PAGE_SIZE > v->end)
		return false;
	slot = pt_pte_slot(&mm->pt, w, &pde);
	for (uint64_t i = 0; slot && i < n; i++)
		if (slot[i])
			return false;
	/* a large block only if one is free (Linux's GFP_TRANSHUGE_LIGHT):
	 * reclaiming for it would scan for what one page needs anyway */
	phys_addr_t pa = slot ? page_alloc(order, PAGE_ALLOC_NORECLAIM) : 0;
	if (!pa)
		return false;
	split_block(frame_page(pa), order);
	memset(mm_phys_to_virt(pa), 0, n * MM_PAGE_SIZE);
	uint64_t flags = uvm_pte_flags(v, true);
	for (uint64_t i = 0; i < n; i++) {
		frame_page(pa + i * MM_PAGE_SIZE)->flags |= PG_ANON;
		rmap_add(frame_page(pa + i * MM_PAGE_SIZE));
		reclaim_page_mapped(frame_page(pa + i * MM_PAGE_SIZE), mm, w + i * MM_PAGE_SIZE);
		slot[i] = (pa + i * MM_PAGE_SIZE) | flags | PTE_P |
			  (w + i * MM_PAGE_SIZE == va ? PTE_A : 0);
	}
	*pde += n << PT_CNT_SHIFT;
	mm->rss[MM_ANON] += n;
	vm_events[VM_NR_ANON_PAGES] += n;
	vm_events[VM_ZERO_FILLS] += n;
	if (uvm_rss(mm) > mm->hiwater_rss)
		mm->hiwater_rss = uvm_rss(mm);
	return true;
}

static unsigned fault_around_order(void)
{
	unsigned order = 0;

	while ((2l << order) <= kparams.mm_fault_around)
		order++;
	return order;
}

static enum uvm_fault_result fault_anon(struct mm *mm, const struct vma *v, uint64_t va)
{
	unsigned order = fault_around_order();

	if (order && fault_around(mm, v, va, order))
		return UVM_FAULT_MINOR;

	phys_addr_t pa = new_frame((v->flags & VMA_SHARED) ? PG_SHMEM : PG_ANON, NULL);

	if (!pa)
		return UVM_FAULT_OOM;
	count_vm_event(VM_ZERO_FILLS);
	if (map_frame(mm, va, pa, uvm_pte_flags(v, true) | PTE_A)) {
		free_frame(pa);
		return UVM_FAULT_OOM;
	}
	return UVM_FAULT_MINOR;
}

enum uvm_fault_result uvm_fault(struct mm *mm, uint64_t addr, unsigned long err)
{
	uint64_t va = addr & ~PAGE_MASK_LOW;
	struct vma *v = addr < USER_TOP ? vma_lookup(&mm->vmas, addr) : NULL;
	struct pt_mapping m;

	if (!v && addr < USER_TOP)
		v = grow_stack(mm, addr);
	if (!v)
		return UVM_FAULT_SEGV_MAPERR;
	if (!access_permitted(v, err))
		return UVM_FAULT_SEGV_ACCERR;
	reclaim_fault_prepare();
	pte_t *pde, *slot = pt_pte_slot(&mm->pt, va, &pde);
	if (slot && swp_is_entry(*slot))
		return swap_fault(mm, v, va, slot);
	if (slot && (*slot & PTE_P)) {
		m.va = va;
		m.pa = *slot & PTE_ADDR_MASK;
		m.flags = *slot & ~PTE_ADDR_MASK & ~PTE_P;
		m.shift = PT_SHIFT_4K;
	}
	if ((slot && (*slot & PTE_P)) || (!slot && pt_lookup(&mm->pt, va, &m) == 0)) {
		if ((err & PF_WRITE) && !(m.flags & PTE_RW))
			return fault_cow(mm, v, va, &m);
		flush_tlb_page(mm, va);   /* stale TLB entry: retry */
		return UVM_FAULT_MINOR;
	}
	return v->file ? fault_file(mm, v, va, err) : fault_anon(mm, v, va);
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
	zap_range(mm, addr, addr + len);
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
			zap_range(mm, s, e);
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
		zap_range(mm, new_end, old_end);
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
