/*
 * fuzz_snapfile.c: the snapshot reader (vmm/snapfile.c) on arbitrary
 * files. A file it accepts is rendered the way `show` does (every range
 * of every space), so every count it returns must match its arrays.
 */
#include "fuzz.h"
#include "snapfile.h"
#include "snapview.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap_file f;
	char err[256];
	uint8_t *buf = fuzz_copy(data, size);
	if (snapfile_parse(&f, buf, size, err, sizeof(err)) == 0) {
		render(&f);
		snapfile_free(&f);
	} else {
		FUZZ_ASSERT(fuzz_err_ok(err, sizeof(err)));
	}
	free(buf);
	return 0;
}
