/*
 * top_view.h: one frame of `memvisor top` as plain text lines, computed
 * from stats records (docs/control-protocol.md, "The stats record"); no
 * terminal involved, so it is unit-tested on fixed records.
 *
 * A frame: a header (uptime, interval, sort, whether the view or the guest
 * is paused), memory, balloon and swap, the LRU figures with scan and steal
 * rates, the free blocks of each zone per order (the buddy picture), the
 * largest slab caches, then the process table sorted by the view's key.
 * Rates are differences between the record and the one before it, divided
 * by the seconds between them; without an earlier record they show "-".
 * Sizes in the process table are KiB, as top(1) shows them.
 */
#ifndef VMM_TOP_VIEW_H
#define VMM_TOP_VIEW_H

#include <json-c/json.h>
#include <stdbool.h>

#define TOP_MAX_ROWS 256
#define TOP_MAX_COLS 255

/* Process table orders: descending, but pid ascending. */
enum top_sort { TOP_SORT_RSS, TOP_SORT_VSZ, TOP_SORT_SWAP, TOP_SORT_FAULTS, TOP_SORT_PID,
		TOP_NR_SORTS };

/* How a frame is drawn; the caller (cmd_top.c) owns and changes it. */
struct top_view {
	enum top_sort sort;
	int width, height;         /* the frame's size: at most TOP_MAX_COLS x TOP_MAX_ROWS */
	double interval;           /* seconds between samples, shown in the header */
	bool paused;               /* the view (not the guest) is not sampling */
};

struct top_frame {
	int n;                     /* lines used */
	char line[TOP_MAX_ROWS][TOP_MAX_COLS + 1];
};

/* The sort key's name, as the header shows it ("rss", "vsz", ...). */
const char *top_sort_name(enum top_sort s);

/* The next sort key after s (the 's' key), wrapping. */
enum top_sort top_sort_next(enum top_sort s);

/* Renders now (prev: the record before it, or NULL) into f. Never fails:
 * absent sections render as absent lines. */
void top_render(const struct top_view *v, json_object *now, json_object *prev,
		struct top_frame *f);

#endif
