/*
 * vma.c: the sorted array of virtual memory areas behind vma.h.
 *
 * Owns the array of one vma_tree; the invariants (sorted, disjoint, page
 * aligned, adjacent areas never mergeable) are stated in vma.h and hold
 * after every public call. Every change that can need room grows the
 * array first, so a failure changes nothing.
 */
#include "vma.h"
#include "mm_util.h"

#define VMA_MIN_CAP 8u

void vma_tree_init(struct vma_tree *t, void *(*alloc)(size_t), void (*free)(void *))
{
	t->v = NULL;
	t->nr = t->cap = 0;
	t->alloc = alloc;
	t->free = free;
}

void vma_tree_destroy(struct vma_tree *t)
{
	if (t->v)
		t->free(t->v);
	t->v = NULL;
	t->nr = t->cap = 0;
}

/* Makes room for @extra more areas. Returns 0 or -MM_ENOMEM. */
static int vma_reserve(struct vma_tree *t, uint32_t extra)
{
	uint32_t cap = t->cap ? t->cap : VMA_MIN_CAP;

	if (t->nr + extra <= t->cap)
		return 0;
	while (cap < t->nr + extra)
		cap *= 2;
	struct vma *v = t->alloc(cap * sizeof(*v));
	if (!v)
		return -MM_ENOMEM;
	for (uint32_t i = 0; i < t->nr; i++)
		v[i] = t->v[i];
	if (t->v)
		t->free(t->v);
	t->v = v;
	t->cap = cap;
	return 0;
}

int vma_tree_clone(struct vma_tree *to, const struct vma_tree *from)
{
	MM_BUG_ON(to->nr);
	if (vma_reserve(to, from->nr))
		return -MM_ENOMEM;
	for (uint32_t i = 0; i < from->nr; i++)
		to->v[i] = from->v[i];
	to->nr = from->nr;
	return 0;
}

/* Index of the first area with end > addr (nr when none). */
static uint32_t first_ending_above(const struct vma_tree *t, uint64_t addr)
{
	uint32_t lo = 0, hi = t->nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vma *vma_find(const struct vma_tree *t, uint64_t addr)
{
	uint32_t i = first_ending_above(t, addr);

	return i < t->nr ? &t->v[i] : NULL;
}

struct vma *vma_lookup(const struct vma_tree *t, uint64_t addr)
{
	struct vma *v = vma_find(t, addr);

	return v && v->start <= addr ? v : NULL;
}

struct vma *vma_at(const struct vma_tree *t, uint32_t i)
{
	return i < t->nr ? &t->v[i] : NULL;
}

struct vma *vma_prev(const struct vma_tree *t, const struct vma *v)
{
	return v > t->v ? (struct vma *)v - 1 : NULL;
}

static bool range_ok(uint64_t start, uint64_t end)
{
	return start < end && MM_IS_ALIGNED(start, MM_PAGE_SIZE) &&
	       MM_IS_ALIGNED(end, MM_PAGE_SIZE);
}

/* Linux's mpol_equal: same mode, mode flags and nodes. */
static bool policy_equal(const struct mempolicy *a, const struct mempolicy *b)
{
	return a->mode == b->mode && a->flags == b->flags && a->nodes == b->nodes;
}

/* Whether b can be folded into a (a directly below b, same everything). */
static bool mergeable(const struct vma *a, const struct vma *b)
{
	uint32_t keep = ~VMA_LOCKED_POPULATE;

	if (a->end != b->start || a->prot != b->prot || a->file != b->file ||
	    (a->flags & keep) != (b->flags & keep) || !policy_equal(&a->policy, &b->policy))
		return false;
	return !a->file || a->pgoff + (a->end - a->start) == b->pgoff;
}

static void remove_slots(struct vma_tree *t, uint32_t i, uint32_t n)
{
	for (uint32_t k = i; k + n < t->nr; k++)
		t->v[k] = t->v[k + n];
	t->nr -= n;
}

static void open_slot(struct vma_tree *t, uint32_t i)
{
	MM_BUG_ON(t->nr >= t->cap);
	for (uint32_t k = t->nr; k > i; k--)
		t->v[k] = t->v[k - 1];
	t->nr++;
}

/* Merges every mergeable neighbour pair among areas lo..hi (clamped). */
static void merge_range(struct vma_tree *t, uint32_t lo, uint32_t hi)
{
	if (hi >= t->nr)
		hi = t->nr ? t->nr - 1 : 0;
	for (uint32_t k = hi; k > lo; k--) {
		if (mergeable(&t->v[k - 1], &t->v[k])) {
			t->v[k - 1].end = t->v[k].end;
			remove_slots(t, k, 1);
		}
	}
}

int vma_insert(struct vma_tree *t, const struct vma *v)
{
	if (!range_ok(v->start, v->end))
		return -MM_EINVAL;
	uint32_t i = first_ending_above(t, v->start);
	if (i < t->nr && t->v[i].start < v->end)
		return -MM_EEXIST;
	if (vma_reserve(t, 1))
		return -MM_ENOMEM;
	open_slot(t, i);
	t->v[i] = *v;
	merge_range(t, i ? i - 1 : 0, i + 1);
	return 0;
}

/* Splits the area at index i at addr (inside it). Needs one free slot. */
static void split_at(struct vma_tree *t, uint32_t i, uint64_t addr)
{
	MM_BUG_ON(addr <= t->v[i].start || addr >= t->v[i].end);
	open_slot(t, i + 1);
	t->v[i + 1] = t->v[i];
	t->v[i].end = addr;
	t->v[i + 1].start = addr;
	if (t->v[i + 1].file)
		t->v[i + 1].pgoff += addr - t->v[i].start;
}

int vma_remove(struct vma_tree *t, uint64_t start, uint64_t end)
{
	if (!range_ok(start, end))
		return -MM_EINVAL;
	uint32_t i = first_ending_above(t, start);
	if (i < t->nr && t->v[i].start < start && t->v[i].end > end) {
		if (vma_reserve(t, 1))
			return -MM_ENOMEM;
		split_at(t, i, start);
		i++;
	} else if (i < t->nr && t->v[i].start < start) {
		t->v[i].end = start;
		i++;
	}
	uint32_t j = i;
	while (j < t->nr && t->v[j].end <= end)
		j++;
	if (j < t->nr && t->v[j].start < end) {
		if (t->v[j].file)
			t->v[j].pgoff += end - t->v[j].start;
		t->v[j].start = end;
	}
	remove_slots(t, i, j - i);
	return 0;
}

/* Whether areas from index i cover [start, end) without a hole. */
static bool covered(const struct vma_tree *t, uint32_t i, uint64_t start, uint64_t end)
{
	uint64_t at = start;

	for (; i < t->nr && at < end; i++) {
		if (t->v[i].start > at)
			return false;
		at = t->v[i].end;
	}
	return at >= end;
}

/*
 * Splits the areas covering [start, end) at its edges; the areas from
 * *first to *last then cover it exactly. Returns 0, -MM_EINVAL or
 * -MM_ENOMEM (a hole, or the array cannot grow).
 */
static int split_range(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t *first,
		       uint32_t *last)
{
	if (!range_ok(start, end))
		return -MM_EINVAL;
	uint32_t i = first_ending_above(t, start);
	if (!covered(t, i, start, end) || vma_reserve(t, 2))
		return -MM_ENOMEM;
	if (t->v[i].start < start)
		split_at(t, i++, start);
	uint32_t j = i;
	while (t->v[j].end < end)
		j++;
	if (t->v[j].end > end)
		split_at(t, j, end);
	*first = i;
	*last = j;
	return 0;
}

int vma_protect(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t prot)
{
	uint32_t i, j;
	int err = split_range(t, start, end, &i, &j);

	if (err)
		return err;
	for (uint32_t k = i; k <= j; k++)
		t->v[k].prot = prot;
	merge_range(t, i ? i - 1 : 0, j + 1);
	return 0;
}

int vma_set_flags(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t set,
		  uint32_t clear)
{
	uint32_t i, j;
	int err = split_range(t, start, end, &i, &j);

	if (err)
		return err;
	for (uint32_t k = i; k <= j; k++)
		t->v[k].flags = (t->v[k].flags & ~clear) | set;
	merge_range(t, i ? i - 1 : 0, j + 1);
	return 0;
}

int vma_set_policy(struct vma_tree *t, uint64_t start, uint64_t end,
		   const struct mempolicy *pol)
{
	uint32_t i, j;
	int err = split_range(t, start, end, &i, &j);

	if (err)
		return err;
	for (uint32_t k = i; k <= j; k++)
		t->v[k].policy = *pol;
	merge_range(t, i ? i - 1 : 0, j + 1);
	return 0;
}

bool vma_range_covered(const struct vma_tree *t, uint64_t start, uint64_t end)
{
	return covered(t, first_ending_above(t, start), start, end);
}

int vma_set_start(struct vma_tree *t, uint64_t old_start, uint64_t new_start)
{
	struct vma *v = vma_lookup(t, old_start);

	if (!v || v->start != old_start || !MM_IS_ALIGNED(new_start, MM_PAGE_SIZE) ||
	    new_start >= v->end)
		return -MM_EINVAL;
	struct vma *prev = vma_prev(t, v);
	if (prev && prev->end > new_start)
		return -MM_EEXIST;
	if (v->file)
		v->pgoff = v->pgoff + new_start - old_start;
	v->start = new_start;
	uint32_t i = (uint32_t)(v - t->v);
	merge_range(t, i ? i - 1 : 0, i);
	return 0;
}

int vma_set_end(struct vma_tree *t, uint64_t old_end, uint64_t new_end)
{
	struct vma *v = old_end ? vma_lookup(t, old_end - 1) : NULL;

	if (!v || v->end != old_end || !MM_IS_ALIGNED(new_end, MM_PAGE_SIZE) ||
	    new_end <= v->start)
		return -MM_EINVAL;
	uint32_t i = (uint32_t)(v - t->v);
	if (i + 1 < t->nr && t->v[i + 1].start < new_end)
		return -MM_EEXIST;
	v->end = new_end;
	merge_range(t, i, i + 1);
	return 0;
}

/*
 * Gaps are scanned from the top, linearly: a process has few areas and
 * mmap placement is rare next to faults. (Linux keeps the largest gap of
 * each subtree in its tree to make this O(log n).)
 */
int vma_find_gap_topdown(const struct vma_tree *t, uint64_t len, uint64_t low,
			 uint64_t high, uint64_t gap, uint64_t *out)
{
	for (uint32_t k = t->nr + 1; k-- > 0;) {
		uint64_t lower = k ? t->v[k - 1].end : 0;
		uint64_t upper = k < t->nr ? t->v[k].start : UINT64_MAX;
		if (k < t->nr && (t->v[k].flags & VMA_GROWSDOWN))
			upper = upper > gap ? upper - gap : 0;
		lower = MM_MAX(lower, low);
		upper = MM_MIN(upper, high);
		if (upper > lower && upper - lower >= len) {
			*out = MM_ALIGN_DOWN(upper - len, MM_PAGE_SIZE);
			return 0;
		}
		if (upper <= low)
			break;
	}
	return -MM_ENOMEM;
}

bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end)
{
	uint32_t i = first_ending_above(t, start);

	return i == t->nr || t->v[i].start >= end;
}

int vma_check(const struct vma_tree *t)
{
	for (uint32_t i = 0; i < t->nr; i++) {
		const struct vma *v = &t->v[i];
		if (!range_ok(v->start, v->end)) {
			mm_log("vma_check: area %u [%llx-%llx) is empty or unaligned\n", i,
			       (unsigned long long)v->start, (unsigned long long)v->end);
			return -MM_EFAULT;
		}
		if (i && t->v[i - 1].end > v->start) {
			mm_log("vma_check: area %u overlaps its predecessor\n", i);
			return -MM_EFAULT;
		}
		if (i && mergeable(&t->v[i - 1], v)) {
			mm_log("vma_check: areas %u and %u should have been merged\n", i - 1, i);
			return -MM_EFAULT;
		}
	}
	return 0;
}
