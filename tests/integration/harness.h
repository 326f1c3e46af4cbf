/*
 * harness.h: runs build/memvisor (or any program) for integration tests and
 * captures everything it prints.
 *
 * Environment: MEMVISOR (default build/memvisor), KERNEL (default
 * build/guest/kernel.elf), BUILD (default build), TEST_CPUS (when set,
 * every `run` that names no CPU count gets `-c TEST_CPUS`: the suites on
 * several vCPUs). A run that outlives its bound is killed, so a hung
 * guest fails its test instead of hanging the suite: HARNESS_KILL_SECONDS,
 * or for a run given `--timeout T` longer than that, T plus
 * HARNESS_KILL_MARGIN (memvisor ends such a run itself at T).
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stddef.h>
#include <stdio.h>

#define HARNESS_KILL_SECONDS 300
#define HARNESS_KILL_MARGIN  60

struct vm_run {
	int status;        /* exit status, or 128+signal when killed */
	char *console;     /* malloc'd: all of stdout and stderr, NUL-terminated */
	size_t len;
	double seconds;    /* wall time of the run */
};

/*
 * Runs MEMVISOR with argv (the words after "memvisor", NULL-terminated).
 * Returns 0, or -1 if it could not be started.
 */
int vm_run(struct vm_run *r, const char *const argv[]);

/* Runs an arbitrary program (argv[0] is looked up in PATH). Same returns. */
int prog_run(struct vm_run *r, const char *const argv[]);

void vm_run_free(struct vm_run *r);
/* Drops the CRs of the serial console's CR LF line ends (the /proc texts
 * a guest prints use LF). */
void vm_run_strip_cr(struct vm_run *r);

const char *test_memvisor_path(void);
const char *test_kernel_path(void);
/* Path of a file under BUILD, e.g. test_build_path("guests/tiny.elf"). */
const char *test_build_path(const char *rel);

/*
 * A program running in the background, its stdout+stderr going to a
 * temporary file (so it never blocks on a full pipe).
 */
struct bg_run {
	int pid;           /* 0 once reaped */
	char out_path[64];
	double start;
	double kill_after; /* seconds from start (its bound, see above) */
};

/* Starts MEMVISOR with argv (as vm_run) without waiting. 0 or -1. */
int vm_start(struct bg_run *bg, const char *const argv[]);
/* Starts an arbitrary program (looked up in PATH) without waiting. 0 or -1. */
int prog_start(struct bg_run *bg, const char *const argv[]);
/*
 * Waits up to timeout seconds for the program to end (then kills it) and
 * fills r as vm_run does. Removes the output file. Returns 0 or -1.
 */
int bg_wait(struct bg_run *bg, struct vm_run *r, double timeout);
/* The output so far, malloc'd and NUL-terminated (never NULL). */
char *bg_output(const struct bg_run *bg);
/* The output so far (caller frees) once it holds s, polled every 200 ms;
 * NULL when it does not within timeout seconds (a hang guard). */
char *bg_output_with(const struct bg_run *bg, const char *s, double timeout);
/* Whether path exists within timeout seconds (polled every 20 ms). */
int wait_for_path(const char *path, double timeout);
double test_now(void);

/*
 * The integer at a dotted path ("balloon.actual", "return.actual") in a
 * JSON text, parsed with json-c; -1 when absent or not a number.
 */
long long json_path_i64(const char *json, const char *path);

/* QMP (QEMU's monitor): connects to a unix socket and negotiates
 * capabilities. Returns the stream or NULL. */
FILE *qmp_open(const char *path);
/* Sends one command; copies the first "return"/"error" line to line.
 * Returns 0, or -1 when QEMU answered nothing. */
int qmp_command(FILE *f, const char *cmd, char *line, size_t size);

/* A whole text file, NUL-terminated and malloc'd; "" when it is missing. */
char *read_text_file(const char *path);

/*
 * A test's scratch directory: test_dir_make creates /tmp/PREFIX-XXXXXX in
 * dir (dir must hold 64 bytes; returns 0, or -1 when mkdtemp fails);
 * test_dir_path gives dir/name in one of 8 rotating buffers;
 * test_dir_remove deletes the directory and everything in it (0, or -1).
 */
int test_dir_make(char *dir, const char *prefix);
const char *test_dir_path(const char *dir, const char *name);
int test_dir_remove(const char *dir);

/* Whether the console contains the line fragment s. */
int console_has(const struct vm_run *r, const char *s);

#endif
