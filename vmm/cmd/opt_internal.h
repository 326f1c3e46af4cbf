/*
 * opt_internal.h: what `memvisor opt`'s two files share: cmd_opt.c parses
 * the options, loads or generates the traces and runs them; opt_output.c
 * prints the results as a table, a hit ratio curve, CSV or JSON.
 *
 * faults[] everywhere: faults[(trace * nr_frames + frame) * (nr_policies
 * + 1) + policy], OPT last in each row. Single-threaded; all state is one
 * call's.
 */
#ifndef VMM_OPT_INTERNAL_H
#define VMM_OPT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "tracefile.h"

#define OPT_MAX_LIST   16          /* frame counts, policies, patterns */
#define OPT_MAX_LENGTH (1u << 30)  /* references in one trace */
#define OPT_MAX_SPEC   192         /* characters of one --pattern spec */
#define OPT_MAX_POINTS 100000      /* frame counts of one --hrc range */

/* A run recorded with `memvisor run --trace-refs FILE`: FILE.json's figures. */
struct opt_run {
	bool present;
	double interval, seconds, seconds_sampling;
	uint64_t samples, resident_max, resident_steady, pgmajfault;
	char resync[16];
};

struct opt_trace {
	char name[64];         /* pattern name or file name */
	uint32_t *refs;        /* dense page numbers */
	size_t n;
	size_t once;           /* references to pages referenced only once */
	uint64_t skipped;      /* oracle-general records of size 0 */
	uint32_t nr_pages;     /* pages numbered (file: distinct pages) */
	enum tracefile_format format;  /* a file's; AUTO for a --pattern */
	struct opt_run run;    /* a recorded guest run's figures, beside its trace */
};

struct opt_args {
	uint32_t frame_list[OPT_MAX_LIST]; /* --frames */
	uint32_t *frames;      /* frame_list, or the --hrc range (malloc'd) */
	unsigned nr_frames;
	uint32_t hrc[3];       /* --hrc FROM:TO:STEP; FROM = 0: none */
	const struct policy_ops *policies[OPT_MAX_LIST];
	unsigned nr_policies;
	char patterns[OPT_MAX_LIST][OPT_MAX_SPEC];  /* trace specs, parsed last */
	unsigned nr_patterns;
	uint64_t length, pages, seed, tick;
	const char *file;
	enum tracefile_format format;
	bool json, csv;
};

/* Does an --hrc run take this policy's curve from one pass (exact LRU)? */
bool opt_one_pass_policy(const struct opt_args *a, const struct policy_ops *ops);

/* The printers of opt_output.c, one per output form. */
void opt_print_table(const struct opt_args *a, const struct opt_trace *traces,
		     unsigned nr_traces, const uint64_t *faults);
void opt_print_curves(const struct opt_args *a, const struct opt_trace *traces,
		      unsigned nr_traces, const uint64_t *faults);
void opt_print_csv(const struct opt_args *a, const struct opt_trace *traces,
		   unsigned nr_traces, const uint64_t *faults);
/* The recorded run's line and, per policy, simulated faults after first use beside the guest's
 * major faults (the table form); nothing when t has no run. */
void opt_print_run(const struct opt_args *a, const struct opt_trace *t, const uint64_t *faults);
void opt_print_json(const struct opt_args *a, const struct opt_trace *traces,
		    unsigned nr_traces, const uint64_t *faults);

#endif
