/*
 * sweep_page.h: the page `memvisor test --keep DIR` writes beside
 * results.json when its scenarios record measures (results:): DIR/sweep.html,
 * one chart per measure against the sweep's parameters (vmm/lab/report/
 * sweep.js draws them with the inlined uPlot) and the table of rows. Like
 * the report page it is one self-contained file that fetches nothing.
 */
#ifndef VMM_SWEEP_PAGE_H
#define VMM_SWEEP_PAGE_H

#include "test_results.h"

/* Whether any row of t has a measure (else there is nothing to chart). */
bool sweep_page_wanted(const struct test_table *t);
/* Writes the page. Returns 0, -ENOTSUP without uPlot, or -errno (err says why). */
int sweep_page_write(const struct test_table *t, const char *path, struct mv_error *err);

#endif
