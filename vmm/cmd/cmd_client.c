/*
 * cmd_client.c: the CLI clients of the control socket: `memvisor balloon
 * SOCK SIZE`, `stats SOCK [--json]`, `pause|resume|quit SOCK`. Each sends
 * one request line and prints the response. `snapshot SOCK FILE
 * [--memory]` and `save SOCK FILE [--stop] [--since BASE]` too.
 *
 * Exit status: 0 when the VMM answered ok, 1 when it answered with an
 * error, 2 for usage errors or an unreachable socket.
 */
#include "commands.h"
#include "ctlsock.h"
#include "util.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int client_usage(const char *cmd)
{
	if (!strcmp(cmd, "balloon"))
		fprintf(stderr, "usage: memvisor balloon SOCK SIZE\n"
			"Sets the balloon size, i.e. the memory taken from the guest "
			"(e.g. 64M; 0 gives it all back).\n");
	else if (!strcmp(cmd, "stats"))
		fprintf(stderr, "usage: memvisor stats SOCK [--json]\n");
	else if (!strcmp(cmd, "snapshot"))
		fprintf(stderr, "usage: memvisor snapshot SOCK FILE [--memory]\n"
			"Writes an ELF core snapshot of the running VM (with --memory, all of RAM).\n");
	else if (!strcmp(cmd, "save"))
		fprintf(stderr, "usage: memvisor save SOCK FILE [--stop] [--since BASE]\n"
			"Saves the running VM to FILE (memvisor run --restore FILE resumes it);\n"
			"it runs on unless --stop is given. --since BASE: a diff save, only the\n"
			"pages changed since BASE, the VM's last save (or the file it was\n"
			"restored from); a restore of FILE reads BASE first.\n");
	else
		fprintf(stderr, "usage: memvisor %s SOCK\n", cmd);
	return MV_EXIT_USAGE;
}

static void print_size_pair(const char *label, uint64_t a, const char *la, uint64_t b,
			    const char *lb)
{
	char x[32], y[32];
	printf("%-10s %s %-10s %s %s\n", label, la, mv_format_size(a, x, sizeof(x)), lb,
	       mv_format_size(b, y, sizeof(y)));
}

/* A --numa guest's nodes: each one's RAM, resident part and host node. */
static void print_host_nodes(json_object *resp)
{
	json_object *host, *nodes, *bound;
	if (!json_object_object_get_ex(resp, "host", &host) ||
	    !json_object_object_get_ex(host, "nodes", &nodes))
		return;
	json_object_object_foreach(nodes, n, e) {
		char label[24], x[32], y[32];
		snprintf(label, sizeof(label), "node %s", n);
		printf("%-10s ram    %-10s resident %-10s", label,
		       mv_format_size(ctlsock_u64(e, NULL, "ram"), x, sizeof(x)),
		       mv_format_size(ctlsock_u64(e, NULL, "resident"), y, sizeof(y)));
		if (json_object_object_get_ex(e, "host_node", &bound) && bound)
			printf(" host node %d\n", json_object_get_int(bound));
		else
			printf(" (not bound: one host node)\n");
	}
}

static void print_stats(json_object *resp)
{
	json_object *t, *g;
	json_object_object_get_ex(resp, "time", &t);
	printf("uptime     %.1f s\n", t ? json_object_get_double(t) : 0.0);
	print_size_pair("balloon", ctlsock_u64(resp, "balloon", "target"), "target",
			ctlsock_u64(resp, "balloon", "actual"), "actual");
	print_size_pair("host", ctlsock_u64(resp, "host", "ram"), "ram   ",
			ctlsock_u64(resp, "host", "resident"), "resident");
	print_host_nodes(resp);
	if (json_object_object_get_ex(resp, "guest", &g)) {
		json_object_object_foreach(g, key, val)
			printf("guest      %-18s %lld\n", key, (long long)json_object_get_int64(val));
	}
}

/* Adds key: arg made absolute for the VMM (which runs elsewhere). */
static void add_path(json_object *req, const char *key, const char *arg)
{
	char path[PATH_MAX];
	if (arg[0] == '/' || !getcwd(path, sizeof(path)))
		snprintf(path, sizeof(path), "%s", arg);
	else if (strlen(path) + strlen(arg) + 2 < sizeof(path))
		strcat(strcat(path, "/"), arg);
	json_object_object_add(req, key, json_object_new_string(path));
}

/* snapshot SOCK FILE [--memory]: the flag becomes the boolean key. */
static json_object *file_request(json_object *req, int argc, char **argv, const char *flag,
				 const char *key)
{
	bool set = argc == 4 && !strcmp(argv[3], flag);
	if ((argc != 3 && !set) || !argv[2][0]) {
		json_object_put(req);
		return NULL;
	}
	add_path(req, "file", argv[2]);
	json_object_object_add(req, key, json_object_new_boolean(set));
	return req;
}

/* save SOCK FILE [--stop] [--since BASE], the options in any order. */
static json_object *save_request(json_object *req, int argc, char **argv)
{
	bool stop = false, ok = argc >= 3 && argv[2][0];
	for (int i = 3; ok && i < argc; i++) {
		if (!strcmp(argv[i], "--stop"))
			stop = true;
		else if (!strcmp(argv[i], "--since") && i + 1 < argc && argv[i + 1][0])
			add_path(req, "since", argv[++i]);
		else
			ok = false;
	}
	if (!ok) {
		json_object_put(req);
		return NULL;
	}
	add_path(req, "file", argv[2]);
	json_object_object_add(req, "stop", json_object_new_boolean(stop));
	return req;
}

static json_object *build_request(int argc, char **argv)
{
	json_object *req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string(argv[0]));
	if (!strcmp(argv[0], "snapshot"))
		return file_request(req, argc, argv, "--memory", "memory");
	if (!strcmp(argv[0], "save"))
		return save_request(req, argc, argv);
	if (!strcmp(argv[0], "balloon")) {
		uint64_t bytes;
		struct mv_error err;
		if (argc != 3 || mv_parse_size(argv[2], &bytes, &err) < 0) {
			if (argc == 3)
				mv_err("%s", err.msg);
			json_object_put(req);
			return NULL;
		}
		json_object_object_add(req, "target", json_object_new_string(argv[2]));
	}
	return req;
}

int cmd_client(int argc, char **argv)
{
	bool json = argc == 3 && !strcmp(argv[0], "stats") && !strcmp(argv[2], "--json");
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		client_usage(argv[0]);
		return 0;
	}
	bool takes_args = !strcmp(argv[0], "balloon") || !strcmp(argv[0], "snapshot") ||
			  !strcmp(argv[0], "save");
	if (argc < 2 || (argc > 2 && !takes_args && !json))
		return client_usage(argv[0]);
	json_object *req = build_request(argc, argv);
	if (!req)
		return client_usage(argv[0]);
	json_object *resp = ctlsock_request(argv[1], req);
	json_object_put(req);
	if (!resp)
		return MV_EXIT_USAGE;
	int rc = ctlsock_ok(resp) ? 0 : 1;
	if (!rc && json)
		printf("%s\n", json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PRETTY));
	else if (!rc && !strcmp(argv[0], "stats"))
		print_stats(resp);
	else if (!rc && !strcmp(argv[0], "snapshot"))
		printf("snapshot written to %s\n", json_object_get_string(
			json_object_object_get(resp, "file")));
	else if (!rc && !strcmp(argv[0], "save"))
		printf("saved to %s: %llu of %llu pages%s\n", json_object_get_string(
			json_object_object_get(resp, "file")),
		       (unsigned long long)ctlsock_u64(resp, NULL, "pages_saved"),
		       (unsigned long long)ctlsock_u64(resp, NULL, "pages_total"),
		       ctlsock_u64(resp, NULL, "stopped") ? "; the VM stopped" : "");
	else if (!rc && !strcmp(argv[0], "balloon"))
		print_size_pair("balloon", ctlsock_u64(resp, NULL, "target"), "target",
				ctlsock_u64(resp, NULL, "actual"), "actual");
	json_object_put(resp);
	return rc;
}
