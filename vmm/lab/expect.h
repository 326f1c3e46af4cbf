/*
 * expect.h: the condition language of scenario files (`memvisor test`),
 * parsed once and evaluated against a --stats stream or the JSON of
 * `memvisor diff --json`.
 *
 * Grammar (whitespace between tokens is free):
 *   condition  := [always | ever] compare [at TIME | within TIME | after TIME]
 *   compare    := sum (== | != | < | <= | > | >=) sum
 *   sum        := product {(+ | -) product}
 *   product    := unary {(* | /) unary}
 *   unary      := - unary | primary
 *   primary    := NUMBER[unit] | path | FUNC ( sum ) | ( sum )
 *   path       := NAME {. (NAME | DIGITS | "quoted name")}   dotted path into
 *                 the JSON object: balloon.actual, zones.DMA32.nr_free.3
 *   unit       := K M G T (x1024^n, optional iB or B) | s | ms (seconds)
 * Stats functions: max min avg first last delta (over the run or the time
 * window), rate (per second, between consecutive samples; per sample).
 * Diff functions: added removed changed (bytes of ranges in the address
 * spaces whose name contains the argument, e.g. added(memhog)) and
 * largest_added (the longest run of adjacent added ranges); paths read the
 * diff object itself (zones.DMA32.free_pages, vmstat.pgfault, dirty_pages).
 *
 * Stats semantics: with no clause, the last sample; `at T` the first
 * sample at or after T; `within T` some sample up to T (ever); `after T`
 * every sample from T on (always); always/ever alone: the whole run. A
 * sample in which a path is absent is skipped (and an absent value at
 * the chosen sample fails the condition).
 *
 * Invariant: a parsed condition owns its node tree and its text; the
 * evaluators never modify it, so one condition may be evaluated by many
 * threads or runs.
 */
#ifndef VMM_EXPECT_H
#define VMM_EXPECT_H

#include "util.h"

#include <json-c/json.h>
#include <stddef.h>

enum expect_kind { EXPECT_STATS, EXPECT_DIFF };

struct expect_cond;

/*
 * Parses text as a condition of the given kind. Returns the condition, or
 * NULL with "what is wrong at column N" in err.
 */
struct expect_cond *expect_parse(const char *text, enum expect_kind kind, struct mv_error *err);
void expect_free(struct expect_cond *c);
const char *expect_text(const struct expect_cond *c);

/*
 * Parses text as a measure: one value of the stats language alone, no
 * comparison ("vmstat.pgmajfault", "max(host.resident)"), for the results
 * table of a sweep. Returns it, or NULL with the reason in err.
 */
struct expect_cond *expect_parse_measure(const char *text, struct mv_error *err);

/* A --stats stream: one JSON object per line, in time order. */
struct expect_stats {
	json_object **samples;
	double *times;                 /* each sample's "time" */
	size_t n;
};

/* Reads FILE. Returns 0, or a negative errno with the reason (file:line) in err. */
int expect_stats_load(struct expect_stats *s, const char *path, struct mv_error *err);
void expect_stats_free(struct expect_stats *s);

/*
 * A measure's value: paths at the last sample, functions over the whole
 * run. Returns 0, or -ENOENT when the stream is empty or a path is absent.
 */
int expect_measure_stats(const struct expect_cond *m, const struct expect_stats *s, double *v);

/* A value as reasons and notices print it: "%g", sizes of 1M and more also as "67108864 (64M)". */
void expect_format_value(double v, char *buf, size_t len);

/*
 * Evaluate c. Return 1 when it holds, 0 when it does not, with a reason
 * naming the values seen in why (either way).
 */
int expect_eval_stats(const struct expect_cond *c, const struct expect_stats *s, char *why,
		      size_t whylen);
int expect_eval_diff(const struct expect_cond *c, json_object *diff, char *why, size_t whylen);

/*
 * The value at a dotted path of o ("a.b.3.c"; a quoted segment may hold
 * dots). Returns 0 with *v set for a number or boolean, -ENOENT when absent,
 * -EINVAL when not a number.
 */
int expect_json_number(json_object *o, const char *path, double *v);

#endif
