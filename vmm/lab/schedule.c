/*
 * schedule.c: parses the --pressure schedule and the --stats argument
 * (see schedule.h). Pure text to structures: no machine, no I/O.
 */
#include "schedule.h"
#include "console_watch.h"
#include "expect.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int schedule_parse_time_n(const char *s, size_t n, double *out)
{
	char buf[32];
	char *end;
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	double v = strtod(buf, &end);
	if (end == buf || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	*out = v;
	return 0;
}

int schedule_parse_time(const char *s, double *seconds)
{
	return schedule_parse_time_n(s, strlen(s), seconds);
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

int schedule_console_pattern(const char *cond, char *re, size_t relen)
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
static int parse_trigger(const char *s, size_t n, struct schedule_event *e)
{
	e->when[0] = 0;
	if (n > 5 && !strncmp(s, "when ", 5)) {
		if (n - 5 >= sizeof(e->when))
			return -EINVAL;
		memcpy(e->when, s + 5, n - 5);
		e->when[n - 5] = 0;
		e->at = -1;
		return 0;
	}
	return schedule_parse_time_n(s, n, &e->at);
}

static int parse_event(const char *s, size_t n, struct schedule_event *e, struct mv_error *err)
{
	const char *colon = find_unquoted(s, n, ':');
	if (!colon || parse_trigger(s, (size_t)(colon - s), e) < 0) {
		return mv_fail(err, -EINVAL, "'%.*s': expected TIME:COMMAND or when CONDITION:COMMAND, "
			 "e.g. 2s:balloon=64M", (int)n, s);
	}
	const char *cmd = colon + 1;
	while (cmd < s + n && *cmd == ' ')
		cmd++;
	const char *eq = memchr(cmd, '=', n - (size_t)(cmd - s));
	size_t clen = (size_t)((eq ? eq : s + n) - cmd);
	size_t alen = eq ? n - (size_t)(eq + 1 - s) : 0;
	if (clen == 0 || clen >= sizeof(e->cmd) || alen >= sizeof(e->arg))
		return mv_fail(err, -EINVAL, "'%.*s': bad command", (int)n, s);
	memcpy(e->cmd, cmd, clen);
	e->cmd[clen] = 0;
	memcpy(e->arg, eq ? eq + 1 : "", alen);
	e->arg[alen] = 0;
	return 0;
}

bool schedule_snapshot_is_name(const char *arg)
{
	return arg[0] && arg[strspn(arg, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] == 0;
}

json_object *schedule_event_request(const struct schedule_event *e, const char *prefix)
{
	json_object *req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(e->cmd));
	if (!strcmp(e->cmd, "balloon"))
		json_object_object_add(req, "target", json_object_new_string(e->arg));
	if (!strcmp(e->cmd, "snapshot") || !strcmp(e->cmd, "save")) {
		char file[512];
		snprintf(file, sizeof(file), "%s-%s.%s", prefix, e->arg,
			 !strcmp(e->cmd, "save") ? "mvs" : "core");
		json_object_object_add(req, "file", json_object_new_string(
			schedule_snapshot_is_name(e->arg) ? file : e->arg));
	}
	if (!strcmp(e->cmd, "snapshot"))
		json_object_object_add(req, "reason", json_object_new_string("schedule"));
	return req;
}

/* Whether the event names a known command with the argument it needs. */
static int check_event(const struct schedule_event *e, struct mv_error *err)
{
	static const char *const plain[] = { "stats", "pause", "resume", "quit" };
	uint64_t bytes;
	struct mv_error why;
	char re[sizeof(e->when)];
	int console = e->when[0] ? schedule_console_pattern(e->when, re, sizeof(re)) : -1;
	if (console == -2)
		return mv_fail(err, -EINVAL, "when %s: expected console \"REGEX\"", e->when);
	if (console == 0 && console_watch_check(re, &why) < 0)
		return mv_fail(err, -EINVAL, "when %s: %s", e->when, why.msg);
	if (e->when[0] && console < 0) {
		struct expect_cond *cond = expect_parse(e->when, EXPECT_STATS, &why);
		if (!cond)
			return mv_fail(err, -EINVAL, "when %s: %s", e->when, why.msg);
		expect_free(cond);
	}
	if (!strcmp(e->cmd, "balloon")) {
		if (mv_parse_size(e->arg, &bytes, &why) == 0)
			return 0;
		return mv_fail(err, -EINVAL, "balloon=%s: %s", e->arg, why.msg);
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (!strcmp(e->cmd, plain[i]) && !e->arg[0])
			return 0;
	if ((!strcmp(e->cmd, "snapshot") || !strcmp(e->cmd, "save")) && e->arg[0])
		return 0;
	return mv_fail(err, -EINVAL, "'%s%s%s': unknown command (balloon=SIZE, snapshot=FILE, "
		 "save=FILE, stats, pause, resume, quit)", e->cmd, e->arg[0] ? "=" : "", e->arg);
}

int schedule_parse(const char *text, struct schedule_event *ev, int max, struct mv_error *err)
{
	int n = 0;
	const char *p = text;
	while (*p) {
		const char *comma = find_unquoted(p, strlen(p), ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == max)
			return mv_fail(err, -EINVAL, "more than %d events", max);
		int rc = parse_event(p, len, &ev[n], err);
		if (rc < 0 || (rc = check_event(&ev[n], err)) < 0)
			return rc;
		for (int k = n; k > 0 && ev[k].at < ev[k - 1].at; k--) { /* keep time order */
			struct schedule_event t = ev[k];
			ev[k] = ev[k - 1];
			ev[k - 1] = t;
		}
		n++;
		p += len + (p[len] == ',');
	}
	return n;
}

int schedule_parse_stats_arg(const char *arg, char *path, size_t pathlen, double *interval)
{
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	*interval = 1.0;
	if (colon && (schedule_parse_time(colon + 1, interval) < 0 || *interval < 0.01))
		return -EINVAL;
	if (n == 0 || n >= pathlen)
		return -EINVAL;
	memcpy(path, arg, n);
	path[n] = 0;
	return 0;
}
