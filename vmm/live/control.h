/*
 * control.h: the live side of a running machine: the unix-socket
 * JSON-lines control server (requests in control_request.h), the
 * --pressure schedule (schedule.h) and the --stats stream (livestats.h),
 * all served by one thread.
 *
 * A request line longer than CONTROL_MAX_LINE bytes is refused whole and
 * the connection goes on after its newline.
 *
 * Clients: up to CONTROL_MAX_CLIENTS at once, none able to delay another:
 * replies go out through non-blocking writes from a per-client buffer; a
 * client whose unread replies pass max_output bytes is dropped, and so is
 * one that neither sends nor takes output for idle_timeout seconds.
 *
 * The socket is created 0600 and is never taken over from a live server:
 * a path where a server answers is refused; a stale socket is replaced.
 * The schedule runs the very same requests at times relative to boot, or
 * when a condition on the stats holds (see schedule_parse).
 *
 * Layer: the live side (vmm/live/, after the lab): the control socket, the
 * schedule running against a live machine and the stats stream.
 */
#ifndef VMM_CONTROL_H
#define VMM_CONTROL_H

#include "control_request.h"
#include "machine.h"
#include "schedule.h"

#define CONTROL_MAX_CLIENTS 16
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
	struct lazy_restore *lazy; /* a lazy restore's counters for stats; NULL: none */
};

struct control;

/* Opens the socket and starts the thread. Returns NULL with the reason in
 * err when the socket or the stats file cannot be opened, the schedule is
 * malformed, or another server answers on the socket path. Needs of m only
 * its start time until a well-formed request arrives. */
struct control *control_start(struct machine *m, const struct control_config *cfg,
			      struct mv_error *err);


/* Stops the thread, closes clients, removes the socket. */
void control_stop(struct control *c);

#endif
