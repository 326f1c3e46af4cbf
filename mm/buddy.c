/*
 * buddy.c: the binary buddy page allocator (see buddy.h for the boot
 * sequence and the lazy descriptor rule).
 *
 * Owns: the nodes' spans, zones, their free areas, the per-CPU lists
 * (orders 0..3), watermarks, each node's zonelist, the NUMA counters.
 * Invariants (checked by buddy_check):
 *   - PG_BUDDY is set exactly on the head of a block on a free list, and
 *     page->order is that list's order; the pfn is aligned to the order.
 *   - free_area[o].nr_free counts list o; zone->free_pages sums 2^o of it.
 *   - no free block has a free buddy of the same order (see buddy_free_one).
 *   - PG_PCP is set exactly on the heads of blocks on a per-CPU list, whose
 *     order is that list's; pcp->count sums their pages. Their pages are in
 *     neither free_pages nor a free list; a per-CPU block may sit beside its
 *     free buddy unmerged until it is drained (as in Linux).
 *   - the head of every block, free or allocated, holds its zone's index
 *     in b->zones (page->zone): set where a block is made (buddy_free_one,
 *     expand, buddy_split_block) and kept while it is allocated, so a free
 *     finds its zone without a walk over the nodes.
 *   - watermarks are checked when pages leave the zone (a refill or a
 *     higher-order allocation), never on a per-CPU hit: its pages left the
 *     zone's count when the list was refilled.
 *   - the head of a per-CPU block holds its order and zone (set when it
 *     joins the list), so the hit path (pcp_alloc, Linux's
 *     rmqueue_pcplist) writes only what an owner must find changed.
 * Serialisation: zone->lock for free areas; a per-CPU list belongs to its
 * CPU, interrupts masked (see buddy.h), zone->lock taken inside that.
 * Reclaim hooks run with no lock held.
 */
#include "buddy.h"

enum buddy_zone_id buddy_pfn_zone(uint64_t pfn)
{
	if (pfn < BUDDY_DMA_END_PFN)
		return BUDDY_ZONE_DMA;
	if (pfn < BUDDY_DMA32_END_PFN)
		return BUDDY_ZONE_DMA32;
	return BUDDY_ZONE_NORMAL;
}

unsigned buddy_pfn_node(const struct buddy *b, uint64_t pfn)
{
	unsigned n = 0;

	while (n + 1 < b->nr_nodes && pfn >= b->node_start_pfn[n + 1])
		n++;
	return n;
}

static struct buddy_zone *pfn_zone(struct buddy *b, uint64_t pfn)
{
	return &b->zones[buddy_pfn_node(b, pfn) * BUDDY_NR_ZONE_TYPES + buddy_pfn_zone(pfn)];
}

/* ---- free lists ------------------------------------------------------ */

static void add_to_free_list(struct buddy_zone *z, struct page *p, unsigned order)
{
	p->flags = PG_BUDDY;
	p->order = (uint8_t)order;
	p->refcount = 0;
	p->mapcount = 0;
	p->private = 0;
	p->mapping = 0;
	list_add(&p->lru, &z->free_area[order].list);
	z->free_area[order].nr_free++;
	z->free_pages += 1ull << order;
}

static void del_from_free_list(struct buddy_zone *z, struct page *p, unsigned order)
{
	MM_BUG_ON(!(p->flags & PG_BUDDY) || p->order != order);
	list_del(&p->lru);
	p->flags &= ~PG_BUDDY;
	z->free_area[order].nr_free--;
	z->free_pages -= 1ull << order;
}

/*
 * The buddy invariant: a free block of order o at pfn p (p aligned to 2^o)
 * never coexists with a free block of order o at p ^ 2^o, its buddy. So on
 * free, while the buddy is itself a free head of the same order, the two
 * merge into one block of order o + 1 at p & ~2^o, until order
 * BUDDY_MAX_ORDER or a buddy that is allocated, split, outside the
 * descriptor array or never handed over (descriptor cleared, no PG_BUDDY).
 * Both buddies always lie in one max-order block and so in one zone, because
 * zone boundaries are multiples of 2^BUDDY_MAX_ORDER pages.
 * Caller holds z->lock.
 */
static struct page *buddy_free_one(struct buddy *b, struct buddy_zone *z, uint64_t pfn,
				   unsigned order)
{
	while (order < BUDDY_MAX_ORDER) {
		uint64_t bpfn = pfn ^ (1ull << order);
		struct page *bp;

		if (!buddy_pfn_valid(b, bpfn))
			break;
		bp = buddy_pfn_to_page(b, bpfn);
		if (!(bp->flags & PG_BUDDY) || bp->order != order)
			break;
		del_from_free_list(z, bp, order);
		pfn &= ~(1ull << order);
		order++;
	}
	struct page *p = buddy_pfn_to_page(b, pfn);
	p->zone = (uint8_t)(z - b->zones);
	add_to_free_list(z, p, order);
	return p;
}

/*
 * Splits a block of order high down to order low, freeing the upper halves;
 * they inherit reported (PG_REPORTED or 0): the host still has them as free.
 */
static void expand(struct buddy *b, struct buddy_zone *z, uint64_t pfn,
		   unsigned low, unsigned high, uint32_t reported)
{
	while (high > low) {
		high--;
		struct page *upper = buddy_pfn_to_page(b, pfn + (1ull << high));
		upper->zone = (uint8_t)(z - b->zones);
		add_to_free_list(z, upper, high);
		upper->flags |= reported;
	}
}

/* Takes a block of 2^order pages off the free lists; NULL if none. Under z->lock. */
static struct page *rmqueue_smallest(struct buddy *b, struct buddy_zone *z, unsigned order)
{
	for (unsigned o = order; o < BUDDY_NR_ORDERS; o++) {
		struct buddy_free_area *area = &z->free_area[o];
		if (list_empty(&area->list))
			continue;
		struct page *p = list_entry(area->list.next, struct page, lru);
		del_from_free_list(z, p, o);
		expand(b, z, buddy_page_to_pfn(b, p), order, o, p->flags & PG_REPORTED);
		return p;
	}
	return NULL;
}

/* ---- watermarks ---------------------------------------------------- */

/* The mark an allocation with gfp must stay at or above. */
static uint64_t effective_mark(uint64_t mark, unsigned gfp)
{
	if (gfp & BUDDY_GFP_ATOMIC) {
		mark -= mark / 2; /* ALLOC_MIN_RESERVE */
		mark -= mark / 4; /* ALLOC_NON_BLOCK */
	}
	return mark;
}

/* Blocks of order the zone can give while keeping free_pages at or above the mark. */
static uint64_t watermark_room(const struct buddy_zone *z, unsigned order, uint64_t mark,
			       unsigned gfp)
{
	uint64_t min = effective_mark(mark, gfp);
	return z->free_pages > min ? (z->free_pages - min) >> order : 0;
}

/* ---- per-CPU lists --------------------------------------------------- */

/*
 * Moves blocks from the lists' tails (coldest) back to the free lists until
 * n pages went or the lists are empty: one list at a time, the orders
 * taking turns, as Linux's free_pcppages_bulk. Interrupts masked.
 */
static MM_SLOWPATH void pcp_drain(struct buddy *b, struct buddy_zone *z,
				   struct buddy_pcp *pcp, uint32_t n)
{
	uint32_t freed = 0;
	unsigned empty_lists = 0;

	mm_spin_lock(&z->lock);
	while (freed < n && pcp->count) {
		unsigned o = pcp->drain_order;
		struct list_head *list = &pcp->lists[o];

		pcp->drain_order = (o + 1) % BUDDY_PCP_ORDERS;
		/* a count the lists do not hold: a block left them behind our back */
		empty_lists = list_empty(list) ? empty_lists + 1 : 0;
		MM_BUG_ON(empty_lists > BUDDY_PCP_ORDERS);
		while (freed < n && !list_empty(list)) {
			struct page *p = list_entry(list->prev, struct page, lru);
			list_del(&p->lru);
			pcp->count -= 1u << o;
			freed += 1u << o;
			buddy_free_one(b, z, buddy_page_to_pfn(b, p), o);
		}
	}
	mm_spin_unlock(&z->lock);
}

/* Blocks of order a refill asks for: Linux's nr_pcp_alloc, batch >> order, at least 2. */
static uint32_t pcp_refill_blocks(const struct buddy_pcp *pcp, unsigned order)
{
	return MM_MAX(pcp->batch >> order, 2u);
}

/*
 * Fills the empty list of order with blocks the zone can spare while staying
 * above mark (each block taken must pass the check, so the zone never dips
 * below it). Returns the blocks added; 0 counts a watermark failure.
 * Interrupts masked.
 */
static uint32_t pcp_refill(struct buddy *b, struct buddy_zone *z, struct buddy_pcp *pcp,
				  unsigned order, uint64_t mark, unsigned gfp)
{
	uint32_t n = 0, want = pcp_refill_blocks(pcp, order);

	mm_spin_lock(&z->lock);
	if (buddy_zone_watermark_ok(z, order, mark, gfp))
		want = (uint32_t)MM_MIN(want, watermark_room(z, order, mark, gfp));
	else
		want = 0;
	for (; n < want; n++) {
		struct page *p = rmqueue_smallest(b, z, order);
		if (!p)
			break;
		p->flags = PG_PCP;
		p->order = (uint8_t)order;
		list_add_tail(&p->lru, &pcp->lists[order]);
	}
	pcp->count += n << order;
	if (!n)
		z->alloc_fail++;
	mm_spin_unlock(&z->lock);
	return n;
}

/*
 * One block of order (< BUDDY_PCP_ORDERS) through this CPU's list: a hit
 * takes no zone lock and checks no watermark; a miss refills against mark.
 * NULL if the zone cannot spare a block.
 */
static struct page *rmqueue_pcp(struct buddy *b, struct buddy_zone *z, unsigned order,
				uint64_t mark, unsigned gfp)
{
	unsigned long flags = mm_irq_save();
	struct buddy_pcp *pcp = &z->pcp[mm_cpu_id()];
	struct list_head *list = &pcp->lists[order];
	struct page *p = NULL;

	if (__builtin_expect(!list_empty(list), 1) || pcp_refill(b, z, pcp, order, mark, gfp)) {
		p = list_entry(list->next, struct page, lru);
		list_del(&p->lru);
		pcp->count -= 1u << order;
	}
	mm_irq_restore(flags);
	return p;
}

/* A free took the list above high: drains a batch, then unmasks (flags). */
static MM_SLOWPATH void pcp_drain_high(struct buddy *b, struct buddy_zone *z,
				       struct buddy_pcp *pcp, unsigned long flags)
{
	pcp_drain(b, z, pcp, pcp->batch);
	mm_irq_restore(flags);
}

/* Puts a freed block of order (< BUDDY_PCP_ORDERS) on this CPU's list; drains a batch above high. */
static inline void free_pcp(struct buddy *b, struct buddy_zone *z, struct page *p, unsigned order)
{
	unsigned long flags = mm_irq_save();
	struct buddy_pcp *pcp = &z->pcp[mm_cpu_id()];

	MM_HIDE_VAR(pcp);
	p->flags = PG_PCP;
	list_add(&p->lru, &pcp->lists[order]);
	pcp->count += 1u << order;
	if (MM_UNLIKELY(pcp->count > pcp->high)) {
		pcp_drain_high(b, z, pcp, flags);
		return;
	}
	mm_irq_restore(flags);
}

/* Linux's drain_all_pages: every CPU's lists (see buddy.h on who keeps the CPUs out). */
void buddy_drain_pcp(struct buddy *b)
{
	unsigned long flags = mm_irq_save();

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++)
		for (int c = 0; c < MM_NR_CPUS; c++)
			pcp_drain(b, &b->zones[zi], &b->zones[zi].pcp[c], UINT32_MAX);
	mm_irq_restore(flags);
}

/* ---- init and watermarks --------------------------------------------- */

/* Zone zi: its type's address range cut to its node's span (empty past nr_nodes). */
static void zone_init(struct buddy *b, unsigned zi)
{
	static const char *const names[] = { "DMA", "DMA32", "Normal" };
	static const uint64_t ends[] = { BUDDY_DMA_END_PFN, BUDDY_DMA32_END_PFN, UINT64_MAX };
	unsigned type = zi % BUDDY_NR_ZONE_TYPES, node = zi / BUDDY_NR_ZONE_TYPES;
	uint64_t zstart = type ? ends[type - 1] : 0;
	struct buddy_zone *z = &b->zones[zi];

	__builtin_memset(z, 0, sizeof(*z));
	z->lock = (mm_spinlock_t)MM_SPINLOCK_INIT;
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++)
		list_init(&z->free_area[o].list);
	z->node = (uint8_t)node;
	z->type = (uint8_t)type;
	if (node < b->nr_nodes) {
		z->start_pfn = MM_MAX(zstart, b->node_start_pfn[node]);
		z->end_pfn = MM_MIN(ends[type], b->node_start_pfn[node + 1]);
	}
	if (z->end_pfn <= z->start_pfn)
		z->start_pfn = z->end_pfn = 0;
	for (unsigned i = 0; names[type][i]; i++)
		z->name[i] = names[type][i];
	for (int c = 0; c < MM_NR_CPUS; c++) {
		for (unsigned o = 0; o < BUDDY_PCP_ORDERS; o++)
			list_init(&z->pcp[c].lists[o]);
		z->pcp[c].drain_order = 0;
		z->pcp[c].batch = 1;
		z->pcp[c].high = 6;
	}
}

int buddy_init(struct buddy *b, struct page *pages, uint64_t first_pfn,
	       uint64_t last_pfn, uint64_t min_free_kbytes)
{
	if (!b || !pages || last_pfn <= first_pfn ||
	    !MM_IS_ALIGNED(first_pfn, 1ull << BUDDY_MAX_ORDER))
		return -MM_EINVAL;
	if ((last_pfn - first_pfn + (1ull << BUDDY_MAX_ORDER) - 1) >> BUDDY_MAX_ORDER >
	    BUDDY_MAX_BLOCKS)
		return -MM_ERANGE;
	__builtin_memset(b, 0, sizeof(*b));
	b->pages = pages;
	b->first_pfn = first_pfn;
	b->last_pfn = last_pfn;
	b->user_min_free_kbytes = min_free_kbytes ? min_free_kbytes : BUDDY_MIN_FREE_DEFAULT;
	b->watermark_scale_factor = 10;
	b->nr_nodes = 1;
	b->node_start_pfn[0] = first_pfn;
	b->node_start_pfn[1] = last_pfn;
	b->distance[0][0] = 10;
	for (unsigned zi = 0; zi < BUDDY_NR_ZONES; zi++)
		zone_init(b, zi);
	for (unsigned c = 0; c < MM_NR_CPUS; c++)
		b->cpu_zone[c] = &b->zones[0]; /* empty lists until build_zonelist */
	buddy_setup_watermarks(b);
	return 0;
}

/* Whether n describes nodes of b's span, each CPU on one of them. */
static bool nodes_ok(const struct buddy *b, const struct buddy_nodes *n)
{
	if (n->nr < 1 || n->nr > BUDDY_MAX_NODES || buddy_nr_managed_pages(b))
		return false;
	for (unsigned i = 1; i < n->nr; i++)
		if (n->start_pfn[i] <= (i > 1 ? n->start_pfn[i - 1] : b->first_pfn) ||
		    n->start_pfn[i] >= b->last_pfn)
			return false;
	for (unsigned c = 0; c < MM_NR_CPUS; c++)
		if (n->cpu_node[c] >= n->nr)
			return false;
	return true;
}

int buddy_set_nodes(struct buddy *b, const struct buddy_nodes *n)
{
	if (!nodes_ok(b, n))
		return -MM_EINVAL;
	b->nr_nodes = (uint8_t)n->nr;
	for (unsigned i = 1; i < n->nr; i++)
		b->node_start_pfn[i] = n->start_pfn[i];
	b->node_start_pfn[0] = b->first_pfn;
	b->node_start_pfn[n->nr] = b->last_pfn;
	__builtin_memcpy(b->distance, n->distance, sizeof(b->distance));
	__builtin_memcpy(b->cpu_node, n->cpu_node, sizeof(b->cpu_node));
	for (unsigned zi = 0; zi < BUDDY_NR_ZONES; zi++)
		zone_init(b, zi);
	buddy_setup_watermarks(b);
	return 0;
}

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0, bit = 1ull << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* Linux init_per_zone_wmark_min(): int_sqrt(lowmem_kbytes * 16), clamped. */
uint64_t buddy_default_min_free_kbytes(uint64_t lowmem_kbytes)
{
	uint64_t kb = int_sqrt(lowmem_kbytes * 16);
	return MM_MIN(MM_MAX(kb, 128), 262144);
}

/* Linux zone_batchsize(): about a quarter of managed/1024, at most 63. */
static uint32_t zone_batchsize(uint64_t managed)
{
	uint64_t batch = MM_MIN(managed >> 10, (1ull << 20) / MM_PAGE_SIZE) / 4;
	uint64_t p = 1;

	if (batch < 1)
		batch = 1;
	while (p * 2 <= batch + batch / 2)
		p *= 2;
	return (uint32_t)MM_MAX(p - 1, 1);
}

/*
 * Linux __setup_per_zone_wmarks(): min is min_free_kbytes shared out by
 * managed size; low and high add max(min/4, managed * scale / 10000) each.
 */
void buddy_setup_watermarks(struct buddy *b)
{
	uint64_t lowmem = buddy_nr_managed_pages(b);

	if (b->user_min_free_kbytes != BUDDY_MIN_FREE_DEFAULT)
		b->min_free_kbytes = b->user_min_free_kbytes;
	else
		b->min_free_kbytes = buddy_default_min_free_kbytes(lowmem * (MM_PAGE_SIZE >> 10));
	uint64_t pages_min = b->min_free_kbytes >> (MM_PAGE_SHIFT - 10);
	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++) {
		struct buddy_zone *z = &b->zones[zi];
		uint64_t managed = z->managed_pages;
		uint64_t min = lowmem ? pages_min * managed / lowmem : 0;
		uint64_t step = MM_MAX(min >> 2, managed * b->watermark_scale_factor / 10000);
		uint32_t batch = zone_batchsize(managed);

		z->wmark[BUDDY_WMARK_MIN] = min;
		z->wmark[BUDDY_WMARK_LOW] = min + step;
		z->wmark[BUDDY_WMARK_HIGH] = min + 2 * step;
		for (int c = 0; c < MM_NR_CPUS; c++) {
			z->pcp[c].batch = batch;
			z->pcp[c].high = 6 * batch;
		}
	}
}

void buddy_set_min_free_kbytes(struct buddy *b, uint64_t kbytes)
{
	b->user_min_free_kbytes = kbytes;
	buddy_setup_watermarks(b);
}

void buddy_set_watermark_scale_factor(struct buddy *b, uint64_t factor)
{
	b->watermark_scale_factor = factor;
	buddy_setup_watermarks(b);
}

void buddy_set_reclaim_ops(struct buddy *b, const struct buddy_reclaim_ops *ops)
{
	b->reclaim = *ops;
}

void buddy_register_oom_notifier(struct buddy *b, struct buddy_oom_notifier *n)
{
	struct buddy_oom_notifier **pp = &b->oom_notifiers;

	while (*pp)
		pp = &(*pp)->next;
	n->next = NULL;
	*pp = n;
}

/*
 * Makes the descriptors of the max-order block holding pfn usable, once per
 * block: a block the range [start, end) covers whole is handed over as one
 * max-order block, so only its head (pfn) needs clearing; a partial block
 * is cleared whole, so pages never handed over carry no PG_BUDDY and are
 * never merged with.
 */
static void init_block_descriptors(struct buddy *b, uint64_t pfn, uint64_t start, uint64_t end)
{
	uint64_t idx = (pfn - b->first_pfn) >> BUDDY_MAX_ORDER;
	uint64_t bstart = b->first_pfn + (idx << BUDDY_MAX_ORDER);
	uint64_t bend = bstart + (1ull << BUDDY_MAX_ORDER);

	if (b->block_init[idx / 64] & (1ull << (idx % 64)))
		return;
	b->block_init[idx / 64] |= 1ull << (idx % 64);
	if (start <= bstart && bend <= end) {
		buddy_pfn_to_page(b, bstart)->flags = 0;
		return;
	}
	bend = MM_MIN(bend, b->last_pfn);
	__builtin_memset(buddy_pfn_to_page(b, bstart), 0, (bend - bstart) * sizeof(struct page));
}

/* Largest order of an aligned block at pfn that fits below end. */
static unsigned block_order(uint64_t pfn, uint64_t end)
{
	unsigned o = BUDDY_MAX_ORDER;

	while (o && (!MM_IS_ALIGNED(pfn, 1ull << o) || pfn + (1ull << o) > end))
		o--;
	return o;
}

unsigned buddy_next_nearest(const struct buddy *b, unsigned from, unsigned prev)
{
	unsigned best = BUDDY_NO_NODE;

	for (unsigned m = 0; m < b->nr_nodes; m++) {
		unsigned d = b->distance[from][m];
		bool after = prev == BUDDY_NO_NODE || d > b->distance[from][prev] ||
			     (d == b->distance[from][prev] && m > prev);
		if (after && (best == BUDDY_NO_NODE || d < b->distance[from][best]))
			best = m;
	}
	return best;
}

/* Lists, for each node, the zones holding managed pages: nodes nearest
 * first, each node's zones highest first, for the allocation walk. */
static void build_zonelist(struct buddy *b)
{
	for (unsigned n = 0; n < b->nr_nodes; n++) {
		b->nr_zonelist[n] = 0;
		for (unsigned m = buddy_next_nearest(b, n, BUDDY_NO_NODE); m != BUDDY_NO_NODE;
		     m = buddy_next_nearest(b, n, m))
			for (int t = BUDDY_NR_ZONE_TYPES - 1; t >= 0; t--) {
				unsigned zi = m * BUDDY_NR_ZONE_TYPES + (unsigned)t;
				if (b->zones[zi].managed_pages)
					b->zonelist[n][b->nr_zonelist[n]++] = (uint8_t)zi;
			}
	}
	for (unsigned c = 0; c < MM_NR_CPUS; c++)
		b->cpu_zone[c] = &b->zones[b->zonelist[b->cpu_node[c]][0]];
}

int buddy_add_free_range(struct buddy *b, uint64_t start_pfn, uint64_t end_pfn)
{
	if (start_pfn >= end_pfn || start_pfn < b->first_pfn || end_pfn > b->last_pfn)
		return -MM_EINVAL;
	for (uint64_t pfn = start_pfn; pfn < end_pfn;) {
		unsigned order = block_order(pfn, end_pfn);
		struct buddy_zone *z = pfn_zone(b, pfn);
		struct page *p = buddy_pfn_to_page(b, pfn);

		init_block_descriptors(b, pfn, start_pfn, end_pfn);
		if (p->flags & (PG_BUDDY | PG_PCP))
			return -MM_EINVAL;
		mm_spin_lock(&z->lock);
		z->present_pages += 1ull << order;
		z->managed_pages += 1ull << order;
		buddy_free_one(b, z, pfn, order);
		mm_spin_unlock(&z->lock);
		pfn += 1ull << order;
	}
	build_zonelist(b);
	buddy_setup_watermarks(b);
	return 0;
}

/* ---- allocation ------------------------------------------------------ */

/*
 * Linux __zone_watermark_ok(), without lowmem_reserve: free_pages minus the
 * block stays at or above the mark, and a block of order or above is free.
 */
bool buddy_zone_watermark_ok(const struct buddy_zone *z, unsigned order,
			     uint64_t mark, unsigned gfp)
{
	if (!watermark_room(z, order, mark, gfp))
		return false;
	if (!order)
		return true;
	for (unsigned o = order; o < BUDDY_NR_ORDERS; o++)
		if (z->free_area[o].nr_free)
			return true;
	return false;
}

static enum buddy_zone_id highest_zone(unsigned gfp)
{
	if (gfp & BUDDY_GFP_DMA)
		return BUDDY_ZONE_DMA;
	if (gfp & BUDDY_GFP_DMA32)
		return BUDDY_ZONE_DMA32;
	return BUDDY_ZONE_NORMAL;
}

static enum buddy_zone_id lowest_zone(unsigned gfp)
{
	return (gfp & BUDDY_GFP_THISZONE) ? highest_zone(gfp) : BUDDY_ZONE_DMA;
}

/* Hands an allocated page's owner words over: zero, lru an empty list. */
static void clear_owner_words(struct page *p)
{
	__builtin_memset(&p->user, 0, sizeof(p->user));
	list_init(&p->lru);
}

/* What every allocation hands over besides order and zone (Linux's post_alloc_hook). */
static inline void prep_owner(struct page *p, uint32_t flags)
{
	p->flags = flags;
	p->inuse = 0;
	p->refcount = 1;
	p->mapcount = 0;
	clear_owner_words(p);
}

static void prep_new_page(struct buddy *b, struct page *p, unsigned order, unsigned gfp)
{
	uint64_t pfn = buddy_page_to_pfn(b, p);

	p->order = (uint8_t)order;
	prep_owner(p, (gfp & BUDDY_GFP_COMP) && order ? PG_HEAD : 0);
	if (p->flags & PG_HEAD) {
		for (uint64_t i = 1; i < (1ull << order); i++) {
			struct page *t = p + i;
			t->flags = PG_TAIL;
			t->order = 0;
			t->zone = p->zone;
			t->refcount = 0;
			t->mapcount = 0;
			t->private = pfn;
			list_init(&t->lru);
		}
	}
	if (gfp & BUDDY_GFP_ZERO)
		__builtin_memset(buddy_page_address(b, p), 0, MM_PAGE_SIZE << order);
}

/* A block of order from z if it stays above mark (per-CPU orders: see rmqueue_pcp). */
static struct page *rmqueue(struct buddy *b, struct buddy_zone *z, unsigned order,
			    uint64_t mark, unsigned gfp)
{
	struct page *p = NULL;

	if (order < BUDDY_PCP_ORDERS)
		return rmqueue_pcp(b, z, order, mark, gfp);
	mm_spin_lock(&z->lock);
	if (buddy_zone_watermark_ok(z, order, mark, gfp))
		p = rmqueue_smallest(b, z, order);
	else
		z->alloc_fail++;
	mm_spin_unlock(&z->lock);
	return p;
}

/* The node an allocation is meant for: BUDDY_GFP_NODE's, else the CPU's. */
static unsigned preferred_node(const struct buddy *b, unsigned gfp)
{
	unsigned n = gfp >> 24;

	return n && n <= b->nr_nodes ? n - 1 : b->cpu_node[mm_cpu_id()];
}

/* Whether gfp lets an allocation meant for node take from zone z. */
static bool zone_allowed(const struct buddy_zone *z, unsigned gfp, unsigned node)
{
	return z->type <= highest_zone(gfp) && z->type >= lowest_zone(gfp) &&
	       (!(gfp & BUDDY_GFP_THISNODE) || z->node == node);
}

/*
 * Linux's zone_statistics: a hit on z when it is on the preferred zone's
 * node, else a miss on z and a foreign on the preferred zone; local or
 * other by the allocating CPU's node; interleave when such an allocation
 * got its node.
 */
static inline void count_numa_hit(struct buddy *b, struct buddy_zone *z, unsigned cpu)
{
	z->numa_stat[BUDDY_NUMA_HIT]++;
	z->numa_stat[z->node == b->cpu_node[cpu] ? BUDDY_NUMA_LOCAL : BUDDY_NUMA_OTHER]++;
}

static void count_numa(struct buddy *b, struct buddy_zone *pref, struct buddy_zone *z,
		       unsigned gfp)
{
	bool hit = z->node == pref->node;

	if (MM_LIKELY(hit && !(gfp & BUDDY_GFP_INTERLEAVE))) { /* the common case, in short */
		count_numa_hit(b, z, mm_cpu_id());
		return;
	}

	z->numa_stat[hit ? BUDDY_NUMA_HIT : BUDDY_NUMA_MISS]++;
	if (!hit)
		pref->numa_stat[BUDDY_NUMA_FOREIGN]++;
	z->numa_stat[z->node == b->cpu_node[mm_cpu_id()] ? BUDDY_NUMA_LOCAL : BUDDY_NUMA_OTHER]++;
	if ((gfp & BUDDY_GFP_INTERLEAVE) && hit)
		z->numa_stat[BUDDY_NUMA_INTERLEAVE]++;
}

/* gfp flags that rule zones out; without them every zone of a zonelist is allowed. */
#define GFP_ZONE_LIMITS (BUDDY_GFP_DMA | BUDDY_GFP_DMA32 | BUDDY_GFP_THISZONE | BUDDY_GFP_THISNODE)

/* Tries each allowed populated zone of the preferred node's zonelist
 * against wmark; NULL if none. */
static struct page *get_page_from_zones(struct buddy *b, unsigned gfp, unsigned order,
					enum buddy_wmark wm, unsigned reserve_gfp)
{
	unsigned node = preferred_node(b, gfp);
	bool any_zone = !(gfp & GFP_ZONE_LIMITS);
	struct buddy_zone *pref = NULL;

	for (unsigned i = 0; i < b->nr_zonelist[node]; i++) {
		struct buddy_zone *z = &b->zones[b->zonelist[node][i]];
		struct page *p;

		if (!any_zone && !zone_allowed(z, gfp, node))
			continue;
		if (!pref)
			pref = z;
		p = rmqueue(b, z, order, z->wmark[wm], reserve_gfp);
		if (p) {
			prep_new_page(b, p, order, gfp);
			count_numa(b, pref, z, gfp);
			return p;
		}
	}
	return NULL;
}

/* Wakes kswapd for each zone the allocation may use that is below its low mark. */
static void wake_kswapd(struct buddy *b, unsigned gfp, unsigned order)
{
	unsigned node = preferred_node(b, gfp);

	if (!b->reclaim.wake_kswapd || (gfp & BUDDY_GFP_NOWAKE))
		return;
	for (unsigned i = 0; i < b->nr_zonelist[node]; i++) {
		struct buddy_zone *z = &b->zones[b->zonelist[node][i]];
		if (zone_allowed(z, gfp, node) &&
		    !buddy_zone_watermark_ok(z, order, z->wmark[BUDDY_WMARK_LOW], 0)) {
			b->kswapd_wakeups++;
			b->reclaim.wake_kswapd(b, z, order, b->reclaim.ctx);
		}
	}
}

/* Pages the OOM notifiers freed, with the per-CPU lists drained. */
static uint64_t oom_notify(struct buddy *b, unsigned order)
{
	uint64_t freed = 0;

	for (struct buddy_oom_notifier *n = b->oom_notifiers; n; n = n->next)
		freed += n->fn(b, order, n->ctx);
	b->oom_notifier_calls++;
	if (freed)
		buddy_drain_pcp(b);
	return freed;
}

/* Last resort before failing: bounded rounds of OOM notifiers. NULL if none helps. */
static struct page *oom_notify_retry(struct buddy *b, unsigned gfp, unsigned order)
{
	for (int round = 0; round < 8 && b->oom_notifiers; round++) {
		if (!oom_notify(b, order))
			break;
		struct page *p = get_page_from_zones(b, gfp, order, BUDDY_WMARK_MIN, gfp);
		if (p)
			return p;
	}
	return NULL;
}

/*
 * Slow path, as Linux's __alloc_pages_slowpath in miniature: wake kswapd,
 * retry at the min mark (atomic callers dip below it), drain the per-CPU
 * lists, then direct reclaim while it makes progress. NULL on failure.
 */
static struct page *alloc_slowpath(struct buddy *b, unsigned gfp, unsigned order)
{
	struct page *p;

	wake_kswapd(b, gfp, order);
	p = get_page_from_zones(b, gfp, order, BUDDY_WMARK_MIN, gfp);
	if (p)
		return p;
	buddy_drain_pcp(b);
	p = get_page_from_zones(b, gfp, order, BUDDY_WMARK_MIN, gfp);
	if (p || !(gfp & BUDDY_GFP_RECLAIM) || (gfp & BUDDY_GFP_ATOMIC))
		return p;
	for (int tries = 0; tries < 16 && b->reclaim.direct_reclaim; tries++) {
		b->direct_reclaims++;
		if (!b->reclaim.direct_reclaim(b, order, gfp, b->reclaim.ctx))
			break;
		p = get_page_from_zones(b, gfp, order, BUDDY_WMARK_MIN, gfp);
		if (p)
			return p;
	}
	return oom_notify_retry(b, gfp, order);
}

/* gfp flags a per-CPU hit serves: the rest pick zones or nodes, or prepare more. */
#define GFP_PCP_HIT_OK (BUDDY_GFP_RECLAIM | BUDDY_GFP_ATOMIC | BUDDY_GFP_NOWAKE)

/* Every allocation the per-CPU hit does not serve; NULL on failure. */
static MM_SLOWPATH struct page *alloc_pages_zonelist(struct buddy *b, unsigned gfp,
						     unsigned order)
{
	struct page *p;

	if (order > BUDDY_MAX_ORDER)
		return NULL;
	p = get_page_from_zones(b, gfp, order, BUDDY_WMARK_LOW, 0);
	if (p)
		return p;
	return alloc_slowpath(b, gfp, order);
}

/* The CPU's list was empty (interrupts masked since flags): unmask, then the zonelist walk. */
static MM_SLOWPATH struct page *pcp_alloc_miss(struct buddy *b, unsigned gfp, unsigned order,
					       unsigned long flags)
{
	mm_irq_restore(flags);
	return alloc_pages_zonelist(b, gfp, order);
}

/*
 * Linux's rmqueue_pcplist fast path: a block of order (< BUDDY_PCP_ORDERS)
 * from this CPU's list of its preferred zone (b->cpu_zone: the zonelist
 * walk would try that zone first), counted as a local hit, handed over
 * writing only what an owner must find changed (order and zone are
 * already the block's). An empty list goes to the zonelist walk, which
 * refills it. NULL on failure.
 */
static inline struct page *pcp_alloc(struct buddy *b, unsigned gfp, unsigned order)
{
	unsigned long flags = mm_irq_save();
	unsigned cpu = mm_cpu_id();
	struct buddy_zone *z = b->cpu_zone[cpu];
	struct buddy_pcp *pcp = &z->pcp[cpu];
	struct list_head *list;
	struct page *p;

	MM_HIDE_VAR(pcp);
	list = &pcp->lists[order];
	if (MM_UNLIKELY(list_empty(list)))
		return pcp_alloc_miss(b, gfp, order, flags);
	p = list_entry(list->next, struct page, lru);
	list_del(&p->lru);
	pcp->count -= 1u << order;
	count_numa_hit(b, z, cpu);
	mm_irq_restore(flags);
	MM_VM_BUG_ON(p->flags != PG_PCP || p->order != order);
	prep_owner(p, 0);
	return p;
}

struct page *buddy_alloc_pages(struct buddy *b, unsigned gfp, unsigned order)
{
	if (MM_LIKELY(order < BUDDY_PCP_ORDERS && !(gfp & ~GFP_PCP_HIT_OK)))
		return pcp_alloc(b, gfp, order);
	return alloc_pages_zonelist(b, gfp, order);
}

/* A compound block's tails go back to plain pages, then the block to its zone. */
static MM_SLOWPATH void free_pages_slow(struct buddy *b, struct buddy_zone *z, struct page *p,
					unsigned order)
{
	if (p->flags & PG_HEAD)
		for (uint64_t i = 1; i < (1ull << order); i++)
			p[i].flags = 0;
	if (order < BUDDY_PCP_ORDERS) {
		free_pcp(b, z, p, order);
		return;
	}
	mm_spin_lock(&z->lock);
	buddy_free_one(b, z, buddy_page_to_pfn(b, p), order);
	mm_spin_unlock(&z->lock);
}

/*
 * Linux's free_pages_prepare keeps one cheap test always on: a block
 * already free (PG_BUDDY, PG_PCP) or a tail is a double or wrong free; the
 * block's range, order and alignment are checked in debug builds.
 */
void buddy_free_pages(struct buddy *b, struct page *p, unsigned order)
{
	struct buddy_zone *z = &b->zones[p->zone]; /* the head's zone index: see the top */

	MM_BUG_ON(p->flags & (PG_BUDDY | PG_PCP | PG_TAIL)); /* double free or a tail */
	MM_VM_BUG_ON(!buddy_pfn_valid(b, buddy_page_to_pfn(b, p)) || order > BUDDY_MAX_ORDER);
	MM_VM_BUG_ON(p->order != order ||
		     !MM_IS_ALIGNED(buddy_page_to_pfn(b, p), 1ull << order));
	if (MM_LIKELY(order < BUDDY_PCP_ORDERS && !(p->flags & PG_HEAD))) {
		free_pcp(b, z, p, order);
		return;
	}
	free_pages_slow(b, z, p, order);
}

struct page *buddy_split_block(struct buddy *b, struct page *p, unsigned order)
{
	MM_BUG_ON(order == 0 || order > BUDDY_MAX_ORDER || p->order != order);
	MM_BUG_ON(p->flags & (PG_BUDDY | PG_PCP | PG_HEAD | PG_TAIL));
	MM_BUG_ON(!buddy_pfn_valid(b, buddy_page_to_pfn(b, p) + (1ull << order) - 1));
	struct page *upper = p + (1ull << (order - 1));

	p->order = (uint8_t)(order - 1);
	upper->flags = 0;
	upper->order = (uint8_t)(order - 1);
	upper->zone = p->zone;
	upper->inuse = 0;
	upper->refcount = 1;
	upper->mapcount = 0;
	clear_owner_words(upper);
	return upper;
}

/* ---- free page reporting ---------------------------------------------- */

/* Ages or isolates the blocks of one free list; returns the new count n. Under z->lock. */
static unsigned report_list(struct buddy_zone *z, unsigned o, struct buddy *b, uint64_t *pfn,
			    uint8_t *order, unsigned n, unsigned max)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &z->free_area[o].list) {
		struct page *p = list_entry(pos, struct page, lru);
		if (p->flags & PG_REPORTED)
			continue;
		if (!(p->flags & PG_REPORT_AGED)) {
			p->flags |= PG_REPORT_AGED;
			continue;
		}
		if (n == max)
			break;
		del_from_free_list(z, p, o);
		pfn[n] = buddy_page_to_pfn(b, p);
		order[n++] = (uint8_t)o;
	}
	return n;
}

unsigned buddy_report_isolate(struct buddy *b, unsigned min_order, uint64_t *pfn,
			      uint8_t *order, unsigned max)
{
	unsigned n = 0;

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++) {
		struct buddy_zone *z = &b->zones[zi];
		mm_spin_lock(&z->lock);
		for (unsigned o = min_order; o < BUDDY_NR_ORDERS; o++)
			n = report_list(z, o, b, pfn, order, n, max);
		mm_spin_unlock(&z->lock);
	}
	return n;
}

void buddy_report_putback(struct buddy *b, uint64_t pfn, unsigned order)
{
	struct buddy_zone *z = pfn_zone(b, pfn);

	MM_BUG_ON(!buddy_pfn_valid(b, pfn) || order > BUDDY_MAX_ORDER);
	mm_spin_lock(&z->lock);
	struct page *p = buddy_free_one(b, z, pfn, order);
	if (p->order == order)  /* not merged with unreported memory */
		p->flags |= PG_REPORTED;
	mm_spin_unlock(&z->lock);
}

/* ---- lookups and figures --------------------------------------------- */

uint64_t buddy_nr_free_pages(const struct buddy *b)
{
	uint64_t n = 0;
	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++)
		n += b->zones[zi].free_pages;
	return n;
}

uint64_t buddy_node_free_pages(const struct buddy *b, unsigned node)
{
	uint64_t n = 0;

	for (unsigned t = 0; t < BUDDY_NR_ZONE_TYPES && node < BUDDY_MAX_NODES; t++)
		n += b->zones[node * BUDDY_NR_ZONE_TYPES + t].free_pages;
	return n;
}

uint64_t buddy_nr_pcp_pages(const struct buddy *b)
{
	uint64_t n = 0;
	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++)
		for (int c = 0; c < MM_NR_CPUS; c++)
			n += b->zones[zi].pcp[c].count;
	return n;
}

uint64_t buddy_nr_managed_pages(const struct buddy *b)
{
	uint64_t n = 0;
	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++)
		n += b->zones[zi].managed_pages;
	return n;
}

struct contig_info {
	uint64_t free_pages, free_blocks_total, free_blocks_suitable;
};

/* Linux fill_contig_page_info(). */
static void fill_contig_info(const struct buddy_zone *z, unsigned order, struct contig_info *ci)
{
	*ci = (struct contig_info){ 0, 0, 0 };
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
		uint64_t blocks = z->free_area[o].nr_free;
		ci->free_blocks_total += blocks;
		ci->free_pages += blocks << o;
		if (o >= order)
			ci->free_blocks_suitable += blocks << (o - order);
	}
}

/* Linux unusable_free_index(); 1000 with nothing free. */
int buddy_unusable_index(const struct buddy_zone *z, unsigned order)
{
	struct contig_info ci;

	fill_contig_info(z, order, &ci);
	if (!ci.free_pages)
		return 1000;
	return (int)((ci.free_pages - (ci.free_blocks_suitable << order)) * 1000 / ci.free_pages);
}

/* Linux __fragmentation_index(); 0 for an order past BUDDY_MAX_ORDER. */
int buddy_extfrag_index(const struct buddy_zone *z, unsigned order)
{
	struct contig_info ci;

	if (order > BUDDY_MAX_ORDER)
		return 0;
	fill_contig_info(z, order, &ci);
	if (!ci.free_blocks_total)
		return 0;
	if (ci.free_blocks_suitable)
		return -1000;
	return 1000 - (int)((1000 + ci.free_pages * 1000 / (1ull << order)) /
			    ci.free_blocks_total);
}
