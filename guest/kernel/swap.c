/*
 * swap.c: swap on the virtio-blk disk (swap.h): the device (mm/swapdev.c:
 * slots, swap cache, page I/O through virtio-blk), swap-in faults, and
 * swap entries through munmap, exit and fork.
 *
 * Invariants:
 *  - the device's invariants (mm/include/swapdev.h): its cache holds a
 *    slot's frame, the shadow its last eviction left, or nothing; a
 *    slot's count is its swap entries plus one while cached;
 *  - a cached frame's data equals its slot's on disk unless a PTE mapping
 *    it is dirty: it is mapped writable only when the cache holds the
 *    slot's one reference, and then clean (PTE_D clear), so reclaim sees
 *    a write and drops the stale copy; otherwise it is mapped read-only
 *    (writes copy it or first leave the cache);
 *  - mm->rss[MM_SWAPENTS] counts the swap entries in mm's page tables.
 * Serialised by the callers (one CPU, non-preemptible, no sleeping here).
 */
#include <swap.h>
#include <vmalloc.h>
#include <reclaim.h>
#include <swap_slots.h>
#include <pagecache.h>
#include <swapdev.h>
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

/* The one device, on /dev/vda (mm/swapdev.h); inactive without a disk. */
static struct swapdev dev;

/* Whether there is swap. */
static bool swap_active(void)
{
	return swapdev_active(&dev);
}

/* The store's view of the same (ctx: the device). */
static bool store_present(void *ctx)
{
	return swapdev_active(ctx);
}

/* The swap device's page I/O: virtio-blk requests at the slots' sectors. */
static int blk_rw(void *ctx, bool write, uint64_t slot, const phys_addr_t *pa, unsigned n)
{
	(void)ctx;
	return virtio_blk_rw(write, slot * SECTORS_PER_PAGE, pa, n);
}

void swap_init(void)
{
	static const struct swapdev_io io = { .rw = blk_rw };
	uint64_t nr = virtio_blk_present() ? virtio_blk_sectors() / SECTORS_PER_PAGE : 0;
	uint8_t *map;
	uint32_t *entries;

	if (nr < 2)
		return;
	/* tables as large as the disk: virtually contiguous is enough (Linux's kvmalloc) */
	map = vmalloc(nr);
	entries = vmalloc(nr * sizeof(*entries));
	if (!map || !entries || swapdev_init(&dev, page_alloc_buddy(), &io, map, entries, nr)) {
		pr_err("swap: no memory for %llu slots; swap stays off\n",
		       (unsigned long long)nr);
		vfree(map);
		vfree(entries);
		return;
	}
	pr_info("Adding %lluk swap on /dev/vda.  Priority:-2 extents:1 across:%lluk\n",
		(unsigned long long)(nr - 1) * 4, (unsigned long long)nr * 4);
}

uint64_t swap_total_pages(void)
{
	return swap_active() ? dev.slots.nr_slots - 1 : 0;
}

uint64_t swap_free_pages(void)
{
	return swap_active() ? dev.slots.nr_free : 0;
}

uint64_t swap_cached_pages(void)
{
	return dev.cache.nr_pages;
}

static struct page *pfn_page(uint64_t pfn)
{
	return buddy_pfn_to_page(page_alloc_buddy(), pfn);
}

/* The slot p is cached under, or 0. */
static uint64_t swap_cache_slot(void *ctx, const struct page *p)
{
	(void)ctx;
	return swapdev_cache_slot(p);
}

/* /proc/vmstat's nr_swapcached, after anything that may change the cache. */
static void sync_swapcached(void)
{
	vm_events[VM_NR_SWAPCACHED] = dev.cache.nr_pages;
}

/* The frame slot caches, or 0 (none, or a shadow entry). */
static uint64_t cached_pfn(uint64_t slot)
{
	return pagecache_lookup(&dev.cache, slot);
}

/* Takes p out of the swap cache (dropping the cache's slot reference). */
static void swap_cache_del(void *ctx, struct page *p)
{
	swapdev_cache_del(ctx, p);
	sync_swapcached();
}

_Static_assert(SWAP_WRITE_BATCH <= SWAPDEV_WRITE_BATCH && SWAP_WRITE_BATCH <= VIRTIO_BLK_MAX_PAGES,
	       "a reclaim batch must fit one swapdev_write and one virtio-blk request");

/* Writes n (<= SWAP_WRITE_BATCH) uncached frames to new slots (swapdev_write). */
static void swap_pages_write(void *ctx, struct page **pages, unsigned n)
{
	count_vm_events(VM_PSWPOUT, swapdev_write(ctx, pages, n));
	sync_swapcached();
}

/* Takes one more reference to slot for a new swap entry. Returns 0 or -ERANGE. */
static int swap_entry_dup(void *ctx, uint64_t slot)
{
	struct swapdev *d = ctx;

	return swap_slots_dup(&d->slots, slot) ? -ERANGE : 0;
}

/* Frees a private anonymous frame nobody maps (uvm.c's free_frame). */
static void free_anon_frame(struct page *p)
{
	reclaim_page_freed(p);
	p->flags &= ~PG_ANON;
	vm_events[VM_NR_ANON_PAGES]--;
	page_free(buddy_page_to_phys(page_alloc_buddy(), p), 0);
}

/* p, unmapped everywhere, leaves the cache (shadow in its slot) and is freed. */
static void swap_page_evicted(void *ctx, struct page *p, uint32_t shadow)
{
	swapdev_evicted(ctx, p, shadow);
	sync_swapcached();
	free_anon_frame(p);
}

/* Swap can take an eviction: a free slot, or a cached page's clean copy to reuse. */
static bool swap_has_room(void *ctx)
{
	const struct swapdev *d = ctx;

	return swapdev_active(d) && d->slots.nr_free + d->cache.nr_pages > 0;
}

static const struct vmscan_store_ops swap_store_ops = {
	.present = store_present, .has_room = swap_has_room, .copy_slot = swap_cache_slot,
	.drop_copy = swap_cache_del, .write = swap_pages_write, .entry_dup = swap_entry_dup,
	.evicted = swap_page_evicted,
};

const struct vmscan_store swap_store = { .ops = &swap_store_ops, .ctx = &dev };

bool swap_page_exclusive(struct page *p)
{
	bool exclusive = swapdev_exclusive(&dev, p);

	sync_swapcached();
	return exclusive;
}

/*
 * Maps a swapped-in frame at *pte in place of the entry for slot; @young
 * for the page the fault is for (uvm.c: mapped accessed).
 */
static void map_swapped(struct mm *mm, const struct vma *v, uint64_t va, pte_t *pte,
			struct page *p, uint64_t slot, bool young)
{
	bool writable;

	swap_slots_put(&dev.slots, slot);     /* this entry's reference */
	mm->rss[MM_SWAPENTS]--;
	writable = swapdev_swapin_writable(&dev, p, slot);
	sync_swapcached();
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
		    swap_slots_count(&dev.slots, s2) != 1)
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
	if (got && swapdev_read(&dev, slot, pa, got) == 0) {
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

	if (!swap_active() || swap_slots_count(&dev.slots, slot) == 0)
		panic("swap_fault: bad swap entry 0x%llx at 0x%llx",
		      (unsigned long long)*pte, (unsigned long long)va);
	if (cached_pfn(slot)) {
		map_swapped(mm, v, va, pte, pfn_page(cached_pfn(slot)), slot, true);
		return UVM_FAULT_MINOR;
	}
	n = read_run(slot, 1 + run_after(v, va, pte, slot), pages);
	if (!n)
		return UVM_FAULT_OOM;
	pte = pt_pte_slot(&mm->pt, va, &pde);     /* the reads may have reclaimed */
	MM_BUG_ON(!pte || swp_slot(*pte) != slot);
	for (unsigned i = 0; i < n; i++) {
		uint64_t at = va + i * MM_PAGE_SIZE;
		reclaim_anon_refault(pages[i], mm, at, swapdev_cache_add(&dev, pages[i], slot + i));
		sync_swapcached();
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
		pte_t *pde, *pte = pt_pte_slot(&mm->pt, va, &pde);

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
	swap_slots_put(&dev.slots, swp_slot(*pte));
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
	pte_t *cpde, *cpte = pt_pte_slot(&child->pt, va, &cpde);

	(void)parent;
	(void)pde;
	if (swap_slots_dup(&dev.slots, swp_slot(*pte)))
		return -ENOMEM;
	if (cpte && !*cpte) {
		*cpde += 1ull << PT_CNT_SHIFT;
	} else if (pt_map(&child->pt, va, 0, MM_PAGE_SIZE, 0, PT_SHIFT_4K) ||
		   !(cpte = pt_pte_slot(&child->pt, va, &cpde))) {
		swap_slots_put(&dev.slots, swp_slot(*pte));
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
