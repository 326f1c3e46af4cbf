/*
 * cmd_opt.c: `memvisor opt`: faults of every replacement policy of mm/
 * against Belady's OPT on one or more reference strings, at one or more
 * frame counts. The policies, the simulator, the trace patterns and OPT
 * are mm/'s own code (policy.h, policy_sim.h, opt.h), linked natively.
 *
 * A trace file holds page numbers (decimal or 0x-hex) separated by
 * whitespace or commas; '#' starts a comment. Page numbers are renumbered
 * densely (sorted order) before simulation; faults do not depend on it.
 *
 * Exit status: 0, 2 for bad options or input, 123 when out of memory.
 * Single-threaded; all state is local to one call.
 */
#include "commands.h"
#include "util.h"

#include "opt.h"
#include "policy.h"
#include "policy_sim.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_MAX_LIST   16          /* frame counts, policies, patterns */
#define OPT_MAX_LENGTH (1u << 30)  /* references in one trace */

struct opt_trace {
	char name[64];         /* pattern name or file name */
	uint32_t *refs;        /* dense page numbers */
	size_t n;
	uint32_t nr_pages;     /* distinct pages */
};

struct opt_args {
	uint32_t frames[OPT_MAX_LIST];
	unsigned nr_frames;
	const struct policy_ops *policies[OPT_MAX_LIST];
	unsigned nr_policies;
	int patterns[OPT_MAX_LIST];
	unsigned nr_patterns;
	uint64_t length, pages, seed, tick;
	const char *file;
	bool json;
};

static void opt_usage(FILE *f)
{
	fprintf(f,
		"usage: memvisor opt --frames N[,N...] [--policy all|NAME[,NAME...]] [--json]\n"
		"                    [--tick N] (TRACE | - | --pattern P[,P...] [--length L]\n"
		"                    [--pages P] [--seed S])\n\n"
		"Faults of each page-replacement policy and of Belady's OPT (the fewest\n"
		"possible) on a reference string with N frames.\n\n"
		"  TRACE, -        page numbers separated by whitespace or commas ('#' comments)\n"
		"  --pattern       generate: loop, zipf, random, scan (hot set + sequential scan)\n"
		"  --length L      references to generate (default 10000)\n"
		"  --pages P       distinct pages to generate over (default 1000)\n"
		"  --seed S        seed of the generator and of the random policy (default 1)\n"
		"  --tick N        references per aging tick (default: the frame count)\n"
		"  --policy        fifo, clock, lru, lru-exact, lfu, random, or all (default)\n"
		"  --json          one JSON object instead of the table\n");
}

/* Parses a decimal number in [min, max]; returns -1 (with a message) otherwise. */
static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		mv_err("opt: %s: '%s' is not a number in [%llu, %llu]", opt, s,
		       (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * Splits a comma-separated list and calls one(item, ctx, index) for each;
 * returns the number of items, or -1 when one fails or there are too many.
 */
static int parse_list(const char *opt, const char *s,
		      int (*one)(const char *item, void *ctx, unsigned i), void *ctx)
{
	char buf[256];
	unsigned n = 0;
	if (strlen(s) >= sizeof(buf)) {
		mv_err("opt: %s: list too long", opt);
		return -1;
	}
	strcpy(buf, s);
	for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == OPT_MAX_LIST) {
			mv_err("opt: %s: more than %d items", opt, OPT_MAX_LIST);
			return -1;
		}
		if (one(tok, ctx, n++))
			return -1;
	}
	if (!n)
		mv_err("opt: %s: empty list", opt);
	return n ? (int)n : -1;
}

static int one_frames(const char *item, void *ctx, unsigned i)
{
	uint64_t v;
	if (parse_u64("--frames", item, 1, OPT_MAX_LENGTH, &v))
		return -1;
	((struct opt_args *)ctx)->frames[i] = (uint32_t)v;
	return 0;
}

static int one_policy(const char *item, void *ctx, unsigned i)
{
	struct opt_args *a = ctx;
	a->policies[i] = policy_by_name(item);
	if (!a->policies[i])
		mv_err("opt: --policy: unknown policy '%s' (try --help)", item);
	return a->policies[i] ? 0 : -1;
}

static int one_pattern(const char *item, void *ctx, unsigned i)
{
	struct opt_args *a = ctx;
	a->patterns[i] = policy_pattern_by_name(item);
	if (a->patterns[i] < 0)
		mv_err("opt: --pattern: unknown pattern '%s' (loop, zipf, random, scan)", item);
	return a->patterns[i] < 0 ? -1 : 0;
}

static void all_policies(struct opt_args *a)
{
	for (a->nr_policies = 0; policy_all[a->nr_policies]; a->nr_policies++)
		a->policies[a->nr_policies] = policy_all[a->nr_policies];
}

/* Returns 0, 1 after --help, or -1 for a usage error (message printed). */
static int parse_option(struct opt_args *a, int c, const char *arg)
{
	int n = 0;
	switch (c) {
	case 'f':
		n = parse_list("--frames", arg, one_frames, a);
		a->nr_frames = n > 0 ? (unsigned)n : 0;
		break;
	case 'P':
		if (strcmp(arg, "all")) {
			n = parse_list("--policy", arg, one_policy, a);
			a->nr_policies = n > 0 ? (unsigned)n : 0;
		}
		break;
	case 'p':
		n = parse_list("--pattern", arg, one_pattern, a);
		a->nr_patterns = n > 0 ? (unsigned)n : 0;
		break;
	case 'l': return parse_u64("--length", arg, 1, OPT_MAX_LENGTH, &a->length);
	case 'n': return parse_u64("--pages", arg, 1, OPT_MAX_LENGTH, &a->pages);
	case 's': return parse_u64("--seed", arg, 0, UINT64_MAX, &a->seed);
	case 't': return parse_u64("--tick", arg, 1, UINT32_MAX, &a->tick);
	case 'j': a->json = true; break;
	case 'h': opt_usage(stdout); return 1;
	default: return -1;
	}
	return n < 0 ? -1 : 0;
}

/* Returns 0, 1 after --help, or -1 for a usage error (message printed). */
static int parse_args(struct opt_args *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "policy", required_argument, NULL, 'P' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "length", required_argument, NULL, 'l' },
		{ "pages", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "tick", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*a = (struct opt_args){ .length = 10000, .pages = 1000, .seed = 1 };
	all_policies(a);
	int c, r;
	optind = 0; /* glibc: a full reset, so cmd_opt can run again (tests) */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1)
		if ((r = parse_option(a, c, optarg)))
			return r;
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc || !a->nr_frames || !a->file == !a->nr_patterns) {
		mv_err("opt: %s", optind < argc ? "one trace at most" :
				  !a->nr_frames ? "--frames is required" :
				  a->file ? "a trace file and --pattern exclude each other" :
					    "give a trace file, '-' or --pattern");
		return -1;
	}
	return 0;
}

/* ---- traces -------------------------------------------------------------- */

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Renumbers raw[0..n) densely into t->refs; returns 0 or -1 (no memory). */
static int densify(struct opt_trace *t, const uint64_t *raw, size_t n)
{
	uint64_t *sorted = malloc(n * sizeof(*sorted));
	t->refs = malloc(n * sizeof(*t->refs));
	if (!sorted || !t->refs) {
		free(sorted);
		return -1;
	}
	memcpy(sorted, raw, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || sorted[u - 1] != sorted[i])
			sorted[u++] = sorted[i];
	for (size_t i = 0; i < n; i++)
		t->refs[i] = (uint32_t)((uint64_t *)bsearch(&raw[i], sorted, u, sizeof(*sorted),
							    cmp_u64) - sorted);
	t->n = n;
	t->nr_pages = (uint32_t)u;
	free(sorted);
	return 0;
}

struct reader {
	const char *name;
	unsigned line;
	uint64_t *v;
	size_t n, cap;
};

/* Adds one token; returns 0, or -1 (bad token, too long, no memory). */
static int reader_token(struct reader *r, const char *tok)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 0);
	if (errno || *end || tok[0] == '-' || tok[0] == '+') {
		mv_err("opt: %s:%u: '%s' is not a page number", r->name, r->line, tok);
		return -1;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 4096;
		uint64_t *v2 = cap <= OPT_MAX_LENGTH ? realloc(r->v, cap * sizeof(*v2)) : NULL;
		if (!v2) {
			mv_err("opt: %s: more than %u references or out of memory", r->name,
			       OPT_MAX_LENGTH);
			return -1;
		}
		r->v = v2;
		r->cap = cap;
	}
	r->v[r->n++] = v;
	return 0;
}

/* Reads tokens of one line; returns 0 or -1. */
static int reader_line(struct reader *r, char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	for (char *save, *tok = strtok_r(line, " \t\r\n,", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n,", &save))
		if (reader_token(r, tok))
			return -1;
	return 0;
}

/* Reads a trace file ('-': stdin) into t; returns 0 or -1 (message printed). */
static int read_trace(struct opt_trace *t, const char *path)
{
	struct reader r = { .name = strcmp(path, "-") ? path : "<stdin>" };
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t len = 0;
	int err = 0;
	if (!f) {
		mv_err("opt: cannot open %s: %m", path);
		return -1;
	}
	while (!err && getline(&line, &len, f) >= 0) {
		r.line++;
		err = reader_line(&r, line);
	}
	if (!err && ferror(f))
		mv_err("opt: reading %s: %m", r.name), err = -1;
	if (!err && !r.n)
		mv_err("opt: %s: no page numbers", r.name), err = -1;
	if (!err && densify(t, r.v, r.n))
		mv_err("opt: out of memory"), err = -1;
	snprintf(t->name, sizeof(t->name), "%s", r.name);
	free(line);
	free(r.v);
	if (f != stdin)
		fclose(f);
	return err;
}

/* Generates pattern pat into t; returns 0 or -1 (no memory). */
static int gen_trace(struct opt_trace *t, const struct opt_args *a, int pat)
{
	size_t wsize = policy_trace_work_size(pat, (uint32_t)a->pages);
	void *work = wsize ? malloc(wsize) : NULL;
	t->refs = malloc(a->length * sizeof(*t->refs));
	t->n = a->length;
	t->nr_pages = (uint32_t)a->pages;
	snprintf(t->name, sizeof(t->name), "%s", policy_pattern_name(pat));
	int err = (!work && wsize) || !t->refs ||
		  policy_trace_generate(pat, t->refs, t->n, t->nr_pages, a->seed, work, wsize);
	free(work);
	if (err)
		mv_err("opt: out of memory for a %s trace", t->name);
	return err ? -1 : 0;
}

/* ---- running ------------------------------------------------------------ */

/* OPT's faults; UINT64_MAX when out of memory. */
static uint64_t run_opt(const struct opt_trace *t, uint32_t frames)
{
	size_t size = opt_work_size(t->n, t->nr_pages, frames);
	void *work = malloc(size);
	uint64_t faults = UINT64_MAX;
	if (work && opt_faults(t->refs, t->n, t->nr_pages, frames, work, size, &faults))
		faults = UINT64_MAX;
	free(work);
	return faults;
}

/* A policy's faults; UINT64_MAX when out of memory. */
static uint64_t run_policy(const struct opt_trace *t, const struct opt_args *a,
			   const struct policy_ops *ops, uint32_t frames)
{
	struct policy_sim_params sp = {
		.ops = ops, .nr_frames = frames, .nr_pages = t->nr_pages,
		.tick_every = (uint32_t)a->tick, .seed = a->seed,
	};
	size_t size = policy_sim_work_size(frames, t->nr_pages);
	void *work = malloc(size);
	struct policy_sim_result r;
	uint64_t faults = UINT64_MAX;
	if (work && !policy_sim_run(&sp, t->refs, t->n, work, size, &r))
		faults = r.faults;
	free(work);
	return faults;
}

/*
 * faults[(trace * nr_frames + frame) * (nr_policies + 1) + policy], OPT
 * last in each row. Returns 0 or -1 (out of memory).
 */
static int run_all(const struct opt_args *a, const struct opt_trace *traces,
		   unsigned nr_traces, uint64_t *faults)
{
	unsigned w = a->nr_policies + 1;
	for (unsigned t = 0; t < nr_traces; t++) {
		for (unsigned f = 0; f < a->nr_frames; f++) {
			uint64_t *row = faults + (t * a->nr_frames + f) * w;
			for (unsigned p = 0; p < a->nr_policies; p++)
				row[p] = run_policy(&traces[t], a, a->policies[p], a->frames[f]);
			row[a->nr_policies] = run_opt(&traces[t], a->frames[f]);
			for (unsigned p = 0; p < w; p++)
				if (row[p] == UINT64_MAX)
					return -1;
		}
	}
	return 0;
}

/* ---- output --------------------------------------------------------------- */

static void print_table(const struct opt_args *a, const struct opt_trace *traces,
			unsigned nr_traces, const uint64_t *faults)
{
	unsigned w = a->nr_policies + 1, cols = nr_traces * a->nr_frames;
	char head[96];
	for (unsigned t = 0; t < nr_traces; t++)
		printf("%s: %zu references, %u distinct pages\n", traces[t].name, traces[t].n,
		       traces[t].nr_pages);
	printf("\nfaults (x OPT)\n%-10s", "policy");
	for (unsigned c = 0; c < cols; c++) {
		snprintf(head, sizeof(head), "%.40s/%u", traces[c / a->nr_frames].name,
			 a->frames[c % a->nr_frames]);
		printf(" %18s", head);
	}
	for (unsigned p = 0; p < w; p++) {
		printf("\n%-10s", p < a->nr_policies ? a->policies[p]->name : "OPT");
		for (unsigned c = 0; c < cols; c++) {
			const uint64_t *row = faults + c * w;
			double best = (double)row[a->nr_policies];
			printf(" %10llu (%5.2f)", (unsigned long long)row[p],
			       best > 0 ? (double)row[p] / best : 1.0);
		}
	}
	printf("\n");
}

static json_object *json_u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static void print_json(const struct opt_args *a, const struct opt_trace *traces,
		       unsigned nr_traces, const uint64_t *faults)
{
	json_object *root = json_object_new_object(), *results = json_object_new_array();
	unsigned w = a->nr_policies + 1;
	for (unsigned t = 0; t < nr_traces; t++) {
		for (unsigned f = 0; f < a->nr_frames; f++) {
			const uint64_t *row = faults + (t * a->nr_frames + f) * w;
			json_object *r = json_object_new_object(), *by = json_object_new_object();
			json_object_object_add(r, "trace", json_object_new_string(traces[t].name));
			json_object_object_add(r, "references", json_u64(traces[t].n));
			json_object_object_add(r, "pages", json_u64(traces[t].nr_pages));
			json_object_object_add(r, "frames", json_u64(a->frames[f]));
			for (unsigned p = 0; p < a->nr_policies; p++)
				json_object_object_add(by, a->policies[p]->name, json_u64(row[p]));
			json_object_object_add(r, "faults", by);
			json_object_object_add(r, "opt", json_u64(row[a->nr_policies]));
			json_object_array_add(results, r);
		}
	}
	json_object_object_add(root, "seed", json_u64(a->seed));
	json_object_object_add(root, "results", results);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
}

/* ---- the command ---------------------------------------------------------- */

static int load_traces(const struct opt_args *a, struct opt_trace *traces, unsigned *nr)
{
	if (a->file) {
		*nr = 1;
		return read_trace(&traces[0], a->file) ? MV_EXIT_USAGE : 0;
	}
	for (*nr = 0; *nr < a->nr_patterns; (*nr)++)
		if (gen_trace(&traces[*nr], a, a->patterns[*nr]))
			return MV_EXIT_HOST_ERROR;
	return 0;
}

int cmd_opt(int argc, char **argv)
{
	struct opt_args a;
	struct opt_trace traces[OPT_MAX_LIST] = { 0 };
	unsigned nr = 0;
	int r = parse_args(&a, argc, argv);
	if (r)
		return r > 0 ? 0 : MV_EXIT_USAGE;
	int status = load_traces(&a, traces, &nr);
	uint64_t *faults = status ? NULL :
		calloc((size_t)nr * a.nr_frames * (a.nr_policies + 1), sizeof(*faults));
	if (!status && (!faults || run_all(&a, traces, nr, faults))) {
		mv_err("opt: out of memory");
		status = MV_EXIT_HOST_ERROR;
	}
	if (!status && a.json)
		print_json(&a, traces, nr, faults);
	else if (!status)
		print_table(&a, traces, nr, faults);
	for (unsigned t = 0; t < OPT_MAX_LIST; t++)
		free(traces[t].refs);
	free(faults);
	return status;
}
