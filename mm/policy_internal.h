/*
 * policy_internal.h: what only mm/'s policy files share: the list helpers
 * that alone change a frame's membership (so the invariant of policy.h is
 * kept in one place), the accessed-bit helpers, lfu's count lists (lfu and
 * lfu-hist) and the ghost table (policy_ghost.c) of the policies with
 * history. Callers serialise as for policy.h.
 */
#ifndef MM_POLICY_INTERNAL_H
#define MM_POLICY_INTERNAL_H

#include "policy.h"
#include "mm_port.h"

/* ---- list helpers: the only code that changes membership ---------------- */

static inline void policy_track_at(struct policy *p, struct policy_frame *f, unsigned list,
				   bool newest)
{
	MM_BUG_ON(list >= p->ops->nr_lists);
	f->owner = p;
	f->list = (uint8_t)list;
	if (newest)
		list_add(&f->link, &p->lists[list]);
	else
		list_add_tail(&f->link, &p->lists[list]);
	p->nr[list]++;
	p->nr_frames++;
	p->peak = MM_MAX(p->peak, p->nr_frames);
}

/* Tracks f at the head (newest end) of list. */
static inline void policy_track(struct policy *p, struct policy_frame *f, unsigned list)
{
	policy_track_at(p, f, list, true);
}

static inline void policy_untrack(struct policy *p, struct policy_frame *f)
{
	MM_BUG_ON(p->nr[f->list] == 0);
	list_del(&f->link);
	p->nr[f->list]--;
	p->nr_frames--;
	f->owner = NULL;
}

/* Moves f to the head (newest end) of list. */
static inline void policy_move(struct policy *p, struct policy_frame *f, unsigned list)
{
	policy_untrack(p, f);
	policy_track(p, f, list);
}

/* The oldest frame of list; NULL when it is empty. */
static inline struct policy_frame *policy_tail(struct policy *p, unsigned list)
{
	if (list_empty(&p->lists[list]))
		return NULL;
	return list_entry(p->lists[list].prev, struct policy_frame, link);
}

/* ---- shared hooks ---------------------------------------------------------- */

/* access: sets the software reference bit (clock, arc, clockpro). */
static inline void policy_access_referenced(struct policy *p, struct policy_frame *f)
{
	(void)p;
	f->referenced = 1;
}

/* tick: none (the policies that age only when picking a victim). */
static inline void policy_tick_none(struct policy *p)
{
	(void)p;
}

/* ---- accessed bits --------------------------------------------------------- */

/*
 * Tests and clears f's hardware accessed bit; false without a young hook,
 * and for the first bit after a fault the caller reports late (see
 * cfg.fault_access_after_insert).
 */
static inline bool policy_hw_young(struct policy *p, struct policy_frame *f)
{
	p->stats.scanned++;
	if (!p->cfg.young || !p->cfg.young(f, p->cfg.ctx))
		return false;
	if (f->flags & POLICY_FRAME_FAULT_PENDING) {
		f->flags &= (uint8_t)~POLICY_FRAME_FAULT_PENDING;
		return false;
	}
	p->stats.young++;
	return true;
}

/* Software bit or hardware bit, both cleared: "used since last look". */
static inline bool policy_test_clear_referenced(struct policy *p, struct policy_frame *f)
{
	bool hw = policy_hw_young(p, f);
	bool sw = f->referenced;
	f->referenced = 0;
	return hw || sw;
}

/*
 * Clears the accessed bit the fault that brought f in has set, and with
 * cfg.fault_access_after_insert marks the next one as that fault's too:
 * the policies with history count re-references, not the first access.
 * Resets f->flags.
 */
static inline void policy_forget_fault_access(struct policy *p, struct policy_frame *f)
{
	if (p->cfg.young)
		p->cfg.young(f, p->cfg.ctx);
	f->referenced = 0;
	f->flags = p->cfg.fault_access_after_insert ? POLICY_FRAME_FAULT_PENDING : 0;
}

/* ---- lfu's count lists (policy.c), shared with lfu-hist ------------------ */

/* Raises f's count by one (at most POLICY_LFU_MAX), to the newest end. */
void policy_lfu_bump(struct policy *p, struct policy_frame *f);
/* The oldest frame of the lowest count; NULL when none is tracked. */
struct policy_frame *policy_lfu_lowest(struct policy *p);
/* The oldest of the lowest count, bumped instead while its bit is set. */
struct policy_frame *policy_lfu_victim(struct policy *p);
/* Harvests accessed bits into counts; halves them every lfu_decay_ticks. */
void policy_lfu_tick(struct policy *p);

/* ---- the ghost table (policy_ghost.c) ------------------------------------- */

/* Carves the table out of cfg's ghost memory; -MM_EINVAL if it cannot. */
int policy_ghost_init(struct policy_ghosts *g, void *mem, uint32_t nr_ghosts);
/* The entry remembering key, or POLICY_GHOST_NONE. */
uint32_t policy_ghost_find(const struct policy_ghosts *g, uint64_t key);
/*
 * Remembers key as the newest of list, forgetting an older entry of the
 * same key (two frames with one key: a caller's hash collided). Returns the
 * entry, or POLICY_GHOST_NONE when the table is full or has no room at all.
 */
uint32_t policy_ghost_add(struct policy_ghosts *g, unsigned list, uint64_t key);
/* Forgets entry i. */
void policy_ghost_del(struct policy_ghosts *g, uint32_t i);
/* The oldest entry of list, or POLICY_GHOST_NONE when it is empty. */
uint32_t policy_ghost_oldest(const struct policy_ghosts *g, unsigned list);
/* Forgets key if remembered; returns the list it was on, or -1. */
int policy_ghost_forget(struct policy_ghosts *g, uint64_t key);
/* Verifies the table: lists, chains, counts. 0 or -MM_EINVAL. */
int policy_ghost_check(const struct policy_ghosts *g);

static inline bool policy_ghost_full(const struct policy_ghosts *g)
{
	return g->used == g->cap;
}

#endif
