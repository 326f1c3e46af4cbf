/*
 * mmviews.c: Linux-format text views of buddy, slab and vmalloc state (see
 * mmviews.h). Owns nothing; reads counters without locks, as /proc does.
 */
#include "mmviews.h"
#include "slab.h"

struct out {
	char *buf;
	size_t size;
	size_t len; /* length of the whole text so far */
};

static char *out_ptr(struct out *o)
{
	return o->len < o->size ? o->buf + o->len : NULL;
}

static size_t out_room(struct out *o)
{
	return o->len < o->size ? o->size - o->len : 0;
}

static void out_add(struct out *o, int n)
{
	if (n > 0)
		o->len += (size_t)n;
}

#define EMIT(o, ...) out_add((o), mm_snprintf(out_ptr(o), out_room(o), __VA_ARGS__))

static int out_done(struct out *o)
{
	if (o->size && o->len >= o->size)
		o->buf[o->size - 1] = 0;
	else if (o->size && !o->len)
		o->buf[0] = 0;
	return (int)o->len;
}

typedef unsigned long long ull;

/* Linux's online nodes: every zone of the nodes the buddy was given. */
static bool zone_online(const struct buddy *b, const struct buddy_zone *z)
{
	return z->node < b->nr_nodes;
}

/* Linux's zones_with_memory: only zones with pages handed over. */
static bool zone_shown(const struct buddy_zone *z)
{
	return z->present_pages != 0;
}

int mmviews_buddyinfo(const struct buddy *b, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++) {
		const struct buddy_zone *z = &b->zones[zi];
		if (!zone_shown(z))
			continue;
		EMIT(&o, "Node %d, zone %8s ", z->node, z->name);
		for (unsigned ord = 0; ord < BUDDY_NR_ORDERS; ord++)
			EMIT(&o, "%6llu ", (ull)z->free_area[ord].nr_free);
		EMIT(&o, "\n");
	}
	return out_done(&o);
}

static void zoneinfo_pagesets(struct out *o, const struct buddy_zone *z)
{
	EMIT(o, "\n  pagesets");
	for (int c = 0; c < (int)mm_nr_cpu_ids(); c++)
		EMIT(o, "\n    cpu: %i\n              count: %u\n              high:  %u"
			"\n              batch: %u", c, z->pcp[c].count, z->pcp[c].high,
		     z->pcp[c].batch);
}

const char *mmviews_numa_stat_name(enum buddy_numa_stat i)
{
	static const char *const names[BUDDY_NR_NUMA_STATS] = {
		"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
		"numa_other",
	};
	return names[i];
}

uint64_t mmviews_numa_stat(const struct buddy *b, int node, enum buddy_numa_stat i)
{
	uint64_t n = 0;

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++)
		if (node < 0 || b->zones[zi].node == node)
			n += b->zones[zi].numa_stat[i];
	return n;
}

/* Linux's NUMA counters, as a CONFIG_NUMA kernel prints them (only with nodes). */
static void zoneinfo_numa(struct out *o, const struct buddy_zone *z)
{
	for (int i = 0; i < BUDDY_NR_NUMA_STATS; i++)
		EMIT(o, "\n      %-12s %llu", mmviews_numa_stat_name(i), (ull)z->numa_stat[i]);
}

/* Linux's is_zone_first_populated: the first zone of its node with pages. */
static bool zone_first_populated(const struct buddy *b, const struct buddy_zone *z)
{
	const struct buddy_zone *first = &b->zones[z->node * BUDDY_NR_ZONE_TYPES];

	for (; first < z; first++)
		if (zone_shown(first))
			return false;
	return zone_shown(z);
}

/* The node's figures, as Linux's "per-node stats" lines. */
static void zoneinfo_node(struct out *o, const struct mmviews_node_stats *ns, unsigned node)
{
	EMIT(o, "\n  per-node stats");
	for (unsigned i = 0; i < ns->nr && i < MMVIEWS_NODE_STATS; i++)
		EMIT(o, "\n      %-12s %llu", ns->names[i], (ull)ns->value[node][i]);
}

static void zoneinfo_zone(struct out *o, const struct buddy *b, const struct buddy_zone *z,
			  const struct mmviews_node_stats *ns)
{
	EMIT(o, "Node %d, zone %8s", z->node, z->name);
	if (ns && zone_first_populated(b, z))
		zoneinfo_node(o, ns, z->node);
	EMIT(o, "\n  pages free     %llu\n        boost    %llu\n        min      %llu"
		"\n        low      %llu\n        high     %llu\n        spanned  %llu"
		"\n        present  %llu\n        managed  %llu",
	     (ull)z->free_pages, 0ull, (ull)z->wmark[BUDDY_WMARK_MIN],
	     (ull)z->wmark[BUDDY_WMARK_LOW], (ull)z->wmark[BUDDY_WMARK_HIGH],
	     (ull)(z->end_pfn - z->start_pfn), (ull)z->present_pages, (ull)z->managed_pages);
	EMIT(o, "\n      %-12s %llu", "nr_free_pages", (ull)z->free_pages);
	if (b->nr_nodes > 1)
		zoneinfo_numa(o, z);
	if (zone_shown(z))
		zoneinfo_pagesets(o, z);
	EMIT(o, "\n  node_unreclaimable:  %u\n  start_pfn:           %llu\n", 0u,
	     (ull)z->start_pfn);
}

int mmviews_zoneinfo(const struct buddy *b, const struct mmviews_node_stats *ns, char *buf,
		     size_t size)
{
	struct out o = { buf, size, 0 };

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++)
		if (zone_online(b, &b->zones[zi]))
			zoneinfo_zone(&o, b, &b->zones[zi], ns);
	return out_done(&o);
}

static void slabinfo_cache(struct out *o, const struct kmem_cache *c)
{
	uint64_t cached = slab_cpu_cached(c);
	uint64_t active = c->active_objs > cached ? c->active_objs - cached : 0;

	EMIT(o, "%-17s %6llu %6llu %6u %4u %4d", c->name, (ull)active,
	     (ull)(c->nr_slabs * c->objects), c->size, c->objects, 1 << c->order);
	/* limit and batch: what a CPU's slab holds and a refill moves, one slab; 0: no CPU slab */
	uint32_t per_cpu = (c->flags & SLAB_F_DEBUG) ? 0 : c->objects;
	EMIT(o, " : tunables %4u %4u %4u", per_cpu, per_cpu, 0u);
	EMIT(o, " : slabdata %6llu %6llu %6llu\n", (ull)(c->nr_slabs - c->nr_free_slabs),
	     (ull)c->nr_slabs, 0ull);
}

int mmviews_slabinfo(char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	struct list_head *pos;

	EMIT(&o, "slabinfo - version: 2.1\n");
	EMIT(&o, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
		 "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
		 "slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	list_for_each(pos, &slab_global.caches)
		slabinfo_cache(&o, list_entry(pos, struct kmem_cache, list));
	return out_done(&o);
}

uint64_t mmviews_slab_reclaimable_pages(void)
{
	struct list_head *pos;
	uint64_t pages = 0;

	if (!slab_global.caches.next)
		return 0;
	list_for_each(pos, &slab_global.caches) {
		const struct kmem_cache *c = list_entry(pos, struct kmem_cache, list);
		pages += c->nr_free_slabs << c->order;
	}
	return pages;
}

/* Linux si_mem_available() without page cache: free minus reserves plus half
 * the reclaimable slab (at most the low marks kept back). */
static uint64_t mem_available(const struct buddy *b, uint64_t sreclaimable)
{
	uint64_t reserve = 0, low = 0, avail;

	for (int zi = 0; zi < BUDDY_NR_ZONES; zi++) {
		reserve += b->zones[zi].wmark[BUDDY_WMARK_HIGH];
		low += b->zones[zi].wmark[BUDDY_WMARK_LOW];
	}
	avail = buddy_nr_free_pages(b) + buddy_nr_pcp_pages(b);
	avail = avail > reserve ? avail - reserve : 0;
	return avail + sreclaimable - MM_MIN(sreclaimable / 2, low);
}

#define KB(pages) ((ull)(pages) << (MM_PAGE_SHIFT - 10))

int mmviews_meminfo(const struct buddy *b, const struct vmalloc_space *vs,
		    char *buf, size_t size)
{
	struct out o = { buf, size, 0 };
	uint64_t slab = slab_global.caches.next ? slab_total_pages() : 0;
	uint64_t srecl = mmviews_slab_reclaimable_pages();

	EMIT(&o, "%-16s%8llu kB\n", "MemTotal:", KB(buddy_nr_managed_pages(b)));
	EMIT(&o, "%-16s%8llu kB\n", "MemFree:", KB(buddy_nr_free_pages(b)));
	EMIT(&o, "%-16s%8llu kB\n", "MemAvailable:", KB(mem_available(b, srecl)));
	EMIT(&o, "%-16s%8llu kB\n", "Slab:", KB(slab));
	EMIT(&o, "%-16s%8llu kB\n", "SReclaimable:", KB(srecl));
	EMIT(&o, "%-16s%8llu kB\n", "SUnreclaim:", KB(slab - srecl));
	EMIT(&o, "%-16s%8llu kB\n", "VmallocTotal:", vs ? (ull)((vs->end - vs->start) >> 10) : 0ull);
	EMIT(&o, "%-16s%8llu kB\n", "VmallocUsed:", vs ? KB(vs->nr_pages) : 0ull);
	return out_done(&o);
}
