/*
 * scenario_run.c: turns a scenario into the argument vector of
 * `memvisor run` (files in the scenario's folder, layout in
 * scenario_run.h), runs it in a forked child, and afterwards checks the expectations in
 * the order of the file: exit status, console lines, stats conditions,
 * snapshot diffs (computed in-process, snapdiff.h). Each failed
 * expectation adds one line to the result's reasons; nothing here stops
 * at the first failure.
 */
#include "scenario_run.h"
#include "snapdiff.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 160

struct argv_buf {
	char *v[MAX_ARGS];
	int n;
};

static void arg(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	if (a->n >= MAX_ARGS - 1)
		return;
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n], fmt, ap) < 0)
		abort();
	va_end(ap);
	a->v[++a->n] = NULL;
}

/* Appends the whitespace-separated words of s. */
static void words(struct argv_buf *a, const char *s)
{
	while (s && *s) {
		size_t skip = strspn(s, " \t\n"), len = strcspn(s + skip, " \t\n");
		if (len)
			arg(a, "%.*s", (int)len, s + skip);
		s += skip + len;
	}
}

static void free_args(struct argv_buf *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
}

static void snapshot_args(struct argv_buf *a, const struct scenario *sc, const char *dir)
{
	char list[1024] = "";
	if (!sc->nr_snapshots)
		return;
	for (size_t i = 0; i < sc->nr_snapshots; i++)
		if (scenario_snapshot_timed(sc->snapshots[i]))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 list[0] ? "," : "", sc->snapshots[i]);
	/* also names the files of snapshot=NAME pressure steps */
	arg(a, "--snapshot-prefix");
	arg(a, "%s/snapshots/snap", dir);
	if (list[0]) {
		arg(a, "--snapshot-at");
		arg(a, "%s", list);
	}
}

/* The guest: the saved one (its own disk in dir, a copy of the saved
 * one, so the cells of a sweep share nothing but the file), or a boot. */
static void guest_args(struct argv_buf *a, const struct scenario *sc, const char *dir)
{
	if (sc->start_from) {
		arg(a, "--restore");
		arg(a, "%s", sc->start_from);
		arg(a, "--swap");
		arg(a, "%s/swap.img", dir);
		return;
	}
	arg(a, "-m");
	arg(a, "%s", sc->memory);
	arg(a, "-c");
	arg(a, "%d", sc->cpus ? sc->cpus : 1);
	if (sc->numa) {
		arg(a, "--numa");
		arg(a, "%s", sc->numa);
	}
}

static void build_args(struct argv_buf *a, const struct scenario *sc, const char *exe,
		       const char *dir)
{
	struct sockaddr_un sun;
	arg(a, "%s", exe);
	arg(a, "run");
	guest_args(a, sc, dir);
	arg(a, "--timeout");
	arg(a, "%g", sc->timeout);
	arg(a, "--console");
	arg(a, "%s/console.log", dir);
	arg(a, "--stats");
	arg(a, "%s/stats.jsonl:%g", dir, sc->stats_interval);
	arg(a, "--crash-dump");
	arg(a, "%s/crash.core", dir);
	if (strlen(dir) + sizeof("/control.sock") <= sizeof(sun.sun_path)) {
		arg(a, "--control");
		arg(a, "%s/control.sock", dir);
	}
	if (sc->initrd) {
		arg(a, "--initrd");
		arg(a, "%s", sc->initrd);
	}
	if (sc->swap) {
		arg(a, "--swap");
		arg(a, "%s/swap.img:%s", dir, sc->swap);
	}
	if (sc->pressure) {
		arg(a, "--pressure");
		arg(a, "%s", sc->pressure);
	}
	snapshot_args(a, sc, dir);
	if (sc->start_from)
		return;
	arg(a, "%s", sc->kernel);
	arg(a, "--");
	words(a, sc->cmdline);
	if (sc->workload && sc->linux_guest) {
		/* Linux hands the words after "--" to init, which runs them */
		arg(a, "--");
		words(a, sc->workload);
	} else if (sc->workload) {
		/* init= and the program's arguments come last */
		size_t skip = strspn(sc->workload, " \t");
		size_t len = strcspn(sc->workload + skip, " \t");
		arg(a, "init=%.*s", (int)len, sc->workload + skip);
		words(a, sc->workload + skip + len);
	}
}

/*
 * In the child: stdout/stderr into files (opened before the chdir, so
 * relative paths are the parent's), then the command in cwd. Never returns.
 */
static void child_run(scenario_main_fn *main_fn, int argc, char *argv[], const char *out_path,
		      const char *err_path, const char *cwd)
{
	int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : out;
	int in = open("/dev/null", O_RDONLY);
	if (out < 0 || err < 0 || in < 0 || (cwd && chdir(cwd) < 0))
		_exit(127);
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	int status = main_fn(argc, argv);
	fflush(NULL);
	_exit(status);
}

static pid_t spawn(scenario_main_fn *main_fn, struct argv_buf *a, const char *out_path,
		   const char *err_path, const char *cwd)
{
	fflush(NULL); /* the child must not write the parent's buffered output again */
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* its own group: a timeout kills the VM's threads too */
		child_run(main_fn, a->n, a->v, out_path, err_path, cwd);
	}
	return pid;
}

pid_t scenario_start(const struct scenario *sc, const char *exe, scenario_main_fn *main_fn,
		     const char *dir, struct mv_error *err)
{
	struct argv_buf a = { .n = 0 };
	char path[4096];
	snprintf(path, sizeof(path), "%s/snapshots", dir);
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || (mkdir(path, 0755) < 0 && errno != EEXIST))
		return mv_fail(err, -errno, "cannot create %s: %m", path);
	if (sc->host) {
		arg(&a, "%s", exe);
		words(&a, sc->host);
	} else {
		build_args(&a, sc, exe, dir);
	}
	snprintf(path, sizeof(path), "%s/command", dir);
	FILE *f = fopen(path, "w");
	for (int i = 0; f && i < a.n; i++)
		fprintf(f, "'%s'%s", a.v[i], i + 1 < a.n ? " " : "\n");
	if (f)
		fclose(f);
	char console[4096 + 16];
	snprintf(console, sizeof(console), "%s/console.log", dir);
	snprintf(path, sizeof(path), "%s/memvisor.log", dir);
	/* a host command's stdout is its console; it runs in the file's folder */
	pid_t pid = sc->host ? spawn(main_fn, &a, console, path, sc->dir)
			     : spawn(main_fn, &a, path, NULL, NULL);
	if (pid < 0)
		pid = mv_fail(err, -errno, "fork: %m");
	free_args(&a);
	return pid;
}

/* ---- checking ------------------------------------------------------------------ */

static void reason(struct scenario_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reason(struct scenario_result *r, const char *fmt, ...)
{
	char *line, *all;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (asprintf(&all, "%s%s\n", r->reasons ? r->reasons : "", line) < 0)
		abort();
	free(r->reasons);
	free(line);
	r->reasons = all;
	r->failed++;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	if (!f)
		return strdup("");
	FILE *m = open_memstream(&buf, &len);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	fclose(f);
	return buf;
}

static const char *status_meaning(int status)
{
	switch (status) {
	case MV_EXIT_USAGE: return " (usage or input error)";
	case MV_EXIT_TRIPLE_FAULT: return " (guest triple fault)";
	case MV_EXIT_KVM_ERROR: return " (KVM error)";
	case MV_EXIT_HOST_ERROR: return " (host failure)";
	case MV_EXIT_TIMEOUT: return " (timeout)";
	default: return status > 128 ? " (killed by a signal)" : "";
	}
}

/* The last line of memvisor's own log, for context when the run failed. */
static void last_log_line(const char *dir, char *buf, size_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/memvisor.log", dir);
	char *log = read_file(path);
	size_t n = strlen(log);
	while (n && log[n - 1] == '\n')
		log[--n] = '\0';
	char *nl = strrchr(log, '\n');
	snprintf(buf, len, "%s", nl ? nl + 1 : log);
	free(log);
}

static void check_status(const struct scenario *sc, const char *dir, struct scenario_result *r)
{
	char last[300];
	if (sc->expect_status < 0)
		return;
	r->checks++;
	if (r->status == sc->expect_status)
		return;
	last_log_line(dir, last, sizeof(last));
	const char *msg = strncmp(last, "memvisor: ", 10) ? last : last + 10;
	reason(r, "%s: exit status %d%s, expected %d%s%s", sc->file, r->status,
	       status_meaning(r->status), sc->expect_status, *msg ? "; memvisor: " : "", msg);
}

/* The line of text around offset off, for a report. */
static void line_at(const char *text, size_t off, char *buf, size_t len)
{
	size_t start = off, end = off;
	while (start && text[start - 1] != '\n')
		start--;
	end += strcspn(text + end, "\n");
	snprintf(buf, len, "%.*s", (int)(end - start), text + start);
}

/*
 * Every regex of must matches a line of text, none of must_not does; what
 * names the text in the reasons ("console", "`show LABEL --view maps`").
 */
static void check_lines(const struct scenario *sc, const char *text, const char *what,
			const struct scenario_regex *must, size_t nr_must,
			const struct scenario_regex *must_not, size_t nr_must_not,
			struct scenario_result *r)
{
	char line[300];
	regmatch_t m[1];
	for (size_t i = 0; i < nr_must; i++, r->checks++)
		if (regexec(&must[i].re, text, 0, NULL, 0))
			reason(r, "%s:%d: no %s line matches '%s'", sc->file, must[i].line, what,
			       must[i].text);
	for (size_t i = 0; i < nr_must_not; i++, r->checks++)
		if (!regexec(&must_not[i].re, text, 1, m, 0)) {
			line_at(text, (size_t)m[0].rm_so, line, sizeof(line));
			reason(r, "%s:%d: %s line '%s' matches '%s', which must not appear",
			       sc->file, must_not[i].line, what, line, must_not[i].text);
		}
}

static void check_console(const struct scenario *sc, const char *dir, struct scenario_result *r)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/console.log", dir);
	char *text = read_file(path);
	check_lines(sc, text, "console", sc->console, sc->nr_console, sc->no_console,
		    sc->nr_no_console, r);
	free(text);
}

static void check_stats(const struct scenario *sc, const char *dir, struct scenario_result *r)
{
	struct expect_stats s;
	char path[4096], why[512];
	struct mv_error err;
	if (!sc->nr_stats)
		return;
	snprintf(path, sizeof(path), "%s/stats.jsonl", dir);
	if (expect_stats_load(&s, path, &err) < 0) {
		reason(r, "%s: stats stream: %s", sc->file, err.msg);
		return;
	}
	for (size_t i = 0; i < sc->nr_stats; i++, r->checks++)
		if (!expect_eval_stats(sc->stats[i].cond, &s, why, sizeof(why)))
			reason(r, "%s:%d: '%s': %s", sc->file, sc->stats[i].line,
			       expect_text(sc->stats[i].cond), why);
	expect_stats_free(&s);
}

/*
 * The diff of the two snapshots as `diff --json` renders it, also kept as
 * DIR/diff-A-B.json; NULL with a reason when a snapshot cannot be read.
 */
static json_object *diff_json(const struct scenario_diff *d, const struct scenario *sc,
			      const char *dir, struct scenario_result *r)
{
	char a[4096], b[4096], out[4096];
	struct mv_error err;
	struct snap_diff diff;
	snprintf(a, sizeof(a), "%s/snapshots/snap-%s.core", dir, d->from);
	snprintf(b, sizeof(b), "%s/snapshots/snap-%s.core", dir, d->to);
	snprintf(out, sizeof(out), "%s/diff-%s-%s.json", dir, d->from, d->to);
	if (snapdiff_files(a, b, &diff, &err) < 0) {
		reason(r, "%s:%d: diff %s %s: %s", sc->file, d->line, d->from, d->to, err.msg);
		return NULL;
	}
	json_object *j = snapdiff_json(&diff);
	snapdiff_free(&diff);
	if (json_object_to_file_ext(out, j, JSON_C_TO_STRING_PRETTY) < 0)
		mv_debug("test: cannot keep %s: %s", out, json_util_get_last_err());
	return j;
}

static void check_diffs(const struct scenario *sc, const char *dir, struct scenario_result *r)
{
	char why[512];
	for (size_t i = 0; i < sc->nr_diffs; i++) {
		const struct scenario_diff *d = &sc->diffs[i];
		json_object *j = diff_json(d, sc, dir, r);
		if (!j) {
			r->checks += (unsigned)d->nr_conds;
			continue;
		}
		for (size_t k = 0; k < d->nr_conds; k++, r->checks++)
			if (!expect_eval_diff(d->conds[k].cond, j, why, sizeof(why)))
				reason(r, "%s:%d: diff %s..%s '%s': %s", sc->file, d->conds[k].line,
				       d->from, d->to, expect_text(d->conds[k].cond), why);
		json_object_put(j);
	}
}

/* The argv of `memvisor show` for v on dir's copy of its snapshot. */
static void show_args(struct argv_buf *a, const struct scenario_show *v, const char *dir)
{
	arg(a, "memvisor");
	arg(a, "show");
	arg(a, "%s/snapshots/snap-%s.core", dir, v->snapshot);
	if (v->view) {
		arg(a, "--view");
		arg(a, "%s", v->view);
	}
	if (v->space) {
		arg(a, "--space");
		arg(a, "%s", v->space);
	}
}

/*
 * Runs `memvisor show` for v into out (its stdout and stderr, kept as
 * DIR/show-LABEL-VIEW[-SPACE].txt). Returns show's exit status, or -1
 * when it could not be run.
 */
static int run_show(scenario_main_fn *main_fn, const struct scenario_show *v, const char *dir,
		    const char *out)
{
	struct argv_buf a = { .n = 0 };
	int st;
	show_args(&a, v, dir);
	pid_t pid = spawn(main_fn, &a, out, NULL, NULL);
	free_args(&a);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Each expect.show view: show's text must match its lines, none of its no_lines. */
static void check_shows(const struct scenario *sc, scenario_main_fn *main_fn, const char *dir,
			struct scenario_result *r)
{
	char out[4096], what[512], first[300];
	for (size_t i = 0; i < sc->nr_shows; i++) {
		const struct scenario_show *v = &sc->shows[i];
		const char *view = v->view ? v->view : "maps";
		snprintf(out, sizeof(out), "%s/show-%s-%s%s%s.txt", dir, v->snapshot, view,
			 v->space ? "-" : "", v->space ? v->space : "");
		snprintf(what, sizeof(what), "`show %s --view %s%s%s`", v->snapshot, view,
			 v->space ? " --space " : "", v->space ? v->space : "");
		int st = run_show(main_fn, v, dir, out);
		char *text = read_file(out);
		if (st == 0) {
			check_lines(sc, text, what, v->lines, v->nr_lines, v->no_lines,
				    v->nr_no_lines, r);
		} else {
			line_at(text, 0, first, sizeof(first));
			reason(r, "%s:%d: %s: status %d: %s", sc->file, v->line, what, st, first);
			r->checks += (unsigned)(v->nr_lines + v->nr_no_lines);
		}
		free(text);
	}
}

/* Conditions on a host command's output, read as one JSON object. */
static void check_json(const struct scenario *sc, const char *dir, struct scenario_result *r)
{
	char path[4096], why[512];
	if (!sc->nr_json)
		return;
	snprintf(path, sizeof(path), "%s/console.log", dir);
	json_object *j = json_object_from_file(path);
	for (size_t i = 0; i < sc->nr_json; i++, r->checks++)
		if (!j)
			reason(r, "%s:%d: the output of '%s' is not JSON", sc->file, sc->json[i].line,
			       sc->host);
		else if (!expect_eval_diff(sc->json[i].cond, j, why, sizeof(why)))
			reason(r, "%s:%d: '%s': %s", sc->file, sc->json[i].line,
			       expect_text(sc->json[i].cond), why);
	json_object_put(j);
}

/*
 * The run's stream for results: stats.jsonl, or a host command's JSON
 * output as a stream of one sample. Returns 0 or a negative errno.
 */
static int results_stream(const struct scenario *sc, const char *dir, struct expect_stats *s)
{
	char path[4096];
	struct mv_error err;
	if (!sc->host) {
		snprintf(path, sizeof(path), "%s/stats.jsonl", dir);
		return expect_stats_load(s, path, &err);
	}
	snprintf(path, sizeof(path), "%s/console.log", dir);
	json_object *j = json_object_from_file(path);
	if (!j)
		return -EINVAL;
	s->samples = malloc(sizeof(*s->samples));
	s->times = calloc(1, sizeof(*s->times));
	if (!s->samples || !s->times)
		abort();
	s->samples[0] = j;
	s->n = 1;
	return 0;
}

static void fmt_measure(FILE *f, const struct expect_cond *m, const struct expect_stats *s)
{
	double v;
	char text[64];
	if (expect_measure_stats(m, s, &v) < 0) {
		fputs("(none)", f);
		return;
	}
	expect_format_value(v, text, sizeof(text));
	fputs(text, f);
}

/* The notice lines with their measures' values, one per line (malloc'd). */
static char *notice_lines(const struct scenario *sc, const struct expect_stats *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < sc->nr_notices; i++) {
		const struct scenario_notice *n = &sc->notices[i];
		for (size_t k = 0; k < n->nr_measures; k++) {
			fputs(n->pieces[k], f);
			fmt_measure(f, n->measures[k], s);
		}
		fprintf(f, "%s\n", n->pieces[n->nr_measures]);
	}
	fclose(f);
	return out;
}

/* results: measures and notice lines, from the run's stream. */
static void measure_results(const struct scenario *sc, const char *dir, struct scenario_result *r)
{
	struct expect_stats s = { 0 };
	if (!sc->nr_results && !sc->nr_notices)
		return;
	r->values = calloc(sc->nr_results + 1, sizeof(*r->values));
	r->measured = calloc(sc->nr_results + 1, sizeof(*r->measured));
	if (!r->values || !r->measured)
		abort();
	if (results_stream(sc, dir, &s) < 0)
		memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < sc->nr_results; i++)
		r->measured[i] = expect_measure_stats(sc->results[i].cond, &s, &r->values[i]) == 0;
	if (sc->nr_notices)
		r->notices = notice_lines(sc, &s);
	expect_stats_free(&s);
}

void scenario_check(const struct scenario *sc, scenario_main_fn *main_fn, const char *dir,
		    struct scenario_result *r)
{
	char path[4096];
	check_status(sc, dir, r);
	check_console(sc, dir, r);
	check_json(sc, dir, r);
	check_stats(sc, dir, r);
	check_diffs(sc, dir, r);
	check_shows(sc, main_fn, dir, r);
	measure_results(sc, dir, r);
	snprintf(path, sizeof(path), "%s/swap.img", dir);
	unlink(path); /* a swap disk is scratch space, not a result */
}

void scenario_result_free(struct scenario_result *r)
{
	free(r->reasons);
	free(r->notices);
	r->notices = NULL;
	free(r->values);
	free(r->measured);
	r->reasons = NULL;
	r->values = NULL;
	r->measured = NULL;
}
