/*
 * execbad: execve of dynamically linked programs on the guest kernel, for
 * build/guest/initrd-dynlink.cpio (guest/user/user.mk puts the files it
 * names there). A good one (/bin/dynhello, glibc) runs in a child and
 * exits 0; programs whose PT_INTERP names a bad interpreter fail execve
 * with Linux's errors and the caller carries on: a missing interpreter
 * ENOENT, one that is not ELF ELIBBAD, one shorter than an ELF header
 * EIO, one that asks for an interpreter itself ELIBBAD. Prints one claim
 * per line (claims.h); exit status 0 when all hold.
 */
#include "claims.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static struct claims claims = { .prog = "execbad" };

/* execve's errno for path (0 never: a successful exec does not return). */
static long exec_errno(const char *path)
{
	char *const argv[] = { (char *)path, NULL }, *const envp[] = { NULL };

	execve(path, argv, envp);
	return errno;
}

/* Runs path in a child; returns its exit status, or -1. */
static long run_child(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(100 + (int)exec_errno(path));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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
	return claims_report(&claims);
}
