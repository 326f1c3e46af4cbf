/*
 * cmd_report.h: the pieces of `memvisor report` (cmd_report.c) shared with
 * the page template (cmd_report_page.c): the template's parts, written
 * around the data, and uPlot as assembled into memvisor at build time
 * (mk/scenarios.mk; weak, so NULL when the build could not fetch it).
 */
#ifndef VMM_CMD_REPORT_H
#define VMM_CMD_REPORT_H

extern const char mv_uplot_js[] __attribute__((weak));
extern const char mv_uplot_css[] __attribute__((weak));

/* The page's own style sheet and script (the chart definitions). */
extern const char report_page_css[];
extern const char report_page_js[];

/* The Content-Security-Policy the page declares: nothing from outside. */
#define REPORT_CSP "default-src 'none'; script-src 'unsafe-inline'; " \
		   "style-src 'unsafe-inline'; img-src data:"

#endif
