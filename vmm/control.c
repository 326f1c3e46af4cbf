/*
 * control.c: the control loop of a running machine (see control.h).
 *
 * One thread polls the listening socket, the clients, a wake pipe and the
 * clock; it runs scheduled events and writes the stats stream when due.
 * Requests from every source go through control_execute(), so the socket,
 * the schedule and the CLI clients can never disagree.
 *
 * The socket server owns the listening socket (its path removed at stop,
 * and only if this server bound it) and the client slots. Invariants:
 * - the thread waits only in poll: client sockets are non-blocking, and a
 *   reply the socket does not take at once waits in the client's output
 *   buffer, so no client can delay another;
 * - a client's unread output never passes max_output bytes: the client is
 *   closed instead; one that neither sends nor takes output for
 *   idle_timeout seconds is closed, so idle clients cannot hold the slots;
 * - a client's input buffer holds at most one line of CONTROL_MAX_LINE
 *   bytes and its newline; a full buffer without a newline is a line too
 *   long, refused whole;
 * - a client that hung up is closed once its replies are out (or idle).
 */
#include "control.h"
#include "expect.h"
#include "snapshot.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct client {
	int fd;                      /* -1: slot free */
	char *in;                    /* CONTROL_MAX_LINE + 1 bytes: a line and its newline */
	size_t in_len;
	bool discarding;             /* inside an oversized line */
	bool eof;                    /* hung up; closed once out is drained */
	char *out;                   /* replies not yet sent: out[out_off, out_len) */
	size_t out_off, out_len, out_cap;
	double active;               /* uptime when it last sent or took output */
};

struct control {
	struct machine *m;
	int listen_fd, wake[2];
	char socket_path[108];       /* set once bound: ours to remove */
	FILE *stats;
	double stats_interval, next_stats;
	double idle_timeout;         /* seconds */
	size_t max_output;           /* bytes of unsent replies per client */
	struct control_event events[CONTROL_MAX_EVENTS]; /* `when` events first, then timed */
	int nr_events, nr_when;
	int next_when, next_timed;   /* the next of each kind to fire */
	struct expect_cond *when[CONTROL_MAX_EVENTS]; /* parsed stats conditions of the `when` events */
	int console[CONTROL_MAX_EVENTS]; /* console_watch pattern of a `when console` event, or -1 */
	const char *snapshot_prefix; /* names the files of snapshot=NAME events */
	struct expect_stats seen;    /* samples taken while a `when` event waits */
	struct client clients[CONTROL_MAX_CLIENTS];
	pthread_t thread;
	volatile bool stop;          /* set before a write to wake[1] */
};

/* ---- requests ------------------------------------------------------------ */

static json_object *reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_object *reply_error(const char *fmt, ...)
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

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *balloon_json(const struct balloon_figures *f)
{
	json_object *b = json_object_new_object();
	add_u64(b, "target", f->target_bytes);
	add_u64(b, "actual", f->actual_bytes);
	add_u64(b, "held", f->held_bytes);
	add_u64(b, "inflated_pages", f->inflated_pages);
	add_u64(b, "deflated_pages", f->deflated_pages);
	add_u64(b, "reported_pages", f->reported_pages);
	add_u64(b, "bad_pfns", f->bad_pfns);
	json_object_object_add(b, "driver_ok", json_object_new_boolean(f->driver_ok));
	return b;
}

static json_object *guest_json(const struct balloon_figures *f)
{
	json_object *g = json_object_new_object();
	for (unsigned t = 0; t < BALLOON_NR_STATS; t++)
		if (f->stats_seen & (1u << t))
			add_u64(g, balloon_stat_name(t), f->stats[t]);
	add_u64(g, "updates", f->stats_updates);
	return g;
}

static uint64_t host_rss_bytes(void)
{
	unsigned long long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static json_object *host_json(struct machine *m)
{
	json_object *h = json_object_new_object();
	int64_t resident = mem_resident_pages(&m->vm.mem);
	add_u64(h, "ram", m->vm.mem.ram_size);
	add_u64(h, "resident", resident < 0 ? 0 : (uint64_t)resident * 4096);
	add_u64(h, "rss", host_rss_bytes());
	return h;
}

static json_object *swap_json(struct blk *b)
{
	json_object *s = json_object_new_object();
	pthread_mutex_lock(&b->transport.lock);
	add_u64(s, "size", b->config.capacity * BLK_SECTOR_SIZE);
	add_u64(s, "reads", b->reads);
	add_u64(s, "writes", b->writes);
	add_u64(s, "bytes_read", b->bytes_read);
	add_u64(s, "bytes_written", b->bytes_written);
	add_u64(s, "errors", b->errors);
	pthread_mutex_unlock(&b->transport.lock);
	return s;
}

/* Zones, slab caches and vmstat read from guest memory (introspection
 * without stopping the guest); absent until the kernel has booted. */
static bool guest_state_ready(struct machine *m)
{
	char err[256];
	if (!m->intro_ok && m->kernel)
		m->intro_ok = intro_open_kernel(&m->intro, &m->vm.mem, m->kernel, m->kernel_len,
						err, sizeof(err)) == 0;
	return m->intro_ok;
}

static json_object *zones_json(struct machine *m)
{
	struct snap_zone z[8];
	int n = intro_zones(&m->intro, z, 8);
	json_object *o = json_object_new_object();
	for (int i = 0; i < n; i++) {
		json_object *e = json_object_new_object(), *orders = json_object_new_array();
		add_u64(e, "free_pages", z[i].free_pages);
		add_u64(e, "managed", z[i].managed);
		add_u64(e, "min", z[i].wmark[0]);
		add_u64(e, "low", z[i].wmark[1]);
		add_u64(e, "high", z[i].wmark[2]);
		for (int k = 0; k < SNAP_MAX_ORDERS; k++)
			json_object_array_add(orders, json_object_new_uint64(z[i].nr_free[k]));
		json_object_object_add(e, "nr_free", orders);
		json_object_object_add(o, z[i].name, e);
	}
	return o;
}

static json_object *slabs_json(struct machine *m)
{
	struct snap_slab *s;
	size_t n;
	json_object *o = json_object_new_object();
	if (intro_slabs(&m->intro, &s, &n) < 0)
		return o;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		add_u64(e, "bytes", s[i].nr_slabs * (4096ull << s[i].order));
		add_u64(e, "active_objs", s[i].active_objs);
		json_object_object_add(o, s[i].name, e);
	}
	free(s);
	return o;
}

static json_object *vmstat_json(struct machine *m)
{
	struct snap_counter *v;
	size_t n;
	json_object *o = json_object_new_object();
	if (intro_vmstat(&m->intro, &v, &n) < 0)
		return o;
	for (size_t i = 0; i < n; i++)
		add_u64(o, v[i].name, v[i].value);
	free(v);
	return o;
}

json_object *control_stats(struct machine *m)
{
	struct balloon_figures f;
	json_object *o = reply_ok();
	balloon_figures(&m->balloon, &f);
	json_object *t = json_object_new_double(machine_uptime(m));
	json_object_set_serializer(t, json_object_double_to_json_string, (void *)"%.3f", NULL);
	json_object_object_add(o, "time", t);
	json_object_object_add(o, "paused", json_object_new_boolean(vm_is_paused(&m->vm)));
	json_object_object_add(o, "balloon", balloon_json(&f));
	json_object_object_add(o, "guest", guest_json(&f));
	json_object_object_add(o, "host", host_json(m));
	if (m->swap_ready)
		json_object_object_add(o, "swap", swap_json(&m->swap));
	if (guest_state_ready(m)) {
		json_object_object_add(o, "zones", zones_json(m));
		json_object_object_add(o, "slabs", slabs_json(m));
		json_object_object_add(o, "vmstat", vmstat_json(m));
	}
	return o;
}

static int size_arg(json_object *v, uint64_t *out, char *err, size_t errlen)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);
		if (i < 0) {
			snprintf(err, errlen, "negative size");
			return -1;
		}
		*out = (uint64_t)i;
		return 0;
	}
	if (json_object_is_type(v, json_type_string))
		return mv_parse_size(json_object_get_string(v), out, err, errlen);
	snprintf(err, errlen, "size must be a number of bytes or a string like \"64M\"");
	return -1;
}

/* Checks a balloon request's "target"; *bytes gets its value. 0 or -1. */
static int check_balloon(json_object *req, uint64_t *bytes, char *err, size_t errlen)
{
	json_object *t;
	char why[160];
	if (!json_object_object_get_ex(req, "target", &t)) {
		snprintf(err, errlen, "balloon needs \"target\" (the balloon size, e.g. \"64M\")");
		return -1;
	}
	if (size_arg(t, bytes, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "target: %s", why);
		return -1;
	}
	return 0;
}

/* Checks a snapshot request's "file": a non-empty string. 0 or -1. */
static int check_snapshot(json_object *req, char *err, size_t errlen)
{
	json_object *file;
	if (!json_object_object_get_ex(req, "file", &file) ||
	    !json_object_is_type(file, json_type_string) || !*json_object_get_string(file)) {
		snprintf(err, errlen, "snapshot needs \"file\" (a path)");
		return -1;
	}
	return 0;
}

static json_object *do_balloon(struct machine *m, json_object *req)
{
	uint64_t bytes;
	char err[256];
	if (check_balloon(req, &bytes, err, sizeof(err)) < 0)
		return reply_error("%s", err);
	if (bytes > m->vm.mem.ram_size)
		return reply_error("target %llu exceeds guest RAM (%llu bytes)",
				   (unsigned long long)bytes, (unsigned long long)m->vm.mem.ram_size);
	balloon_set_target(&m->balloon, bytes);
	struct balloon_figures f;
	balloon_figures(&m->balloon, &f);
	json_object *o = reply_ok();
	add_u64(o, "target", f.target_bytes);
	add_u64(o, "actual", f.actual_bytes);
	return o;
}

static json_object *do_stats(struct machine *m, json_object *req)
{
	(void)req;
	balloon_request_stats(&m->balloon);
	return control_stats(m);
}

static json_object *do_pause(struct machine *m, json_object *req)
{
	(void)req;
	vm_pause(&m->vm);
	json_object *o = reply_ok();
	json_object_object_add(o, "paused", json_object_new_boolean(1));
	return o;
}

static json_object *do_resume(struct machine *m, json_object *req)
{
	(void)req;
	vm_resume(&m->vm);
	json_object *o = reply_ok();
	json_object_object_add(o, "paused", json_object_new_boolean(0));
	return o;
}

static json_object *do_quit(struct machine *m, json_object *req)
{
	(void)req;
	vm_request_stop(&m->vm, 0, "quit request");
	return reply_ok();
}

static json_object *do_snapshot(struct machine *m, json_object *req)
{
	json_object *file, *mem;
	char err[512];
	if (check_snapshot(req, err, sizeof(err)) < 0)
		return reply_error("%s", err);
	json_object_object_get_ex(req, "file", &file);
	struct snap_request r = {
		.path = json_object_get_string(file),
		.memory = json_object_object_get_ex(req, "memory", &mem) &&
			  json_object_get_boolean(mem),
		.reason = json_object_object_get_ex(req, "reason", &mem) ?
			  json_object_get_string(mem) : "control",
	};
	if (snapshot_take(m, &r, err, sizeof(err)) < 0)
		return reply_error("snapshot: %s", err);
	json_object *o = reply_ok();
	json_object_object_add(o, "file", json_object_new_string(r.path));
	return o;
}

static const struct {
	const char *name;
	json_object *(*fn)(struct machine *m, json_object *req);
} requests[] = {
	{ "balloon", do_balloon }, { "stats", do_stats }, { "pause", do_pause },
	{ "resume", do_resume }, { "quit", do_quit }, { "snapshot", do_snapshot },
};

/* Index of the request's command in requests[], or -1 with err. */
static int request_index(json_object *req, char *err, size_t errlen)
{
	json_object *cmd;
	if (!json_object_is_type(req, json_type_object)) {
		snprintf(err, errlen, "a request is a JSON object");
		return -1;
	}
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "request lacks a \"cmd\" string");
		return -1;
	}
	const char *name = json_object_get_string(cmd);
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		if (!strcmp(name, requests[i].name))
			return (int)i;
	snprintf(err, errlen, "unknown command \"%.40s\" (balloon, stats, pause, resume, quit, "
		 "snapshot)", name);
	return -1;
}

int control_check_request(json_object *req, char *err, size_t errlen)
{
	uint64_t bytes;
	int i = request_index(req, err, errlen);
	if (i < 0)
		return -1;
	if (requests[i].fn == do_balloon)
		return check_balloon(req, &bytes, err, errlen);
	if (requests[i].fn == do_snapshot)
		return check_snapshot(req, err, errlen);
	return 0;
}

json_object *control_execute(struct machine *m, json_object *req)
{
	char err[256];
	if (control_check_request(req, err, sizeof(err)) < 0)
		return reply_error("%s", err);
	return requests[request_index(req, err, sizeof(err))].fn(m, req);
}

int control_parse_request(const char *line, size_t len, json_object **req,
			  char *err, size_t errlen)
{
	*req = NULL;
	if (len > CONTROL_MAX_LINE) {
		snprintf(err, errlen, "request line longer than %d bytes", CONTROL_MAX_LINE);
		return -1;
	}
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object *o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_parse_end(tok) < len) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		snprintf(err, errlen, "not a JSON object: %s",
			 o ? "trailing characters" : json_tokener_error_desc(
				 e == json_tokener_continue ? json_tokener_error_parse_eof : e));
		json_object_put(o);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	if (control_check_request(o, err, errlen) < 0) {
		json_object_put(o);
		return -1;
	}
	*req = o;
	return 0;
}

char *control_handle_line(struct machine *m, const char *line, size_t len)
{
	json_object *req, *resp;
	char err[256];
	if (control_parse_request(line, len, &req, err, sizeof(err)) < 0)
		resp = reply_error("%s", err);
	else
		resp = control_execute(m, req);
	char *out = strdup(json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	json_object_put(resp);
	return out;
}

/* ---- schedule and stats arguments ----------------------------------------- */

static int parse_time(const char *s, size_t n, double *out)
{
	char buf[32];
	char *end;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	double v = strtod(buf, &end);
	if (end == buf || v < 0 || v != v)
		return -1;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (*end && strcmp(end, "s"))
		return -1;
	*out = v;
	return 0;
}

/*
 * The first c in s[0..n) outside double quotes (a console pattern may hold
 * ',' and ':'; \" inside quotes is not a closing quote), or NULL.
 */
static const char *find_unquoted(const char *s, size_t n, char c)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (quoted && s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == c && !quoted)
			return s + i;
	}
	return NULL;
}

/*
 * The pattern of a `when console "REGEX"` condition, copied to re, or -1
 * when cond is not one (a stats condition), -2 when it is malformed.
 */
static int console_pattern(const char *cond, char *re, size_t relen)
{
	static const char kw[] = "console";
	if (strncmp(cond, kw, sizeof(kw) - 1) || (cond[sizeof(kw) - 1] != ' ' &&
						   cond[sizeof(kw) - 1] != '"'))
		return -1;
	const char *open = strchr(cond, '"'), *close = strrchr(cond, '"');
	if (!open || close == open || close[1] || strspn(cond + sizeof(kw) - 1, " ") !=
	    (size_t)(open - cond) - (sizeof(kw) - 1))
		return -2;
	size_t len = (size_t)(close - open - 1);
	if (len == 0 || len >= relen)
		return -2;
	memcpy(re, open + 1, len);
	re[len] = 0;
	return 0;
}

/* "when COND" before the colon: the condition goes to e->when, at is -1. */
static int parse_trigger(const char *s, size_t n, struct control_event *e)
{
	e->when[0] = 0;
	if (n > 5 && !strncmp(s, "when ", 5)) {
		if (n - 5 >= sizeof(e->when))
			return -1;
		memcpy(e->when, s + 5, n - 5);
		e->when[n - 5] = 0;
		e->at = -1;
		return 0;
	}
	return parse_time(s, n, &e->at);
}

static int parse_event(const char *s, size_t n, struct control_event *e, char *err, size_t errlen)
{
	const char *colon = find_unquoted(s, n, ':');
	if (!colon || parse_trigger(s, (size_t)(colon - s), e) < 0) {
		snprintf(err, errlen, "'%.*s': expected TIME:COMMAND or when CONDITION:COMMAND, "
			 "e.g. 2s:balloon=64M", (int)n, s);
		return -1;
	}
	const char *cmd = colon + 1;
	while (cmd < s + n && *cmd == ' ')
		cmd++;
	const char *eq = memchr(cmd, '=', n - (size_t)(cmd - s));
	size_t clen = (size_t)((eq ? eq : s + n) - cmd);
	size_t alen = eq ? n - (size_t)(eq + 1 - s) : 0;
	if (clen == 0 || clen >= sizeof(e->cmd) || alen >= sizeof(e->arg)) {
		snprintf(err, errlen, "'%.*s': bad command", (int)n, s);
		return -1;
	}
	memcpy(e->cmd, cmd, clen);
	e->cmd[clen] = 0;
	memcpy(e->arg, eq ? eq + 1 : "", alen);
	e->arg[alen] = 0;
	return 0;
}

bool control_snapshot_is_name(const char *arg)
{
	return arg[0] && arg[strspn(arg, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] == 0;
}

static json_object *event_request(const struct control_event *e, const char *prefix)
{
	json_object *req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(e->cmd));
	if (!strcmp(e->cmd, "balloon"))
		json_object_object_add(req, "target", json_object_new_string(e->arg));
	if (!strcmp(e->cmd, "snapshot")) {
		char file[512];
		snprintf(file, sizeof(file), "%s-%s.core", prefix, e->arg);
		json_object_object_add(req, "file", json_object_new_string(
			control_snapshot_is_name(e->arg) ? file : e->arg));
		json_object_object_add(req, "reason", json_object_new_string("schedule"));
	}
	return req;
}

/* Whether the event names a known command with the argument it needs. */
static int check_event(const struct control_event *e, char *err, size_t errlen)
{
	static const char *const plain[] = { "stats", "pause", "resume", "quit" };
	uint64_t bytes;
	char why[128];
	char re[sizeof(e->when)];
	int console = e->when[0] ? console_pattern(e->when, re, sizeof(re)) : -1;
	if (console == -2) {
		snprintf(err, errlen, "when %s: expected console \"REGEX\"", e->when);
		return -1;
	}
	if (console == 0 && console_watch_check(re, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "when %s: %s", e->when, why);
		return -1;
	}
	if (e->when[0] && console < 0) {
		struct expect_cond *cond = expect_parse(e->when, EXPECT_STATS, why, sizeof(why));
		if (!cond) {
			snprintf(err, errlen, "when %s: %s", e->when, why);
			return -1;
		}
		expect_free(cond);
	}
	if (!strcmp(e->cmd, "balloon")) {
		if (mv_parse_size(e->arg, &bytes, why, sizeof(why)) == 0)
			return 0;
		snprintf(err, errlen, "balloon=%s: %s", e->arg, why);
		return -1;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(e->cmd, plain[i]) && !e->arg[0])
			return 0;
	if (!strcmp(e->cmd, "snapshot") && e->arg[0])
		return 0;
	snprintf(err, errlen, "'%s%s%s': unknown command (balloon=SIZE, snapshot=FILE, stats, "
		 "pause, resume, quit)", e->cmd, e->arg[0] ? "=" : "", e->arg);
	return -1;
}

int control_parse_schedule(const char *text, struct control_event *ev, int max,
			   char *err, size_t errlen)
{
	int n = 0;
	const char *p = text;
	while (*p) {
		const char *comma = find_unquoted(p, strlen(p), ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == max) {
			snprintf(err, errlen, "more than %d events", max);
			return -1;
		}
		if (parse_event(p, len, &ev[n], err, errlen) < 0 ||
		    check_event(&ev[n], err, errlen) < 0)
			return -1;
		for (int k = n; k > 0 && ev[k].at < ev[k - 1].at; k--) { /* keep time order */
			struct control_event t = ev[k];
			ev[k] = ev[k - 1];
			ev[k - 1] = t;
		}
		n++;
		p += len + (p[len] == ',');
	}
	return n;
}

int control_parse_stats_arg(const char *arg, char *path, size_t pathlen, double *interval)
{
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	*interval = 1.0;
	if (colon && (parse_time(colon + 1, strlen(colon + 1), interval) < 0 || *interval < 0.01))
		return -1;
	if (n == 0 || n >= pathlen)
		return -1;
	memcpy(path, arg, n);
	path[n] = 0;
	return 0;
}

/* ---- the socket ------------------------------------------------------------ */

/*
 * Whether path may be bound: nothing there, or a stale socket (a connect is
 * refused), which is removed. A live server (the connect is taken, or its
 * backlog is full), a file that is not a socket, or an answer that cannot
 * be read either way is refused with one line. 0 or -1.
 */
static int claim_socket_path(const char *path, const struct sockaddr_un *a)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		mv_err("--control %s: %m", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		mv_err("--control %s: exists and is not a socket; not replacing it", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = fd < 0 ? -1 : connect(fd, (const struct sockaddr *)a, sizeof(*a));
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0 && (e == ECONNREFUSED || e == ENOENT)) {
		if (unlink(path) == 0 || errno == ENOENT) /* stale, from an earlier run */
			return 0;
		e = errno;
	}
	if (rc == 0 || e == EAGAIN)
		mv_err("--control %s: a server answers there (another memvisor?); not taking it over",
		       path);
	else
		mv_err("--control %s: %s; not replacing it", path, strerror(e));
	return -1;
}

static int open_socket(struct control *c, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path)) {
		mv_err("--control %s: path longer than %zu bytes", path, sizeof(a.sun_path) - 1);
		return -1;
	}
	strcpy(a.sun_path, path);
	if (claim_socket_path(path, &a) < 0)
		return -1;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* bind gives the file the socket inode's mode less the umask: 0600 from the start */
	if (c->listen_fd < 0 || fchmod(c->listen_fd, 0600) < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		mv_err("--control %s: %m", path);
		return -1;
	}
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", path); /* ours: removed at stop */
	if (listen(c->listen_fd, 8) < 0) {
		mv_err("--control %s: %m", path);
		return -1;
	}
	return 0;
}

/* ---- clients --------------------------------------------------------------- */

static void client_close(struct client *cl)
{
	close(cl->fd);
	cl->fd = -1;
	cl->in_len = 0;
	cl->discarding = cl->eof = false;
	free(cl->out); /* a dropped flooder's replies go with it */
	cl->out = NULL;
	cl->out_off = cl->out_len = cl->out_cap = 0;
}

static bool client_pending(const struct client *cl)
{
	return cl->out_off < cl->out_len;
}

/* Writes what the socket takes of the pending replies, never waiting; a
 * client that has hung up is closed once they are all out. */
static void client_flush(struct client *cl, double now)
{
	while (client_pending(cl)) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(cl);
			return;
		}
		cl->out_off += (size_t)n;
		cl->active = now;
	}
	cl->out_off = cl->out_len = 0;
	if (cl->eof)
		client_close(cl);
}

/* Room for need bytes of output, never more than max. 0 or -1. */
static int client_reserve(struct client *cl, size_t need, size_t max)
{
	if (need <= cl->out_cap)
		return 0;
	size_t cap = cl->out_cap ? cl->out_cap : 4096;
	while (cap < need)
		cap *= 2;
	cap = cap > max ? max : cap;
	char *p = realloc(cl->out, cap);
	if (!p)
		return -1;
	cl->out = p;
	cl->out_cap = cap;
	return 0;
}

/* Appends a reply line; a client whose unread replies would pass
 * max_output bytes is dropped instead. */
static void client_queue(struct control *c, struct client *cl, const char *line)
{
	size_t n = strlen(line);
	if (cl->out_off) { /* what was sent goes: the bound counts what is unsent */
		cl->out_len -= cl->out_off;
		memmove(cl->out, cl->out + cl->out_off, cl->out_len);
		cl->out_off = 0;
	}
	if (cl->out_len + n + 1 > c->max_output ||
	    client_reserve(cl, cl->out_len + n + 1, c->max_output) < 0) {
		mv_debug("control: dropping a client that left %zu bytes of replies unread",
			 cl->out_len);
		client_close(cl);
		return;
	}
	memcpy(cl->out + cl->out_len, line, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
}

static void client_reply(struct control *c, struct client *cl, json_object *resp)
{
	client_queue(c, cl, json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	json_object_put(resp);
}

static void client_accept(struct control *c, double now)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];
		if (cl->fd < 0) {
			cl->fd = fd;
			cl->active = now;
			return;
		}
	}
	const char *full = "{\"ok\":false,\"error\":\"too many clients\"}\n";
	if (send(fd, full, strlen(full), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		mv_debug("control: refusing a client");
	close(fd);
}

/* Answers every complete line in the input; keeps the partial rest. A
 * full buffer without a newline holds more than CONTROL_MAX_LINE bytes of
 * one line: that line is refused and the rest of it skipped. */
static void client_lines(struct control *c, struct client *cl)
{
	char *start = cl->in, *nl;
	while (cl->fd >= 0 && (nl = memchr(start, '\n', cl->in_len - (size_t)(start - cl->in)))) {
		if (cl->discarding) {
			cl->discarding = false;
		} else {
			char *resp = control_handle_line(c->m, start, (size_t)(nl - start));
			client_queue(c, cl, resp ? resp : "{\"ok\":false,\"error\":\"out of memory\"}");
			free(resp);
		}
		start = nl + 1;
	}
	if (cl->fd < 0)
		return;
	cl->in_len -= (size_t)(start - cl->in);
	memmove(cl->in, start, cl->in_len);
	if (cl->in_len == CONTROL_MAX_LINE + 1) {
		if (!cl->discarding)
			client_reply(c, cl, reply_error("request line longer than %d bytes",
							CONTROL_MAX_LINE));
		cl->discarding = true;
		cl->in_len = 0;
	}
}

static void client_read(struct control *c, struct client *cl, double now)
{
	ssize_t n = read(cl->fd, cl->in + cl->in_len, CONTROL_MAX_LINE + 1 - cl->in_len);
	if (n < 0) {
		if (errno != EINTR && errno != EAGAIN)
			client_close(cl);
		return;
	}
	if (n == 0) { /* hung up: what it asked for still goes out */
		cl->eof = true;
		if (!client_pending(cl))
			client_close(cl);
		return;
	}
	cl->active = now;
	cl->in_len += (size_t)n;
	client_lines(c, cl);
	if (cl->fd >= 0)
		client_flush(cl, now);
}

/* What to poll a slot for: input until it hangs up, room while replies wait. */
static short client_events(const struct client *cl)
{
	if (cl->fd < 0)
		return 0;
	if (client_pending(cl))
		return cl->eof ? POLLOUT : POLLIN | POLLOUT;
	return cl->eof ? 0 : POLLIN;
}

static void client_ready(struct control *c, struct client *cl, short revents)
{
	if (revents & (POLLOUT | POLLERR | POLLHUP) && client_pending(cl))
		client_flush(cl, machine_uptime(c->m));
	if (cl->fd >= 0 && !cl->eof && revents & (POLLIN | POLLERR | POLLHUP))
		client_read(c, cl, machine_uptime(c->m));
}

/* Closes clients that have neither sent nor taken output for idle_timeout. */
static void close_idle_clients(struct control *c, double now)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];
		if (cl->fd >= 0 && now - cl->active >= c->idle_timeout) {
			mv_debug("control: closing a client idle for %.3g s", now - cl->active);
			client_close(cl);
		}
	}
}

/* ---- the control thread --------------------------------------------------- */

static void fire_event(struct control *c, const struct control_event *e, double now)
{
	json_object *req = event_request(e, c->snapshot_prefix);
	json_object *resp = control_execute(c->m, req);
	mv_info("pressure %.3gs%s%s: %s%s%s -> %s", now, e->when[0] ? " when " : "", e->when,
		e->cmd, e->arg[0] ? "=" : "", e->arg,
		json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	json_object_put(resp);
}

static void run_due_events(struct control *c, double now)
{
	while (c->next_timed < c->nr_events && c->events[c->next_timed].at <= now)
		fire_event(c, &c->events[c->next_timed++], now);
}

static bool waiting_on_when(const struct control *c)
{
	return c->next_when < c->nr_when;
}

/* Samples are taken for the stats stream and while a `when` event waits. */
static bool sampling(const struct control *c)
{
	return c->stats || waiting_on_when(c);
}

/* Keeps sample o (a reference is taken) for the `when` conditions. */
static void keep_sample(struct control *c, json_object *o, double now)
{
	struct expect_stats *s = &c->seen;
	json_object **samples = realloc(s->samples, (s->n + 1) * sizeof(*samples));
	double *times = samples ? realloc(s->times, (s->n + 1) * sizeof(*times)) : NULL;
	if (samples)
		s->samples = samples;
	if (!times)
		return; /* out of memory: the condition is judged on what was kept */
	s->times = times;
	s->samples[s->n] = json_object_get(o);
	s->times[s->n++] = now;
}

/* The first waiting `when` event fires when its condition holds on the
 * samples so far (the last one, unless the condition says otherwise). */
static void check_when(struct control *c, double now)
{
	char why[256];
	int console = c->console[c->next_when];
	if (console >= 0 ? console_watch_seen(&c->m->console_watch, console)
			 : expect_eval_stats(c->when[c->next_when], &c->seen, why, sizeof(why)) == 1)
		fire_event(c, &c->events[c->next_when++], now);
}

static json_object *stats_sample(struct control *c)
{
	json_object *o = control_stats(c->m);
	json_object_object_del(o, "ok");
	if (c->stats) {
		fprintf(c->stats, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fflush(c->stats);
	}
	return o;
}

static void take_sample(struct control *c, double now)
{
	if (!sampling(c) || now < c->next_stats)
		return;
	balloon_request_stats(&c->m->balloon); /* fresh guest figures for the next line */
	json_object *o = stats_sample(c);
	if (waiting_on_when(c)) {
		keep_sample(c, o, now);
		check_when(c, now);
	}
	json_object_put(o);
	c->next_stats = now + c->stats_interval;
}

/* The earlier of two times, where a negative one means none. */
static double earlier(double a, double b)
{
	return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Milliseconds until the next scheduled thing or idle deadline, or -1 for none. */
static int next_timeout_ms(const struct control *c, double now)
{
	double next = -1;
	if (c->next_timed < c->nr_events)
		next = c->events[c->next_timed].at;
	if (sampling(c))
		next = earlier(next, c->next_stats);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			next = earlier(next, c->clients[i].active + c->idle_timeout);
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)((next - now) * 1000) + 1;
}

/* Fills p: the wake pipe, the listening socket, then one entry per client
 * slot (fd -1 for a free one, which poll skips). Returns the count. */
static nfds_t poll_set(const struct control *c, struct pollfd *p)
{
	nfds_t n = 0;
	p[n++] = (struct pollfd){ .fd = c->wake[0], .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		const struct client *cl = &c->clients[i];
		p[n++] = (struct pollfd){ .fd = cl->fd, .events = client_events(cl) };
	}
	return n;
}

static void *control_thread(void *arg)
{
	struct control *c = arg;
	struct pollfd p[2 + CONTROL_MAX_CLIENTS];
	while (!c->stop) {
		nfds_t n = poll_set(c, p);
		if (poll(p, n, next_timeout_ms(c, machine_uptime(c->m))) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN)
			client_accept(c, machine_uptime(c->m));
		for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (p[2 + i].revents && c->clients[i].fd == p[2 + i].fd)
				client_ready(c, &c->clients[i], p[2 + i].revents);
		double now = machine_uptime(c->m);
		close_idle_clients(c, now);
		run_due_events(c, now);
		take_sample(c, now);
	}
	return NULL;
}

/*
 * The `when` events lead the schedule; their conditions are parsed once:
 * a stats condition to c->when, a console pattern to the machine's watch
 * (the guest does not run yet).
 */
static int parse_when_conditions(struct control *c)
{
	char why[256], re[sizeof(c->events[0].when)];
	for (c->nr_when = 0; c->nr_when < c->nr_events && c->events[c->nr_when].when[0];
	     c->nr_when++) {
		const char *cond = c->events[c->nr_when].when;
		c->console[c->nr_when] = -1;
		if (console_pattern(cond, re, sizeof(re)) == 0)
			c->console[c->nr_when] = console_watch_add(&c->m->console_watch, re, why,
								   sizeof(why));
		else
			c->when[c->nr_when] = expect_parse(cond, EXPECT_STATS, why, sizeof(why));
		if (!c->when[c->nr_when] && c->console[c->nr_when] < 0) {
			mv_err("--pressure: when %s: %s", cond, why);
			return -1;
		}
	}
	c->next_timed = c->nr_when;
	return 0;
}

static int control_open(struct control *c, const struct control_config *cfg)
{
	char err[256];
	if (pipe2(c->wake, O_CLOEXEC) < 0)
		return -1;
	c->idle_timeout = cfg->idle_timeout > 0 ? cfg->idle_timeout : CONTROL_IDLE_TIMEOUT;
	c->max_output = cfg->max_output ? cfg->max_output : CONTROL_MAX_OUTPUT;
	c->snapshot_prefix = cfg->snapshot_prefix ? cfg->snapshot_prefix : CONTROL_SNAPSHOT_PREFIX;
	if (cfg->socket_path && open_socket(c, cfg->socket_path) < 0)
		return -1;
	if (cfg->pressure) {
		c->nr_events = control_parse_schedule(cfg->pressure, c->events, CONTROL_MAX_EVENTS,
						      err, sizeof(err));
		if (c->nr_events < 0) {
			mv_err("--pressure: %s", err);
			return -1;
		}
		if (parse_when_conditions(c) < 0)
			return -1;
	}
	c->stats_interval = CONTROL_WHEN_INTERVAL;
	if (cfg->stats_path) {
		c->stats = fopen(cfg->stats_path, "ae");
		if (!c->stats) {
			mv_err("--stats %s: %m", cfg->stats_path);
			return -1;
		}
		c->stats_interval = cfg->stats_interval;
	}
	return 0;
}

static void control_free(struct control *c)
{
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (c->clients[i].fd >= 0)
			client_close(&c->clients[i]);
		free(c->clients[i].in);
	}
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->socket_path[0])
		unlink(c->socket_path);
	if (c->stats)
		fclose(c->stats);
	for (int i = 0; i < c->nr_when; i++)
		expect_free(c->when[i]);
	expect_stats_free(&c->seen);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
	free(c);
}

struct control *control_start(struct machine *m, const struct control_config *cfg)
{
	struct control *c = calloc(1, sizeof(*c));
	bool buffers = true;
	if (!c)
		return NULL;
	c->m = m;
	c->listen_fd = c->wake[0] = c->wake[1] = -1;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c->clients[i].fd = -1;
		c->clients[i].in = malloc(CONTROL_MAX_LINE + 1);
		buffers = buffers && c->clients[i].in;
	}
	if (!buffers || control_open(c, cfg) < 0 ||
	    pthread_create(&c->thread, NULL, control_thread, c)) {
		control_free(c);
		return NULL;
	}
	return c;
}

void control_stop(struct control *c)
{
	if (!c)
		return;
	c->stop = true;
	if (write(c->wake[1], "x", 1) < 0)
		mv_debug("control: wake pipe: %m");
	pthread_join(c->thread, NULL);
	if (c->stats) /* the stream ends with the guest as it stopped */
		json_object_put(stats_sample(c));
	control_free(c);
}
