/*
 * swap.c: swap on the virtio-blk disk (swap.h): slots (mm/swap_slots.c),
 * the swap cache, swap-in faults, and swap entries through munmap, exit
 * and fork.
 *
 * Invariants:
 *  - cache (mm/pagecache.h, indexed by slot) holds the slot's cached
 *    frame, or the shadow entry the slot's last eviction left for the
 *    swap-in that follows, or nothing; the same type as a file's cache;
 *  - a slot's count is its swap entries in page tables plus one while
 *    the cache holds a frame for it (swap.h);
 *  - pagecache_lookup(&cache, slot) == pfn  <=>
 *    page(pfn)->user.swap_slot == slot;
 *  - a cached frame's data equals its slot's on disk unless a PTE mapping
 *    it is dirty: it is mapped writable only when the cache holds the
 *    slot's one reference, and then clean (PTE_D clear), so reclaim sees
 *    a write and drops the stale copy; otherwise it is mapped read-only
 *    (writes copy it or first leave the cache);
 *  - mm->rss[MM_SWAPENTS] counts the swap entries in mm's page tables.
 * Serialised by the callers (one CPU, non-preemptible, no sleeping here).
 */
#include <swap.h>
#include <reclaim.h>
#include <swap_slots.h>
#include <pagecache.h>
#include <virtio_blk.h>
#include <vmstat.h>
#include <rmap.h>
#include <kmalloc.h>
#include <page_alloc.h>
#include <printk.h>
#include <string.h>
#include <cmdline.h>
#include <errno.h>

#define SECTORS_PER_PAGE (MM_PAGE_SIZE >> VIRTIO_BLK_SECTOR_SHIFT)
#define SWAP_FAULT_AROUND 16   /* pages one swap-in fault may read and map, at most */

static struct swap_slots slots;
static struct pagecache cache;  /* slot -> its cached frame, a shadow, or nothing */

bool swap_active(void)
{
	return cache.slots != NULL;
}

void swap_init(void)
{
	uint64_t nr = virtio_blk_present() ? virtio_blk_sectors() / SECTORS_PER_PAGE : 0;
	uint8_t *map;
	uint32_t *entries;

	if (nr < 2)
		return;
	map = kmalloc(nr, BUDDY_GFP_KERNEL);
	entries = kmalloc(nr * sizeof(*entries), BUDDY_GFP_KERNEL);
	if (!map || !entries || swap_slots_init(&slots, map, nr) ||
	    pagecache_init(&cache, entries, nr)) {
		pr_err("swap: no memory for %llu slots; swap stays off\n",
		       (unsigned long long)nr);
		kfree(map);
		kfree(entries);
		cache.slots = NULL;
		return;
	}
	pr_info("Adding %lluk swap on /dev/vda.  Priority:-2 extents:1 across:%lluk\n",
		(unsigned long long)(nr - 1) * 4, (unsigned long long)nr * 4);
}

uint64_t swap_total_pages(void)
{
	return swap_active() ? slots.nr_slots - 1 : 0;
}

uint64_t swap_free_pages(void)
{
	return swap_active() ? slots.nr_free : 0;
}

uint64_t swap_cached_pages(void)
{
	return cache.nr_pages;
}

static struct page *pfn_page(uint64_t pfn)
{
	return buddy_pfn_to_page(page_alloc_buddy(), pfn);
}

uint64_t swap_cache_slot(const struct page *p)
{
	return p->user.swap_slot;
}

/* The frame slot caches, or 0 (none, or a shadow entry). */
static uint64_t cached_pfn(uint64_t slot)
{
	return pagecache_lookup(&cache, slot);
}

/* Caches p under slot. Returns the shadow entry it replaced, or 0. */
static uint32_t cache_add(struct page *p, uint64_t slot)
{
	uint32_t shadow = pagecache_insert(&cache, slot, buddy_page_to_pfn(page_alloc_buddy(), p));

	p->user.swap_slot = (uint32_t)slot;
	vm_events[VM_NR_SWAPCACHED] = cache.nr_pages;
	return shadow;
}

/* Takes p out of the cache, leaving shadow (or 0) in its slot, and drops the slot reference. */
static void cache_remove(struct page *p, uint64_t slot, uint32_t shadow)
{
	uint64_t pfn = buddy_page_to_pfn(page_alloc_buddy(), p);

	if (shadow)
		pagecache_evict(&cache, slot, pfn, shadow);
	else
		pagecache_delete(&cache, slot, pfn);
	p->user.swap_slot = 0;
	vm_events[VM_NR_SWAPCACHED] = cache.nr_pages;
	swap_slots_put(&slots, slot);
}

void swap_cache_del(struct page *p)
{
	uint64_t slot = swap_cache_slot(p);

	if (slot)
		cache_remove(p, slot, 0);
}

/* Writes n frames to the consecutive slots from slot[0], one request. */
static void write_run(struct page **pages, const uint64_t *slot, unsigned n)
{
	phys_addr_t pa[SWAP_WRITE_BATCH];

	for (unsigned i = 0; i < n; i++)
		pa[i] = buddy_page_to_phys(page_alloc_buddy(), pages[i]);
	if (virtio_blk_rw(true, slot[0] * SECTORS_PER_PAGE, pa, n)) {
		for (unsigned i = 0; i < n; i++)
			swap_slots_put(&slots, slot[i]);
		return;
	}
	count_vm_events(VM_PSWPOUT, n);
	for (unsigned i = 0; i < n; i++)
		cache_add(pages[i], slot[i]);   /* the allocation's reference */
}

void swap_pages_write(struct page **pages, unsigned n)
{
	uint64_t slot[SWAP_WRITE_BATCH];
	unsigned got, start, end;

	MM_BUG_ON(n > SWAP_WRITE_BATCH || SWAP_WRITE_BATCH > VIRTIO_BLK_MAX_PAGES);
	for (got = 0; swap_active() && got < n; got++) {
		slot[got] = swap_slots_alloc(&slots);
		if (!slot[got])
			break;
	}
	for (start = 0; start < got; start = end) {
		for (end = start + 1; end < got && slot[end] == slot[end - 1] + 1; end++)
			;
		write_run(pages + start, slot + start, end - start);
	}
}

int swap_entry_dup(uint64_t slot)
{
	return swap_slots_dup(&slots, slot) ? -ERANGE : 0;
}

/* Frees a private anonymous frame nobody maps (uvm.c's free_frame). */
static void free_anon_frame(struct page *p)
{
	reclaim_page_freed(p);
	p->flags &= ~PG_ANON;
	vm_events[VM_NR_ANON_PAGES]--;
	page_free(buddy_page_to_phys(page_alloc_buddy(), p), 0);
}

void swap_page_evicted(struct page *p, uint32_t shadow)
{
	uint64_t slot = swap_cache_slot(p);

	MM_BUG_ON(p->mapcount || !slot || !pagecache_is_shadow(shadow));
	cache_remove(p, slot, shadow);
	free_anon_frame(p);
}

bool swap_page_exclusive(struct page *p)
{
	uint64_t slot = swap_cache_slot(p);

	if (!slot)
		return true;
	if (swap_slots_count(&slots, slot) > 1)
		return false;       /* a swap entry elsewhere reads this copy */
	swap_cache_del(p);
	return true;
}

/* Linux's vm_swap_full: past half full, swap-in frees slots it can. */
static bool swap_full(void)
{
	return slots.nr_free * 2 < slots.nr_slots;
}

/*
 * Whether a swapped-in frame may be mapped writable: nobody else maps it
 * and no other entry reads its slot. It stays cached (clean, so a second
 * eviction needs no write) unless swap is getting full.
 */
static bool swapin_writable(struct page *p, uint64_t slot)
{
	if (p->mapcount || swap_slots_count(&slots, slot) > 1)
		return false;
	if (swap_full())
		swap_cache_del(p);
	return true;
}

/*
 * Maps a swapped-in frame at *pte in place of the entry for slot; @young
 * for the page the fault is for (uvm.c: mapped accessed).
 */
static void map_swapped(struct mm *mm, const struct vma *v, uint64_t va, pte_t *pte,
			struct page *p, uint64_t slot, bool young)
{
	bool writable;

	swap_slots_put(&slots, slot);         /* this entry's reference */
	mm->rss[MM_SWAPENTS]--;
	writable = swapin_writable(p, slot);
	*pte = buddy_page_to_phys(page_alloc_buddy(), p) | uvm_pte_flags(v, writable) | PTE_P |
	       (young ? PTE_A : 0);
	rmap_add(p);
	mm->rss[MM_ANON]++;
	reclaim_page_mapped(p, mm, va);
}

/*
 * Swap-in fault-around (2^mm.page_cluster pages at most): the entries
 * after pte (same table, same area) that hold the next slots, each
 * referenced by that entry alone and not cached, so one disk request and
 * one trap serve them all (the slots of pages evicted together are
 * consecutive). Returns how many follow.
 */
static unsigned run_after(const struct vma *v, uint64_t va, const pte_t *pte, uint64_t slot)
{
	unsigned n = 0, max = MM_MIN(1u << kparams.mm_page_cluster, SWAP_FAULT_AROUND);

	while (n + 1 < max && va + (n + 1) * MM_PAGE_SIZE < v->end &&
	       ((va >> PT_SHIFT_2M) == ((va + (n + 1) * MM_PAGE_SIZE) >> PT_SHIFT_2M))) {
		pte_t e = pte[n + 1];
		uint64_t s2 = slot + n + 1;
		if (!swp_is_entry(e) || swp_slot(e) != s2 || cached_pfn(s2) ||
		    swap_slots_count(&slots, s2) != 1)
			break;
		n++;
	}
	return n;
}

/* Reads slots [slot, slot+n) into new frames. Returns frames read (0 on failure). */
static unsigned read_run(uint64_t slot, unsigned n, struct page **pages)
{
	phys_addr_t pa[VIRTIO_BLK_MAX_PAGES];
	unsigned got;

	for (got = 0; got < n; got++) {
		pa[got] = page_alloc(0, 0);
		if (!pa[got])
			break;
	}
	if (got && virtio_blk_rw(false, slot * SECTORS_PER_PAGE, pa, got) == 0) {
		count_vm_events(VM_PSWPIN, got);
		for (unsigned i = 0; i < got; i++) {
			pages[i] = pfn_page(pa[i] >> MM_PAGE_SHIFT);
			pages[i]->flags |= PG_ANON;
		}
		vm_events[VM_NR_ANON_PAGES] += got;
		return got;
	}
	for (unsigned i = 0; i < got; i++)
		page_free(pa[i], 0);
	return 0;
}

enum uvm_fault_result swap_fault(struct mm *mm, const struct vma *v, uint64_t va,
				 pte_t *pte)
{
	uint64_t slot = swp_slot(*pte);
	struct page *pages[SWAP_FAULT_AROUND];
	unsigned n;
	pte_t *pde;

	if (!swap_active() || swap_slots_count(&slots, slot) == 0)
		panic("swap_fault: bad swap entry 0x%llx at 0x%llx",
		      (unsigned long long)*pte, (unsigned long long)va);
	if (cached_pfn(slot)) {
		map_swapped(mm, v, va, pte, pfn_page(cached_pfn(slot)), slot, true);
		return UVM_FAULT_MINOR;
	}
	n = read_run(slot, 1 + run_after(v, va, pte, slot), pages);
	if (!n)
		return UVM_FAULT_OOM;
	pte = uvm_pte_slot(mm, va, &pde);     /* the reads may have reclaimed */
	MM_BUG_ON(!pte || swp_slot(*pte) != slot);
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = va + i * MM_PAGE_SIZE;
		swap_slots_dup(&slots, slot + i);
		reclaim_anon_refault(pages[i], at, cache_add(pages[i], slot + i));
		map_swapped(mm, v, at, pte + i, pages[i], slot + i, i == 0);
	}
	return UVM_FAULT_MAJOR;
}

/* Calls fn on every swap entry of [start, end) in mm, skipping missing tables. */
static int for_each_swap_entry(struct mm *mm, uint64_t start, uint64_t end,
			       int (*fn)(struct mm *mm, pte_t *pte, pte_t *pde, uint64_t va,
					 void *arg), void *arg)
{
	for (uint64_t va = start; va < end;) {
		uint64_t table_end = MM_MIN((va | ((1ull << PT_SHIFT_2M) - 1)) + 1, end);
		pte_t *pde, *pte = uvm_pte_slot(mm, va, &pde);

		for (; pte && va < table_end; va += MM_PAGE_SIZE, pte++) {
			if (!swp_is_entry(*pte))
				continue;
			int err = fn(mm, pte, pde, va, arg);
			if (err)
				return err;
		}
		va = table_end;
	}
	return 0;
}

static int zap_one(struct mm *mm, pte_t *pte, pte_t *pde, uint64_t va, void *arg)
{
	(void)va;
	(void)arg;
	swap_slots_put(&slots, swp_slot(*pte));
	*pte = 0;
	*pde -= 1ull << PT_CNT_SHIFT;
	mm->rss[MM_SWAPENTS]--;
	return 0;
}

bool swap_zap_range(struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t before = mm->rss[MM_SWAPENTS];

	if (swap_active() && before)
		for_each_swap_entry(mm, start, end, zap_one, NULL);
	return mm->rss[MM_SWAPENTS] != before;
}

/*
 * Installs a copy of one swap entry in the child. A missing table is made
 * by pt_map of a placeholder present PTE, then overwritten: the table's
 * count then counts the swap entry.
 */
static int fork_one(struct mm *parent, pte_t *pte, pte_t *pde, uint64_t va, void *arg)
{
	struct mm *child = arg;
	pte_t *cpde, *cpte = uvm_pte_slot(child, va, &cpde);

	(void)parent;
	(void)pde;
	if (swap_slots_dup(&slots, swp_slot(*pte)))
		return -ENOMEM;
	if (cpte && !*cpte) {
		*cpde += 1ull << PT_CNT_SHIFT;
	} else if (pt_map(&child->pt, va, 0, MM_PAGE_SIZE, 0, PT_SHIFT_4K) ||
		   !(cpte = uvm_pte_slot(child, va, &cpde))) {
		swap_slots_put(&slots, swp_slot(*pte));
		return -ENOMEM;
	}
	*cpte = *pte;
	child->rss[MM_SWAPENTS]++;
	return 0;
}

int swap_fork_range(struct mm *parent, struct mm *child, const struct vma *v)
{
	if (!swap_active() || !parent->rss[MM_SWAPENTS])
		return 0;
	return for_each_swap_entry(parent, v->start, v->end, fork_one, child);
}
