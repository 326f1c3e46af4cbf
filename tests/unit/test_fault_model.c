/*
 * test_fault_model.c: a seeded randomized model test of the fault engine
 * (mm/fault.c with reclaim, the swap device and the page cache) on the
 * fault rig (fault_rig.h): random sequences of reads (faults), writes,
 * fork, exit, munmap, mprotect, madvise(DONTNEED), reclaim, swap-ins and
 * balloon takes and returns, three spaces each running on two CPUs of the
 * TLB model. Checked against:
 *   - a shadow copy of every mapped page: every read compares a whole
 *     page, and every census compares every present frame and every
 *     swapped-out copy (swap cache or disk) with it;
 *   - the fault result the areas call for (SEGV on a hole or a forbidden
 *     access, else resolved);
 *   - every counter's expected value, by a census of the page tables, the
 *     caches and the balloon: each space's rss by kind, each frame's
 *     mapcount, each slot's references, slots used, the swap and file
 *     caches' sizes, the anonymous-page gauge, the LRUs' sizes, the
 *     anonymous refaults (at most one per page read back) and the buddy's
 *     free pages.
 * One million operations per run of the suite (8 sequences of 125,000,
 * under three policies, with and without anonymous and file fault-around
 * and swap-in runs).
 * Each sequence runs in a child process, so an engine panic or an ASan
 * report is a failure like any other; a failing sequence is shrunk (delta
 * debugging: chunks dropped while it still fails) and printed with its
 * seed. FAULT_MODEL_SEED=n runs other sequences.
 *
 * What it found: a swap-cache page is freed with its last mapping (a
 * copy-on-write copy, an unmap) even when other swap entries still name
 * its slot; they then read it from the device again, and that read is no
 * workingset refault (the slot kept no shadow). Linux keeps such a page
 * in the swap cache until reclaim takes it. Not wrong, one read more.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "fault_rig.h"
#include "port_host.h"

#define NR_SPACES   FAULT_RIG_SPACES
#define ANON_PAGES  32
#define FILE_PAGES  FAULT_RIG_FILE_PAGES
#define MAX_PAGES   ANON_PAGES
#define ANON_VA     0x400000ull
#define FILE_VA     0x10000000ull
#define HOT_PAGES   6
#define BALLOON_MAX (FAULT_RIG_RAM_PAGES / 3)
#define CHECK_EVERY 64
#define SEQ_OPS     125000
#define NR_SEQS     8
#define SHRINK_RUNS 600           /* candidate runs a shrink may try */
#define UNMAPPED    0xff          /* a page's prot when no area holds it */

enum area { AREA_ANON, AREA_FILE, NR_AREAS };

static const uint64_t area_va[NR_AREAS] = { ANON_VA, FILE_VA };
static const unsigned area_pages[NR_AREAS] = { ANON_PAGES, FILE_PAGES };

enum op_kind { OP_READ, OP_WRITE, OP_MAP, OP_MUNMAP, OP_MPROTECT, OP_DONTNEED, OP_FORK,
	       OP_EXIT, OP_RECLAIM, OP_SWAPIN, OP_BALLOON_TAKE, OP_BALLOON_GIVE, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"read", "write", "map", "munmap", "mprotect", "dontneed", "fork", "exit", "reclaim",
	"swapin", "balloon-take", "balloon-give",
};

/* One operation; fields an operation does not use are ignored. */
struct op {
	uint8_t kind, space, other, area, thread, val, prot;
	uint16_t page, len, off, wlen;
};

/* What one run reports to the parent (shared memory across fork). */
struct verdict {
	long at;                       /* the op running, or that failed; -1: passed */
	char msg[256];
	unsigned long did[NR_OPS];     /* operations that did something */
	unsigned long segv, pswpin, refaults, cow_copies, cow_reuses, zero_fills, file_maps,
		file_around;
};

/* The engine's configuration for one sequence. */
struct config {
	const char *policy;
	unsigned around_order, page_cluster;   /* anonymous fault-around, swap-in runs */
	unsigned file_around_order;            /* file fault-around */
};

/* The expected state: what every page of every space should hold. */
struct model {
	struct fault_rig r;
	uint8_t shadow[NR_SPACES][NR_AREAS][MAX_PAGES][MM_PAGE_SIZE];
	uint8_t prot[NR_SPACES][NR_AREAS][MAX_PAGES];      /* VMA_* or UNMAPPED */
	bool touched[NR_SPACES][NR_AREAS][MAX_PAGES];     /* holds anonymous data: never none */
	uint16_t frame_refs[FAULT_RIG_RAM_PAGES];          /* census: PTEs per frame */
	uint16_t slot_refs[FAULT_RIG_SLOTS];               /* census: swap entries per slot */
	struct config cfg;
	struct verdict *v;
};

static struct model m;

/* Records why the run failed (at space s, area a, page) in the verdict. Returns false. */
__attribute__((format(printf, 5, 6)))
static bool model_fail(struct model *x, unsigned s, unsigned a, unsigned page, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(x->v->msg, sizeof(x->v->msg), "op %ld: space %u %s page %u: %s", x->v->at, s,
		 a == AREA_ANON ? "anon" : "file", page, what);
	return false;
}

static uint64_t page_va(unsigned a, unsigned page)
{
	return area_va[a] + (uint64_t)page * MM_PAGE_SIZE;
}

/* The content a freshly mapped (or dropped) page of area a reads. */
static void fresh_content(struct model *x, unsigned a, unsigned page, uint8_t *dst)
{
	uint64_t off = (uint64_t)page * MM_PAGE_SIZE;

	memset(dst, 0, MM_PAGE_SIZE);
	if (a == AREA_FILE && off < FAULT_RIG_FILE_BYTES)
		memcpy(dst, x->r.file.data + off, MM_MIN(MM_PAGE_SIZE, FAULT_RIG_FILE_BYTES - off));
}

/* ---- user accesses ----------------------------------------------------------- */

/* The fault result an access to a page with prot must come to. */
static enum fault_result expected(uint8_t prot, bool write)
{
	if (prot == UNMAPPED)
		return FAULT_SEGV_MAPERR;
	if (!prot || (write && !(prot & VMA_WRITE)))
		return FAULT_SEGV_ACCERR;
	return FAULT_MINOR;
}

/* One access, direct reclaim then retried while the engine says OOM. Returns the frame or 0. */
static phys_addr_t model_access(struct model *x, const struct op *o, bool write, bool *ok)
{
	unsigned s = o->space, a = o->area, page = o->page;
	enum fault_result want = expected(x->prot[s][a][page], write), r;
	phys_addr_t pa = 0;

	*ok = true;
	for (int tries = 0; tries < 8; tries++) {
		r = fault_rig_access(&x->r, fault_rig_space(&x->r, s), o->thread, page_va(a, page),
				     write, &pa);
		if (r != FAULT_OOM)
			break;
		vmscan_shrink(&x->r.vs, 32, true, (struct vmscan_skip){ .anon = NULL });
	}
	if (want != FAULT_MINOR) {
		x->v->segv++;
		if (r != want || pa)
			*ok = model_fail(x, s, a, page, "fault %d, not %d", r, want);
		return 0;
	}
	if (!pa)
		*ok = model_fail(x, s, a, page, "the access did not resolve (fault %d, prot %u)",
			   r, x->prot[s][a][page]);
	return pa;
}

static bool op_read(struct model *x, const struct op *o)
{
	bool ok;
	phys_addr_t pa = model_access(x, o, false, &ok);
	const uint8_t *got = fault_rig_byte(pa, page_va(o->area, o->page));
	const uint8_t *want = x->shadow[o->space][o->area][o->page];

	if (!pa)
		return ok;
	if (o->area == AREA_ANON)
		x->touched[o->space][o->area][o->page] = true;
	for (unsigned i = 0; memcmp(got, want, MM_PAGE_SIZE) && i < MM_PAGE_SIZE; i++)
		if (got[i] != want[i])
			return model_fail(x, o->space, o->area, o->page, "byte %u is 0x%02x, not 0x%02x", i,
				    got[i], want[i]);
	x->v->did[OP_READ]++;
	return true;
}

static bool op_write(struct model *x, const struct op *o)
{
	bool ok;
	phys_addr_t pa = model_access(x, o, true, &ok);
	unsigned off = o->off % MM_PAGE_SIZE, len = MM_MIN(o->wlen % 512u + 1, MM_PAGE_SIZE - off);

	if (!pa)
		return ok;
	x->touched[o->space][o->area][o->page] = true;
	memset(fault_rig_byte(pa, page_va(o->area, o->page)) + off, o->val, len);
	memset(x->shadow[o->space][o->area][o->page] + off, o->val, len);
	x->v->did[OP_WRITE]++;
	return true;
}

/* The op's pages of its area: [*first, *end). */
static void op_range(const struct op *o, unsigned *first, unsigned *end)
{
	*first = o->page;
	*end = MM_MIN(o->page + o->len % 8u + 1, area_pages[o->area]);
}

/* A page leaves its space: no area, no content. */
static void forget(struct model *x, unsigned s, unsigned a, unsigned page)
{
	x->prot[s][a][page] = UNMAPPED;
	x->touched[s][a][page] = false;
}

/* ---- areas --------------------------------------------------------------------- */

/* Maps every hole of the area read-write (a file area at its file offsets). */
static bool op_map(struct model *x, const struct op *o)
{
	unsigned s = o->space, a = o->area;
	struct mm *mm = fault_rig_space(&x->r, s);

	for (unsigned page = 0; page < area_pages[a]; page++) {
		if (x->prot[s][a][page] != UNMAPPED)
			continue;
		struct vma v = { .start = page_va(a, page), .end = page_va(a, page + 1),
				 .prot = VMA_READ | VMA_WRITE, .pgoff = page * MM_PAGE_SIZE,
				 .file = a == AREA_FILE ? &x->r.file : NULL };
		if (vma_insert(&mm->vmas, &v))
			return model_fail(x, s, a, page, "vma_insert failed");
		x->prot[s][a][page] = VMA_READ | VMA_WRITE;
		fresh_content(x, a, page, x->shadow[s][a][page]);
		x->v->did[OP_MAP]++;
	}
	return true;
}

static bool op_munmap(struct model *x, const struct op *o)
{
	unsigned first, end;
	struct mm *mm = fault_rig_space(&x->r, o->space);

	op_range(o, &first, &end);
	if (vma_remove(&mm->vmas, page_va(o->area, first), page_va(o->area, end)))
		return model_fail(x, o->space, o->area, first, "vma_remove failed");
	fault_zap_range(&x->r.fe, mm, page_va(o->area, first), page_va(o->area, end));
	for (unsigned page = first; page < end; page++)
		forget(x, o->space, o->area, page);
	x->v->did[OP_MUNMAP]++;
	return true;
}

/* mprotect as the guest's uvm_mprotect does it: the areas, then the PTEs. */
static bool op_mprotect(struct model *x, const struct op *o)
{
	static const uint8_t prots[] = { 0, VMA_READ, VMA_READ | VMA_WRITE, VMA_READ | VMA_WRITE };
	unsigned first, end, prot = prots[o->prot % 4];
	struct mm *mm = fault_rig_space(&x->r, o->space);
	uint64_t start, len, set = prot ? PTE_US : 0, clear = prot ? 0 : PTE_US;
	bool holes = false;
	int err;

	op_range(o, &first, &end);
	for (unsigned page = first; page < end; page++)
		holes |= x->prot[o->space][o->area][page] == UNMAPPED;
	start = page_va(o->area, first);
	len = page_va(o->area, end) - start;
	err = vma_protect(&mm->vmas, start, start + len, prot);
	if (holes != (err == -MM_ENOMEM))
		return model_fail(x, o->space, o->area, first, "vma_protect returned %d (holes: %d)", err, holes);
	if (err)
		return true;
	if (!(prot & VMA_WRITE))
		clear |= PTE_RW;
	if (pt_protect(&mm->pt, start, len, set, clear))
		return model_fail(x, o->space, o->area, first, "pt_protect failed");
	for (unsigned page = first; page < end; page++)
		x->prot[o->space][o->area][page] = (uint8_t)prot;
	x->v->did[OP_MPROTECT]++;
	return true;
}

/* madvise(MADV_DONTNEED): the mapped pages' frames and entries go; they read fresh. */
static bool op_dontneed(struct model *x, const struct op *o)
{
	unsigned first, end;

	op_range(o, &first, &end);
	fault_zap_range(&x->r.fe, fault_rig_space(&x->r, o->space), page_va(o->area, first),
			page_va(o->area, end));
	for (unsigned page = first; page < end; page++) {
		if (x->prot[o->space][o->area][page] == UNMAPPED)
			continue;
		x->touched[o->space][o->area][page] = false;
		fresh_content(x, o->area, page, x->shadow[o->space][o->area][page]);
	}
	x->v->did[OP_DONTNEED]++;
	return true;
}

static void model_exit(struct model *x, unsigned s)
{
	fault_rig_exit(&x->r, fault_rig_space(&x->r, s));
	for (unsigned a = 0; a < NR_AREAS; a++)
		for (unsigned page = 0; page < area_pages[a]; page++)
			forget(x, s, a, page);
}

/* Space o->other exits, then becomes a copy-on-write copy of o->space. */
static bool op_fork(struct model *x, const struct op *o)
{
	unsigned s = o->space, d = o->other % NR_SPACES;

	if (s == d)
		return true;
	model_exit(x, d);
	if (fault_rig_fork(&x->r, fault_rig_space(&x->r, s), fault_rig_space(&x->r, d)))
		return model_fail(x, s, AREA_ANON, 0, "fork into space %u failed", d);
	memcpy(x->shadow[d], x->shadow[s], sizeof(x->shadow[s]));
	memcpy(x->prot[d], x->prot[s], sizeof(x->prot[s]));
	memcpy(x->touched[d], x->touched[s], sizeof(x->touched[s]));
	x->v->did[OP_FORK]++;
	return true;
}

/* Reads back the first swapped-out page of the space from o->page on. */
static bool op_swapin(struct model *x, const struct op *o)
{
	struct op read = *o;

	for (unsigned i = 0; i < area_pages[o->area]; i++) {
		read.page = (uint16_t)((o->page + i) % area_pages[o->area]);
		uint8_t prot = x->prot[o->space][o->area][read.page];
		pte_t pte = fault_rig_pte(fault_rig_space(&x->r, o->space),
					  page_va(o->area, read.page));
		if (prot == UNMAPPED || !prot || !fault_pte_is_swap(pte))
			continue;
		x->v->did[OP_SWAPIN]++;
		return op_read(x, &read);
	}
	return true;
}

/* The balloon takes frames as the guest's does: what is free, else after reclaim. */
static bool op_balloon_take(struct model *x, const struct op *o)
{
	struct fault_rig *r = &x->r;

	for (unsigned i = 0; i < o->len % 16u + 1 && r->balloon_pages < BALLOON_MAX; i++) {
		struct page *p = buddy_alloc_pages(&r->b, BUDDY_GFP_ATOMIC, 0);
		if (!p) {
			vmscan_shrink(&r->vs, 32, true, (struct vmscan_skip){ .anon = NULL });
			p = buddy_alloc_pages(&r->b, BUDDY_GFP_ATOMIC, 0);
		}
		if (!p)
			break;
		r->balloon[r->balloon_pages++] = p;
		x->v->did[OP_BALLOON_TAKE]++;
	}
	return true;
}

static bool op_balloon_give(struct model *x, const struct op *o)
{
	struct fault_rig *r = &x->r;

	for (unsigned i = 0; i < o->len % 16u + 1 && r->balloon_pages; i++) {
		buddy_free_pages(&r->b, r->balloon[--r->balloon_pages], 0);
		x->v->did[OP_BALLOON_GIVE]++;
	}
	return true;
}

static bool apply(struct model *x, const struct op *o)
{
	switch (o->kind) {
	case OP_READ:         return op_read(x, o);
	case OP_WRITE:        return op_write(x, o);
	case OP_MAP:          return op_map(x, o);
	case OP_MUNMAP:       return op_munmap(x, o);
	case OP_MPROTECT:     return op_mprotect(x, o);
	case OP_DONTNEED:     return op_dontneed(x, o);
	case OP_FORK:         return op_fork(x, o);
	case OP_EXIT:
		model_exit(x, o->space);
		x->v->did[OP_EXIT]++;
		return true;
	case OP_RECLAIM:
		x->v->did[OP_RECLAIM] += vmscan_shrink(&x->r.vs, o->len % 64u + 1, o->val & 1,
						       (struct vmscan_skip){ .anon = NULL }).freed;
		return true;
	case OP_SWAPIN:       return op_swapin(x, o);
	case OP_BALLOON_TAKE: return op_balloon_take(x, o);
	default:              return op_balloon_give(x, o);
	}
}

/* ---- the census ------------------------------------------------------------------ */

/* The swapped-out copy of slot: its swap-cache frame, else the disk's. */
static const uint8_t *slot_copy(struct model *x, uint64_t slot)
{
	uint64_t pfn = pagecache_lookup(&x->r.st.d.cache, slot);

	return pfn ? mm_phys_to_virt(pfn << MM_PAGE_SHIFT) : x->r.disk_pages[slot];
}

/* One page's PTE against the model; counts it in rss, frame_refs and slot_refs. */
static bool census_page(struct model *x, unsigned s, unsigned a, unsigned page,
			uint64_t rss[NR_FAULT_RSS])
{
	struct mm *mm = fault_rig_space(&x->r, s);
	pte_t pte = fault_rig_pte(mm, page_va(a, page));
	uint8_t prot = x->prot[s][a][page];
	const uint8_t *want = x->shadow[s][a][page], *got;
	struct page *p;

	if (!pte) {
		if (x->touched[s][a][page])
			return model_fail(x, s, a, page, "anonymous data lost: no PTE");
		return true;
	}
	if (prot == UNMAPPED)
		return model_fail(x, s, a, page, "PTE 0x%llx outside any area",
			    (unsigned long long)pte);
	if (fault_pte_is_swap(pte)) {
		uint64_t slot = fault_swap_slot(pte);
		if (!slot || slot >= FAULT_RIG_SLOTS)
			return model_fail(x, s, a, page, "swap entry 0x%llx names no slot",
				    (unsigned long long)pte);
		if (a == AREA_FILE && !x->touched[s][a][page])
			return model_fail(x, s, a, page, "a clean file page became swap entry 0x%llx",
				    (unsigned long long)pte);
		x->slot_refs[slot]++;
		rss[FAULT_RSS_SWAPENTS]++;
		got = slot_copy(x, slot);
	} else {
		uint64_t pfn = (pte & PTE_ADDR_MASK) >> MM_PAGE_SHIFT;
		if (!pfn || pfn >= FAULT_RIG_RAM_PAGES)
			return model_fail(x, s, a, page, "PTE 0x%llx maps no frame",
				    (unsigned long long)pte);
		p = buddy_pfn_to_page(&x->r.b, pfn);
		if (!(p->flags & (PG_ANON | PG_FILE)) || (p->flags & (PG_BUDDY | PG_PCP)))
			return model_fail(x, s, a, page, "PTE 0x%llx maps a frame of flags 0x%x",
				    (unsigned long long)pte, (unsigned)p->flags);
		if (x->touched[s][a][page] && !(p->flags & PG_ANON))
			return model_fail(x, s, a, page, "a written page maps file frame 0x%llx",
				    (unsigned long long)pte);
		if ((pte & PTE_RW) && (!(prot & VMA_WRITE) || !(p->flags & PG_ANON) ||
				       p->mapcount != 1))
			return model_fail(x, s, a, page, "PTE 0x%llx writable, mapcount %d",
				    (unsigned long long)pte, (int)p->mapcount);
		if (!!(pte & PTE_US) != !!prot)
			return model_fail(x, s, a, page, "PTE 0x%llx disagrees with prot %u",
				    (unsigned long long)pte, prot);
		x->frame_refs[pfn]++;
		rss[(p->flags & PG_ANON) ? FAULT_RSS_ANON : FAULT_RSS_FILE]++;
		got = mm_phys_to_virt(pfn << MM_PAGE_SHIFT);
	}
	if (memcmp(got, want, MM_PAGE_SIZE))
		return model_fail(x, s, a, page, "the copy (PTE 0x%llx) differs from the shadow",
			    (unsigned long long)pte);
	return true;
}

/* Every space's PTEs: content, rss by kind. Fills frame_refs and slot_refs. */
static bool census_spaces(struct model *x)
{
	memset(x->frame_refs, 0, sizeof(x->frame_refs));
	memset(x->slot_refs, 0, sizeof(x->slot_refs));
	for (unsigned s = 0; s < NR_SPACES; s++) {
		uint64_t rss[NR_FAULT_RSS] = { 0 };
		for (unsigned a = 0; a < NR_AREAS; a++)
			for (unsigned page = 0; page < area_pages[a]; page++)
				if (!census_page(x, s, a, page, rss))
					return false;
		for (int k = 0; k < NR_FAULT_RSS; k++)
			if (rss[k] != fault_rig_space(&x->r, s)->rss[k])
				return model_fail(x, s, AREA_ANON, 0, "rss[%d] is %llu, the PTEs say %llu", k,
					    (unsigned long long)fault_rig_space(&x->r, s)->rss[k],
					    (unsigned long long)rss[k]);
	}
	return true;
}

/* Every frame: mapcount, kind, in use exactly once; then the gauges and free pages. */
static bool census_frames(struct model *x)
{
	struct fault_rig *r = &x->r;
	uint64_t anon = 0, file = 0, cached = 0;

	for (uint64_t pfn = 1; pfn < FAULT_RIG_RAM_PAGES; pfn++) {
		struct page *p = buddy_pfn_to_page(&r->b, pfn);
		if ((unsigned)p->mapcount != x->frame_refs[pfn])
			return model_fail(x, 0, AREA_ANON, 0, "frame %llu: mapcount %d, PTEs %u",
				    (unsigned long long)pfn, (int)p->mapcount, x->frame_refs[pfn]);
		anon += !!(p->flags & PG_ANON);
		file += !!(p->flags & PG_FILE);
		cached += (p->flags & PG_ANON) && swapdev_cache_slot(p);
		if ((p->flags & PG_ANON) && !x->frame_refs[pfn] && !swapdev_cache_slot(p))
			return model_fail(x, 0, AREA_ANON, 0, "frame %llu: anonymous, unmapped, uncached",
				    (unsigned long long)pfn);
	}
	if (cached != pagecache_nr_pages(&r->st.d.cache) || file != pagecache_nr_pages(&r->file.cache))
		return model_fail(x, 0, AREA_ANON, 0, "cached frames %llu/%llu, the caches say %llu/%llu",
			    (unsigned long long)cached, (unsigned long long)file,
			    (unsigned long long)pagecache_nr_pages(&r->st.d.cache),
			    (unsigned long long)pagecache_nr_pages(&r->file.cache));
	if ((int64_t)anon != r->events[FAULT_EV_NR_ANON_PAGES] - r->st.anon_freed)
		return model_fail(x, 0, AREA_ANON, 0, "anonymous frames %llu, gauge %llu",
			    (unsigned long long)anon, (unsigned long long)(r->events[FAULT_EV_NR_ANON_PAGES] -
						 r->st.anon_freed));
	/* not equal: a swap-cache page is freed with its last mapping, other entries
	 * of its slot then read it again, with no shadow left (see the suite's note) */
	if (vmscan_count(&r->vs, VMSCAN_REFAULT_ANON) > (uint64_t)r->events[FAULT_EV_PSWPIN])
		return model_fail(x, 0, AREA_ANON, 0, "%llu anonymous refaults, %lld pages read back",
				  (unsigned long long)vmscan_count(&r->vs, VMSCAN_REFAULT_ANON),
				  (long long)r->events[FAULT_EV_PSWPIN]);
	if (r->vs.lv[0]->lru[LRU_ANON].nr_frames != anon || r->vs.lv[0]->lru[LRU_FILE].nr_frames != file)
		return model_fail(x, 0, AREA_ANON, 0, "the LRUs hold %llu and %llu",
			    (unsigned long long)r->vs.lv[0]->lru[LRU_ANON].nr_frames,
			    (unsigned long long)r->vs.lv[0]->lru[LRU_FILE].nr_frames);
	if (buddy_nr_free_pages(&r->b) + buddy_nr_pcp_pages(&r->b) !=
	    FAULT_RIG_RAM_PAGES - 1 - anon - file - r->balloon_pages)
		return model_fail(x, 0, AREA_ANON, 0, "free pages %llu, in use %llu",
			    (unsigned long long)(buddy_nr_free_pages(&r->b) + buddy_nr_pcp_pages(&r->b)),
			    (unsigned long long)(anon + file + r->balloon_pages));
	return true;
}

/* Every slot: references by entries and the cache; slots used. */
static bool census_slots(struct model *x)
{
	const struct swapdev *d = &x->r.st.d;
	uint64_t used = 0;

	if (swap_slots_check(&d->slots) || pagecache_check(&d->cache) ||
	    pagecache_check(&x->r.file.cache))
		return model_fail(x, 0, AREA_ANON, 0, "slot or cache counts inconsistent");
	for (uint64_t slot = 1; slot < FAULT_RIG_SLOTS; slot++) {
		uint64_t pfn = pagecache_lookup(&d->cache, slot);
		unsigned refs = x->slot_refs[slot] + !!pfn;
		if (pfn && swapdev_cache_slot(buddy_pfn_to_page(&x->r.b, pfn)) != slot)
			return model_fail(x, 0, AREA_ANON, 0, "slot %llu caches another slot's frame",
				    (unsigned long long)slot);
		if (swap_slots_count(&d->slots, slot) != refs)
			return model_fail(x, 0, AREA_ANON, 0, "slot %llu: count %u, references %u",
				    (unsigned long long)slot, swap_slots_count(&d->slots, slot), refs);
		used += refs != 0;
	}
	if (swap_slots_used(&d->slots) != used)
		return model_fail(x, 0, AREA_ANON, 0, "slots used %llu, referenced %llu",
			    (unsigned long long)swap_slots_used(&d->slots), (unsigned long long)used);
	return true;
}

static bool census(struct model *x)
{
	return census_spaces(x) && census_frames(x) && census_slots(x);
}

/* ---- runs ------------------------------------------------------------------------ */

static void model_reset(struct model *x, const struct config *cfg, struct verdict *v)
{
	fault_rig_setup(&x->r, cfg->policy);
	x->r.fe.around_order = cfg->around_order;
	x->r.fe.page_cluster = cfg->page_cluster;
	x->r.fe.file_around_order = cfg->file_around_order;
	memset(x->prot, UNMAPPED, sizeof(x->prot));
	memset(x->touched, 0, sizeof(x->touched));
	x->cfg = *cfg;
	x->v = v;
	memset(v, 0, sizeof(*v));
}

/* Everything goes (exits, the balloon given back); nothing may be left. */
static bool model_end(struct model *x)
{
	struct fault_rig *r = &x->r;

	for (unsigned s = 0; s < NR_SPACES; s++)
		model_exit(x, s);
	while (r->balloon_pages)
		buddy_free_pages(&r->b, r->balloon[--r->balloon_pages], 0);
	if (!census(x))
		return false;
	if (swap_slots_used(&r->st.d.slots) || pagecache_nr_pages(&r->st.d.cache))
		return model_fail(x, 0, AREA_ANON, 0, "at the end %llu slots used, %llu cached",
			    (unsigned long long)swap_slots_used(&r->st.d.slots),
			    (unsigned long long)pagecache_nr_pages(&r->st.d.cache));
	return true;
}

/* Runs ops[0..n) on a fresh rig in this process; v->at is -1 when all passed. */
static void run_here(const struct op *ops, long n, const struct config *cfg, struct verdict *v)
{
	struct model *x = &m;

	model_reset(x, cfg, v);
	for (v->at = 0; v->at < n; v->at++)
		if (!apply(x, &ops[v->at]) || (v->at % CHECK_EVERY == 0 && !census(x)))
			return;
	if (!census(x) || !model_end(x))
		return;
	v->pswpin = (unsigned long)x->r.events[FAULT_EV_PSWPIN];
	v->refaults = (unsigned long)vmscan_count(&x->r.vs, VMSCAN_REFAULT_ANON);
	v->cow_copies = (unsigned long)x->r.events[FAULT_EV_COW_COPIES];
	v->cow_reuses = (unsigned long)x->r.events[FAULT_EV_COW_REUSES];
	v->zero_fills = (unsigned long)x->r.events[FAULT_EV_ZERO_FILLS];
	v->file_maps = (unsigned long)x->r.events[FAULT_EV_FILE_MAPS];
	v->file_around = (unsigned long)x->r.events[FAULT_EV_FILE_AROUND];
	v->at = -1;
}

/*
 * Runs ops[0..n) in a child process (quiet: its stderr discarded), so a
 * panic or a sanitizer report fails it too. Returns true when it failed;
 * v->at is then the op that failed (or was running).
 */
static bool fails(const struct op *ops, long n, const struct config *cfg, struct verdict *v,
		  bool quiet)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		ck_abort_msg("fault_model: fork failed");
	if (pid == 0) {
		if (quiet)
			dup2(open("/dev/null", O_WRONLY), STDERR_FILENO);
		run_here(ops, n, cfg, v);
		_exit(v->at >= 0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (!WIFEXITED(status) && !v->msg[0])
			snprintf(v->msg, sizeof(v->msg), "op %ld: killed by signal %d (a panic?)",
				 v->at, WTERMSIG(status));
		return true;
	}
	return false;
}

/*
 * Delta debugging: drops chunks of ops (halves, then quarters, ...) while
 * the sequence still fails, cutting it after the failing op each time.
 * Returns the length left; ops hold the short sequence, v its failure.
 */
static long shrink(struct op *ops, long n, const struct config *cfg, struct verdict *v)
{
	struct op *tmp = malloc((size_t)n * sizeof(*ops));
	struct verdict *probe = mmap(NULL, sizeof(*probe), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned runs = 0;

	ck_assert_ptr_nonnull(tmp);
	ck_assert_ptr_ne(probe, MAP_FAILED);
	for (long chunk = n / 2; chunk >= 1 && runs < SHRINK_RUNS; chunk /= 2) {
		for (long at = 0; at < n && runs < SHRINK_RUNS; runs++) {
			long len = MM_MIN(chunk, n - at);
			memcpy(tmp, ops, (size_t)at * sizeof(*ops));
			memcpy(tmp + at, ops + at + len, (size_t)(n - at - len) * sizeof(*ops));
			if (!fails(tmp, n - len, cfg, probe, true)) {
				at += len;
				continue;
			}
			n = MM_MIN(n - len, probe->at + 1);
			memcpy(ops, tmp, (size_t)n * sizeof(*ops));
			*v = *probe;
		}
	}
	munmap(probe, sizeof(*probe));
	free(tmp);
	return n;
}

static void report(uint64_t seed, const struct config *cfg, long failed_at,
		   const struct op *ops, long n, const struct verdict *v)
{
	fprintf(stderr, "fault_model: seed %llu (%s, around %u, cluster %u, file around %u) "
		"failed at op %ld; shrunk to %ld ops, failing with: %s\n",
		(unsigned long long)seed, cfg->policy, cfg->around_order, cfg->page_cluster,
		cfg->file_around_order, failed_at, n, v->msg);
	for (long i = 0; i < n; i++)
		fprintf(stderr, "  %3ld %-12s space %u other %u %s page %u len %u prot %u "
			"thread %u val %u off %u wlen %u\n", i, op_names[ops[i].kind],
			ops[i].space, ops[i].other % NR_SPACES,
			ops[i].area == AREA_ANON ? "anon" : "file", ops[i].page, ops[i].len % 8u + 1,
			ops[i].prot % 4, ops[i].thread, ops[i].val, ops[i].off % 4096u,
			ops[i].wlen % 512u + 1);
}

/* ---- sequences ------------------------------------------------------------------- */

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Op kinds by weight (of 100): mostly accesses, the rest often enough to meet them. */
static enum op_kind pick_kind(uint64_t r)
{
	static const struct { enum op_kind kind; unsigned upto; } weights[] = {
		{ OP_READ, 40 }, { OP_WRITE, 74 }, { OP_MAP, 81 }, { OP_MUNMAP, 82 },
		{ OP_MPROTECT, 84 }, { OP_DONTNEED, 86 }, { OP_FORK, 88 }, { OP_EXIT, 89 },
		{ OP_RECLAIM, 93 }, { OP_SWAPIN, 96 }, { OP_BALLOON_TAKE, 98 },
		{ OP_BALLOON_GIVE, 100 },
	};
	unsigned i = 0;

	while (r % 100 >= weights[i].upto)
		i++;
	return weights[i].kind;
}

static void generate(uint64_t seed, struct op *ops, long n)
{
	uint64_t st = seed * 0x9e3779b97f4a7c15ull + 1;

	for (long i = 0; i < n; i++) {
		uint64_t r = next_random(&st), q = next_random(&st);
		unsigned area = (unsigned)(r >> 12) % NR_AREAS;
		unsigned page = (r >> 50) % 4 ? (unsigned)(q % HOT_PAGES)
					      : (unsigned)(q % area_pages[area]);
		ops[i] = (struct op){ .kind = (uint8_t)pick_kind(r), .space = (uint8_t)((r >> 8) % NR_SPACES),
				      .other = (uint8_t)(r >> 16), .area = (uint8_t)area,
				      .thread = (uint8_t)((q >> 60) % FAULT_RIG_THREADS),
				      .val = (uint8_t)(q >> 40), .prot = (uint8_t)(r >> 24),
				      .page = (uint16_t)page, .len = (uint16_t)(r >> 32),
				      .off = (uint16_t)(q >> 8), .wlen = (uint16_t)(q >> 20) };
	}
}

static const struct config configs[NR_SEQS] = {
	{ "lru", 0, 0, 0 }, { "lru", 0, 2, 3 }, { "lru", 2, 0, 0 }, { "lru", 2, 2, 4 },
	{ "fifo", 0, 0, 0 }, { "fifo", 0, 2, 3 }, { "fifo", 2, 0, 0 }, { "clock", 2, 2, 2 },
};

static uint64_t base_seed(void)
{
	const char *env = getenv("FAULT_MODEL_SEED");

	return env ? strtoull(env, NULL, 0) : 20261207;
}

START_TEST(random_faults_forks_unmaps_reclaim_and_balloon_agree_with_the_model)
{
	static struct op ops[SEQ_OPS];
	const struct config *cfg = &configs[_i];
	uint64_t seed = base_seed() + (uint64_t)_i;
	struct verdict *v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(v, MAP_FAILED);
	generate(seed, ops, SEQ_OPS);
	if (fails(ops, SEQ_OPS, cfg, v, false)) {
		long failed_at = v->at, n = shrink(ops, v->at + 1, cfg, v);
		report(seed, cfg, failed_at, ops, n, v);
		ck_abort_msg("fault_model: seed %llu failed at op %ld (shrunk to %ld ops): %s",
			     (unsigned long long)seed, failed_at, n, v->msg);
	}
	/* the sequence reached every path, or it proves little */
	for (int k = 0; k < NR_OPS; k++)
		ck_assert_msg(v->did[k] > 0, "no %s did anything", op_names[k]);
	ck_assert_uint_gt(v->segv, 0);
	ck_assert_uint_gt(v->pswpin, 0);
	ck_assert_uint_gt(v->refaults, 0);
	ck_assert_uint_gt(v->cow_copies, 0);
	ck_assert_uint_gt(v->cow_reuses, 0);
	ck_assert_uint_gt(v->file_maps, 0);
	ck_assert(cfg->file_around_order ? v->file_around > 0 : v->file_around == 0);
	munmap(v, sizeof(*v));
}
END_TEST

Suite *fault_model_suite(void);
Suite *fault_model_suite(void)
{
	Suite *s = suite_create("fault_model");
	TCase *tc = tcase_create("model");

	tcase_add_loop_test(tc, random_faults_forks_unmaps_reclaim_and_balloon_agree_with_the_model,
			    0, NR_SEQS);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}
