/*
 * policy_trace.h: reference strings with parameters, for the simulator of
 * policy_sim.h: a trace is a list of phases, repeated; a phase is a
 * mixture of up to POLICY_TRACE_MAX_PARTS parts, each a pattern of
 * policy_sim.h (or seq) over its own range of pages, drawn in proportion
 * to the parts' weights. A part keeps its position across phases and
 * repetitions, so a seq part in a repeated phase list keeps scanning new
 * pages: a working set interrupted by one-time scans.
 *
 * Integer only (mm/ also builds into the kernel): a zipf exponent is given
 * in thousandths. Deterministic for a spec and a seed; the spec of one
 * part with exponent 1000 gives policy_trace_generate's string exactly.
 * Nothing here allocates: callers pass work memory of
 * policy_trace_spec_work_size() bytes, 8-byte aligned. Reentrant.
 */
#ifndef MM_POLICY_TRACE_H
#define MM_POLICY_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "policy_sim.h"

#define POLICY_TRACE_MAX_PARTS  4
#define POLICY_TRACE_MAX_PHASES 8
#define POLICY_ZIPF_MILLI_MAX   8000   /* exponent 8.0 */

struct policy_trace_part {
	enum policy_pattern pattern;
	uint32_t first;       /* pages [first, first + nr_pages) */
	uint32_t nr_pages;
	uint32_t zipf_milli;  /* zipf: exponent x 1000; 0 means 1000 */
	uint32_t weight;      /* share of its phase's references; 0 means 1 */
	uint64_t pos;         /* generator position (loop, seq, scan); starts 0 */
};

struct policy_trace_phase {
	struct policy_trace_part part[POLICY_TRACE_MAX_PARTS];
	unsigned nr_parts;
	uint64_t length;      /* references of the phase */
};

struct policy_trace_spec {
	struct policy_trace_phase phase[POLICY_TRACE_MAX_PHASES];
	unsigned nr_phases;
	uint32_t repeat;      /* times the phase list runs; 0 means 1 */
};

/* References the spec makes: the phase lengths times repeat. */
uint64_t policy_trace_spec_length(const struct policy_trace_spec *spec);

/* Pages the spec references: max(first + nr_pages) over its parts. */
uint32_t policy_trace_spec_pages(const struct policy_trace_spec *spec);

/* Bytes of work memory policy_trace_spec_generate needs. */
size_t policy_trace_spec_work_size(const struct policy_trace_spec *spec);

/*
 * Writes the spec's policy_trace_spec_length() references to out and
 * advances the parts' positions. Returns 0, or -MM_EINVAL (no phase, a
 * phase with no part, a part with no pages or past 2^32 pages, an unknown
 * pattern, an exponent above POLICY_ZIPF_MILLI_MAX, work too small or
 * unaligned).
 */
int policy_trace_spec_generate(struct policy_trace_spec *spec, uint32_t *out,
			       uint64_t seed, void *work, size_t work_size);

#endif
