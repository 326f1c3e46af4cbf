/*
 * console_watch.h: console lines the host waits for. A pressure schedule
 * can fire an event when the guest prints a line matching a regular
 * expression ("when console \"memhog: holding\": quit"); the serial device
 * hands each complete output line to console_watch_feed, the control
 * thread asks console_watch_seen.
 *
 * Invariants: patterns are added before the guest runs and never removed;
 * once a pattern has matched a line it stays seen. The mutex covers
 * `seen` (fed on a vCPU thread, read on the control thread); the patterns
 * are read-only once the guest runs.
 */
#ifndef VMM_CONSOLE_WATCH_H
#define VMM_CONSOLE_WATCH_H

#include "util.h"

#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#define CONSOLE_WATCH_MAX 16

struct console_watch {
	pthread_mutex_t lock;
	regex_t re[CONSOLE_WATCH_MAX];
	bool seen[CONSOLE_WATCH_MAX];  /* protected by lock */
	int n;
};

void console_watch_init(struct console_watch *w);
void console_watch_destroy(struct console_watch *w);
/* Adds an extended regular expression; its index, or a negative errno with the reason in err. */
int console_watch_add(struct console_watch *w, const char *regex, struct mv_error *err);
/* One line of guest output (len bytes, without its newline). */
void console_watch_feed(struct console_watch *w, const char *line, size_t len);
/* Whether pattern i has matched a line since boot. */
bool console_watch_seen(struct console_watch *w, int i);
/* Checks that regex compiles; 0, or a negative errno with the reason in err. */
int console_watch_check(const char *regex, struct mv_error *err);

#endif
