/*
 * scenario_run.h: runs one loaded scenario as `memvisor run` in a forked
 * child (the caller's command-line entry point, not the binary again) in
 * its own folder and judges the outcome against its expectations.
 *
 * The folder DIR holds afterwards:
 *   console.log        the guest's serial output (--console)
 *   memvisor.log       memvisor run's own stdout and stderr
 *   stats.jsonl        the --stats stream
 *   snapshots/snap-LABEL.core  the snapshots (LABEL as in the scenario)
 *   diff-A-B.json      each diff expectation's diff, as `memvisor diff --json`
 *   show-LABEL-VIEW[-SPACE].txt  each expect.show view, as `memvisor show` prints it
 *   crash.core         a crash dump, when the guest crashed
 *   control.sock       the control socket while the VM runs
 */
#ifndef VMM_SCENARIO_RUN_H
#define VMM_SCENARIO_RUN_H

#include "scenario.h"

#include <stdbool.h>
#include <sys/types.h>

struct scenario_result {
	int status;                    /* memvisor run's exit status, 128+sig if killed */
	double seconds;                /* wall time of the run */
	unsigned checks, failed;       /* expectations checked / failed */
	char *reasons;                 /* malloc'd lines "FILE:LINE: what", or NULL */
	char *notices;                 /* sc's notice lines with values, or NULL */
	double *values;                /* sc->nr_results measures (malloc'd), */
	bool *measured;                /* each false when it could not be read */
};

/* A command-line entry point: argv as main() gets it; returns the exit status. */
typedef int scenario_main_fn(int argc, char **argv);

/*
 * Creates dir and forks a child that runs `exe run ...` for sc in it by
 * calling main_fn (exe only names the program, in argv[0] and in
 * dir/command, the line that repeats the run by hand). The caller must
 * have no other threads. Returns the child's pid, or a negative errno
 * with the reason in err.
 */
pid_t scenario_start(const struct scenario *sc, const char *exe, scenario_main_fn *main_fn,
		     const char *dir, struct mv_error *err);

/* Checks every expectation of sc against what the run left in dir (views
 * of its snapshots by `show`, run through main_fn in a child), and reads
 * its results: measures. The caller must have no other threads. */
void scenario_check(const struct scenario *sc, scenario_main_fn *main_fn, const char *dir,
		    struct scenario_result *r);

void scenario_result_free(struct scenario_result *r);

#endif
