/*
 * control.c: the control server of a running machine (see control.h).
 *
 * One thread polls the listening socket, the clients, a wake pipe and the
 * clock; it runs scheduled events (schedule.h) and writes the stats
 * stream (livestats.h) when due. Requests from every source go through
 * control_execute() (control_request.h), so the socket, the schedule and
 * the CLI clients can never disagree.
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
#include "control_request.h"
#include "expect.h"
#include "livestats.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
	struct livestats live;         /* the machine and its introspection handle */
	int listen_fd, wake[2];
	char socket_path[108];       /* set once bound: ours to remove */
	FILE *stats;
	double stats_interval, next_stats;
	double idle_timeout;         /* seconds */
	size_t max_output;           /* bytes of unsent replies per client */
	struct schedule_event events[SCHEDULE_MAX_EVENTS]; /* `when` events first, then timed */
	int nr_events, nr_when;
	int next_when, next_timed;   /* the next of each kind to fire */
	struct expect_cond *when[SCHEDULE_MAX_EVENTS]; /* parsed stats conditions of the `when` events */
	int console[SCHEDULE_MAX_EVENTS]; /* console_watch pattern of a `when console` event, or -1 */
	const char *snapshot_prefix; /* names the files of snapshot=NAME events */
	struct expect_stats seen;    /* samples taken while a `when` event waits */
	struct client clients[CONTROL_MAX_CLIENTS];
	pthread_t thread;
	bool stop;                   /* atomic; set before a write to wake[1] */
};

/* ---- the socket ------------------------------------------------------------ */

/*
 * Whether path may be bound: nothing there, or a stale socket (a connect is
 * refused), which is removed. A live server (the connect is taken, or its
 * backlog is full), a file that is not a socket, or an answer that cannot
 * be read either way is refused with one line. 0 or -1.
 */
static int claim_socket_path(const char *path, const struct sockaddr_un *a,
			     struct mv_error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return mv_fail(err, -errno, "--control %s: %m", path);
	}
	if (!S_ISSOCK(st.st_mode))
		return mv_fail(err, -EEXIST, "--control %s: exists and is not a socket; "
			       "not replacing it", path);
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
		return mv_fail(err, -EADDRINUSE, "--control %s: a server answers there "
			       "(another memvisor?); not taking it over", path);
	return mv_fail(err, -e, "--control %s: %s; not replacing it", path, strerror(e));
}

static int open_socket(struct control *c, const char *path, struct mv_error *err)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return mv_fail(err, -ENAMETOOLONG, "--control %s: path longer than %zu bytes", path,
			       sizeof(a.sun_path) - 1);
	strcpy(a.sun_path, path);
	int rc = claim_socket_path(path, &a, err);
	if (rc < 0)
		return rc;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* bind gives the file the socket inode's mode less the umask: 0600 from the start */
	if (c->listen_fd < 0 || fchmod(c->listen_fd, 0600) < 0 ||
	    bind(c->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return mv_fail(err, -errno, "--control %s: %m", path);
	snprintf(c->socket_path, sizeof(c->socket_path), "%s", path); /* ours: removed at stop */
	if (listen(c->listen_fd, 8) < 0)
		return mv_fail(err, -errno, "--control %s: %m", path);
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

/* Room for need bytes of output, never more than max. 0 or -ENOMEM. */
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
		return -ENOMEM;
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
			char *resp = control_handle_line(&c->live, start, (size_t)(nl - start));
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
			client_reply(c, cl, control_reply_error("request line longer than %d bytes",
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
		client_flush(cl, machine_uptime(c->live.m));
	if (cl->fd >= 0 && !cl->eof && revents & (POLLIN | POLLERR | POLLHUP))
		client_read(c, cl, machine_uptime(c->live.m));
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

static void fire_event(struct control *c, const struct schedule_event *e, double now)
{
	json_object *req = schedule_event_request(e, c->snapshot_prefix);
	json_object *resp = control_execute(&c->live, req);
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
	if (console >= 0 ? console_watch_seen(&c->live.m->console_watch, console)
			 : expect_eval_stats(c->when[c->next_when], &c->seen, why, sizeof(why)) == 1)
		fire_event(c, &c->events[c->next_when++], now);
}

static json_object *stats_sample(struct control *c)
{
	json_object *o = json_object_new_object();
	livestats_fill(&c->live, o);
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
	balloon_request_stats(&c->live.m->balloon); /* fresh guest figures for the next line */
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
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		nfds_t n = poll_set(c, p);
		if (poll(p, n, next_timeout_ms(c, machine_uptime(c->live.m))) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN)
			client_accept(c, machine_uptime(c->live.m));
		for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (p[2 + i].revents && c->clients[i].fd == p[2 + i].fd)
				client_ready(c, &c->clients[i], p[2 + i].revents);
		double now = machine_uptime(c->live.m);
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
static int parse_when_conditions(struct control *c, struct mv_error *err)
{
	struct mv_error why;
	char re[sizeof(c->events[0].when)];
	for (c->nr_when = 0; c->nr_when < c->nr_events && c->events[c->nr_when].when[0];
	     c->nr_when++) {
		const char *cond = c->events[c->nr_when].when;
		c->console[c->nr_when] = -1;
		if (schedule_console_pattern(cond, re, sizeof(re)) == 0)
			c->console[c->nr_when] = console_watch_add(&c->live.m->console_watch, re, &why);
		else
			c->when[c->nr_when] = expect_parse(cond, EXPECT_STATS, &why);
		if (!c->when[c->nr_when] && c->console[c->nr_when] < 0)
			return mv_fail(err, -EINVAL, "--pressure: when %s: %s", cond, why.msg);
	}
	c->next_timed = c->nr_when;
	return 0;
}

static int control_open(struct control *c, const struct control_config *cfg,
			struct mv_error *err)
{
	struct mv_error why;
	if (pipe2(c->wake, O_CLOEXEC) < 0)
		return mv_fail(err, -errno, "control: wake pipe: %m");
	c->idle_timeout = cfg->idle_timeout > 0 ? cfg->idle_timeout : CONTROL_IDLE_TIMEOUT;
	c->max_output = cfg->max_output ? cfg->max_output : CONTROL_MAX_OUTPUT;
	c->snapshot_prefix = cfg->snapshot_prefix ? cfg->snapshot_prefix : CONTROL_SNAPSHOT_PREFIX;
	int rc = cfg->socket_path ? open_socket(c, cfg->socket_path, err) : 0;
	if (rc < 0)
		return rc;
	if (cfg->pressure) {
		c->nr_events = schedule_parse(cfg->pressure, c->events, SCHEDULE_MAX_EVENTS, &why);
		if (c->nr_events < 0)
			return mv_fail(err, c->nr_events, "--pressure: %s", why.msg);
		rc = parse_when_conditions(c, err);
		if (rc < 0)
			return rc;
	}
	c->stats_interval = CONTROL_WHEN_INTERVAL;
	if (cfg->stats_path) {
		c->stats = fopen(cfg->stats_path, "ae");
		if (!c->stats)
			return mv_fail(err, -errno, "--stats %s: %m", cfg->stats_path);
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

struct control *control_start(struct machine *m, const struct control_config *cfg,
			      struct mv_error *err)
{
	struct control *c = calloc(1, sizeof(*c));
	bool buffers = true;
	if (!c) {
		mv_fail(err, -ENOMEM, "control: out of memory");
		return NULL;
	}
	c->live.m = m;
	c->live.lazy = cfg->lazy;
	c->listen_fd = c->wake[0] = c->wake[1] = -1;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c->clients[i].fd = -1;
		c->clients[i].in = malloc(CONTROL_MAX_LINE + 1);
		buffers = buffers && c->clients[i].in;
	}
	int rc = buffers ? control_open(c, cfg, err)
			 : mv_fail(err, -ENOMEM, "control: out of memory");
	if (!rc && (rc = pthread_create(&c->thread, NULL, control_thread, c)))
		mv_fail(err, -rc, "control: cannot start its thread: %s", strerror(rc));
	if (rc) {
		control_free(c);
		return NULL;
	}
	return c;

}

void control_stop(struct control *c)
{
	if (!c)
		return;
	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	if (write(c->wake[1], "x", 1) < 0)
		mv_debug("control: wake pipe: %m");
	pthread_join(c->thread, NULL);
	if (c->stats) /* the stream ends with the guest as it stopped */
		json_object_put(stats_sample(c));
	control_free(c);
}
