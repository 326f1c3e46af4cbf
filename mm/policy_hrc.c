/*
 * policy_hrc.c: the one-pass hit ratio curves of policy_hrc.h.
 *
 * LRU. Invariant before reference i: mark[p] = 1 for exactly the positions
 * p < i that are the last reference of their page (last[pg] = p), so the
 * marks after last[pg] count the distinct pages referenced since; the
 * Fenwick tree holds the prefix sums of mark[].
 *
 * OPT. Invariant before reference i: stack[0..depth) holds distinct pages,
 * ordered as Mattson's OPT stack, each with the index of its next use
 * (HRC_NEVER if none, ties broken by the lower page number): its top c
 * entries are what OPT keeps with c frames. A reference moves its page to
 * the top; each entry it passes on the way is compared with the one pushed
 * down, and the sooner-used of the two stays.
 *
 * State lives in the caller's work memory; callers serialise per work.
 */
#include "policy_hrc.h"
#include "mm_port.h"
#include "mm_util.h"

#include <stdbool.h>

#define HRC_NONE  UINT32_MAX
#define HRC_NEVER UINT32_MAX

/* ---- LRU: stack distances ------------------------------------------------ */

size_t policy_hrc_lru_work_size(size_t n, uint32_t nr_pages)
{
	return MM_ALIGN_UP((n + 1 + (size_t)nr_pages) * sizeof(uint32_t), 8);
}

/* Adds v at position p (0-based) of the Fenwick tree tree[1..n]. */
static void fenwick_add(uint32_t *tree, size_t n, size_t p, int32_t v)
{
	for (size_t i = p + 1; i <= n; i += i & -i)
		tree[i] += (uint32_t)v;
}

/* The sum of positions 0..p. */
static uint32_t fenwick_sum(const uint32_t *tree, size_t p)
{
	uint32_t s = 0;
	for (size_t i = p + 1; i; i -= i & -i)
		s += tree[i];
	return s;
}

static bool refs_valid(const uint32_t *refs, size_t n, uint32_t nr_pages)
{
	if (n >= UINT32_MAX || (n && !refs))
		return false;
	for (size_t i = 0; i < n; i++)
		if (refs[i] >= nr_pages)
			return false;
	return true;
}

/* hits[c] = hits at depths below c: the sums of depth[0..c). */
static void depths_to_hits(uint64_t *hits, uint32_t max_frames)
{
	uint64_t sum = 0;
	for (uint32_t c = 0; c <= max_frames; c++) {
		uint64_t at = hits[c];
		hits[c] = sum;
		sum += at;
	}
}

int policy_hrc_lru(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t max_frames,
		   void *work, size_t work_size, uint64_t *hits)
{
	if (!hits || !work || ((uintptr_t)work & 7) || !refs_valid(refs, n, nr_pages) ||
	    work_size < policy_hrc_lru_work_size(n, nr_pages))
		return -MM_EINVAL;
	uint32_t *tree = work, *last = tree + n + 1, distinct = 0;
	for (size_t i = 0; i <= n; i++)
		tree[i] = 0;
	for (uint32_t pg = 0; pg < nr_pages; pg++)
		last[pg] = HRC_NONE;
	for (uint32_t c = 0; c <= max_frames; c++)
		hits[c] = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t pg = refs[i], p = last[pg];
		if (p != HRC_NONE) {
			uint32_t depth = distinct - fenwick_sum(tree, p); /* pages since p */
			if (depth < max_frames)
				hits[depth]++;
			fenwick_add(tree, n, p, -1);
		} else {
			distinct++;
		}
		fenwick_add(tree, n, i, 1);
		last[pg] = (uint32_t)i;
	}
	depths_to_hits(hits, max_frames);
	return 0;
}

/* ---- OPT: the stack ordered by next use ------------------------------------ */

struct hrc_entry {
	uint32_t next;   /* index of the page's next reference, HRC_NEVER if none */
	uint32_t page;
};

size_t policy_hrc_opt_work_size(size_t n, uint32_t nr_pages, uint32_t max_frames)
{
	return MM_ALIGN_UP((n + (size_t)nr_pages) * sizeof(uint32_t), 8) +
	       (size_t)max_frames * sizeof(struct hrc_entry);
}

/* next[i]: the index of the next reference to refs[i]'s page; seen: scratch. */
static void next_uses(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t *next,
		      uint32_t *seen)
{
	for (uint32_t pg = 0; pg < nr_pages; pg++)
		seen[pg] = HRC_NEVER;
	for (size_t i = n; i-- > 0;) {
		next[i] = seen[refs[i]];
		seen[refs[i]] = (uint32_t)i;
	}
}

/* Does a stay above b in the OPT stack: used sooner, or the lower page on a tie? */
static bool opt_before(struct hrc_entry a, struct hrc_entry b)
{
	return a.next != b.next ? a.next < b.next : a.page < b.page;
}

/*
 * Moves e's page to the top of stack[0..*depth), at most max entries;
 * returns the depth it was found at (*depth if absent).
 */
static uint32_t opt_stack_ref(struct hrc_entry *stack, uint32_t *depth, uint32_t max,
			      struct hrc_entry e)
{
	struct hrc_entry carry = e;
	for (uint32_t j = 0; j < *depth; j++) {
		struct hrc_entry here = stack[j];
		if (here.page == e.page) {
			stack[j] = carry;
			return j;
		}
		if (j == 0 || opt_before(carry, here)) {
			stack[j] = carry;
			carry = here;
		}
	}
	if (*depth < max)
		stack[(*depth)++] = carry;
	return *depth;
}

int policy_hrc_opt(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t max_frames,
		   void *work, size_t work_size, uint64_t *hits)
{
	if (!hits || !work || ((uintptr_t)work & 7) || !refs_valid(refs, n, nr_pages) ||
	    work_size < policy_hrc_opt_work_size(n, nr_pages, max_frames))
		return -MM_EINVAL;
	uint32_t *next = work, *seen = next + n, depth = 0;
	struct hrc_entry *stack = (struct hrc_entry *)(void *)((char *)work +
		MM_ALIGN_UP((n + (size_t)nr_pages) * sizeof(uint32_t), 8));
	next_uses(refs, n, nr_pages, next, seen);
	for (uint32_t c = 0; c <= max_frames; c++)
		hits[c] = 0;
	for (size_t i = 0; i < n; i++) {
		struct hrc_entry e = { .next = next[i], .page = refs[i] };
		uint32_t before = depth, d = opt_stack_ref(stack, &depth, max_frames, e);
		if (d < before)
			hits[d]++;
	}
	depths_to_hits(hits, max_frames);
	return 0;
}
