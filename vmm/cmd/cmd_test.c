/*
 * cmd_test.c: `memvisor test FILE... [-j N] [--junit OUT.xml] [--tap]
 * [--keep DIR] [--shard K/N] [--cpus N]` and `memvisor test --merge DIR...`: loads
 * every scenario first, a sweep's matrix expanded into one scenario per
 * cell (a malformed file stops everything with exit 2 before any VM
 * starts), keeps the cells of shard K of N, runs each as `memvisor run`
 * in a forked child (memvisor_main, not the binary again), up to N at a
 * time, prints one line per scenario as it finishes, and writes the
 * outcome table (test_results.h: results.json and results.csv in DIR,
 * JUnit XML, TAP) in file order. --merge joins the results.json of
 * several runs (shards) into one table instead of running anything.
 *
 * Each scenario runs in DIR/NAME (a temporary folder, removed at the end
 * without --keep, by a walk of the tree: no shell, no rm); with --keep the
 * folder stays, with report.html (written in-process, cmd_report.h).
 * Exit status: 0 all passed, 1 some failed, 2 usage or scenario errors.
 * Invariant: a job is started once and reaped once; jobs[] stays in the
 * order of the command line, whatever order they finish in.
 */
#include "commands.h"
#include "cmd_report.h"
#include "scenario_run.h"
#include "sweep_page.h"
#include "test_results.h"
#include "util.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Grace beyond a scenario's own --timeout before the VM is killed. */
#define KILL_GRACE_SECONDS 20

enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE };

struct job {
	struct scenario sc;
	char dir[4200];                /* base + "/" + name */
	enum job_state state;
	pid_t pid;
	double start;
	bool killed;
	struct scenario_result res;
};

struct test_opts {
	int jobs;
	const char *junit, *keep;
	bool tap, merge;
	unsigned shard, shards;        /* run shard K of N (0 of 0: all) */
	int cpus;                      /* vCPUs of a booted guest naming none (0: 1) */
	FILE *out;                     /* verdict lines: stdout, stderr with --tap */
	char exe[4096], exe_dir[4096], base[4096];
};

static const char test_usage[] =
"usage: memvisor test FILE.yaml... [-j N] [--junit OUT.xml] [--tap] [--keep DIR]\n"
"                     [--shard K/N] [--cpus N]\n"
"       memvisor test --merge DIR... [--junit OUT.xml] [--tap] [--keep OUT]\n"
"\n"
"Runs scenario files: each boots a guest with `memvisor run` and checks its\n"
"exit status, console lines, stats stream and snapshot diffs against the\n"
"file's expectations (format: vmm/lab/scenario.h, conditions: vmm/lab/expect.h).\n"
"A file with a matrix: is a sweep, one run per combination of its values.\n"
"\n"
"  -j, --jobs N      run N scenarios at a time (default 1)\n"
"      --junit FILE  write a JUnit XML report\n"
"      --tap         print TAP on stdout (verdict lines go to stderr)\n"
"      --keep DIR    keep each scenario's console log, stats stream, snapshots\n"
"                    and report.html in DIR/NAME/, and the outcome table in\n"
"                    DIR/results.json and DIR/results.csv\n"
"      --shard K/N   run only shard K of N (1 <= K <= N): a stable share of the\n"
"                    scenarios by name, so N machines together run each once\n"
"      --cpus N      boot every guest that names no guest.cpus with N vCPUs\n"
"                    (1 to 64; TEST_CPUS=N in make scenarios)\n"
"      --merge       the arguments are --keep folders of earlier runs: join\n"
"                    their results.json into one table (verdicts, --junit,\n"
"                    --tap, --keep OUT) and run nothing\n"
"  -h, --help        this text\n"
"\n"
"Exit status: 0 all passed, 1 some failed, 2 usage error or malformed scenario.\n";

/* "K/N" with 1 <= K <= N <= 1024. */
static int parse_shard(struct test_opts *o, const char *arg)
{
	unsigned k, n;
	int used = 0;
	if (sscanf(arg, "%u/%u%n", &k, &n, &used) != 2 || arg[used] || !k || k > n || n > 1024) {
		mv_err("test: --shard '%s' is not K/N with 1 <= K <= N <= 1024", arg);
		return -EINVAL;
	}
	o->shard = k;
	o->shards = n;
	return 0;
}

/* A count of 1 to 64 for option opt. Returns 0 or -EINVAL (said). */
static int parse_count(const char *opt, const char *arg, int *count)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || end == arg || v < 1 || v > 64) {
		mv_err("test: %s '%s' is not a count of 1 to 64", opt, arg);
		return -EINVAL;
	}
	*count = (int)v;
	return 0;
}

static int parse_opts(struct test_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' }, { "junit", required_argument, NULL, 'J' },
		{ "tap", no_argument, NULL, 'T' }, { "keep", required_argument, NULL, 'k' },
		{ "shard", required_argument, NULL, 'S' }, { "merge", no_argument, NULL, 'M' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0; /* glibc: a full reset */
	while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (parse_count("-j", optarg, &o->jobs) < 0)
				return -EINVAL;
			break;
		case 'J': o->junit = optarg; break;
		case 'T': o->tap = true; break;
		case 'k': o->keep = optarg; break;
		case 'S':
			if (parse_shard(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'M': o->merge = true; break;
		case 'c':
			if (parse_count("--cpus", optarg, &o->cpus) < 0)
				return -EINVAL;
			break;
		case 'h': fputs(test_usage, stdout); exit(0);
		default: fputs(test_usage, stderr); return -EINVAL;
		}
	}
	if (o->merge && o->shards) {
		mv_err("test: --merge joins finished runs; --shard applies to a run");
		return -EINVAL;
	}
	if (optind >= argc) {
		mv_err(o->merge ? "test: no folders to merge given" : "test: no scenario files given");
		fputs(test_usage, stderr);
		return -EINVAL;
	}
	return 0;
}

static int find_exe(struct test_opts *o)
{
	ssize_t n = readlink("/proc/self/exe", o->exe, sizeof(o->exe) - 1);
	if (n < 0) {
		int code = mv_errno();
		mv_err("test: cannot find memvisor itself: %m");
		return code;
	}
	o->exe[n] = '\0';
	snprintf(o->exe_dir, sizeof(o->exe_dir), "%s", o->exe);
	dirname(o->exe_dir);
	return 0;
}

/* Appends the cells of shard o->shard to *jobs; all of them without --shard.
 * A booted guest that names no vCPU count gets --cpus's. */
static void add_cells(struct job **jobs, int *n, struct scenario *cells, size_t nr,
		      const struct test_opts *o)
{
	for (size_t i = 0; i < nr; i++) {
		if (o->shards && !test_in_shard(cells[i].name, o->shard, o->shards)) {
			scenario_free(&cells[i]);
			continue;
		}
		*jobs = realloc(*jobs, (size_t)(*n + 1) * sizeof(**jobs));
		if (!*jobs)
			abort();
		memset(&(*jobs)[*n], 0, sizeof(**jobs));
		if (!cells[i].cpus && !cells[i].host && !cells[i].start_from)
			cells[i].cpus = o->cpus;
		(*jobs)[(*n)++].sc = cells[i];
	}
	free(cells);
}

/*
 * Loads every file into *jobs (a sweep: a job per cell of the shard);
 * prints every error. Returns the number of files that failed.
 */
static int load_all(struct job **jobs, int *n, char **files, int nr_files,
		    const struct test_opts *o)
{
	int bad = 0;
	struct mv_error err;
	for (int i = 0; i < nr_files; i++) {
		struct scenario *cells;
		size_t nr;
		if (scenario_load_cells(files[i], o->exe_dir, &cells, &nr, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			bad++;
			continue;
		}
		add_cells(jobs, n, cells, nr, o);
	}
	if (!bad && o->shards)
		fprintf(o->out, "shard %u/%u: %d scenario%s\n", o->shard, o->shards, *n,
			*n == 1 ? "" : "s");
	return bad;
}

/* mkdir -p. Returns 0 or a negative errno. */
static int mkdir_p(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* base/NAME, or base/NAME-2... when two scenarios share a name. */
static void assign_dirs(struct job *jobs, int n, const char *base)
{
	for (int i = 0; i < n; i++) {
		int same = 0;
		for (int k = 0; k < i; k++)
			same += !strcmp(jobs[k].sc.name, jobs[i].sc.name);
		if (same)
			snprintf(jobs[i].dir, sizeof(jobs[i].dir), "%s/%s-%d", base, jobs[i].sc.name,
				 same + 1);
		else
			snprintf(jobs[i].dir, sizeof(jobs[i].dir), "%s/%s", base, jobs[i].sc.name);
	}
}

static void start_job(struct job *j, const struct test_opts *o)
{
	struct mv_error err;
	j->start = mv_monotonic_seconds();
	j->state = JOB_RUNNING;
	j->pid = scenario_start(&j->sc, o->exe, memvisor_main, j->dir, &err);
	if (j->pid < 0) {
		j->res.status = -1;
		j->state = JOB_DONE;
		j->res.reasons = strdup(err.msg);
		j->res.failed = 1;
	}
}

/*
 * The job's outcome as a table row, borrowing the job's strings; names
 * (sc.nr_results slots) receives its measures' texts. The row's name is
 * its folder's: NAME, or NAME-2 for a scenario given twice.
 */
static struct test_row job_row(const struct job *j, char **names)
{
	for (size_t k = 0; k < j->sc.nr_results; k++)
		names[k] = (char *)expect_text(j->sc.results[k].cond);
	struct test_row r = {
		.name = strrchr(j->dir, '/') + 1, .file = j->sc.file, .label = j->sc.label,
		.dir = (char *)j->dir, .reasons = j->res.reasons, .status = j->res.status,
		.seconds = j->res.seconds, .checks = j->res.checks, .failed = j->res.failed,
		.nr_results = j->res.values ? j->sc.nr_results : 0, .result_names = names,
		.values = j->res.values, .measured = j->res.measured,
	};
	return r;
}

/* The verdict, then the scenario's notice lines with the run's values. */
static void print_verdict(const struct job *j, const struct test_opts *o)
{
	const struct test_row r = { .name = j->sc.name, .reasons = j->res.reasons,
				    .seconds = j->res.seconds, .checks = j->res.checks,
				    .failed = j->res.failed };
	test_row_print_verdict(&r, o->out);
	for (const char *p = j->res.notices; p && *p;) {
		size_t len = strcspn(p, "\n");
		fprintf(o->out, "      > %.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
	fflush(o->out);
}

static void write_report(const struct job *j, const struct test_opts *o)
{
	char stats[4096 + 16], snaps[4096 + 16], out[4096 + 16];
	snprintf(stats, sizeof(stats), "%s/stats.jsonl", j->dir);
	snprintf(snaps, sizeof(snaps), "%s/snapshots", j->dir);
	snprintf(out, sizeof(out), "%s/report.html", j->dir);
	const struct report_opts ro = { .stats_path = stats, .snap_dir = snaps,
					.pressure = j->sc.pressure, .title = j->sc.name,
					.out_path = out };
	if (report_write(&ro) < 0)
		fprintf(o->out, "      (no report.html for %s)\n", j->sc.name);
}

static void finish_job(struct job *j, int st, const struct test_opts *o)
{
	j->state = JOB_DONE;
	j->res.seconds = mv_monotonic_seconds() - j->start;
	j->res.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	scenario_check(&j->sc, memvisor_main, j->dir, &j->res);
	if (j->killed) {
		char *all;
		if (asprintf(&all, "%s: killed after %.0f s (timeout %g s + %d s grace)\n%s",
			     j->sc.file, j->res.seconds, j->sc.timeout, KILL_GRACE_SECONDS,
			     j->res.reasons ? j->res.reasons : "") < 0)
			abort();
		free(j->res.reasons);
		j->res.reasons = all;
		j->res.failed++;
	}
	print_verdict(j, o);
	if (o->keep && !j->sc.host)
		write_report(j, o);
}

/* Reaps finished children and kills overdue ones. Returns jobs reaped. */
static int reap(struct job *jobs, int n, const struct test_opts *o)
{
	int done = 0, st;
	for (int i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		if (j->state != JOB_RUNNING)
			continue;
		pid_t r = waitpid(j->pid, &st, WNOHANG);
		if (r == j->pid) {
			finish_job(j, st, o);
			done++;
		} else if (!j->killed &&
			   mv_monotonic_seconds() - j->start > j->sc.timeout + KILL_GRACE_SECONDS) {
			kill(-j->pid, SIGKILL);
			j->killed = true;
		}
	}
	return done;
}

static void run_all(struct job *jobs, int n, const struct test_opts *o)
{
	int next = 0, running = 0, finished = 0;
	while (finished < n) {
		while (running < o->jobs && next < n) {
			start_job(&jobs[next], o);
			if (jobs[next].state == JOB_DONE) {
				print_verdict(&jobs[next], o);
				finished++;
			} else {
				running++;
			}
			next++;
		}
		int r = reap(jobs, n, o);
		running -= r;
		finished += r;
		if (!r)
			usleep(20000);
	}
}

/* ---- the command ------------------------------------------------------------------ */

/* nftw callback: removes one entry, children before their folder; the
 * first that cannot be removed stops the walk with one line. */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) == 0)
		return 0;
	int e = errno;
	mv_err("test: cannot remove %s: %s", path, strerror(e));
	return e;
}

/* Removes the folder dir and all below it, not following symbolic links.
 * Returns 0, or a negative errno with one line printed. */
static int remove_tree(const char *dir)
{
	int rc = nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (rc < 0) {
		rc = -errno;
		mv_err("test: cannot remove %s: %s", dir, strerror(-rc));
	}
	return rc > 0 ? -rc : rc;
}

static int prepare_base(struct test_opts *o)
{
	if (o->keep) {
		int rc = mkdir_p(o->keep);
		if (rc < 0) {
			mv_err("test: cannot create %s: %s", o->keep, strerror(-rc));
			return rc;
		}
		snprintf(o->base, sizeof(o->base), "%s", o->keep);
		return 0;
	}
	snprintf(o->base, sizeof(o->base), "%s/memvisor-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(o->base)) {
		int code = mv_errno();
		mv_err("test: cannot create a temporary folder: %m");
		return code;
	}
	return 0;
}

/* The jobs' outcomes as a table, in file order. */
static void jobs_table(const struct job *jobs, int n, struct test_table *t)
{
	struct mv_error err;
	for (int i = 0; i < n; i++) {
		char **names = calloc(jobs[i].sc.nr_results + 1, sizeof(*names));
		if (!names)
			abort();
		struct test_row r = job_row(&jobs[i], names);
		if (test_table_add(t, &r, &err) < 0)
			mv_err("test: %s", err.msg);
		free(names);
	}
}

/* Writes what the options ask for; prints the summary. Returns the exit status. */
static int summarize(const struct test_table *t, const struct test_opts *o)
{
	struct mv_error err;
	size_t failed = test_table_failed(t);
	char path[4096 + 16];
	if (o->tap)
		test_table_write_tap(t, stdout);
	if (o->junit && test_table_write_junit(t, o->junit, &err) < 0) {
		mv_err("test: %s", err.msg);
		return MV_EXIT_USAGE;
	}
	if (o->keep) {
		snprintf(path, sizeof(path), "%s/results.json", o->keep);
		int rc = test_table_write_json(t, path, &err);
		snprintf(path, sizeof(path), "%s/results.csv", o->keep);
		if (rc < 0 || test_table_write_csv(t, path, &err) < 0) {
			mv_err("test: %s", err.msg);
			return MV_EXIT_HOST_ERROR;
		}
		snprintf(path, sizeof(path), "%s/sweep.html", o->keep);
		if (sweep_page_wanted(t) && sweep_page_write(t, path, &err) < 0)
			fprintf(o->out, "      (no sweep.html: %s)\n", err.msg);
	}
	fprintf(o->out, "scenarios: %zu passed, %zu failed\n", t->n - failed, failed);
	if (o->keep)
		fprintf(o->out, "kept in %s/ (results.json, results.csv%s%s)\n", o->keep,
			sweep_page_wanted(t) ? ", sweep.html" : "",
			o->merge ? "" : "; per scenario console.log, stats.jsonl, snapshots/, "
					"report.html");
	return failed ? 1 : 0;
}

/* --merge: joins the results.json of each folder; runs nothing. */
static int merge(char **dirs, int n, struct test_opts *o)
{
	struct test_table t = { 0 };
	struct mv_error err;
	char path[4096 + 16];
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s/results.json", dirs[i]);
		rc = access(path, R_OK) < 0 ? mv_fail_errno(&err, "%s", path)
					    : test_table_read_json(&t, path, &err);
		if (rc < 0)
			mv_err("test: --merge: %s", err.msg);
	}
	if (rc == 0 && o->keep && (rc = mkdir_p(o->keep)) < 0)
		mv_err("test: cannot create %s: %s", o->keep, strerror(-rc));
	if (rc == 0) {
		for (size_t i = 0; i < t.n; i++)
			test_row_print_verdict(&t.rows[i], o->out);
		rc = summarize(&t, o);
	} else {
		rc = MV_EXIT_USAGE;
	}
	test_table_free(&t);
	return rc;
}

int cmd_test(int argc, char **argv)
{
	struct test_opts o = { .jobs = 1, .out = stdout };
	if (parse_opts(&o, argc, argv) < 0 || find_exe(&o) < 0)
		return MV_EXIT_USAGE;
	if (o.tap)
		o.out = stderr;
	if (o.merge)
		return merge(argv + optind, argc - optind, &o);
	struct job *jobs = NULL;
	struct test_table t = { 0 };
	int n = 0, rc = MV_EXIT_USAGE;
	if (load_all(&jobs, &n, argv + optind, argc - optind, &o) == 0 && prepare_base(&o) == 0) {
		assign_dirs(jobs, n, o.base);
		run_all(jobs, n, &o);
		jobs_table(jobs, n, &t);
		rc = summarize(&t, &o);
		if (!o.keep)
			remove_tree(o.base);
	}
	test_table_free(&t);
	for (int i = 0; i < n; i++) {
		scenario_free(&jobs[i].sc);
		scenario_result_free(&jobs[i].res);
	}
	free(jobs);
	return rc;
}
