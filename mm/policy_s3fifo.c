/*
 * policy_s3fifo.c: S3-FIFO (Yang, Zhang, Qiu, Yue and Vinayak, "FIFO
 * queues are all you need for cache eviction", SOSP 2023): three FIFO
 * queues, no reordering on a hit.
 *
 * S, a small FIFO of about a tenth of the frames, takes new pages; M, the
 * main FIFO, takes pages that proved themselves; G (ghost list 0) holds
 * the keys of pages evicted from S, as many as M has frames. A page keeps
 * a 2-bit frequency, raised by accessed bits harvested at ticks and by the
 * hand. Evicting from S: a page referenced again while in S moves to M,
 * the others (one-hit wonders) are evicted into G. Evicting from M: a page
 * with frequency > 0 is reinserted with one less, else evicted. A fault on
 * a page G remembers inserts it straight into M.
 *
 * The fault that brings a page in sets its accessed bit; insert clears it,
 * so frequency counts re-references only (the paper's freq > 0 test on S
 * is "accessed again"). Invariants: freq <= 3; |G| <= max(1, |M|) after
 * every eviction from S and within the ghost table; G holds only keys
 * not resident (policy_check).
 */
#include "policy_internal.h"

enum { S3_SMALL, S3_MAIN };
#define S3_FREQ_MAX 3
#define S3_SMALL_PERCENT 10

static void s3_count(struct policy_frame *f)
{
	if (f->freq < S3_FREQ_MAX)
		f->freq++;
}

static int s3_insert(struct policy *p, struct policy_frame *f)
{
	bool ghost = f->key != POLICY_KEY_NONE && policy_ghost_forget(&p->ghosts, f->key) >= 0;
	policy_forget_fault_access(p, f);
	f->freq = 0;
	if (ghost)
		p->stats.ghost_hits++;
	policy_track(p, f, ghost ? S3_MAIN : S3_SMALL);
	return 0;
}

static void s3_access(struct policy *p, struct policy_frame *f)
{
	(void)p;
	s3_count(f);
}

/* Harvests accessed bits into frequencies. */
static void s3_tick(struct policy *p)
{
	for (unsigned l = S3_SMALL; l <= S3_MAIN; l++) {
		struct list_head *pos;
		list_for_each(pos, &p->lists[l]) {
			struct policy_frame *f = list_entry(pos, struct policy_frame, link);
			if (policy_hw_young(p, f))
				s3_count(f);
		}
	}
}

/* G keeps as many keys as M has frames, oldest forgotten first. */
static void s3_remember(struct policy *p, struct policy_frame *f)
{
	struct policy_ghosts *g = &p->ghosts;
	if (f->key == POLICY_KEY_NONE || !g->cap)
		return;
	while (g->used && (g->used >= MM_MAX(1, p->nr[S3_MAIN]) || policy_ghost_full(g)))
		policy_ghost_del(g, policy_ghost_oldest(g, 0));
	policy_ghost_add(g, 0, f->key);
}

static bool s3_small_over(const struct policy *p)
{
	uint64_t small = MM_MAX(1, p->nr_frames * S3_SMALL_PERCENT / 100);
	return p->nr[S3_SMALL] && (p->nr[S3_SMALL] >= small || !p->nr[S3_MAIN]);
}

/*
 * One step of the hands: returns the victim, or NULL after moving a page.
 * Each page moves at most S3_FREQ_MAX + 1 times before it is a victim.
 */
static struct policy_frame *s3_step(struct policy *p)
{
	bool small = s3_small_over(p);
	struct policy_frame *f = policy_tail(p, small ? S3_SMALL : S3_MAIN);
	if (policy_hw_young(p, f))
		s3_count(f);
	if (small && f->freq > 0) {
		f->freq = 0;
		policy_move(p, f, S3_MAIN);
		p->stats.activated++;
		return NULL;
	}
	if (small) {
		s3_remember(p, f);
		return f;
	}
	if (f->freq > 0) {
		f->freq--;
		policy_move(p, f, S3_MAIN);
		p->stats.rotated++;
		return NULL;
	}
	return f;
}

static struct policy_frame *s3_victim(struct policy *p)
{
	if (!p->nr_frames)
		return NULL;
	for (uint64_t n = (S3_FREQ_MAX + 2) * p->nr_frames + 1; n; n--) {
		struct policy_frame *f = s3_step(p);
		if (f)
			return f;
	}
	/* bits set again behind the hands (another CPU): take M's oldest */
	return p->nr[S3_MAIN] ? policy_tail(p, S3_MAIN) : policy_tail(p, S3_SMALL);
}

static int s3_check(const struct policy *p)
{
	struct list_head *pos;
	for (unsigned l = S3_SMALL; l <= S3_MAIN; l++)
		list_for_each(pos, &p->lists[l])
			if (list_entry(pos, struct policy_frame, link)->freq > S3_FREQ_MAX)
				return -MM_EINVAL;
	return p->ghosts.nr[1] == 0 ? 0 : -MM_EINVAL;
}

const struct policy_ops policy_s3fifo_ops = {
	.name = "s3fifo", .summary = "small, main and ghost FIFO queues (S3-FIFO)",
	.flags = POLICY_OPS_HISTORY, .nr_lists = 2,
	.insert = s3_insert, .access = s3_access, .remove = policy_untrack,
	.victim = s3_victim, .tick = s3_tick, .check = s3_check,
};
