/*
 * fault.c: the page-fault engine (fault.h): anonymous zero-fill and
 * fault-around, file pages through the host's page cache, swap-in
 * through the swap cache, file fault-around over the cached neighbours,
 * copy-on-write with reuse, and the frame
 * bookkeeping of map, unmap and fork that the faults rely on.
 *
 * Invariants: see fault.h. The TLB rule is kept here: a present PTE
 * rewritten in place is flushed on the spot (mm_tlb_flush_page); changes
 * through pt_map / pt_unmap / pt_protect are flushed by pt.c. Callers
 * serialise.
 */
#include "fault.h"
#include "mm_util.h"

#define ZAP_BATCH 64

static struct page *frame_page(const struct fault_engine *fe, phys_addr_t pa)
{
	return buddy_pfn_to_page(fe->buddy, pa >> MM_PAGE_SHIFT);
}

static phys_addr_t page_phys(const struct fault_engine *fe, const struct page *p)
{
	return buddy_page_to_phys(fe->buddy, p);
}

static struct pt_space *space_pt(const struct fault_engine *fe, struct mm *mm)
{
	return fe->vs->spaces->pt(mm);
}

static uint64_t *rss(const struct fault_engine *fe, struct mm *mm)
{
	return fe->host->rss(mm);
}

static void count(const struct fault_engine *fe, enum fault_event e, int64_t n)
{
	fe->host->count(fe->host->ctx, e, n);
}

static bool swap_on(const struct fault_engine *fe)
{
	return fe->swap && swapdev_active(fe->swap);
}

static enum fault_rss frame_kind(const struct page *p)
{
	return (p->flags & PG_ANON) ? FAULT_RSS_ANON
	       : (p->flags & PG_SHMEM) ? FAULT_RSS_SHMEM : FAULT_RSS_FILE;
}

uint64_t fault_pte_flags(const struct fault_engine *fe, const struct vma *v, bool writable)
{
	uint64_t f = v->prot ? PTE_US : 0;

	if (writable && (v->prot & VMA_WRITE))
		f |= PTE_RW;
	if (!(v->prot & VMA_EXEC))
		f |= fe->nx;
	return f;
}

/* ---- frames: map, drop, free, new ---------------------------------------- */

/* Counts a new mapping of p at va in mm (its PTE is set). */
static void count_mapped(struct fault_engine *fe, struct mm *mm, uint64_t va, struct page *p)
{
	MM_BUG_ON(p->flags & (PG_BUDDY | PG_PCP));    /* mapping a free frame */
	rmap_add(p);
	vmscan_page_mapped(fe->vs, p, mm, va);
	rss(fe, mm)[frame_kind(p)]++;
}

int fault_map_frame(struct fault_engine *fe, struct mm *mm, uint64_t va, phys_addr_t pa,
		    uint64_t flags)
{
	pte_t *pde, *slot = pt_pte_slot(space_pt(fe, mm), va, &pde);

	if (slot && !*slot) {
		*slot = pa | flags | PTE_P;
		*pde += 1ull << PT_CNT_SHIFT;
	} else {
		int err = pt_map(space_pt(fe, mm), va, pa, MM_PAGE_SIZE, flags, PT_SHIFT_4K);
		if (err)
			return err;
	}
	count_mapped(fe, mm, va, frame_page(fe, pa));
	return 0;
}

/* The gauge that counts frames of kind (PG_ANON or PG_SHMEM). */
static enum fault_event nr_pages_event(uint32_t kind)
{
	return (kind & PG_ANON) ? FAULT_EV_NR_ANON_PAGES : FAULT_EV_NR_SHMEM_PAGES;
}

/* Frees an anonymous or shmem frame nobody maps any more. */
static void free_frame(struct fault_engine *fe, phys_addr_t pa)
{
	struct page *p = frame_page(fe, pa);

	vmscan_page_freed(fe->vs, p);
	count(fe, nr_pages_event(p->flags), -1);
	p->flags &= ~(PG_ANON | PG_SHMEM);
	fe->host->free(fe->host->ctx, pa);
}

void fault_drop_frame(struct fault_engine *fe, struct mm *mm, phys_addr_t pa)
{
	struct page *p = frame_page(fe, pa);

	rss(fe, mm)[frame_kind(p)]--;
	if (rmap_remove(p) && rmap_frees_on_unmap(p))
		free_frame(fe, pa);
}

/* Marks n frames from pa of kind (PG_ANON or PG_SHMEM) and counts them. */
static void own_frames(struct fault_engine *fe, phys_addr_t pa, uint64_t n, uint32_t kind)
{
	for (uint64_t i = 0; i < n; i++)
		frame_page(fe, pa + i * MM_PAGE_SIZE)->flags |= kind;
	count(fe, nr_pages_event(kind), (int64_t)n);
}

/* A new frame of kind, zeroed or copied from src. Returns it, or 0. */
static phys_addr_t new_frame(struct fault_engine *fe, const struct vma *v, uint64_t va,
			     uint32_t kind, phys_addr_t src)
{
	phys_addr_t pa = fe->host->alloc(fe->host->ctx, v, va, 0, src ? 0 : FAULT_ALLOC_ZERO);

	if (!pa)
		return 0;
	if (src)
		__builtin_memcpy(mm_phys_to_virt(pa), mm_phys_to_virt(src), MM_PAGE_SIZE);
	own_frames(fe, pa, 1, kind);
	return pa;
}

/* ---- copy-on-write --------------------------------------------------------- */

/* Whether the frame may be written in place by its one mapping. */
static bool cow_reusable(struct fault_engine *fe, const struct vma *v, struct page *p)
{
	if (v->flags & VMA_SHARED)
		return true;
	if (!(p->flags & PG_ANON) || p->mapcount != 1)
		return false;
	return !swap_on(fe) || swapdev_exclusive(fe->swap, p);
}

/* Makes the present PTE at va writable in place. Returns FAULT_MINOR or FAULT_OOM. */
static enum fault_result cow_reuse(struct fault_engine *fe, struct mm *mm, uint64_t va,
				   pte_t *slot)
{
	if (slot) {
		*slot |= PTE_RW;
		mm_tlb_flush_page(space_pt(fe, mm), va);
	} else if (pt_protect(space_pt(fe, mm), va, MM_PAGE_SIZE, PTE_RW, 0)) {
		return FAULT_OOM;
	}
	count(fe, FAULT_EV_COW_REUSES, 1);
	return FAULT_MINOR;
}

/* Write to a present read-only page of a writable area: reuse or copy. */
static enum fault_result fault_cow(struct fault_engine *fe, struct mm *mm, const struct vma *v,
				   uint64_t va, const struct pt_mapping *m)
{
	pte_t *pde, *slot = pt_pte_slot(space_pt(fe, mm), va, &pde);
	uint64_t flags = fault_pte_flags(fe, v, true) | (m->flags & PTE_D) | PTE_A;
	phys_addr_t copy;

	if (cow_reusable(fe, v, frame_page(fe, m->pa)))
		return cow_reuse(fe, mm, va, slot);
	copy = new_frame(fe, v, va, PG_ANON, m->pa);
	if (!copy)
		return FAULT_OOM;
	count(fe, FAULT_EV_COW_COPIES, 1);
	if (slot) {     /* the frame swapped in place: the PD's count stays */
		*slot = copy | flags | PTE_P;
		mm_tlb_flush_page(space_pt(fe, mm), va);
		count_mapped(fe, mm, va, frame_page(fe, copy));
		fault_drop_frame(fe, mm, m->pa);
		return FAULT_MINOR;
	}
	if (pt_unmap(space_pt(fe, mm), va, MM_PAGE_SIZE))
		mm_panic("fault_cow: unmapping 0x%llx failed", (unsigned long long)va);
	fault_drop_frame(fe, mm, m->pa);
	if (fault_map_frame(fe, mm, va, copy, flags))
		mm_panic("fault_cow: remapping 0x%llx failed", (unsigned long long)va);
	return FAULT_MINOR;
}

/* ---- moving a page (mbind's MPOL_MF_MOVE) ---------------------------------- */

/* Whether the frame may move: anonymous, mapped once, on an LRU, no swap copy. */
static bool movable(struct fault_engine *fe, const struct page *p)
{
	if (!(p->flags & PG_ANON) || p->mapcount != 1 || (p->flags & (PG_MLOCKED | PG_LAZYFREE)))
		return false;
	return !swap_on(fe) || !swapdev_cache_slot(p);
}

int fault_move_page(struct fault_engine *fe, struct mm *mm, const struct vma *v, uint64_t va)
{
	pte_t *pde, *slot = pt_pte_slot(space_pt(fe, mm), va, &pde);
	pte_t pte = slot ? *slot : 0;
	phys_addr_t old = pte & PTE_ADDR_MASK, copy;

	if (!(pte & PTE_P) || !movable(fe, frame_page(fe, old)))
		return -MM_EBUSY;
	*slot = pte & ~PTE_RW;          /* no write lands in the old frame during the copy */
	mm_tlb_flush_page(space_pt(fe, mm), va);
	copy = new_frame(fe, v, va, PG_ANON, old);
	if (!copy) {
		*slot = pte;
		return -MM_ENOMEM;
	}
	*slot = copy | (pte & ~PTE_ADDR_MASK);
	mm_tlb_flush_page(space_pt(fe, mm), va);
	count_mapped(fe, mm, va, frame_page(fe, copy));
	fault_drop_frame(fe, mm, old);
	return 0;
}

/* ---- file pages ------------------------------------------------------------ */

/*
 * File fault-around (Linux's do_fault_around): after a read fault on a
 * file page, the other pages of the aligned window of 2^file_around_order
 * around va (inside the area; one page table, as the window is aligned)
 * that the page cache holds already and no PTE maps are mapped too,
 * read-only and not accessed: no I/O, no allocation, so later reads of
 * them take no trap. Counted in FAULT_EV_FILE_AROUND.
 */
static void file_fault_around(struct fault_engine *fe, struct mm *mm, const struct vma *v,
				  uint64_t va, uint64_t file_pages)
{
	uint64_t n = 1ull << fe->file_around_order, w = va & ~(n * MM_PAGE_SIZE - 1);
	uint64_t start = MM_MAX(w, v->start), end = MM_MIN(w + n * MM_PAGE_SIZE, v->end);
	pte_t *pde, *slot = pt_pte_slot(space_pt(fe, mm), start, &pde);
	unsigned mapped = 0;

	for (uint64_t at = start; slot && at < end; at += MM_PAGE_SIZE, slot++) {
		uint64_t index = (v->pgoff + (at - v->start)) >> MM_PAGE_SHIFT;
		phys_addr_t pa;
		if (at == va || *slot || index >= file_pages)
			continue;
		pa = fe->host->file_cached(fe->host->ctx, v->file, index);
		if (!pa)
			continue;
		*slot = pa | fault_pte_flags(fe, v, false) | PTE_P;
		*pde += 1ull << PT_CNT_SHIFT;
		count_mapped(fe, mm, at, frame_page(fe, pa));
		mapped++;
	}
	count(fe, FAULT_EV_FILE_AROUND, mapped);
}

/*
 * Maps the page-cache frame pa at va, or for a write to a private area a
 * copy of it. The copy and the page table are allocations, and the direct
 * reclaim they may run would see pa unmapped by this space: pa is locked
 * (PG_LOCKED) meanwhile, so reclaim does not free the frame being mapped.
 */
static enum fault_result map_cached_frame(struct fault_engine *fe, struct mm *mm,
					  const struct vma *v, uint64_t va, unsigned err,
					  phys_addr_t pa)
{
	uint64_t flags = fault_pte_flags(fe, v, err & FAULT_WRITE) | PTE_A;
	phys_addr_t copy = 0;

	if ((err & FAULT_WRITE) && !(v->flags & VMA_SHARED)) {
		copy = new_frame(fe, v, va, PG_ANON, pa);
		if (!copy)
			return FAULT_OOM;
		count(fe, FAULT_EV_COW_COPIES, 1);
	}
	if (fault_map_frame(fe, mm, va, copy ? copy : pa, flags)) {
		if (copy)
			free_frame(fe, copy);
		return FAULT_OOM;
	}
	return FAULT_MINOR;
}

/* A file page: the page-cache frame for reads (and its cached neighbours)
 * and for writes to a shared area, a private copy for writes to a private one. */
static enum fault_result fault_file(struct fault_engine *fe, struct mm *mm, const struct vma *v,
				    uint64_t va, unsigned err)
{
	uint64_t index = (v->pgoff + (va - v->start)) >> MM_PAGE_SHIFT;
	uint64_t pages = (fe->host->file_size(v->file) + MM_PAGE_SIZE - 1) >> MM_PAGE_SHIFT;
	bool major = false;
	phys_addr_t pa;
	struct page *cached;
	enum fault_result r;

	if (index >= pages)
		return FAULT_SIGBUS;
	pa = fe->host->file_page(fe->host->ctx, v->file, index, &major);
	if (!pa)
		return FAULT_OOM;
	count(fe, FAULT_EV_FILE_MAPS, 1);
	cached = frame_page(fe, pa);
	MM_BUG_ON(cached->flags & PG_LOCKED);   /* one fault at a time maps a page */
	cached->flags |= PG_LOCKED;
	r = map_cached_frame(fe, mm, v, va, err, pa);
	cached->flags &= ~PG_LOCKED;
	if (r != FAULT_MINOR)
		return r;
	if (!(err & FAULT_WRITE) && fe->file_around_order && fe->host->file_cached)
		file_fault_around(fe, mm, v, va, pages);
	return major ? FAULT_MAJOR : FAULT_MINOR;
}

/* ---- anonymous pages ------------------------------------------------------- */

/* Splits an allocated 2^order block into order-0 pages, each freed alone. */
static void split_block(struct fault_engine *fe, struct page *p, unsigned order)
{
	if (!order)
		return;
	struct page *upper = buddy_split_block(fe->buddy, p, order);
	split_block(fe, p, order - 1);
	split_block(fe, upper, order - 1);
}

/* Whether the aligned window at w of n pages lies in private area v with no PTE set. */
static bool window_empty(const struct vma *v, uint64_t w, uint64_t n, const pte_t *slot)
{
	if ((v->flags & VMA_SHARED) || w < v->start || w + n * MM_PAGE_SIZE > v->end || !slot)
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (slot[i])
			return false;
	return true;
}

/*
 * Anonymous fault-around (Linux's multi-size THP, without the large
 * mapping): when the aligned window of 2^order pages around va qualifies
 * (window_empty), one block is zeroed and mapped as small pages, so one
 * trap and one allocation serve them all; only the faulting one is
 * mapped accessed. A large block only if one is free (Linux's
 * GFP_TRANSHUGE_LIGHT). Returns false (nothing done) otherwise.
 */
static bool fault_around(struct fault_engine *fe, struct mm *mm, const struct vma *v,
			 uint64_t va, unsigned order)
{
	uint64_t n = 1ull << order, w = va & ~(n * MM_PAGE_SIZE - 1);
	pte_t *pde, *slot = pt_pte_slot(space_pt(fe, mm), w, &pde);
	uint64_t flags = fault_pte_flags(fe, v, true) | PTE_P;
	phys_addr_t pa;

	if (!window_empty(v, w, n, slot))
		return false;
	pa = fe->host->alloc(fe->host->ctx, v, w, order, FAULT_ALLOC_NORECLAIM);
	if (!pa)
		return false;
	split_block(fe, frame_page(fe, pa), order);
	__builtin_memset(mm_phys_to_virt(pa), 0, n * MM_PAGE_SIZE);
	own_frames(fe, pa, n, PG_ANON);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = w + i * MM_PAGE_SIZE;
		slot[i] = (pa + i * MM_PAGE_SIZE) | flags | (at == va ? PTE_A : 0);
		count_mapped(fe, mm, at, frame_page(fe, pa + i * MM_PAGE_SIZE));
	}
	*pde += n << PT_CNT_SHIFT;
	count(fe, FAULT_EV_ZERO_FILLS, (int64_t)n);
	return true;
}

static enum fault_result fault_anon(struct fault_engine *fe, struct mm *mm, const struct vma *v,
				    uint64_t va)
{
	phys_addr_t pa;

	if (fe->around_order && fault_around(fe, mm, v, va, fe->around_order))
		return FAULT_MINOR;
	pa = new_frame(fe, v, va, (v->flags & VMA_SHARED) ? PG_SHMEM : PG_ANON, 0);
	if (!pa)
		return FAULT_OOM;
	count(fe, FAULT_EV_ZERO_FILLS, 1);
	if (fault_map_frame(fe, mm, va, pa, fault_pte_flags(fe, v, true) | PTE_A)) {
		free_frame(fe, pa);
		return FAULT_OOM;
	}
	return FAULT_MINOR;
}

/* ---- swap-in ---------------------------------------------------------------- */

/*
 * Maps a swapped-in frame at *pte in place of the entry for slot; @young
 * for the page the fault is for. Writable only when nobody else reads the
 * slot (swapdev_swapin_writable), and then clean, so reclaim sees a write.
 */
static void map_swapped(struct fault_engine *fe, struct mm *mm, const struct vma *v,
			uint64_t va, pte_t *pte, struct page *p, uint64_t slot, bool young)
{
	bool writable;

	swap_slots_put(&fe->swap->slots, slot);     /* this entry's reference */
	rss(fe, mm)[FAULT_RSS_SWAPENTS]--;
	writable = swapdev_swapin_writable(fe->swap, p, slot);
	*pte = page_phys(fe, p) | fault_pte_flags(fe, v, writable) | PTE_P | (young ? PTE_A : 0);
	count_mapped(fe, mm, va, p);
}

/*
 * Swap-in fault-around: the entries after pte (same table, same area)
 * that hold the next slots, each referenced by that entry alone and not
 * cached, so one read and one trap serve them all (the slots of pages
 * evicted together are consecutive). Returns how many follow.
 */
static unsigned run_after(const struct fault_engine *fe, const struct vma *v, uint64_t va,
			  const pte_t *pte, uint64_t slot)
{
	unsigned n = 0, max = MM_MIN(1u << fe->page_cluster, FAULT_SWAPIN_MAX);

	/* page_cluster comes from the host (0..4): cppcheck follows one caller's 0 */
	// cppcheck-suppress knownConditionTrueFalse
	while (n + 1 < max && va + (n + 1) * MM_PAGE_SIZE < v->end &&
	       (va >> PT_SHIFT_2M) == ((va + (n + 1) * MM_PAGE_SIZE) >> PT_SHIFT_2M)) {
		pte_t e = pte[n + 1];
		uint64_t s2 = slot + n + 1;
		if (!fault_pte_is_swap(e) || fault_swap_slot(e) != s2 ||
		    pagecache_lookup(&fe->swap->cache, s2) ||
		    swap_slots_count(&fe->swap->slots, s2) != 1)
			break;
		n++;
	}
	return n;
}

/* Reads slots [slot, slot + n) into new frames. Returns the frames read (0 on failure). */
static unsigned read_run(struct fault_engine *fe, const struct vma *v, uint64_t va, uint64_t slot,
			 unsigned n, struct page **pages)
{
	phys_addr_t pa[FAULT_SWAPIN_MAX];
	unsigned got;

	for (got = 0; got < n; got++) {
		pa[got] = fe->host->alloc(fe->host->ctx, v, va + got * MM_PAGE_SIZE, 0, 0);
		if (!pa[got])
			break;
	}
	if (got && swapdev_read(fe->swap, slot, pa, got) == 0) {
		count(fe, FAULT_EV_PSWPIN, got);
		for (unsigned i = 0; i < got; i++) {
			pages[i] = frame_page(fe, pa[i]);
			pages[i]->flags |= PG_ANON;
		}
		count(fe, FAULT_EV_NR_ANON_PAGES, got);
		return got;
	}
	for (unsigned i = 0; i < got; i++)
		fe->host->free(fe->host->ctx, pa[i]);
	return 0;
}

/* A fault on the swap entry at *pte: from the swap cache (minor) or the device (major). */
static enum fault_result fault_swap(struct fault_engine *fe, struct mm *mm, const struct vma *v,
				    uint64_t va, pte_t *pte)
{
	uint64_t slot = fault_swap_slot(*pte), pfn;
	struct page *pages[FAULT_SWAPIN_MAX];
	unsigned n;
	pte_t *pde;

	if (!swap_on(fe) || swap_slots_count(&fe->swap->slots, slot) == 0)
		mm_panic("fault_swap: bad swap entry 0x%llx at 0x%llx",
			 (unsigned long long)*pte, (unsigned long long)va);
	pfn = pagecache_lookup(&fe->swap->cache, slot);
	if (pfn) {
		map_swapped(fe, mm, v, va, pte, buddy_pfn_to_page(fe->buddy, pfn), slot, true);
		return FAULT_MINOR;
	}
	n = read_run(fe, v, va, slot, 1 + run_after(fe, v, va, pte, slot), pages);
	if (!n)
		return FAULT_OOM;
	pte = pt_pte_slot(space_pt(fe, mm), va, &pde);     /* the allocations may have reclaimed */
	MM_BUG_ON(!pte || fault_swap_slot(*pte) != slot);
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = va + i * MM_PAGE_SIZE;
		uint32_t shadow = swapdev_cache_add(fe->swap, pages[i], slot + i);
		vmscan_anon_refault(fe->vs, pages[i], mm, at, shadow);
		map_swapped(fe, mm, v, at, pte + i, pages[i], slot + i, i == 0);
	}
	return FAULT_MAJOR;
}

/*
 * madvise(MADV_WILLNEED) on the swap entry at va: its slot read into the
 * swap cache (on the anonymous LRU, unmapped), so the fault that maps it
 * later is minor. Nothing when va holds no swap entry or the cache has
 * the slot already. Returns 0, or -MM_ENOMEM when the read failed.
 */
int fault_swap_willneed(struct fault_engine *fe, struct mm *mm, uint64_t va)
{
	pte_t *pde, *pte = pt_pte_slot(space_pt(fe, mm), va, &pde);
	struct page *page;

	if (!pte || !fault_pte_is_swap(*pte) || !swap_on(fe))
		return 0;
	uint64_t slot = fault_swap_slot(*pte);
	if (pagecache_lookup(&fe->swap->cache, slot))
		return 0;
	if (!read_run(fe, NULL, va, slot, 1, &page))
		return -MM_ENOMEM;
	vmscan_anon_refault(fe->vs, page, mm, va, swapdev_cache_add(fe->swap, page, slot));
	return 0;
}

/* ---- the fault ---------------------------------------------------------------- */

static bool access_permitted(const struct vma *v, unsigned err)
{
	if (err & FAULT_WRITE)
		return v->prot & VMA_WRITE;
	if (err & FAULT_INSTR)
		return v->prot & VMA_EXEC;
	return v->prot != 0;
}

/* The present mapping at va: from its PTE slot, or a large page's lookup. Returns false if none. */
static bool present_at(struct fault_engine *fe, struct mm *mm, uint64_t va, const pte_t *slot,
		       struct pt_mapping *m)
{
	if (slot && (*slot & PTE_P)) {
		*m = (struct pt_mapping){ .va = va, .pa = *slot & PTE_ADDR_MASK,
					  .flags = *slot & ~PTE_ADDR_MASK & ~PTE_P,
					  .shift = PT_SHIFT_4K };
		return true;
	}
	return !slot && pt_lookup(space_pt(fe, mm), va, m) == 0;
}

enum fault_result fault_handle(struct fault_engine *fe, struct mm *mm, uint64_t addr,
			       unsigned err)
{
	uint64_t va = addr & ~(MM_PAGE_SIZE - 1);
	const struct vma *v = vma_lookup(fe->vs->spaces->vmas(mm), addr);
	struct pt_mapping m;
	pte_t *pde, *slot;

	if (!v)
		return FAULT_SEGV_MAPERR;
	if (!access_permitted(v, err))
		return FAULT_SEGV_ACCERR;
	if (fe->host->prepare)
		fe->host->prepare(fe->host->ctx);
	slot = pt_pte_slot(space_pt(fe, mm), va, &pde);
	if (slot && fault_pte_is_swap(*slot))
		return fault_swap(fe, mm, v, va, slot);
	if (present_at(fe, mm, va, slot, &m)) {
		if ((err & FAULT_WRITE) && !(m.flags & PTE_RW))
			return fault_cow(fe, mm, v, va, &m);
		mm_tlb_flush_page(space_pt(fe, mm), va);   /* a stale TLB entry: retry */
		return FAULT_MINOR;
	}
	return v->file ? fault_file(fe, mm, v, va, err) : fault_anon(fe, mm, v, va);
}

/* ---- swap entries through unmap and fork -------------------------------------- */

typedef int (*swap_entry_fn)(struct fault_engine *fe, struct mm *mm, pte_t *pte, pte_t *pde,
			     uint64_t va, void *arg);

/* Calls fn on every swap entry of [start, end) in mm, skipping missing tables. */
static int for_each_swap_entry(struct fault_engine *fe, struct mm *mm, uint64_t start,
			       uint64_t end, swap_entry_fn fn, void *arg)
{
	for (uint64_t va = start; va < end;) {
		uint64_t table_end = MM_MIN((va | ((1ull << PT_SHIFT_2M) - 1)) + 1, end);
		pte_t *pde, *pte = pt_pte_slot(space_pt(fe, mm), va, &pde);

		for (; pte && va < table_end; va += MM_PAGE_SIZE, pte++) {
			if (!fault_pte_is_swap(*pte))
				continue;
			int err = fn(fe, mm, pte, pde, va, arg);
			if (err)
				return err;
		}
		va = table_end;
	}
	return 0;
}

static int zap_entry(struct fault_engine *fe, struct mm *mm, pte_t *pte, pte_t *pde,
		     uint64_t va, void *arg)
{
	(void)va;
	(void)arg;
	swap_slots_put(&fe->swap->slots, fault_swap_slot(*pte));
	*pte = 0;
	*pde -= 1ull << PT_CNT_SHIFT;
	rss(fe, mm)[FAULT_RSS_SWAPENTS]--;
	return 0;
}

/* Frees the swap entries of [start, end). Returns true when it freed any. */
static bool zap_swap_entries(struct fault_engine *fe, struct mm *mm, uint64_t start,
			     uint64_t end)
{
	uint64_t before = rss(fe, mm)[FAULT_RSS_SWAPENTS];

	if (swap_on(fe) && before)
		for_each_swap_entry(fe, mm, start, end, zap_entry, NULL);
	return rss(fe, mm)[FAULT_RSS_SWAPENTS] != before;
}

/*
 * Installs a copy of one swap entry in the child. A missing table is made
 * by pt_map of a placeholder present PTE, then overwritten: the table's
 * count then counts the swap entry.
 */
static int fork_entry(struct fault_engine *fe, struct mm *parent, pte_t *pte, pte_t *pde,
		      uint64_t va, void *arg)
{
	struct mm *child = arg;
	pte_t *cpde, *cpte = pt_pte_slot(space_pt(fe, child), va, &cpde);

	(void)parent;
	(void)pde;
	if (swap_slots_dup(&fe->swap->slots, fault_swap_slot(*pte)))
		return -MM_ENOMEM;
	if (cpte && !*cpte) {
		*cpde += 1ull << PT_CNT_SHIFT;
	} else if (pt_map(space_pt(fe, child), va, 0, MM_PAGE_SIZE, 0, PT_SHIFT_4K) ||
		   !(cpte = pt_pte_slot(space_pt(fe, child), va, &cpde))) {
		swap_slots_put(&fe->swap->slots, fault_swap_slot(*pte));
		return -MM_ENOMEM;
	}
	*cpte = *pte;
	rss(fe, child)[FAULT_RSS_SWAPENTS]++;
	return 0;
}

/* ---- unmap ---------------------------------------------------------------------- */

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

void fault_zap_range(struct fault_engine *fe, struct mm *mm, uint64_t start, uint64_t end)
{
	struct pt_space *pt = space_pt(fe, mm);
	bool tables_emptied = zap_swap_entries(fe, mm, start, end);
	struct zap_batch b;

	while (start < end) {
		b.n = 0;
		pt_walk(pt, start, end - start, zap_collect, &b);
		uint64_t stop = b.n == ZAP_BATCH ? b.va[ZAP_BATCH - 1] + MM_PAGE_SIZE : end;
		if (b.n && pt_unmap(pt, start, stop - start))
			mm_panic("fault_zap_range: unmapping 4 KiB pages at 0x%llx failed",
				 (unsigned long long)start);
		for (unsigned i = 0; i < b.n; i++)
			fault_drop_frame(fe, mm, b.pa[i]);
		if (!b.n && tables_emptied && pt_unmap(pt, start, end - start))
			mm_panic("fault_zap_range: freeing the tables of 0x%llx failed",
				 (unsigned long long)start);
		start = stop;
	}
}

/* ---- fork ------------------------------------------------------------------------ */

struct fork_ctx {
	struct fault_engine *fe;
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
	return fault_map_frame(c->fe, c->child, m->va, m->pa, flags);
}

int fault_fork_range(struct fault_engine *fe, struct mm *parent, struct mm *child,
		     const struct vma *v)
{
	struct fork_ctx c = { fe, child, v };
	struct pt_space *pt = space_pt(fe, parent);

	if (pt_walk(pt, v->start, v->end - v->start, fork_copy, &c))
		return -MM_ENOMEM;
	if (swap_on(fe) && rss(fe, parent)[FAULT_RSS_SWAPENTS] &&
	    for_each_swap_entry(fe, parent, v->start, v->end, fork_entry, child))
		return -MM_ENOMEM;
	if (!(v->flags & VMA_SHARED) && (v->prot & VMA_WRITE) &&
	    pt_protect(pt, v->start, v->end - v->start, 0, PTE_RW))
		return -MM_ENOMEM;
	return 0;
}
