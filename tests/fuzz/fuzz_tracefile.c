/*
 * fuzz_tracefile.c: the trace readers (vmm/cmd/tracefile.c) on arbitrary
 * bytes, in each format. A refusal must carry its reason; what is accepted
 * must add up: oracle-general takes every 24-byte record (kept or skipped
 * for size 0) of a file whose size is a multiple of 24, plain at most one
 * id per two bytes. Reading the same bytes through a stream in 64 KiB
 * chunks must give the same result as parsing them whole. An accepted
 * auto-detected trace then goes through `memvisor opt` itself (input as a
 * memfd made once per process; stdout to /dev/null).
 */
#include "fuzz.h"
#include "commands.h"
#include "tracefile.h"
#include "util.h"

#define FUZZ_MAX_REFS (1u << 20)

static void check_accepted(const struct tracefile *t, size_t size)
{
	FUZZ_ASSERT(t->n > 0 && t->n <= FUZZ_MAX_REFS);
	if (t->format == TRACEFILE_ORACLE_GENERAL) {
		FUZZ_ASSERT(size % TRACEFILE_RECORD == 0);
		FUZZ_ASSERT(t->n + t->skipped == size / TRACEFILE_RECORD);
	} else {
		FUZZ_ASSERT(t->format == TRACEFILE_PLAIN && t->n <= (size + 1) / 2);
	}
}

/* The same bytes read as a stream: the same outcome, the same ids. */
static void check_stream(const struct tracefile *whole, int rc, uint8_t *buf, size_t size,
			 enum tracefile_format format)
{
	struct tracefile t = { .name = "fuzz", .format = format, .max = FUZZ_MAX_REFS };
	struct mv_error err = { 0 };
	FILE *f = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "r");
	FUZZ_ASSERT(f);
	FUZZ_ASSERT(tracefile_read(&t, f, &err) == rc);
	fclose(f);
	FUZZ_ASSERT(rc || (t.n == whole->n && !memcmp(t.ids, whole->ids, t.n * sizeof(*t.ids))));
	tracefile_free(&t);
}

static void run_opt(const uint8_t *data, size_t size)
{
	char *argv[] = { strdup("opt"), strdup("--frames"), strdup("1,3"), strdup("--policy"),
			 strdup("fifo,lru-exact"), strdup(fuzz_input_file(data, size)), NULL };
	FUZZ_ASSERT(cmd_opt(6, argv) == 0);
	fflush(stdout);
	for (int i = 0; argv[i]; i++)
		free(argv[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fuzz_copy(data, size);
	for (int format = TRACEFILE_AUTO; format <= TRACEFILE_ORACLE_GENERAL; format++) {
		struct tracefile t = { .name = "fuzz", .format = format, .max = FUZZ_MAX_REFS };
		struct mv_error err = { 0 };
		int rc = tracefile_parse(&t, buf, size, &err);
		if (rc == 0)
			check_accepted(&t, size);
		else
			FUZZ_ASSERT(fuzz_error_ok(&err, rc));
		check_stream(&t, rc, buf, size, format);
		tracefile_free(&t);
		if (rc == 0 && format == TRACEFILE_AUTO)
			run_opt(data, size);
	}
	free(buf);
	return 0;
}
