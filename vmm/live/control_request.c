/*
 * control_request.c: checks and runs control requests (see
 * control_request.h): a table of one small handler per command; the
 * checks of each command's arguments are shared by the parser (no
 * machine) and the handlers, so a request that parses can fail only on
 * the machine's side.
 */
#include "control_request.h"
#include "livestats.h"
#include "save.h"
#include "snapshot.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_object *control_reply_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static json_object *reply_ok(void)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static int size_arg(json_object *v, uint64_t *out, struct mv_error *err)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		if (i < 0)
			return mv_fail(err, -EINVAL, "negative size");
		*out = (uint64_t)i;
		return 0;
	}
	if (json_object_is_type(v, json_type_string))
		return mv_parse_size(json_object_get_string(v), out, err);
	return mv_fail(err, -EINVAL, "size must be a number of bytes or a string like \"64M\"");
}

/* Checks a balloon request's "target"; *bytes gets its value. 0 or -EINVAL. */
static int check_balloon(json_object *req, uint64_t *bytes, struct mv_error *err)
{
	json_object *t;
	struct mv_error why;
	if (!json_object_object_get_ex(req, "target", &t))
		return mv_fail(err, -EINVAL,
			       "balloon needs \"target\" (the balloon size, e.g. \"64M\")");
	if (size_arg(t, bytes, &why) < 0)
		return mv_fail(err, -EINVAL, "target: %s", why.msg);
	return 0;
}

/* Checks a cmd request's "file": a non-empty string. 0 or -EINVAL. */
static int check_file(json_object *req, const char *cmd, struct mv_error *err)
{
	json_object *file;
	if (!json_object_object_get_ex(req, "file", &file) ||
	    !json_object_is_type(file, json_type_string) || !*json_object_get_string(file))
		return mv_fail(err, -EINVAL, "%s needs \"file\" (a path)", cmd);
	return 0;
}

static int check_snapshot(json_object *req, struct mv_error *err)
{
	return check_file(req, "snapshot", err);
}

/* Checks a save request: "file" a non-empty string, "stop" a boolean and
 * "since" a non-empty string if given. 0 or -EINVAL. */
static int check_save(json_object *req, struct mv_error *err)
{
	json_object *stop, *since;
	if (check_file(req, "save", err) < 0)
		return -EINVAL;
	if (json_object_object_get_ex(req, "stop", &stop) &&
	    !json_object_is_type(stop, json_type_boolean))
		return mv_fail(err, -EINVAL, "save: \"stop\" is true or false");
	if (json_object_object_get_ex(req, "since", &since) &&
	    (!json_object_is_type(since, json_type_string) || !*json_object_get_string(since)))
		return mv_fail(err, -EINVAL, "save: \"since\" is a path (the base save)");
	return 0;
}

static json_object *do_balloon(struct livestats *ls, json_object *req)
{
	struct machine *m = ls->m;
	uint64_t bytes = 0; /* the analyser cannot follow mv_fail's return */
	struct mv_error err;
	if (check_balloon(req, &bytes, &err) < 0)
		return control_reply_error("%s", err.msg);
	if (bytes > m->vm.mem.ram_size)
		return control_reply_error("target %llu exceeds guest RAM (%llu bytes)",
				   (unsigned long long)bytes, (unsigned long long)m->vm.mem.ram_size);
	balloon_set_target(&m->balloon, bytes);
	struct balloon_figures f;
	balloon_figures(&m->balloon, &f);
	json_object *o = reply_ok();
	json_object_object_add(o, "target", json_object_new_uint64(f.target_bytes));
	json_object_object_add(o, "actual", json_object_new_uint64(f.actual_bytes));
	return o;
}

static json_object *do_stats(struct livestats *ls, json_object *req)
{
	(void)req;
	balloon_request_stats(&ls->m->balloon);
	json_object *o = reply_ok();
	livestats_fill(ls, o);
	return o;
}

static json_object *reply_paused(bool paused)
{
	json_object *o = reply_ok();
	json_object_object_add(o, "paused", json_object_new_boolean(paused));
	return o;
}

static json_object *do_pause(struct livestats *ls, json_object *req)
{
	(void)req;
	vm_pause(&ls->m->vm);
	return reply_paused(true);
}

static json_object *do_resume(struct livestats *ls, json_object *req)
{
	(void)req;
	vm_resume(&ls->m->vm);
	return reply_paused(false);
}

static json_object *do_quit(struct livestats *ls, json_object *req)
{
	(void)req;
	vm_request_stop(&ls->m->vm, 0, "quit request");
	return reply_ok();
}

static json_object *do_snapshot(struct livestats *ls, json_object *req)
{
	struct machine *m = ls->m;
	json_object *file, *mem;
	struct mv_error err;
	if (check_snapshot(req, &err) < 0)
		return control_reply_error("%s", err.msg);
	json_object_object_get_ex(req, "file", &file);
	struct snap_request r = {
		.path = json_object_get_string(file),
		.memory = json_object_object_get_ex(req, "memory", &mem) &&
			  json_object_get_boolean(mem),
		.reason = json_object_object_get_ex(req, "reason", &mem) ?
			  json_object_get_string(mem) : "control",
	};
	if (snapshot_take(m, &r, &err) < 0)
		return control_reply_error("snapshot: %s", err.msg);
	json_object *o = reply_ok();
	json_object_object_add(o, "file", json_object_new_string(r.path));
	return o;
}

static json_object *do_save(struct livestats *ls, json_object *req)
{
	json_object *file, *stop, *since;
	struct mv_error err;
	struct save_result res;
	if (check_save(req, &err) < 0)
		return control_reply_error("%s", err.msg);
	json_object_object_get_ex(req, "file", &file);
	struct save_opts so = { .path = json_object_get_string(file), .lazy = ls->lazy,
				.stop = json_object_object_get_ex(req, "stop", &stop) &&
					json_object_get_boolean(stop) };
	if (json_object_object_get_ex(req, "since", &since))
		so.since = json_object_get_string(since);
	bool stopping = so.stop;
	if (save_take(ls->m, &so, &res, &err) < 0)
		return control_reply_error("save: %s", err.msg);
	json_object *o = reply_ok();
	json_object_object_add(o, "file", json_object_new_string(json_object_get_string(file)));
	json_object_object_add(o, "pages_saved", json_object_new_uint64(res.pages_saved));
	json_object_object_add(o, "pages_total", json_object_new_uint64(res.pages_total));
	json_object_object_add(o, "stopped", json_object_new_boolean(stopping));
	return o;
}

static const struct {
	const char *name;
	json_object *(*fn)(struct livestats *ls, json_object *req);
} requests[] = {
	{ "balloon", do_balloon }, { "stats", do_stats }, { "pause", do_pause },
	{ "resume", do_resume }, { "quit", do_quit }, { "snapshot", do_snapshot },
	{ "save", do_save },
};

/* Index of the request's command in requests[], or -EINVAL with err. */
static int request_index(json_object *req, struct mv_error *err)
{
	json_object *cmd;
	if (!json_object_is_type(req, json_type_object))
		return mv_fail(err, -EINVAL, "a request is a JSON object");
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string))
		return mv_fail(err, -EINVAL, "request lacks a \"cmd\" string");
	const char *name = json_object_get_string(cmd);
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (!strcmp(name, requests[i].name))
			return (int)i;
	return mv_fail(err, -EINVAL, "unknown command \"%.40s\" (balloon, stats, pause, resume, "
		       "quit, snapshot, save)", name);
}

int control_check_request(json_object *req, struct mv_error *err)
{
	uint64_t bytes;
	int i = request_index(req, err);
	if (i < 0)
		return i;
	if (requests[i].fn == do_balloon)
		return check_balloon(req, &bytes, err);
	if (requests[i].fn == do_snapshot)
		return check_snapshot(req, err);
	if (requests[i].fn == do_save)
		return check_save(req, err);
	return 0;
}

json_object *control_execute(struct livestats *ls, json_object *req)
{
	struct mv_error err;
	if (control_check_request(req, &err) < 0)
		return control_reply_error("%s", err.msg);
	return requests[request_index(req, &err)].fn(ls, req);
}

int control_parse_request(const char *line, size_t len, json_object **req,
			  struct mv_error *err)
{
	*req = NULL;
	if (len > CONTROL_MAX_LINE)
		return mv_fail(err, -E2BIG, "request line longer than %d bytes", CONTROL_MAX_LINE);
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return mv_fail(err, -ENOMEM, "out of memory");
	json_object *o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		mv_fail(err, -EINVAL, "not a JSON object: %s",
			o ? "trailing characters" : json_tokener_error_desc(
				e == json_tokener_continue ? json_tokener_error_parse_eof : e));
		json_object_put(o);
		json_tokener_free(tok);
		return -EINVAL;
	}
	json_tokener_free(tok);
	int rc = control_check_request(o, err);
	if (rc < 0) {
		json_object_put(o);
		return rc;
	}
	*req = o;
	return 0;
}

char *control_handle_line(struct livestats *ls, const char *line, size_t len)
{
	json_object *req, *resp;
	struct mv_error err;
	if (control_parse_request(line, len, &req, &err) < 0)
		resp = control_reply_error("%s", err.msg);
	else
		resp = control_execute(ls, req);
	char *out = strdup(json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	json_object_put(resp);
	return out;
}
