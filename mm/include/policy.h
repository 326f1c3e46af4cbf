/*
 * policy.h: page-replacement policies behind one interface: fifo, clock
 * (second chance), lru (Linux-style active/inactive lists aged on accessed
 * bits), lru-exact (textbook LRU; needs every access reported, so only the
 * simulator can drive it), lfu (counts with periodic halving), random
 * (seeded, deterministic), and the policies with history, each in its own
 * file: arc (policy_arc.c), s3fifo (policy_s3fifo.c), clockpro
 * (policy_clockpro.c) and lfu-hist (policy_lfu_hist.c). mm.policy= picks
 * one with policy_by_name().
 *
 * The caller owns the frames: it embeds a struct policy_frame in whatever
 * describes a frame (struct page, a simulator slot) and finds its own
 * struct again with container_of. The policy never allocates; random takes
 * an optional caller-provided slot table for O(1) picks.
 *
 * History (ghosts): arc, s3fifo, clockpro and lfu-hist remember pages they
 * evicted, so they need the identity of a page that is no longer resident.
 * The caller sets f->key before policy_insert to a 64-bit name of the page
 * that survives eviction (the simulator: page + 1; the guest: a hash of
 * (address space, address) of an anonymous page, of (inode, index) of a
 * cached one), or POLICY_KEY_NONE when it has none: such frames get no
 * history. Keys should be unique among tracked frames and ghosts
 * (policy_check says so); a collision costs history, never a crash. The
 * evicted keys live in a caller-provided table (cfg.ghost_mem,
 * policy_ghost_bytes(cfg.nr_ghosts) bytes); without it these policies run
 * without history. They count re-references: insert clears the accessed
 * bit the fault set, through cfg.young, and with
 * cfg.fault_access_after_insert the first accessed bit seen later too.
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
 * An untracked frame has owner NULL. Every ghost entry is on exactly one
 * ghost list and found by its key; no tracked frame's key is a ghost.
 * policy_check() verifies all of it, and each policy's own invariants.
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
#define POLICY_LFU_DECAY_DEFAULT 8  /* ticks between halvings: lfu */
#define POLICY_LFU_HIST_DECAY_DEFAULT 32 /* lfu-hist: its history spans longer */
#define POLICY_LRU_INACTIVE 0
#define POLICY_LRU_ACTIVE   1
#define POLICY_KEY_NONE     0   /* f->key of a frame without history */
#define POLICY_GHOST_LISTS  2   /* ghost lists per policy (arc: B1, B2) */
#define POLICY_GHOST_NONE   UINT32_MAX
#define POLICY_CLOCKPRO_TEST 1u /* f->flags: a cold page in its test period */
#define POLICY_FRAME_FAULT_PENDING 0x80u /* f->flags: the fault's access not seen yet */

struct policy;

/* Per-frame state the caller embeds; owned by the policy while tracked. */
struct policy_frame {
	struct list_head link;  /* on one list of owner */
	struct policy *owner;   /* NULL while untracked */
	uint64_t key;           /* set by the caller before insert; see History */
	uint32_t slot;          /* random: index in cfg.slots */
	uint8_t list;           /* index in owner->lists; lfu: the count */
	uint8_t referenced;     /* software reference bit (clock, lru) */
	uint8_t freq;           /* s3fifo: 0..3 */
	uint8_t flags;          /* POLICY_FRAME_FAULT_PENDING, POLICY_CLOCKPRO_TEST */
};

/*
 * A remembered evicted page, in the caller's ghost memory. Free entries
 * are chained through next; used ones sit on one circular list (prev,
 * next; head[list] is the newest) and on one hash chain (hnext).
 */
struct policy_ghost {
	uint64_t key;
	uint32_t prev, next, hnext;
	uint8_t list;           /* which ghost list */
	uint8_t value;          /* lfu-hist: the count at eviction */
	uint16_t stamp;         /* lfu-hist: halvings done at eviction, mod 2^16 */
};

/* The ghost table: caller memory, carved by policy_init. */
struct policy_ghosts {
	struct policy_ghost *e; /* cap entries */
	uint32_t *buckets;      /* mask + 1 hash chain heads */
	uint32_t cap, mask, used, free;
	uint32_t head[POLICY_GHOST_LISTS], nr[POLICY_GHOST_LISTS];
};

/* Tests and clears f's hardware accessed bit(s); true if any was set. */
typedef bool (*policy_young_fn)(struct policy_frame *f, void *ctx);

struct policy_config {
	policy_young_fn young;        /* NULL: no hardware accessed bits */
	void *ctx;                    /* passed to young */
	uint64_t seed;                /* random: PRNG seed */
	uint32_t lfu_decay_ticks;     /* lfu, lfu-hist: halve every N ticks; 0: default */
	struct policy_frame **slots;  /* random: optional table, nr_slots long */
	size_t nr_slots;
	void *ghost_mem;              /* history: policy_ghost_bytes(nr_ghosts) */
	uint32_t nr_ghosts;           /* evicted pages remembered at most */
	/*
	 * History: the access that faulted a page in completes after
	 * policy_insert (a kernel: the instruction is retried once the fault
	 * returns), so the first accessed bit seen after insert is that
	 * access, not a re-reference. The simulator sets the bit first.
	 */
	bool fault_access_after_insert;
};

#define POLICY_OPS_EXACT (1u << 0) /* needs policy_access on every access */
#define POLICY_OPS_HISTORY (1u << 1) /* uses f->key and ghost memory */

/* One policy. Each hook gets a valid, correctly-tracked frame. */
struct policy_ops {
	const char *name;
	const char *summary;
	unsigned flags;               /* POLICY_OPS_* */
	unsigned nr_lists;            /* lists it uses, <= POLICY_MAX_LISTS */
	uint32_t decay_ticks;         /* lfu, lfu-hist: default ticks between halvings */
	/* Returns 0, or -MM_ENOSPC when the policy cannot track another frame. */
	int (*insert)(struct policy *p, struct policy_frame *f);
	void (*access)(struct policy *p, struct policy_frame *f);
	void (*remove)(struct policy *p, struct policy_frame *f);
	/* Picks a tracked frame (still tracked); NULL only when none is. */
	struct policy_frame *(*victim)(struct policy *p);
	void (*tick)(struct policy *p);
	/* Optional: the policy's own invariants; 0 or -MM_EINVAL. */
	int (*check)(const struct policy *p);
};

/* Event counters, in the spirit of /proc/vmstat. */
struct policy_stats {
	uint64_t inserted, removed, evicted;
	uint64_t accesses;     /* policy_access calls */
	uint64_t scanned;      /* frames examined by victim and tick */
	uint64_t young;        /* scans that found an accessed bit set */
	uint64_t activated, deactivated, rotated;
	uint64_t ticks;
	uint64_t ghost_hits;   /* inserts of a page its history remembered */
};

struct policy {
	const struct policy_ops *ops;
	struct policy_config cfg;
	struct list_head lists[POLICY_MAX_LISTS];
	uint64_t nr[POLICY_MAX_LISTS];
	uint64_t nr_frames;
	uint64_t peak;          /* most frames tracked at once: the cache size */
	uint64_t rng;           /* random: PRNG state */
	uint64_t target;        /* arc: p (T1's target); clockpro: m_c */
	uint64_t halvings;      /* lfu-hist: counts halved so far */
	struct policy_ghosts ghosts;
	struct policy_stats stats;
};

/* The policies, NULL-terminated, in the order tables print them. */
extern const struct policy_ops *const policy_all[];

/* The policies with history, each in its own file. */
extern const struct policy_ops policy_arc_ops, policy_s3fifo_ops, policy_clockpro_ops,
	policy_lfu_hist_ops;

/*
 * The policy called name ("fifo", "clock", ...); NULL if there is none.
 * A kernel should refuse POLICY_OPS_EXACT ones (lru-exact): it cannot
 * report every access, so they would degrade to fifo.
 */
const struct policy_ops *policy_by_name(const char *name);

/* Bytes of ghost memory that remember nr_ghosts evicted pages. */
size_t policy_ghost_bytes(uint32_t nr_ghosts);

/* True if p's history remembers key (an evicted page). */
bool policy_remembers(const struct policy *p, uint64_t key);

/*
 * Sets p up empty. cfg may be NULL (all defaults). Returns 0, or -MM_EINVAL
 * for a NULL ops, a slot table with no room, or ghost memory that is
 * missing, unaligned or empty when nr_ghosts asks for history.
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
