/*
 * opt.c: Belady's OPT of opt.h.
 *
 * Invariant of the forward pass: heap[0..size) holds exactly the resident
 * pages, each keyed by the index of its next reference (OPT_NEVER if none),
 * every parent's key >= its children's; pos[pg] is pg's heap index or
 * OPT_NONE. Keys of resident pages are distinct except OPT_NEVER, and any
 * farthest choice is optimal, so ties need no rule.
 * State lives in the caller's work memory; callers serialise per work.
 */
#include "opt.h"
#include "mm_port.h"

#define OPT_NEVER UINT32_MAX
#define OPT_NONE  UINT32_MAX

struct opt_entry {
	uint32_t key;   /* index of the next reference */
	uint32_t page;
};

struct opt_heap {
	struct opt_entry *e;
	uint32_t *pos;
	uint32_t size;
};

size_t opt_work_size(size_t n, uint32_t nr_pages, uint32_t nr_frames)
{
	size_t words = n + nr_pages + ((n + nr_pages) & 1); /* keep entries 8-aligned */
	return words * sizeof(uint32_t) + (size_t)nr_frames * sizeof(struct opt_entry);
}

static void heap_set(struct opt_heap *h, uint32_t i, struct opt_entry e)
{
	h->e[i] = e;
	h->pos[e.page] = i;
}

static void sift_up(struct opt_heap *h, uint32_t i)
{
	struct opt_entry e = h->e[i];
	while (i && h->e[(i - 1) / 2].key < e.key) {
		heap_set(h, i, h->e[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, e);
}

static void sift_down(struct opt_heap *h, uint32_t i)
{
	struct opt_entry e = h->e[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->size)
			break;
		if (c + 1 < h->size && h->e[c + 1].key > h->e[c].key)
			c++;
		if (h->e[c].key <= e.key)
			break;
		heap_set(h, i, h->e[c]);
		i = c;
	}
	heap_set(h, i, e);
}

/* next[i] = index of the next reference to refs[i]; uses pos as scratch. */
static int fill_next(const uint32_t *refs, uint32_t n, uint32_t nr_pages,
		     uint32_t *next, uint32_t *pos)
{
	for (uint32_t p = 0; p < nr_pages; p++)
		pos[p] = OPT_NEVER;
	for (uint32_t i = n; i--;) {
		if (refs[i] >= nr_pages)
			return -MM_EINVAL;
		next[i] = pos[refs[i]];
		pos[refs[i]] = i;
	}
	for (uint32_t p = 0; p < nr_pages; p++)
		pos[p] = OPT_NONE;
	return 0;
}

/* One reference; returns true on a fault. */
static bool opt_reference(struct opt_heap *h, uint32_t nr_frames, uint32_t page, uint32_t next)
{
	struct opt_entry e = { next, page };
	uint32_t i = h->pos[page];
	if (i != OPT_NONE) {
		heap_set(h, i, e); /* its key was this index; next is later */
		sift_up(h, i);
		return false;
	}
	if (h->size < nr_frames) {
		heap_set(h, h->size++, e);
		sift_up(h, h->size - 1);
		return true;
	}
	h->pos[h->e[0].page] = OPT_NONE;
	heap_set(h, 0, e);
	sift_down(h, 0);
	return true;
}

int opt_faults(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t nr_frames,
	       void *work, size_t work_size, uint64_t *faults)
{
	if (!nr_frames || n >= OPT_NEVER || !faults || !work || ((uintptr_t)work & 7) ||
	    work_size < opt_work_size(n, nr_pages, nr_frames))
		return -MM_EINVAL;
	uint32_t *next = work, *pos = next + n;
	size_t words = n + nr_pages + ((n + nr_pages) & 1);
	struct opt_heap h = { (struct opt_entry *)(void *)(next + words), pos, 0 };
	if (fill_next(refs, (uint32_t)n, nr_pages, next, pos))
		return -MM_EINVAL;
	*faults = 0;
	for (uint32_t i = 0; i < n; i++)
		*faults += opt_reference(&h, nr_frames, refs[i], next[i]);
	return 0;
}
