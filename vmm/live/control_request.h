/*
 * control_request.h: the requests of the control API and their dispatch,
 * one handler per command. The socket server (control.h), the schedule
 * (schedule.h) and the CLI clients all go through control_execute, so
 * they can never disagree.
 *
 * Protocol: one JSON object per line in, one per line out.
 *   {"cmd":"balloon","target":"64M"}  -> {"ok":true,"target":…,"actual":…}
 *   {"cmd":"stats"}                   -> {"ok":true,"time":…,"balloon":{…},…}
 *   {"cmd":"snapshot","file":"PATH","memory":false} -> {"ok":true,"file":…}
 *   {"cmd":"save","file":"PATH","stop":false} -> {"ok":true,"file":…,"pages_saved":…}
 *   {"cmd":"pause"} / "resume" / "quit"
 * Errors: {"ok":false,"error":"…"}; the VM runs on. A line of up to
 * CONTROL_MAX_LINE bytes (newline not counted) is parsed.
 */
#ifndef VMM_CONTROL_REQUEST_H
#define VMM_CONTROL_REQUEST_H

#include "livestats.h"

#include <json-c/json.h>

#define CONTROL_MAX_LINE    65536

/*
 * Parses one request line (len bytes, no newline) and checks it: a JSON
 * object with a known "cmd" and the arguments that command needs, well
 * formed (sizes parse, paths are non-empty). Touches no machine, so it is
 * what the fuzzer drives. Returns 0 with a new object in *req (the caller
 * puts it), or a negative errno (-E2BIG for a line past CONTROL_MAX_LINE,
 * else mostly -EINVAL) with *req NULL and one line in err.
 */
int control_parse_request(const char *line, size_t len, json_object **req,
			  struct mv_error *err);

/* The checks of control_parse_request on an object already built. 0 or
 * -EINVAL with the reason in err. */
int control_check_request(json_object *req, struct mv_error *err);

/* Checks and runs one request on ls->m; returns a new response object (never NULL). */
json_object *control_execute(struct livestats *ls, json_object *req);

/* Parses and runs one request line; returns the response line (malloc'd,
 * no newline), NULL when out of memory. */
char *control_handle_line(struct livestats *ls, const char *line, size_t len);

/* A new {"ok":false,"error":MESSAGE} response. */
json_object *control_reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
