/*
 * test_vmscan.c: reclaim's engine (mm/vmscan.c) over simulated address
 * spaces, a buddy of RAM_PAGES real pages, a swap device on a RAM disk
 * (mm/swapdev.h) and a file's page cache: dirty anonymous pages are
 * written and read back byte for byte, a clean stored copy is not written
 * again, evicted PTEs are flushed from the TLB model; clean file pages are
 * dropped with a shadow and refault active exactly within the working
 * set; swappiness 0 / 100 / 200 split a shrink as lruvec_anon_share says;
 * kswapd stops at the high marks, on no progress and after one pass;
 * direct reclaim leaves the pages of the spaces it is told to skip.
 *
 * The world under test is one static, reset per test; the stores reach
 * it through their ctx, as the guest's reach its swap device.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vmscan.h"
#include "swapdev.h"
#include "mm_port.h"
#include "port_host.h"
#include "ramdisk.h"
#include "stores.h"
#include "spaces.h"

#define RAM_PAGES  1024
#define NR_SLOTS   256
#define NR_SPACES  2
#define FILE_PAGES 128
#define ANON_VA    0x400000ull
#define FILE_VA    0x10000000ull

struct inode {
	struct pagecache cache;
	uint32_t slots[FILE_PAGES];
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
	struct lruvec node1;            /* node 1's lists (setup_two_nodes) */
	unsigned gfp;                   /* what map_anon, file_fill and swap_in allocate with */
};

static struct world w;

/* The test's one file's page cache, for the file store. */
static struct pagecache *file_cache(struct inode *ino)
{
	return &ino->cache;
}

/* ---- fixture ------------------------------------------------------------ */

/* The world over nodes (NULL: one node), policy on every node's lists. */
static void setup_nodes(const char *policy, bool swap_on, const struct buddy_nodes *nodes)
{
	const struct host_swap_mem mem = { w.disk_pages, w.map, w.entries, NR_SLOTS };
	struct vmscan_store store[NR_LRU];
	const struct policy_config cfg[NR_LRU] = { { .seed = 42 }, { .seed = 42 } };

	host_port_reset();
	memset(&w, 0, sizeof(w));
	w.gfp = BUDDY_GFP_ATOMIC;
	ck_assert_int_eq(host_stores_init_nodes(&w.st, &w.b, w.descs, RAM_PAGES, nodes, &w.vs,
						swap_on, &mem, file_cache), 0);
	host_stores_table(&w.st, store);
	ck_assert_int_eq(host_spaces_init(&w.sp, NR_SPACES, &w.b), 0);
	ck_assert_int_eq(pagecache_init(&w.file.cache, w.file.slots, FILE_PAGES), 0);
	ck_assert_int_eq(vmscan_init(&w.vs, policy_by_name(policy), cfg, store, &w.sp.engine,
				     &w.b), 0);
}

static void setup_with(const char *policy, bool swap_on)
{
	setup_nodes(policy, swap_on, NULL);
}

static void setup(void)
{
	setup_with("lru", true);
}

static void setup_no_swap(void)
{
	setup_with("lru", false);
}

static void teardown(void)
{
	host_spaces_destroy(&w.sp);
	ck_assert_int_eq(host_tables_in_use, 0);
}

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *data(struct page *p)
{
	return buddy_page_address(&w.b, p);
}

/* The byte at offset i of the n-th anonymous page's content. */
static uint8_t pattern(unsigned n, unsigned i)
{
	return (uint8_t)(n * 131 + i * 7 + (i >> 8));
}

/* Maps a new anonymous page filled with pattern(n) at va in mm; dirty: PTE_D set. */
static struct page *map_anon(struct mm *mm, uint64_t va, unsigned n, bool dirty)
{
	struct page *p = buddy_alloc_pages(&w.b, w.gfp, 0);

	ck_assert_ptr_nonnull(p);
	for (unsigned i = 0; i < MM_PAGE_SIZE; i++)
		data(p)[i] = pattern(n, i);
	p->flags |= PG_ANON;
	ck_assert_int_eq(pt_map(&mm->pt, va, buddy_page_to_phys(&w.b, p), MM_PAGE_SIZE,
				PTE_RW | PTE_US | (dirty ? PTE_D : 0), PT_SHIFT_4K), 0);
	rmap_add(p);
	mm->rss[FAULT_RSS_ANON]++;
	vmscan_page_mapped(&w.vs, p, mm, va);
	return p;
}

/* Maps count anonymous pages from ANON_VA in mm, numbered from first. */
static void map_anon_run(struct mm *mm, unsigned first, unsigned count, bool dirty)
{
	for (unsigned n = first; n < first + count; n++)
		map_anon(mm, ANON_VA + (uint64_t)n * MM_PAGE_SIZE, n, dirty);
}

/*
 * Faults va in mm back from its swap entry (what mm/fault.c's swap-in
 * does for one page): from the swap cache or the disk, mapped clean.
 * Returns the page.
 */
static struct page *swap_in(struct mm *mm, uint64_t va)
{
	pte_t *pte = host_pte_at(mm, va);
	uint64_t slot, pfn;
	struct page *p;
	uint32_t shadow = 0;

	ck_assert_ptr_nonnull(pte);
	ck_assert(!(*pte & PTE_P) && (*pte & FAULT_SWP_MARK));
	slot = (*pte & PTE_ADDR_MASK) >> MM_PAGE_SHIFT;
	pfn = pagecache_lookup(&w.st.d.cache, slot);
	if (pfn) {
		p = buddy_pfn_to_page(&w.b, pfn);
	} else {
		phys_addr_t pa;
		p = buddy_alloc_pages(&w.b, w.gfp, 0);
		ck_assert_ptr_nonnull(p);
		pa = buddy_page_to_phys(&w.b, p);
		ck_assert_int_eq(swapdev_read(&w.st.d, slot, &pa, 1), 0);
		p->flags |= PG_ANON;
		shadow = swapdev_cache_add(&w.st.d, p, slot);
		vmscan_anon_refault(&w.vs, p, mm, va, shadow);
	}
	ck_assert_int_ge(swap_slots_put(&w.st.d.slots, slot), 0);   /* the entry's reference */
	*pte = buddy_page_to_phys(&w.b, p) | PTE_P | PTE_US |
	       (swapdev_swapin_writable(&w.st.d, p, slot) ? PTE_RW : 0);
	rmap_add(p);
	mm->rss[FAULT_RSS_SWAPENTS]--;
	mm->rss[FAULT_RSS_ANON]++;
	vmscan_page_mapped(&w.vs, p, mm, va);
	return p;
}

static bool is_swap_entry(struct mm *mm, uint64_t va)
{
	pte_t *pte = host_pte_at(mm, va);

	return pte && !(*pte & PTE_P) && (*pte & FAULT_SWP_MARK);
}

/* Fills page index of the file (a read), with whatever its slot held. */
static struct page *file_fill(uint64_t index, enum lruvec_fill *fill)
{
	struct page *p = buddy_alloc_pages(&w.b, w.gfp, 0);
	uint32_t shadow;
	enum lruvec_fill got;

	ck_assert_ptr_nonnull(p);
	p->flags |= PG_FILE;
	shadow = pagecache_insert(&w.file.cache, index, buddy_page_to_pfn(&w.b, p));
	got = vmscan_file_added(&w.vs, p, &w.file, index, shadow);
	if (fill)
		*fill = got;
	return p;
}

static void file_fill_run(uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		file_fill(i, NULL);
}

/* mm maps the file's first count pages at FILE_VA (prot: VMA_READ, maybe VMA_EXEC). */
static void map_file(struct mm *mm, uint64_t count, uint32_t prot)
{
	struct vma v = { .start = FILE_VA, .end = FILE_VA + count * MM_PAGE_SIZE,
			 .prot = prot, .file = &w.file };

	ck_assert_int_eq(vma_insert(&mm->vmas, &v), 0);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t pfn = pagecache_lookup(&w.file.cache, i);
		ck_assert_uint_ne(pfn, 0);
		ck_assert_int_eq(pt_map(&mm->pt, FILE_VA + i * MM_PAGE_SIZE, pfn << MM_PAGE_SHIFT,
					MM_PAGE_SIZE, PTE_US, PT_SHIFT_4K), 0);
		rmap_add(buddy_pfn_to_page(&w.b, pfn));
		mm->rss[FAULT_RSS_FILE]++;
	}
}

static uint64_t nr_tracked(enum lru_kind k)
{
	return w.vs.lv[0]->lru[k].nr_frames;
}

/* Sets every watermark of the one zone with memory to these values. */
static void set_marks(uint64_t min, uint64_t low, uint64_t high)
{
	struct buddy_zone *z = &w.b.zones[BUDDY_ZONE_DMA];

	ck_assert_uint_ne(z->managed_pages, 0);
	z->wmark[BUDDY_WMARK_MIN] = min;
	z->wmark[BUDDY_WMARK_LOW] = low;
	z->wmark[BUDDY_WMARK_HIGH] = high;
}

/* Takes free pages until n are left (kept allocated for the test). */
static void squeeze_to(uint64_t n)
{
	while (vmscan_free_pages(&w.vs) > n)
		ck_assert_ptr_nonnull(buddy_alloc_pages(&w.b, BUDDY_GFP_ATOMIC, 0));
}

static const struct vmscan_skip nobody = { NULL, NULL, 0 };

/* ---- anonymous eviction ------------------------------------------------ */

START_TEST(dirty_anonymous_pages_are_written_and_read_back_byte_for_byte)
{
	struct mm *mm = &w.sp.mm[0];
	const unsigned n = 40;          /* more than one batch */
	uint64_t free_before;

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	map_anon_run(mm, 0, n, true);
	free_before = vmscan_free_pages(&w.vs);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, n, false, nobody).freed, n);
	ck_assert_uint_eq(w.st.disk.pages_written, n);
	ck_assert_uint_eq(vmscan_free_pages(&w.vs), free_before + n);
	ck_assert_uint_eq(pagecache_nr_pages(&w.st.d.cache), 0);       /* all left the cache: reads hit the disk */
	ck_assert_int_eq(mm->rss[FAULT_RSS_ANON], 0);
	ck_assert_int_eq(mm->rss[FAULT_RSS_SWAPENTS], n);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_ANON), n);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_KSWAPD), n);
	for (unsigned k = 0; k < n; k++) {
		uint64_t va = ANON_VA + (uint64_t)k * MM_PAGE_SIZE;
		ck_assert(is_swap_entry(mm, va));
		struct page *p = swap_in(mm, va);
		for (unsigned i = 0; i < MM_PAGE_SIZE; i++)
			ck_assert_uint_eq(data(p)[i], pattern(k, i));
	}
	ck_assert_int_eq(mm->rss[FAULT_RSS_SWAPENTS], 0);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), n);
}
END_TEST

START_TEST(a_clean_stored_copy_is_not_written_again_a_dirty_one_is)
{
	struct mm *mm = &w.sp.mm[0];

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	map_anon_run(mm, 0, 2, true);
	map_anon_run(&w.sp.mm[1], 0, 2, true);         /* the other space at the same addresses */
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 4, false, nobody).freed, 4);
	ck_assert_uint_eq(w.st.disk.pages_written, 4);
	/* Both of mm's pages back; a shared slot keeps each cached, clean. */
	swap_in(mm, ANON_VA);
	swap_in(mm, ANON_VA + MM_PAGE_SIZE);
	*host_pte_at(mm, ANON_VA + MM_PAGE_SIZE) |= PTE_D;   /* the second one written since */
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 2, false, nobody).freed, 2);
	ck_assert_uint_eq(w.st.disk.pages_written, 5);            /* only the dirty one */
	ck_assert(is_swap_entry(mm, ANON_VA + MM_PAGE_SIZE));
}
END_TEST

START_TEST(an_evicted_mapping_is_flushed_from_every_tlb)
{
	struct mm *mm = &w.sp.mm[0];
	struct page *p = map_anon(mm, ANON_VA, 0, true);
	uint64_t pa = buddy_page_to_phys(&w.b, p);

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	ck_assert_uint_eq(host_tlb_read(0, &mm->pt, ANON_VA) & PTE_ADDR_MASK, pa);
	ck_assert_uint_eq(host_tlb_read(1, &mm->pt, ANON_VA) & PTE_ADDR_MASK, pa);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 1, false, nobody).freed, 1);
	ck_assert_uint_eq(host_tlb_read(0, &mm->pt, ANON_VA), 0);       /* a stale read: pa */
	ck_assert_uint_eq(host_tlb_read(1, &mm->pt, ANON_VA), 0);
}
END_TEST

/*
 * The harvest flushes this CPU (0) only: CPU 1's cached entry keeps A until
 * it goes by itself, as Linux/x86's ptep_clear_flush_young sends no
 * shootdown (one per bit made SMP reclaim batches take minutes).
 */
START_TEST(a_harvested_accessed_bit_is_flushed_here_so_the_next_access_sets_it)
{
	struct mm *mm = &w.sp.mm[0];

	file_fill_run(4);
	map_file(mm, 4, VMA_READ);
	*host_pte_at(mm, FILE_VA) |= PTE_A;
	ck_assert(host_tlb_read(0, &mm->pt, FILE_VA) & PTE_A);
	ck_assert(host_tlb_read(1, &mm->pt, FILE_VA) & PTE_A);
	/* mm faults: its own page cache stays mapped, its bits harvested */
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 4, true, (struct vmscan_skip){ .file = mm }).freed,
			  0);
	ck_assert(!(*host_pte_at(mm, FILE_VA) & PTE_A));
	ck_assert(host_tlb_read(0, &mm->pt, FILE_VA) & PTE_P);
	ck_assert(!(host_tlb_read(0, &mm->pt, FILE_VA) & PTE_A));      /* a stale read: A */
	ck_assert(host_tlb_read(1, &mm->pt, FILE_VA) & PTE_A);          /* not shot down */
}
END_TEST

START_TEST(without_swap_room_no_anonymous_page_goes)
{
	map_anon_run(&w.sp.mm[0], 0, 8, true);
	w.st.swap_on = false;
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 8, false, nobody).freed, 0);
	ck_assert_uint_eq(w.st.disk.pages_written, 0);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 8);
}
END_TEST

START_TEST(a_page_whose_write_fails_stays_mapped_and_listed)
{
	struct mm *mm = &w.sp.mm[0];

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	map_anon_run(mm, 0, 1, true);
	w.st.disk.fail = -5;
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 1, false, nobody).freed, 0);
	ck_assert(*host_pte_at(mm, ANON_VA) & PTE_P);
	ck_assert_int_eq(mm->rss[FAULT_RSS_ANON], 1);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 1);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 1, false, nobody).freed, 1);   /* the next try */
	ck_assert(is_swap_entry(mm, ANON_VA));
}
END_TEST

START_TEST(an_engine_whose_policy_refuses_stays_off)
{
	struct vmscan_store store[NR_LRU];
	struct policy_frame *slot_table[1];
	const struct policy_config cfg[NR_LRU] = { { .slots = slot_table, .nr_slots = 0 }, { 0 } };
	struct page *p = buddy_alloc_pages(&w.b, BUDDY_GFP_ATOMIC, 0);
	struct vmscan off;

	ck_assert_ptr_nonnull(p);
	host_stores_table(&w.st, store);
	ck_assert_int_eq(vmscan_init(&off, policy_by_name("random"), cfg, store, &w.sp.engine,
				     &w.b), -MM_EINVAL);
	ck_assert(!off.on);
	squeeze_to(0);
	set_marks(10, 20, 30);
	ck_assert(!vmscan_fault_plan(&off).wake_kswapd);
	ck_assert_int_eq(vmscan_file_added(&off, p, &w.file, 0, 0), LRUVEC_FILL_NEW);
}
END_TEST

/* ---- file pages and the working set ------------------------------------ */

START_TEST(a_clean_file_page_is_dropped_unmapped_everywhere_with_a_shadow)
{
	uint64_t free_before;

	file_fill_run(4);
	map_file(&w.sp.mm[0], 4, VMA_READ);
	map_file(&w.sp.mm[1], 4, VMA_READ);
	free_before = vmscan_free_pages(&w.vs);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 4, false, nobody).freed, 4);
	ck_assert_uint_eq(vmscan_free_pages(&w.vs), free_before + 4);
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), 0);
	for (uint64_t i = 0; i < 4; i++) {
		ck_assert(pagecache_is_shadow(pagecache_shadow(&w.file.cache, i)));
		for (int s = 0; s < NR_SPACES; s++) {
			pte_t *pte = host_pte_at(&w.sp.mm[s], FILE_VA + i * MM_PAGE_SIZE);
			ck_assert(!pte || !*pte);
		}
	}
	ck_assert_int_eq(w.sp.mm[0].rss[FAULT_RSS_FILE], 0);
	ck_assert_int_eq(w.sp.mm[1].rss[FAULT_RSS_FILE], 0);
	ck_assert_uint_eq(w.st.disk.pages_written, 0);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_FILE), 4);
}
END_TEST

/* A store that cannot take a page (tmpfs with swap full) relists it: reclaim
 * counts nothing freed, and the page stays cached and listed. */
START_TEST(a_file_page_its_store_keeps_is_not_counted_freed)
{
	uint64_t free_before;

	file_fill_run(4);
	w.st.file_keeps = true;
	free_before = vmscan_free_pages(&w.vs);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 4, false, nobody).freed, 0);
	ck_assert_uint_eq(vmscan_free_pages(&w.vs), free_before);
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), 4);
	ck_assert_uint_eq(nr_tracked(LRU_FILE), 4);
}
END_TEST

/* Evicts the file list's next victim (no swap: all from the file list); returns its index. */
static uint64_t evict_one_file_page(void)
{
	uint64_t before = pagecache_nr_pages(&w.file.cache);

	ck_assert_uint_eq(vmscan_shrink(&w.vs, 1, false, nobody).freed, 1);
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), before - 1);
	for (uint64_t i = 0; i < FILE_PAGES; i++)
		if (pagecache_shadow(&w.file.cache, i) &&
		    pagecache_shadow(&w.file.cache, i) ==
		    pagecache_node_shadow(w.vs.lv[0]->nonresident_age, 0))
			return i;
	ck_abort_msg("no slot holds the last eviction's shadow");
	return 0;
}

/*
 * 32 pages cached, the last 4 activated (the working set: 4 active
 * pages), one evicted, then `later` more; the first one refaults.
 */
static enum lruvec_fill refault_after(unsigned later)
{
	enum lruvec_fill fill;
	uint64_t victim;

	file_fill_run(32);
	for (uint64_t i = 28; i < 32; i++) {
		struct page *p = buddy_pfn_to_page(&w.b, pagecache_lookup(&w.file.cache, i));
		vmscan_page_accessed(&w.vs, p);
		vmscan_page_accessed(&w.vs, p);
	}
	ck_assert_uint_eq(w.vs.lv[0]->lru[LRU_FILE].nr[POLICY_LRU_ACTIVE], 4);
	victim = evict_one_file_page();
	for (unsigned i = 0; i < later; i++)
		evict_one_file_page();
	file_fill(victim, &fill);
	return fill;
}

START_TEST(a_deactivated_page_is_published_inactive_at_once)
{
	struct page *p = file_fill(0, NULL);

	vmscan_page_accessed(&w.vs, p);
	vmscan_page_accessed(&w.vs, p);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_NR_ACTIVE_FILE), 1);
	vmscan_page_deactivate(&w.vs, p);           /* madvise(MADV_COLD) */
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_NR_ACTIVE_FILE), 0);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_NR_INACTIVE_FILE), 1);
}
END_TEST

START_TEST(a_refault_within_the_working_set_is_activated)
{
	ck_assert_int_eq(refault_after(4), LRUVEC_FILL_ACTIVATED);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_REFAULT_FILE), 1);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_ACTIVATE_FILE), 1);
	ck_assert_uint_eq(w.vs.lv[0]->lru[LRU_FILE].nr[POLICY_LRU_ACTIVE], 5);
}
END_TEST

START_TEST(a_refault_beyond_the_working_set_is_not)
{
	ck_assert_int_eq(refault_after(5), LRUVEC_FILL_REFAULT);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_REFAULT_FILE), 1);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_ACTIVATE_FILE), 0);
	ck_assert_uint_eq(w.vs.lv[0]->lru[LRU_FILE].nr[POLICY_LRU_ACTIVE], 4);
}
END_TEST

START_TEST(the_counters_live_in_the_hosts_table_once_moved_there)
{
	uint64_t table[NR_VMSCAN_EVENTS] = { 0 }, stolen;

	ck_assert_int_eq(refault_after(4), LRUVEC_FILL_ACTIVATED);
	stolen = vmscan_count(&w.vs, VMSCAN_PGSTEAL_FILE);
	for (int e = 0; e < NR_VMSCAN_EVENTS; e++)
		vmscan_count_into(&w.vs, (enum vmscan_event)e, &table[e]);
	/* the values so far moved with them */
	ck_assert_uint_eq(table[VMSCAN_REFAULT_FILE], 1);
	ck_assert_uint_eq(table[VMSCAN_REFAULT], 1);        /* both kinds' sum */
	ck_assert_uint_eq(table[VMSCAN_ACTIVATE_FILE], 1);
	ck_assert_uint_eq(table[VMSCAN_PGSTEAL_FILE], stolen);
	/* later ones land there, gauges included */
	evict_one_file_page();
	ck_assert_uint_eq(table[VMSCAN_PGSTEAL_FILE], stolen + 1);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_FILE), stolen + 1);
	ck_assert_uint_eq(table[VMSCAN_NR_ACTIVE_FILE], w.vs.lv[0]->lru[LRU_FILE].nr[POLICY_LRU_ACTIVE]);
	ck_assert_uint_eq(table[VMSCAN_NR_ACTIVE_FILE] + table[VMSCAN_NR_INACTIVE_FILE],
			  w.vs.lv[0]->lru[LRU_FILE].nr_frames);
	ck_assert_uint_eq(table[VMSCAN_PGACTIVATE], w.vs.lv[0]->lru[LRU_FILE].stats.activated +
			  w.vs.lv[0]->lru[LRU_ANON].stats.activated);
}
END_TEST

START_TEST(a_swapped_out_page_refaulting_at_once_is_activated)
{
	struct mm *mm = &w.sp.mm[0];

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	map_anon_run(mm, 0, 8, true);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 1, false, nobody).freed, 1);
	for (unsigned k = 0; k < 8; k++)
		if (is_swap_entry(mm, ANON_VA + k * MM_PAGE_SIZE))
			swap_in(mm, ANON_VA + k * MM_PAGE_SIZE);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_REFAULT_ANON), 1);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_ACTIVATE_ANON), 1);
}
END_TEST

/* Program text (the oldest four pages, accessed) and four other pages cached. */
static void text_and_data(struct mm *mm)
{
	file_fill_run(8);
	map_file(mm, 4, VMA_READ | VMA_EXEC);
	for (uint64_t i = 0; i < 4; i++)
		*host_pte_at(mm, FILE_VA + i * MM_PAGE_SIZE) |= PTE_A;
}

START_TEST(program_text_in_use_is_kept_by_the_accessed_bits)
{
	struct mm *mm = &w.sp.mm[0];

	text_and_data(mm);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 4, false, nobody).freed, 4);
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_uint_eq(pagecache_lookup(&w.file.cache, i) != 0, i < 4);
	ck_assert_int_eq(mm->rss[FAULT_RSS_FILE], 4);
}
END_TEST

START_TEST(program_text_in_use_is_kept_where_the_policy_never_looks)
{
	struct mm *mm = &w.sp.mm[0];

	teardown();
	setup_with("fifo", false);      /* victims in order: the text first */
	text_and_data(mm);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 4, false, nobody).freed, 4);
	for (uint64_t i = 0; i < 8; i++)
		ck_assert_uint_eq(pagecache_lookup(&w.file.cache, i) != 0, i < 4);
	ck_assert_int_eq(mm->rss[FAULT_RSS_FILE], 4);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSCAN_FILE), 8);
}
END_TEST

/* ---- the swappiness balance --------------------------------------------- */

/*
 * 64 anonymous and 64 file pages, equal costs, one shrink of 32: the
 * anonymous share is swappiness / 200 of it (lruvec_anon_share).
 */
static const struct { uint64_t swappiness, anon; } split[] = {
	{ 0, 0 }, { 100, 16 }, { 200, 32 },
};

START_TEST(swappiness_0_100_200_split_equal_lists_none_half_all_anonymous)
{
	map_anon_run(&w.sp.mm[0], 0, 64, true);
	file_fill_run(64);
	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, split[_i].swappiness), 0);
	ck_assert_uint_eq(vmscan_anon_share(&w.vs, 0, 32), split[_i].anon);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 32, false, nobody).freed, 32);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_ANON), split[_i].anon);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_FILE), 32 - split[_i].anon);
	ck_assert_uint_eq(w.st.disk.pages_written, split[_i].anon);
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), 64 - (32 - split[_i].anon));
}
END_TEST

START_TEST(swappiness_past_200_is_refused)
{
	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 201), -MM_EINVAL);
	ck_assert_uint_eq(w.vs.swappiness, 60);
}
END_TEST

START_TEST(what_the_page_cache_cannot_give_comes_from_anonymous_pages)
{
	map_anon_run(&w.sp.mm[0], 0, 64, true);
	file_fill_run(8);
	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 0), 0);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 32, true, nobody).freed, 32);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_FILE), 8);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_ANON), 24);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_DIRECT), 32);
}
END_TEST

START_TEST(a_tiny_page_cache_leaves_the_shrink_to_anonymous_pages)
{
	map_anon_run(&w.sp.mm[0], 0, 64, true);
	file_fill_run(8);
	squeeze_to(8);
	set_marks(4, 8, 32);            /* 8 cached + 8 free <= high */
	ck_assert_uint_eq(vmscan_anon_share(&w.vs, 0, 32), 32);
}
END_TEST

/* ---- direct reclaim ------------------------------------------------------ */

START_TEST(direct_reclaim_leaves_the_skipped_spaces_pages)
{
	struct mm *mine = &w.sp.mm[0], *other = &w.sp.mm[1];

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	map_anon_run(mine, 0, 16, true);
	map_anon_run(other, 16, 16, true);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 32, true, (struct vmscan_skip){ .anon = mine, .file = mine }).freed,
			  16);
	ck_assert_int_eq(mine->rss[FAULT_RSS_ANON], 16);
	ck_assert_int_eq(other->rss[FAULT_RSS_SWAPENTS], 16);
	for (unsigned k = 0; k < 16; k++)
		ck_assert(host_pte_at(mine, ANON_VA + k * MM_PAGE_SIZE) &&
			  (*host_pte_at(mine, ANON_VA + k * MM_PAGE_SIZE) & PTE_P));
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 16);
}
END_TEST

START_TEST(a_faulting_tasks_own_page_cache_stays)
{
	struct mm *mine = &w.sp.mm[0];

	file_fill_run(8);
	map_file(mine, 4, VMA_READ);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 8, true, (struct vmscan_skip){ .file = mine }).freed,
			  4);
	ck_assert_int_eq(mine->rss[FAULT_RSS_FILE], 4);
	for (uint64_t i = 0; i < 4; i++)
		ck_assert_uint_ne(pagecache_lookup(&w.file.cache, i), 0);
}
END_TEST

START_TEST(a_fault_wakes_kswapd_under_low_and_reclaims_under_min)
{
	struct vmscan_fault_plan plan;

	file_fill_run(64);
	squeeze_to(100);
	set_marks(10, 50, 80);          /* plus a fault's margin of 64: 74, 114, 144 */
	plan = vmscan_fault_plan(&w.vs);
	ck_assert(plan.wake_kswapd);
	ck_assert_uint_eq(plan.reclaim, 0);
	set_marks(40, 50, 80);
	plan = vmscan_fault_plan(&w.vs);
	ck_assert(plan.wake_kswapd);
	ck_assert_uint_eq(plan.reclaim, 40 + VMSCAN_FAULT_MARGIN - 100 + LRUVEC_CLUSTER);
	set_marks(0, 0, 0);
	plan = vmscan_fault_plan(&w.vs);
	ck_assert(!plan.wake_kswapd);
	ck_assert_uint_eq(plan.reclaim, 0);
}
END_TEST

START_TEST(with_nothing_to_reclaim_a_fault_only_wakes_kswapd)
{
	map_anon_run(&w.sp.mm[0], 0, 8, true);
	squeeze_to(10);
	set_marks(40, 50, 80);
	struct vmscan_fault_plan plan = vmscan_fault_plan(&w.vs);
	ck_assert(plan.wake_kswapd);
	ck_assert_uint_eq(plan.reclaim, 0);
}
END_TEST

START_TEST(direct_reclaim_asks_a_round_or_a_quarter_for_large_blocks)
{
	ck_assert_uint_eq(vmscan_direct_target(0), LRUVEC_CLUSTER);
	ck_assert_uint_eq(vmscan_direct_target(3), LRUVEC_CLUSTER / 4);
}
END_TEST

/* ---- kswapd --------------------------------------------------------------- */

/* A shrink leaves the lists of the nodes skip keeps alone
 * (vmscan_skip.keep_nodes, an allocation that must stay on its node): with
 * node 0 kept, nothing of either list goes, nothing is even scanned;
 * without it the same shrink frees what it asks. */
START_TEST(a_shrink_that_keeps_a_nodes_pages_takes_none_of_them)
{
	const struct vmscan_skip node0_kept = { NULL, NULL, 1u << 0 };
	struct lruvec_scan sc;

	file_fill_run(FILE_PAGES);
	map_anon_run(&w.sp.mm[0], 0, 40, true);
	sc = vmscan_shrink(&w.vs, 64, false, node0_kept);
	ck_assert_uint_eq(sc.freed, 0);
	ck_assert_uint_eq(sc.scanned, 0);
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), FILE_PAGES);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 40);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 64, false, nobody).freed, 64);
}
END_TEST

START_TEST(kswapd_stops_at_the_high_marks)
{
	struct lruvec_scan done = { 0, 0 };

	file_fill_run(FILE_PAGES);
	squeeze_to(20);
	set_marks(10, 20, 40);
	ck_assert_int_eq(vmscan_kswapd_balance(&w.vs, 0, &done), VMSCAN_KSWAPD_BALANCED);
	ck_assert_uint_ge(vmscan_free_pages(&w.vs), 40);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_KSWAPD), 40);    /* one round: the high marks' worth */
	ck_assert_uint_eq(done.freed, 40);
	ck_assert_uint_eq(pagecache_nr_pages(&w.file.cache), FILE_PAGES - 40);
}
END_TEST

START_TEST(kswapd_above_the_high_marks_looks_at_nothing)
{
	struct lruvec_scan done = { 0, 0 };

	file_fill_run(16);
	set_marks(1, 2, 3);
	ck_assert_int_eq(vmscan_kswapd_balance(&w.vs, 0, &done), VMSCAN_KSWAPD_BALANCED);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSCAN_KSWAPD), 0);
}
END_TEST

START_TEST(kswapd_stops_when_a_round_frees_nothing)
{
	struct lruvec_scan done = { 0, 0 };

	map_anon_run(&w.sp.mm[0], 0, 16, true);       /* no swap: nothing can go */
	squeeze_to(10);
	set_marks(20, 40, 80);
	ck_assert_int_eq(vmscan_kswapd_balance(&w.vs, 0, &done), VMSCAN_KSWAPD_NO_PROGRESS);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSTEAL_KSWAPD), 0);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 16);
}
END_TEST

START_TEST(kswapd_stops_after_looking_at_the_lists_once)
{
	struct lruvec_scan done = { 0, 0 };

	file_fill_run(FILE_PAGES);
	squeeze_to(10);
	set_marks(RAM_PAGES, RAM_PAGES, 2 * RAM_PAGES);  /* never reached */
	ck_assert_int_eq(vmscan_kswapd_balance(&w.vs, 0, &done), VMSCAN_KSWAPD_ONE_PASS);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_PGSCAN_KSWAPD), FILE_PAGES);
	ck_assert_uint_eq(done.scanned, FILE_PAGES);
}
END_TEST

/* ---- bookkeeping ---------------------------------------------------------- */

START_TEST(a_freed_page_leaves_its_list_and_the_swap_cache)
{
	struct mm *mm = &w.sp.mm[0];
	struct page *p;

	ck_assert_int_eq(vmscan_set_swappiness(&w.vs, 200), 0);
	map_anon_run(mm, 0, 1, true);
	map_anon_run(&w.sp.mm[1], 0, 1, true);
	ck_assert_uint_eq(vmscan_shrink(&w.vs, 2, false, nobody).freed, 2);
	p = swap_in(mm, ANON_VA);
	ck_assert_uint_ne(swapdev_cache_slot(p), 0);
	vmscan_page_freed(&w.vs, p);
	ck_assert_uint_eq(swapdev_cache_slot(p), 0);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 0);
}
END_TEST

START_TEST(a_second_mapping_forgets_the_one_space)
{
	struct mm *a = &w.sp.mm[0], *b = &w.sp.mm[1];
	struct page *p = map_anon(a, ANON_VA, 0, false);

	ck_assert_ptr_eq(p->user.mm, a);
	ck_assert_int_eq(pt_map(&b->pt, ANON_VA, buddy_page_to_phys(&w.b, p), MM_PAGE_SIZE,
				PTE_US, PT_SHIFT_4K), 0);
	rmap_add(p);
	vmscan_page_mapped(&w.vs, p, b, ANON_VA);
	ck_assert_ptr_null(p->user.mm);
	ck_assert_uint_eq(nr_tracked(LRU_ANON), 1);
}
END_TEST

/* A page nothing can evict (tmpfs without swap) is Unevictable but not
 * Mlocked, as in Linux; munlock leaves it there; a locked area's mlock
 * makes it Mlocked too, and its munlock puts it back on its LRU. */
START_TEST(a_page_nothing_can_evict_is_unevictable_but_not_mlocked)
{
	struct page *pg[2] = { map_anon(&w.sp.mm[0], ANON_VA, 0, true),
			       map_anon(&w.sp.mm[0], ANON_VA + MM_PAGE_SIZE, 1, true) };
	static const struct {
		unsigned step, page;    /* step: an index into op */
		uint64_t unevictable, mlocked, listed;
	} steps[] = {
		{ 0, 0, 1, 0, 1 }, { 2, 0, 1, 0, 1 },   /* munlock leaves it */
		{ 1, 1, 2, 1, 0 }, { 0, 1, 2, 1, 0 },   /* an mlocked page stays mlocked */
		{ 1, 0, 2, 2, 0 }, { 2, 0, 1, 1, 1 },   /* mlock, munlock: back on its LRU */
		{ 3, 1, 0, 0, 1 }, { 0, 0, 1, 0, 0 }, { 3, 0, 0, 0, 0 },
	};
	void (*const op[])(struct vmscan *, struct page *) = {
		vmscan_page_unevictable, vmscan_page_mlock, vmscan_page_munlock, vmscan_page_freed };

	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		op[steps[i].step](&w.vs, pg[steps[i].page]);
		ck_assert_uint_eq(*w.vs.counter[VMSCAN_NR_UNEVICTABLE], steps[i].unevictable);
		ck_assert_uint_eq(*w.vs.counter[VMSCAN_NR_MLOCK], steps[i].mlocked);
		ck_assert_uint_eq(nr_tracked(LRU_ANON), steps[i].listed);
	}
}
END_TEST

/* ---- per-node lists -------------------------------------------------------- */

#define NODE_PAGES (RAM_PAGES / 2)      /* node 0: pfns [0, 512), node 1: [512, 1024) */
#define PER_NODE   24                   /* anonymous and file pages put on each node */

static void setup_two_nodes(void)
{
	const struct buddy_nodes n = { .nr = 2, .start_pfn = { 0, NODE_PAGES },
				       .distance = { { 10, 20 }, { 20, 10 } } };

	const struct policy_config cfg[NR_LRU] = { { .seed = 42 }, { .seed = 42 } };

	setup_nodes("lru", true, &n);
	ck_assert(!w.vs.on);            /* until node 1 has its lists */
	ck_assert_int_eq(vmscan_init_node(&w.vs, 1, &w.node1, cfg), 0);
	ck_assert(w.vs.on);
	ck_assert_int_eq(vmscan_init_node(&w.vs, 1, &w.node1, cfg), -MM_EINVAL);
}

/* The helpers' pages come from node nid only from now on. */
static void allocate_on(unsigned nid)
{
	w.gfp = BUDDY_GFP_ATOMIC | BUDDY_GFP_THISNODE | BUDDY_GFP_NODE(nid);
}

static const struct lruvec *node_lists(unsigned nid)
{
	return vmscan_lruvec(&w.vs, nid);
}

static uint64_t node_tracked(unsigned nid, enum lru_kind k)
{
	return node_lists(nid)->lru[k].nr_frames;
}

/* Node 0: PER_NODE dirty anonymous pages of mm 0, accessed, and file pages
 * [0, PER_NODE); node 1: as many of mm 1 and file pages [PER_NODE, 2 * PER_NODE). */
static void fill_both_nodes(void)
{
	allocate_on(0);
	map_anon_run(&w.sp.mm[0], 0, PER_NODE, true);
	for (uint64_t i = 0; i < PER_NODE; i++) {
		*host_pte_at(&w.sp.mm[0], ANON_VA + i * MM_PAGE_SIZE) |= PTE_A;
		file_fill(i, NULL);
	}
	allocate_on(1);
	map_anon_run(&w.sp.mm[1], 0, PER_NODE, true);
	for (uint64_t i = PER_NODE; i < 2 * PER_NODE; i++)
		file_fill(i, NULL);
	for (unsigned n = 0; n < 2; n++) {
		ck_assert_uint_eq(node_tracked(n, LRU_ANON), PER_NODE);
		ck_assert_uint_eq(node_tracked(n, LRU_FILE), PER_NODE);
	}
}

/* Node 0's pages as fill_both_nodes left them: on its lists, mapped with
 * their accessed bits (nothing harvested them), cached, never scanned. */
static void assert_node_0_untouched(const struct policy_stats before[NR_LRU])
{
	for (int k = 0; k < NR_LRU; k++) {
		ck_assert_uint_eq(node_tracked(0, (enum lru_kind)k), PER_NODE);
		ck_assert_mem_eq(&node_lists(0)->lru[k].stats, &before[k], sizeof(before[k]));
	}
	for (uint64_t i = 0; i < PER_NODE; i++) {
		pte_t *pte = host_pte_at(&w.sp.mm[0], ANON_VA + i * MM_PAGE_SIZE);
		ck_assert((*pte & PTE_P) && (*pte & PTE_A));
		ck_assert_uint_ne(pagecache_lookup(&w.file.cache, i), 0);
	}
	ck_assert_uint_eq(node_lists(0)->by_kswapd.scanned + node_lists(0)->by_direct.scanned, 0);
	ck_assert_uint_eq(node_lists(0)->nonresident_age, 0);
}

START_TEST(each_page_joins_the_lists_of_its_frames_node)
{
	fill_both_nodes();
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_NR_INACTIVE_ANON) +
			  vmscan_count(&w.vs, VMSCAN_NR_ACTIVE_ANON), 2 * PER_NODE);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_NR_INACTIVE_FILE) +
			  vmscan_count(&w.vs, VMSCAN_NR_ACTIVE_FILE), 2 * PER_NODE);
}
END_TEST

START_TEST(shrinking_node_1_never_takes_rotates_or_looks_at_node_0s_pages)
{
	struct policy_stats before[NR_LRU];
	struct lruvec_scan sc;

	fill_both_nodes();
	before[LRU_ANON] = node_lists(0)->lru[LRU_ANON].stats;
	before[LRU_FILE] = node_lists(0)->lru[LRU_FILE].stats;
	sc = vmscan_shrink_node(&w.vs, 1, 16, false, nobody);
	ck_assert_uint_eq(sc.freed, 16);
	ck_assert_uint_eq(node_tracked(1, LRU_ANON) + node_tracked(1, LRU_FILE),
			  2 * PER_NODE - 16);
	ck_assert_uint_eq(node_lists(1)->by_kswapd.scanned, sc.scanned);
	ck_assert_uint_eq(node_lists(1)->by_kswapd.freed, 16);
	assert_node_0_untouched(before);
}
END_TEST

START_TEST(kswapd_of_node_1_balances_node_1_from_its_own_lists)
{
	struct buddy_zone *z1 = &w.b.zones[1 * BUDDY_NR_ZONE_TYPES + BUDDY_ZONE_DMA];
	struct policy_stats before[NR_LRU];
	struct lruvec_scan done = { 0, 0 };

	fill_both_nodes();
	before[LRU_ANON] = node_lists(0)->lru[LRU_ANON].stats;
	before[LRU_FILE] = node_lists(0)->lru[LRU_FILE].stats;
	while (vmscan_node_free_pages(&w.vs, 1) > 10)
		ck_assert_ptr_nonnull(buddy_alloc_pages(&w.b, w.gfp, 0));
	ck_assert_uint_ne(z1->managed_pages, 0);
	z1->wmark[BUDDY_WMARK_MIN] = 10;
	z1->wmark[BUDDY_WMARK_LOW] = 20;
	z1->wmark[BUDDY_WMARK_HIGH] = 30;
	ck_assert_int_eq(vmscan_kswapd_balance(&w.vs, 1, &done), VMSCAN_KSWAPD_BALANCED);
	ck_assert_uint_ge(vmscan_node_free_pages(&w.vs, 1), 30);
	ck_assert_uint_eq(node_lists(1)->by_kswapd.freed, done.freed);
	assert_node_0_untouched(before);
}
END_TEST

/* Node 1 gives what it has, node 0 (next in node 1's zonelist) the rest;
 * with node 0 kept (BUDDY_GFP_THISNODE's reclaim) node 0 gives nothing. */
START_TEST(direct_reclaim_takes_the_zonelists_nodes_nearest_first)
{
	struct lruvec_scan sc;

	allocate_on(0);
	file_fill_run(PER_NODE);
	allocate_on(1);
	for (uint64_t i = PER_NODE; i < PER_NODE + 8; i++)
		file_fill(i, NULL);
	sc = vmscan_shrink_nodes(&w.vs, 1, 16, true, nobody);
	ck_assert_uint_eq(sc.freed, 16);
	ck_assert_uint_eq(node_lists(1)->by_direct.freed, 8);
	ck_assert_uint_eq(node_lists(0)->by_direct.freed, 8);
	for (uint64_t i = PER_NODE; i < PER_NODE + 4; i++)
		file_fill(i, NULL);
	sc = vmscan_shrink_nodes(&w.vs, 1, 16, true,
				 (struct vmscan_skip){ .keep_nodes = ~(1u << 1) });
	ck_assert_uint_eq(sc.freed, 4);
	ck_assert_uint_eq(node_lists(0)->by_direct.freed, 8);
	ck_assert_uint_eq(node_tracked(0, LRU_FILE), PER_NODE - 8);
}
END_TEST

/* Node 1's eviction leaves a shadow naming node 1; the page refaults into
 * a node-0 frame: judged on node 1's clock (distance 0: activated; node
 * 0's clock, still at 0, would put it a whole clock away), it joins node
 * 0's lists. */
START_TEST(a_refault_is_judged_on_the_evicting_nodes_clock_and_joins_its_frames_node)
{
	enum lruvec_fill fill;
	uint32_t shadow = 0;
	uint64_t index = 0;

	allocate_on(1);
	file_fill_run(8);
	ck_assert_uint_eq(vmscan_shrink_node(&w.vs, 1, 1, false, nobody).freed, 1);
	for (uint64_t i = 0; i < 8 && !shadow; i++)
		if ((shadow = pagecache_shadow(&w.file.cache, i)))
			index = i;
	ck_assert_uint_ne(shadow, 0);
	ck_assert_uint_eq(pagecache_shadow_node(shadow), 1);
	ck_assert_uint_eq(node_lists(1)->nonresident_age, 1);
	ck_assert_uint_eq(node_lists(0)->nonresident_age, 0);
	allocate_on(0);
	file_fill(index, &fill);
	ck_assert_int_eq(fill, LRUVEC_FILL_ACTIVATED);
	ck_assert_uint_eq(vmscan_count(&w.vs, VMSCAN_REFAULT_FILE), 1);
	ck_assert_uint_eq(node_tracked(0, LRU_FILE), 1);
	ck_assert_uint_eq(node_tracked(1, LRU_FILE), 7);
}
END_TEST

Suite *vmscan_suite(void);
Suite *vmscan_suite(void)
{
	Suite *suite = suite_create("vmscan");
	TCase *tc = tcase_create("anon");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dirty_anonymous_pages_are_written_and_read_back_byte_for_byte);
	tcase_add_test(tc, a_clean_stored_copy_is_not_written_again_a_dirty_one_is);
	tcase_add_test(tc, an_evicted_mapping_is_flushed_from_every_tlb);
	tcase_add_test(tc, a_harvested_accessed_bit_is_flushed_here_so_the_next_access_sets_it);
	tcase_add_test(tc, without_swap_room_no_anonymous_page_goes);
	tcase_add_test(tc, a_swapped_out_page_refaulting_at_once_is_activated);
	tcase_add_test(tc, a_freed_page_leaves_its_list_and_the_swap_cache);
	tcase_add_test(tc, a_second_mapping_forgets_the_one_space);
	tcase_add_test(tc, a_page_nothing_can_evict_is_unevictable_but_not_mlocked);
	tcase_add_test(tc, a_page_whose_write_fails_stays_mapped_and_listed);
	tcase_add_test(tc, an_engine_whose_policy_refuses_stays_off);
	suite_add_tcase(suite, tc);

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup_no_swap, teardown);
	tcase_add_test(tc, a_clean_file_page_is_dropped_unmapped_everywhere_with_a_shadow);
	tcase_add_test(tc, a_file_page_its_store_keeps_is_not_counted_freed);
	tcase_add_test(tc, a_refault_within_the_working_set_is_activated);
	tcase_add_test(tc, a_refault_beyond_the_working_set_is_not);
	tcase_add_test(tc, the_counters_live_in_the_hosts_table_once_moved_there);
	tcase_add_test(tc, a_deactivated_page_is_published_inactive_at_once);
	tcase_add_test(tc, program_text_in_use_is_kept_by_the_accessed_bits);
	tcase_add_test(tc, program_text_in_use_is_kept_where_the_policy_never_looks);
	suite_add_tcase(suite, tc);

	tc = tcase_create("balance");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, swappiness_0_100_200_split_equal_lists_none_half_all_anonymous, 0,
			    (int)MM_ARRAY_SIZE(split));
	tcase_add_test(tc, swappiness_past_200_is_refused);
	tcase_add_test(tc, what_the_page_cache_cannot_give_comes_from_anonymous_pages);
	tcase_add_test(tc, a_tiny_page_cache_leaves_the_shrink_to_anonymous_pages);
	suite_add_tcase(suite, tc);

	tc = tcase_create("direct");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, direct_reclaim_leaves_the_skipped_spaces_pages);
	tcase_add_test(tc, a_faulting_tasks_own_page_cache_stays);
	tcase_add_test(tc, a_fault_wakes_kswapd_under_low_and_reclaims_under_min);
	tcase_add_test(tc, direct_reclaim_asks_a_round_or_a_quarter_for_large_blocks);
	suite_add_tcase(suite, tc);

	tc = tcase_create("kswapd");
	tcase_add_checked_fixture(tc, setup_no_swap, teardown);
	tcase_add_test(tc, kswapd_stops_at_the_high_marks);
	tcase_add_test(tc, a_shrink_that_keeps_a_nodes_pages_takes_none_of_them);
	tcase_add_test(tc, kswapd_above_the_high_marks_looks_at_nothing);
	tcase_add_test(tc, kswapd_stops_when_a_round_frees_nothing);
	tcase_add_test(tc, kswapd_stops_after_looking_at_the_lists_once);
	tcase_add_test(tc, with_nothing_to_reclaim_a_fault_only_wakes_kswapd);
	suite_add_tcase(suite, tc);

	tc = tcase_create("nodes");
	tcase_add_checked_fixture(tc, setup_two_nodes, teardown);
	tcase_add_test(tc, each_page_joins_the_lists_of_its_frames_node);
	tcase_add_test(tc, shrinking_node_1_never_takes_rotates_or_looks_at_node_0s_pages);
	tcase_add_test(tc, kswapd_of_node_1_balances_node_1_from_its_own_lists);
	tcase_add_test(tc, direct_reclaim_takes_the_zonelists_nodes_nearest_first);
	tcase_add_test(tc, a_refault_is_judged_on_the_evicting_nodes_clock_and_joins_its_frames_node);
	suite_add_tcase(suite, tc);
	return suite;
}
