/*
 * init: pid 1. Runs the program named on the kernel command line (init=)
 * with its arguments, reaps every child (orphans too), prints one summary
 * line and exits with the program's status (128 + signal when killed),
 * which ends the VM with that status.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int summarize(const char *prog, int status)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	if (WIFSIGNALED(status)) {
		printf("init: %s killed by signal %d (%s) (minflt %ld majflt %ld maxrss %ld kB)\n",
		       prog, WTERMSIG(status), strsignal(WTERMSIG(status)), ru.ru_minflt,
		       ru.ru_majflt, ru.ru_maxrss);
		return 128 + WTERMSIG(status);
	}
	printf("init: %s exited with status %d (minflt %ld majflt %ld maxrss %ld kB)\n", prog,
	       WEXITSTATUS(status), ru.ru_minflt, ru.ru_majflt, ru.ru_maxrss);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "init: nothing to run (init=PROGRAM [ARGS...])\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "init: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execve(argv[1], argv + 1, environ);
		fprintf(stderr, "init: cannot run %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w == pid)
			status = st;
		if (w < 0 && errno == ECHILD)
			break;
	}
	return summarize(argv[1], status);
}
