/*
 * matrix.c: reads a scenario's matrix: with libyaml and expands the file's
 * text once per cell (see matrix.h for the rules and the invariant).
 */
#include "matrix.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A FILE writing into a growing string; aborts when there is no memory. */
static FILE *string_stream(char **out, size_t *len)
{
	FILE *f = open_memstream(out, len);
	if (!f)
		abort();
	return f;
}

static int yline(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static bool value_ok(const char *s)
{
	return *s && !strpbrk(s, "$,]=\n");
}

static yaml_node_t *top_matrix(yaml_document_t *doc)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	if (!root || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, "matrix"))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

/* One parameter: name -> list of values. */
static int read_param(struct matrix *m, yaml_document_t *doc, yaml_node_t *k, yaml_node_t *v,
		      const char *file, struct mv_error *err)
{
	const char *name = k->type == YAML_SCALAR_NODE ? (char *)k->data.scalar.value : "";
	if (!name_ok(name))
		return mv_fail(err, -EINVAL, "%s:%d: matrix: '%s' is not a parameter name "
				       "(lower-case letters, digits, _)", file, yline(k), name);
	if (m->nr_params == MATRIX_MAX_PARAMS)
		return mv_fail(err, -EINVAL, "%s:%d: matrix: more than %d parameters", file, yline(k),
			       MATRIX_MAX_PARAMS);
	for (size_t i = 0; i < m->nr_params; i++)
		if (!strcmp(m->params[i].name, name))
			return mv_fail(err, -EINVAL, "%s:%d: matrix: '%s' given twice", file, yline(k),
				       name);
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
		return mv_fail(err, -EINVAL, "%s:%d: matrix: %s: expected a list of values, e.g. "
				       "[lru, fifo]", file, yline(v), name);
	struct matrix_param *p = &m->params[m->nr_params++];
	p->name = strdup(name);
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(doc, *it);
		const char *val = e->type == YAML_SCALAR_NODE ? (char *)e->data.scalar.value : "";
		if (!value_ok(val))
			return mv_fail(err, -EINVAL, "%s:%d: matrix: %s: '%s' is not a plain value "
					       "(none of $ , ] = and not empty)", file, yline(e), name, val);
		p->values = realloc(p->values, (p->nr_values + 1) * sizeof(*p->values));
		if (!p->values)
			abort();
		p->values[p->nr_values++] = strdup(val);
	}
	return 0;
}

static int read_params(struct matrix *m, yaml_document_t *doc, yaml_node_t *mx, const char *file,
		       struct mv_error *err)
{
	if (mx->type != YAML_MAPPING_NODE)
		return mv_fail(err, -EINVAL, "%s:%d: matrix: expected a mapping of parameter "
				       "names to lists of values", file, yline(mx));
	for (yaml_node_pair_t *p = mx->data.mapping.pairs.start; p < mx->data.mapping.pairs.top;
	     p++) {
		int rc = read_param(m, doc, yaml_document_get_node(doc, p->key),
				    yaml_document_get_node(doc, p->value), file, err);
		if (rc < 0)
			return rc;
		m->nr_cells *= m->params[m->nr_params - 1].nr_values;
		if (m->nr_cells > MATRIX_MAX_CELLS)
			return mv_fail(err, -EINVAL, "%s:%d: matrix: more than %d cells", file,
				       yline(mx), MATRIX_MAX_CELLS);
	}
	return 0;
}

int matrix_read(struct matrix *m, const char *text, const char *file, struct mv_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	m->nr_cells = 1;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		/* the scenario loader reports the YAML error with its line */
		yaml_parser_delete(&parser);
		return 0;
	}
	yaml_node_t *mx = top_matrix(&doc);
	if (mx)
		rc = read_params(m, &doc, mx, file, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (rc < 0)
		matrix_free(m);
	return rc;
}

void matrix_free(struct matrix *m)
{
	for (size_t i = 0; i < m->nr_params; i++) {
		for (size_t j = 0; j < m->params[i].nr_values; j++)
			free(m->params[i].values[j]);
		free(m->params[i].values);
		free(m->params[i].name);
	}
	memset(m, 0, sizeof(*m));
}

void matrix_cell(const struct matrix *m, size_t cell, size_t choice[MATRIX_MAX_PARAMS])
{
	for (size_t i = m->nr_params; i-- > 0;) {
		choice[i] = cell % m->params[i].nr_values;
		cell /= m->params[i].nr_values;
	}
}

static int line_at(const char *text, const char *p)
{
	int line = 1;
	for (; text < p; text++)
		line += *text == '\n';
	return line;
}

/* The parameter named by the ${...} at p (p at '$'), or -1; *len is the reference's length. */
static int param_at(const struct matrix *m, const char *p, size_t *len)
{
	const char *end = strchr(p + 2, '}');
	if (!end)
		return -1;
	*len = (size_t)(end - p) + 1;
	for (size_t i = 0; i < m->nr_params; i++)
		if (strlen(m->params[i].name) == (size_t)(end - p - 2) &&
		    !strncmp(m->params[i].name, p + 2, (size_t)(end - p - 2)))
			return (int)i;
	return -1;
}

char *matrix_substitute(const struct matrix *m, size_t cell, const char *text, const char *file,
			struct mv_error *err)
{
	size_t choice[MATRIX_MAX_PARAMS], len;
	bool used[MATRIX_MAX_PARAMS] = { false };
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = string_stream(&out, &out_len);

	matrix_cell(m, cell, choice);
	for (const char *p = text; *p; p++) {
		if (p[0] != '$' || p[1] != '{') {
			fputc(*p, f);
			continue;
		}
		int i = param_at(m, p, &len);
		if (i < 0) {
			fclose(f);
			free(out);
			mv_fail(err, -EINVAL, "%s:%d: '%.*s' names no parameter of the matrix", file,
				line_at(text, p), (int)strcspn(p, "}\n") + (p[strcspn(p, "}\n")] == '}'), p);
			return NULL;
		}
		used[i] = true;
		fputs(m->params[i].values[choice[i]], f);
		p += len - 1;
	}
	fclose(f);
	for (size_t i = 0; i < m->nr_params; i++)
		if (!used[i]) {
			free(out);
			mv_fail(err, -EINVAL, "%s: matrix: parameter '%s' is used nowhere (write "
					      "${%s} where its value goes)", file, m->params[i].name,
				m->params[i].name);
			return NULL;
		}
	return out;
}

char *matrix_cell_label(const struct matrix *m, size_t cell)
{
	size_t choice[MATRIX_MAX_PARAMS];
	char *out = NULL;
	size_t len = 0;
	FILE *f = string_stream(&out, &len);

	matrix_cell(m, cell, choice);
	for (size_t i = 0; i < m->nr_params; i++)
		fprintf(f, "%s%s=%s", i ? "," : "", m->params[i].name, m->params[i].values[choice[i]]);
	fclose(f);
	return out;
}
