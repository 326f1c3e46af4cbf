/*
 * policy_sim.c: the replacement simulator of policy_sim.h: frames with a
 * software accessed bit standing in for the PTE's, driven through the
 * public policy.h entry points only.
 *
 * Invariant, after every reference: where[pg] == i exactly when frames[i]
 * holds pg, and every frame in use is tracked by the policy.
 * All state lives in the caller's work memory; callers serialise per work.
 */
#include "policy_sim.h"
#include "mm_port.h"

#define SIM_NONE UINT32_MAX

struct sim_frame {
	struct policy_frame pf;
	uint32_t page;
	uint32_t accessed;     /* the "PTE accessed bit" */
};

struct sim {
	struct policy policy;
	struct sim_frame *frames;
	uint32_t *where;       /* page -> frame index, SIM_NONE if not resident */
	uint32_t used;         /* frames handed out so far */
	struct policy_sim_result *out;
};

static size_t frames_bytes(uint32_t nr_frames)
{
	return (size_t)nr_frames * sizeof(struct sim_frame);
}

static size_t slots_bytes(uint32_t nr_frames)
{
	return (size_t)nr_frames * sizeof(struct policy_frame *);
}

static size_t where_bytes(uint32_t nr_pages)
{
	return MM_ALIGN_UP((size_t)nr_pages * sizeof(uint32_t), 8);
}

/* Evicted pages the policies with history may remember. */
static uint32_t sim_ghosts(uint32_t nr_frames)
{
	return nr_frames * POLICY_SIM_GHOSTS_PER_FRAME;
}

size_t policy_sim_work_size(uint32_t nr_frames, uint32_t nr_pages)
{
	return frames_bytes(nr_frames) + slots_bytes(nr_frames) + where_bytes(nr_pages) +
	       policy_ghost_bytes(sim_ghosts(nr_frames));
}

/* The young hook: test and clear the simulated accessed bit. */
static bool sim_young(struct policy_frame *pf, void *ctx)
{
	(void)ctx;
	struct sim_frame *fr = container_of(pf, struct sim_frame, pf);
	bool young = fr->accessed;
	fr->accessed = 0;
	return young;
}

/* A free frame while any is left, else the policy's victim, emptied. */
static struct sim_frame *sim_take_frame(struct sim *s, uint32_t nr_frames)
{
	if (s->used < nr_frames)
		return &s->frames[s->used++];
	struct policy_frame *v = policy_victim(&s->policy);
	MM_BUG_ON(!v);
	struct sim_frame *fr = container_of(v, struct sim_frame, pf);
	s->where[fr->page] = SIM_NONE;
	s->out->evictions++;
	return fr;
}

static void sim_reference(struct sim *s, const struct policy_sim_params *sp, uint32_t pg)
{
	uint32_t i = s->where[pg];
	if (i != SIM_NONE) {
		s->frames[i].accessed = 1;
		if (sp->ops->flags & POLICY_OPS_EXACT)
			MM_BUG_ON(policy_access(&s->policy, &s->frames[i].pf));
		return;
	}
	s->out->faults++;
	struct sim_frame *fr = sim_take_frame(s, sp->nr_frames);
	fr->page = pg;
	fr->pf.key = (uint64_t)pg + 1; /* never POLICY_KEY_NONE */
	fr->accessed = 1;
	s->where[pg] = (uint32_t)(fr - s->frames);
	MM_BUG_ON(policy_insert(&s->policy, &fr->pf));
}

static int sim_setup(struct sim *s, const struct policy_sim_params *sp, void *work,
		     size_t work_size)
{
	if (!sp->ops || !sp->nr_frames || !work || ((uintptr_t)work & 7) ||
	    work_size < policy_sim_work_size(sp->nr_frames, sp->nr_pages))
		return -MM_EINVAL;
	char *w = work;
	s->frames = (struct sim_frame *)(void *)w;
	struct policy_frame **slots = (struct policy_frame **)(void *)(w + frames_bytes(sp->nr_frames));
	w += frames_bytes(sp->nr_frames) + slots_bytes(sp->nr_frames);
	s->where = (uint32_t *)(void *)w;
	void *ghosts = w + where_bytes(sp->nr_pages);
	for (uint32_t i = 0; i < sp->nr_frames; i++)
		s->frames[i] = (struct sim_frame){ .page = SIM_NONE };
	for (uint32_t i = 0; i < sp->nr_pages; i++)
		s->where[i] = SIM_NONE;
	s->used = 0;
	struct policy_config cfg = {
		.young = sim_young, .seed = sp->seed, .lfu_decay_ticks = sp->lfu_decay_ticks,
		.slots = slots, .nr_slots = sp->nr_frames,
		.ghost_mem = ghosts, .nr_ghosts = sim_ghosts(sp->nr_frames),
	};
	return policy_init(&s->policy, sp->ops, &cfg);
}

int policy_sim_run(const struct policy_sim_params *sp, const uint32_t *refs, size_t n,
		   void *work, size_t work_size, struct policy_sim_result *out)
{
	struct sim s;
	if (!sp || !out || sim_setup(&s, sp, work, work_size))
		return -MM_EINVAL;
	*out = (struct policy_sim_result){ 0 };
	s.out = out;
	uint32_t tick_every = sp->tick_every ? sp->tick_every : sp->nr_frames;
	for (size_t r = 0; r < n; r++) {
		if (refs[r] >= sp->nr_pages)
			return -MM_EINVAL;
		sim_reference(&s, sp, refs[r]);
		if ((r + 1) % tick_every == 0)
			policy_tick(&s.policy);
	}
	out->refs = n;
	out->stats = s.policy.stats;
	return 0;
}
