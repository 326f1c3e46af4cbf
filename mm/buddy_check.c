/*
 * buddy_check.c: walks the buddy allocator's lists to verify its
 * invariants (listed at the top of buddy.c) and to enumerate free blocks.
 * Takes each zone lock in turn; callers must hold none, and keep the
 * other CPUs out of buddy meanwhile (their per-CPU lists are read).
 */
#include "buddy.h"

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			mm_log("buddy_check: " __VA_ARGS__);                \
			return -MM_EFAULT;                                  \
		}                                                           \
	} while (0)

/* Where a listed block of order o sits: in the array, aligned, inside its zone. */
static int check_placed(struct buddy *b, struct buddy_zone *z, const char *what,
			struct page *p, unsigned o)
{
	uint64_t pfn = buddy_page_to_pfn(b, p);

	CHECK(buddy_pfn_valid(b, pfn), "zone %s %s order %u: page outside array\n", z->name,
	      what, o);
	CHECK(p->order == o, "%s %#llx on the order %u list says order %u\n", what,
	      (unsigned long long)pfn, o, p->order);
	CHECK(MM_IS_ALIGNED(pfn, 1ull << o), "%s %#llx misaligned for order %u\n", what,
	      (unsigned long long)pfn, o);
	CHECK(pfn >= z->start_pfn && pfn + (1ull << o) <= z->end_pfn,
	      "%s %#llx order %u outside zone %s\n", what, (unsigned long long)pfn, o, z->name);
	CHECK(&b->zones[p->zone] == z, "%s %#llx of zone %s says zone index %u\n", what,
	      (unsigned long long)pfn, z->name, p->zone);
	return 0;
}

static int check_block(struct buddy *b, struct buddy_zone *z, struct page *p, unsigned o)
{
	uint64_t pfn = buddy_page_to_pfn(b, p);
	uint64_t bpfn = pfn ^ (1ull << o);

	CHECK((p->flags & ~(PG_REPORTED | PG_REPORT_AGED)) == PG_BUDDY,
	      "pfn %#llx on %s order %u list has flags %#x\n", (unsigned long long)pfn, z->name,
	      o, p->flags);
	if (check_placed(b, z, "free block", p, o))
		return -MM_EFAULT;
	if (o < BUDDY_MAX_ORDER && buddy_pfn_valid(b, bpfn)) {
		struct page *bp = buddy_pfn_to_page(b, bpfn);
		CHECK(!((bp->flags & PG_BUDDY) && bp->order == o),
		      "free buddies %#llx and %#llx of order %u not merged\n",
		      (unsigned long long)pfn, (unsigned long long)bpfn, o);
	}
	return 0;
}

static int check_area(struct buddy *b, struct buddy_zone *z, unsigned o, uint64_t *pages)
{
	struct list_head *pos;
	uint64_t n = 0;
	int err;

	list_for_each(pos, &z->free_area[o].list) {
		CHECK(n <= z->managed_pages, "zone %s order %u list loops\n", z->name, o);
		err = check_block(b, z, list_entry(pos, struct page, lru), o);
		if (err)
			return err;
		n++;
	}
	CHECK(n == z->free_area[o].nr_free, "zone %s order %u: %llu on list, nr_free %llu\n",
	      z->name, o, (unsigned long long)n, (unsigned long long)z->free_area[o].nr_free);
	*pages += n << o;
	return 0;
}

static int check_pcp_block(struct buddy *b, struct buddy_zone *z, struct page *p, unsigned o)
{
	CHECK(p->flags == PG_PCP, "pcp block %#llx has flags %#x\n",
	      (unsigned long long)buddy_page_to_pfn(b, p), p->flags);
	return check_placed(b, z, "pcp block", p, o);
}

/* Every list of one CPU; adds the pages found to *pages. */
static int check_pcp(struct buddy *b, struct buddy_zone *z, struct buddy_pcp *pcp,
		     uint64_t *pages)
{
	struct list_head *pos;
	uint64_t n = 0;
	int err;

	for (unsigned o = 0; o < BUDDY_PCP_ORDERS; o++)
		list_for_each(pos, &pcp->lists[o]) {
			err = check_pcp_block(b, z, list_entry(pos, struct page, lru), o);
			if (err)
				return err;
			n += 1ull << o;
			CHECK(n <= pcp->count, "zone %s pcp lists hold more than their count\n",
			      z->name);
		}
	CHECK(n == pcp->count, "zone %s pcp count %u, lists %llu\n", z->name, pcp->count,
	      (unsigned long long)n);
	*pages += n;
	return 0;
}

static int check_zone(struct buddy *b, struct buddy_zone *z)
{
	uint64_t pages = 0, pcp_pages = 0;
	int err = 0;

	unsigned long flags = mm_irq_save();
	for (int c = 0; c < MM_NR_CPUS && !err; c++)
		err = check_pcp(b, z, &z->pcp[c], &pcp_pages);
	mm_irq_restore(flags);
	mm_spin_lock(&z->lock);
	for (unsigned o = 0; o < BUDDY_NR_ORDERS && !err; o++)
		err = check_area(b, z, o, &pages);
	mm_spin_unlock(&z->lock);
	if (err)
		return err;
	CHECK(pages == z->free_pages, "zone %s: %llu pages on lists, free_pages %llu\n",
	      z->name, (unsigned long long)pages, (unsigned long long)z->free_pages);
	CHECK(z->free_pages + pcp_pages <= z->managed_pages,
	      "zone %s: %llu free and %llu per-CPU pages, more than the %llu managed\n", z->name,
	      (unsigned long long)z->free_pages, (unsigned long long)pcp_pages,
	      (unsigned long long)z->managed_pages);
	return 0;
}

int buddy_check(struct buddy *b)
{
	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++) {
		int err = check_zone(b, &b->zones[zi]);
		if (err)
			return err;
	}
	return 0;
}

void buddy_for_each_free(struct buddy *b, buddy_block_fn fn, void *arg)
{
	struct list_head *pos;

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++) {
		struct buddy_zone *z = &b->zones[zi];
		for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++)
			list_for_each(pos, &z->free_area[o].list)
				fn(buddy_page_to_pfn(b, list_entry(pos, struct page, lru)), o,
				   false, arg);
		for (int c = 0; c < MM_NR_CPUS; c++)
			for (unsigned o = 0; o < BUDDY_PCP_ORDERS; o++)
				list_for_each(pos, &z->pcp[c].lists[o])
					fn(buddy_page_to_pfn(b, list_entry(pos, struct page, lru)),
					   o, true, arg);
	}
}
