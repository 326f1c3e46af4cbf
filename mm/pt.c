/*
 * pt.c: x86-64 4-level page tables (pt.h). Owns the table pages of each
 * pt_space and every entry in them; never touches the mapped frames.
 *
 * Invariants (see pt.h for the entry format):
 *  - every intermediate entry is P|RW|US plus, in bits 52-61, the number
 *    of present entries in the table it points to;
 *  - every table below the root has a present entry, except the PDPTs
 *    behind kernel-half PML4 slots, kept until pt_destroy for sharers;
 *  - s->table_pages counts the tables reachable from s->root that s owns
 *    (root included, tables behind shared kernel slots excluded).
 * Callers serialise all calls on one space (the owner's mm lock); pt
 * takes no lock. Lookup and walk only read.
 *
 * Range operations descend level by level, once per range: a level
 * handles each of its entries that the range overlaps and recurses into
 * the next table for the part below. unmap and protect first split the
 * (at most two per level) large pages straddling the range's edges, so
 * the descent itself never allocates and cannot fail halfway.
 */
#include "pt.h"
#include "mm_util.h"

#define PT_ENTRIES     512
#define PT_TABLE_FLAGS (PTE_P | PTE_RW | PTE_US)
#define PT_KERNEL_SLOT 256
#define PT_HALF_SHIFT  47

/* TLB flushes of one operation, done at its end. */
struct pt_flush {
	unsigned n;                      /* pages to flush; past the max: all */
	uint64_t va[PT_FLUSH_ALL_PAGES];
};

/* One map or map_best call. */
struct map_req {
	struct pt_space *s;
	uint64_t off;       /* pa - va */
	uint64_t flags;     /* caller flags, 4 KiB encoding */
	int min_level;      /* smallest leaf allowed (1: 4 KiB) */
	int max_level;      /* largest leaf allowed */
	uint64_t failed_at; /* on error: the first va this call left unmapped */
};

/* One unmap or protect call. */
struct change_op {
	struct pt_space *s;
	bool unmap;
	uint64_t set, clear; /* protect */
	struct pt_flush flush;
};

/* One walk call. */
struct walk_req {
	pt_walk_fn fn;
	void *arg;
};

static inline unsigned lvl_shift(int level)
{
	return PT_SHIFT_4K + 9 * (unsigned)(level - 1);
}

static inline uint64_t lvl_size(int level)
{
	return 1ull << lvl_shift(level);
}

static inline unsigned lvl_index(uint64_t va, int level)
{
	return (va >> lvl_shift(level)) & (PT_ENTRIES - 1);
}

static inline pte_t *table_at(phys_addr_t pa)
{
	return mm_phys_to_virt(pa);
}

static inline pte_t *child_of(pte_t e)
{
	return table_at(e & PTE_ADDR_MASK);
}

static inline bool is_leaf(pte_t e, int level)
{
	return level == 1 || (e & PTE_PS);
}

/* Last address of the part of [va, last] inside va's entry at @level. */
static inline uint64_t span_last(uint64_t va, uint64_t last, int level)
{
	return MM_MIN(last, va | (lvl_size(level) - 1));
}

/* Whether [va, sub] is the whole span of one entry at @level. */
static inline bool covers(uint64_t va, uint64_t sub, int level)
{
	return MM_IS_ALIGNED(va, lvl_size(level)) && sub - va == lvl_size(level) - 1;
}

/* PDPTs behind kernel PML4 slots stay while the space lives (pt.h). */
static inline bool table_kept(int level, uint64_t va)
{
	return level == PT_LEVELS && (va >> 63);
}

static inline unsigned cnt_of(pte_t e)
{
	return (unsigned)((e & PT_CNT_MASK) >> PT_CNT_SHIFT);
}

/* Adds delta to the entry count kept in *pe (NULL for the root: none). */
static void cnt_add(pte_t *pe, int delta)
{
	int c;

	if (!pe || !delta)
		return;
	c = (int)cnt_of(*pe) + delta;
	MM_BUG_ON(c < 0 || c > PT_ENTRIES);
	*pe = (*pe & ~PT_CNT_MASK) | ((pte_t)c << PT_CNT_SHIFT);
}

/* Leaf entry bits for caller flags (4 KiB encoding) at @level. */
static pte_t leaf_bits(uint64_t flags, int level)
{
	pte_t e = (flags & ~PTE_PAT) | PTE_P;

	if (level == 1)
		return e | (flags & PTE_PAT);
	return e | PTE_PS | ((flags & PTE_PAT) ? PTE_PAT_LARGE : 0);
}

/* Caller-visible flags (4 KiB encoding, no address, no PS) of a leaf. */
static uint64_t leaf_flags(pte_t e, int level)
{
	uint64_t f = e & ~PTE_ADDR_MASK;

	if (level == 1)
		return f;
	return (f & ~PTE_PS) | ((e & PTE_PAT_LARGE) ? PTE_PAT : 0);
}

static inline phys_addr_t leaf_pa(pte_t e, int level)
{
	return e & PTE_ADDR_MASK & ~(lvl_size(level) - 1);
}

static void fill_mapping(struct pt_mapping *m, pte_t e, int level, uint64_t va)
{
	m->va = va & ~(lvl_size(level) - 1);
	m->pa = leaf_pa(e, level);
	m->flags = leaf_flags(e, level);
	m->shift = lvl_shift(level);
}

static void flush_add(struct pt_flush *f, uint64_t va)
{
	if (f->n < PT_FLUSH_ALL_PAGES)
		f->va[f->n] = va;
	if (f->n <= PT_FLUSH_ALL_PAGES)
		f->n++;
}

static void flush_force_all(struct pt_flush *f)
{
	f->n = PT_FLUSH_ALL_PAGES + 1;
}

static void flush_finish(const struct pt_space *s, struct pt_flush *f)
{
	if (f->n > PT_FLUSH_ALL_PAGES) {
		mm_tlb_flush_all(s);
		return;
	}
	if (f->n)
		mm_tlb_flush_pages(s, f->va, f->n);
}

/* A zeroed table page charged to s; returns its address or 0 (no memory). */
static phys_addr_t table_alloc(struct pt_space *s)
{
	phys_addr_t pa = mm_table_alloc();

	if (pa)
		s->table_pages++;
	return pa;
}

/* Clears *slot and frees the table it pointed to. Cannot fail. */
static void table_unlink(struct pt_space *s, pte_t *slot)
{
	phys_addr_t pa = *slot & PTE_ADDR_MASK;

	*slot = 0;
	mm_table_free(pa);
	s->table_pages--;
	MM_BUG_ON(s->table_pages < 1);
}

/*
 * Frees the table behind *slot (an entry of a @level table) if it is empty
 * and may go; returns whether it did.
 */
static bool table_release_if_empty(struct pt_space *s, pte_t *slot, int level,
				   uint64_t va)
{
	if (cnt_of(*slot) || table_kept(level, va))
		return false;
	table_unlink(s, slot);
	return true;
}

/* Frees the table behind *slot (at @level) and all tables below it. */
static void free_subtree(struct pt_space *s, pte_t *slot, int level)
{
	pte_t *t = child_of(*slot);

	if (level - 1 > 1) {
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			if ((t[i] & PTE_P) && !is_leaf(t[i], level - 1))
				free_subtree(s, &t[i], level - 1);
	}
	mm_table_free(*slot & PTE_ADDR_MASK);
	*slot = 0;
	s->table_pages--;
	MM_BUG_ON(s->table_pages < 1);
}

/* ---- range checks ------------------------------------------------------- */

static bool is_canonical(uint64_t va)
{
	uint64_t half = va >> PT_HALF_SHIFT;

	return half == 0 || half == (1ull << (64 - PT_HALF_SHIFT)) - 1;
}

/*
 * Checks that [va, va+len) is non-empty, does not wrap, lies in one
 * canonical half and (va, len) are aligned to @align. Returns 0 or
 * -MM_EINVAL.
 */
static int check_range(uint64_t va, uint64_t len, uint64_t align)
{
	uint64_t last = va + len - 1;

	if (!len || last < va || !MM_IS_ALIGNED(va | len, align))
		return -MM_EINVAL;
	if (!is_canonical(va) || last >> PT_HALF_SHIFT != va >> PT_HALF_SHIFT)
		return -MM_EINVAL;
	return 0;
}

/* check_range for a change to @s: kernel addresses of a sharer are not its. */
static int check_change(const struct pt_space *s, uint64_t va, uint64_t len,
			uint64_t align)
{
	if (s->kernel_shared && (va >> 63))
		return -MM_EINVAL;
	return check_range(va, len, align);
}

/* ---- map ---------------------------------------------------------------- */

static int map_level(struct map_req *r, pte_t *t, pte_t *pe, int level,
		     uint64_t va, uint64_t last);

/* Whether the map places a leaf for [va, sub] at @level above min_level. */
static bool leaf_fits(const struct map_req *r, int level, uint64_t va, uint64_t sub)
{
	return level <= r->max_level && covers(va, sub, level);
}

/*
 * Places leaves for all of [va, last] in the @level table t (counted in
 * *pe): the tight loop that most pages go through. Returns 0 or
 * -MM_EEXIST with r->failed_at set; earlier leaves stay for the rollback.
 */
static int map_leaves(struct map_req *r, pte_t *t, pte_t *pe, int level,
		      uint64_t va, uint64_t last)
{
	unsigned first = lvl_index(va, level), end = lvl_index(last, level), i;
	uint64_t step = lvl_size(level);
	pte_t e = (va + r->off) | leaf_bits(r->flags, level);
	int err = 0;

	for (i = first; i <= end; i++, e += step) {
		if (t[i] & PTE_P) {
			r->failed_at = va + (i - first) * step;
			err = -MM_EEXIST;
			break;
		}
		t[i] = e;
	}
	cnt_add(pe, (int)(i - first));
	return err;
}

/*
 * Maps [va, sub] below *slot (an entry of a @level table), allocating the
 * next table if needed; *delta counts entries added to the @level table.
 * Returns 0, -MM_EEXIST or -MM_ENOMEM; on error no empty table is left.
 */
static int map_below(struct map_req *r, pte_t *slot, int level, uint64_t va,
		     uint64_t sub, int *delta)
{
	phys_addr_t pa;
	int err;

	if (!(*slot & PTE_P)) {
		pa = table_alloc(r->s);
		if (!pa) {
			r->failed_at = va;
			return -MM_ENOMEM;
		}
		*slot = pa | PT_TABLE_FLAGS;
		++*delta;
	} else if (is_leaf(*slot, level)) {
		r->failed_at = va;
		return -MM_EEXIST;
	}
	err = map_level(r, child_of(*slot), slot, level - 1, va, sub);
	if (err && table_release_if_empty(r->s, slot, level, va))
		--*delta;
	return err;
}

/*
 * Maps [va, last] within the @level table t (counted in *pe). Returns 0,
 * -MM_EEXIST or -MM_ENOMEM with r->failed_at set; the leaves placed before
 * it stay for the caller to roll back.
 */
static int map_level(struct map_req *r, pte_t *t, pte_t *pe, int level,
		     uint64_t va, uint64_t last)
{
	int delta = 0, err = 0;

	if (level == r->min_level)
		return map_leaves(r, t, pe, level, va, last);
	for (;;) {
		uint64_t sub = span_last(va, last, level);
		pte_t *slot = &t[lvl_index(va, level)];

		if (!leaf_fits(r, level, va, sub)) {
			err = map_below(r, slot, level, va, sub, &delta);
		} else if (*slot & PTE_P) {
			r->failed_at = va;
			err = -MM_EEXIST;
		} else {
			*slot = (va + r->off) | leaf_bits(r->flags, level);
			delta++;
		}
		if (err || sub == last)
			break;
		va = sub + 1;
	}
	cnt_add(pe, delta);
	return err;
}

static void change_level(struct change_op *o, pte_t *t, pte_t *pe, int level,
			 uint64_t va, uint64_t last);

/*
 * Maps [va, va+len) with leaves between min_level and max_level. Returns
 * 0, -MM_EEXIST or -MM_ENOMEM; on error the leaves it placed are removed.
 */
static int map_range(struct pt_space *s, uint64_t va, phys_addr_t pa, uint64_t len,
		     uint64_t flags, int min_level, int max_level)
{
	struct map_req r = {
		.s = s, .off = pa - va, .flags = flags & ~PTE_P,
		.min_level = min_level, .max_level = max_level, .failed_at = va,
	};
	struct change_op undo = { .s = s, .unmap = true };
	int err;

	err = map_level(&r, table_at(s->root), NULL, PT_LEVELS, va, va + len - 1);
	if (err && r.failed_at != va) {
		change_level(&undo, table_at(s->root), NULL, PT_LEVELS, va,
			     r.failed_at - 1);
		flush_finish(s, &undo.flush);
	}
	return err;
}

/* Checks pa and flags of a map call. Returns 0 or -MM_EINVAL. */
static int check_target(phys_addr_t pa, uint64_t len, uint64_t flags, uint64_t align)
{
	if (!MM_IS_ALIGNED(pa, align) || pa + len - 1 < pa ||
	    pa + len - 1 > (PTE_ADDR_MASK | (MM_PAGE_SIZE - 1)))
		return -MM_EINVAL;
	if (flags & ~(PT_FLAG_MASK | PTE_P))
		return -MM_EINVAL;
	return 0;
}

int pt_map(struct pt_space *s, uint64_t va, phys_addr_t pa, uint64_t len,
	   uint64_t flags, unsigned shift)
{
	int level, err;

	if (shift != PT_SHIFT_4K && shift != PT_SHIFT_2M && shift != PT_SHIFT_1G)
		return -MM_EINVAL;
	level = (int)(shift - PT_SHIFT_4K) / 9 + 1;
	err = check_change(s, va, len, lvl_size(level));
	if (!err)
		err = check_target(pa, len, flags, lvl_size(level));
	if (err)
		return err;
	return map_range(s, va, pa, len, flags, level, level);
}

int pt_map_best(struct pt_space *s, uint64_t va, phys_addr_t pa, uint64_t len,
		uint64_t flags, bool allow_1g)
{
	int max_level = 1, err;

	err = check_change(s, va, len, MM_PAGE_SIZE);
	if (!err)
		err = check_target(pa, len, flags, MM_PAGE_SIZE);
	if (err)
		return err;
	if (MM_IS_ALIGNED(va ^ pa, lvl_size(2)))
		max_level = 2;
	if (allow_1g && MM_IS_ALIGNED(va ^ pa, lvl_size(3)))
		max_level = 3;
	return map_range(s, va, pa, len, flags, 1, max_level);
}

/* ---- split, unmap, protect ---------------------------------------------- */

/*
 * Replaces the large leaf at *slot (at @level 3 or 2, covering va) by a
 * table of 512 next-size leaves with the same translation and flags.
 * Returns 0 or -MM_ENOMEM (the leaf unchanged).
 */
static int split_leaf(struct pt_space *s, pte_t *slot, int level, uint64_t va,
		      struct pt_flush *f)
{
	pte_t old = *slot, e, *t;
	uint64_t step = lvl_size(level - 1);
	phys_addr_t pa = table_alloc(s);

	if (!pa)
		return -MM_ENOMEM;
	t = table_at(pa);
	e = leaf_pa(old, level) | leaf_bits(leaf_flags(old, level), level - 1);
	for (unsigned i = 0; i < PT_ENTRIES; i++, e += step)
		t[i] = e;
	*slot = pa | PT_TABLE_FLAGS | ((pte_t)PT_ENTRIES << PT_CNT_SHIFT);
	flush_add(f, va & ~(lvl_size(level) - 1));
	return 0;
}

/*
 * Splits the large leaves straddling addr so that a leaf starts there.
 * Returns 0 or -MM_ENOMEM (translations unchanged either way).
 */
static int split_at(struct pt_space *s, uint64_t addr, struct pt_flush *f)
{
	pte_t *t = table_at(s->root);
	int level, err;

	if (MM_IS_ALIGNED(addr, lvl_size(3)))
		return 0;
	for (level = PT_LEVELS; level > 1; level--) {
		pte_t *slot = &t[lvl_index(addr, level)];

		if (!(*slot & PTE_P))
			return 0;
		if (is_leaf(*slot, level)) {
			if (MM_IS_ALIGNED(addr, lvl_size(level)))
				return 0;
			err = split_leaf(s, slot, level, addr, f);
			if (err)
				return err;
		}
		t = child_of(*slot);
	}
	return 0;
}

/* A 4 KiB-encoded flag mask as it applies to a leaf at @level. */
static inline pte_t mask_at(uint64_t m, int level)
{
	if (level == 1 || !(m & PTE_PAT))
		return m;
	return (m & ~PTE_PAT) | PTE_PAT_LARGE;
}

/* The leaf @old after o at @level. */
static inline pte_t changed(const struct change_op *o, pte_t old, int level)
{
	if (o->unmap)
		return 0;
	return (old | mask_at(o->set, level)) & ~mask_at(o->clear, level);
}

/*
 * Unmaps or reprotects the large leaf at *slot, which [va, sub] covers
 * whole. Returns the change in its table's entry count (0 or -1).
 */
static int change_leaf(struct change_op *o, pte_t *slot, int level, uint64_t va,
		       uint64_t sub)
{
	pte_t old = *slot, new = changed(o, old, level);

	MM_BUG_ON(!covers(va, sub, level)); /* the edges were split */
	if (new == old)
		return 0;
	*slot = new;
	flush_add(&o->flush, va);
	return o->unmap ? -1 : 0;
}

/*
 * Unmaps or reprotects the 4 KiB leaves of [va, last] in the PTE table t:
 * the tight loop that most pages go through. Returns the change in its
 * entry count.
 */
static int change_ptes(struct change_op *o, pte_t *t, uint64_t va, uint64_t last)
{
	unsigned i = lvl_index(va, 1), end = lvl_index(last, 1);
	int delta = 0;

	for (; i <= end; i++, va += MM_PAGE_SIZE) {
		pte_t old = t[i], new = changed(o, old, 1);

		if (!(old & PTE_P) || new == old)
			continue;
		t[i] = new;
		flush_add(&o->flush, va);
		delta -= o->unmap;
	}
	return delta;
}

/*
 * Changes [va, sub] below the intermediate entry *slot of a @level table.
 * Returns the change in that table's entry count (0 or -1: table freed).
 */
static int change_below(struct change_op *o, pte_t *slot, int level, uint64_t va,
			uint64_t sub)
{
	if (o->unmap && covers(va, sub, level) && !table_kept(level, va) &&
	    cnt_of(*slot) > PT_FLUSH_ALL_PAGES) {
		/* Past the flush-all threshold anyway: drop the tables whole. */
		flush_force_all(&o->flush);
		free_subtree(o->s, slot, level);
		return -1;
	}
	change_level(o, child_of(*slot), slot, level - 1, va, sub);
	return table_release_if_empty(o->s, slot, level, va) ? -1 : 0;
}

/*
 * Unmaps or reprotects every leaf in [va, last] within the @level table t
 * (counted in *pe), freeing tables that empty. Cannot fail: no leaf
 * straddles an edge of the range any more.
 */
static void change_level(struct change_op *o, pte_t *t, pte_t *pe, int level,
			 uint64_t va, uint64_t last)
{
	int delta = 0;

	if (level == 1) {
		cnt_add(pe, change_ptes(o, t, va, last));
		return;
	}
	for (;;) {
		uint64_t sub = span_last(va, last, level);
		pte_t *slot = &t[lvl_index(va, level)];

		if (!(*slot & PTE_P))
			;
		else if (is_leaf(*slot, level))
			delta += change_leaf(o, slot, level, va, sub);
		else
			delta += change_below(o, slot, level, va, sub);
		if (sub == last)
			break;
		va = sub + 1;
	}
	cnt_add(pe, delta);
}

/*
 * Splits the leaves straddling the edges of [va, va+len), then applies o.
 * Returns 0 or -MM_ENOMEM (nothing changed but some edge splits).
 */
static int change_range(struct change_op *o, uint64_t va, uint64_t len)
{
	uint64_t last = va + len - 1;
	int err;

	err = split_at(o->s, va, &o->flush);
	if (!err)
		err = split_at(o->s, last + 1, &o->flush);
	if (!err)
		change_level(o, table_at(o->s->root), NULL, PT_LEVELS, va, last);
	flush_finish(o->s, &o->flush);
	return err;
}

int pt_unmap(struct pt_space *s, uint64_t va, uint64_t len)
{
	struct change_op o = { .s = s, .unmap = true };
	int err = check_change(s, va, len, MM_PAGE_SIZE);

	return err ? err : change_range(&o, va, len);
}

int pt_protect(struct pt_space *s, uint64_t va, uint64_t len,
	       uint64_t set, uint64_t clear)
{
	struct change_op o = { .s = s, .set = set, .clear = clear };
	int err = check_change(s, va, len, MM_PAGE_SIZE);

	if (!err && ((set | clear) & ~PT_FLAG_MASK))
		err = -MM_EINVAL;
	return err ? err : change_range(&o, va, len);
}

/* ---- lookup and walk ----------------------------------------------------- */

int pt_lookup(const struct pt_space *s, uint64_t va, struct pt_mapping *out)
{
	const pte_t *t = table_at(s->root);

	if (!is_canonical(va))
		return -MM_ENOENT;
	for (int level = PT_LEVELS; level >= 1; level--) {
		pte_t e = t[lvl_index(va, level)];

		if (!(e & PTE_P))
			return -MM_ENOENT;
		if (is_leaf(e, level)) {
			fill_mapping(out, e, level, va);
			return 0;
		}
		t = child_of(e);
	}
	MM_BUG_ON(true); /* level 1 entries are always leaves */
	return -MM_ENOENT;
}

/* The fast path of faults and the reverse map: no canonical check, no leaf copy. */
pte_t *pt_pte_slot(const struct pt_space *s, uint64_t va, pte_t **pde)
{
	pte_t *t = table_at(s->root);

	for (int level = PT_LEVELS; level > 1; level--) {
		pte_t *e = &t[lvl_index(va, level)];
		if (!(*e & PTE_P) || is_leaf(*e, level))
			return NULL;
		*pde = e;
		t = child_of(*e);
	}
	return &t[lvl_index(va, 1)];
}

/* Walks [va, last] within the @level table t. Returns 0 or fn's value. */
static int walk_level(const struct walk_req *w, const pte_t *t, int level,
		      uint64_t va, uint64_t last)
{
	struct pt_mapping m;

	for (;;) {
		uint64_t sub = span_last(va, last, level);
		pte_t e = t[lvl_index(va, level)];
		int ret = 0;

		if (e & PTE_P) {
			if (is_leaf(e, level)) {
				fill_mapping(&m, e, level, va);
				ret = w->fn(&m, w->arg);
			} else {
				ret = walk_level(w, child_of(e), level - 1, va, sub);
			}
		}
		if (ret || sub == last)
			return ret;
		va = sub + 1;
	}
}

int pt_walk(const struct pt_space *s, uint64_t va, uint64_t len,
	    pt_walk_fn fn, void *arg)
{
	struct walk_req w = { .fn = fn, .arg = arg };
	int err = check_range(va, len, 1);

	if (err)
		return err;
	return walk_level(&w, table_at(s->root), PT_LEVELS, va, va + len - 1);
}

/* ---- spaces ----------------------------------------------------------- */

int pt_init(struct pt_space *s)
{
	s->table_pages = 0;
	s->kernel_shared = false;
	s->root = table_alloc(s);
	return s->root ? 0 : -MM_ENOMEM;
}

void pt_share_kernel(struct pt_space *s, const struct pt_space *from)
{
	pte_t *dst = table_at(s->root);
	const pte_t *src = table_at(from->root);

	MM_BUG_ON(s == from);
	for (unsigned i = PT_KERNEL_SLOT; i < PT_ENTRIES; i++) {
		MM_BUG_ON(!s->kernel_shared && (dst[i] & PTE_P));
		dst[i] = src[i];
	}
	s->kernel_shared = true;
}

int pt_prealloc_kernel(struct pt_space *s, uint64_t va, uint64_t len)
{
	pte_t *root = table_at(s->root);
	uint64_t last = va + len - 1;
	int err = check_change(s, va, len, 1);

	if (err || !(va >> 63))
		return err ? err : -MM_EINVAL;
	for (unsigned i = lvl_index(va, PT_LEVELS); i <= lvl_index(last, PT_LEVELS); i++) {
		phys_addr_t pa;

		if (root[i] & PTE_P)
			continue;
		pa = table_alloc(s);
		if (!pa)
			return -MM_ENOMEM;
		root[i] = pa | PT_TABLE_FLAGS;
	}
	return 0;
}

void pt_destroy(struct pt_space *s)
{
	pte_t *root = table_at(s->root);
	unsigned n = s->kernel_shared ? PT_KERNEL_SLOT : PT_ENTRIES;

	for (unsigned i = 0; i < n; i++)
		if (root[i] & PTE_P)
			free_subtree(s, &root[i], PT_LEVELS);
	mm_table_free(s->root);
	s->table_pages--;
	MM_BUG_ON(s->table_pages != 0);
	s->root = 0;
	s->kernel_shared = false;
}
