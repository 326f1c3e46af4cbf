/*
 * expect_eval.c: evaluates parsed conditions (expect_internal.h) against a
 * --stats stream or a `memvisor diff --json` object, and explains the
 * verdict with the values it saw. Semantics are documented in expect.h.
 *
 * Values are doubles; a path missing from a sample makes that sample's
 * value absent (struct val.ok false), which aggregates skip and
 * comparisons treat as "not decided here".
 */
#include "expect_internal.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct val {
	bool ok;
	double v;
};

/* Samples [lo, hi) form the window that aggregates look at. */
struct ctx {
	const struct expect_stats *s;
	json_object *diff;
	size_t lo, hi;
};

/* ---- JSON paths ----------------------------------------------------------- */

/* Copies the next segment of *p (quotes removed) into seg; false at the end. */
static bool next_segment(const char **p, char *seg, size_t len)
{
	const char *s = *p;
	size_t n = 0;
	if (!*s)
		return false;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++)
			if (n + 1 < len)
				seg[n++] = *s;
		if (*s == '"')
			s++;
	} else {
		for (; *s && *s != '.'; s++)
			if (n + 1 < len)
				seg[n++] = *s;
	}
	seg[n] = '\0';
	*p = *s == '.' ? s + 1 : s;
	return true;
}

int expect_json_number(json_object *o, const char *path, double *v)
{
	char seg[256];
	const char *p = path;
	while (o && next_segment(&p, seg, sizeof(seg))) {
		if (json_object_is_type(o, json_type_array)) {
			char *end;
			unsigned long i = strtoul(seg, &end, 10);
			o = *seg && !*end && i < json_object_array_length(o) ?
				    json_object_array_get_idx(o, i) : NULL;
		} else if (!json_object_is_type(o, json_type_object) ||
			   !json_object_object_get_ex(o, seg, &o)) {
			o = NULL;
		}
	}
	if (!o)
		return -ENOENT;
	switch (json_object_get_type(o)) {
	case json_type_int:
	case json_type_double:
	case json_type_boolean:
		*v = json_object_get_double(o);
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- the stats stream ------------------------------------------------------ */

static void stats_push(struct expect_stats *s, json_object *o, double t)
{
	json_object **ns = realloc(s->samples, (s->n + 1) * sizeof(*ns));
	double *nt = realloc(s->times, (s->n + 1) * sizeof(*nt));
	if (!ns || !nt)
		abort();
	s->samples = ns;
	s->times = nt;
	s->samples[s->n] = o;
	s->times[s->n++] = t;
}

int expect_stats_load(struct expect_stats *s, const char *path, struct mv_error *err)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	memset(s, 0, sizeof(*s));
	FILE *f = fopen(path, "r");
	if (!f)
		return mv_fail(err, -errno, "%s: %m", path);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		json_object *o = json_tokener_parse(line);
		double t;
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			rc = mv_fail(err, -EINVAL, "%s:%d: not a JSON object", path, lineno);
			break;
		}
		if (expect_json_number(o, "time", &t) < 0)
			t = s->n ? s->times[s->n - 1] : 0;
		stats_push(s, o, t);
	}
	free(line);
	fclose(f);
	if (rc < 0)
		expect_stats_free(s);
	return rc;
}

void expect_stats_free(struct expect_stats *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_object_put(s->samples[i]);
	free(s->samples);
	free(s->times);
	memset(s, 0, sizeof(*s));
}

/* ---- evaluation ---------------------------------------------------------- */

static struct val eval(const struct node *n, const struct ctx *c, size_t i);

static struct val aggregate(const struct node *n, const struct ctx *c)
{
	struct val first = { 0 }, last = { 0 }, r = { 0 };
	double sum = 0;
	size_t count = 0;
	for (size_t j = c->lo; j < c->hi; j++) {
		struct val x = eval(n->l, c, j);
		if (!x.ok)
			continue;
		if (!first.ok)
			first = x;
		last = x;
		sum += x.v;
		if (!r.ok || (n->func == F_MAX && x.v > r.v) || (n->func == F_MIN && x.v < r.v))
			r = x;
		count++;
	}
	switch (n->func) {
	case F_AVG: return (struct val){ count > 0, count ? sum / (double)count : 0 };
	case F_FIRST: return first;
	case F_LAST: return last;
	case F_DELTA: return (struct val){ first.ok, last.v - first.v };
	default: return r;
	}
}

static struct val rate(const struct node *n, const struct ctx *c, size_t i)
{
	if (i == 0 || i >= c->s->n)
		return (struct val){ 0 };
	struct val a = eval(n->l, c, i - 1), b = eval(n->l, c, i);
	double dt = c->s->times[i] - c->s->times[i - 1];
	if (!a.ok || !b.ok || dt <= 0)
		return (struct val){ 0 };
	return (struct val){ true, (b.v - a.v) / dt };
}

/* Bytes of added/removed/changed ranges in spaces whose name holds n->path. */
static double space_bytes(const struct node *n, json_object *diff)
{
	static const char *const lists[] = { [F_ADDED] = "added", [F_REMOVED] = "removed",
					      [F_CHANGED] = "changed" };
	json_object *spaces, *arr, *len;
	double sum = 0;
	if (!json_object_object_get_ex(diff, "spaces", &spaces))
		return 0;
	json_object_object_foreach(spaces, name, sp) {
		if (!strstr(name, n->path) || !json_object_object_get_ex(sp, lists[n->func], &arr))
			continue;
		for (size_t k = 0; k < json_object_array_length(arr); k++)
			if (json_object_object_get_ex(json_object_array_get_idx(arr, k), "len", &len))
				sum += json_object_get_double(len);
	}
	return sum;
}

/* The longest run of added ranges that follow each other in one space. */
static double largest_added(const struct node *n, json_object *diff)
{
	json_object *spaces, *arr, *va, *len;
	double best = 0;
	if (!json_object_object_get_ex(diff, "spaces", &spaces))
		return 0;
	json_object_object_foreach(spaces, name, sp) {
		if (!strstr(name, n->path) || !json_object_object_get_ex(sp, "added", &arr))
			continue;
		uint64_t run_start = 0, run_end = 0;
		/* diff lists ranges in address order */
		for (size_t k = 0; k < json_object_array_length(arr); k++) {
			json_object *e = json_object_array_get_idx(arr, k);
			if (!json_object_object_get_ex(e, "va", &va) ||
			    !json_object_object_get_ex(e, "len", &len))
				continue;
			uint64_t a = (uint64_t)json_object_get_uint64(va);
			uint64_t l = (uint64_t)json_object_get_uint64(len);
			if (k == 0 || a != run_end)
				run_start = a;
			run_end = a + l;
			if ((double)(run_end - run_start) > best)
				best = (double)(run_end - run_start);
		}
	}
	return best;
}

/*
 * A diff lists only what changed: a zone, counter or cache missing from a
 * section that is there changed by 0. A path into no section stays absent.
 */
static struct val diff_default(json_object *diff, const char *path)
{
	char seg[64];
	json_object *section;
	if (!next_segment(&path, seg, sizeof(seg)) || !*path ||
	    !json_object_object_get_ex(diff, seg, &section) ||
	    !json_object_is_type(section, json_type_object))
		return (struct val){ 0 };
	return (struct val){ true, 0 };
}

static struct val eval_func(const struct node *n, const struct ctx *c, size_t i)
{
	if (n->func == F_RATE)
		return rate(n, c, i);
	if (n->func <= F_DELTA)
		return aggregate(n, c);
	if (n->func == F_LARGEST_ADDED)
		return (struct val){ true, largest_added(n, c->diff) };
	return (struct val){ true, space_bytes(n, c->diff) };
}

static struct val eval(const struct node *n, const struct ctx *c, size_t i)
{
	struct val a = { 0 }, b = { 0 };
	json_object *o = c->diff ? c->diff : (i < c->s->n ? c->s->samples[i] : NULL);
	switch (n->op) {
	case N_NUM:
		return (struct val){ true, n->num };
	case N_PATH:
		a.ok = o && expect_json_number(o, n->path, &a.v) == 0;
		if (!a.ok && c->diff)
			a = diff_default(c->diff, n->path);
		return a;
	case N_FUNC:
		return eval_func(n, c, i);
	case N_NEG:
		a = eval(n->l, c, i);
		a.v = -a.v;
		return a;
	default:
		break;
	}
	a = eval(n->l, c, i);
	b = eval(n->r, c, i);
	if (!a.ok || !b.ok || (n->op == N_DIV && b.v == 0))
		return (struct val){ 0 };
	switch (n->op) {
	case N_ADD: return (struct val){ true, a.v + b.v };
	case N_SUB: return (struct val){ true, a.v - b.v };
	case N_MUL: return (struct val){ true, a.v * b.v };
	default: return (struct val){ true, a.v / b.v };
	}
}

static bool compare(enum cmp_op op, double a, double b)
{
	switch (op) {
	case C_EQ: return a == b;
	case C_NE: return a != b;
	case C_LT: return a < b;
	case C_LE: return a <= b;
	case C_GT: return a > b;
	default: return a >= b;
	}
}

/* 1 true, 0 false, -1 undecided (a side is absent) at sample i. */
static int test_at(const struct expect_cond *cond, const struct ctx *c, size_t i)
{
	struct val a = eval(cond->l, c, i), b = eval(cond->r, c, i);
	if (!a.ok || !b.ok)
		return -1;
	return compare(cond->cmp, a.v, b.v);
}

/* ---- explanations ---------------------------------------------------------- */

void expect_format_value(double v, char *buf, size_t len)
{
	char sz[32];
	if (v == floor(v) && fabs(v) >= 1048576.0 && fabs(v) < 1e18)
		snprintf(buf, len, "%.0f (%s%s)", v, v < 0 ? "-" : "",
			 mv_format_size((uint64_t)fabs(v), sz, sizeof(sz)));
	else
		snprintf(buf, len, "%g", v);
}

/* Appends "node = value" for the side n (skipped when it is a plain number). */
static void explain_side(const struct node *n, const char *side, const struct ctx *c, size_t i,
			 char *why, size_t len)
{
	char v[64];
	size_t used = strlen(why);
	if (n->op == N_NUM || used + 1 >= len)
		return;
	struct val x = eval(n, c, i);
	if (x.ok)
		expect_format_value(x.v, v, sizeof(v));
	else
		snprintf(v, sizeof(v), "absent");
	snprintf(why + used, len - used, "%s%s = %s", used ? ", " : "",
		 n->op == N_PATH ? n->path : side, v);
}

/* The range of a side over the window, for "never true" explanations. */
static void explain_range(const struct node *n, const struct ctx *c, char *why, size_t len)
{
	struct node agg = { .op = N_FUNC, .l = (struct node *)n };
	char lo[64], hi[64];
	size_t used = strlen(why);
	if (n->op == N_NUM || used + 1 >= len)
		return;
	agg.func = F_MIN;
	struct val a = aggregate(&agg, c);
	agg.func = F_MAX;
	struct val b = aggregate(&agg, c);
	if (!a.ok) {
		snprintf(why + used, len - used, "; %s absent in every sample",
			 n->op == N_PATH ? n->path : "the left side");
		return;
	}
	expect_format_value(a.v, lo, sizeof(lo));
	expect_format_value(b.v, hi, sizeof(hi));
	snprintf(why + used, len - used, "; %s ranged %s .. %s",
		 n->op == N_PATH ? n->path : "it", lo, hi);
}

static void explain_sample(const struct expect_cond *cond, const struct ctx *c, size_t i,
			   const char *prefix, char *why, size_t len)
{
	char values[256] = "";
	explain_side(cond->l, "left side", c, i, values, sizeof(values));
	explain_side(cond->r, "right side", c, i, values, sizeof(values));
	snprintf(why, len, "%s at %.2f s: %s", prefix, c->s->times[i], values);
}

/* ---- stats conditions ------------------------------------------------------ */

static size_t first_at_or_after(const struct expect_stats *s, double t)
{
	size_t i = 0;
	while (i < s->n && s->times[i] < t - 1e-9)
		i++;
	return i;
}

static int eval_at(const struct expect_cond *cond, struct ctx *c, size_t i, char *why,
		   size_t len)
{
	if (i >= c->s->n) {
		snprintf(why, len, "no sample at or after %.2f s (the stream ends at %.2f s)",
			 cond->clause == T_AT ? cond->t : 0, c->s->n ? c->s->times[c->s->n - 1] : 0);
		return 0;
	}
	int r = test_at(cond, c, i);
	explain_sample(cond, c, i, r > 0 ? "true" : r == 0 ? "false" : "undecided", why, len);
	return r > 0;
}

static int eval_window(const struct expect_cond *cond, struct ctx *c, bool always, char *why,
		       size_t len)
{
	size_t decided = 0;
	for (size_t i = c->lo; i < c->hi; i++) {
		int r = test_at(cond, c, i);
		if (r < 0)
			continue;
		decided++;
		if (always && !r) {
			explain_sample(cond, c, i, "false", why, len);
			return 0;
		}
		if (!always && r) {
			explain_sample(cond, c, i, "true", why, len);
			return 1;
		}
	}
	if (c->lo >= c->hi) {
		snprintf(why, len, "no sample in the window (the stream covers %.2f-%.2f s)",
			 c->s->times[0], c->s->times[c->s->n - 1]);
		return 0;
	}
	double t0 = c->s->times[c->lo], t1 = c->s->times[c->hi - 1];
	if (!decided) {
		snprintf(why, len, "no sample in %.2f-%.2f s has the values", t0, t1);
		explain_range(cond->l, c, why, len);
		return 0;
	}
	snprintf(why, len, "%s in %zu samples over %.2f-%.2f s", always ? "true" : "never true",
		 decided, t0, t1);
	if (!always) {
		explain_range(cond->l, c, why, len);
		explain_range(cond->r, c, why, len);
	}
	return always;
}

int expect_eval_stats(const struct expect_cond *cond, const struct expect_stats *s, char *why,
		      size_t whylen)
{
	struct ctx c = { .s = s, .lo = 0, .hi = s->n };
	if (!s->n) {
		snprintf(why, whylen, "the stats stream is empty");
		return 0;
	}
	switch (cond->clause) {
	case T_AT: {
		size_t i = first_at_or_after(s, cond->t);
		c.hi = i < s->n ? i + 1 : s->n;
		if (cond->quant == Q_NONE)
			return eval_at(cond, &c, i, why, whylen);
		c.lo = 0;
		return eval_window(cond, &c, cond->quant == Q_ALWAYS, why, whylen);
	}
	case T_WITHIN:
		c.hi = first_at_or_after(s, cond->t + 1e-6);
		return eval_window(cond, &c, cond->quant == Q_ALWAYS, why, whylen);
	case T_AFTER:
		c.lo = first_at_or_after(s, cond->t);
		return eval_window(cond, &c, cond->quant != Q_EVER, why, whylen);
	default:
		if (cond->quant != Q_NONE)
			return eval_window(cond, &c, cond->quant == Q_ALWAYS, why, whylen);
		return eval_at(cond, &c, s->n - 1, why, whylen);
	}
}

int expect_measure_stats(const struct expect_cond *m, const struct expect_stats *s, double *v)
{
	struct ctx c = { .s = s, .lo = 0, .hi = s->n };
	if (!s->n)
		return -ENOENT;
	struct val r = eval(m->l, &c, s->n - 1);
	if (!r.ok)
		return -ENOENT;
	*v = r.v;
	return 0;
}

int expect_eval_diff(const struct expect_cond *cond, json_object *diff, char *why, size_t whylen)
{
	struct ctx c = { .diff = diff };
	struct val a = eval(cond->l, &c, 0), b = eval(cond->r, &c, 0);
	char va[64], vb[64];
	if (!a.ok || !b.ok) {
		snprintf(why, whylen, "%s is absent",
			 !a.ok ? (cond->l->op == N_PATH ? cond->l->path : "the left side")
			       : (cond->r->op == N_PATH ? cond->r->path : "the right side"));
		return 0;
	}
	expect_format_value(a.v, va, sizeof(va));
	expect_format_value(b.v, vb, sizeof(vb));
	bool ok = compare(cond->cmp, a.v, b.v);
	snprintf(why, whylen, "%s: %s %s %s", ok ? "true" : "false", va,
		 expect_cmp_names[cond->cmp], vb);
	return ok;
}
