/*
 * snapdiff.h: what changed between two snapshots, computed once into a
 * structure that `diff` prints (text or JSON), `test` judges (scenario
 * diff expectations) and `report` tabulates, all in-process.
 *
 * Interface:
 *   snapdiff_compute  two snapshots already read -> struct snap_diff
 *   snapdiff_files    the same from two file names
 *   snapdiff_json     the structure as `diff --json` prints it
 *   snapdiff_free
 *
 * What counts: per address space the ranges added, removed and changed
 * (flags, target frames, page size), zone free counts (total and per
 * order; a zone is its name on its node), per node (when either snapshot
 * has several) free pages and numa_* counters, slab caches' active
 * objects and vmstat counters. Dirty pages are
 * reported but are not a difference: the comparison is of layout and
 * allocator state, not of memory contents.
 *
 * Invariants: ranges of a space are in address order, adjacent pieces of
 * the same change merged into one; zones, slabs and counters are listed
 * only when they differ and only when both snapshots have them, as are
 * nodes; differences counts every range, zone, node, slab and counter
 * listed.
 */
#ifndef VMM_SNAPDIFF_H
#define VMM_SNAPDIFF_H

#include "recjson.h"
#include "snapfile.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum snapdiff_change { SNAPDIFF_ADDED, SNAPDIFF_REMOVED, SNAPDIFF_CHANGED };

/* What a SNAPDIFF_CHANGED range changed. */
#define SNAPDIFF_FLAGS  1u
#define SNAPDIFF_FRAMES 2u
#define SNAPDIFF_SIZE   4u

struct snapdiff_range {
	enum snapdiff_change kind;
	unsigned what;                 /* SNAPDIFF_* of a changed range, else 0 */
	struct snap_range range;       /* the piece as in B (as in A when removed) */
	struct snap_range old;         /* the same piece as in A, for a changed range */
};

enum snapdiff_presence { SNAPDIFF_IN_BOTH, SNAPDIFF_GONE, SNAPDIFF_NEW };

struct snapdiff_space {
	char name[48];                 /* snapview_space_name */
	enum snapdiff_presence presence;
	struct snapdiff_range *ranges; /* in address order */
	size_t nr_ranges;
};

struct snapdiff_zone {
	struct snap_zone before, after;
};

struct snapdiff_node {
	struct recjson_node before, after;
};

struct snapdiff_counter {
	char name[32];
	uint64_t before, after;
};

struct snap_diff {
	struct snapdiff_space *spaces; /* A's spaces in A's order, then those only in B */
	size_t nr_spaces;
	struct snapdiff_zone *zones;   /* zones whose free counts differ, in B's order */
	size_t nr_zones;
	struct snapdiff_node *nodes;   /* nodes whose free pages or numa_* differ, by number */
	size_t nr_nodes;
	struct snapdiff_counter *slabs;  /* active objects of caches that differ */
	size_t nr_slabs;
	struct snapdiff_counter *vmstat; /* counters that differ */
	size_t nr_vmstat;
	bool dirty_known;              /* B is the next snapshot of a dirty-logged run */
	uint64_t dirty_pages;          /* pages written between A and B, when known */
	unsigned differences;
};

/* Fills *d with what changed from a to b. Returns 0, or -ENOMEM with *d
 * empty. */
int snapdiff_compute(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d);

/* Reads both files and computes their diff. Returns 0, or a negative
 * errno with one line in err (a file that cannot be read: snapfile_read's code). */
int snapdiff_files(const char *a, const char *b, struct snap_diff *d, struct mv_error *err);

/* The diff as `memvisor diff --json` prints it: a new object. */
json_object *snapdiff_json(const struct snap_diff *d);

void snapdiff_free(struct snap_diff *d);

#endif
