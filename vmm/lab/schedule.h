/*
 * schedule.h: the --pressure schedule language, parsed without a machine
 * (so `run`, `report`, scenario files and the control thread all read it
 * alike), and the --stats FILE[:INTERVAL] argument.
 *
 * Interface:
 *   schedule_parse            text -> events, `when` events first
 *   schedule_parse_time       "2s", "500ms" or "1.5" (seconds)
 *   schedule_console_pattern  the REGEX of a `when console "REGEX"` event
 *   schedule_snapshot_is_name snapshot=NAME or save=NAME (a file name made
 *                             for it) or a path
 *   schedule_event_request    an event as the control request it runs
 *   schedule_parse_stats_arg  "FILE" or "FILE:INTERVAL"
 *
 * Invariant: an event that schedule_parse returns names a known command
 * with the argument it needs, and its `when` condition parses, so running
 * it can fail only on the machine's side.
 */
#ifndef VMM_SCHEDULE_H
#define VMM_SCHEDULE_H

#include "util.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define SCHEDULE_MAX_EVENTS 64

struct schedule_event {
	double at;                   /* seconds after boot; -1 for a `when` event */
	char when[192];              /* a stats condition (expect.h) or console "REGEX"; "" if timed */
	char cmd[16];
	char arg[256];
};

/*
 * Parses "2s:balloon=64M,6s:balloon=0,500ms:pause". An event may wait on
 * the guest instead of the clock: "when vmstat.nr_anon_pages >= 4096:
 * balloon=16M" fires on the first stats sample where the condition (the
 * language of scenario stats conditions, expect.h) holds. `when` events
 * fire in the order written, each at most once and each on a sample taken
 * after the one before it fired; timed events keep their times.
 * "when console \"memhog: holding\": quit" waits for a line of guest
 * console output that matches the extended regular expression (printed at
 * any time since boot); inside the quotes ',' and ':' are the pattern's.
 * snapshot=NAME, where NAME is letters, digits, '_' and '-' only, writes
 * PREFIX-NAME.core as --snapshot-at does; any other argument is a path.
 * save=NAME or save=FILE saves the VM to be restored later (save.h;
 * PREFIX-NAME.mvs for a name) and lets it run on.
 * Returns the number of events (the `when` events first, in order, then
 * the timed ones by time), or -EINVAL with the reason in err (may be NULL).
 */
int schedule_parse(const char *text, struct schedule_event *ev, int max, struct mv_error *err);

/*
 * Parses a time after boot: a non-negative number of seconds, with "s",
 * "ms" or no unit (seconds). The _n form reads s[0..n). Returns 0 with
 * the seconds in *seconds, or -EINVAL.
 */
int schedule_parse_time(const char *s, double *seconds);
int schedule_parse_time_n(const char *s, size_t n, double *seconds);

/*
 * The pattern of a `when console "REGEX"` condition, copied to re: 0, or
 * -1 when cond is not one (a stats condition), -2 when it is malformed.
 */
int schedule_console_pattern(const char *cond, char *re, size_t relen);

/* Whether a snapshot=ARG names a snapshot ([A-Za-z0-9_-] only) rather than a path. */
bool schedule_snapshot_is_name(const char *arg);

/* The control request (control_request.h) that event e runs: a new object.
 * A named snapshot's file is PREFIX-NAME.core, a named save's PREFIX-NAME.mvs. */
json_object *schedule_event_request(const struct schedule_event *e, const char *prefix);

/* Parses "FILE" or "FILE:INTERVAL" (seconds) for --stats. Returns 0 or -EINVAL. */
int schedule_parse_stats_arg(const char *arg, char *path, size_t pathlen, double *interval);

#endif
