/*
 * policy_rig.c: the fixture of policy_rig.h. Each rig is its own state;
 * tests own their rig (a local or a static of the test file).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mm_port.h"
#include "opt.h"
#include "policy_rig.h"
#include "policy_sim.h"

static bool rig_young(struct policy_frame *f, void *ctx)
{
	struct policy_rig *r = ctx;
	size_t i = (size_t)(f - r->f);
	bool y = r->young[i];
	r->young[i] = false;
	return y;
}

void rig_init(struct policy_rig *r, const char *name, unsigned limit,
	      uint32_t lfu_decay_ticks)
{
	ck_assert_uint_le(policy_ghost_bytes(RIG_GHOSTS), sizeof(r->ghost_mem));
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < RIG_FRAMES; i++)
		r->f[i].key = (uint64_t)i + 1;
	r->limit = limit;
	struct policy_config cfg = {
		.young = rig_young, .ctx = r, .lfu_decay_ticks = lfu_decay_ticks,
		.ghost_mem = r->ghost_mem, .nr_ghosts = RIG_GHOSTS,
	};
	ck_assert_ptr_nonnull(policy_by_name(name));
	ck_assert_int_eq(policy_init(&r->p, policy_by_name(name), &cfg), 0);
}

void rig_insert(struct policy_rig *r, int i)
{
	r->young[i] = true;
	ck_assert_int_eq(policy_insert(&r->p, &r->f[i]), 0);
	ck_assert_int_eq(policy_check(&r->p), 0);
}

int rig_victim(struct policy_rig *r)
{
	struct policy_frame *f = policy_victim(&r->p);
	ck_assert_int_eq(policy_check(&r->p), 0);
	return f ? (int)(f - r->f) : RIG_NONE;
}

int rig_fault(struct policy_rig *r, int i)
{
	int v = r->p.nr_frames >= r->limit ? rig_victim(r) : RIG_NONE;
	rig_insert(r, i);
	return v;
}

void rig_touch(struct policy_rig *r, int i)
{
	r->young[i] = true;
}

void rig_fill(struct policy_rig *r, int n, bool used)
{
	ck_assert_uint_eq(r->p.nr_frames, 0);
	ck_assert_int_le(n, (int)r->limit);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(rig_fault(r, i), RIG_NONE);
	for (int i = 0; used && i < n; i++)
		rig_touch(r, i);
}

unsigned rig_list(struct policy_rig *r, int i)
{
	ck_assert(policy_tracks(&r->p, &r->f[i]));
	return r->f[i].list;
}

bool rig_remembers(struct policy_rig *r, int i)
{
	return policy_remembers(&r->p, r->f[i].key);
}

uint64_t rig_sim_faults(const char *name, const uint32_t *refs, size_t n, uint32_t pages,
			uint32_t frames, uint64_t seed)
{
	struct policy_sim_params sp = {
		.ops = policy_by_name(name), .nr_frames = frames, .nr_pages = pages, .seed = seed,
	};
	ck_assert_ptr_nonnull(sp.ops);
	size_t size = policy_sim_work_size(frames, pages);
	void *work = malloc(size);
	struct policy_sim_result r;
	ck_assert_int_eq(policy_sim_run(&sp, refs, n, work, size, &r), 0);
	free(work);
	ck_assert_uint_eq(r.refs, n);
	return r.faults;
}

uint64_t rig_opt_faults(const uint32_t *refs, size_t n, uint32_t pages, uint32_t frames)
{
	size_t size = opt_work_size(n, pages, frames);
	void *work = malloc(size);
	uint64_t faults;
	ck_assert_int_eq(opt_faults(refs, n, pages, frames, work, size, &faults), 0);
	free(work);
	return faults;
}
