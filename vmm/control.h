/*
 * control.h: the host side of a running machine: the unix-socket JSON-lines
 * control API, the --pressure schedule and the --stats stream, all served
 * by one thread.
 *
 * Protocol: one JSON object per line in, one per line out.
 *   {"cmd":"balloon","target":"64M"}  -> {"ok":true,"target":…,"actual":…}
 *   {"cmd":"stats"}                   -> {"ok":true,"time":…,"balloon":{…},…}
 *   {"cmd":"snapshot","file":"PATH","memory":false} -> {"ok":true,"file":…}
 *   {"cmd":"pause"} / "resume" / "quit"
 * Errors: {"ok":false,"error":"…"}; the VM runs on. A line of up to
 * CONTROL_MAX_LINE bytes (newline not counted) is parsed; a longer one is
 * refused whole and the connection goes on after its newline.
 *
 * Clients: up to CONTROL_MAX_CLIENTS at once, none able to delay another:
 * replies go out through non-blocking writes from a per-client buffer; a
 * client whose unread replies pass max_output bytes is dropped, and so is
 * one that neither sends nor takes output for idle_timeout seconds.
 *
 * The socket is created 0600 and is never taken over from a live server:
 * a path where a server answers is refused; a stale socket is replaced.
 * The schedule runs the very same requests at times relative to boot, or
 * when a condition on the stats holds (see control_parse_schedule).
 */
#ifndef VMM_CONTROL_H
#define VMM_CONTROL_H

#include "machine.h"

#include <json-c/json.h>

#define CONTROL_MAX_LINE    65536
#define CONTROL_MAX_CLIENTS 16
#define CONTROL_MAX_EVENTS  64
#define CONTROL_IDLE_TIMEOUT 30.0      /* seconds, when the config gives 0 */
#define CONTROL_MAX_OUTPUT  (1u << 20) /* bytes of unread replies, when the config gives 0 */
#define CONTROL_SNAPSHOT_PREFIX "memvisor-snap" /* as --snapshot-at names files */
#define CONTROL_WHEN_INTERVAL 0.25     /* seconds between samples for `when` events without --stats */

struct control_config {
	const char *socket_path;     /* NULL: no socket */
	const char *pressure;        /* schedule text, NULL: none */
	const char *stats_path;      /* NULL: no stats stream */
	double stats_interval;       /* seconds */
	double idle_timeout;         /* seconds; 0: CONTROL_IDLE_TIMEOUT (tests set it short) */
	size_t max_output;           /* bytes; 0: CONTROL_MAX_OUTPUT */
	const char *snapshot_prefix; /* snapshot=NAME writes PREFIX-NAME.core; NULL: the default */
};

struct control_event {
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
 * Returns
 * the number of events (the `when` events first, in order, then the timed
 * ones by time), or -1 with the reason in err.
 */
int control_parse_schedule(const char *text, struct control_event *ev, int max,
			   char *err, size_t errlen);

/* Whether a snapshot=ARG names a snapshot ([A-Za-z0-9_-] only) rather than a path. */
bool control_snapshot_is_name(const char *arg);

/* Parses "FILE" or "FILE:INTERVAL" (seconds) for --stats. Returns 0 or -1. */
int control_parse_stats_arg(const char *arg, char *path, size_t pathlen, double *interval);

/*
 * Parses one request line (len bytes, no newline) and checks it: a JSON
 * object with a known "cmd" and the arguments that command needs, well
 * formed (sizes parse, paths are non-empty). Touches no machine, so it is
 * what the fuzzer drives. Returns 0 with a new object in *req (the caller
 * puts it), or -1 with *req NULL and one line in err.
 */
int control_parse_request(const char *line, size_t len, json_object **req,
			  char *err, size_t errlen);

/* The checks of control_parse_request on an object already built. 0 or -1. */
int control_check_request(json_object *req, char *err, size_t errlen);

/* Checks and runs one request; returns a new response object (never NULL). */
json_object *control_execute(struct machine *m, json_object *req);

/* Parses and runs one request line; returns the response line (malloc'd,
 * no newline). */
char *control_handle_line(struct machine *m, const char *line, size_t len);

/* The figures `stats` reports and --stats writes. */
json_object *control_stats(struct machine *m);

struct control;

/* Opens the socket and starts the thread. Returns NULL with a message
 * printed when the socket or the stats file cannot be opened, or when
 * another server answers on the socket path. Needs of m only its start
 * time until a well-formed request arrives. */
struct control *control_start(struct machine *m, const struct control_config *cfg);

/* Stops the thread, closes clients, removes the socket. */
void control_stop(struct control *c);

#endif
