/*
 * cmd_report.c: `memvisor report STATS.jsonl [--snapshots DIR] [--pressure
 * SCHED] [--title T] -o report.html`: one self-contained HTML page of
 * time-series charts from a --stats stream, with uPlot and the page's
 * script inlined (no network access when opened; the page declares a
 * Content-Security-Policy that forbids any).
 *
 * Data: every numeric leaf of every sample becomes a column named by its
 * dotted path (balloon.actual, zones.DMA32.nr_free.3), null where a sample
 * lacks it. Markers: the --pressure schedule's events (or, without one,
 * changes of balloon.target seen in the stream), increases of any
 * *oom_kill* counter, and the snapshots in DIR (their recorded uptime).
 * With --snapshots, a table of the diffs (snapdiff.h) between consecutive
 * snapshots, each file read once for it. Exit status: 0, or 2 for bad arguments or unreadable input.
 */
#include "commands.h"
#include "cmd_report.h"
#include "schedule.h"
#include "expect.h"
#include "snapdiff.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_COLUMNS 4096
#define MAX_SNAPS   64

struct column {
	char *path;
	json_object *values;           /* array, one per sample */
};

struct snap_info {
	char path[4096], name[256];
	double t;
	char reason[32];
};

struct report {
	const char *stats_path, *snap_dir, *pressure, *title, *out_path;
	struct expect_stats s;
	struct column cols[MAX_COLUMNS];
	size_t nr_cols;
	json_object *markers;          /* array of {t, kind, label} */
	struct snap_info snaps[MAX_SNAPS];
	size_t nr_snaps;
};

static const char report_usage[] =
"usage: memvisor report STATS.jsonl [--snapshots DIR] [--pressure SCHED]\n"
"                       [--title TEXT] -o REPORT.html\n"
"\n"
"Writes one self-contained HTML page (uPlot inlined, no network access) with\n"
"time-series charts of a `memvisor run --stats` stream: host resident memory,\n"
"balloon target and actual, guest free memory, and when the stream has them\n"
"free pages per zone with watermarks, free blocks per order, slab memory,\n"
"fault and swap rates, NUMA allocations per node. Markers show pressure\n"
"events (the --pressure schedule, else balloon target changes), OOM kills\n"
"(rises of an oom_kill counter) and the snapshots found in DIR, with a table\n"
"of their diffs.\n"
"\n"
"  -o, --output FILE     the page to write\n"
"      --snapshots DIR   snapshots (*.core) to mark and diff\n"
"      --pressure SCHED  the schedule the run had (as memvisor run --pressure)\n"
"      --title TEXT      the page's title (default: the stats file name)\n";

/* ---- columns ------------------------------------------------------------------ */

static struct column *column(struct report *r, const char *path, size_t nsamples)
{
	for (size_t i = 0; i < r->nr_cols; i++)
		if (!strcmp(r->cols[i].path, path))
			return &r->cols[i];
	if (r->nr_cols == MAX_COLUMNS)
		return NULL;
	struct column *c = &r->cols[r->nr_cols++];
	c->path = strdup(path);
	c->values = json_object_new_array_ext((int)nsamples);
	return c;
}

/* Adds sample i's numeric leaves under prefix to their columns. */
static void flatten(struct report *r, json_object *o, const char *prefix, size_t i)
{
	char path[512];
	json_object_object_foreach(o, key, v) {
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", key);
		json_type t = json_object_get_type(v);
		if (t == json_type_object) {
			flatten(r, v, path, i);
		} else if (t == json_type_array) {
			for (size_t k = 0; k < json_object_array_length(v); k++) {
				char sub[600];
				json_object *e = json_object_array_get_idx(v, k);
				snprintf(sub, sizeof(sub), "%s.%zu", path, k);
				/* numbers only: a list of records (processes) is no time
				 * series, a record's position changes as others come and go */
				if (json_object_is_type(e, json_type_int) ||
				    json_object_is_type(e, json_type_double)) {
					struct column *c = column(r, sub, r->s.n);
					if (c)
						json_object_array_put_idx(c->values, i, json_object_get(e));
				}
			}
		} else if ((t == json_type_int || t == json_type_double) && strcmp(path, "time")) {
			struct column *c = column(r, path, r->s.n);
			if (c)
				json_object_array_put_idx(c->values, i, json_object_get(v));
		}
	}
}

static void build_columns(struct report *r)
{
	for (size_t i = 0; i < r->s.n; i++)
		flatten(r, r->s.samples[i], "", i);
	/* pad every column to the number of samples (absent: null) */
	for (size_t k = 0; k < r->nr_cols; k++)
		if (json_object_array_length(r->cols[k].values) < r->s.n)
			json_object_array_put_idx(r->cols[k].values, r->s.n - 1, NULL);
}

/* ---- markers -------------------------------------------------------------------- */

static void add_marker(struct report *r, double t, const char *kind, const char *label)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "t", json_object_new_double(t));
	json_object_object_add(m, "kind", json_object_new_string(kind));
	json_object_object_add(m, "label", json_object_new_string(label));
	json_object_array_add(r->markers, m);
}

static int schedule_markers(struct report *r)
{
	struct schedule_event ev[SCHEDULE_MAX_EVENTS];
	char label[300];
	struct mv_error err;
	int n = schedule_parse(r->pressure, ev, SCHEDULE_MAX_EVENTS, &err);
	if (n < 0) {
		mv_err("report: --pressure: %s", err.msg);
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (!strcmp(ev[i].cmd, "snapshot") || ev[i].when[0])
			continue; /* snapshots come from the files; `when` events have no set time */
		snprintf(label, sizeof(label), "%s%s%s", ev[i].cmd, *ev[i].arg ? "=" : "", ev[i].arg);
		add_marker(r, ev[i].at, "pressure", label);
	}
	return 0;
}

/* Marks where the value at path changes (kind "pressure") or rises ("oom"). */
static void change_markers(struct report *r, const char *path, const char *kind, bool rises)
{
	double prev = 0, v;
	bool have = false;
	char label[128], sz[32];
	for (size_t i = 0; i < r->s.n; i++) {
		if (expect_json_number(r->s.samples[i], path, &v) < 0)
			continue;
		if (have && (rises ? v > prev : v != prev)) {
			if (rises)
				snprintf(label, sizeof(label), "OOM kill (%s %.0f)", path, v);
			else
				snprintf(label, sizeof(label), "balloon=%s",
					 mv_format_size((uint64_t)v, sz, sizeof(sz)));
			add_marker(r, r->s.times[i], kind, label);
		}
		prev = v;
		have = true;
	}
}

static void stream_markers(struct report *r)
{
	if (!r->pressure || !*r->pressure)
		change_markers(r, "balloon.target", "pressure", false);
	for (size_t k = 0; k < r->nr_cols; k++)
		if (strstr(r->cols[k].path, "oom_kill"))
			change_markers(r, r->cols[k].path, "oom", true);
}

/* ---- snapshots -------------------------------------------------------------------- */

static int snap_cmp(const void *a, const void *b)
{
	const struct snap_info *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int load_snapshots(struct report *r)
{
	DIR *d = opendir(r->snap_dir);
	struct dirent *e;
	struct mv_error err;
	if (!d) {
		int code = mv_errno();
		mv_err("report: --snapshots %s: %m", r->snap_dir);
		return code;
	}
	while ((e = readdir(d)) && r->nr_snaps < MAX_SNAPS) {
		size_t len = strlen(e->d_name);
		struct snap_info *si = &r->snaps[r->nr_snaps];
		struct snap_file f;
		if (len < 6 || strcmp(e->d_name + len - 5, ".core"))
			continue;
		snprintf(si->path, sizeof(si->path), "%s/%s", r->snap_dir, e->d_name);
		if (snapfile_read(&f, si->path, &err) < 0) {
			mv_err("report: skipping %s", err.msg);
			continue;
		}
		snprintf(si->name, sizeof(si->name), "%.*s", (int)(len - 5), e->d_name);
		si->t = (double)f.meta.uptime_ns / 1e9;
		snprintf(si->reason, sizeof(si->reason), "%.31s", f.meta.reason);
		snapfile_free(&f);
		r->nr_snaps++;
	}
	closedir(d);
	qsort(r->snaps, r->nr_snaps, sizeof(r->snaps[0]), snap_cmp);
	for (size_t i = 0; i < r->nr_snaps; i++)
		add_marker(r, r->snaps[i].t, "snapshot", r->snaps[i].name);
	return 0;
}

static int marker_cmp(const void *a, const void *b)
{
	json_object *x, *y;
	json_object_object_get_ex(*(json_object *const *)a, "t", &x);
	json_object_object_get_ex(*(json_object *const *)b, "t", &y);
	double tx = json_object_get_double(x), ty = json_object_get_double(y);
	return tx < ty ? -1 : tx > ty;
}

/* ---- HTML ----------------------------------------------------------------------- */

void report_html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Bytes of a space's ranges of one kind of change. */
static uint64_t change_bytes(const struct snapdiff_space *sp, enum snapdiff_change kind)
{
	uint64_t sum = 0;
	for (size_t k = 0; k < sp->nr_ranges; k++)
		if (sp->ranges[k].kind == kind)
			sum += sp->ranges[k].range.len;
	return sum;
}

static void diff_space_row(FILE *f, const struct snap_info *a, const struct snap_info *b,
			   const struct snapdiff_space *sp)
{
	char s1[32], s2[32], s3[32];
	uint64_t ad = change_bytes(sp, SNAPDIFF_ADDED);
	uint64_t rm = change_bytes(sp, SNAPDIFF_REMOVED);
	uint64_t ch = change_bytes(sp, SNAPDIFF_CHANGED);
	if (!ad && !rm && !ch)
		return;
	fprintf(f, "<tr><td class=l>%s &rarr; %s</td><td class=l>", a->name, b->name);
	report_html_escape(f, sp->name);
	fprintf(f, "</td><td>%s%s</td><td>%s%s</td><td>%s</td></tr>\n", ad ? "+" : "",
		ad ? mv_format_size(ad, s1, sizeof(s1)) : "", rm ? "-" : "",
		rm ? mv_format_size(rm, s2, sizeof(s2)) : "",
		ch ? mv_format_size(ch, s3, sizeof(s3)) : "");
}

static void diff_rows(FILE *f, const struct snap_info *a, const struct snap_info *b,
		      const struct snap_diff *d)
{
	for (size_t i = 0; i < d->nr_spaces; i++)
		diff_space_row(f, a, b, &d->spaces[i]);
	for (size_t i = 0; i < d->nr_zones; i++) {
		const struct snapdiff_zone *z = &d->zones[i];
		char key[RECJSON_ZONE_KEY]; /* DMA32, or DMA32_1 on node 1 */
		recjson_zone_name(&z->after, key, sizeof(key));
		fprintf(f, "<tr><td class=l>%s &rarr; %s</td><td class=l>zone ", a->name, b->name);
		report_html_escape(f, key);
		fprintf(f, " free pages</td><td colspan=3>%+lld</td></tr>\n",
			(long long)z->after.free_pages - (long long)z->before.free_pages);
	}
	if (d->dirty_known)
		fprintf(f, "<tr><td class=l>%s &rarr; %s</td><td class=l>pages dirtied</td>"
			   "<td colspan=3>%lld</td></tr>\n", a->name, b->name,
			(long long)d->dirty_pages);
}

/* The rows of each consecutive pair's diff, reading every snapshot once; a
 * pair with a snapshot that cannot be read (or no memory) gets no rows. */
static void diff_consecutive(FILE *f, const struct report *r)
{
	struct snap_file prev, cur;
	bool have_prev = false;
	for (size_t i = 0; i < r->nr_snaps; i++) {
		struct snap_diff d;
		bool have = snapfile_read(&cur, r->snaps[i].path, NULL) == 0;
		if (have && have_prev && snapdiff_compute(&prev, &cur, &d) == 0) {
			diff_rows(f, &r->snaps[i - 1], &r->snaps[i], &d);
			snapdiff_free(&d);
		}
		if (have_prev)
			snapfile_free(&prev);
		prev = cur;
		have_prev = have;
	}
	if (have_prev)
		snapfile_free(&prev);
}

static void write_snapshot_tables(FILE *f, const struct report *r)
{
	fprintf(f, "<h2>Snapshots</h2>\n");
	if (!r->nr_snaps) {
		fprintf(f, "<p class=none>No snapshots in %s.</p>\n", r->snap_dir);
		return;
	}
	fprintf(f, "<table id=snapshots><tr><th class=l>snapshot</th><th>taken at</th>"
		   "<th class=l>reason</th></tr>\n");
	for (size_t i = 0; i < r->nr_snaps; i++) {
		fprintf(f, "<tr><td class=l>");
		report_html_escape(f, r->snaps[i].name);
		fprintf(f, "</td><td>%.3f s</td><td class=l>", r->snaps[i].t);
		report_html_escape(f, r->snaps[i].reason);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n<h2>Snapshot diffs</h2>\n<table id=diffs><tr><th class=l>between</th>"
		   "<th class=l>what</th><th>added</th><th>removed</th><th>changed</th></tr>\n");
	diff_consecutive(f, r);
	fprintf(f, "</table>\n");
}

static void write_events(FILE *f, const struct report *r)
{
	size_t n = json_object_array_length(r->markers);
	fprintf(f, "<h2>Events</h2>\n");
	if (!n) {
		fprintf(f, "<p class=none>No pressure events, OOM kills or snapshots.</p>\n");
		return;
	}
	fprintf(f, "<table id=events><tr><th>time</th><th class=l>kind</th>"
		   "<th class=l>what</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(r->markers, i), *t, *k, *l;
		json_object_object_get_ex(m, "t", &t);
		json_object_object_get_ex(m, "kind", &k);
		json_object_object_get_ex(m, "label", &l);
		fprintf(f, "<tr><td>%.2f s</td><td class=\"l k-%s\">%s</td><td class=l>",
			json_object_get_double(t), json_object_get_string(k),
			json_object_get_string(k));
		report_html_escape(f, json_object_get_string(l));
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

/* The data the page's script reads: MV = {t, series, markers}. */
static void write_data(FILE *f, const struct report *r)
{
	json_object *mv = json_object_new_object(), *t = json_object_new_array();
	json_object *series = json_object_new_object();
	for (size_t i = 0; i < r->s.n; i++)
		json_object_array_add(t, json_object_new_double(r->s.times[i]));
	for (size_t k = 0; k < r->nr_cols; k++)
		json_object_object_add(series, r->cols[k].path, json_object_get(r->cols[k].values));
	json_object_object_add(mv, "t", t);
	json_object_object_add(mv, "series", series);
	json_object_object_add(mv, "markers", json_object_get(r->markers));
	/* json-c escapes '/', so no "</script>" can occur in the text */
	fprintf(f, "<script>const MV = %s;</script>\n",
		json_object_to_json_string_ext(mv, JSON_C_TO_STRING_PLAIN));
	json_object_put(mv);
}

static void write_head(FILE *f, const struct report *r)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n<title>", REPORT_CSP);
	report_html_escape(f, r->title);
	fprintf(f, " - memvisor report</title>\n<style>%s</style>\n<style>%s</style>\n</head>\n",
		mv_uplot_css, report_page_css);
}

static void write_summary(FILE *f, const struct report *r)
{
	double ram = 0;
	char sz[32];
	if (r->s.n)
		expect_json_number(r->s.samples[0], "host.ram", &ram);
	fprintf(f, "<h1>");
	report_html_escape(f, r->title);
	fprintf(f, "</h1>\n<div class=meta>%zu samples over %.1f s", r->s.n,
		r->s.n ? r->s.times[r->s.n - 1] : 0.0);
	if (ram > 0)
		fprintf(f, ", guest RAM %s", mv_format_size((uint64_t)ram, sz, sizeof(sz)));
	fprintf(f, "; from ");
	report_html_escape(f, r->stats_path);
	fprintf(f, "</div>\n");
}

static int write_html(const struct report *r)
{
	FILE *f = fopen(r->out_path, "w");
	if (!f) {
		int code = mv_errno();
		mv_err("report: cannot write %s: %m", r->out_path);
		return code;
	}
	write_head(f, r);
	fprintf(f, "<body>\n");
	write_summary(f, r);
	fprintf(f, "<div id=charts></div>\n");
	write_events(f, r);
	if (r->snap_dir)
		write_snapshot_tables(f, r);
	write_data(f, r);
	fprintf(f, "<script>%s</script>\n<script>%s</script>\n<script>%s</script>\n</body>\n"
		   "</html>\n", mv_uplot_js, report_common_js, report_page_js);
	if (fclose(f) != 0) {
		int code = mv_errno();
		mv_err("report: writing %s: %m", r->out_path);
		return code;
	}
	return 0;
}

/* ---- the command -------------------------------------------------------------------- */

static int parse_opts(struct report_opts *r, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "snapshots", required_argument, NULL, 'S' },
		{ "pressure", required_argument, NULL, 'P' },
		{ "title", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0; /* glibc: a full reset */
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': r->out_path = optarg; break;
		case 'S': r->snap_dir = optarg; break;
		case 'P': r->pressure = optarg; break;
		case 'T': r->title = optarg; break;
		case 'h': fputs(report_usage, stdout); exit(0);
		default: fputs(report_usage, stderr); return -EINVAL;
		}
	}
	if (optind + 1 != argc || !r->out_path) {
		mv_err("report: %s", optind + 1 != argc ? "one stats file, please" : "no -o FILE");
		fputs(report_usage, stderr);
		return -EINVAL;
	}
	r->stats_path = argv[optind];
	return 0;
}

static void free_report(struct report *r)
{
	for (size_t k = 0; k < r->nr_cols; k++) {
		free(r->cols[k].path);
		json_object_put(r->cols[k].values);
	}
	json_object_put(r->markers);
	expect_stats_free(&r->s);
}

/* Everything after the options: read, mark, write. 0 or a negative errno. */
static int report_build(struct report *r)
{
	struct mv_error err;
	int rc = expect_stats_load(&r->s, r->stats_path, &err);
	if (rc < 0) {
		mv_err("report: %s", err.msg);
		return rc;
	}
	r->markers = json_object_new_array();
	build_columns(r);
	if ((r->pressure && *r->pressure && schedule_markers(r) < 0) ||
	    (r->snap_dir && load_snapshots(r) < 0))
		return -EINVAL;
	stream_markers(r);
	json_object_array_sort(r->markers, marker_cmp);
	return write_html(r) == 0 ? 0 : -EIO;
}

int report_write(const struct report_opts *o)
{
	if (!&mv_uplot_js || !&mv_uplot_css) {
		mv_err("report: this memvisor was built without uPlot (npm install failed at build "
		       "time; see build/npm/install.log and rebuild)");
		return -ENOTSUP;
	}
	struct report *r = calloc(1, sizeof(*r)); /* large: not on the stack */
	if (!r)
		return -ENOMEM;
	r->stats_path = o->stats_path;
	r->snap_dir = o->snap_dir;
	r->pressure = o->pressure;
	r->title = o->title ? o->title : o->stats_path;
	r->out_path = o->out_path;
	int rc = report_build(r);
	free_report(r);
	free(r);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { .stats_path = NULL };
	if (parse_opts(&o, argc, argv) < 0)
		return MV_EXIT_USAGE;
	int rc = report_write(&o);
	if (rc == -ENOTSUP || rc == -ENOMEM)
		return MV_EXIT_HOST_ERROR;
	return rc < 0 ? MV_EXIT_USAGE : 0;
}
