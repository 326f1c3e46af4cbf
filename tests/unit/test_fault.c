/*
 * test_fault.c: the page-fault engine (mm/fault.c) over three simulated
 * address spaces, a buddy of RAM_PAGES real pages, a swap device on a RAM
 * disk, a file's page cache and reclaim's engine, every access going
 * through the host port's TLB model. Each kind of fault is checked for
 * its exact outcome (result, PTE bits, frames, counters); then a seeded
 * random model of map, unmap, read, write, fork and reclaim compares
 * every byte read with a plain shadow copy (the seed is printed on a
 * failure).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "mm_port.h"
#include "port_host.h"
#include "ramdisk.h"
#include "stores.h"
#include "spaces.h"

#define RAM_PAGES   160
#define NR_SLOTS    1024
#define NR_SPACES   3
#define FILE_PAGES  16
#define FILE_BYTES  (FILE_PAGES * MM_PAGE_SIZE - 100)   /* the last page is partly past EOF */
#define AREA_PAGES  48
#define ANON_VA     0x400000ull
#define FILE_VA     0x10000000ull
#define THREADS     2          /* CPUs each space runs on */
_Static_assert(NR_SPACES * THREADS <= MM_NR_CPUS, "a CPU per thread");

struct inode {
	struct pagecache cache;
	uint32_t slots[FILE_PAGES];
	uint8_t data[FILE_BYTES];
};

/* The engine under test and everything it reaches. */
struct world {
	struct buddy b;
	struct page descs[RAM_PAGES];
	struct host_stores st;          /* the swap device, its store and the file store */
	uint8_t map[NR_SLOTS];
	uint32_t entries[NR_SLOTS];
	uint8_t disk_pages[NR_SLOTS][MM_PAGE_SIZE];
	struct host_spaces sp;          /* NR_SPACES of them */
	struct inode file;
	struct vmscan vs;
	struct fault_engine fe;
	int64_t events[NR_FAULT_EVENTS];
	unsigned prepares;
};

static struct world w;

/* The test's one file's page cache, for the file store. */
static struct pagecache *file_cache(struct inode *ino)
{
	return &ino->cache;
}

/* ---- the fault engine's host ------------------------------------------- */

static uint64_t *space_rss(struct mm *mm)
{
	return mm->rss;
}

static phys_addr_t frames_alloc(void *ctx, unsigned order, unsigned flags)
{
	struct world *ww = ctx;
	struct page *p = buddy_alloc_pages(&ww->b, BUDDY_GFP_ATOMIC |
					   ((flags & FAULT_ALLOC_ZERO) ? BUDDY_GFP_ZERO : 0),
					   order);

	return p ? buddy_page_to_phys(&ww->b, p) : 0;
}

static void frame_free(void *ctx, phys_addr_t pa)
{
	struct world *ww = ctx;

	buddy_free_pages(&ww->b, buddy_pfn_to_page(&ww->b, pa >> MM_PAGE_SHIFT), 0);
}

/* The page cache of the file (the guest's initrd_cache_page). */
static phys_addr_t file_page(void *ctx, const void *file, uint64_t index, bool *major)
{
	struct world *ww = ctx;
	struct inode *ino = (struct inode *)file;
	uint64_t pfn = pagecache_lookup(&ino->cache, index), off = index * MM_PAGE_SIZE;
	struct page *p;

	if (pfn)
		return pfn << MM_PAGE_SHIFT;
	p = buddy_alloc_pages(&ww->b, BUDDY_GFP_ATOMIC | BUDDY_GFP_ZERO, 0);
	if (!p)
		return 0;
	memcpy(buddy_page_address(&ww->b, p), ino->data + off, MM_MIN(MM_PAGE_SIZE, FILE_BYTES - off));
	p->flags |= PG_FILE;
	vmscan_file_added(&ww->vs, p, ino,
			  index, pagecache_insert(&ino->cache, index, buddy_page_to_pfn(&ww->b, p)));
	*major = true;
	return buddy_page_to_phys(&ww->b, p);
}

static uint64_t file_size(const void *file)
{
	(void)file;
	return FILE_BYTES;
}

static void prepare(void *ctx)
{
	((struct world *)ctx)->prepares++;
}

static void count(void *ctx, enum fault_event e, int64_t n)
{
	((struct world *)ctx)->events[e] += n;
}

static const struct fault_host host = {
	.rss = space_rss, .alloc = frames_alloc, .free = frame_free, .file_page = file_page,
	.file_size = file_size, .prepare = prepare, .count = count, .ctx = &w,
};

/* ---- fixture ------------------------------------------------------------ */

static void setup_with(const char *policy)
{
	const struct host_swap_mem mem = { w.disk_pages, w.map, w.entries, NR_SLOTS };
	struct vmscan_store store[NR_LRU];
	const struct policy_config cfg[NR_LRU] = { { .seed = 42 }, { .seed = 42 } };

	host_port_reset();
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(host_stores_init(&w.st, &w.b, w.descs, RAM_PAGES, &w.vs, true, &mem,
					  file_cache), 0);
	host_stores_table(&w.st, store);
	ck_assert_int_eq(host_spaces_init(&w.sp, NR_SPACES, &w.b), 0);
	for (unsigned i = 0; i < FILE_BYTES; i++)
		w.file.data[i] = (uint8_t)(i * 13 + (i >> 12) * 7 + 1);
	ck_assert_int_eq(pagecache_init(&w.file.cache, w.file.slots, FILE_PAGES), 0);
	ck_assert_int_eq(vmscan_init(&w.vs, policy_by_name(policy), cfg, store, &w.sp.engine,
				     &w.b), 0);
	w.fe = (struct fault_engine){ .buddy = &w.b, .vs = &w.vs, .swap = &w.st.d, .host = &host,
				      .nx = PTE_NX, .around_order = 0, .page_cluster = 0 };
}

static void setup(void)
{
	setup_with("lru");
}

/* fifo never looks at accessed bits: eviction alone must flush what it unmaps. */
static void setup_fifo(void)
{
	setup_with("fifo");
}

/* Unmaps everything; then no frame but the page cache's and no slot may be left. */
static void teardown(void)
{
	for (int i = 0; i < NR_SPACES; i++) {
		struct mm *mm = &w.sp.mm[i];
		while (mm->vmas.nr) {
			struct vma v = mm->vmas.v[0];
			fault_zap_range(&w.fe, mm, v.start, v.end);
			ck_assert_int_eq(vma_remove(&mm->vmas, v.start, v.end), 0);
		}
		for (int k = 0; k < NR_FAULT_RSS; k++)
			ck_assert_uint_eq(mm->rss[k], 0);
	}
	host_spaces_destroy(&w.sp);
	ck_assert_uint_eq(swap_slots_used(&w.st.d.slots), 0);
	ck_assert_uint_eq(w.st.d.cache.nr_pages, 0);
	ck_assert_int_eq(w.events[FAULT_EV_NR_ANON_PAGES], w.st.anon_freed);
	ck_assert_uint_eq(buddy_nr_free_pages(&w.b) + buddy_nr_pcp_pages(&w.b) +
			  w.file.cache.nr_pages, RAM_PAGES - 1);
	ck_assert_int_eq(host_tables_in_use, 0);
}

/* ---- helpers ------------------------------------------------------------ */

static struct mm *space(int i)
{
	return &w.sp.mm[i];
}

static void map_area(struct mm *mm, uint64_t start, uint64_t pages, uint32_t prot,
		     uint32_t flags, const void *file)
{
	struct vma v = { .start = start, .end = start + pages * MM_PAGE_SIZE, .prot = prot,
			 .flags = flags, .file = file };

	ck_assert_int_eq(vma_insert(&mm->vmas, &v), 0);
}

static void map_anon(struct mm *mm)
{
	map_area(mm, ANON_VA, AREA_PAGES, VMA_READ | VMA_WRITE, 0, NULL);
}

static void map_file(struct mm *mm)
{
	map_area(mm, FILE_VA, FILE_PAGES, VMA_READ | VMA_WRITE, 0, &w.file);
}

static pte_t pte_at(struct mm *mm, uint64_t va)
{
	pte_t *pde, *pte = pt_pte_slot(&mm->pt, va, &pde);

	return pte ? *pte : 0;
}

static struct page *page_at(struct mm *mm, uint64_t va)
{
	pte_t pte = pte_at(mm, va);

	ck_assert(pte & PTE_P);
	return buddy_pfn_to_page(&w.b, (pte & PTE_ADDR_MASK) >> MM_PAGE_SHIFT);
}

/*
 * What x86 writes into the PTE on an access: PTE_A when it fills a TLB
 * entry (a hit sets nothing: why clearing A needs a flush), PTE_D on a
 * write whose TLB entry was clean.
 */
static void hardware_bits(struct mm *mm, uint64_t va, bool filled, bool dirtied)
{
	pte_t *pde, *pte = pt_pte_slot(&mm->pt, va, &pde);

	if (pte && (*pte & PTE_P))
		*pte |= (filled ? PTE_A : 0) | (dirtied ? PTE_A | PTE_D : 0);
}

/*
 * The access thread (< THREADS) of space mm makes at va, on its own CPU: translated through the TLB
 * model, faulting until the translation allows it (the hardware setting
 * PTE_A, and PTE_D for a write, in the PTE it used). Returns the last
 * fault's result (FAULT_MINOR when none was needed) and the frame address
 * of va's page in *pa.
 */
static enum fault_result access_at(struct mm *mm, unsigned thread, uint64_t va, bool write,
				   phys_addr_t *pa)
{
	unsigned cpu = (unsigned)(mm - w.sp.mm) * THREADS + thread;
	enum fault_result r = FAULT_MINOR;

	for (int tries = 0; tries < 4; tries++) {
		long hits = host_tlb_hits;
		uint64_t t = host_tlb_read(cpu, &mm->pt, va);
		if ((t & PTE_P) && (!write || (t & PTE_RW))) {
			hardware_bits(mm, va, host_tlb_hits == hits, write && !(t & PTE_D));
			*pa = t & PTE_ADDR_MASK;
			return r;
		}
		r = fault_handle(&w.fe, mm, va, write ? FAULT_WRITE : 0);
		if (r != FAULT_MINOR && r != FAULT_MAJOR)
			return r;
	}
	ck_abort_msg("access at 0x%llx never got a usable translation", (unsigned long long)va);
	return r;
}

static uint8_t *byte_at(phys_addr_t pa, uint64_t va)
{
	return (uint8_t *)mm_phys_to_virt(pa) + (va & (MM_PAGE_SIZE - 1));
}

/* Reads the byte at va, which must resolve. */
static uint8_t read_byte(struct mm *mm, uint64_t va)
{
	phys_addr_t pa;
	enum fault_result r = access_at(mm, 0, va, false, &pa);

	ck_assert(r == FAULT_MINOR || r == FAULT_MAJOR);
	return *byte_at(pa, va);
}

static void write_byte(struct mm *mm, uint64_t va, uint8_t val)
{
	phys_addr_t pa;
	enum fault_result r = access_at(mm, 0, va, true, &pa);

	ck_assert(r == FAULT_MINOR || r == FAULT_MAJOR);
	*byte_at(pa, va) = val;
}

/* Copies parent's areas and mappings into an empty child (fork). */
static void fork_space(struct mm *parent, struct mm *child)
{
	ck_assert_int_eq(vma_tree_clone(&child->vmas, &parent->vmas), 0);
	for (uint32_t i = 0; i < parent->vmas.nr; i++)
		ck_assert_int_eq(fault_fork_range(&w.fe, parent, child, &parent->vmas.v[i]), 0);
}

/* Reclaims until nothing of the anonymous list is left in memory. */
static void swap_out_all(void)
{
	while (vmscan_shrink(&w.vs, 64, false, (struct vmscan_skip){ NULL, NULL }).freed)
		;
}

/* ---- anonymous pages --------------------------------------------------- */

START_TEST(a_read_of_an_anonymous_page_maps_a_zeroed_frame_accessed_and_writable)
{
	struct mm *mm = space(0);

	map_anon(mm);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 5, 0), FAULT_MINOR);
	pte_t pte = pte_at(mm, ANON_VA);
	ck_assert_uint_eq(pte & (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_NX),
			  PTE_P | PTE_RW | PTE_US | PTE_A | PTE_NX);
	ck_assert_uint_eq(read_byte(mm, ANON_VA + 5), 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
	ck_assert_int_eq(page_at(mm, ANON_VA)->mapcount, 1);
	ck_assert(page_at(mm, ANON_VA)->flags & PG_ANON);
	ck_assert_int_eq(w.events[FAULT_EV_ZERO_FILLS], 1);
	ck_assert_int_eq(w.events[FAULT_EV_NR_ANON_PAGES], 1);
	ck_assert_uint_eq(w.prepares, 1);
	ck_assert_uint_eq(w.vs.lv.lru[LRU_ANON].nr_frames, 1);
}
END_TEST

START_TEST(fault_around_maps_the_whole_empty_window_with_only_the_faulting_page_accessed)
{
	struct mm *mm = space(0);

	w.fe.around_order = 2;
	map_anon(mm);
	/* no page table yet: one page (the window cannot be looked at) */
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 8 * MM_PAGE_SIZE, 0), FAULT_MINOR);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 2 * MM_PAGE_SIZE, FAULT_WRITE),
			 FAULT_MINOR);
	for (unsigned i = 0; i < 4; i++) {
		pte_t pte = pte_at(mm, ANON_VA + i * MM_PAGE_SIZE);
		ck_assert(pte & PTE_P);
		ck_assert(pte & PTE_RW);
		ck_assert_uint_eq(!!(pte & PTE_A), i == 2);
	}
	ck_assert_uint_eq(pte_at(mm, ANON_VA + 4 * MM_PAGE_SIZE), 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 5);
	ck_assert_int_eq(w.events[FAULT_EV_ZERO_FILLS], 5);
	ck_assert_int_eq(w.events[FAULT_EV_NR_ANON_PAGES], 5);
	/* a window holding a page already: one page, not four */
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 9 * MM_PAGE_SIZE, 0), FAULT_MINOR);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 6);
	ck_assert_uint_eq(pte_at(mm, ANON_VA + 10 * MM_PAGE_SIZE), 0);
}
END_TEST

START_TEST(fault_around_falls_back_to_one_page_at_the_edge_of_an_area)
{
	struct mm *mm = space(0);

	w.fe.around_order = 2;
	map_area(mm, ANON_VA + MM_PAGE_SIZE, 2, VMA_READ | VMA_WRITE, 0, NULL);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + MM_PAGE_SIZE, 0), FAULT_MINOR);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
	ck_assert_int_eq(w.events[FAULT_EV_ZERO_FILLS], 1);
}
END_TEST

START_TEST(a_shared_anonymous_area_gets_shmem_frames)
{
	struct mm *mm = space(0);

	w.fe.around_order = 2;
	map_area(mm, ANON_VA, 4, VMA_READ | VMA_WRITE, VMA_SHARED, NULL);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, FAULT_WRITE), FAULT_MINOR);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SHMEM], 1);
	ck_assert(page_at(mm, ANON_VA)->flags & PG_SHMEM);
	ck_assert_int_eq(w.events[FAULT_EV_NR_SHMEM_PAGES], 1);
	fault_zap_range(&w.fe, mm, ANON_VA, ANON_VA + 4 * MM_PAGE_SIZE);
	ck_assert_int_eq(w.events[FAULT_EV_NR_SHMEM_PAGES], 0);
}
END_TEST

START_TEST(an_anonymous_fault_with_no_frame_left_is_oom)
{
	struct mm *mm = space(0);
	struct page *hog[RAM_PAGES];
	unsigned n = 0;

	map_anon(mm);
	while ((hog[n] = buddy_alloc_pages(&w.b, BUDDY_GFP_ATOMIC, 0)))
		n++;
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, 0), FAULT_OOM);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 0);
	while (n)
		buddy_free_pages(&w.b, hog[--n], 0);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(faults_the_area_does_not_allow_are_segv)
{
	struct mm *mm = space(0);

	map_area(mm, ANON_VA, 1, VMA_READ, 0, NULL);
	map_area(mm, ANON_VA + 2 * MM_PAGE_SIZE, 1, 0, 0, NULL);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA - 1, 0), FAULT_SEGV_MAPERR);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + MM_PAGE_SIZE, 0), FAULT_SEGV_MAPERR);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, FAULT_WRITE), FAULT_SEGV_ACCERR);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, FAULT_INSTR), FAULT_SEGV_ACCERR);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 2 * MM_PAGE_SIZE, 0),
			 FAULT_SEGV_ACCERR);
	ck_assert_uint_eq(w.prepares, 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 0);
}
END_TEST

START_TEST(a_file_page_wholly_past_the_end_of_the_file_is_segv)
{
	struct mm *mm = space(0);

	map_area(mm, FILE_VA, FILE_PAGES + 1, VMA_READ, 0, &w.file);
	ck_assert_int_eq(fault_handle(&w.fe, mm, FILE_VA + FILE_PAGES * MM_PAGE_SIZE, 0),
			 FAULT_SEGV_ACCERR);
	ck_assert_uint_eq(read_byte(mm, FILE_VA + FILE_BYTES - 1), w.file.data[FILE_BYTES - 1]);
	ck_assert_uint_eq(read_byte(mm, FILE_VA + FILE_BYTES), 0);     /* zero past EOF */
}
END_TEST

/* ---- file pages ------------------------------------------------------------ */

START_TEST(a_file_read_maps_the_page_cache_frame_read_only_major_then_minor)
{
	struct mm *a = space(0), *b = space(1);

	map_file(a);
	map_file(b);
	ck_assert_int_eq(fault_handle(&w.fe, a, FILE_VA + 3 * MM_PAGE_SIZE, 0), FAULT_MAJOR);
	ck_assert_int_eq(fault_handle(&w.fe, b, FILE_VA + 3 * MM_PAGE_SIZE, 0), FAULT_MINOR);
	struct page *p = page_at(a, FILE_VA + 3 * MM_PAGE_SIZE);
	ck_assert_ptr_eq(p, page_at(b, FILE_VA + 3 * MM_PAGE_SIZE));
	ck_assert(p->flags & PG_FILE);
	ck_assert_int_eq(p->mapcount, 2);
	ck_assert_uint_eq(pte_at(a, FILE_VA + 3 * MM_PAGE_SIZE) & PTE_RW, 0);
	ck_assert_uint_eq(a->rss[FAULT_RSS_FILE], 1);
	ck_assert_int_eq(w.events[FAULT_EV_FILE_MAPS], 2);
	ck_assert_uint_eq(read_byte(b, FILE_VA + 3 * MM_PAGE_SIZE + 7),
			  w.file.data[3 * MM_PAGE_SIZE + 7]);
}
END_TEST

START_TEST(a_file_write_maps_a_private_copy_and_leaves_the_cache_alone)
{
	struct mm *mm = space(0);
	uint64_t va = FILE_VA + MM_PAGE_SIZE;

	map_file(mm);
	ck_assert_int_eq(fault_handle(&w.fe, mm, va, FAULT_WRITE), FAULT_MAJOR);
	struct page *p = page_at(mm, va);
	ck_assert(p->flags & PG_ANON);
	ck_assert(pte_at(mm, va) & PTE_RW);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_FILE], 0);
	ck_assert_int_eq(w.events[FAULT_EV_COW_COPIES], 1);
	write_byte(mm, va, 0xee);
	uint64_t cached = pagecache_lookup(&w.file.cache, 1);
	ck_assert_uint_ne(cached, 0);
	ck_assert_uint_eq(((uint8_t *)mm_phys_to_virt(cached << MM_PAGE_SHIFT))[0],
			  w.file.data[MM_PAGE_SIZE]);
	ck_assert_uint_eq(read_byte(mm, va + 1), w.file.data[MM_PAGE_SIZE + 1]);
}
END_TEST

START_TEST(a_write_after_a_file_read_copies_the_cache_frame_and_flushes_it)
{
	struct mm *mm = space(0);

	map_file(mm);
	ck_assert_uint_eq(read_byte(mm, FILE_VA), w.file.data[0]);
	struct page *cached = page_at(mm, FILE_VA);
	long flushes = host_tlb_page_flushes;
	write_byte(mm, FILE_VA, 0x5a);
	ck_assert_ptr_ne(page_at(mm, FILE_VA), cached);
	ck_assert_int_eq(cached->mapcount, 0);
	ck_assert_int_gt(host_tlb_page_flushes, flushes);
	ck_assert_uint_eq(read_byte(mm, FILE_VA), 0x5a);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_FILE], 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
}
END_TEST

/* ---- copy-on-write after fork ------------------------------------------------ */

START_TEST(after_fork_a_write_copies_then_the_last_mapping_reuses_its_frame)
{
	struct mm *parent = space(0), *child = space(1);

	map_anon(parent);
	write_byte(parent, ANON_VA, 0xaa);
	struct page *p = page_at(parent, ANON_VA);
	fork_space(parent, child);
	ck_assert_int_eq(p->mapcount, 2);
	ck_assert_uint_eq(pte_at(parent, ANON_VA) & PTE_RW, 0);
	ck_assert_uint_eq(pte_at(child, ANON_VA) & PTE_RW, 0);
	write_byte(child, ANON_VA, 0xcc);
	ck_assert_ptr_ne(page_at(child, ANON_VA), p);
	ck_assert_int_eq(p->mapcount, 1);
	ck_assert_int_eq(w.events[FAULT_EV_COW_COPIES], 1);
	write_byte(parent, ANON_VA + 1, 0xbb);
	ck_assert_ptr_eq(page_at(parent, ANON_VA), p);
	ck_assert_int_eq(w.events[FAULT_EV_COW_REUSES], 1);
	ck_assert_uint_eq(read_byte(parent, ANON_VA), 0xaa);
	ck_assert_uint_eq(read_byte(child, ANON_VA), 0xcc);
	ck_assert_uint_eq(read_byte(child, ANON_VA + 1), 0);
}
END_TEST

START_TEST(a_read_of_a_present_page_is_a_stale_tlb_entry_flushed)
{
	struct mm *mm = space(0);

	map_anon(mm);
	write_byte(mm, ANON_VA, 1);
	long flushes = host_tlb_page_flushes;
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, 0), FAULT_MINOR);
	ck_assert_int_eq(host_tlb_page_flushes, flushes + 1);
	ck_assert_int_eq(w.events[FAULT_EV_COW_REUSES], 0);
}
END_TEST

/* ---- swap-in ------------------------------------------------------------------ */

START_TEST(a_swapped_out_page_comes_back_from_the_device_as_a_major_refault)
{
	struct mm *mm = space(0);

	map_anon(mm);
	write_byte(mm, ANON_VA + 100, 0x42);
	swap_out_all();
	pte_t pte = pte_at(mm, ANON_VA);
	ck_assert(fault_pte_is_swap(pte));
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SWAPENTS], 1);
	unsigned reads = w.st.disk.requests;
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, 0), FAULT_MAJOR);
	ck_assert_uint_eq(w.st.disk.requests, reads + 1);
	ck_assert_int_eq(w.events[FAULT_EV_PSWPIN], 1);
	ck_assert_uint_eq(w.vs.events[VMSCAN_REFAULT_ANON], 1);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SWAPENTS], 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
	/* one entry, one mapping: writable, clean, still cached */
	ck_assert_uint_eq(pte_at(mm, ANON_VA) & (PTE_RW | PTE_D), PTE_RW);
	ck_assert_uint_eq(w.st.d.cache.nr_pages, 1);
	ck_assert_uint_eq(read_byte(mm, ANON_VA + 100), 0x42);
}
END_TEST

START_TEST(one_swap_in_reads_the_run_of_entries_evicted_together)
{
	struct mm *mm = space(0);

	w.fe.page_cluster = 2;
	map_anon(mm);
	for (unsigned i = 0; i < 6; i++)
		write_byte(mm, ANON_VA + i * MM_PAGE_SIZE, (uint8_t)(i + 1));
	swap_out_all();
	unsigned reads = w.st.disk.requests;
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, 0), FAULT_MAJOR);
	ck_assert_uint_eq(w.st.disk.requests, reads + 1);
	ck_assert_int_eq(w.events[FAULT_EV_PSWPIN], 4);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 4);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SWAPENTS], 2);
	ck_assert_uint_eq(pte_at(mm, ANON_VA + MM_PAGE_SIZE) & PTE_A, 0);
	ck_assert(fault_pte_is_swap(pte_at(mm, ANON_VA + 4 * MM_PAGE_SIZE)));
	for (unsigned i = 0; i < 6; i++)
		ck_assert_uint_eq(read_byte(mm, ANON_VA + i * MM_PAGE_SIZE), i + 1);
}
END_TEST

START_TEST(a_page_swapped_out_of_two_spaces_is_read_once_and_shared_read_only)
{
	struct mm *parent = space(0), *child = space(1);

	map_anon(parent);
	write_byte(parent, ANON_VA, 0x77);
	fork_space(parent, child);
	swap_out_all();
	ck_assert(fault_pte_is_swap(pte_at(child, ANON_VA)));
	ck_assert_int_eq(fault_handle(&w.fe, parent, ANON_VA, 0), FAULT_MAJOR);
	ck_assert_int_eq(fault_handle(&w.fe, child, ANON_VA, 0), FAULT_MINOR);
	ck_assert_ptr_eq(page_at(parent, ANON_VA), page_at(child, ANON_VA));
	ck_assert_uint_eq(pte_at(parent, ANON_VA) & PTE_RW, 0);
	ck_assert_int_eq(w.events[FAULT_EV_PSWPIN], 1);
	write_byte(child, ANON_VA, 0x88);
	ck_assert_ptr_ne(page_at(parent, ANON_VA), page_at(child, ANON_VA));
	ck_assert_uint_eq(read_byte(parent, ANON_VA), 0x77);
	/* the parent's frame, alone now, leaves the swap cache to be written */
	write_byte(parent, ANON_VA, 0x99);
	ck_assert_int_eq(w.events[FAULT_EV_COW_REUSES], 1);
	ck_assert_uint_eq(swapdev_cache_slot(page_at(parent, ANON_VA)), 0);
}
END_TEST

START_TEST(a_failed_swap_read_is_oom_and_leaves_the_entry)
{
	struct mm *mm = space(0);

	map_anon(mm);
	write_byte(mm, ANON_VA, 3);
	swap_out_all();
	w.st.disk.fail = -MM_EINVAL;
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA, 0), FAULT_OOM);
	ck_assert(fault_pte_is_swap(pte_at(mm, ANON_VA)));
	ck_assert_uint_eq(read_byte(mm, ANON_VA), 3);
}
END_TEST

START_TEST(unmapping_frees_swap_entries_and_their_slots)
{
	struct mm *parent = space(0), *child = space(1);

	map_anon(parent);
	for (unsigned i = 0; i < 8; i++)
		write_byte(parent, ANON_VA + i * MM_PAGE_SIZE, 9);
	swap_out_all();
	fork_space(parent, child);
	ck_assert_uint_eq(child->rss[FAULT_RSS_SWAPENTS], 8);
	ck_assert_uint_eq(swap_slots_count(&w.st.d.slots, fault_swap_slot(pte_at(child, ANON_VA))), 2);
	fault_zap_range(&w.fe, parent, ANON_VA, ANON_VA + AREA_PAGES * MM_PAGE_SIZE);
	ck_assert_uint_eq(parent->rss[FAULT_RSS_SWAPENTS], 0);
	ck_assert_uint_eq(read_byte(child, ANON_VA + 7 * MM_PAGE_SIZE), 9);
}
END_TEST

/* ---- the model ---------------------------------------------------------------- */

enum area { AREA_ANON, AREA_FILE, NR_AREAS };

/* What every mapped byte should read, per space and area; NULL: not mapped. */
struct model {
	uint8_t *shadow[NR_SPACES][NR_AREAS];
	uint64_t seed;          /* the run's, printed on a failure */
	uint64_t rng;           /* the generator's state, from seed */
	unsigned step;
};

static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const uint64_t area_va[NR_AREAS] = { ANON_VA, FILE_VA };
static const uint64_t area_pages[NR_AREAS] = { AREA_PAGES, FILE_PAGES };
#define HOT_PAGES 6

static void model_map(struct model *m, int s, enum area a)
{
	size_t bytes = area_pages[a] * MM_PAGE_SIZE;

	if (m->shadow[s][a])
		return;
	m->shadow[s][a] = calloc(1, bytes);
	if (a == AREA_FILE) {
		map_file(space(s));
		memcpy(m->shadow[s][a], w.file.data, FILE_BYTES);
	} else {
		map_anon(space(s));
	}
}

static void model_unmap(struct model *m, int s, enum area a)
{
	uint64_t end = area_va[a] + area_pages[a] * MM_PAGE_SIZE;

	if (!m->shadow[s][a])
		return;
	fault_zap_range(&w.fe, space(s), area_va[a], end);
	ck_assert_int_eq(vma_remove(&space(s)->vmas, area_va[a], end), 0);
	free(m->shadow[s][a]);
	m->shadow[s][a] = NULL;
}

/* The access at va, retried after reclaim when memory is short. */
static phys_addr_t model_access(struct model *m, struct mm *mm, unsigned thread, uint64_t va,
				bool write)
{
	phys_addr_t pa;

	for (int tries = 0; tries < 8; tries++) {
		enum fault_result r = access_at(mm, thread, va, write, &pa);
		if (r == FAULT_MINOR || r == FAULT_MAJOR)
			return pa;
		ck_assert_msg(r == FAULT_OOM, "seed %llu step %u: fault %d at 0x%llx",
			      (unsigned long long)m->seed, m->step, r, (unsigned long long)va);
		vmscan_shrink(&w.vs, 32, true, (struct vmscan_skip){ NULL, NULL });
	}
	ck_abort_msg("seed %llu step %u: no memory for 0x%llx", (unsigned long long)m->seed,
		     m->step, (unsigned long long)va);
	return 0;
}

/*
 * The page of area a an access goes to: three in four to the first
 * HOT_PAGES, so that the threads' TLB entries, copies and reuses of one
 * page meet often; the rest anywhere (the pressure that swaps).
 */
static uint64_t model_page(enum area a, uint64_t r)
{
	return (r >> 50) % 4 ? r % HOT_PAGES : r % area_pages[a];
}

/* Writes a random run of one byte value into one page; the shadow follows. */
static void model_write(struct model *m, int s, enum area a, uint64_t r)
{
	uint64_t page = model_page(a, r), off = (r >> 8) % MM_PAGE_SIZE;
	uint64_t len = MM_MIN((r >> 20) % 512 + 1, MM_PAGE_SIZE - off);
	uint8_t val = (uint8_t)(r >> 40);
	uint64_t va = area_va[a] + page * MM_PAGE_SIZE;
	phys_addr_t pa = model_access(m, space(s), (unsigned)(r >> 60) % THREADS, va, true);

	memset(byte_at(pa, va + off), val, len);
	memset(m->shadow[s][a] + page * MM_PAGE_SIZE + off, val, len);
}

/* Reads one whole page and compares every byte with the shadow. */
static void model_read(struct model *m, int s, enum area a, uint64_t r)
{
	uint64_t page = model_page(a, r), va = area_va[a] + page * MM_PAGE_SIZE;
	phys_addr_t pa = model_access(m, space(s), (unsigned)(r >> 60) % THREADS, va, false);
	const uint8_t *want = m->shadow[s][a] + page * MM_PAGE_SIZE;
	const uint8_t *got = byte_at(pa, va);

	if (memcmp(got, want, MM_PAGE_SIZE) == 0)
		return;
	for (unsigned i = 0; i < MM_PAGE_SIZE; i++)
		ck_assert_msg(got[i] == want[i],
			      "seed %llu step %u: space %d va 0x%llx byte %u is 0x%02x, not 0x%02x",
			      (unsigned long long)m->seed, m->step, s,
			      (unsigned long long)va, i, got[i], want[i]);
}

/* Space d becomes a copy-on-write copy of space s (fork after d's exit). */
static void model_fork(struct model *m, int s, int d)
{
	for (int a = 0; a < NR_AREAS; a++)
		model_unmap(m, d, a);
	fork_space(space(s), space(d));
	for (int a = 0; a < NR_AREAS; a++) {
		if (!m->shadow[s][a])
			continue;
		m->shadow[d][a] = malloc(area_pages[a] * MM_PAGE_SIZE);
		memcpy(m->shadow[d][a], m->shadow[s][a], area_pages[a] * MM_PAGE_SIZE);
	}
}

/* The counters agree with the page tables: present PTEs by kind, swap entries. */
static void model_check_counts(struct model *m)
{
	for (int s = 0; s < NR_SPACES; s++) {
		uint64_t n[NR_FAULT_RSS] = { 0 };
		for (int a = 0; a < NR_AREAS; a++)
			for (uint64_t i = 0; m->shadow[s][a] && i < area_pages[a]; i++) {
				pte_t pte = pte_at(space(s), area_va[a] + i * MM_PAGE_SIZE);
				if (fault_pte_is_swap(pte))
					n[FAULT_RSS_SWAPENTS]++;
				else if (pte)
					n[(page_at(space(s), area_va[a] + i * MM_PAGE_SIZE)->flags &
					   PG_ANON) ? FAULT_RSS_ANON : FAULT_RSS_FILE]++;
			}
		for (int k = 0; k < NR_FAULT_RSS; k++)
			ck_assert_msg(n[k] == space(s)->rss[k], "seed %llu step %u: space %d rss[%d]",
				      (unsigned long long)m->seed, m->step, s, k);
	}
}

static void model_step(struct model *m)
{
	uint64_t r = next_random(&m->rng), op = r % 100;
	int s = (int)((r >> 8) % NR_SPACES);
	enum area a = (enum area)((r >> 12) % NR_AREAS);

	r = next_random(&m->rng);
	if (op < 4)
		model_map(m, s, a);
	else if (op < 6)
		model_unmap(m, s, a);
	else if (op < 8)
		model_fork(m, s, (s + 1 + (int)(r % (NR_SPACES - 1))) % NR_SPACES);
	else if (op < 12)
		vmscan_shrink(&w.vs, r % 64 + 1, r & 1, (struct vmscan_skip){ NULL, NULL });
	else if (!m->shadow[s][a])
		model_map(m, s, a);
	else if (op < 55)
		model_write(m, s, a, r);
	else
		model_read(m, s, a, r);
}

static void model_run(uint64_t seed, unsigned steps)
{
	struct model m = { .seed = seed, .rng = seed };

	w.fe.page_cluster = 2;
	for (m.step = 0; m.step < steps; m.step++) {
		model_step(&m);
		if (m.step % 256 == 0)
			model_check_counts(&m);
	}
	model_check_counts(&m);
	for (int s = 0; s < NR_SPACES; s++)
		for (int a = 0; a < NR_AREAS; a++)
			model_unmap(&m, s, a);
}

static const uint64_t model_seeds[] = { 0x9e3779b97f4a7c15ull, 1, 0xdeadbeefull, 20261207 };

START_TEST(random_maps_writes_forks_and_reclaim_read_back_what_the_shadow_says)
{
	model_run(model_seeds[_i], 10000);
	ck_assert_uint_gt(w.events[FAULT_EV_PSWPIN], 0);
	ck_assert_uint_gt(w.events[FAULT_EV_COW_COPIES], 0);
	ck_assert_uint_gt(w.events[FAULT_EV_COW_REUSES], 0);
}
END_TEST

START_TEST(the_model_with_fault_around_reads_back_what_the_shadow_says)
{
	w.fe.around_order = 2;
	model_run(model_seeds[_i] * 3 + 1, 5000);
	ck_assert_uint_gt(w.events[FAULT_EV_PSWPIN], 0);
}
END_TEST

Suite *fault_suite(void);
Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *anon = tcase_create("anon"), *err = tcase_create("errors");
	TCase *file = tcase_create("file"), *cow = tcase_create("cow");
	TCase *swap = tcase_create("swap"), *model = tcase_create("model");
	TCase *fifo = tcase_create("model_fifo");
	TCase *all[] = { anon, err, file, cow, swap, model, fifo };

	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], all[i] == fifo ? setup_fifo : setup, teardown);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(anon, a_read_of_an_anonymous_page_maps_a_zeroed_frame_accessed_and_writable);
	tcase_add_test(anon, fault_around_maps_the_whole_empty_window_with_only_the_faulting_page_accessed);
	tcase_add_test(anon, fault_around_falls_back_to_one_page_at_the_edge_of_an_area);
	tcase_add_test(anon, a_shared_anonymous_area_gets_shmem_frames);
	tcase_add_test(anon, an_anonymous_fault_with_no_frame_left_is_oom);
	tcase_add_test(err, faults_the_area_does_not_allow_are_segv);
	tcase_add_test(err, a_file_page_wholly_past_the_end_of_the_file_is_segv);
	tcase_add_test(file, a_file_read_maps_the_page_cache_frame_read_only_major_then_minor);
	tcase_add_test(file, a_file_write_maps_a_private_copy_and_leaves_the_cache_alone);
	tcase_add_test(file, a_write_after_a_file_read_copies_the_cache_frame_and_flushes_it);
	tcase_add_test(cow, after_fork_a_write_copies_then_the_last_mapping_reuses_its_frame);
	tcase_add_test(cow, a_read_of_a_present_page_is_a_stale_tlb_entry_flushed);
	tcase_add_test(swap, a_swapped_out_page_comes_back_from_the_device_as_a_major_refault);
	tcase_add_test(swap, one_swap_in_reads_the_run_of_entries_evicted_together);
	tcase_add_test(swap, a_page_swapped_out_of_two_spaces_is_read_once_and_shared_read_only);
	tcase_add_test(swap, a_failed_swap_read_is_oom_and_leaves_the_entry);
	tcase_add_test(swap, unmapping_frees_swap_entries_and_their_slots);
	tcase_add_loop_test(model, random_maps_writes_forks_and_reclaim_read_back_what_the_shadow_says,
			    0, 4);
	tcase_add_loop_test(model, the_model_with_fault_around_reads_back_what_the_shadow_says, 0, 2);
	tcase_add_loop_test(fifo, random_maps_writes_forks_and_reclaim_read_back_what_the_shadow_says,
			    0, 2);
	tcase_set_timeout(model, 120);
	tcase_set_timeout(fifo, 120);
	return s;
}
