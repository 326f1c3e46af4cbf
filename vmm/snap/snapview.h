/*
 * snapview.h: text and JSON renderings of a snapshot shared by `show` and
 * `diff`: flag letters, sizes, one mapping range, a space's title, and
 * the x86 segments (descriptors decoded as the CPU reads them).
 */
#ifndef VMM_SNAPVIEW_H
#define VMM_SNAPVIEW_H

#include "snapfile.h"

#include <json-c/json.h>
#include <stdio.h>

/* "kernel", "cpuN" (SNAP_CPU_PID) or the pid as text. */
const char *snapview_space_name(const struct snap_space *s, char *buf, size_t len);

/* Parses --space: "kernel", "cpuN" or a pid. Returns 0 or -EINVAL. */
int snapview_parse_space(const char *arg, int32_t *pid);

/* One range as a maps line (no newline). */
void snapview_range_line(const struct snap_range *r, char *buf, size_t len);

/* One range as a JSON object. */
json_object *snapview_range_json(const struct snap_range *r);

/* "4K", "2M", "1G" for a page shift. */
const char *snapview_page_size(unsigned shift);

/*
 * Decodes the descriptor at byte off of a GDT of len bytes into *seg
 * (selector = off; limit scaled by the granularity bit). In long mode a
 * system descriptor (TSS, LDT) takes 16 bytes and its base has 64 bits.
 * Returns the bytes it takes (8 or 16), or 0 when they are not all there.
 */
size_t snapview_descriptor(const uint8_t *gdt, size_t len, size_t off, bool long_mode,
			   struct snap_segment *seg);

/* What a segment is: "null" (selector 0 or unusable), "code r-x 64-bit",
 * "data rw-", "tss busy"... */
const char *snapview_segment_kind(const struct snap_segment *seg, char *buf, size_t len);

/* One segment as a line: selector, base, limit, kind, DPL (no newline). */
void snapview_segment_line(const struct snap_segment *seg, char *buf, size_t len);

/* One segment as a JSON object (the fields of struct snap_segment and "kind"). */
json_object *snapview_segment_json(const struct snap_segment *seg);

#endif
