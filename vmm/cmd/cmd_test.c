/*
 * cmd_test.c: `memvisor test FILE... [-j N] [--junit OUT.xml] [--tap]
 * [--keep DIR]`: loads every scenario first (a malformed one stops
 * everything with exit 2 before any VM starts), runs each as `memvisor
 * run` in a forked child (memvisor_main, not the binary again), up to N at a time, prints one line per
 * scenario as it finishes, and writes JUnit XML and TAP in file order.
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
	bool tap;
	FILE *out;                     /* verdict lines: stdout, stderr with --tap */
	char exe[4096], exe_dir[4096], base[4096];
};

static const char test_usage[] =
"usage: memvisor test FILE.yaml... [-j N] [--junit OUT.xml] [--tap] [--keep DIR]\n"
"\n"
"Runs scenario files: each boots a guest with `memvisor run` and checks its\n"
"exit status, console lines, stats stream and snapshot diffs against the\n"
"file's expectations (format: vmm/lab/scenario.h, conditions: vmm/lab/expect.h).\n"
"\n"
"  -j, --jobs N      run N scenarios at a time (default 1)\n"
"      --junit FILE  write a JUnit XML report\n"
"      --tap         print TAP on stdout (verdict lines go to stderr)\n"
"      --keep DIR    keep each scenario's console log, stats stream, snapshots\n"
"                    and report.html in DIR/NAME/\n"
"  -h, --help        this text\n"
"\n"
"Exit status: 0 all passed, 1 some failed, 2 usage error or malformed scenario.\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_opts(struct test_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' }, { "junit", required_argument, NULL, 'J' },
		{ "tap", no_argument, NULL, 'T' }, { "keep", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	optind = 0; /* glibc: a full reset */
	while ((c = getopt_long(argc, argv, "j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->jobs = (int)strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > 64) {
				mv_err("test: -j '%s' is not a count of 1 to 64", optarg);
				return -EINVAL;
			}
			break;
		case 'J': o->junit = optarg; break;
		case 'T': o->tap = true; break;
		case 'k': o->keep = optarg; break;
		case 'h': fputs(test_usage, stdout); exit(0);
		default: fputs(test_usage, stderr); return -EINVAL;
		}
	}
	if (optind >= argc) {
		mv_err("test: no scenario files given");
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

/* Loads every file; prints every error. Returns the number that failed. */
static int load_all(struct job *jobs, int n, char **files, const struct test_opts *o)
{
	int bad = 0;
	struct mv_error err;
	for (int i = 0; i < n; i++)
		if (scenario_load(&jobs[i].sc, files[i], o->exe_dir, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			bad++;
		}
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
	j->start = now();
	j->state = JOB_RUNNING;
	j->pid = scenario_start(&j->sc, o->exe, memvisor_main, j->dir, &err);
	if (j->pid < 0) {
		j->res.status = -1;
		j->state = JOB_DONE;
		j->res.reasons = strdup(err.msg);
		j->res.failed = 1;
	}
}

static void print_verdict(const struct job *j, const struct test_opts *o)
{
	bool ok = !j->res.failed;
	fprintf(o->out, "%s  %-28s %6.1f s  (%u check%s)\n", ok ? "PASS" : "FAIL", j->sc.name,
		j->res.seconds, j->res.checks, j->res.checks == 1 ? "" : "s");
	for (const char *p = j->res.reasons; p && *p;) {
		size_t len = strcspn(p, "\n");
		fprintf(o->out, "      %.*s\n", (int)len, p);
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
	j->res.seconds = now() - j->start;
	j->res.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	scenario_check(&j->sc, j->dir, &j->res);
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
		} else if (!j->killed && now() - j->start > j->sc.timeout + KILL_GRACE_SECONDS) {
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

/* ---- JUnit XML and TAP ---------------------------------------------------------- */

static void xml_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

static void junit_case(FILE *f, const struct job *j)
{
	fprintf(f, "    <testcase classname=\"memvisor.scenarios\" name=\"");
	xml_escape(f, j->sc.name);
	fprintf(f, "\" file=\"");
	xml_escape(f, j->sc.file);
	fprintf(f, "\" time=\"%.3f\"", j->res.seconds);
	if (!j->res.failed) {
		fprintf(f, "/>\n");
		return;
	}
	fprintf(f, ">\n      <failure type=\"expectation\" message=\"");
	const char *r = j->res.reasons ? j->res.reasons : "failed";
	char first[512];
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(r, "\n"), r);
	xml_escape(f, first);
	fprintf(f, "\">");
	xml_escape(f, r);
	fprintf(f, "</failure>\n      <system-out>");
	xml_escape(f, j->dir);
	fprintf(f, "</system-out>\n    </testcase>\n");
}

static int write_junit(const struct job *jobs, int n, const char *path)
{
	double total = 0;
	int failures = 0;
	FILE *f = fopen(path, "w");
	if (!f) {
		int code = mv_errno();
		mv_err("test: cannot write %s: %m", path);
		return code;
	}
	for (int i = 0; i < n; i++) {
		total += jobs[i].res.seconds;
		failures += jobs[i].res.failed > 0;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<testsuites name=\"memvisor test\" tests=\"%d\" failures=\"%d\" errors=\"0\""
		   " time=\"%.3f\">\n  <testsuite name=\"memvisor scenarios\" tests=\"%d\""
		   " failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		n, failures, total, n, failures, total);
	for (int i = 0; i < n; i++)
		junit_case(f, &jobs[i]);
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f);
}

static void write_tap(const struct job *jobs, int n)
{
	printf("TAP version 13\n1..%d\n", n);
	for (int i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		printf("%sok %d - %s # %.1f s\n", j->res.failed ? "not " : "", i + 1, j->sc.name,
		       j->res.seconds);
		if (!j->res.failed)
			continue;
		printf("  ---\n  file: '%s'\n  status: %d\n  reasons:\n", j->sc.file, j->res.status);
		for (const char *p = j->res.reasons; p && *p;) {
			size_t len = strcspn(p, "\n");
			printf("    - \"");
			for (size_t k = 0; k < len; k++)
				printf(p[k] == '"' || p[k] == '\\' ? "\\%c" : "%c", p[k]);
			printf("\"\n");
			p += len + (p[len] == '\n');
		}
		printf("  ...\n");
	}
	fflush(stdout);
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

static int summarize(const struct job *jobs, int n, const struct test_opts *o)
{
	int failed = 0;
	for (int i = 0; i < n; i++)
		failed += jobs[i].res.failed > 0;
	if (o->tap)
		write_tap(jobs, n);
	if (o->junit && write_junit(jobs, n, o->junit) < 0)
		return MV_EXIT_USAGE;
	fprintf(o->out, "scenarios: %d passed, %d failed\n", n - failed, failed);
	if (o->keep)
		fprintf(o->out, "kept in %s/ (console.log, stats.jsonl, snapshots/, report.html)\n",
			o->keep);
	return failed ? 1 : 0;
}

int cmd_test(int argc, char **argv)
{
	struct test_opts o = { .jobs = 1, .out = stdout };
	if (parse_opts(&o, argc, argv) < 0 || find_exe(&o) < 0)
		return MV_EXIT_USAGE;
	if (o.tap)
		o.out = stderr;
	int n = argc - optind;
	struct job *jobs = calloc((size_t)n, sizeof(*jobs));
	if (!jobs)
		return MV_EXIT_HOST_ERROR;
	int rc = MV_EXIT_USAGE;
	if (load_all(jobs, n, argv + optind, &o) == 0 && prepare_base(&o) == 0) {
		assign_dirs(jobs, n, o.base);
		run_all(jobs, n, &o);
		rc = summarize(jobs, n, &o);
		if (!o.keep)
			remove_tree(o.base);
	}
	for (int i = 0; i < n; i++) {
		scenario_free(&jobs[i].sc);
		scenario_result_free(&jobs[i].res);
	}
	free(jobs);
	return rc;
}
