/*
 * policy_trace.c: the reference patterns of policy_sim.h. Integer only
 * (mm/ also builds into the kernel, which has no FPU state): zipf draws
 * from a cumulative table of 2^40/k weights.
 *
 * Deterministic: the same pattern, length, pages and seed give the same
 * string on every host. Reentrant: state lives in the caller's work memory.
 */
#include "policy_sim.h"
#include "mm_port.h"

#define ZIPF_SCALE (1ull << 40)

static const char *const pattern_names[POLICY_NR_PATTERNS] = {
	[POLICY_PATTERN_LOOP] = "loop",
	[POLICY_PATTERN_ZIPF] = "zipf",
	[POLICY_PATTERN_RANDOM] = "random",
	[POLICY_PATTERN_SCAN] = "scan",
};

int policy_pattern_by_name(const char *name)
{
	for (int i = 0; name && i < POLICY_NR_PATTERNS; i++) {
		const char *a = pattern_names[i], *b = name;
		while (*a && *a == *b)
			a++, b++;
		if (*a == *b)
			return i;
	}
	return -MM_EINVAL;
}

const char *policy_pattern_name(enum policy_pattern pattern)
{
	return (unsigned)pattern < POLICY_NR_PATTERNS ? pattern_names[pattern] : "?";
}

size_t policy_trace_work_size(enum policy_pattern pattern, uint32_t nr_pages)
{
	return pattern == POLICY_PATTERN_ZIPF ? (size_t)nr_pages * sizeof(uint64_t) : 0;
}

/* cum[k] = sum of weights of ranks 1..k+1. */
static void zipf_table(uint64_t *cum, uint32_t nr_pages)
{
	uint64_t sum = 0;
	for (uint32_t k = 0; k < nr_pages; k++) {
		sum += ZIPF_SCALE / (k + 1);
		cum[k] = sum;
	}
}

/* The first k with cum[k] > r. */
static uint32_t zipf_rank(const uint64_t *cum, uint32_t nr_pages, uint64_t r)
{
	uint32_t lo = 0, hi = nr_pages - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cum[mid] > r)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void gen_zipf(uint32_t *out, size_t n, uint32_t nr_pages, uint64_t *rng, uint64_t *cum)
{
	zipf_table(cum, nr_pages);
	for (size_t i = 0; i < n; i++)
		out[i] = zipf_rank(cum, nr_pages, policy_prng(rng) % cum[nr_pages - 1]);
}

static void gen_scan(uint32_t *out, size_t n, uint32_t nr_pages, uint64_t *rng)
{
	uint32_t hot = MM_MAX(nr_pages / 8, 1u), cold = nr_pages - hot, next = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t r = policy_prng(rng);
		if (!cold || (r & 1)) {
			out[i] = (uint32_t)((r >> 1) % hot);
		} else {
			out[i] = hot + next;
			next = (next + 1) % cold;
		}
	}
}

int policy_trace_generate(enum policy_pattern pattern, uint32_t *out, size_t n,
			  uint32_t nr_pages, uint64_t seed, void *work, size_t work_size)
{
	uint64_t rng = seed;
	if ((unsigned)pattern >= POLICY_NR_PATTERNS || !nr_pages || (n && !out) ||
	    work_size < policy_trace_work_size(pattern, nr_pages) ||
	    (work_size && (!work || ((uintptr_t)work & 7))))
		return -MM_EINVAL;
	switch (pattern) {
	case POLICY_PATTERN_LOOP:
		for (size_t i = 0; i < n; i++)
			out[i] = (uint32_t)(i % nr_pages);
		break;
	case POLICY_PATTERN_ZIPF:
		gen_zipf(out, n, nr_pages, &rng, work);
		break;
	case POLICY_PATTERN_RANDOM:
		for (size_t i = 0; i < n; i++)
			out[i] = (uint32_t)(policy_prng(&rng) % nr_pages);
		break;
	case POLICY_PATTERN_SCAN:
		gen_scan(out, n, nr_pages, &rng);
		break;
	default:
		return -MM_EINVAL;
	}
	return 0;
}
