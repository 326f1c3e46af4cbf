/*
 * fuzz_control.c: what the control socket and the command line parse
 * (vmm/live/control_request.c, vmm/lab/schedule.c): a request line
 * (control_parse_request, the parse and check half of control_handle_line,
 * with no machine behind it), a --pressure schedule and a --stats
 * argument, each from the same bytes.
 */
#include "control.h"
#include "fuzz.h"

#include <errno.h>

static void request(const uint8_t *data, size_t size)
{
	json_object *req;
	struct mv_error err;
	int rc = control_parse_request((const char *)data, size, &req, &err);
	if (rc == 0) {
		FUZZ_ASSERT(req && json_object_is_type(req, json_type_object));
		FUZZ_ASSERT(control_check_request(req, &err) == 0);
		json_object_put(req);
	} else {
		FUZZ_ASSERT(!req && fuzz_error_ok(&err, rc));
	}
}

static void schedule(const char *text)
{
	struct schedule_event ev[SCHEDULE_MAX_EVENTS];
	struct mv_error err;
	char path[64];
	double interval;
	int n = schedule_parse(text, ev, SCHEDULE_MAX_EVENTS, &err);
	FUZZ_ASSERT(n == -EINVAL || (n >= 0 && n <= SCHEDULE_MAX_EVENTS));
	for (int i = 1; i < n; i++)
		FUZZ_ASSERT(ev[i - 1].at <= ev[i].at);
	if (n < 0)
		FUZZ_ASSERT(fuzz_error_ok(&err, n));
	if (schedule_parse_stats_arg(text, path, sizeof(path), &interval) == 0)
		FUZZ_ASSERT(strlen(path) < sizeof(path) && interval >= 0.01);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	char *text = fuzz_string(data, size);
	schedule(text);
	free(text);
	return 0;
}
