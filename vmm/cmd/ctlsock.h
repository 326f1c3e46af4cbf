/*
 * ctlsock.h: the client side of the control socket (docs/control-protocol.md),
 * shared by the commands that talk to a running VM (cmd_client.c, cmd_top.c):
 * one request line out, one reply line back, over a fresh connection each
 * time. Errors are printed (mv_err) where they happen, so callers only
 * choose the exit status.
 */
#ifndef VMM_CTLSOCK_H
#define VMM_CTLSOCK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/* Sends req to the VMM at path; the parsed reply (caller puts it), or NULL
 * after printing why (no socket, no valid reply). */
json_object *ctlsock_request(const char *path, json_object *req);

/* `{"cmd":"stats"}` sent to path: the reply, or NULL after printing why. */
json_object *ctlsock_stats(const char *path);

/* Whether the reply says ok; prints its error when it does not. */
bool ctlsock_ok(json_object *resp);

/* o[a][b], or o[b] when a is NULL, as an unsigned number; 0 when absent. */
uint64_t ctlsock_u64(json_object *o, const char *a, const char *b);

#endif
