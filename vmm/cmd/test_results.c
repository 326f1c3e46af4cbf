/*
 * test_results.c: the outcome table of `memvisor test` and its files (see
 * test_results.h for the formats and the invariant). JSON goes through
 * json-c both ways.
 */
#include "test_results.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_empty(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		abort();
	return d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

int test_table_add(struct test_table *t, const struct test_row *row, struct mv_error *err)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].name, row->name))
			return mv_fail(err, -EEXIST, "%s: two results for this name", row->name);
	t->rows = realloc(t->rows, (t->n + 1) * sizeof(*t->rows));
	if (!t->rows)
		abort();
	struct test_row *r = &t->rows[t->n++];
	*r = *row;
	r->name = dup_or_empty(row->name);
	r->file = dup_or_empty(row->file);
	r->label = dup_or_empty(row->label);
	r->dir = dup_or_empty(row->dir);
	r->reasons = dup_or_empty(row->reasons);
	r->result_names = xcalloc(row->nr_results, sizeof(*r->result_names));
	r->values = xcalloc(row->nr_results, sizeof(*r->values));
	r->measured = xcalloc(row->nr_results, sizeof(*r->measured));
	for (size_t i = 0; i < row->nr_results; i++) {
		r->result_names[i] = dup_or_empty(row->result_names[i]);
		r->values[i] = row->values ? row->values[i] : 0;
		r->measured[i] = row->measured && row->measured[i];
	}
	return 0;
}

void test_table_free(struct test_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct test_row *r = &t->rows[i];
		free(r->name);
		free(r->file);
		free(r->label);
		free(r->dir);
		free(r->reasons);
		for (size_t k = 0; k < r->nr_results; k++)
			free(r->result_names[k]);
		free(r->result_names);
		free(r->values);
		free(r->measured);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

size_t test_table_failed(const struct test_table *t)
{
	size_t failed = 0;
	for (size_t i = 0; i < t->n; i++)
		failed += t->rows[i].failed > 0;
	return failed;
}

void test_row_print_verdict(const struct test_row *r, FILE *out)
{
	fprintf(out, "%s  %-28s %6.1f s  (%u check%s)\n", r->failed ? "FAIL" : "PASS", r->name,
		r->seconds, r->checks, r->checks == 1 ? "" : "s");
	for (const char *p = r->reasons; p && *p;) {
		size_t len = strcspn(p, "\n");
		fprintf(out, "      %.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
	fflush(out);
}

bool test_in_shard(const char *name, unsigned k, unsigned n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % n == k - 1;
}

/* ---- the label's parameters ---------------------------------------------------- */

/* Calls fn(key, keylen, value, valuelen) for each "k=v" of a label. */
static void for_params(const char *label, void (*fn)(const char *k, size_t kl, const char *v,
						      size_t vl, void *arg),
		       void *arg)
{
	for (const char *p = label; p && *p;) {
		size_t len = strcspn(p, ","), klen = strcspn(p, "=");
		if (klen < len)
			fn(p, klen, p + klen + 1, len - klen - 1, arg);
		p += len + (p[len] == ',');
	}
}

static void param_to_json(const char *k, size_t kl, const char *v, size_t vl, void *arg)
{
	char key[128];
	snprintf(key, sizeof(key), "%.*s", (int)kl, k);
	json_object_object_add(arg, key, json_object_new_string_len(v, (int)vl));
}

/* ---- results.json --------------------------------------------------------------- */

static json_object *row_json(const struct test_row *r)
{
	json_object *o = json_object_new_object(), *params = json_object_new_object(),
		    *res = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "file", json_object_new_string(r->file));
	json_object_object_add(o, "verdict", json_object_new_string(r->failed ? "fail" : "pass"));
	json_object_object_add(o, "status", json_object_new_int(r->status));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(o, "checks", json_object_new_int64(r->checks));
	json_object_object_add(o, "failed", json_object_new_int64(r->failed));
	json_object_object_add(o, "reasons", json_object_new_string(r->reasons));
	json_object_object_add(o, "dir", json_object_new_string(r->dir));
	for_params(r->label, param_to_json, params);
	json_object_object_add(o, "params", params);
	for (size_t i = 0; i < r->nr_results; i++)
		json_object_object_add(res, r->result_names[i],
				       r->measured[i] ? json_object_new_double(r->values[i]) : NULL);
	json_object_object_add(o, "results", res);
	return o;
}

json_object *test_table_json(const struct test_table *t)
{
	json_object *root = json_object_new_object(), *rows = json_object_new_array();
	json_object_object_add(root, "version", json_object_new_int(1));
	for (size_t i = 0; i < t->n; i++)
		json_object_array_add(rows, row_json(&t->rows[i]));
	json_object_object_add(root, "rows", rows);
	return root;
}

int test_table_write_json(const struct test_table *t, const char *path, struct mv_error *err)
{
	json_object *root = test_table_json(t);
	int rc = json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY);
	json_object_put(root);
	return rc < 0 ? mv_fail(err, -EIO, "%s: %s", path, json_util_get_last_err()) : 0;
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static bool num_field(json_object *o, const char *key, double *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

/* "k=v,k=v" from a row's params object (malloc'd). */
static char *label_of(json_object *params)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	if (params && json_object_is_type(params, json_type_object)) {
		bool first = true;
		json_object_object_foreach(params, k, v) {
			fprintf(f, "%s%s=%s", first ? "" : ",", k, json_object_get_string(v));
			first = false;
		}
	}
	fclose(f);
	return out;
}

/* The measures of a row's results object into row (arrays malloc'd). */
static void results_of(json_object *res, struct test_row *row)
{
	size_t n = res && json_object_is_type(res, json_type_object)
			   ? (size_t)json_object_object_length(res)
			   : 0, i = 0;
	row->nr_results = n;
	row->result_names = xcalloc(n, sizeof(*row->result_names));
	row->values = xcalloc(n, sizeof(*row->values));
	row->measured = xcalloc(n, sizeof(*row->measured));
	if (!n)
		return;
	json_object_object_foreach(res, k, v) {
		row->result_names[i] = k;
		row->measured[i] = v && (json_object_is_type(v, json_type_int) ||
					 json_object_is_type(v, json_type_double));
		row->values[i] = row->measured[i] ? json_object_get_double(v) : 0;
		i++;
	}
}

static int row_from_json(struct test_table *t, json_object *o, const char *path, size_t index,
			 struct mv_error *err)
{
	struct test_row row = { 0 };
	double status, checks, failed;
	json_object *params = NULL, *res = NULL;

	row.name = (char *)str_field(o, "name");
	row.file = (char *)str_field(o, "file");
	if (!row.name || !row.file || !num_field(o, "status", &status) ||
	    !num_field(o, "seconds", &row.seconds) || !num_field(o, "checks", &checks) ||
	    !num_field(o, "failed", &failed) || checks < 0 || failed < 0 || failed > checks + 1)
		return mv_fail(err, -EINVAL, "%s: row %zu lacks name, file, status, seconds, checks "
					     "or failed", path, index + 1);
	row.status = (int)status;
	row.checks = (unsigned)checks;
	row.failed = (unsigned)failed;
	row.reasons = (char *)str_field(o, "reasons");
	row.dir = (char *)str_field(o, "dir");
	json_object_object_get_ex(o, "params", &params);
	json_object_object_get_ex(o, "results", &res);
	row.label = label_of(params);
	results_of(res, &row);
	int rc = test_table_add(t, &row, err);
	free(row.label);
	free(row.result_names);
	free(row.values);
	free(row.measured);
	return rc;
}

int test_table_read_json(struct test_table *t, const char *path, struct mv_error *err)
{
	json_object *root = json_object_from_file(path), *rows = NULL;
	double version = 0;
	int rc = 0;

	if (!root || !json_object_is_type(root, json_type_object) ||
	    !num_field(root, "version", &version) || version != 1 ||
	    !json_object_object_get_ex(root, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_array))
		rc = mv_fail(err, -EINVAL, "%s: not a results file of memvisor test (version 1)",
			     path);
	for (size_t i = 0; rc == 0 && i < json_object_array_length(rows); i++) {
		json_object *o = json_object_array_get_idx(rows, i);
		rc = json_object_is_type(o, json_type_object)
			     ? row_from_json(t, o, path, i, err)
			     : mv_fail(err, -EINVAL, "%s: row %zu is not an object", path, i + 1);
	}
	json_object_put(root);
	return rc;
}

/* ---- results.csv ---------------------------------------------------------------- */

struct columns {
	char **names;
	size_t n;
};

static void column_add(struct columns *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->names[i]) == len && !strncmp(c->names[i], name, len))
			return;
	c->names = realloc(c->names, (c->n + 1) * sizeof(*c->names));
	if (!c->names || !(c->names[c->n] = strndup(name, len)))
		abort();
	c->n++;
}

static void param_column(const char *k, size_t kl, const char *v, size_t vl, void *arg)
{
	(void)v;
	(void)vl;
	column_add(arg, k, kl);
}

static void columns_free(struct columns *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
}

static void csv_field(FILE *f, const char *s, size_t len, bool first)
{
	if (!first)
		fputc(',', f);
	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len)) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

static void csv_str(FILE *f, const char *s)
{
	csv_field(f, s, strlen(s), false);
}

struct param_lookup {
	const char *key;
	const char *value;
	size_t len;
};

static void find_param(const char *k, size_t kl, const char *v, size_t vl, void *arg)
{
	struct param_lookup *l = arg;
	if (strlen(l->key) == kl && !strncmp(l->key, k, kl)) {
		l->value = v;
		l->len = vl;
	}
}

static void csv_row(FILE *f, const struct test_row *r, const struct columns *params,
		    const struct columns *measures)
{
	csv_field(f, r->name, strlen(r->name), true);
	csv_str(f, r->file);
	fprintf(f, ",%s,%d,%.3f,%u,%u", r->failed ? "fail" : "pass", r->status, r->seconds,
		r->checks, r->failed);
	for (size_t i = 0; i < params->n; i++) {
		struct param_lookup l = { .key = params->names[i], .value = "", .len = 0 };
		for_params(r->label, find_param, &l);
		csv_field(f, l.value, l.len, false);
	}
	for (size_t i = 0; i < measures->n; i++) {
		fputc(',', f);
		for (size_t k = 0; k < r->nr_results; k++)
			if (r->measured[k] && !strcmp(r->result_names[k], measures->names[i]))
				fprintf(f, "%.17g", r->values[k]);
	}
	fputc('\n', f);
}

int test_table_write_csv(const struct test_table *t, const char *path, struct mv_error *err)
{
	struct columns params = { 0 }, measures = { 0 };
	FILE *f = fopen(path, "w");
	if (!f)
		return mv_fail_errno(err, "%s", path);
	for (size_t i = 0; i < t->n; i++) {
		for_params(t->rows[i].label, param_column, &params);
		for (size_t k = 0; k < t->rows[i].nr_results; k++)
			column_add(&measures, t->rows[i].result_names[k],
				   strlen(t->rows[i].result_names[k]));
	}
	fputs("name,file,verdict,status,seconds,checks,failed", f);
	for (size_t i = 0; i < params.n; i++)
		csv_str(f, params.names[i]);
	for (size_t i = 0; i < measures.n; i++)
		csv_str(f, measures.names[i]);
	fputc('\n', f);
	for (size_t i = 0; i < t->n; i++)
		csv_row(f, &t->rows[i], &params, &measures);
	columns_free(&params);
	columns_free(&measures);
	return fclose(f) ? mv_fail_errno(err, "%s", path) : 0;
}

/* ---- JUnit XML and TAP ---------------------------------------------------------- */

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static void junit_case(FILE *f, const struct test_row *r)
{
	fprintf(f, "    <testcase classname=\"memvisor.scenarios\" name=\"");
	xml_escape(f, r->name);
	fprintf(f, "\" file=\"");
	xml_escape(f, r->file);
	fprintf(f, "\" time=\"%.3f\"", r->seconds);
	if (!r->failed) {
		fprintf(f, "/>\n");
		return;
	}
	fprintf(f, ">\n      <failure type=\"expectation\" message=\"");
	const char *why = *r->reasons ? r->reasons : "failed";
	char first[512];
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(why, "\n"), why);
	xml_escape(f, first);
	fprintf(f, "\">");
	xml_escape(f, why);
	fprintf(f, "</failure>\n      <system-out>");
	xml_escape(f, r->dir);
	fprintf(f, "</system-out>\n    </testcase>\n");
}

int test_table_write_junit(const struct test_table *t, const char *path, struct mv_error *err)
{
	double total = 0;
	size_t failures = test_table_failed(t);
	FILE *f = fopen(path, "w");
	if (!f)
		return mv_fail_errno(err, "cannot write %s", path);
	for (size_t i = 0; i < t->n; i++)
		total += t->rows[i].seconds;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"memvisor test\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
		   " time=\"%.3f\">\n  <testsuite name=\"memvisor scenarios\" tests=\"%zu\""
		   " failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		t->n, failures, total, t->n, failures, total);
	for (size_t i = 0; i < t->n; i++)
		junit_case(f, &t->rows[i]);
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f) ? mv_fail_errno(err, "cannot write %s", path) : 0;
}

static void tap_reasons(FILE *out, const char *reasons)
{
	for (const char *p = reasons; p && *p;) {
		size_t len = strcspn(p, "\n");
		fprintf(out, "    - \"");
		for (size_t k = 0; k < len; k++)
			fprintf(out, p[k] == '"' || p[k] == '\\' ? "\\%c" : "%c", p[k]);
		fprintf(out, "\"\n");
		p += len + (p[len] == '\n');
	}
}

void test_table_write_tap(const struct test_table *t, FILE *out)
{
	fprintf(out, "TAP version 13\n1..%zu\n", t->n);
	for (size_t i = 0; i < t->n; i++) {
		const struct test_row *r = &t->rows[i];
		fprintf(out, "%sok %zu - %s # %.1f s\n", r->failed ? "not " : "", i + 1, r->name,
			r->seconds);
		if (!r->failed)
			continue;
		fprintf(out, "  ---\n  file: '%s'\n  status: %d\n  reasons:\n", r->file, r->status);
		tap_reasons(out, r->reasons);
		fprintf(out, "  ...\n");
	}
	fflush(out);
}
