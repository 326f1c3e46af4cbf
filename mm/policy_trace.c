/*
 * policy_trace.c: the reference patterns of policy_sim.h and the phased
 * mixtures of policy_trace.h. Integer only (mm/ also builds into the
 * kernel, which has no FPU state): zipf draws from a cumulative table of
 * 2^40 * k^-s weights, k^-s computed in fixed point (s = 1: 2^40 / k).
 *
 * Deterministic: the same spec, length and seed give the same string on
 * every host. Reentrant: state lives in the spec's parts and the caller's
 * work memory (one zipf table per zipf part, in spec order).
 */
#include "policy_trace.h"
#include "mm_port.h"

#define ZIPF_SCALE_BITS 40
#define ZIPF_SCALE (1ull << ZIPF_SCALE_BITS)
#define FIX_BITS 30               /* fixed point of log2 and exponents */
#define FIX_ONE (1ull << FIX_BITS)

static const char *const pattern_names[POLICY_NR_PATTERNS] = {
	[POLICY_PATTERN_LOOP] = "loop",
	[POLICY_PATTERN_ZIPF] = "zipf",
	[POLICY_PATTERN_RANDOM] = "random",
	[POLICY_PATTERN_SCAN] = "scan",
	[POLICY_PATTERN_SEQ] = "seq",
};

/* 2^(-2^-j) in 0.32 fixed point, j = 1..30. */
static const uint32_t exp2_neg_bit[FIX_BITS] = {
	0xb504f334u,
	0xd744fccbu,
	0xeac0c6e8u,
	0xf5257d15u,
	0xfa83b2dbu,
	0xfd3e0c0du,
	0xfe9e115cu,
	0xff4ecb59u,
	0xffa75652u,
	0xffd3a752u,
	0xffe9d2b3u,
	0xfff4e91cu,
	0xfffa747fu,
	0xfffd3a3bu,
	0xfffe9d1du,
	0xffff4e8eu,
	0xffffa747u,
	0xffffd3a3u,
	0xffffe9d2u,
	0xfffff4e9u,
	0xfffffa74u,
	0xfffffd3au,
	0xfffffe9du,
	0xffffff4fu,
	0xffffffa7u,
	0xffffffd4u,
	0xffffffeau,
	0xfffffff5u,
	0xfffffffau,
	0xfffffffdu
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

/* log2(k) in FIX_BITS fixed point, k >= 1: integer part, then bit by bit. */
static uint64_t log2_fix(uint32_t k)
{
	unsigned ip = 31 - (unsigned)__builtin_clz(k);
	uint64_t y = ((uint64_t)k << FIX_BITS) >> ip;  /* [1, 2) */
	uint64_t frac = 0;
	for (unsigned i = 1; i <= FIX_BITS; i++) {
		y = (y * y) >> FIX_BITS;
		if (y >= 2 * FIX_ONE) {
			y >>= 1;
			frac |= 1ull << (FIX_BITS - i);
		}
	}
	return ((uint64_t)ip << FIX_BITS) | frac;
}

/* 2^40 * k^-(milli / 1000), at least 1. */
static uint64_t zipf_weight(uint32_t k, uint32_t milli)
{
	if (milli == 1000)
		return ZIPF_SCALE / k;
	uint64_t e = log2_fix(k) * milli / 1000;   /* < 2^48 */
	uint64_t ei = e >> FIX_BITS, r = 1ull << 32;
	for (unsigned j = 1; j <= FIX_BITS; j++)
		if (e & (1ull << (FIX_BITS - j)))
			r = (r * exp2_neg_bit[j - 1]) >> 32;
	uint64_t w = ei >= ZIPF_SCALE_BITS + 8 ? 0 : (r << 8) >> ei;
	return w ? w : 1;
}

/* cum[k] = sum of weights of ranks 1..k+1. */
static void zipf_table(uint64_t *cum, uint32_t nr_pages, uint32_t milli)
{
	uint64_t sum = 0;
	for (uint32_t k = 0; k < nr_pages; k++) {
		sum += zipf_weight(k + 1, milli);
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

/* scan: the hot set half of the time, else the next page of the rest. */
static uint32_t scan_next(struct policy_trace_part *t, uint64_t *rng)
{
	uint32_t hot = MM_MAX(t->nr_pages / 8, 1u), cold = t->nr_pages - hot;
	uint64_t r = policy_prng(rng);
	if (!cold || (r & 1))
		return (uint32_t)((r >> 1) % hot);
	uint32_t pg = hot + (uint32_t)(t->pos % cold);
	t->pos++;
	return pg;
}

/* The next page of part t (relative to t->first); cum: its zipf table. */
static uint32_t part_next(struct policy_trace_part *t, uint64_t *rng, const uint64_t *cum)
{
	switch (t->pattern) {
	case POLICY_PATTERN_ZIPF:
		return zipf_rank(cum, t->nr_pages, policy_prng(rng) % cum[t->nr_pages - 1]);
	case POLICY_PATTERN_RANDOM:
		return (uint32_t)(policy_prng(rng) % t->nr_pages);
	case POLICY_PATTERN_SCAN:
		return scan_next(t, rng);
	default: /* loop, seq */
		return (uint32_t)(t->pos++ % t->nr_pages);
	}
}

static uint32_t part_weight(const struct policy_trace_part *t)
{
	return t->weight ? t->weight : 1;
}

/* The part of phase ph a reference comes from: one draw when mixed. */
static unsigned pick_part(const struct policy_trace_phase *ph, uint64_t *rng)
{
	if (ph->nr_parts == 1)
		return 0;
	uint64_t total = part_weight(&ph->part[0]);   /* >= 1 */
	for (unsigned i = 1; i < ph->nr_parts; i++)
		total += part_weight(&ph->part[i]);
	uint64_t r = policy_prng(rng) % total;
	unsigned i = 0;
	while (r >= part_weight(&ph->part[i]))
		r -= part_weight(&ph->part[i++]);
	return i;
}

static unsigned spec_repeat(const struct policy_trace_spec *spec)
{
	return spec->repeat ? spec->repeat : 1;
}

uint64_t policy_trace_spec_length(const struct policy_trace_spec *spec)
{
	uint64_t n = 0;
	for (unsigned p = 0; p < spec->nr_phases && p < POLICY_TRACE_MAX_PHASES; p++)
		n += spec->phase[p].length;
	return n * spec_repeat(spec);
}

uint32_t policy_trace_spec_pages(const struct policy_trace_spec *spec)
{
	uint64_t pages = 0;
	for (unsigned p = 0; p < spec->nr_phases && p < POLICY_TRACE_MAX_PHASES; p++)
		for (unsigned i = 0; i < spec->phase[p].nr_parts && i < POLICY_TRACE_MAX_PARTS; i++)
			pages = MM_MAX(pages, (uint64_t)spec->phase[p].part[i].first +
						      spec->phase[p].part[i].nr_pages);
	return pages > UINT32_MAX ? 0 : (uint32_t)pages;
}

size_t policy_trace_spec_work_size(const struct policy_trace_spec *spec)
{
	size_t size = 0;
	for (unsigned p = 0; p < spec->nr_phases && p < POLICY_TRACE_MAX_PHASES; p++)
		for (unsigned i = 0; i < spec->phase[p].nr_parts && i < POLICY_TRACE_MAX_PARTS; i++)
			if (spec->phase[p].part[i].pattern == POLICY_PATTERN_ZIPF)
				size += (size_t)spec->phase[p].part[i].nr_pages * sizeof(uint64_t);
	return size;
}

static bool part_valid(const struct policy_trace_part *t)
{
	return (unsigned)t->pattern < POLICY_NR_PATTERNS && t->nr_pages &&
	       (uint64_t)t->first + t->nr_pages <= UINT32_MAX &&
	       t->zipf_milli <= POLICY_ZIPF_MILLI_MAX;
}

static bool spec_valid(const struct policy_trace_spec *spec)
{
	if (!spec->nr_phases || spec->nr_phases > POLICY_TRACE_MAX_PHASES)
		return false;
	for (unsigned p = 0; p < spec->nr_phases; p++) {
		const struct policy_trace_phase *ph = &spec->phase[p];
		if (!ph->nr_parts || ph->nr_parts > POLICY_TRACE_MAX_PARTS)
			return false;
		for (unsigned i = 0; i < ph->nr_parts; i++)
			if (!part_valid(&ph->part[i]))
				return false;
	}
	return true;
}

/* Builds every zipf part's table; tables[p][i] points into work. */
static void build_tables(const struct policy_trace_spec *spec, uint64_t *work,
			 const uint64_t *tables[][POLICY_TRACE_MAX_PARTS])
{
	for (unsigned p = 0; p < spec->nr_phases; p++) {
		for (unsigned i = 0; i < spec->phase[p].nr_parts; i++) {
			const struct policy_trace_part *t = &spec->phase[p].part[i];
			tables[p][i] = NULL;
			if (t->pattern != POLICY_PATTERN_ZIPF)
				continue;
			zipf_table(work, t->nr_pages, t->zipf_milli ? t->zipf_milli : 1000);
			tables[p][i] = work;
			work += t->nr_pages;
		}
	}
}

int policy_trace_spec_generate(struct policy_trace_spec *spec, uint32_t *out,
			       uint64_t seed, void *work, size_t work_size)
{
	const uint64_t *tables[POLICY_TRACE_MAX_PHASES][POLICY_TRACE_MAX_PARTS];
	uint64_t rng = seed;
	if (!spec_valid(spec) || work_size < policy_trace_spec_work_size(spec) ||
	    (work_size && (!work || ((uintptr_t)work & 7))) ||
	    (policy_trace_spec_length(spec) && !out))
		return -MM_EINVAL;
	build_tables(spec, work, tables);
	for (unsigned r = 0; r < spec_repeat(spec); r++) {
		for (unsigned p = 0; p < spec->nr_phases; p++) {
			struct policy_trace_phase *ph = &spec->phase[p];
			for (uint64_t k = 0; k < ph->length; k++) {
				unsigned i = pick_part(ph, &rng);
				struct policy_trace_part *t = &ph->part[i];
				*out++ = t->first + part_next(t, &rng, tables[p][i]);
			}
		}
	}
	return 0;
}

size_t policy_trace_work_size(enum policy_pattern pattern, uint32_t nr_pages)
{
	return pattern == POLICY_PATTERN_ZIPF ? (size_t)nr_pages * sizeof(uint64_t) : 0;
}

int policy_trace_generate(enum policy_pattern pattern, uint32_t *out, size_t n,
			  uint32_t nr_pages, uint64_t seed, void *work, size_t work_size)
{
	struct policy_trace_spec spec = {
		.nr_phases = 1,
		.phase[0] = { .nr_parts = 1, .length = n,
			      .part[0] = { .pattern = pattern, .nr_pages = nr_pages } },
	};
	return policy_trace_spec_generate(&spec, out, seed, work, work_size);
}
