/*
 * policy.c: the page-replacement policies of policy.h and the checked
 * entry points every caller goes through.
 *
 * The entry points catch caller mistakes (a frame tracked twice, an
 * unknown frame) with error codes; the policies below them see only valid
 * frames and keep the invariant of policy.h: a tracked frame is on exactly
 * one list of its owner, and f->list says which. Only the helpers of
 * policy_internal.h touch the lists and their counts.
 *
 * List conventions: the head of a list is the newest end, the tail the
 * oldest; victims come from tails.
 *
 * Callers serialise all calls on one policy (see policy.h).
 */
#include "policy_internal.h"

static int insert_head(struct policy *p, struct policy_frame *f)
{
	policy_track(p, f, 0);
	return 0;
}

static void access_none(struct policy *p, struct policy_frame *f)
{
	(void)p;
	(void)f;
}

static struct policy_frame *victim_tail(struct policy *p)
{
	return policy_tail(p, 0);
}

/* ---- fifo: evict in arrival order, whatever was used -------------------- */

static const struct policy_ops fifo_ops = {
	.name = "fifo", .summary = "first in, first out", .nr_lists = 1,
	.insert = insert_head, .access = access_none, .remove = policy_untrack,
	.victim = victim_tail, .tick = policy_tick_none,
};

/*
 * ---- clock: second chance ----------------------------------------------
 * The list is the clock face in arrival order and the hand sits at the
 * tail: a referenced frame has its bits cleared and goes round again (to
 * the head), the first unreferenced one is the victim.
 */
/* One turn clears every bit, so 2 * nr + 1 looks always find a victim. */
static struct policy_frame *clock_victim(struct policy *p)
{
	for (uint64_t n = 2 * p->nr_frames + 1; n; n--) {
		struct policy_frame *f = policy_tail(p, 0);
		if (!f || !policy_test_clear_referenced(p, f))
			return f;
		policy_move(p, f, 0);
		p->stats.rotated++;
	}
	return policy_tail(p, 0); /* bits set again behind the hand: take the oldest */
}

static const struct policy_ops clock_ops = {
	.name = "clock", .summary = "second chance on accessed bits", .nr_lists = 1,
	.insert = insert_head, .access = policy_access_referenced, .remove = policy_untrack,
	.victim = clock_victim, .tick = policy_tick_none,
};

/* ---- lru-exact: move to the head on every access ------------------------ */

static void lru_exact_access(struct policy *p, struct policy_frame *f)
{
	policy_move(p, f, 0);
}

static const struct policy_ops lru_exact_ops = {
	.name = "lru-exact", .summary = "textbook LRU (simulator only: sees every access)",
	.flags = POLICY_OPS_EXACT, .nr_lists = 1,
	.insert = insert_head, .access = lru_exact_access, .remove = policy_untrack,
	.victim = victim_tail, .tick = policy_tick_none,
};

/*
 * ---- lru: Linux's active/inactive lists ----------------------------------
 * New frames start inactive. An inactive frame seen referenced twice (two
 * scans with the accessed bit set, or software accesses: mark_page_accessed)
 * is activated; once is only a reprieve (it rotates, referenced set). The
 * active list is aged by moving its tail to the inactive head, accessed bit
 * cleared, whenever the inactive list is smaller (Linux's ratio 1, the
 * ratio for memory under 1 GiB).
 */
static void lru_activate(struct policy *p, struct policy_frame *f)
{
	f->referenced = 0;
	policy_move(p, f, POLICY_LRU_ACTIVE);
	p->stats.activated++;
}

static void lru_access(struct policy *p, struct policy_frame *f)
{
	if (f->list == POLICY_LRU_INACTIVE && f->referenced)
		lru_activate(p, f);
	else
		f->referenced = 1;
}

static void lru_balance(struct policy *p)
{
	while (p->nr[POLICY_LRU_INACTIVE] < p->nr[POLICY_LRU_ACTIVE]) {
		struct policy_frame *f = policy_tail(p, POLICY_LRU_ACTIVE);
		policy_hw_young(p, f); /* the reference that activated it is spent */
		f->referenced = 0;
		policy_move(p, f, POLICY_LRU_INACTIVE);
		p->stats.deactivated++;
	}
}

static struct policy_frame *lru_victim(struct policy *p)
{
	for (uint64_t n = 2 * p->nr_frames + 1; n; n--) {
		lru_balance(p);
		struct policy_frame *f = policy_tail(p, POLICY_LRU_INACTIVE);
		if (!f || !policy_hw_young(p, f))
			return f;
		if (f->referenced) {
			lru_activate(p, f);
		} else {
			f->referenced = 1;
			policy_move(p, f, POLICY_LRU_INACTIVE);
			p->stats.rotated++;
		}
	}
	return policy_tail(p, POLICY_LRU_INACTIVE);
}

static const struct policy_ops lru_ops = {
	.name = "lru", .summary = "active/inactive lists on accessed bits (Linux)",
	.nr_lists = 2,
	.insert = insert_head, .access = lru_access, .remove = policy_untrack,
	.victim = lru_victim, .tick = lru_balance,
};

/*
 * ---- lfu: least frequently used, with aging ------------------------------
 * A frame's count is the list it is on (0..POLICY_LFU_MAX). Accesses and
 * accessed bits seen by a tick raise it by one; every lfu_decay_ticks ticks
 * all counts halve, so a page that went cold sinks and is evicted. The
 * victim is the oldest frame of the lowest count, given one more look at
 * its accessed bit.
 */
static int lfu_insert(struct policy *p, struct policy_frame *f)
{
	policy_track(p, f, 1);
	return 0;
}

void policy_lfu_bump(struct policy *p, struct policy_frame *f)
{
	policy_move(p, f, MM_MIN(f->list + 1u, (unsigned)POLICY_LFU_MAX));
}

struct policy_frame *policy_lfu_lowest(struct policy *p)
{
	for (unsigned c = 0; c < POLICY_MAX_LISTS; c++)
		if (p->nr[c])
			return policy_tail(p, c);
	return NULL;
}

struct policy_frame *policy_lfu_victim(struct policy *p)
{
	for (uint64_t n = p->nr_frames + 1; n; n--) {
		struct policy_frame *f = policy_lfu_lowest(p);
		if (!f || !policy_hw_young(p, f))
			return f;
		policy_lfu_bump(p, f);
	}
	return policy_lfu_lowest(p);
}

/* Harvest: high counts first, so a frame moved up is not seen twice. */
static void lfu_harvest(struct policy *p)
{
	for (int c = POLICY_LFU_MAX; c >= 0; c--) {
		struct list_head *pos, *tmp;
		list_for_each_safe(pos, tmp, &p->lists[c]) {
			struct policy_frame *f = list_entry(pos, struct policy_frame, link);
			if (policy_hw_young(p, f) && c < POLICY_LFU_MAX)
				policy_lfu_bump(p, f);
		}
	}
}

/* Halve: low counts first, so a frame moved down is not halved twice. */
static void lfu_halve(struct policy *p)
{
	p->halvings++;
	for (unsigned c = 1; c <= POLICY_LFU_MAX; c++) {
		struct list_head *pos, *tmp;
		list_for_each_safe(pos, tmp, &p->lists[c])
			policy_move(p, list_entry(pos, struct policy_frame, link), c / 2);
	}
}

void policy_lfu_tick(struct policy *p)
{
	lfu_harvest(p);
	if (p->stats.ticks % p->cfg.lfu_decay_ticks == 0)
		lfu_halve(p);
}

static const struct policy_ops lfu_ops = {
	.name = "lfu", .summary = "lowest access count; counts halve periodically",
	.nr_lists = POLICY_MAX_LISTS, .decay_ticks = POLICY_LFU_DECAY_DEFAULT,
	.insert = lfu_insert, .access = policy_lfu_bump, .remove = policy_untrack,
	.victim = policy_lfu_victim, .tick = policy_lfu_tick,
};

/*
 * ---- random: a uniformly chosen frame -----------------------------------
 * With cfg.slots, slots[f->slot] == f for every tracked frame and the
 * table is dense (swap-with-last on removal): O(1) picks. Without it the
 * pick walks the list.
 */
static int random_insert(struct policy *p, struct policy_frame *f)
{
	if (p->cfg.slots) {
		if (p->nr_frames >= p->cfg.nr_slots)
			return -MM_ENOSPC;
		f->slot = (uint32_t)p->nr_frames;
		p->cfg.slots[f->slot] = f;
	}
	policy_track(p, f, 0);
	return 0;
}

static void random_remove(struct policy *p, struct policy_frame *f)
{
	if (p->cfg.slots) {
		struct policy_frame *last = p->cfg.slots[p->nr_frames - 1];
		MM_BUG_ON(p->cfg.slots[f->slot] != f);
		last->slot = f->slot;
		p->cfg.slots[f->slot] = last;
	}
	policy_untrack(p, f);
}

static struct policy_frame *random_victim(struct policy *p)
{
	if (!p->nr_frames)
		return NULL;
	uint64_t k = policy_prng(&p->rng) % p->nr_frames;
	if (p->cfg.slots)
		return p->cfg.slots[k];
	struct list_head *pos = p->lists[0].next;
	while (k--)
		pos = pos->next;
	return list_entry(pos, struct policy_frame, link);
}

static const struct policy_ops random_ops = {
	.name = "random", .summary = "uniformly random frame (seeded)", .nr_lists = 1,
	.insert = random_insert, .access = access_none, .remove = random_remove,
	.victim = random_victim, .tick = policy_tick_none,
};

/* ---- table and checked entry points ------------------------------------ */

const struct policy_ops *const policy_all[] = {
	&fifo_ops, &clock_ops, &lru_ops, &lru_exact_ops, &lfu_ops, &random_ops,
	&policy_arc_ops, &policy_s3fifo_ops, &policy_clockpro_ops, &policy_lfu_hist_ops, NULL,
};

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const struct policy_ops *policy_by_name(const char *name)
{
	for (size_t i = 0; name && policy_all[i]; i++)
		if (str_eq(policy_all[i]->name, name))
			return policy_all[i];
	return NULL;
}

uint64_t policy_prng(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int policy_init(struct policy *p, const struct policy_ops *ops,
		const struct policy_config *cfg)
{
	static const struct policy_config defaults;
	if (!p || !ops || ops->nr_lists == 0 || ops->nr_lists > POLICY_MAX_LISTS)
		return -MM_EINVAL;
	if (cfg && cfg->slots && cfg->nr_slots == 0)
		return -MM_EINVAL;
	*p = (struct policy){ .ops = ops, .cfg = cfg ? *cfg : defaults };
	if (policy_ghost_init(&p->ghosts, p->cfg.ghost_mem, p->cfg.nr_ghosts))
		return -MM_EINVAL;
	if (!p->cfg.lfu_decay_ticks)
		p->cfg.lfu_decay_ticks = ops->decay_ticks ? ops->decay_ticks : 1;
	p->rng = p->cfg.seed;
	for (unsigned i = 0; i < POLICY_MAX_LISTS; i++)
		list_init(&p->lists[i]);
	return 0;
}

int policy_insert(struct policy *p, struct policy_frame *f)
{
	if (f->owner)
		return -MM_EEXIST;
	f->referenced = 0;
	int err = p->ops->insert(p, f);
	if (!err)
		p->stats.inserted++;
	return err;
}

int policy_insert_hot(struct policy *p, struct policy_frame *f)
{
	int err = policy_insert(p, f);

	for (int i = 0; !err && i < 2; i++)
		policy_access(p, f);
	return err;
}

int policy_access(struct policy *p, struct policy_frame *f)
{
	if (!policy_tracks(p, f))
		return -MM_ENOENT;
	p->stats.accesses++;
	p->ops->access(p, f);
	return 0;
}

int policy_remove(struct policy *p, struct policy_frame *f)
{
	if (!policy_tracks(p, f))
		return -MM_ENOENT;
	p->ops->remove(p, f);
	p->stats.removed++;
	return 0;
}

struct policy_frame *policy_victim(struct policy *p)
{
	struct policy_frame *f = p->ops->victim(p);
	if (!f)
		return NULL;
	MM_BUG_ON(!policy_tracks(p, f));
	p->ops->remove(p, f);
	p->stats.evicted++;
	return f;
}

void policy_tick(struct policy *p)
{
	p->stats.ticks++;
	p->ops->tick(p);
}

static int check_list(const struct policy *p, unsigned l, uint64_t *seen)
{
	uint64_t n = 0;
	const struct list_head *pos;
	list_for_each(pos, &p->lists[l]) {
		const struct policy_frame *f = list_entry(pos, struct policy_frame, link);
		if (f->owner != p || f->list != l || n++ > p->nr_frames)
			return -MM_EINVAL;
		if ((p->ops->flags & POLICY_OPS_HISTORY) && f->key != POLICY_KEY_NONE &&
		    policy_remembers(p, f->key))
			return -MM_EINVAL;
		if (p->ops == &random_ops && p->cfg.slots &&
		    (f->slot >= p->nr_frames || p->cfg.slots[f->slot] != f))
			return -MM_EINVAL;
	}
	*seen += n;
	return n == p->nr[l] ? 0 : -MM_EINVAL;
}

int policy_check(const struct policy *p)
{
	uint64_t seen = 0;
	for (unsigned l = 0; l < POLICY_MAX_LISTS; l++) {
		if (l >= p->ops->nr_lists && !list_empty(&p->lists[l]))
			return -MM_EINVAL;
		if (check_list(p, l, &seen))
			return -MM_EINVAL;
	}
	if (seen != p->nr_frames || policy_ghost_check(&p->ghosts))
		return -MM_EINVAL;
	return p->ops->check ? p->ops->check(p) : 0;
}
