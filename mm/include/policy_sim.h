/*
 * policy_sim.h: runs reference strings through the policies of policy.h
 * with a fixed number of frames, and generates the reference strings the
 * tests, `memvisor opt` and `make bench` use.
 *
 * The simulator plays hardware and kernel around the unmodified policy
 * code: every reference sets the page's accessed bit, as the MMU would; a
 * miss is a fault that takes a free frame or policy_victim()'s; the
 * policy's young hook tests and clears the accessed bits; policy_tick runs
 * every tick_every references, like a timer. Only POLICY_OPS_EXACT
 * policies are also told of every hit with policy_access.
 *
 * A page's key (policy.h's History) is its number + 1; the policies with
 * history remember POLICY_SIM_GHOSTS_PER_FRAME evicted pages per frame.
 *
 * Page numbers are dense: every reference is < nr_pages. Nothing here
 * allocates; callers pass work memory of the *_work_size() they ask for,
 * 8-byte aligned. Reentrant: all state lives in that memory.
 */
#ifndef MM_POLICY_SIM_H
#define MM_POLICY_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "policy.h"

/* History the policies that keep one get: evicted pages per frame. */
#define POLICY_SIM_GHOSTS_PER_FRAME 2

struct policy_sim_params {
	const struct policy_ops *ops;
	uint32_t nr_frames;
	uint32_t nr_pages;        /* references are < nr_pages */
	uint32_t tick_every;      /* references per policy_tick; 0: nr_frames */
	uint32_t lfu_decay_ticks; /* 0: the policy's default */
	uint64_t seed;            /* random policy */
};

struct policy_sim_result {
	uint64_t refs, faults, evictions;
	struct policy_stats stats; /* the policy's own counters at the end */
};

/* Bytes of work memory policy_sim_run needs. */
size_t policy_sim_work_size(uint32_t nr_frames, uint32_t nr_pages);

/*
 * Runs refs[0..n) and fills *out. Returns 0, or -MM_EINVAL (no ops, no
 * frames, work too small or unaligned, a reference >= nr_pages).
 */
int policy_sim_run(const struct policy_sim_params *sp, const uint32_t *refs, size_t n,
		   void *work, size_t work_size, struct policy_sim_result *out);

/*
 * Reference patterns over pages [0, nr_pages):
 *   loop    0, 1, ..., nr_pages-1, 0, 1, ...
 *   zipf    page k-1 with probability proportional to 1/k (s = 1)
 *   random  uniform
 *   scan    a hot set (the first nr_pages/8, at least 1) half of the time,
 *           otherwise the next page of an endless sequential scan of the rest
 *   seq     0, 1, 2, ...: loop's string, named for its use as a one-time
 *           scan over fresh pages (policy_trace.h's repeated phases)
 * policy_trace.h builds mixtures and phases of these, with parameters.
 */
enum policy_pattern {
	POLICY_PATTERN_LOOP,
	POLICY_PATTERN_ZIPF,
	POLICY_PATTERN_RANDOM,
	POLICY_PATTERN_SCAN,
	POLICY_PATTERN_SEQ,
	POLICY_NR_PATTERNS,
};

/* The pattern called name; -MM_EINVAL if there is none. */
int policy_pattern_by_name(const char *name);
const char *policy_pattern_name(enum policy_pattern pattern);

/* Bytes of work memory policy_trace_generate needs. */
size_t policy_trace_work_size(enum policy_pattern pattern, uint32_t nr_pages);

/*
 * Writes n references to out, deterministic for a seed. Returns 0, or
 * -MM_EINVAL (unknown pattern, no pages, work too small or unaligned).
 */
int policy_trace_generate(enum policy_pattern pattern, uint32_t *out, size_t n,
			  uint32_t nr_pages, uint64_t seed, void *work, size_t work_size);

#endif
