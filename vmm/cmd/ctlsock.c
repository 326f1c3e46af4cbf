/*
 * ctlsock.c: one request and its reply over the control socket (see
 * ctlsock.h). Owns nothing between calls: every request connects anew.
 */
#include "ctlsock.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RESPONSE_MAX (1 << 20)

/* A connected socket's fd, or a negative errno after printing why. */
static int connect_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path)) {
		mv_err("%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int code = mv_errno();
		mv_err("cannot connect to %s: %m (is memvisor running with --control %s?)", path,
		       path);
		if (fd >= 0)
			close(fd);
		return code;
	}
	return fd;
}

/* Reads one line; returns a malloc'd string without the newline, or NULL. */
static char *read_line(int fd)
{
	char *buf = malloc(RESPONSE_MAX);
	size_t len = 0;
	while (buf && len < RESPONSE_MAX - 1) {
		ssize_t n = read(fd, buf + len, RESPONSE_MAX - 1 - len);
		if (n <= 0)
			break;
		char *nl = memchr(buf + len, '\n', (size_t)n);
		if (nl) {
			*nl = 0;
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

json_object *ctlsock_request(const char *path, json_object *req)
{
	int fd = connect_socket(path);
	if (fd < 0)
		return NULL;
	const char *s = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	json_object *resp = NULL;
	if (write(fd, s, strlen(s)) == (ssize_t)strlen(s) && write(fd, "\n", 1) == 1) {
		char *line = read_line(fd);
		resp = line ? json_tokener_parse(line) : NULL;
		free(line);
	}
	close(fd);
	if (!resp)
		mv_err("%s: no valid response", path);
	return resp;
}

json_object *ctlsock_stats(const char *path)
{
	json_object *req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("stats"));
	json_object *resp = ctlsock_request(path, req);
	json_object_put(req);
	return resp;
}

bool ctlsock_ok(json_object *resp)
{
	json_object *ok, *err;
	if (json_object_object_get_ex(resp, "ok", &ok) && json_object_get_boolean(ok))
		return true;
	json_object_object_get_ex(resp, "error", &err);
	mv_err("%s", err ? json_object_get_string(err) : "request failed");
	return false;
}

uint64_t ctlsock_u64(json_object *o, const char *a, const char *b)
{
	json_object *x = o, *y;
	if ((a && !json_object_object_get_ex(o, a, &x)) || !json_object_object_get_ex(x, b, &y))
		return 0;
	return (uint64_t)json_object_get_int64(y);
}
