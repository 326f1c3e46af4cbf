/*
 * ctl.c: a background guest driven through its control socket (ctl.h).
 * Every step asserts, so a test fails at the step that went wrong.
 */
#include "ctl.h"

#include <check.h>
#include <stdlib.h>

void ctl_start(struct bg_run *bg, const char *sock, const char *const argv[])
{
	ck_assert_int_eq(vm_start(bg, argv), 0);
	ck_assert_msg(wait_for_path(sock, 20), "no control socket:\n%s", bg_output(bg));
}

char *ctl_client(const char *sock, const char *cmd, const char *arg)
{
	const char *argv[] = { cmd, sock, arg, NULL };
	struct vm_run r;

	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 0, "memvisor %s %s: status %d:\n%s", cmd, arg ? arg : "",
		      r.status, r.console);
	return r.console;
}

struct vm_run ctl_quit(const char *sock, struct bg_run *bg, double timeout)
{
	struct vm_run r;

	free(ctl_client(sock, "quit", NULL));
	ck_assert_int_eq(bg_wait(bg, &r, timeout), 0);
	return r;
}
