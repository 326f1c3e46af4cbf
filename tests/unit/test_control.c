/*
 * test_control.c: the control API's request parser (control_parse_request)
 * on the requests the protocol defines and on what a client may get wrong;
 * no machine is needed to parse. The schedule parser is here too.
 *
 * The "socket" case runs the control server itself (control_start) on a
 * temporary path with a zeroed machine behind it: the requests sent are
 * malformed on purpose, so every reply is an error that touches no
 * machine. Waits are bounded by a generous hang guard, never tuned to
 * one machine's speed: the assertions are on what arrives and in what
 * order.
 */
#include "control.h"
#include "scenario.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define HANG_GUARD_MS 20000

static int parse(const char *line, struct mv_error *err)
{
	json_object *req = NULL;
	int rc = control_parse_request(line, strlen(line), &req, err);
	ck_assert_msg(rc == 0 ? req != NULL : req == NULL, "%s: rc %d, req %p", line, rc,
		      (void *)req);
	json_object_put(req);
	return rc;
}

static const char *const good[] = {
	"{\"cmd\":\"balloon\",\"target\":\"64M\"}",
	"{\"cmd\":\"balloon\",\"target\":1048576}",
	"{\"cmd\":\"stats\"}",
	"{\"cmd\":\"snapshot\",\"file\":\"a.core\",\"memory\":true}",
	"{\"cmd\":\"save\",\"file\":\"a.mvs\"}",
	"{\"cmd\":\"save\",\"file\":\"a.mvs\",\"stop\":true}",
	"{\"cmd\":\"pause\"}", "{\"cmd\":\"resume\"}", "{\"cmd\":\"quit\"}",
	" {\"cmd\":\"stats\"} ",
};

START_TEST(each_request_of_the_protocol_parses)
{
	struct mv_error err = { 0 };
	ck_assert_msg(parse(good[_i], &err) == 0, "%s: %s", good[_i], err.msg);
}
END_TEST

static const struct {
	const char *line, *why;
} bad[] = {
	{ "garbage", "not a JSON object" },
	{ "{\"cmd\":\"stats\"", "not a JSON object" },
	{ "{\"cmd\":\"stats\"} x", "trailing characters" },
	{ "[1,2]", "a request is a JSON object" },
	{ "{\"target\":1}", "lacks a \"cmd\"" },
	{ "{\"cmd\":7}", "lacks a \"cmd\"" },
	{ "{\"cmd\":\"frobnicate\"}", "unknown command \"frobnicate\"" },
	{ "{\"cmd\":\"balloon\"}", "balloon needs \"target\"" },
	{ "{\"cmd\":\"balloon\",\"target\":\"lots\"}", "target:" },
	{ "{\"cmd\":\"balloon\",\"target\":-1}", "negative size" },
	{ "{\"cmd\":\"balloon\",\"target\":[1]}", "size must be" },
	{ "{\"cmd\":\"snapshot\"}", "snapshot needs \"file\"" },
	{ "{\"cmd\":\"snapshot\",\"file\":\"\"}", "snapshot needs \"file\"" },
	{ "{\"cmd\":\"save\"}", "save needs \"file\"" },
	{ "{\"cmd\":\"save\",\"file\":7}", "save needs \"file\"" },
	{ "{\"cmd\":\"save\",\"file\":\"a.mvs\",\"stop\":\"yes\"}", "\"stop\" is true or false" },
	{ "", "not a JSON object" },
};

START_TEST(a_malformed_request_is_refused_with_its_reason)
{
	struct mv_error err = { 0 };
	ck_assert_int_eq(parse(bad[_i].line, &err), -EINVAL);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_msg(strstr(err.msg, bad[_i].why), "'%s': '%s' lacks '%s'", bad[_i].line, err.msg,
		      bad[_i].why);
}
END_TEST

START_TEST(a_line_longer_than_the_limit_is_refused_unparsed)
{
	size_t n = CONTROL_MAX_LINE + 1;
	char *line = malloc(n);
	json_object *req;
	struct mv_error err;
	memset(line, ' ', n);
	ck_assert_int_eq(control_parse_request(line, n, &req, &err), -E2BIG);
	ck_assert_ptr_null(req);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than"));
	free(line);
}
END_TEST

START_TEST(a_line_of_exactly_the_limit_is_parsed)
{
	size_t n = CONTROL_MAX_LINE;
	char *line = malloc(n);
	json_object *req;
	struct mv_error err = { 0 };
	memset(line, ' ', n);
	memcpy(line, "{\"cmd\":\"stats\"}", 15);
	ck_assert_msg(control_parse_request(line, n, &req, &err) == 0, "%s", err.msg);
	json_object_put(req);
	free(line);
}
END_TEST

START_TEST(when_events_lead_the_schedule_in_written_order)
{
	struct schedule_event ev[8];
	struct mv_error err;
	int n = schedule_parse("3s:quit,when balloon.actual == 64M:balloon=0,1s:balloon=64M,"
			       "when max(host.resident) > 1M: stats", ev, 8, &err);
	ck_assert_msg(n == 4, "%s", err.msg);
	ck_assert_str_eq(ev[0].when, "balloon.actual == 64M");
	ck_assert_str_eq(ev[0].cmd, "balloon");
	ck_assert_str_eq(ev[0].arg, "0");
	ck_assert_str_eq(ev[1].when, "max(host.resident) > 1M");
	ck_assert_str_eq(ev[1].cmd, "stats");
	ck_assert(ev[0].at < 0 && ev[1].at < 0);
	ck_assert(!ev[2].when[0] && ev[2].at == 1 && ev[3].at == 3);
	ck_assert_int_eq(schedule_parse("when balloon.actual ==:quit", ev, 8, &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.msg, "when balloon.actual ==:"), "%s", err.msg);
	ck_assert_int_eq(schedule_parse("when :quit", ev, 8, &err), -EINVAL);
	ck_assert_int_eq(schedule_parse("whenever:quit", ev, 8, &err), -EINVAL);
}
END_TEST

START_TEST(a_console_event_keeps_the_colons_and_commas_of_its_pattern)
{
	struct schedule_event ev[8];
	struct mv_error err;
	int n = schedule_parse("when console \"memhog: holding, (pid [0-9]+)\": snapshot=held,"
			       "when console \"a\\\"b:c\":quit", ev, 8, &err);
	ck_assert_msg(n == 2, "%s", err.msg);
	ck_assert_str_eq(ev[0].when, "console \"memhog: holding, (pid [0-9]+)\"");
	ck_assert_str_eq(ev[0].cmd, "snapshot");
	ck_assert_str_eq(ev[0].arg, "held");
	ck_assert_str_eq(ev[1].when, "console \"a\\\"b:c\"");
	ck_assert_str_eq(ev[1].cmd, "quit");
	ck_assert_int_eq(schedule_parse("when console \"(unclosed\": quit", ev, 8, &err),
			 -EINVAL);
	ck_assert_msg(strstr(err.msg, "(unclosed"), "%s", err.msg);
	ck_assert_int_eq(schedule_parse("when console holding: quit", ev, 8, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "expected console \"REGEX\""), "%s", err.msg);
	ck_assert_int_eq(schedule_parse("when console \"\": quit", ev, 8, &err), -EINVAL);
}
END_TEST

START_TEST(a_schedule_runs_in_time_order_and_names_a_bad_event)
{
	struct schedule_event ev[8];
	struct mv_error err;
	int n = schedule_parse("6s:balloon=0,2s:balloon=64M,500ms:pause", ev, 8, &err);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(ev[0].cmd, "pause");
	ck_assert(ev[0].at == 0.5 && ev[1].at == 2 && ev[2].at == 6);
	ck_assert_str_eq(ev[1].arg, "64M");
	ck_assert_int_eq(schedule_parse("2s:frob", ev, 8, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown command"));
	ck_assert_int_eq(schedule_parse("1s:stats,2s:stats", ev, 1, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 1 events"));
}
END_TEST

/* save=NAME and snapshot=NAME name files under the prefix, each with its
 * own extension; any other argument is the path itself. */
START_TEST(a_save_event_runs_a_save_request_on_the_file_it_names)
{
	struct schedule_event ev[8];
	struct mv_error err;
	int n = schedule_parse("when console \"ready\": save=warm,1s:save=/tmp/x.mvs,"
			       "2s:snapshot=warm", ev, 8, &err);
	ck_assert_msg(n == 3, "%s", err.msg);
	const char *want[][2] = { { "save", "out/snap-warm.mvs" }, { "save", "/tmp/x.mvs" },
				  { "snapshot", "out/snap-warm.core" } };
	for (int i = 0; i < n; i++) {
		json_object *req = schedule_event_request(&ev[i], "out/snap"), *v;
		ck_assert(json_object_object_get_ex(req, "cmd", &v));
		ck_assert_str_eq(json_object_get_string(v), want[i][0]);
		ck_assert(json_object_object_get_ex(req, "file", &v));
		ck_assert_str_eq(json_object_get_string(v), want[i][1]);
		json_object_put(req);
	}
	ck_assert_int_eq(schedule_parse("1s:save", ev, 8, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "save=FILE"), "%s", err.msg);
}
END_TEST

START_TEST(a_time_is_seconds_or_milliseconds_and_nothing_else)
{
	double t = -1;
	ck_assert_int_eq(schedule_parse_time("500ms", &t), 0);
	ck_assert(t == 0.5);
	ck_assert_int_eq(schedule_parse_time("2s", &t), 0);
	ck_assert(t == 2);
	ck_assert_int_eq(schedule_parse_time("1.5", &t), 0);
	ck_assert(t == 1.5);
	const char *not_times[] = { "", "s", "-1s", "2m", "2s ", "1,2", "nan", "inf", "1e999", "exit", "snap-a" };
	for (size_t i = 0; i < sizeof(not_times) / sizeof(*not_times); i++)
		ck_assert_msg(schedule_parse_time(not_times[i], &t) == -EINVAL, "'%s' parsed", not_times[i]);
	ck_assert_int_eq(schedule_parse_time_n("250ms:stats", 5, &t), 0);
	ck_assert(t == 0.25);
	ck_assert(scenario_snapshot_timed("exit") && scenario_snapshot_timed("2s"));
	ck_assert(!scenario_snapshot_timed("holding") && !scenario_snapshot_timed("2s,3s"));
}
END_TEST

/* ---- the server on a socket ------------------------------------------------ */

struct server {
	char dir[64], path[96];
	struct machine *m;
	struct control *c;
	struct mv_error err;           /* why the last server_start failed */
};

static struct control *server_start(struct server *s, const struct control_config *cfg)
{
	struct control_config c = *cfg;
	c.socket_path = s->path;
	return control_start(s->m, &c, &s->err);
}

static void server_open(struct server *s, const struct control_config *cfg)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/mv-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/ctl.sock", s->dir);
	s->m = calloc(1, sizeof(*s->m));
	ck_assert_ptr_nonnull(s->m);
	s->c = NULL;
	if (cfg)
		ck_assert_ptr_nonnull(s->c = server_start(s, cfg));
}

static void server_close(struct server *s)
{
	control_stop(s->c);
	unlink(s->path);
	rmdir(s->dir);
	free(s->m);
}

static int try_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int client(const char *path)
{
	int fd = try_connect(path);
	ck_assert_msg(fd >= 0, "connect %s: %s", path, strerror(errno));
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "send: %s", n < 0 ? strerror(errno) : "nothing sent");
		buf += n;
		len -= (size_t)n;
	}
}

/* A buffered line reader: replies are read as they arrive. */
struct reader {
	int fd;
	size_t len;
	char buf[1 << 17];
};

/* The next reply line (malloc'd, no newline), or NULL at end of stream;
 * fails the test when nothing comes within the hang guard. */
static char *read_line(struct reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			char *line = strndup(r->buf, (size_t)(nl - r->buf));
			r->len -= (size_t)(nl + 1 - r->buf);
			memmove(r->buf, nl + 1, r->len);
			return line;
		}
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ck_assert_msg(poll(&p, 1, HANG_GUARD_MS) == 1, "no reply within the hang guard");
		ck_assert_uint_lt(r->len, sizeof(r->buf));
		ssize_t n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n <= 0)
			return NULL;
		r->len += (size_t)n;
	}
}

static struct reader *reader_new(int fd)
{
	struct reader *r = calloc(1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	r->fd = fd;
	return r;
}

/* Sends one line and asserts its reply contains want (JSON-escaped). */
static void ask(int fd, const char *line, const char *want)
{
	struct reader *r = reader_new(fd);
	send_all(fd, line, strlen(line));
	char *reply = read_line(r);
	ck_assert_msg(reply && strstr(reply, want), "%s -> %s, not '%s'", line,
		      reply ? reply : "(closed)", want);
	free(reply);
	free(r);
}

static const struct control_config plain_server = { .socket_path = NULL };

START_TEST(the_socket_is_created_mode_0600)
{
	struct server s;
	struct stat st;
	server_open(&s, &plain_server);
	ck_assert_int_eq(lstat(s.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == 0600, "mode %o", st.st_mode & 07777);
	server_close(&s);
}
END_TEST

START_TEST(a_second_server_on_a_live_path_is_refused)
{
	struct server s;
	server_open(&s, &plain_server);
	ck_assert_ptr_null(server_start(&s, &plain_server));
	ck_assert_int_eq(s.err.code, -EADDRINUSE);
	ck_assert_ptr_nonnull(strstr(s.err.msg, "a server answers there"));
	int fd = client(s.path); /* the first server still answers there */
	ask(fd, "{\"cmd\":\"frob\"}\n", "unknown command \\\"frob\\\"");
	close(fd);
	server_close(&s);
}
END_TEST

START_TEST(a_stale_socket_is_replaced)
{
	struct server s;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	server_open(&s, NULL);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", s.path);
	int dead = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(dead, (struct sockaddr *)&a, sizeof(a)), 0);
	close(dead); /* bound, never listened: connecting is refused */
	ck_assert_int_lt(try_connect(s.path), 0);
	ck_assert_ptr_nonnull(s.c = server_start(&s, &plain_server));
	int fd = client(s.path);
	ask(fd, "{\"cmd\":\"frob\"}\n", "unknown command \\\"frob\\\"");
	close(fd);
	server_close(&s);
}
END_TEST

START_TEST(a_path_that_is_not_a_socket_is_left_alone)
{
	struct server s;
	struct stat st;
	server_open(&s, NULL);
	FILE *f = fopen(s.path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_ptr_null(server_start(&s, &plain_server));
	ck_assert_ptr_nonnull(strstr(s.err.msg, "exists and is not a socket"));
	ck_assert_int_eq(lstat(s.path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	server_close(&s);
}
END_TEST

/* 65,535 and 65,536 bytes are parsed; 65,537 are refused, and the same
 * connection goes on after the refused line. */
START_TEST(lines_at_the_limit_are_parsed_and_one_past_it_refused)
{
	static const size_t lens[] = { CONTROL_MAX_LINE - 1, CONTROL_MAX_LINE,
				       CONTROL_MAX_LINE + 1 };
	size_t n = lens[_i];
	struct server s;
	server_open(&s, &plain_server);
	int fd = client(s.path);
	struct reader *r = reader_new(fd);
	char *line = malloc(n + 1);
	memset(line, ' ', n);
	memcpy(line, "{\"cmd\":\"frob\"}", 14);
	line[n] = '\n';
	send_all(fd, line, n + 1);
	send_all(fd, "{\"cmd\":\"next\"}\n", 15);
	char *reply = read_line(r), *next = read_line(r);
	ck_assert_ptr_nonnull(reply);
	if (n <= CONTROL_MAX_LINE)
		ck_assert_msg(strstr(reply, "unknown command \\\"frob\\\""), "%zu bytes: %s", n, reply);
	else
		ck_assert_msg(strstr(reply, "longer than 65536 bytes"), "%zu bytes: %s", n, reply);
	ck_assert_msg(next && strstr(next, "unknown command \\\"next\\\""), "after %zu bytes: %s", n,
		      next ? next : "(closed)");
	free(reply);
	free(next);
	free(line);
	free(r);
	close(fd);
	server_close(&s);
}
END_TEST

/* Requests whose replies (about 130 bytes each) far exceed what a socket
 * buffers, and stay under CONTROL_MAX_OUTPUT in all. */
#define FLOOD 4000
static const char flood_line[] = "{\"cmd\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";

/* Sends count flood lines; when the server may drop the flooder part way
 * (dropped), a failed send ends the flood instead of the test. */
static void flood(int fd, int count, bool dropped)
{
	size_t n = sizeof(flood_line) - 1, len = n * (size_t)count;
	char *buf = malloc(len), *p = buf;
	for (int i = 0; i < count; i++)
		memcpy(buf + n * (size_t)i, flood_line, n);
	if (!dropped)
		send_all(fd, buf, len);
	for (ssize_t k; dropped && len && (k = send(fd, p, len, MSG_NOSIGNAL)) > 0; len -= (size_t)k)
		p += k;
	free(buf);
}

/* Replies read until count or the end of the stream. */
static int count_replies(struct reader *r, int count)
{
	int got = 0;
	char *line;
	while (got < count && (line = read_line(r))) {
		ck_assert_msg(strstr(line, "unknown command"), "reply %d: %s", got, line);
		free(line);
		got++;
	}
	return got;
}

START_TEST(a_client_that_never_reads_does_not_delay_another)
{
	struct server s;
	server_open(&s, &plain_server);
	int flooder = client(s.path);
	flood(flooder, FLOOD, false);
	/* Another client is answered while the flooder has read nothing... */
	int other = client(s.path);
	ask(other, "{\"cmd\":\"frob\"}\n", "unknown command \\\"frob\\\"");
	/* ...and the flooder was neither dropped nor short-changed for it. */
	struct reader *r = reader_new(flooder);
	int got = count_replies(r, FLOOD);
	ck_assert_msg(got == FLOOD, "the flooder got %d of %d replies", got, FLOOD);
	free(r);
	close(other);
	close(flooder);
	server_close(&s);
}
END_TEST

START_TEST(a_client_past_the_output_bound_is_dropped)
{
	struct control_config cfg = { .max_output = 64 * 1024 };
	struct server s;
	server_open(&s, &cfg);
	int flooder = client(s.path);
	flood(flooder, FLOOD, true);
	int other = client(s.path);
	ask(other, "{\"cmd\":\"frob\"}\n", "unknown command \\\"frob\\\"");
	struct reader *r = reader_new(flooder);
	int got = count_replies(r, FLOOD);
	ck_assert_msg(got < FLOOD, "the flooder got all %d replies past a 64 KiB bound", got);
	free(r);
	ask(other, "{\"cmd\":\"frob\"}\n", "unknown command \\\"frob\\\"");
	close(other);
	close(flooder);
	server_close(&s);
}
END_TEST

/* Waits for the server to close fd: read returns 0 (or the connection resets). */
static bool closed_by_server(int fd)
{
	char c;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, HANG_GUARD_MS / 2) != 1)
		return false;
	return read(fd, &c, 1) <= 0;
}

START_TEST(idle_clients_are_closed_and_their_slots_freed)
{
	struct control_config cfg = { .idle_timeout = 0.2 };
	struct server s;
	int fd[CONTROL_MAX_CLIENTS];
	server_open(&s, &cfg);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) /* every slot, none sending */
		fd[i] = client(s.path);
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		ck_assert_msg(closed_by_server(fd[i]), "idle client %d still open", i);
		close(fd[i]);
	}
	int late = client(s.path);
	ask(late, "{\"cmd\":\"frob\"}\n", "unknown command \\\"frob\\\"");
	close(late);
	server_close(&s);
}
END_TEST

Suite *control_suite(void);
Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("parse");
	tcase_add_loop_test(tc, each_request_of_the_protocol_parses, 0,
			    (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, a_malformed_request_is_refused_with_its_reason, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, a_line_longer_than_the_limit_is_refused_unparsed);
	tcase_add_test(tc, a_line_of_exactly_the_limit_is_parsed);
	tcase_add_test(tc, a_schedule_runs_in_time_order_and_names_a_bad_event);
	tcase_add_test(tc, when_events_lead_the_schedule_in_written_order);
	tcase_add_test(tc, a_console_event_keeps_the_colons_and_commas_of_its_pattern);
	tcase_add_test(tc, a_time_is_seconds_or_milliseconds_and_nothing_else);
	tcase_add_test(tc, a_save_event_runs_a_save_request_on_the_file_it_names);
	suite_add_tcase(s, tc);

	TCase *sock = tcase_create("socket");
	tcase_set_timeout(sock, 120);
	tcase_add_test(sock, the_socket_is_created_mode_0600);
	tcase_add_test(sock, a_second_server_on_a_live_path_is_refused);
	tcase_add_test(sock, a_stale_socket_is_replaced);
	tcase_add_test(sock, a_path_that_is_not_a_socket_is_left_alone);
	tcase_add_loop_test(sock, lines_at_the_limit_are_parsed_and_one_past_it_refused, 0, 3);
	tcase_add_test(sock, a_client_that_never_reads_does_not_delay_another);
	tcase_add_test(sock, a_client_past_the_output_bound_is_dropped);
	tcase_add_test(sock, idle_clients_are_closed_and_their_slots_freed);
	suite_add_tcase(s, sock);
	return s;
}
