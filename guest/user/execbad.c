/*
 * execbad: execve of dynamically linked programs on the guest kernel, for
 * build/guest/initrd-dynlink.cpio (guest/user/user.mk puts the files it
 * names there). A good one (/bin/dynhello, glibc) runs in a child and
 * exits 0; programs whose PT_INTERP names a bad interpreter fail execve
 * with Linux's errors and the caller carries on: a missing interpreter
 * ENOENT, one that is not ELF ELIBBAD, one shorter than an ELF header
 * EIO, one that asks for an interpreter itself ELIBBAD. Two processes
 * mapping libc share its page-cache frames: while one dynhello holds,
 * another sees its libc text as Shared_Clean in /proc/self/smaps (alone
 * it sees none). Prints one claim per line (claims.h); exit status 0 when
 * all hold.
 */
#include "claims.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct claims claims = { .prog = "execbad" };

/* execve's errno for path with one argument (NULL: none); a successful
 * exec does not return. */
static long exec_arg_errno(const char *path, const char *arg)
{
	char *const argv[] = { (char *)path, (char *)arg, NULL }, *const envp[] = { NULL };

	execve(path, argv, envp);
	return errno;
}

static long exec_errno(const char *path)
{
	return exec_arg_errno(path, NULL);
}

/* Runs path [arg] in a child; returns its exit status, or -1. */
static long run_child_arg(const char *path, const char *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(100 + (int)exec_arg_errno(path, arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long run_child(const char *path)
{
	return run_child_arg(path, NULL);
}

/* Reads fd until the text ends with "holding\n". Returns 0, or -1 at end of file. */
static int wait_holding(int fd)
{
	char text[256];
	size_t len = 0;

	while (len < sizeof(text) - 1) {
		ssize_t n = read(fd, text + len, sizeof(text) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		text[len] = 0;
		if (strstr(text, "holding\n"))
			return 0;
	}
	return -1;
}

/* Starts `dynhello --hold` with its stdout on a pipe; returns its pid once
 * it says it holds (its libc is mapped and touched), or -1. */
static pid_t start_holder(void)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		_exit(100 + (int)exec_arg_errno("/bin/dynhello", "--hold"));
	}
	close(p[1]);
	if (pid > 0 && wait_holding(p[0])) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* Claims about libc's frames, alone and beside a holder. */
static void sharing_claims(void)
{
	claims_check(&claims, "alone, a process's libc text is not Shared_Clean (exit 1)",
		     run_child_arg("/bin/dynhello", "--libc-shared"), 1);
	pid_t holder = start_holder();
	claims_check(&claims, "a dynhello holds its mappings", holder > 0, 1);
	if (holder <= 0)
		return;
	claims_check(&claims, "beside it, another process's libc text is Shared_Clean (exit 0)",
		     run_child_arg("/bin/dynhello", "--libc-shared"), 0);
	kill(holder, SIGTERM);
	int status = 0;
	claims_check(&claims, "the holder ends by SIGTERM",
		     waitpid(holder, &status, 0) == holder && WIFSIGNALED(status) ?
		     WTERMSIG(status) : -1, SIGTERM);
}

int main(void)
{
	claims_check(&claims, "a glibc program runs through its interpreter, exit status 0",
		     run_child("/bin/dynhello"), 0);
	claims_check(&claims, "a missing interpreter is ENOENT",
		     exec_errno("/bin/interp-missing"), ENOENT);
	claims_check(&claims, "an interpreter that is not ELF is ELIBBAD",
		     exec_errno("/bin/interp-notelf"), ELIBBAD);
	claims_check(&claims, "an interpreter shorter than an ELF header is EIO",
		     exec_errno("/bin/interp-short"), EIO);
	claims_check(&claims, "an interpreter with an interpreter of its own is ELIBBAD",
		     exec_errno("/bin/interp-nested"), ELIBBAD);
	claims_check(&claims, "the caller still runs after the failed execs, a child again exits 0",
		     run_child("/bin/dynhello"), 0);
	sharing_claims();
	return claims_report(&claims);
}
