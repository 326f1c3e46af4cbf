/*
 * opt_output.c: `memvisor opt`'s results on stdout (opt_internal.h): the
 * faults and hits table per frame count, the hit ratio curve table of
 * --hrc, one CSV line per trace, frame count and policy, or one JSON
 * object. Hits are in percent of the references to pages used more than
 * once (one-time pages miss under any policy).
 */
#include "opt_internal.h"

#include <json-c/json.h>
#include <stdio.h>

/* Hits in percent of the references to pages used more than once. */
static double hit_percent(const struct opt_trace *t, uint64_t faults)
{
	size_t again = t->n - t->once;
	return again ? 100.0 * (double)(t->n - faults) / (double)again : 0.0;
}

/* One row per policy and OPT; cell(row, c) prints column c of the row. */
static void print_rows(const struct opt_args *a, const struct opt_trace *traces,
		       unsigned nr_traces, const uint64_t *faults,
		       void (*cell)(const struct opt_trace *t, const uint64_t *row, unsigned p,
				    unsigned opt))
{
	unsigned w = a->nr_policies + 1, cols = nr_traces * a->nr_frames;
	char head[96];
	printf("%-10s", "policy");
	for (unsigned c = 0; c < cols; c++) {
		snprintf(head, sizeof(head), "%.40s/%u", traces[c / a->nr_frames].name,
			 a->frames[c % a->nr_frames]);
		printf(" %18s", head);
	}
	for (unsigned p = 0; p < w; p++) {
		printf("\n%-10s", p < a->nr_policies ? a->policies[p]->name : "OPT");
		for (unsigned c = 0; c < cols; c++)
			cell(&traces[c / a->nr_frames], faults + c * w, p, a->nr_policies);
	}
	printf("\n");
}

static void cell_faults(const struct opt_trace *t, const uint64_t *row, unsigned p,
			unsigned opt)
{
	(void)t;
	double best = (double)row[opt];
	printf(" %10llu (%5.2f)", (unsigned long long)row[p],
	       best > 0 ? (double)row[p] / best : 1.0);
}

static void cell_hits(const struct opt_trace *t, const uint64_t *row, unsigned p,
		      unsigned opt)
{
	(void)opt;
	printf(" %17.2f%%", hit_percent(t, row[p]));
}

/* Per column, the online policy with the fewest faults. */
static void print_best(const struct opt_args *a, const struct opt_trace *traces,
		       unsigned nr_traces, const uint64_t *faults)
{
	unsigned w = a->nr_policies + 1, cols = nr_traces * a->nr_frames;
	printf("%-10s", "best");
	for (unsigned c = 0; c < cols; c++) {
		const uint64_t *row = faults + c * w;
		unsigned best = 0;
		for (unsigned p = 1; p < a->nr_policies; p++)
			if (row[p] < row[best])
				best = p;
		printf(" %10s %6.2f%%", a->policies[best]->name,
		       hit_percent(&traces[c / a->nr_frames], row[best]));
	}
	printf("\n");
}

/* What the trace is: its size, and a file's format. */
static void print_trace_line(const struct opt_trace *t)
{
	printf("%s: %zu references, %u pages, %zu references to pages used once", t->name,
	       t->n, t->nr_pages, t->once);
	if (t->format != TRACEFILE_AUTO)
		printf(" (%s", tracefile_format_name(t->format));
	if (t->skipped)
		printf(", %llu records of size 0 skipped", (unsigned long long)t->skipped);
	printf("%s\n", t->format != TRACEFILE_AUTO ? ")" : "");
}

void opt_print_table(const struct opt_args *a, const struct opt_trace *traces,
		     unsigned nr_traces, const uint64_t *faults)
{
	for (unsigned t = 0; t < nr_traces; t++)
		print_trace_line(&traces[t]);
	printf("\nfaults (x OPT)\n");
	print_rows(a, traces, nr_traces, faults, cell_faults);
	printf("\nhits, %% of references to pages used more than once\n");
	print_rows(a, traces, nr_traces, faults, cell_hits);
	print_best(a, traces, nr_traces, faults);
}

/* --hrc: one table per trace, a row per frame count, a column per policy. */
void opt_print_curves(const struct opt_args *a, const struct opt_trace *traces,
		      unsigned nr_traces, const uint64_t *faults)
{
	unsigned w = a->nr_policies + 1;
	printf("hit ratio curves: hits in %% of the references to pages used more than once;\n"
	       "lru-exact and OPT in one pass over the trace (Mattson stack distances, the\n"
	       "OPT stack), every other policy simulated at each frame count\n");
	for (unsigned t = 0; t < nr_traces; t++) {
		printf("\n");
		print_trace_line(&traces[t]);
		printf("%8s", "frames");
		for (unsigned p = 0; p < w; p++)
			printf(" %10s", p < a->nr_policies ? a->policies[p]->name : "OPT");
		for (unsigned f = 0; f < a->nr_frames; f++) {
			const uint64_t *row = faults + ((size_t)t * a->nr_frames + f) * w;
			printf("\n%8u", a->frames[f]);
			for (unsigned p = 0; p < w; p++)
				printf(" %9.2f%%", hit_percent(&traces[t], row[p]));
		}
		printf("\n");
	}
}

/* s as a CSV field: quoted, quotes doubled. */
static void print_csv_field(const char *s)
{
	putchar('"');
	for (; *s; s++)
		if (*s == '"')
			fputs("\"\"", stdout);
		else
			putchar(*s);
	putchar('"');
}

/* --csv: one line per trace, frame count and policy (OPT too). */
void opt_print_csv(const struct opt_args *a, const struct opt_trace *traces,
		   unsigned nr_traces, const uint64_t *faults)
{
	unsigned w = a->nr_policies + 1;
	printf("trace,references,frames,policy,faults,hits_percent\n");
	for (unsigned t = 0; t < nr_traces; t++)
		for (unsigned f = 0; f < a->nr_frames; f++)
			for (unsigned p = 0; p < w; p++) {
				uint64_t v = faults[((size_t)t * a->nr_frames + f) * w + p];
				print_csv_field(traces[t].name);
				printf(",%zu,%u,%s,%llu,%.4f\n", traces[t].n,
				       a->frames[f], p < a->nr_policies ? a->policies[p]->name : "OPT",
				       (unsigned long long)v, hit_percent(&traces[t], v));
			}
}

/* A page's first reference misses under any policy and is no major fault
 * in the guest (a zero-filled or newly read page): faults beyond it. */
static uint64_t refaults(const struct opt_trace *t, uint64_t faults)
{
	return faults > t->nr_pages ? faults - t->nr_pages : 0;
}

void opt_print_run(const struct opt_args *a, const struct opt_trace *t, const uint64_t *faults)
{
	const struct opt_run *r = &t->run;
	if (!r->present)
		return;
	printf("\nrecorded run (%s.json): %llu samples every %g s (resync %s); sampling took "
	       "%.3f s of %.1f s (%.1f%%)\n", a->file, (unsigned long long)r->samples, r->interval,
	       r->resync, r->seconds_sampling, r->seconds,
	       r->seconds > 0 ? 100 * r->seconds_sampling / r->seconds : 0.0);
	printf("faults after a page's first use, beside the guest's %llu major faults\n",
	       (unsigned long long)r->pgmajfault);
	printf("%-10s", "policy");
	for (unsigned f = 0; f < a->nr_frames; f++)
		printf(" %6u frames (x guest)", a->frames[f]);
	for (unsigned p = 0; p <= a->nr_policies; p++) {
		printf("\n%-10s", p < a->nr_policies ? a->policies[p]->name : "OPT");
		for (unsigned f = 0; f < a->nr_frames; f++) {
			uint64_t n = refaults(t, faults[f * (a->nr_policies + 1) + p]);
			printf(" %13llu (%5.2f)", (unsigned long long)n,
			       r->pgmajfault ? (double)n / (double)r->pgmajfault : 0.0);
		}
	}
	printf("\n%-10s %13llu\n", "guest", (unsigned long long)r->pgmajfault);
}

static json_object *json_u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static json_object *json_run(const struct opt_run *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "interval", json_object_new_double(r->interval));
	json_object_object_add(o, "samples", json_u64(r->samples));
	json_object_object_add(o, "resident_max", json_u64(r->resident_max));
	json_object_object_add(o, "resident_steady", json_u64(r->resident_steady));
	json_object_object_add(o, "pgmajfault", json_u64(r->pgmajfault));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(o, "seconds_sampling", json_object_new_double(r->seconds_sampling));
	json_object_object_add(o, "resync", json_object_new_string(r->resync));
	return o;
}

/* What --hrc asked for and which curves came from one pass. */
static json_object *json_hrc(const struct opt_args *a)
{
	json_object *h = json_object_new_object(), *one = json_object_new_array();
	json_object_object_add(h, "from", json_u64(a->hrc[0]));
	json_object_object_add(h, "to", json_u64(a->hrc[1]));
	json_object_object_add(h, "step", json_u64(a->hrc[2]));
	for (unsigned p = 0; p < a->nr_policies; p++)
		if (opt_one_pass_policy(a, a->policies[p]))
			json_object_array_add(one, json_object_new_string(a->policies[p]->name));
	json_object_array_add(one, json_object_new_string("opt"));
	json_object_object_add(h, "one_pass", one);
	return h;
}

void opt_print_json(const struct opt_args *a, const struct opt_trace *traces,
		    unsigned nr_traces, const uint64_t *faults)
{
	json_object *root = json_object_new_object(), *results = json_object_new_array();
	unsigned w = a->nr_policies + 1;
	for (unsigned t = 0; t < nr_traces; t++) {
		for (unsigned f = 0; f < a->nr_frames; f++) {
			const uint64_t *row = faults + (t * a->nr_frames + f) * w;
			json_object *r = json_object_new_object(), *by = json_object_new_object();
			json_object_object_add(r, "trace", json_object_new_string(traces[t].name));
			json_object_object_add(r, "references", json_u64(traces[t].n));
			json_object_object_add(r, "pages", json_u64(traces[t].nr_pages));
			json_object_object_add(r, "once", json_u64(traces[t].once));
			if (traces[t].format != TRACEFILE_AUTO)
				json_object_object_add(r, "format", json_object_new_string(
					tracefile_format_name(traces[t].format)));
			json_object_object_add(r, "frames", json_u64(a->frames[f]));
			for (unsigned p = 0; p < a->nr_policies; p++)
				json_object_object_add(by, a->policies[p]->name, json_u64(row[p]));
			json_object_object_add(r, "faults", by);
			json_object_object_add(r, "opt", json_u64(row[a->nr_policies]));
			if (traces[t].run.present)
				json_object_object_add(r, "run", json_run(&traces[t].run));
			json_object_array_add(results, r);
		}
	}
	json_object_object_add(root, "seed", json_u64(a->seed));
	if (a->hrc[0])
		json_object_object_add(root, "hrc", json_hrc(a));
	json_object_object_add(root, "results", results);
	printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
}
