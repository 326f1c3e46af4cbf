/*
 * policy_ghost.c: the ghost table of policy.h's policies with history: the
 * keys of evicted pages, in caller memory (the policy never allocates), on
 * up to POLICY_GHOST_LISTS lists in age order, found by key in O(1).
 *
 * Layout of the caller's memory: cap entries, then mask + 1 bucket heads
 * (a power of two >= cap). Invariant: every used entry is on exactly one
 * list, e->list names it, nr[] counts each list and used their sum; every
 * used entry is on the hash chain of its key's bucket, and no key is used
 * twice; free entries are chained through next. policy_ghost_check()
 * verifies it. Callers serialise as for policy.h.
 */
#include "policy_internal.h"

#define GHOST_NONE POLICY_GHOST_NONE

static uint32_t buckets_for(uint32_t nr_ghosts)
{
	uint32_t nb = 1;
	while (nb < nr_ghosts)
		nb *= 2;
	return nb;
}

size_t policy_ghost_bytes(uint32_t nr_ghosts)
{
	if (!nr_ghosts)
		return 0;
	return (size_t)nr_ghosts * sizeof(struct policy_ghost) +
	       (size_t)buckets_for(nr_ghosts) * sizeof(uint32_t);
}

static uint32_t bucket_of(const struct policy_ghosts *g, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & g->mask;
}

int policy_ghost_init(struct policy_ghosts *g, void *mem, uint32_t nr_ghosts)
{
	*g = (struct policy_ghosts){ .free = GHOST_NONE };
	for (unsigned l = 0; l < POLICY_GHOST_LISTS; l++)
		g->head[l] = GHOST_NONE;
	if (!nr_ghosts)
		return 0;
	if (!mem || ((uintptr_t)mem & 7))
		return -MM_EINVAL;
	g->e = mem;
	g->buckets = (uint32_t *)(void *)(g->e + nr_ghosts);
	g->cap = nr_ghosts;
	g->mask = buckets_for(nr_ghosts) - 1;
	for (uint32_t b = 0; b <= g->mask; b++)
		g->buckets[b] = GHOST_NONE;
	for (uint32_t i = nr_ghosts; i-- > 0;) {
		g->e[i] = (struct policy_ghost){ .next = g->free };
		g->free = i;
	}
	return 0;
}

uint32_t policy_ghost_find(const struct policy_ghosts *g, uint64_t key)
{
	if (!g->cap)
		return GHOST_NONE;
	uint32_t i = g->buckets[bucket_of(g, key)];
	while (i != GHOST_NONE && g->e[i].key != key)
		i = g->e[i].hnext;
	return i;
}

/* Links entry i as the newest of its list. */
static void list_link(struct policy_ghosts *g, uint32_t i)
{
	struct policy_ghost *e = &g->e[i];
	uint32_t h = g->head[e->list];
	if (h == GHOST_NONE) {
		e->prev = e->next = i;
	} else {
		e->next = h;
		e->prev = g->e[h].prev;
		g->e[e->prev].next = i;
		g->e[h].prev = i;
	}
	g->head[e->list] = i;
	g->nr[e->list]++;
}

static void list_unlink(struct policy_ghosts *g, uint32_t i)
{
	struct policy_ghost *e = &g->e[i];
	MM_BUG_ON(g->nr[e->list] == 0);
	if (e->next == i) {
		g->head[e->list] = GHOST_NONE;
	} else {
		g->e[e->prev].next = e->next;
		g->e[e->next].prev = e->prev;
		if (g->head[e->list] == i)
			g->head[e->list] = e->next;
	}
	g->nr[e->list]--;
}

uint32_t policy_ghost_add(struct policy_ghosts *g, unsigned list, uint64_t key)
{
	MM_BUG_ON(list >= POLICY_GHOST_LISTS);
	policy_ghost_forget(g, key);   /* a key evicted twice: the newer wins */
	uint32_t i = g->free;
	if (i == GHOST_NONE)
		return GHOST_NONE;
	struct policy_ghost *e = &g->e[i];
	uint32_t b = bucket_of(g, key);
	g->free = e->next;
	*e = (struct policy_ghost){ .key = key, .list = (uint8_t)list, .hnext = g->buckets[b] };
	g->buckets[b] = i;
	list_link(g, i);
	g->used++;
	return i;
}

void policy_ghost_del(struct policy_ghosts *g, uint32_t i)
{
	uint32_t *pp = &g->buckets[bucket_of(g, g->e[i].key)];
	while (*pp != i) {
		MM_BUG_ON(*pp == GHOST_NONE);
		pp = &g->e[*pp].hnext;
	}
	*pp = g->e[i].hnext;
	list_unlink(g, i);
	g->e[i].next = g->free;
	g->free = i;
	g->used--;
}

uint32_t policy_ghost_oldest(const struct policy_ghosts *g, unsigned list)
{
	uint32_t h = g->head[list];
	return h == GHOST_NONE ? GHOST_NONE : g->e[h].prev;
}

int policy_ghost_forget(struct policy_ghosts *g, uint64_t key)
{
	uint32_t i = policy_ghost_find(g, key);
	if (i == GHOST_NONE)
		return -1;
	int list = g->e[i].list;
	policy_ghost_del(g, i);
	return list;
}

/* Walks list l from its head; counts entries into *seen. */
static int check_ghost_list(const struct policy_ghosts *g, unsigned l, uint32_t *seen)
{
	uint32_t n = 0, i = g->head[l];
	if (i == GHOST_NONE)
		return g->nr[l] ? -MM_EINVAL : 0;
	do {
		const struct policy_ghost *e = &g->e[i];
		if (i >= g->cap || e->list != l || g->e[e->next].prev != i || n++ > g->cap ||
		    policy_ghost_find(g, e->key) != i)
			return -MM_EINVAL;
		i = e->next;
	} while (i != g->head[l]);
	*seen += n;
	return n == g->nr[l] ? 0 : -MM_EINVAL;
}

int policy_ghost_check(const struct policy_ghosts *g)
{
	uint32_t seen = 0, nr_free = 0;
	for (unsigned l = 0; l < POLICY_GHOST_LISTS; l++)
		if (check_ghost_list(g, l, &seen))
			return -MM_EINVAL;
	for (uint32_t i = g->free; i != GHOST_NONE && nr_free <= g->cap; i = g->e[i].next)
		nr_free++;
	return seen == g->used && nr_free + g->used == g->cap ? 0 : -MM_EINVAL;
}

bool policy_remembers(const struct policy *p, uint64_t key)
{
	return policy_ghost_find(&p->ghosts, key) != GHOST_NONE;
}
