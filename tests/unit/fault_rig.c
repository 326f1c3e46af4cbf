/*
 * fault_rig.c: the fault engine on a host (fault_rig.h). The engine's
 * hooks take the rig as ctx; the file's page cache works as the guest's
 * initrd_cache_page does.
 */
#include <check.h>
#include <string.h>

#include "fault_rig.h"
#include "mm_port.h"
#include "port_host.h"
#include "ramdisk.h"

/* ---- the fault engine's host ------------------------------------------- */

static uint64_t *space_rss(struct mm *mm)
{
	return mm->rss;
}

static phys_addr_t frames_alloc(void *ctx, const struct vma *v, uint64_t va, unsigned order,
				unsigned flags)
{
	struct fault_rig *r = ctx;

	(void)v, (void)va;
	if (r->reclaim_in_alloc)
		fault_rig_reclaim_all(r);
	struct page *p = buddy_alloc_pages(&r->b, BUDDY_GFP_ATOMIC |
					   ((flags & FAULT_ALLOC_ZERO) ? BUDDY_GFP_ZERO : 0),
					   order);

	return p ? buddy_page_to_phys(&r->b, p) : 0;
}

void fault_rig_reclaim(struct fault_rig *r, bool direct)
{
	while (vmscan_shrink(&r->vs, 64, direct, (struct vmscan_skip){ .anon = NULL }).freed)
		;
}

void fault_rig_reclaim_all(void *arg)
{
	fault_rig_reclaim(arg, true);
}

static void frame_free(void *ctx, phys_addr_t pa)
{
	struct fault_rig *r = ctx;

	buddy_free_pages(&r->b, buddy_pfn_to_page(&r->b, pa >> MM_PAGE_SHIFT), 0);
}

/* The page cache of the file (the guest's initrd_cache_page). */
static phys_addr_t file_page(void *ctx, const void *file, uint64_t index, bool *major)
{
	struct fault_rig *r = ctx;
	struct inode *ino = (struct inode *)file;
	uint64_t pfn = pagecache_lookup(&ino->cache, index), off = index * MM_PAGE_SIZE;
	struct page *p;

	if (pfn)
		return pfn << MM_PAGE_SHIFT;
	p = buddy_alloc_pages(&r->b, BUDDY_GFP_ATOMIC | BUDDY_GFP_ZERO, 0);
	if (!p)
		return 0;
	memcpy(buddy_page_address(&r->b, p), ino->data + off,
	       MM_MIN(MM_PAGE_SIZE, FAULT_RIG_FILE_BYTES - off));
	p->flags |= PG_FILE;
	vmscan_file_added(&r->vs, p, ino, index,
			  pagecache_insert(&ino->cache, index, buddy_page_to_pfn(&r->b, p)));
	*major = true;
	return buddy_page_to_phys(&r->b, p);
}

static phys_addr_t file_cached(void *ctx, const void *file, uint64_t index)
{
	(void)ctx;
	return pagecache_lookup(&((const struct inode *)file)->cache, index) << MM_PAGE_SHIFT;
}

static uint64_t file_size(const void *file)
{
	(void)file;
	return FAULT_RIG_FILE_BYTES;
}

static void prepare(void *ctx)
{
	((struct fault_rig *)ctx)->prepares++;
}

static void count(void *ctx, enum fault_event e, int64_t n)
{
	((struct fault_rig *)ctx)->events[e] += n;
}

/* The test's one file's page cache, for the file store. */
static struct pagecache *file_cache(struct inode *ino)
{
	return &ino->cache;
}

/* ---- set up and tear down ------------------------------------------------ */

void fault_rig_setup(struct fault_rig *r, const char *policy)
{
	const struct host_swap_mem mem = { r->disk_pages, r->map, r->entries, FAULT_RIG_SLOTS };
	struct vmscan_store store[NR_LRU];
	const struct policy_config cfg[NR_LRU] = { { .seed = 42 }, { .seed = 42 } };

	host_port_reset();
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(host_stores_init(&r->st, &r->b, r->descs, FAULT_RIG_RAM_PAGES, &r->vs,
					  true, &mem, file_cache), 0);
	host_stores_table(&r->st, store);
	ck_assert_int_eq(host_spaces_init(&r->sp, FAULT_RIG_SPACES, &r->b), 0);
	for (unsigned i = 0; i < FAULT_RIG_FILE_BYTES; i++)
		r->file.data[i] = (uint8_t)(i * 13 + (i >> 12) * 7 + 1);
	ck_assert_int_eq(pagecache_init(&r->file.cache, r->file.slots, FAULT_RIG_FILE_PAGES), 0);
	ck_assert_int_eq(vmscan_init(&r->vs, policy_by_name(policy), cfg, store, &r->sp.engine,
				     &r->b), 0);
	r->host = (struct fault_host){ .rss = space_rss, .alloc = frames_alloc, .free = frame_free,
				       .file_page = file_page, .file_cached = file_cached,
				       .file_size = file_size,
				       .prepare = prepare, .count = count, .ctx = r };
	r->fe = (struct fault_engine){ .buddy = &r->b, .vs = &r->vs, .swap = &r->st.d,
				       .host = &r->host, .nx = PTE_NX };
}

void fault_rig_exit(struct fault_rig *r, struct mm *mm)
{
	while (mm->vmas.nr) {
		struct vma v = mm->vmas.v[0];
		fault_zap_range(&r->fe, mm, v.start, v.end);
		ck_assert_int_eq(vma_remove(&mm->vmas, v.start, v.end), 0);
	}
}

void fault_rig_teardown(struct fault_rig *r)
{
	for (unsigned i = 0; i < FAULT_RIG_SPACES; i++) {
		struct mm *mm = fault_rig_space(r, i);
		fault_rig_exit(r, mm);
		for (int k = 0; k < NR_FAULT_RSS; k++)
			ck_assert_uint_eq(mm->rss[k], 0);
	}
	while (r->balloon_pages)
		buddy_free_pages(&r->b, r->balloon[--r->balloon_pages], 0);
	host_spaces_destroy(&r->sp);
	ck_assert_uint_eq(swap_slots_used(&r->st.d.slots), 0);
	ck_assert_uint_eq(pagecache_nr_pages(&r->st.d.cache), 0);
	ck_assert_int_eq(r->events[FAULT_EV_NR_ANON_PAGES], r->st.anon_freed);
	ck_assert_uint_eq(buddy_nr_free_pages(&r->b) + buddy_nr_pcp_pages(&r->b) +
			  pagecache_nr_pages(&r->file.cache), FAULT_RIG_RAM_PAGES - 1);
	ck_assert_int_eq(host_tables_in_use, 0);
}

/* ---- what a space maps ---------------------------------------------------- */

pte_t fault_rig_pte(struct mm *mm, uint64_t va)
{
	pte_t *pde, *pte = pt_pte_slot(&mm->pt, va, &pde);

	return pte ? *pte : 0;
}

struct page *fault_rig_page(struct fault_rig *r, struct mm *mm, uint64_t va)
{
	pte_t pte = fault_rig_pte(mm, va);

	if (!(pte & PTE_P))
		return NULL;
	return buddy_pfn_to_page(&r->b, (pte & PTE_ADDR_MASK) >> MM_PAGE_SHIFT);
}

/* ---- user accesses ---------------------------------------------------------- */

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

enum fault_result fault_rig_access(struct fault_rig *r, struct mm *mm, unsigned thread,
				   uint64_t va, bool write, phys_addr_t *pa)
{
	unsigned cpu = (unsigned)(mm - r->sp.mm) * FAULT_RIG_THREADS + thread;
	enum fault_result res = FAULT_MINOR;

	*pa = 0;
	for (int tries = 0; tries < 4; tries++) {
		long hits = host_tlb_hits;
		uint64_t t = host_tlb_read(cpu, &mm->pt, va);
		if ((t & PTE_P) && (t & PTE_US) && (!write || (t & PTE_RW))) {
			hardware_bits(mm, va, host_tlb_hits == hits, write && !(t & PTE_D));
			*pa = t & PTE_ADDR_MASK;
			return res;
		}
		host_tlb_fault(cpu, &mm->pt, va);
		res = fault_handle(&r->fe, mm, va, write ? FAULT_WRITE : 0);
		if (res != FAULT_MINOR && res != FAULT_MAJOR)
			return res;
	}
	return res;     /* *pa 0: no usable translation after four faults */
}

int fault_rig_fork(struct fault_rig *r, struct mm *parent, struct mm *child)
{
	int err = vma_tree_clone(&child->vmas, &parent->vmas);

	for (uint32_t i = 0; !err && i < parent->vmas.nr; i++)
		err = fault_fork_range(&r->fe, parent, child, &parent->vmas.v[i]);
	return err;
}
