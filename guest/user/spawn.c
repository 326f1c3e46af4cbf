/*
 * spawn [--delay SECS] PROG ARGS... [--then PROG ARGS...]...
 * ("--then", not "--": the kernel command line keeps "--" for itself.)
 * A PROG without a slash is looked up in /bin: the kernel passes a word
 * repeated on its command line to init once, so the second of two
 * memhogs is best written "memhog".
 * Starts each program in turn, SECS seconds (default 0) after the one
 * before, so two workloads can compete for memory (init= takes one).
 * Waits for all of them, prints one line per program in the form init
 * uses, and exits with the status of the last program listed (128 +
 * signal when killed): the others are the ones it made room against.
 * Exit status 2 on bad arguments or when a program cannot be started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROGS 8

extern char **environ;

struct prog {
	char **argv;
	pid_t pid;
	int status;
};

/* Splits argv at "--then" into progs[]. Returns how many, or -1. */
static int split(char **argv, struct prog *progs)
{
	int n = 0;

	while (*argv) {
		if (n == MAX_PROGS || !strcmp(*argv, "--then"))
			return -1;
		progs[n++].argv = argv;
		while (*argv && strcmp(*argv, "--then"))
			argv++;
		if (*argv)
			*argv++ = NULL;
	}
	return n;
}

static pid_t start(char **argv)
{
	char path[256];
	pid_t pid = fork();

	if (pid == 0) {
		snprintf(path, sizeof(path), "%s%s", strchr(argv[0], '/') ? "" : "/bin/", argv[0]);
		execve(path, argv, environ);
		fprintf(stderr, "spawn: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0)
		fprintf(stderr, "spawn: fork: %s\n", strerror(errno));
	return pid;
}

static int report(const struct prog *p)
{
	if (WIFSIGNALED(p->status)) {
		printf("spawn: %s[%d] killed by signal %d (%s)\n", p->argv[0], (int)p->pid,
		       WTERMSIG(p->status), strsignal(WTERMSIG(p->status)));
		return 128 + WTERMSIG(p->status);
	}
	printf("spawn: %s[%d] exited with status %d\n", p->argv[0], (int)p->pid,
	       WEXITSTATUS(p->status));
	return WEXITSTATUS(p->status);
}

int main(int argc, char **argv)
{
	struct prog progs[MAX_PROGS];
	unsigned delay = 0;
	int n, left, status = 0;

	if (argc > 2 && !strcmp(argv[1], "--delay")) {
		delay = (unsigned)atoi(argv[2]);
		argv += 2;
	}
	n = split(argv + 1, progs);
	if (n <= 0) {
		fprintf(stderr, "usage: spawn [--delay SECS] PROG ARGS... [--then PROG ARGS...]...\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (i && delay)
			sleep(delay);
		progs[i].pid = start(progs[i].argv);
		if (progs[i].pid < 0)
			return 2;
	}
	for (left = n; left;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0 && errno == ECHILD)
			break;
		for (int i = 0; i < n; i++)
			if (progs[i].pid == w) {
				progs[i].status = st;
				left--;
			}
	}
	for (int i = 0; i < n; i++)
		status = report(&progs[i]);
	return status;
}
