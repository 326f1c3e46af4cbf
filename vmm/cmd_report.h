/*
 * cmd_report.h: what `memvisor report` (cmd_report.c) writes around the
 * data, assembled into memvisor at build time: the page's own style sheet
 * and script (vmm/report/, report_assets.S) and uPlot (mk/scenarios.mk;
 * weak, so NULL when the build could not fetch it).
 */
#ifndef VMM_CMD_REPORT_H
#define VMM_CMD_REPORT_H

extern const char mv_uplot_js[] __attribute__((weak));
extern const char mv_uplot_css[] __attribute__((weak));

/* The page's own style sheet and script (the chart definitions), NUL-terminated. */
extern const char report_page_css[];
extern const char report_page_js[];

/* The Content-Security-Policy the page declares: nothing from outside. */
#define REPORT_CSP "default-src 'none'; script-src 'unsafe-inline'; " \
		   "style-src 'unsafe-inline'; img-src data:"

#endif
