/*
 * ctl.h: driving a guest that runs in the background through its control
 * socket (`memvisor run --control SOCK`): start it, run client commands
 * (stats, balloon, snapshot, quit) against it, end it. These assert with
 * Check, so only tests call them; harness.h stays Check-free.
 */
#ifndef TESTS_CTL_H
#define TESTS_CTL_H

#include "harness.h"

/* vm_start(argv), whose options include --control sock; asserts the socket appears. */
void ctl_start(struct bg_run *bg, const char *sock, const char *const argv[]);
/* `memvisor CMD SOCK [ARG]`: its output (caller frees); asserts status 0. */
char *ctl_client(const char *sock, const char *cmd, const char *arg);
/* `memvisor quit SOCK`, then the run's end within timeout seconds (caller frees). */
struct vm_run ctl_quit(const char *sock, struct bg_run *bg, double timeout);

#endif
