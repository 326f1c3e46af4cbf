/*
 * snapview.h: text and JSON renderings of a snapshot shared by `show` and
 * `diff`: flag letters, sizes, one mapping range, a space's title.
 */
#ifndef VMM_SNAPVIEW_H
#define VMM_SNAPVIEW_H

#include "snapfile.h"

#include <json-c/json.h>
#include <stdio.h>

/* "kernel" or the pid as text. */
const char *snapview_space_name(const struct snap_space *s, char *buf, size_t len);

/* Parses --space: "kernel" or a pid. Returns 0 or -EINVAL. */
int snapview_parse_space(const char *arg, int32_t *pid);

/* One range as a maps line (no newline). */
void snapview_range_line(const struct snap_range *r, char *buf, size_t len);

/* One range as a JSON object. */
json_object *snapview_range_json(const struct snap_range *r);

/* "4K", "2M", "1G" for a page shift. */
const char *snapview_page_size(unsigned shift);

#endif
