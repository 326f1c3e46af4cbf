/*
 * libmvalloc.c: the mvalloc allocator (mvalloc.h).
 *
 * Heap blocks: a 16-byte header (size including the header, and whether
 * the block is in use) followed by the payload. Free blocks are on one
 * list in address order, so freeing merges a block with the free
 * neighbours that touch it, and no two free blocks are ever adjacent.
 * The heap grows with brk in 64 KiB steps and is never shrunk (except by
 * mv_init). Large blocks are mmap'd, with the same header marking them.
 */
#include "mvalloc.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HDR 16
#define MIN_BLOCK 32
#define GROW (64 * 1024)
#define MMAPPED ((size_t)1 << 62)

struct block {
	size_t size;            /* bytes with header; MMAPPED for mmap blocks */
	size_t used;
	struct block *next, *prev;  /* free list (free blocks only) */
};

static struct block *free_head, *rover;
static char *heap_start, *heap_end;
static enum mv_fit strategy;
static size_t mmapped;

static char *brk_to(char *addr)
{
	return (char *)syscall(SYS_brk, addr);
}

const char *mv_fit_name(enum mv_fit fit)
{
	static const char *const names[] = { "first", "next", "best", "worst" };
	return names[fit];
}

void mv_init(enum mv_fit fit)
{
	if (!heap_start)
		heap_start = brk_to(0);
	heap_end = brk_to(heap_start);
	free_head = rover = NULL;
	strategy = fit;
}

static void list_remove(struct block *b)
{
	if (rover == b)
		rover = b->next;
	if (b->prev)
		b->prev->next = b->next;
	else
		free_head = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Inserts b in address order and merges it with touching neighbours. */
static void list_insert(struct block *b)
{
	struct block *prev = NULL, *next = free_head;

	while (next && next < b) {
		prev = next;
		next = next->next;
	}
	b->used = 0;
	b->prev = prev;
	b->next = next;
	if (prev)
		prev->next = b;
	else
		free_head = b;
	if (next)
		next->prev = b;
	if (next && (char *)b + b->size == (char *)next) {
		b->size += next->size;
		list_remove(next);
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		list_remove(b);
	}
}

static int better(const struct block *cand, const struct block *best)
{
	if (!best)
		return 1;
	return strategy == MV_BEST_FIT ? cand->size < best->size : cand->size > best->size;
}

/* The free block the strategy picks for need bytes, or NULL. */
static struct block *find(size_t need)
{
	struct block *best = NULL;

	if (strategy == MV_NEXT_FIT) {
		struct block *start = rover ? rover : free_head;
		for (struct block *b = start; b; b = b->next)
			if (b->size >= need)
				return b;
		for (struct block *b = free_head; b && b != start; b = b->next)
			if (b->size >= need)
				return b;
		return NULL;
	}
	for (struct block *b = free_head; b; b = b->next) {
		if (b->size < need)
			continue;
		if (strategy == MV_FIRST_FIT)
			return b;
		if (better(b, best))
			best = b;
	}
	return best;
}

static int grow(size_t need)
{
	size_t step = (need + GROW - 1) / GROW * GROW;
	char *old = heap_end;

	if (brk_to(old + step) != old + step)
		return -1;
	heap_end = old + step;
	struct block *b = (struct block *)old;
	b->size = step;
	list_insert(b);
	return 0;
}

static void *map_large(size_t n)
{
	size_t len = (n + HDR + 4095) & ~(size_t)4095;
	struct block *b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return NULL;
	b->size = len | MMAPPED;
	b->used = 1;
	mmapped += len;
	return (char *)b + HDR;
}

void *mv_malloc(size_t n)
{
	size_t need = (n + HDR + 15) & ~(size_t)15;
	struct block *b;

	if (n >= MV_MMAP_THRESHOLD)
		return map_large(n);
	if (need < MIN_BLOCK)
		need = MIN_BLOCK;
	while (!(b = find(need)))
		if (grow(need))
			return NULL;
	rover = b->next;
	list_remove(b);
	if (b->size - need >= MIN_BLOCK) {
		struct block *rest = (struct block *)((char *)b + need);
		rest->size = b->size - need;
		b->size = need;
		list_insert(rest);
		if (strategy == MV_NEXT_FIT)
			rover = rest;
	}
	b->used = 1;
	return (char *)b + HDR;
}

void mv_free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)((char *)p - HDR);
	if (b->size & MMAPPED) {
		size_t len = b->size & ~MMAPPED;
		mmapped -= len;
		munmap(b, len);
		return;
	}
	list_insert(b);
}

void mv_get_stats(struct mv_stats *s)
{
	s->heap_bytes = (size_t)(heap_end - heap_start);
	s->free_bytes = s->largest_free = 0;
	s->mmap_bytes = mmapped;
	for (struct block *b = free_head; b; b = b->next) {
		s->free_bytes += b->size;
		if (b->size > s->largest_free)
			s->largest_free = b->size;
	}
}
