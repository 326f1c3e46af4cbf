/*
 * policy.h: page-replacement policies behind one interface: fifo, clock
 * (second chance), lru (Linux-style active/inactive lists aged on accessed
 * bits), lru-exact (textbook LRU; needs every access reported, so only the
 * simulator can drive it), lfu (counts with periodic halving) and random
 * (seeded, deterministic). mm.policy= picks one with policy_by_name().
 *
 * The caller owns the frames: it embeds a struct policy_frame in whatever
 * describes a frame (struct page, a simulator slot) and finds its own
 * struct again with container_of. The policy never allocates; random takes
 * an optional caller-provided slot table for O(1) picks.
 *
 * Life of a frame (it starts zeroed: owner NULL):
 *   policy_insert(p, f)      f became resident and evictable
 *   policy_insert_hot(p, f)  the same, for a frame known to be in use
 *   policy_access(p, f)      an access the caller saw in software (a fault
 *                            path, a harvested PTE accessed bit)
 *   policy_tick(p)           periodic aging (a timer, every N references)
 *   policy_victim(p)         the policy picks, unlinks and returns a frame;
 *                            the caller evicts it or inserts it again
 *   policy_remove(p, f)      f goes away for another reason (munmap, exit)
 *
 * Accessed bits: cfg.young(f, ctx), when set, tests and clears the
 * hardware accessed bit of every PTE mapping f (the rmap walk). The policy
 * calls it while scanning in policy_victim and policy_tick; without it the
 * policy sees only policy_access.
 *
 * Invariant: a tracked frame is on exactly one of its owner's lists, f->list
 * names that list, p->nr[] counts each list and p->nr_frames their sum.
 * An untracked frame has owner NULL. policy_check() verifies all of it.
 *
 * Locking: none inside. The caller serialises every call on one policy
 * (the guest: the zone's LRU lock); cfg.young runs under that lock and must
 * neither sleep nor call back into the policy.
 */
#ifndef MM_POLICY_H
#define MM_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mm_util.h"

#define POLICY_MAX_LISTS 16      /* lfu: one list per count 0..15 */
#define POLICY_LFU_MAX   (POLICY_MAX_LISTS - 1)
#define POLICY_LFU_DECAY_DEFAULT 8  /* ticks between halvings */
#define POLICY_LRU_INACTIVE 0
#define POLICY_LRU_ACTIVE   1

struct policy;

/* Per-frame state the caller embeds; owned by the policy while tracked. */
struct policy_frame {
	struct list_head link;  /* on one list of owner */
	struct policy *owner;   /* NULL while untracked */
	uint32_t slot;          /* random: index in cfg.slots */
	uint8_t list;           /* index in owner->lists; lfu: the count */
	uint8_t referenced;     /* software reference bit (clock, lru) */
	uint16_t pad;
};

/* Tests and clears f's hardware accessed bit(s); true if any was set. */
typedef bool (*policy_young_fn)(struct policy_frame *f, void *ctx);

struct policy_config {
	policy_young_fn young;        /* NULL: no hardware accessed bits */
	void *ctx;                    /* passed to young */
	uint64_t seed;                /* random: PRNG seed */
	uint32_t lfu_decay_ticks;     /* lfu: halve every N ticks; 0: default */
	struct policy_frame **slots;  /* random: optional table, nr_slots long */
	size_t nr_slots;
};

#define POLICY_OPS_EXACT (1u << 0) /* needs policy_access on every access */

/* One policy. Each hook gets a valid, correctly-tracked frame. */
struct policy_ops {
	const char *name;
	const char *summary;
	unsigned flags;               /* POLICY_OPS_* */
	unsigned nr_lists;            /* lists it uses, <= POLICY_MAX_LISTS */
	/* Returns 0, or -MM_ENOSPC when the policy cannot track another frame. */
	int (*insert)(struct policy *p, struct policy_frame *f);
	void (*access)(struct policy *p, struct policy_frame *f);
	void (*remove)(struct policy *p, struct policy_frame *f);
	/* Picks a tracked frame (still tracked); NULL only when none is. */
	struct policy_frame *(*victim)(struct policy *p);
	void (*tick)(struct policy *p);
};

/* Event counters, in the spirit of /proc/vmstat. */
struct policy_stats {
	uint64_t inserted, removed, evicted;
	uint64_t accesses;     /* policy_access calls */
	uint64_t scanned;      /* frames examined by victim and tick */
	uint64_t young;        /* scans that found an accessed bit set */
	uint64_t activated, deactivated, rotated;
	uint64_t ticks;
};

struct policy {
	const struct policy_ops *ops;
	struct policy_config cfg;
	struct list_head lists[POLICY_MAX_LISTS];
	uint64_t nr[POLICY_MAX_LISTS];
	uint64_t nr_frames;
	uint64_t rng;           /* random: PRNG state */
	struct policy_stats stats;
};

/* The policies, NULL-terminated, in the order tables print them. */
extern const struct policy_ops *const policy_all[];

/*
 * The policy called name ("fifo", "clock", ...); NULL if there is none.
 * A kernel should refuse POLICY_OPS_EXACT ones (lru-exact): it cannot
 * report every access, so they would degrade to fifo.
 */
const struct policy_ops *policy_by_name(const char *name);

/*
 * Sets p up empty. cfg may be NULL (all defaults). Returns 0, or -MM_EINVAL
 * for a NULL ops or a slot table with no room.
 */
int policy_init(struct policy *p, const struct policy_ops *ops,
		const struct policy_config *cfg);

/* Starts tracking f. Returns 0, -MM_EEXIST (f tracked already) or -MM_ENOSPC. */
int policy_insert(struct policy *p, struct policy_frame *f);

/*
 * Starts tracking f as a frame just used twice: a page faulted back soon
 * after its eviction (a workingset refault). lru puts it on the active
 * list, lfu starts it at a higher count, clock sets its reference bit;
 * fifo and random track it as a plain insert. Same returns as policy_insert.
 */
int policy_insert_hot(struct policy *p, struct policy_frame *f);

/* Reports an access to f. Returns 0 or -MM_ENOENT (f not tracked by p). */
int policy_access(struct policy *p, struct policy_frame *f);

/* Stops tracking f. Returns 0 or -MM_ENOENT (f not tracked by p). */
int policy_remove(struct policy *p, struct policy_frame *f);

/* Picks a frame to evict and untracks it; NULL when p tracks none. */
struct policy_frame *policy_victim(struct policy *p);

/* One aging period: harvests accessed bits where the policy uses them. */
void policy_tick(struct policy *p);

/* Verifies the invariant above. Returns 0 or -MM_EINVAL at the first breach. */
int policy_check(const struct policy *p);

static inline bool policy_tracks(const struct policy *p, const struct policy_frame *f)
{
	return f->owner == p;
}

/* Deterministic PRNG (splitmix64): the next value of *state. */
uint64_t policy_prng(uint64_t *state);

#endif
