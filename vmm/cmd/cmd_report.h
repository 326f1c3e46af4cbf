/*
 * cmd_report.h: `memvisor report` (cmd_report.c) as a call, for `test`,
 * and what it writes around the data, assembled into memvisor at build
 * time: the page's own style sheet and script (vmm/lab/report/,
 * report_assets.S) and uPlot (mk/scenarios.mk; weak, so NULL when the
 * build could not fetch it).
 */
#ifndef VMM_CMD_REPORT_H
#define VMM_CMD_REPORT_H

struct report_opts {
	const char *stats_path;      /* a --stats stream */
	const char *snap_dir;        /* snapshots to mark and diff; NULL: none */
	const char *pressure;        /* the run's schedule; NULL or "": none */
	const char *title;           /* NULL: the stats path */
	const char *out_path;        /* the page to write */
};

/*
 * Writes the report page. Returns 0, or a negative errno with one line
 * printed: -ENOTSUP when built without uPlot, -EINVAL for input that
 * cannot be read, -EIO when the page cannot be written, -ENOMEM.
 */
int report_write(const struct report_opts *o);

extern const char mv_uplot_js[] __attribute__((weak));
extern const char mv_uplot_css[] __attribute__((weak));

/* The page's own style sheet and script (the chart definitions), NUL-terminated. */
extern const char report_page_css[];
extern const char report_page_js[];
/* The sweep page's script (sweep.js): charts of a results table (test_results.h). */
extern const char report_sweep_js[];
/* What both scripts use (chart_common.js: PALETTE, countInk), inlined before either. */
extern const char report_common_js[];

#include <stdio.h>
/* Writes s with &, <, > and " escaped, for HTML text and attribute values. */
void report_html_escape(FILE *f, const char *s);

/* The Content-Security-Policy the page declares: nothing from outside. */
#define REPORT_CSP "default-src 'none'; script-src 'unsafe-inline'; " \
		   "style-src 'unsafe-inline'; img-src data:"

#endif
