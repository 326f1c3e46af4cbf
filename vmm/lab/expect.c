/*
 * expect.c: the parser of the condition language (grammar in expect.h): a
 * lexer over the text and a recursive-descent parser into a node tree.
 * Every error names what was expected and the column (1-based) where the
 * text went wrong; nothing is allocated on failure (the tree is freed).
 */
#include "expect_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const expect_func_names[] = {
	[F_MAX] = "max", [F_MIN] = "min", [F_AVG] = "avg", [F_FIRST] = "first",
	[F_LAST] = "last", [F_DELTA] = "delta", [F_RATE] = "rate", [F_ADDED] = "added",
	[F_REMOVED] = "removed", [F_CHANGED] = "changed", [F_LARGEST_ADDED] = "largest_added",
};
const char *const expect_cmp_names[] = { "==", "!=", "<", "<=", ">", ">=" };

struct parser {
	const char *text, *p;
	enum expect_kind kind;
	struct mv_error *err;
	bool failed;
};

static void fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parser *ps, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	if (ps->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mv_fail(ps->err, -EINVAL, "%s at column %d", msg, (int)(ps->p - ps->text) + 1);

	ps->failed = true;
}

static void skip_space(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool is_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

/* '-' is an operator: a name holding one is written "quoted". */
static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The word at p (letters, digits and _), copied into buf. */
static size_t peek_word(const char *p, char *buf, size_t len)
{
	size_t n = 0;
	while (is_name_char(p[n]) && n + 1 < len) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	return n;
}

/* Consumes the keyword w when it stands at p as a whole word. */
static bool accept_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);
	skip_space(ps);
	if (strncmp(ps->p, w, n) || is_name_char(ps->p[n]))
		return false;
	ps->p += n;
	return true;
}

static bool accept_char(struct parser *ps, char c)
{
	skip_space(ps);
	if (*ps->p != c)
		return false;
	ps->p++;
	return true;
}

static struct node *new_node(enum node_op op, struct node *l, struct node *r)
{
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->op = op;
	n->l = l;
	n->r = r;
	return n;
}

static void free_node(struct node *n)
{
	if (!n)
		return;
	free_node(n->l);
	free_node(n->r);
	free(n->path);
	free(n);
}

/* A unit after a number: K M G T [iB|B], s, ms; returns the factor or 0. */
static double unit_factor(struct parser *ps)
{
	static const struct { const char *s; double f; } units[] = {
		{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "TiB", 1099511627776.0 }, { "KB", 1024.0 }, { "MB", 1048576.0 },
		{ "GB", 1073741824.0 }, { "TB", 1099511627776.0 }, { "K", 1024.0 },
		{ "k", 1024.0 }, { "M", 1048576.0 }, { "G", 1073741824.0 },
		{ "T", 1099511627776.0 }, { "ms", 0.001 }, { "s", 1.0 },
	};
	char word[16];
	if (!peek_word(ps->p, word, sizeof(word)))
		return 1.0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(word, units[i].s)) {
			ps->p += strlen(word);
			return units[i].f;
		}
	fail(ps, "unknown unit '%s' (sizes take K, M, G, T; times s or ms)", word);
	return 0;
}

static struct node *parse_number(struct parser *ps)
{
	char *end;
	errno = 0;
	double v = strtod(ps->p, &end);
	if (end == ps->p || errno == ERANGE) {
		fail(ps, "expected a number");
		return NULL;
	}
	ps->p = end;
	double f = unit_factor(ps);
	if (ps->failed)
		return NULL;
	struct node *n = new_node(N_NUM, NULL, NULL);
	n->num = v * f;
	return n;
}

/* Appends one path segment: a name, digits, or a "quoted name". */
static bool path_segment(struct parser *ps, char *buf, size_t len, size_t *n)
{
	const char *s = ps->p;
	size_t k = 0;
	bool quoted = *s == '"';
	if (quoted) {
		const char *q = strchr(s + 1, '"');
		if (!q) {
			fail(ps, "unterminated quoted name");
			return false;
		}
		k = (size_t)(q - s) + 1;
	} else {
		while (is_name_char(s[k]))
			k++;
	}
	if (!k) {
		fail(ps, "expected a name after '.'");
		return false;
	}
	if (*n + k + 1 >= len) {
		fail(ps, "path too long");
		return false;
	}
	memcpy(buf + *n, s, k);
	*n += k;
	buf[*n] = '\0';
	ps->p += k;
	return true;
}

static struct node *parse_path(struct parser *ps)
{
	char buf[256];
	size_t n = 0;
	if (!path_segment(ps, buf, sizeof(buf), &n))
		return NULL;
	while (*ps->p == '.') {
		buf[n++] = '.';
		ps->p++;
		if (!path_segment(ps, buf, sizeof(buf), &n))
			return NULL;
	}
	struct node *node = new_node(N_PATH, NULL, NULL);
	node->path = strdup(buf);
	return node;
}

static int lookup_func(const char *name)
{
	for (int f = 0; f <= F_LARGEST_ADDED; f++)
		if (!strcmp(name, expect_func_names[f]))
			return f;
	return -1;
}

static bool func_fits(enum func f, enum expect_kind kind)
{
	return kind == EXPECT_STATS ? f <= F_RATE : f >= F_ADDED;
}

static struct node *parse_sum(struct parser *ps);

/* FUNC ( arg ): diff functions take a space name, stats ones an expression. */
static struct node *parse_call(struct parser *ps, const char *name)
{
	int f = lookup_func(name);
	if (f < 0 || !func_fits((enum func)f, ps->kind)) {
		fail(ps, "unknown %s function '%s' (%s)", ps->kind == EXPECT_STATS ? "stats" : "diff",
		     name, ps->kind == EXPECT_STATS ? "max min avg first last delta rate"
						    : "added removed changed largest_added");
		return NULL;
	}
	ps->p += strlen(name);
	accept_char(ps, '(');
	struct node *n = new_node(N_FUNC, NULL, NULL);
	n->func = (enum func)f;
	skip_space(ps);
	if (f >= F_ADDED) {
		char word[128];
		size_t k = 0;
		while (ps->p[k] && ps->p[k] != ')' && !isspace((unsigned char)ps->p[k]) &&
		       k + 1 < sizeof(word)) {
			word[k] = ps->p[k];
			k++;
		}
		word[k] = '\0';
		ps->p += k;
		n->path = strdup(word);
		if (!k)
			fail(ps, "%s() takes an address space name, e.g. %s(memhog)", name, name);
	} else {
		n->l = parse_sum(ps);
	}
	if (!ps->failed && !accept_char(ps, ')'))
		fail(ps, "expected ')' to close %s(", name);
	if (ps->failed) {
		free_node(n);
		return NULL;
	}
	return n;
}

static struct node *parse_primary(struct parser *ps)
{
	char word[64];
	skip_space(ps);
	if (isdigit((unsigned char)*ps->p) || *ps->p == '.')
		return parse_number(ps);
	if (accept_char(ps, '(')) {
		struct node *n = parse_sum(ps);
		if (n && !accept_char(ps, ')')) {
			fail(ps, "expected ')'");
			free_node(n);
			return NULL;
		}
		return n;
	}
	if (!is_name_start(*ps->p) && *ps->p != '"') {
		if (*ps->p)
			fail(ps, "expected a number, a path or a function, not '%c'", *ps->p);
		else
			fail(ps, "expected a number, a path or a function at the end");
		return NULL;
	}
	size_t k = peek_word(ps->p, word, sizeof(word));
	const char *after = ps->p + k;
	while (isspace((unsigned char)*after))
		after++;
	if (k && *after == '(')
		return parse_call(ps, word);
	return parse_path(ps);
}

static struct node *parse_unary(struct parser *ps)
{
	if (accept_char(ps, '-')) {
		struct node *n = parse_unary(ps);
		return n ? new_node(N_NEG, n, NULL) : NULL;
	}
	return parse_primary(ps);
}

/* One level of left-associative binary operators: level 0 is + -, 1 is * /. */
static struct node *parse_binary(struct parser *ps, int level)
{
	static const struct { char c; enum node_op op; } ops[2][2] = {
		{ { '+', N_ADD }, { '-', N_SUB } }, { { '*', N_MUL }, { '/', N_DIV } },
	};
	struct node *l = level ? parse_unary(ps) : parse_binary(ps, 1);
	while (l) {
		int k = accept_char(ps, ops[level][0].c) ? 0 : accept_char(ps, ops[level][1].c) ? 1 : -1;
		if (k < 0)
			break;
		struct node *r = level ? parse_unary(ps) : parse_binary(ps, 1);
		if (!r) {
			free_node(l);
			return NULL;
		}
		l = new_node(ops[level][k].op, l, r);
	}
	return l;
}

static struct node *parse_sum(struct parser *ps)
{
	return parse_binary(ps, 0);
}

static bool parse_cmp(struct parser *ps, enum cmp_op *op)
{
	skip_space(ps);
	/* two-character operators first */
	static const enum cmp_op order[] = { C_EQ, C_NE, C_LE, C_GE, C_LT, C_GT };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *s = expect_cmp_names[order[i]];
		if (!strncmp(ps->p, s, strlen(s))) {
			ps->p += strlen(s);
			*op = order[i];
			return true;
		}
	}
	if (*ps->p == '=')
		fail(ps, "'=' is not a comparison; write '=='");
	else
		fail(ps, "expected a comparison (== != < <= > >=)");
	return false;
}

/* Optional trailing "at T", "within T" or "after T" (stats only). */
static void parse_clause(struct parser *ps, struct expect_cond *c)
{
	static const char *const words[] = { [T_AT] = "at", [T_WITHIN] = "within",
					     [T_AFTER] = "after" };
	for (int k = T_AT; k <= T_AFTER; k++) {
		if (!accept_word(ps, words[k]))
			continue;
		if (c->kind == EXPECT_DIFF) {
			fail(ps, "'%s' applies to stats conditions, not to snapshot diffs", words[k]);
			return;
		}
		skip_space(ps);
		struct node *t = parse_number(ps);
		if (!t)
			return;
		c->clause = (enum clause)k;
		c->t = t->num;
		free_node(t);
		return;
	}
}

static void parse_condition(struct parser *ps, struct expect_cond *c)
{
	if (accept_word(ps, "always"))
		c->quant = Q_ALWAYS;
	else if (accept_word(ps, "ever"))
		c->quant = Q_EVER;
	if (c->quant != Q_NONE && c->kind == EXPECT_DIFF) {
		fail(ps, "always/ever apply to stats conditions, not to snapshot diffs");
		return;
	}
	c->l = parse_sum(ps);
	if (!c->l || !parse_cmp(ps, &c->cmp))
		return;
	c->r = parse_sum(ps);
	if (!c->r)
		return;
	parse_clause(ps, c);
	skip_space(ps);
	if (!ps->failed && *ps->p)
		fail(ps, "unexpected '%s' after the condition", ps->p);
}

/* A measure: one value, no comparison. */
static void parse_measure(struct parser *ps, struct expect_cond *c)
{
	c->l = parse_sum(ps);
	skip_space(ps);
	if (!ps->failed && *ps->p)
		fail(ps, "unexpected '%s' after the value", ps->p);
}

static struct expect_cond *parse_with(const char *text, enum expect_kind kind,
				      void (*parse)(struct parser *, struct expect_cond *),
				      struct mv_error *err)
{
	struct parser ps = { .text = text, .p = text, .kind = kind, .err = err };
	struct expect_cond *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->kind = kind;
	c->text = strdup(text);
	parse(&ps, c);
	if (ps.failed) {
		expect_free(c);
		return NULL;
	}
	return c;
}

struct expect_cond *expect_parse(const char *text, enum expect_kind kind, struct mv_error *err)
{
	return parse_with(text, kind, parse_condition, err);
}

struct expect_cond *expect_parse_measure(const char *text, struct mv_error *err)
{
	return parse_with(text, EXPECT_STATS, parse_measure, err);
}

void expect_free(struct expect_cond *c)
{
	if (!c)
		return;
	free_node(c->l);
	free_node(c->r);
	free(c->text);
	free(c);
}

const char *expect_text(const struct expect_cond *c)
{
	return c->text;
}
