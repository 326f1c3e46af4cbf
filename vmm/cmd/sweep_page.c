/*
 * sweep_page.c: DIR/sweep.html of `memvisor test` (see sweep_page.h): the
 * table as results.json holds it, as the SW object the page's script
 * charts (json-c writes it, escaping '/', so no closing script tag can
 * occur in it), the rows
 * as an HTML table, the style sheet and scripts assembled into memvisor.
 */
#include "sweep_page.h"
#include "cmd_report.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

bool sweep_page_wanted(const struct test_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].nr_results)
			return true;
	return false;
}

/* The data is the table exactly as results.json holds it (one source for both). */
static void write_data(FILE *f, const struct test_table *t)
{
	json_object *sw = test_table_json(t);
	fprintf(f, "<script>const SW = %s;</script>\n",
		json_object_to_json_string_ext(sw, JSON_C_TO_STRING_PLAIN));
	json_object_put(sw);
}

static void write_table(FILE *f, const struct test_table *t)
{
	fprintf(f, "<table>\n<tr><th>scenario</th><th>verdict</th><th>seconds</th>");
	fprintf(f, "<th>measures</th></tr>\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct test_row *r = &t->rows[i];
		fprintf(f, "<tr><td>");
		report_html_escape(f, r->name);
		fprintf(f, "</td><td>%s</td><td>%.1f</td><td>", r->failed ? "FAIL" : "pass",
			r->seconds);
		for (size_t k = 0; k < r->nr_results; k++) {
			report_html_escape(f, r->result_names[k]);
			if (r->measured[k])
				fprintf(f, " = %.6g%s", r->values[k], k + 1 < r->nr_results ? "; " : "");
			else
				fprintf(f, " = none%s", k + 1 < r->nr_results ? "; " : "");
		}
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

int sweep_page_write(const struct test_table *t, const char *path, struct mv_error *err)
{
	if (!&mv_uplot_js || !&mv_uplot_css) /* weak: absent when the build had no uPlot */
		return mv_fail(err, -ENOTSUP, "%s: memvisor was built without uPlot", path);
	FILE *f = fopen(path, "w");
	if (!f)
		return mv_fail_errno(err, "%s", path);
	fprintf(f, "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
		   "<title>sweep - memvisor test</title>\n<style>%s</style>\n<style>%s</style>\n"
		   "</head>\n<body>\n<h1>memvisor test: %zu runs</h1>\n<div id=charts></div>\n",
		REPORT_CSP, mv_uplot_css, report_page_css, t->n);
	write_table(f, t);
	write_data(f, t);
	fprintf(f, "<script>%s</script>\n<script>%s</script>\n<script>%s</script>\n</body>\n"
		   "</html>\n", mv_uplot_js, report_common_js, report_sweep_js);
	return fclose(f) ? mv_fail_errno(err, "%s", path) : 0;
}
