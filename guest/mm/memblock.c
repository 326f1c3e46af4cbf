/*
 * memblock.c: early physical memory bookkeeping (see memblock.h).
 *
 * Invariant: each list is sorted by base, its ranges do not overlap, none
 * is empty, and touching ranges are merged unless they lie on different
 * NUMA nodes (memblock_set_node splits them at node boundaries).
 */
#include <memblock.h>
#include <printk.h>
#include <string.h>

static struct memblock_type mb_memory = { .name = "memory" };
static struct memblock_type mb_reserved = { .name = "reserved" };
static phys_addr_t mb_limit = ~0ull;
static bool mb_retired;

/* Sorts by base and merges overlapping or touching neighbours. */
static void type_normalize(struct memblock_type *t)
{
	struct memblock_region *r = t->regions;

	for (unsigned i = 1; i < t->cnt; i++) {
		struct memblock_region x = r[i];
		unsigned j = i;
		for (; j > 0 && r[j - 1].base > x.base; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	unsigned out = 0;
	for (unsigned i = 0; i < t->cnt; i++) {
		if (out && r[i].base <= r[out - 1].base + r[out - 1].size &&
		    r[i].nid == r[out - 1].nid) {
			phys_addr_t end = r[i].base + r[i].size;
			if (end > r[out - 1].base + r[out - 1].size)
				r[out - 1].size = end - r[out - 1].base;
		} else {
			r[out++] = r[i];
		}
	}
	t->cnt = out;
}

static int type_add(struct memblock_type *t, phys_addr_t base, phys_addr_t size)
{
	if (!size)
		return 0;
	if (t->cnt == MEMBLOCK_MAX_REGIONS) {
		type_normalize(t);
		if (t->cnt == MEMBLOCK_MAX_REGIONS)
			return -MM_ENOSPC;
	}
	t->regions[t->cnt] = (struct memblock_region){ .base = base, .size = size };
	t->cnt++;
	type_normalize(t);
	return 0;
}

/* Removes [base, end) from t, splitting a region that contains it. */
static int type_remove(struct memblock_type *t, phys_addr_t base, phys_addr_t end)
{
	struct memblock_region *r = t->regions;

	for (unsigned i = 0; i < t->cnt; i++) {
		phys_addr_t rb = r[i].base, re = rb + r[i].size;
		if (re <= base || rb >= end)
			continue;
		if (rb < base && re > end) {      /* split in two */
			if (t->cnt == MEMBLOCK_MAX_REGIONS)
				return -MM_ENOSPC;
			r[i].size = base - rb;
			return type_add(t, end, re - end);
		}
		if (rb < base) {
			r[i].size = base - rb;
		} else if (re > end) {
			r[i].base = end;
			r[i].size = re - end;
		} else {
			r[i].size = 0;
		}
	}
	unsigned out = 0;
	for (unsigned i = 0; i < t->cnt; i++)
		if (r[i].size)
			r[out++] = r[i];
	t->cnt = out;
	return 0;
}

int memblock_add(phys_addr_t base, phys_addr_t size)
{
	return type_add(&mb_memory, base, size);
}

int memblock_reserve(phys_addr_t base, phys_addr_t size)
{
	return type_add(&mb_reserved, base, size);
}

int memblock_free(phys_addr_t base, phys_addr_t size)
{
	return type_remove(&mb_reserved, base, base + size);
}

/* Splits the region holding addr strictly inside it in two. 0 or -MM_ENOSPC. */
static int type_split_at(struct memblock_type *t, phys_addr_t addr)
{
	for (unsigned i = 0; i < t->cnt; i++) {
		struct memblock_region *r = &t->regions[i];
		if (addr <= r->base || addr >= r->base + r->size)
			continue;
		if (t->cnt == MEMBLOCK_MAX_REGIONS)
			return -MM_ENOSPC;
		for (unsigned j = t->cnt; j > i + 1; j--)
			t->regions[j] = t->regions[j - 1];
		t->regions[i + 1] = (struct memblock_region){
			.base = addr, .size = r->base + r->size - addr, .nid = r->nid };
		r->size = addr - r->base;
		t->cnt++;
		return 0;
	}
	return 0;
}

int memblock_set_node(phys_addr_t base, phys_addr_t size, int nid)
{
	struct memblock_type *t = &mb_memory;
	int err = type_split_at(t, base);

	if (!err)
		err = type_split_at(t, base + size);
	if (err)
		return err;
	for (unsigned i = 0; i < t->cnt; i++)
		if (t->regions[i].base >= base && t->regions[i].base < base + size)
			t->regions[i].nid = nid;
	type_normalize(t);
	return 0;
}

void memblock_set_limit(phys_addr_t limit)
{
	mb_limit = limit;
}

/* The highest reserved range overlapping [base, end), or NULL. */
static const struct memblock_region *reserved_overlap(phys_addr_t base, phys_addr_t end)
{
	for (unsigned i = mb_reserved.cnt; i-- > 0;) {
		const struct memblock_region *r = &mb_reserved.regions[i];
		if (r->base < end && r->base + r->size > base)
			return r;
	}
	return NULL;
}

/* Top-down search inside one memory region; 0 when nothing fits. */
static phys_addr_t find_in_region(const struct memblock_region *m, phys_addr_t size,
				  phys_addr_t align)
{
	phys_addr_t end = m->base + m->size;

	if (end > mb_limit)
		end = mb_limit;
	while (end >= m->base + size) {
		phys_addr_t base = (end - size) & ~(align - 1);
		if (base < m->base)
			return 0;
		const struct memblock_region *r = reserved_overlap(base, base + size);
		if (!r)
			return base;
		end = r->base;
	}
	return 0;
}

phys_addr_t memblock_alloc(phys_addr_t size, phys_addr_t align)
{
	if (mb_retired)
		panic("memblock_alloc: called after the hand-over to the page allocator");
	for (unsigned i = mb_memory.cnt; i-- > 0;) {
		phys_addr_t base = find_in_region(&mb_memory.regions[i], size, align);
		if (base) {
			if (memblock_reserve(base, size))
				return 0;
			return base;
		}
	}
	return 0;
}

static void emit_free(phys_addr_t start, phys_addr_t end, memblock_range_fn fn, void *arg)
{
	start = (start + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
	end &= ~(MM_PAGE_SIZE - 1);
	if (start < end)
		fn(start, end, arg);
}

void memblock_for_each_free(memblock_range_fn fn, void *arg)
{
	for (unsigned i = 0; i < mb_memory.cnt; i++) {
		phys_addr_t cur = mb_memory.regions[i].base;
		phys_addr_t end = cur + mb_memory.regions[i].size;
		for (unsigned j = 0; j < mb_reserved.cnt && cur < end; j++) {
			const struct memblock_region *r = &mb_reserved.regions[j];
			if (r->base + r->size <= cur || r->base >= end)
				continue;
			if (r->base > cur)
				emit_free(cur, r->base, fn, arg);
			cur = r->base + r->size;
		}
		if (cur < end)
			emit_free(cur, end, fn, arg);
	}
}

phys_addr_t memblock_end_of_ram(void)
{
	if (!mb_memory.cnt)
		return 0;
	const struct memblock_region *last = &mb_memory.regions[mb_memory.cnt - 1];
	return last->base + last->size;
}

static phys_addr_t type_size(const struct memblock_type *t)
{
	phys_addr_t sum = 0;

	for (unsigned i = 0; i < t->cnt; i++)
		sum += t->regions[i].size;
	return sum;
}

phys_addr_t memblock_phys_mem_size(void)
{
	return type_size(&mb_memory);
}

/* Reserved bytes that lie inside RAM (the low-1MiB reservation covers holes). */
phys_addr_t memblock_reserved_size(void)
{
	phys_addr_t sum = 0;

	for (unsigned i = 0; i < mb_reserved.cnt; i++) {
		const struct memblock_region *r = &mb_reserved.regions[i];
		for (unsigned j = 0; j < mb_memory.cnt; j++) {
			const struct memblock_region *m = &mb_memory.regions[j];
			phys_addr_t b = r->base > m->base ? r->base : m->base;
			phys_addr_t e1 = r->base + r->size, e2 = m->base + m->size;
			phys_addr_t e = e1 < e2 ? e1 : e2;
			if (b < e)
				sum += e - b;
		}
	}
	return sum;
}

const struct memblock_type *memblock_memory(void)
{
	return &mb_memory;
}

static void type_dump(const struct memblock_type *t)
{
	pr_debug(" %s.cnt = 0x%x\n", t->name, t->cnt);
	for (unsigned i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		pr_debug(" %s[0x%x]\t[0x%016llx-0x%016llx], 0x%016llx bytes on node %d\n",
			 t->name, i, (unsigned long long)r->base,
			 (unsigned long long)(r->base + r->size - 1),
			 (unsigned long long)r->size, r->nid);
	}
}

void memblock_dump(void)
{
	pr_debug("MEMBLOCK configuration:\n");
	type_dump(&mb_memory);
	type_dump(&mb_reserved);
}

void memblock_retire(void)
{
	mb_retired = true;
}
