/*
 * harness.c: fork/exec with stdout+stderr captured through one pipe
 * (see harness.h).
 */
#include "harness.h"

#include <errno.h>
#include <json-c/json.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && *v ? v : dflt;
}

const char *test_memvisor_path(void)
{
	return env_or("MEMVISOR", "build/memvisor");
}

const char *test_kernel_path(void)
{
	return env_or("KERNEL", "build/guest/kernel.elf");
}

const char *test_build_path(const char *rel)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", env_or("BUILD", "build"), rel);
	return p;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void append(struct vm_run *r, size_t *cap, const char *buf, size_t n)
{
	if (r->len + n + 1 > *cap) {
		*cap = (r->len + n + 1) * 2;
		r->console = realloc(r->console, *cap);
	}
	memcpy(r->console + r->len, buf, n);
	r->len += n;
	r->console[r->len] = 0;
}

/* The seconds after which a run of argv is killed (harness.h): the
 * longer of HARNESS_KILL_SECONDS and its own --timeout plus a margin. */
static double kill_after(const char *const argv[])
{
	for (size_t i = 0; argv[i] && argv[i + 1]; i++) {
		double t = strcmp(argv[i], "--timeout") ? 0 : strtod(argv[i + 1], NULL);
		if (t + HARNESS_KILL_MARGIN > HARNESS_KILL_SECONDS)
			return t + HARNESS_KILL_MARGIN;
	}
	return HARNESS_KILL_SECONDS;
}

/* Reads the child's output until EOF or limit seconds after start. */
static void collect(struct vm_run *r, int fd, pid_t pid, double start, double limit)
{
	size_t cap = 0;
	char buf[65536];
	append(r, &cap, "", 0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (now_seconds() - start > limit) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&p, 1, 1000) <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		append(r, &cap, buf, (size_t)n);
	}
}

/* In a forked child: output to out_fd, then exec; never returns. */
static void __attribute__((noreturn)) exec_child(const char *path, const char *const argv[],
						 int use_path, int out_fd)
{
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	if (use_path)
		execvp(path, (char *const *)argv);
	else
		execv(path, (char *const *)argv);
	fprintf(stderr, "harness: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

/* Whether argv has the word w. */
static int argv_has(const char *const argv[], const char *w)
{
	for (size_t i = 0; argv[i]; i++)
		if (!strcmp(argv[i], w))
			return 1;
	return 0;
}

/* TEST_CPUS=N: a `run` that names no CPU count (and restores nothing) gets -c N. */
static const char *test_cpus(const char *const argv[])
{
	const char *n = getenv("TEST_CPUS");

	if (!n || !*n || !argv[0] || strcmp(argv[0], "run") || argv_has(argv, "-c") ||
	    argv_has(argv, "--cpus") || argv_has(argv, "--restore"))
		return NULL;
	return n;
}

/* full = { MEMVISOR, argv... , NULL } (at most 63 words), "-c N" after
 * "run" when TEST_CPUS asks for it. */
static void memvisor_argv(const char *full[64], const char *const argv[])
{
	const char *cpus = test_cpus(argv);
	size_t n = 0, i = 0;

	full[n++] = test_memvisor_path();
	if (cpus && argv[i]) {
		full[n++] = argv[i++];
		full[n++] = "-c";
		full[n++] = cpus;
	}
	for (; argv[i] && n < 63; i++)
		full[n++] = argv[i];
	full[n] = NULL;
}

static int spawn(struct vm_run *r, const char *path, const char *const argv[], int use_path)
{
	int fds[2];
	int st;
	double start = now_seconds();

	memset(r, 0, sizeof(*r));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		exec_child(path, argv, use_path, fds[1]);
	close(fds[1]);
	collect(r, fds[0], pid, start, kill_after(argv));
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->seconds = now_seconds() - start;
	return 0;
}

int vm_run(struct vm_run *r, const char *const argv[])
{
	const char *full[64];
	memvisor_argv(full, argv);
	return spawn(r, full[0], full, 0);
}

int prog_run(struct vm_run *r, const char *const argv[])
{
	return spawn(r, argv[0], argv, 1);
}

void vm_run_strip_cr(struct vm_run *r)
{
	size_t j = 0;

	for (size_t i = 0; i < r->len; i++)
		if (r->console[i] != '\r')
			r->console[j++] = r->console[i];
	r->console[j] = 0;
	r->len = j;
}

void vm_run_free(struct vm_run *r)
{
	free(r->console);
	r->console = NULL;
}

int console_has(const struct vm_run *r, const char *s)
{
	return r->console && strstr(r->console, s) != NULL;
}

/* ---- background runs -------------------------------------------------- */

double test_now(void)
{
	return now_seconds();
}

static int bg_spawn(struct bg_run *bg, const char *path, const char *const argv[], int use_path)
{
	memset(bg, 0, sizeof(*bg));
	snprintf(bg->out_path, sizeof(bg->out_path), "/tmp/memvisor-bg-XXXXXX");
	int fd = mkstemp(bg->out_path);
	if (fd < 0)
		return -1;
	bg->start = now_seconds();
	bg->kill_after = kill_after(argv);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0)
		exec_child(path, argv, use_path, fd);
	close(fd);
	bg->pid = pid;
	return 0;
}

int vm_start(struct bg_run *bg, const char *const argv[])
{
	const char *full[64];
	memvisor_argv(full, argv);
	return bg_spawn(bg, full[0], full, 0);
}

int prog_start(struct bg_run *bg, const char *const argv[])
{
	return bg_spawn(bg, argv[0], argv, 1);
}

char *bg_output(const struct bg_run *bg)
{
	struct vm_run r = { 0 };
	size_t cap = 0;
	char buf[65536];
	ssize_t n;
	int fd = open(bg->out_path, O_RDONLY | O_CLOEXEC);

	append(&r, &cap, "", 0);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		append(&r, &cap, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	return r.console;
}

char *bg_output_with(const struct bg_run *bg, const char *s, double timeout)
{
	for (double t0 = test_now(); test_now() - t0 < timeout; usleep(200000)) {
		char *out = bg_output(bg);
		if (strstr(out, s))
			return out;
		free(out);
	}
	return NULL;
}

int bg_wait(struct bg_run *bg, struct vm_run *r, double timeout)
{
	int st = 0;
	pid_t got = 0;

	memset(r, 0, sizeof(*r));
	if (bg->pid <= 0)
		return -1;
	while ((got = waitpid(bg->pid, &st, WNOHANG)) == 0 &&
	       now_seconds() - bg->start < bg->kill_after && timeout > 0) {
		usleep(20000);
		timeout -= 0.02;
	}
	if (got == 0) {
		kill(bg->pid, SIGKILL);
		while ((got = waitpid(bg->pid, &st, 0)) < 0 && errno == EINTR)
			;
	}
	bg->pid = 0;
	r->status = got < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->seconds = now_seconds() - bg->start;
	r->console = bg_output(bg);
	r->len = strlen(r->console);
	unlink(bg->out_path);
	return got < 0 ? -1 : 0;
}

int wait_for_path(const char *path, double timeout)
{
	for (double t = 0; t < timeout; t += 0.02) {
		if (access(path, F_OK) == 0)
			return 1;
		usleep(20000);
	}
	return access(path, F_OK) == 0;
}

long long json_path_i64(const char *json, const char *path)
{
	json_object *root = json_tokener_parse(json), *o = root;
	char key[64];
	long long v = -1;
	for (const char *p = path; o && *p; ) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		if (!json_object_object_get_ex(o, key, &o))
			o = NULL;
		p += n + (p[n] == '.');
	}
	if (o && (json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double)))
		v = json_object_get_int64(o);
	json_object_put(root);
	return v;
}

int qmp_command(FILE *f, const char *cmd, char *line, size_t size)
{
	fprintf(f, "%s\n", cmd);
	fflush(f);
	while (fgets(line, (int)size, f))
		if (strstr(line, "\"return\"") || strstr(line, "\"error\""))
			return 0;
	return -1;
}

FILE *qmp_open(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char line[4096];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		goto fail;
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	FILE *f = fdopen(fd, "r+");
	if (f && fgets(line, sizeof(line), f) && strstr(line, "QMP") &&
	    qmp_command(f, "{\"execute\":\"qmp_capabilities\"}", line, sizeof(line)) == 0)
		return f;
	if (f)
		fclose(f);
	return NULL;
fail:
	if (fd >= 0)
		close(fd);
	return NULL;
}

char *read_text_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	if (!f || getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = strdup("");
	}
	if (f)
		fclose(f);
	return buf;
}

int test_dir_make(char *dir, const char *prefix)
{
	snprintf(dir, 64, "/tmp/%s-XXXXXX", prefix);
	return mkdtemp(dir) ? 0 : -1;
}

const char *test_dir_path(const char *dir, const char *name)
{
	static char bufs[8][192];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

int test_dir_remove(const char *dir)
{
	const char *argv[] = { "rm", "-rf", dir, NULL };
	struct vm_run r;
	if (prog_run(&r, argv) < 0)
		return -1;
	int status = r.status;
	vm_run_free(&r);
	return status == 0 ? 0 : -1;
}
