/*
 * fuzz_snapfile.c: the snapshot reader (vmm/snap/snapfile.c) on arbitrary
 * files, and everything that renders what it accepts. A file it accepts
 * is walked as `show` does (every range of every space), so every count
 * it returns must match its arrays; then the input goes through the CLI
 * itself: `show` with every view, as text and --json, one space, and
 * `diff` of the file against itself, text and --json. Names the reader
 * hands out (zones, slabs, vmstat counters) must be strings: ASan sees a
 * printf or json-c read running off their end.
 *
 * The input reaches the commands as a memfd (/proc/self/fd/N), made once
 * per process (fuzz.h); their stdout goes to /dev/null.
 */
#include "fuzz.h"
#include "commands.h"
#include "snapfile.h"
#include "snapview.h"
#include "util.h"

#define MAX_ARGS 8

/* Reads a bitmap's last byte: ASan catches one shorter than it claims. */
static void touch_bitmap(const struct snap_bitmap_view *b)
{
	if (b->bits && b->pages)
		fuzz_touch(&b->bits[(b->pages - 1) / 8]);
}

static void render(const struct snap_file *f)
{
	char line[512];
	FUZZ_ASSERT(f->nr_spaces <= SNAPFILE_MAX_SPACES);
	for (size_t i = 0; i < f->nr_spaces; i++) {
		const struct snap_space_view *s = &f->spaces[i];
		snapview_space_name(&s->hdr, line, sizeof(line));
		FUZZ_ASSERT(snapfile_space(f, s->hdr.pid) != NULL);
		for (uint64_t r = 0; r < s->hdr.nr_ranges; r++) {
			snapview_range_line(&s->ranges[r], line, sizeof(line));
			json_object_put(snapview_range_json(&s->ranges[r]));
		}
	}
	for (size_t i = 0; i < f->nr_host; i++)
		touch_bitmap(&f->host[i]);
	for (size_t i = 0; i < f->nr_dirty; i++)
		touch_bitmap(&f->dirty[i]);
	if (f->log)
		FUZZ_ASSERT(strlen(f->log) < 1u << 30);
}

/* Runs one command on a writable copy of argv (getopt permutes it). */
static int run(int (*cmd)(int, char **), const char *const argv[])
{
	char *args[MAX_ARGS + 1] = { 0 };
	int argc = 0;
	while (argv[argc]) {
		FUZZ_ASSERT(argc < MAX_ARGS);
		args[argc] = strdup(argv[argc]);
		FUZZ_ASSERT(args[argc]);
		argc++;
	}
	int rc = cmd(argc, args);
	fflush(stdout);
	for (int i = 0; i < argc; i++)
		free(args[i]);
	return rc;
}

static void render_cli(const char *path)
{
	static const char *const views[] = { "maps", "tables", "nested", "zones", "slabs",
					     "vmstat", "log" };
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		const char *const text[] = { "show", path, "--view", views[i], NULL };
		const char *const json[] = { "show", path, "--json", "--view", views[i], NULL };
		FUZZ_ASSERT(run(cmd_show, text) == 0);
		FUZZ_ASSERT(run(cmd_show, json) == 0);
	}
	const char *const kernel[] = { "show", path, "--space", "kernel", "--view", "nested", NULL };
	run(cmd_show, kernel); /* 2 when the file has no kernel space */
	const char *const diff[] = { "diff", path, path, NULL };
	const char *const diff_json[] = { "diff", path, path, "--json", NULL };
	FUZZ_ASSERT(run(cmd_diff, diff) != MV_EXIT_USAGE);
	FUZZ_ASSERT(run(cmd_diff, diff_json) != MV_EXIT_USAGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_file f;
	struct mv_error err;
	uint8_t *buf = fuzz_copy(data, size);
	int rc = snapfile_parse(&f, buf, size, &err);
	if (rc == 0) {
		render(&f);
		snapfile_free(&f);
		render_cli(fuzz_input_file(data, size));
	} else {
		FUZZ_ASSERT(fuzz_error_ok(&err, rc));
	}
	free(buf);
	return 0;
}
