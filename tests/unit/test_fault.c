/*
 * test_fault.c: the page-fault engine (mm/fault.c) on the fault rig
 * (fault_rig.h: three simulated address spaces, a buddy of real pages, a
 * swap device on a RAM disk, a file's page cache and reclaim's engine,
 * every access going through the host port's TLB model). Each kind of
 * fault is checked for its exact outcome (result, PTE bits, frames,
 * counters); test_fault_model.c runs random sequences of them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "mm_port.h"
#include "port_host.h"
#include "ramdisk.h"
#include "fault_rig.h"

#define RAM_PAGES   FAULT_RIG_RAM_PAGES
#define NR_SPACES   FAULT_RIG_SPACES
#define FILE_PAGES  FAULT_RIG_FILE_PAGES
#define FILE_BYTES  FAULT_RIG_FILE_BYTES
#define AREA_PAGES  48
#define ANON_VA     0x400000ull
#define FILE_VA     0x10000000ull

static struct fault_rig w;

/* ---- fixture ------------------------------------------------------------ */

static void setup(void)
{
	fault_rig_setup(&w, "lru");
}

/* Unmaps everything; then no frame but the page cache's and no slot may be left. */
static void teardown(void)
{
	fault_rig_teardown(&w);
}

/* ---- helpers ------------------------------------------------------------ */

static struct mm *space(int i)
{
	return fault_rig_space(&w, (unsigned)i);
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
	return fault_rig_pte(mm, va);
}

static struct page *page_at(struct mm *mm, uint64_t va)
{
	struct page *p = fault_rig_page(&w, mm, va);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* The access thread 0 of mm makes at va, which must resolve. Returns its frame. */
static phys_addr_t access_ok(struct mm *mm, uint64_t va, bool write)
{
	phys_addr_t pa;
	enum fault_result r = fault_rig_access(&w, mm, 0, va, write, &pa);

	ck_assert(r == FAULT_MINOR || r == FAULT_MAJOR);
	ck_assert_uint_ne(pa, 0);
	return pa;
}

static uint8_t read_byte(struct mm *mm, uint64_t va)
{
	return *fault_rig_byte(access_ok(mm, va, false), va);
}

static void write_byte(struct mm *mm, uint64_t va, uint8_t val)
{
	*fault_rig_byte(access_ok(mm, va, true), va) = val;
}

static void fork_space(struct mm *parent, struct mm *child)
{
	ck_assert_int_eq(fault_rig_fork(&w, parent, child), 0);
}

/* Reclaims until nothing of the anonymous list is left in memory. */
static void swap_out_all(void)
{
	fault_rig_reclaim(&w, false);
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
	ck_assert_uint_eq(w.vs.lv[0]->lru[LRU_ANON].nr_frames, 1);
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

START_TEST(fault_around_of_sixteen_pages_maps_them_with_one_fault)
{
	struct mm *mm = space(0);

	w.fe.around_order = 4;          /* the guest's default mm.fault_around=16 */
	map_anon(mm);
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 40 * MM_PAGE_SIZE, 0), FAULT_MINOR);
	unsigned faults = w.prepares;
	ck_assert_int_eq(fault_handle(&w.fe, mm, ANON_VA + 5 * MM_PAGE_SIZE, FAULT_WRITE),
			 FAULT_MINOR);
	ck_assert_uint_eq(w.prepares, faults + 1);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1 + 16);
	ck_assert_int_eq(w.events[FAULT_EV_ZERO_FILLS], 1 + 16);
	for (unsigned i = 0; i < 16; i++)
		write_byte(mm, ANON_VA + i * MM_PAGE_SIZE, (uint8_t)i);    /* no more faults */
	ck_assert_uint_eq(w.prepares, faults + 1);
	ck_assert_uint_eq(pte_at(mm, ANON_VA + 16 * MM_PAGE_SIZE), 0);
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

START_TEST(a_file_page_wholly_past_the_end_of_the_file_is_sigbus)
{
	struct mm *mm = space(0);

	map_area(mm, FILE_VA, FILE_PAGES + 1, VMA_READ, 0, &w.file);
	ck_assert_int_eq(fault_handle(&w.fe, mm, FILE_VA + FILE_PAGES * MM_PAGE_SIZE, 0),
			 FAULT_SIGBUS);
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

/*
 * A fault's own allocations (the private copy, the page table) may run
 * direct reclaim, which sees the cache frame the fault is about to map
 * unmapped by every space: the fault locks it meanwhile, so the frame
 * mapped is the cache's live page, not a freed one (_i: 0 read, 1 write).
 */
START_TEST(reclaim_inside_a_file_fault_keeps_the_cache_frame_it_maps)
{
	struct mm *mm = space(0);
	uint64_t va = FILE_VA + 3 * MM_PAGE_SIZE + 7;
	bool write = _i;

	map_file(mm);
	w.reclaim_in_alloc = true;
	host_table_alloc_hook = fault_rig_reclaim_all;
	host_table_alloc_hook_arg = &w;
	enum fault_result r = fault_handle(&w.fe, mm, va, write ? FAULT_WRITE : 0);
	host_table_alloc_hook = NULL;
	w.reclaim_in_alloc = false;
	ck_assert_int_eq(r, FAULT_MAJOR);
	uint64_t cached_pfn = pagecache_lookup(&w.file.cache, 3);
	ck_assert_uint_ne(cached_pfn, 0);       /* reclaim left the cache its page */
	struct page *p = page_at(mm, va), *cached = buddy_pfn_to_page(&w.b, cached_pfn);
	ck_assert_uint_eq(p->flags & (PG_BUDDY | PG_PCP | PG_LOCKED), 0);
	ck_assert_uint_eq(cached->flags & (PG_BUDDY | PG_PCP | PG_LOCKED), 0);
	ck_assert(cached->flags & PG_FILE);
	ck_assert(write ? p != cached && (p->flags & PG_ANON) : p == cached);
	ck_assert_uint_eq(read_byte(mm, va), w.file.data[3 * MM_PAGE_SIZE + 7]);
}
END_TEST

/* Reads page index of the file in mm through a fault of its own (the cache fills). */
static void fault_file_page(struct mm *mm, uint64_t index)
{
	enum fault_result r = fault_handle(&w.fe, mm, FILE_VA + index * MM_PAGE_SIZE, 0);

	ck_assert(r == FAULT_MINOR || r == FAULT_MAJOR);
}

START_TEST(file_fault_around_maps_the_cached_neighbours_read_only_and_not_accessed)
{
	struct mm *a = space(0), *b = space(1);
	unsigned disk_reads;

	w.fe.file_around_order = 2;
	map_file(a);
	map_file(b);
	fault_file_page(b, 4);          /* the cache holds pages 4, 6 and 9 */
	fault_file_page(b, 6);
	fault_file_page(b, 9);
	ck_assert_int_eq(w.events[FAULT_EV_FILE_AROUND], 0);   /* b's windows held nothing more */
	disk_reads = pagecache_nr_pages(&w.file.cache);
	ck_assert_int_eq(fault_handle(&w.fe, a, FILE_VA + 5 * MM_PAGE_SIZE, 0), FAULT_MAJOR);
	/* window 4..7: 5 faulted (read in), 4 and 6 cached, 7 not: no I/O for it */
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), disk_reads + 1);
	ck_assert_int_eq(w.events[FAULT_EV_FILE_AROUND], 2);
	ck_assert_int_eq(w.events[FAULT_EV_FILE_MAPS], 4);
	for (unsigned i = 4; i <= 6; i += 2) {
		pte_t pte = pte_at(a, FILE_VA + i * MM_PAGE_SIZE);
		ck_assert_uint_eq(pte & (PTE_P | PTE_RW | PTE_A), PTE_P);
		ck_assert_ptr_eq(page_at(a, FILE_VA + i * MM_PAGE_SIZE),
				 page_at(b, FILE_VA + i * MM_PAGE_SIZE));
		ck_assert_int_eq(page_at(a, FILE_VA + i * MM_PAGE_SIZE)->mapcount, 2);
	}
	ck_assert_uint_eq(pte_at(a, FILE_VA + 5 * MM_PAGE_SIZE) & PTE_A, PTE_A);
	ck_assert_uint_eq(pte_at(a, FILE_VA + 7 * MM_PAGE_SIZE), 0);
	ck_assert_uint_eq(pte_at(a, FILE_VA + 9 * MM_PAGE_SIZE), 0);   /* another window */
	ck_assert_uint_eq(a->rss[FAULT_RSS_FILE], 3);
	/* a read of a neighbour takes no fault; a write still copies */
	long faults = w.prepares;
	ck_assert_uint_eq(read_byte(a, FILE_VA + 4 * MM_PAGE_SIZE + 1),
			  w.file.data[4 * MM_PAGE_SIZE + 1]);
	ck_assert_uint_eq(w.prepares, faults);
	write_byte(a, FILE_VA + 6 * MM_PAGE_SIZE, 0x66);
	ck_assert_uint_eq(read_byte(b, FILE_VA + 6 * MM_PAGE_SIZE), w.file.data[6 * MM_PAGE_SIZE]);
}
END_TEST

START_TEST(file_fault_around_stays_inside_the_area_and_the_file_and_skips_writes)
{
	struct mm *a = space(0), *b = space(1);
	struct vma v = { .start = FILE_VA + 6 * MM_PAGE_SIZE, .end = FILE_VA + 10 * MM_PAGE_SIZE,
			 .prot = VMA_READ | VMA_WRITE, .pgoff = 13 * MM_PAGE_SIZE, .file = &w.file };

	w.fe.file_around_order = 4;     /* the window: FILE_VA's first 16 pages */
	map_file(b);
	for (unsigned i = 8; i < FILE_PAGES; i++)
		fault_file_page(b, i);
	/* a maps file pages 13..16 (16 wholly past the end) at pages 6..9 */
	ck_assert_int_eq(vma_insert(&a->vmas, &v), 0);
	ck_assert_int_eq(fault_handle(&w.fe, a, FILE_VA + 6 * MM_PAGE_SIZE, FAULT_WRITE),
			 FAULT_MINOR);
	ck_assert_int_eq(w.events[FAULT_EV_FILE_AROUND], 0);     /* a write maps one page */
	ck_assert_int_eq(fault_handle(&w.fe, a, FILE_VA + 7 * MM_PAGE_SIZE, 0), FAULT_MINOR);
	ck_assert_int_eq(w.events[FAULT_EV_FILE_AROUND], 1);     /* page 8 (index 15) alone */
	ck_assert_uint_eq(pte_at(a, FILE_VA + 8 * MM_PAGE_SIZE) & (PTE_P | PTE_RW), PTE_P);
	ck_assert_ptr_eq(page_at(a, FILE_VA + 8 * MM_PAGE_SIZE),
			 page_at(b, FILE_VA + 15 * MM_PAGE_SIZE));
	ck_assert_uint_eq(pte_at(a, FILE_VA + 9 * MM_PAGE_SIZE), 0);    /* past the end */
	ck_assert_uint_eq(pte_at(a, FILE_VA + 5 * MM_PAGE_SIZE), 0);    /* outside the area */
	ck_assert_uint_eq(pte_at(a, FILE_VA + 10 * MM_PAGE_SIZE), 0);
	ck_assert_uint_eq(a->rss[FAULT_RSS_FILE], 2);
	ck_assert_uint_eq(a->rss[FAULT_RSS_ANON], 1);
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

/* mbind's MPOL_MF_MOVE, one page: a copy in a new frame with the same PTE
 * bits, tracked by reclaim, the old frame freed (teardown finds no leak),
 * and the TLB flushed (the model would read the old frame otherwise). */
START_TEST(moving_a_page_mapped_once_copies_it_to_a_new_frame_and_frees_the_old)
{
	struct mm *mm = space(0), *child = space(1);

	map_anon(mm);
	write_byte(mm, ANON_VA + 5, 0x5a);
	const struct vma *v = vma_lookup(&mm->vmas, ANON_VA);
	struct page *old = page_at(mm, ANON_VA);
	pte_t before = pte_at(mm, ANON_VA);
	ck_assert_int_eq(fault_move_page(&w.fe, mm, v, ANON_VA), 0);
	struct page *moved = page_at(mm, ANON_VA);
	ck_assert_ptr_ne(moved, old);
	ck_assert_int_eq(moved->mapcount, 1);
	ck_assert_int_eq(old->mapcount, 0);
	ck_assert_uint_eq(pte_at(mm, ANON_VA) & ~PTE_ADDR_MASK, before & ~PTE_ADDR_MASK);
	ck_assert_ptr_nonnull(moved->user.pf.owner);            /* on the anonymous LRU */
	ck_assert_uint_eq(read_byte(mm, ANON_VA + 5), 0x5a);
	write_byte(mm, ANON_VA + 6, 0x6b);                     /* still writable, no fault */
	ck_assert_ptr_eq(page_at(mm, ANON_VA), moved);
	ck_assert_int_eq(fault_move_page(&w.fe, mm, v, ANON_VA + MM_PAGE_SIZE), -MM_EBUSY);
	fork_space(mm, child);                                  /* two mappings: it stays */
	ck_assert_int_eq(fault_move_page(&w.fe, mm, vma_lookup(&mm->vmas, ANON_VA), ANON_VA),
			 -MM_EBUSY);
	ck_assert_ptr_eq(page_at(mm, ANON_VA), moved);
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
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_REFAULT_ANON), 1);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SWAPENTS], 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 1);
	/* one entry, one mapping: writable, clean, still cached */
	ck_assert_uint_eq(pte_at(mm, ANON_VA) & (PTE_RW | PTE_D), PTE_RW);
	ck_assert_uint_eq(pagecache_nr_pages(&w.st.d.cache), 1);
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

START_TEST(unmapping_swapped_out_memory_frees_its_page_tables)
{
	struct mm *mm = space(0);
	long tables = host_tables_in_use;

	map_anon(mm);
	for (unsigned i = 0; i < AREA_PAGES; i++)
		write_byte(mm, ANON_VA + i * MM_PAGE_SIZE, 1);
	ck_assert_int_gt(host_tables_in_use, tables);
	swap_out_all();
	ck_assert_uint_eq(mm->rss[FAULT_RSS_ANON], 0);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SWAPENTS], AREA_PAGES);
	fault_zap_range(&w.fe, mm, ANON_VA, ANON_VA + AREA_PAGES * MM_PAGE_SIZE);
	ck_assert_uint_eq(mm->rss[FAULT_RSS_SWAPENTS], 0);
	ck_assert_int_eq(host_tables_in_use, tables);
	ck_assert_uint_eq(swap_slots_used(&w.st.d.slots), 0);
}
END_TEST

Suite *fault_suite(void);
Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *anon = tcase_create("anon"), *err = tcase_create("errors");
	TCase *file = tcase_create("file"), *cow = tcase_create("cow");
	TCase *swap = tcase_create("swap");
	TCase *all[] = { anon, err, file, cow, swap };

	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(anon, a_read_of_an_anonymous_page_maps_a_zeroed_frame_accessed_and_writable);
	tcase_add_test(anon, fault_around_maps_the_whole_empty_window_with_only_the_faulting_page_accessed);
	tcase_add_test(anon, fault_around_of_sixteen_pages_maps_them_with_one_fault);
	tcase_add_test(anon, fault_around_falls_back_to_one_page_at_the_edge_of_an_area);
	tcase_add_test(anon, a_shared_anonymous_area_gets_shmem_frames);
	tcase_add_test(anon, an_anonymous_fault_with_no_frame_left_is_oom);
	tcase_add_test(err, faults_the_area_does_not_allow_are_segv);
	tcase_add_test(err, a_file_page_wholly_past_the_end_of_the_file_is_sigbus);
	tcase_add_test(file, a_file_read_maps_the_page_cache_frame_read_only_major_then_minor);
	tcase_add_test(file, a_file_write_maps_a_private_copy_and_leaves_the_cache_alone);
	tcase_add_test(file, a_write_after_a_file_read_copies_the_cache_frame_and_flushes_it);
	tcase_add_test(file, file_fault_around_maps_the_cached_neighbours_read_only_and_not_accessed);
	tcase_add_test(file, file_fault_around_stays_inside_the_area_and_the_file_and_skips_writes);
	tcase_add_loop_test(file, reclaim_inside_a_file_fault_keeps_the_cache_frame_it_maps, 0, 2);
	tcase_add_test(cow, after_fork_a_write_copies_then_the_last_mapping_reuses_its_frame);
	tcase_add_test(cow, a_read_of_a_present_page_is_a_stale_tlb_entry_flushed);
	tcase_add_test(cow, moving_a_page_mapped_once_copies_it_to_a_new_frame_and_frees_the_old);
	tcase_add_test(swap, a_swapped_out_page_comes_back_from_the_device_as_a_major_refault);
	tcase_add_test(swap, one_swap_in_reads_the_run_of_entries_evicted_together);
	tcase_add_test(swap, a_page_swapped_out_of_two_spaces_is_read_once_and_shared_read_only);
	tcase_add_test(swap, a_failed_swap_read_is_oom_and_leaves_the_entry);
	tcase_add_test(swap, unmapping_frees_swap_entries_and_their_slots);
	tcase_add_test(swap, unmapping_swapped_out_memory_frees_its_page_tables);
	return s;
}
