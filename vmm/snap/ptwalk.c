/*
 * ptwalk.c: host-side page-table walker (see ptwalk.h for the safety
 * rules). Recursion depth is bounded by the paging mode (4 or 5).
 */
#include "ptwalk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct walk {
	const struct guest_memory *m;
	int levels;
	uint8_t *visited;      /* bitmap by table pfn */
	uint64_t nr_pfns;
	ptw_fn fn;
	void *arg;
	struct ptw_stats *st;
};

static unsigned level_shift(int level, int levels)
{
	return 12 + 9 * (unsigned)(levels - 1 - level); /* level 0 is the root */
}

static uint64_t canonical(uint64_t va, int levels)
{
	unsigned bits = levels == 5 ? 57 : 48;
	uint64_t sign = 1ull << (bits - 1);
	return (va & (sign - 1)) | ((va & sign) ? ~(sign - 1) : 0);
}

static const uint64_t *table_at(const struct guest_memory *m, uint64_t pa)
{
	return mem_gpa_to_hva(m, pa & PTE_ADDR_MASK, 4096);
}

/* Marks a table page visited; returns false if it was already. */
static bool first_visit(struct walk *w, uint64_t pa)
{
	uint64_t pfn = pa >> 12;
	if (pfn >= w->nr_pfns)
		return false;
	if (w->visited[pfn / 8] & (1u << (pfn % 8)))
		return false;
	w->visited[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	return true;
}

static int walk_table(struct walk *w, uint64_t pa, int level, uint64_t va_base);

static int walk_entry(struct walk *w, uint64_t e, uint64_t e_pa, int level, uint64_t va)
{
	unsigned shift = level_shift(level, w->levels);
	bool leaf = level == w->levels - 1 || (e & PTE_PS);
	if (leaf && (e & PTE_PS) && shift > 30) {
		w->st->bad_large++;
		return 0;
	}
	if (!leaf)
		return walk_table(w, e & PTE_ADDR_MASK, level + 1, va);
	uint64_t addr_mask = PTE_ADDR_MASK & ~((1ull << shift) - 1);
	struct ptw_leaf l = { .va = canonical(va, w->levels), .pa = e & addr_mask,
			      .flags = e & PTW_FLAG_BITS, .shift = shift, .entry_pa = e_pa };
	w->st->leaves++;
	return w->fn ? w->fn(&l, w->arg) : 0;
}

static int walk_table(struct walk *w, uint64_t pa, int level, uint64_t va_base)
{
	const uint64_t *t = table_at(w->m, pa);
	if (!t) {
		w->st->bad_tables++;
		return 0;
	}
	if (!first_visit(w, pa)) {
		w->st->revisits++;
		return 0;
	}
	w->st->tables[level]++;
	unsigned shift = level_shift(level, w->levels);
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		int rc = walk_entry(w, e, (pa & PTE_ADDR_MASK) + i * 8, level,
				    va_base + (i << shift));
		if (rc)
			return rc;
	}
	return 0;
}

int ptw_walk(const struct guest_memory *m, uint64_t root_pa, bool la57, ptw_fn fn,
	     void *arg, struct ptw_stats *stats)
{
	struct ptw_stats local = { 0 };
	const struct mem_slot *last = &m->slots[m->nr_slots - 1];
	struct walk w = { .m = m, .levels = la57 ? 5 : 4, .fn = fn, .arg = arg,
			  .st = stats ? stats : &local,
			  .nr_pfns = (last->gpa + last->size) >> 12 };
	memset(w.st, 0, sizeof(*w.st));
	if (!table_at(m, root_pa))
		return -EFAULT;
	w.visited = calloc((w.nr_pfns + 7) / 8, 1);
	if (!w.visited)
		return -ENOMEM;
	int rc = walk_table(&w, root_pa, 0, 0);
	free(w.visited);
	return rc;
}

int ptw_translate(const struct guest_memory *m, uint64_t root_pa, bool la57, uint64_t va,
		  struct ptw_leaf *leaf)
{
	int levels = la57 ? 5 : 4;
	uint64_t pa = root_pa;
	for (int level = 0; level < levels; level++) {
		const uint64_t *t = table_at(m, pa);
		unsigned shift = level_shift(level, levels);
		if (!t)
			return -EFAULT;
		uint64_t e = t[(va >> shift) & 511];
		if (!(e & PTE_P))
			return 1;
		if (level == levels - 1 || (e & PTE_PS)) {
			if (shift > 30)
				return -EFAULT;
			uint64_t mask = (1ull << shift) - 1;
			*leaf = (struct ptw_leaf){ .va = va & ~mask,
				.pa = e & PTE_ADDR_MASK & ~mask, .flags = e & PTW_FLAG_BITS,
				.shift = shift };
			return 0;
		}
		pa = e & PTE_ADDR_MASK;
	}
	return 1;
}

struct range_list {
	struct ptw_range *r;
	size_t n, cap;
};

static bool extends(const struct ptw_range *r, const struct ptw_leaf *l, uint64_t flags)
{
	return r->va + r->len == l->va && r->pa + r->len == l->pa && r->flags == flags &&
	       r->shift == l->shift;
}

/* A new entry at the end of rl, or NULL when out of memory. */
static struct ptw_range *range_new(struct range_list *rl)
{
	if (rl->n == rl->cap) {
		size_t cap = rl->cap ? rl->cap * 2 : 64;
		struct ptw_range *r = realloc(rl->r, cap * sizeof(*r));
		if (!r)
			return NULL;
		rl->r = r;
		rl->cap = cap;
	}
	return &rl->r[rl->n++];
}

static int add_leaf(const struct ptw_leaf *l, void *arg)
{
	struct range_list *rl = arg;
	uint64_t flags = l->flags & ~(PTE_A | PTE_D);
	uint64_t pages = 1ull << (l->shift - 12);
	struct ptw_range *last = rl->n ? &rl->r[rl->n - 1] : NULL;
	if (!last || !extends(last, l, flags)) {
		last = range_new(rl);
		if (!last)
			return -ENOMEM;
		*last = (struct ptw_range){ .va = l->va, .pa = l->pa, .flags = flags,
					    .shift = l->shift };
	}
	last->len += 1ull << l->shift;
	last->accessed += (l->flags & PTE_A) ? pages : 0;
	last->dirty += (l->flags & PTE_D) ? pages : 0;
	return 0;
}

int ptw_ranges(const struct guest_memory *m, uint64_t root_pa, bool la57,
	       struct ptw_range **out, size_t *n, struct ptw_stats *stats)
{
	struct range_list rl = { 0 };
	int rc = ptw_walk(m, root_pa, la57, add_leaf, &rl, stats);
	if (rc) {
		free(rl.r);
		return rc < 0 ? rc : -EINVAL;
	}
	*out = rl.r;
	*n = rl.n;
	return 0;
}

const char *ptw_flag_string(uint64_t f, char *buf, size_t len)
{
	snprintf(buf, len, "r%c%c%c%c%c%c%c%c", (f & PTE_RW) ? 'w' : '-', (f & PTE_NX) ? '-' : 'x',
		 (f & PTE_US) ? 'u' : 'k', (f & PTE_G) ? 'g' : '-', (f & PTE_A) ? 'A' : '-',
		 (f & PTE_D) ? 'D' : '-', (f & PTE_PWT) ? 'W' : '-', (f & PTE_PCD) ? 'C' : '-');
	unsigned key = (unsigned)((f >> PTE_PKEY_SHIFT) & 0xf);
	if (key) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, " k%u", key);
	}
	return buf;
}

int ptw_read(const struct guest_memory *m, uint64_t root_pa, bool la57, uint64_t va, void *dst,
	     size_t len)
{
	uint8_t *out = dst;
	while (len) {
		struct ptw_leaf l;
		if (ptw_translate(m, root_pa, la57, va, &l) != 0)
			return -EFAULT;
		uint64_t page_end = l.va + (1ull << l.shift);
		size_t chunk = (size_t)(page_end - va) < len ? (size_t)(page_end - va) : len;
		if (mem_read(m, l.pa + (va - l.va), out, chunk) < 0)
			return -EFAULT;
		out += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}
