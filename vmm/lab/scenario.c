/*
 * scenario.c: loads a scenario file (format in scenario.h) with libyaml's
 * document API and checks every value as it goes. Each key of a mapping
 * is handled by one small function found in a table; an unknown key, a
 * value of the wrong shape or a bad size, time, schedule, regex or
 * condition stops the load with "FILE:LINE: what is wrong" (the first
 * error wins). Line numbers come from libyaml's marks (0-based there).
 */
#include "scenario.h"
#include "matrix.h"
#include "numa.h"
#include "schedule.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

struct loader {
	yaml_document_t doc;
	const char *file;
	char dir[4096];                /* the file's folder */
	struct scenario *sc;
	struct mv_error *err;
	bool failed;
	yaml_node_t *numa;             /* guest.numa's value, checked by finish */
};

typedef void (*key_fn)(struct loader *l, yaml_node_t *v);
struct key {
	const char *name;
	key_fn fn;
};

static int line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static void lfail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void lfail(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (l->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mv_fail(l->err, -EINVAL, "%s:%d: %s", l->file, n ? line_of(n) : 1, msg);
	l->failed = true;
}

static yaml_node_t *node(struct loader *l, int id)
{
	return yaml_document_get_node(&l->doc, id);
}

/* The text of a scalar node, or NULL with an error naming what. */
static const char *scalar(struct loader *l, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		lfail(l, n, "%s: expected a single value, not a %s", what,
		      n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static char *dup_scalar(struct loader *l, yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);
	return s ? strdup(s) : NULL;
}

/* A path relative to the scenario's folder (absolute ones stay). */
static char *resolve(struct loader *l, const char *p)
{
	char *out;
	if (p[0] == '/' || asprintf(&out, "%s/%s", l->dir, p) < 0)
		out = strdup(p);
	return out;
}

static void walk_mapping(struct loader *l, yaml_node_t *map, const char *what,
			 const struct key *keys, size_t nkeys)
{
	if (map->type != YAML_MAPPING_NODE) {
		lfail(l, map, "%s: expected a mapping of keys to values", what);
		return;
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top && !l->failed; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *name = scalar(l, k, "key");
		size_t i;
		if (!name)
			return;
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *prev = node(l, q->key);
			if (prev->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)prev->data.scalar.value, name))
				lfail(l, k, "'%s' given twice in %s", name, what);
		}
		for (i = 0; i < nkeys && strcmp(keys[i].name, name); i++)
			;
		if (i == nkeys) {
			char known[256] = "";
			for (size_t j = 0; j < nkeys; j++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
					 j ? ", " : "", keys[j].name);
			lfail(l, k, "unknown key '%s' in %s (known: %s)", name, what, known);
			return;
		}
		keys[i].fn(l, v);
	}
}

/* Calls fn for each item of a list; a single value counts as a list of one. */
static void for_items(struct loader *l, yaml_node_t *v, void (*fn)(struct loader *, yaml_node_t *))
{
	if (v->type != YAML_SEQUENCE_NODE) {
		fn(l, v);
		return;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	     it < v->data.sequence.items.top && !l->failed; it++)
		fn(l, node(l, *it));
}

/* ---- guest ------------------------------------------------------------------ */

static void check_size(struct loader *l, yaml_node_t *v, const char *what, char **dst)
{
	struct mv_error err;
	uint64_t bytes;
	*dst = dup_scalar(l, v, what);
	if (*dst && mv_parse_size(*dst, &bytes, &err) < 0)
		lfail(l, v, "%s: %s", what, err.msg);
}

static void key_kernel(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "guest.kernel");
	if (s && !strcmp(s, "linux"))
		l->sc->linux_guest = true; /* its paths are filled in at the end */
	else if (s && strcmp(s, "memvisor")) /* memvisor: the default, named */
		l->sc->kernel = resolve(l, s);
}

static void key_initrd(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "guest.initrd");
	if (s)
		l->sc->initrd = resolve(l, s);
}

static void key_memory(struct loader *l, yaml_node_t *v)
{
	check_size(l, v, "guest.memory", &l->sc->memory);
}

static void key_swap(struct loader *l, yaml_node_t *v)
{
	check_size(l, v, "guest.swap", &l->sc->swap);
}

static void key_cpus(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "guest.cpus");
	char *end;
	long n = s ? strtol(s, &end, 10) : 0;
	if (s && (*end || n < 1 || n > 64))
		lfail(l, v, "guest.cpus: '%s' is not a count of 1 to 64", s);
	l->sc->cpus = (int)n;
}

static void key_cmdline(struct loader *l, yaml_node_t *v)
{
	l->sc->cmdline = dup_scalar(l, v, "guest.cmdline");
}

static void key_numa(struct loader *l, yaml_node_t *v)
{
	l->sc->numa = dup_scalar(l, v, "guest.numa");
	l->numa = v;
}

/* guest.numa against the guest's RAM and vCPUs, as `run --numa` checks
 * it (so a bad spec is reported with its line, before any VM starts). */
static void check_numa(struct loader *l)
{
	struct scenario *sc = l->sc;
	struct numa_config cfg;
	struct mv_error err;
	uint64_t ram;
	if (!sc->numa || mv_parse_size(sc->memory, &ram, &err) < 0)
		return;
	if (numa_parse(sc->numa, ram, sc->cpus ? sc->cpus : 1, &cfg, &err) < 0)
		lfail(l, l->numa, "guest.numa: %s", err.msg);
}

static void key_guest(struct loader *l, yaml_node_t *v)
{
	static const struct key keys[] = {
		{ "kernel", key_kernel }, { "memory", key_memory }, { "cpus", key_cpus },
		{ "initrd", key_initrd }, { "swap", key_swap }, { "cmdline", key_cmdline },
		{ "numa", key_numa },
	};
	walk_mapping(l, v, "guest", keys, sizeof(keys) / sizeof(keys[0]));
}

/* ---- run --------------------------------------------------------------------- */

static void key_name(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "name");
	if (s && (!*s || strpbrk(s, "/ \t")))
		lfail(l, v, "name: '%s' must be one word without '/' (it names a folder)", s);
	if (s)
		l->sc->name = strdup(s);
}

static void key_description(struct loader *l, yaml_node_t *v)
{
	l->sc->description = dup_scalar(l, v, "description");
}

static void key_host(struct loader *l, yaml_node_t *v)
{
	l->sc->host = dup_scalar(l, v, "host");
	if (l->sc->host && !l->sc->host[strspn(l->sc->host, " \t")])
		lfail(l, v, "host: expected a memvisor command, e.g. opt --frames 3 trace.txt");
}

static void key_start_from(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "start_from");
	if (s)
		l->sc->start_from = resolve(l, s);
}

static void key_workload(struct loader *l, yaml_node_t *v)
{
	l->sc->workload = dup_scalar(l, v, "workload");
}

static void add_pressure(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "pressure");
	char *joined;
	if (!s)
		return;
	if (asprintf(&joined, "%s%s%s", l->sc->pressure ? l->sc->pressure : "",
		     l->sc->pressure ? "," : "", s) < 0)
		abort();
	free(l->sc->pressure);
	l->sc->pressure = joined;
}

static void key_pressure(struct loader *l, yaml_node_t *v)
{
	struct schedule_event ev[SCHEDULE_MAX_EVENTS];
	struct mv_error err;
	for_items(l, v, add_pressure);
	if (!l->failed && l->sc->pressure &&
	    schedule_parse(l->sc->pressure, ev, SCHEDULE_MAX_EVENTS, &err) < 0)
		lfail(l, v, "pressure: %s", err.msg);
}

static void key_stats_interval(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "stats_interval");
	if (s && (mv_parse_seconds(s, &l->sc->stats_interval) < 0 || l->sc->stats_interval < 0.01))
		lfail(l, v, "stats_interval: '%s' is not a number of seconds (0.01 or more)", s);
}

static void key_timeout(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "timeout");
	if (s && (mv_parse_seconds(s, &l->sc->timeout) < 0 || l->sc->timeout <= 0))
		lfail(l, v, "timeout: '%s' is not a number of seconds", s);
}

bool scenario_snapshot_timed(const char *label)
{
	double at;
	return !strcmp(label, "exit") || schedule_parse_time(label, &at) == 0;
}

/* arr (n elements of size bytes) with room for one more, that one zeroed;
 * aborts when memory runs out, as the loader does everywhere. */
static void *grow_zeroed(void *arr, size_t n, size_t size)
{
	char *a = realloc(arr, (n + 1) * size);
	if (!a)
		abort();
	memset(a + n * size, 0, size);
	return a;
}

static void add_snapshot(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "snapshots");
	if (!s)
		return;
	if (!scenario_snapshot_timed(s) && !schedule_snapshot_is_name(s)) {
		lfail(l, v, "snapshots: '%s' is not a time like 2s or 500ms, exit, or a name "
			    "a pressure step takes (snapshot=NAME)", s);
		return;
	}
	l->sc->snapshots = realloc(l->sc->snapshots, (l->sc->nr_snapshots + 1) * sizeof(char *));
	if (!l->sc->snapshots)
		abort();
	l->sc->snapshots[l->sc->nr_snapshots++] = strdup(s);
}

static void key_snapshots(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_snapshot);
}

/* ---- expectations -------------------------------------------------------------- */

static void key_status(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "expect.status");
	char *end;
	long n = s ? strtol(s, &end, 10) : 0;
	if (s && !strcmp(s, "any"))
		l->sc->expect_status = -1;
	else if (s && (*end || !*s || n < 0 || n > 255))
		lfail(l, v, "expect.status: '%s' is not an exit status (0-255) or any", s);
	else
		l->sc->expect_status = (int)n;
}

static void add_regex(struct loader *l, yaml_node_t *v, struct scenario_regex **arr, size_t *n,
		      const char *what)
{
	const char *s = scalar(l, v, what);
	if (!s)
		return;
	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!*arr)
		abort();
	struct scenario_regex *r = &(*arr)[*n];
	int rc = regcomp(&r->re, s, REG_EXTENDED | REG_NEWLINE);
	if (rc) {
		char msg[200];
		regerror(rc, &r->re, msg, sizeof(msg));
		lfail(l, v, "%s: bad regular expression '%s': %s", what, s, msg);
		return;
	}
	r->text = strdup(s);
	r->line = line_of(v);
	(*n)++;
}

static void add_console(struct loader *l, yaml_node_t *v)
{
	add_regex(l, v, &l->sc->console, &l->sc->nr_console, "expect.console");
}

static void add_no_console(struct loader *l, yaml_node_t *v)
{
	add_regex(l, v, &l->sc->no_console, &l->sc->nr_no_console, "expect.no_console");
}

static void key_console(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_console);
}

static void key_no_console(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_no_console);
}

static void add_cond(struct loader *l, yaml_node_t *v, enum expect_kind kind,
		     struct scenario_cond **arr, size_t *n)
{
	const char *what = kind == EXPECT_STATS ? "expect.stats" : "expect.diffs.expect";
	const char *s = scalar(l, v, what);
	struct mv_error err;
	if (!s)
		return;
	struct expect_cond *c = expect_parse(s, kind, &err);
	if (!c) {
		lfail(l, v, "%s: '%s': %s", what, s, err.msg);
		return;
	}
	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	if (!*arr)
		abort();
	(*arr)[*n].cond = c;
	(*arr)[(*n)++].line = line_of(v);
}

static void add_json(struct loader *l, yaml_node_t *v)
{
	add_cond(l, v, EXPECT_DIFF, &l->sc->json, &l->sc->nr_json);
}

static void key_json(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_json);
}

static void add_stats(struct loader *l, yaml_node_t *v)
{
	add_cond(l, v, EXPECT_STATS, &l->sc->stats, &l->sc->nr_stats);
}

static void key_stats(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_stats);
}

/* results: measures recorded per run for a sweep's table (expect.h). */
static void add_result(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "results");
	struct mv_error err;
	if (!s)
		return;
	struct expect_cond *m = expect_parse_measure(s, &err);
	if (!m) {
		lfail(l, v, "results: '%s': %s", s, err.msg);
		return;
	}
	struct scenario *sc = l->sc;
	sc->results = realloc(sc->results, (sc->nr_results + 1) * sizeof(*sc->results));
	if (!sc->results)
		abort();
	sc->results[sc->nr_results].cond = m;
	sc->results[sc->nr_results++].line = line_of(v);
}

static void key_results(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_result);
}

/* One literal piece of a notice (the text up to a '{' or the end). */
static void notice_piece(struct scenario_notice *n, const char *text, size_t len)
{
	n->pieces = realloc(n->pieces, (n->nr_measures + 1) * sizeof(*n->pieces));
	if (!n->pieces || !(n->pieces[n->nr_measures] = strndup(text, len)))
		abort();
}

/* Splits a notice at its {MEASURE}s; false (with an error) for a bad one. */
static bool parse_notice(struct loader *l, yaml_node_t *v, const char *s,
			 struct scenario_notice *n)
{
	struct mv_error err;
	for (;;) {
		size_t lit = strcspn(s, "{");
		notice_piece(n, s, lit);
		if (!s[lit])
			return true;
		const char *end = strchr(s + lit, '}');
		if (!end) {
			lfail(l, v, "notice: '{' without its '}'");
			return false;
		}
		char *expr = strndup(s + lit + 1, (size_t)(end - (s + lit)) - 1);
		struct expect_cond *m = expr ? expect_parse_measure(expr, &err) : NULL;
		if (!m)
			lfail(l, v, "notice: '{%s}': %s", expr ? expr : "", err.msg);
		free(expr);
		if (!m)
			return false;
		n->measures = realloc(n->measures, (n->nr_measures + 1) * sizeof(*n->measures));
		if (!n->measures)
			abort();
		n->measures[n->nr_measures++] = m;
		s = end + 1;
	}
}

static void add_notice(struct loader *l, yaml_node_t *v)
{
	const char *s = scalar(l, v, "notice");
	struct scenario *sc = l->sc;
	if (!s)
		return;
	sc->notices = grow_zeroed(sc->notices, sc->nr_notices, sizeof(*sc->notices));
	struct scenario_notice *n = &sc->notices[sc->nr_notices++];
	n->line = line_of(v);
	parse_notice(l, v, s, n);
}

static void key_notice(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_notice);
}

/* matrix: read and checked before the text was expanded (matrix.c). */
static void key_matrix(struct loader *l, yaml_node_t *v)
{
	(void)l;
	(void)v;
}

/* The diff being loaded: the last one of the array. */
static struct scenario_diff *cur_diff(struct loader *l)
{
	return &l->sc->diffs[l->sc->nr_diffs - 1];
}

static void check_label(struct loader *l, yaml_node_t *v, const char *label, const char *what)
{
	for (size_t i = 0; i < l->sc->nr_snapshots; i++)
		if (!strcmp(l->sc->snapshots[i], label))
			return;
	lfail(l, v, "%s: '%s' is not one of the snapshots (list it under "
		    "snapshots: first)", what, label);
}

static void key_between(struct loader *l, yaml_node_t *v)
{
	struct scenario_diff *d = cur_diff(l);
	if (v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.top - v->data.sequence.items.start != 2) {
		lfail(l, v, "expect.diffs.between: expected two snapshot times, e.g. [1s, exit]");
		return;
	}
	d->from = dup_scalar(l, node(l, v->data.sequence.items.start[0]), "between");
	d->to = dup_scalar(l, node(l, v->data.sequence.items.start[1]), "between");
	if (d->from)
		check_label(l, v, d->from, "expect.diffs");
	if (d->to)
		check_label(l, v, d->to, "expect.diffs");
}

static void add_diff_cond(struct loader *l, yaml_node_t *v)
{
	struct scenario_diff *d = cur_diff(l);
	add_cond(l, v, EXPECT_DIFF, &d->conds, &d->nr_conds);
}

static void key_diff_expect(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_diff_cond);
}

static void add_diff(struct loader *l, yaml_node_t *v)
{
	static const struct key keys[] = {
		{ "between", key_between }, { "expect", key_diff_expect },
	};
	struct scenario *sc = l->sc;
	sc->diffs = grow_zeroed(sc->diffs, sc->nr_diffs, sizeof(*sc->diffs));
	sc->diffs[sc->nr_diffs++].line = line_of(v);
	walk_mapping(l, v, "expect.diffs", keys, sizeof(keys) / sizeof(keys[0]));
	if (!l->failed && !cur_diff(l)->from)
		lfail(l, v, "expect.diffs: every diff needs between: [A, B]");
}

static void key_diffs(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_diff);
}

/* The view being loaded: the last one of the array. */
static struct scenario_show *cur_show(struct loader *l)
{
	return &l->sc->shows[l->sc->nr_shows - 1];
}

static void key_show_snapshot(struct loader *l, yaml_node_t *v)
{
	struct scenario_show *s = cur_show(l);
	s->snapshot = dup_scalar(l, v, "expect.show.snapshot");
	if (s->snapshot)
		check_label(l, v, s->snapshot, "expect.show.snapshot");
}

static void key_show_view(struct loader *l, yaml_node_t *v)
{
	static const char *const views[] = { "maps", "tables", "nested", "zones", "slabs",
					     "vmstat", "segments", "log" };
	struct scenario_show *s = cur_show(l);
	s->view = dup_scalar(l, v, "expect.show.view");
	for (size_t i = 0; s->view && i < sizeof(views) / sizeof(views[0]); i++)
		if (!strcmp(s->view, views[i]))
			return;
	if (s->view)
		lfail(l, v, "expect.show.view: '%s' is not a view of show (maps, tables, "
			    "nested, zones, slabs, vmstat, segments, log)", s->view);
}

static void key_show_space(struct loader *l, yaml_node_t *v)
{
	struct scenario_show *s = cur_show(l);
	char *end;
	s->space = dup_scalar(l, v, "expect.show.space");
	if (s->space && strcmp(s->space, "kernel") &&
	    (strtol(s->space, &end, 10) <= 0 || *end))
		lfail(l, v, "expect.show.space: '%s' is not kernel or a pid", s->space);
}

static void add_show_line(struct loader *l, yaml_node_t *v)
{
	struct scenario_show *s = cur_show(l);
	add_regex(l, v, &s->lines, &s->nr_lines, "expect.show.lines");
}

static void key_show_lines(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_show_line);
}

static void add_show_no_line(struct loader *l, yaml_node_t *v)
{
	struct scenario_show *s = cur_show(l);
	add_regex(l, v, &s->no_lines, &s->nr_no_lines, "expect.show.no_lines");
}

static void key_show_no_lines(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_show_no_line);
}

static void add_show(struct loader *l, yaml_node_t *v)
{
	static const struct key keys[] = {
		{ "snapshot", key_show_snapshot }, { "view", key_show_view },
		{ "space", key_show_space }, { "lines", key_show_lines },
		{ "no_lines", key_show_no_lines },
	};
	struct scenario *sc = l->sc;
	sc->shows = grow_zeroed(sc->shows, sc->nr_shows, sizeof(*sc->shows));
	sc->shows[sc->nr_shows++].line = line_of(v);
	walk_mapping(l, v, "expect.show", keys, sizeof(keys) / sizeof(keys[0]));
	if (!l->failed && (!cur_show(l)->snapshot ||
			   !(cur_show(l)->nr_lines + cur_show(l)->nr_no_lines)))
		lfail(l, v, "expect.show: every view needs snapshot: and lines: or no_lines:");
}

static void key_shows(struct loader *l, yaml_node_t *v)
{
	for_items(l, v, add_show);
}

static void key_expect(struct loader *l, yaml_node_t *v)
{
	static const struct key keys[] = {
		{ "status", key_status }, { "console", key_console },
		{ "no_console", key_no_console }, { "stats", key_stats }, { "diffs", key_diffs },
		{ "json", key_json }, { "show", key_shows },
	};
	walk_mapping(l, v, "expect", keys, sizeof(keys) / sizeof(keys[0]));
}

/* ---- the file -------------------------------------------------------------------- */

static const struct key top_keys[] = {
	{ "name", key_name }, { "description", key_description }, { "guest", key_guest },
	{ "workload", key_workload }, { "host", key_host }, { "pressure", key_pressure },
	{ "stats_interval", key_stats_interval }, { "snapshots", key_snapshots },
	{ "timeout", key_timeout }, { "expect", key_expect }, { "results", key_results },
	{ "matrix", key_matrix }, { "notice", key_notice }, { "start_from", key_start_from },
};

static int load_document(struct loader *l, const char *text)
{
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	int ok = yaml_parser_load(&parser, &l->doc);
	if (!ok)
		mv_fail(l->err, -EINVAL, "%s:%d: YAML: %s%s%s", l->file,
			(int)parser.problem_mark.line + 1, parser.problem ? parser.problem : "error",
			parser.context ? " " : "", parser.context ? parser.context : "");
	yaml_parser_delete(&parser);
	return ok ? 0 : -EINVAL;
}

static char *default_path(const char *exe_dir, const char *rel)
{
	char *p;
	if (asprintf(&p, "%s/%s", exe_dir, rel) < 0)
		abort();
	return p;
}

/* A host command has no guest: what only a guest run can do is refused. */
static void finish_host(struct loader *l)
{
	struct scenario *sc = l->sc;
	if (sc->workload || sc->kernel || sc->initrd || sc->swap || sc->cmdline || sc->pressure ||
	    sc->numa || sc->nr_snapshots || sc->nr_stats || sc->nr_diffs || sc->nr_shows)
		lfail(l, NULL, "host: a host command runs no guest; leave out guest, workload, "
			       "pressure, snapshots, expect.stats, expect.diffs and expect.show");
}

/* A restored guest is the saved one: its shape, kernel and workload come
 * from the file, which must be there before any cell runs. */
static void finish_restore(struct loader *l)
{
	struct scenario *sc = l->sc;
	if (sc->workload || sc->kernel || sc->initrd || sc->swap || sc->cmdline || sc->memory ||
	    sc->cpus || sc->numa)
		lfail(l, NULL, "start_from: the saved VM brings its guest; leave out guest and "
			       "workload");
	else if (access(sc->start_from, R_OK) < 0)
		lfail(l, NULL, "start_from: cannot read %s: %m (a save file: memvisor save, or "
			       "save= in a pressure schedule)", sc->start_from);
}

/* Whether a pressure step of sc takes snapshot=name. */
static bool pressure_takes(const struct scenario *sc, const char *name)
{
	struct schedule_event ev[SCHEDULE_MAX_EVENTS];
	int n = sc->pressure ? schedule_parse(sc->pressure, ev, SCHEDULE_MAX_EVENTS, NULL) : 0;

	for (int i = 0; i < n; i++)
		if (!strcmp(ev[i].cmd, "snapshot") && !strcmp(ev[i].arg, name))
			return true;
	return false;
}

/* A named snapshot is one a pressure step takes (when the guest is ready). */
static void check_named_snapshots(struct loader *l)
{
	for (size_t i = 0; i < l->sc->nr_snapshots; i++) {
		const char *label = l->sc->snapshots[i];
		if (!scenario_snapshot_timed(label) && !pressure_takes(l->sc, label))
			lfail(l, NULL, "snapshots: no pressure step takes '%s' (add e.g. "
				       "\"when console \\\"REGEX\\\": snapshot=%s\")", label, label);
	}
}

/* Defaults and checks that need the whole file. */
static void finish(struct loader *l, const char *exe_dir)
{
	struct scenario *sc = l->sc;
	const char *base = strrchr(l->file, '/') ? strrchr(l->file, '/') + 1 : l->file;
	if (!sc->name)
		sc->name = strndup(base, strcspn(base, "."));
	sc->dir = strdup(l->dir);
	if (sc->host) {
		finish_host(l);
		return;
	}
	if (sc->nr_json)
		lfail(l, NULL, "expect.json: applies to a host command's output (host:)");
	check_named_snapshots(l);
	if (sc->start_from) {
		finish_restore(l);
		return;
	}
	if (!sc->kernel)
		sc->kernel = default_path(exe_dir, sc->linux_guest ? "linux/vmlinux"
								 : "guest/kernel.elf");
	if (!sc->initrd && sc->linux_guest) /* its init runs the workload */
		sc->initrd = default_path(exe_dir, "linux/initrd.cpio");
	if (!sc->initrd && sc->workload)
		sc->initrd = default_path(exe_dir, "guest/initrd.cpio");
	if (!sc->memory)
		sc->memory = strdup("128M");
	check_numa(l);
	if (access(sc->kernel, R_OK) < 0)
		lfail(l, NULL, "guest.kernel: cannot read %s: %m", sc->kernel);
	else if (sc->initrd && access(sc->initrd, R_OK) < 0)
		lfail(l, NULL, "guest.initrd: cannot read %s: %m", sc->initrd);
}

/* Loads one cell: text is the file's, with the cell's values in place. */
static int load_text(struct scenario *sc, const char *path, const char *text, const char *exe_dir,
		     struct mv_error *err)
{
	struct loader l = { .file = path, .sc = sc, .err = err };
	char tmp[4096];
	memset(sc, 0, sizeof(*sc));
	sc->file = strdup(path);
	sc->timeout = 60;
	sc->stats_interval = 0.25;
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(l.dir, sizeof(l.dir), "%s", dirname(tmp));
	int rc = load_document(&l, text);
	if (rc < 0) {
		scenario_free(sc);
		return rc;
	}
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	if (!root)
		lfail(&l, NULL, "the file is empty");
	else
		walk_mapping(&l, root, "the scenario", top_keys,
			     sizeof(top_keys) / sizeof(top_keys[0]));
	if (!l.failed)
		finish(&l, exe_dir);
	yaml_document_delete(&l.doc);
	if (l.failed) {
		scenario_free(sc);
		return -EINVAL;
	}
	return 0;
}

static char *read_text(const char *path, struct mv_error *err)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	if (!f) {
		mv_fail(err, -errno, "%s: %m", path);
		return NULL;
	}
	ssize_t n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		text = strdup("");
	}
	return text;
}

/* Loads cell of m from text; a sweep's cell is named "NAME[k=v,...]". */
static int load_cell(struct scenario *sc, const struct matrix *m, size_t cell, const char *path,
		     const char *text, const char *exe_dir, struct mv_error *err)
{
	char *cell_text = matrix_substitute(m, cell, text, path, err);
	if (!cell_text)
		return -EINVAL;
	int rc = load_text(sc, path, cell_text, exe_dir, err);
	free(cell_text);
	if (rc < 0)
		return rc;
	sc->label = matrix_cell_label(m, cell);
	if (m->nr_params) {
		char *name;
		if (asprintf(&name, "%s[%s]", sc->name, sc->label) < 0)
			abort();
		free(sc->name);
		sc->name = name;
	}
	return 0;
}

int scenario_load_cells(const char *path, const char *exe_dir, struct scenario **cells, size_t *n,
			struct mv_error *err)
{
	struct matrix m;
	char *text = read_text(path, err);
	int rc = text ? matrix_read(&m, text, path, err) : -ENOENT;

	*cells = NULL;
	*n = 0;
	if (rc < 0) {
		free(text);
		return rc;
	}
	*cells = calloc(m.nr_cells, sizeof(**cells));
	if (!*cells)
		abort();
	for (size_t i = 0; i < m.nr_cells && rc == 0; i++) {
		rc = load_cell(&(*cells)[i], &m, i, path, text, exe_dir, err);
		*n += rc == 0;
	}
	matrix_free(&m);
	free(text);
	if (rc < 0)
		scenario_free_cells(*cells, *n);
	return rc;
}

void scenario_free_cells(struct scenario *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		scenario_free(&cells[i]);
	free(cells);
}

static void free_regexes(struct scenario_regex *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		regfree(&r[i].re);
		free(r[i].text);
	}
	free(r);
}

static void free_conds(struct scenario_cond *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_free(c[i].cond);
	free(c);
}

void scenario_free(struct scenario *sc)
{
	char **strs[] = { &sc->file, &sc->name, &sc->label, &sc->description, &sc->dir, &sc->host,
			  &sc->kernel, &sc->initrd,
			  &sc->memory, &sc->swap, &sc->cmdline, &sc->workload, &sc->pressure,
			  &sc->start_from, &sc->numa };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < sc->nr_snapshots; i++)
		free(sc->snapshots[i]);
	free(sc->snapshots);
	free_regexes(sc->console, sc->nr_console);
	free_regexes(sc->no_console, sc->nr_no_console);
	free_conds(sc->stats, sc->nr_stats);
	free_conds(sc->json, sc->nr_json);
	free_conds(sc->results, sc->nr_results);
	for (size_t i = 0; i < sc->nr_notices; i++) {
		struct scenario_notice *n = &sc->notices[i];
		for (size_t k = 0; k < n->nr_measures; k++)
			expect_free(n->measures[k]);
		for (size_t k = 0; n->pieces && k <= n->nr_measures; k++)
			free(n->pieces[k]);
		free(n->pieces);
		free(n->measures);
	}
	free(sc->notices);
	for (size_t i = 0; i < sc->nr_diffs; i++) {
		free(sc->diffs[i].from);
		free(sc->diffs[i].to);
		free_conds(sc->diffs[i].conds, sc->diffs[i].nr_conds);
	}
	free(sc->diffs);
	for (size_t i = 0; i < sc->nr_shows; i++) {
		free(sc->shows[i].snapshot);
		free(sc->shows[i].view);
		free(sc->shows[i].space);
		free_regexes(sc->shows[i].lines, sc->shows[i].nr_lines);
		free_regexes(sc->shows[i].no_lines, sc->shows[i].nr_no_lines);
	}
	free(sc->shows);
	memset(sc, 0, sizeof(*sc));
}
