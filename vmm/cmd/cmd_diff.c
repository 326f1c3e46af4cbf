/*
 * cmd_diff.c: `memvisor diff A B [--json]`: prints what changed between
 * two snapshots (snapdiff.h computes it): per address space the ranges
 * added, removed and changed, zone free counts per order, per node (with
 * several) free pages and numa_* counters, slab caches, vmstat counters,
 * and the pages dirtied between them.
 *
 * Exit status like diff(1): 0 equal, 1 different, 2 trouble. Dirty pages
 * are reported but do not by themselves make snapshots different.
 */
#include "commands.h"
#include "snapdiff.h"
#include "snapview.h"
#include "ptwalk.h"
#include "util.h"

#include <errno.h>
#include <string.h>

static void print_changed(const struct snapdiff_range *r)
{
	char fa[32], fb[32];
	printf("~ %016llx-%016llx", (unsigned long long)r->range.va,
	       (unsigned long long)(r->range.va + r->range.len));
	if (r->what & SNAPDIFF_FLAGS)
		printf("  flags %s -> %s", ptw_flag_string(r->old.flags, fa, sizeof(fa)),
		       ptw_flag_string(r->range.flags, fb, sizeof(fb)));
	if (r->what & SNAPDIFF_FRAMES)
		printf("  frames pa %#llx -> %#llx", (unsigned long long)r->old.pa,
		       (unsigned long long)r->range.pa);
	if (r->what & SNAPDIFF_SIZE)
		printf("  page size %s -> %s%s", snapview_page_size(r->old.shift),
		       snapview_page_size(r->range.shift),
		       r->old.shift > r->range.shift ? " (split)" : "");
	printf("\n");
}

static void print_spaces(const struct snap_diff *d)
{
	static const char *const presence[] = { "", " (gone)", " (new)" };
	char line[200];
	for (size_t i = 0; i < d->nr_spaces; i++) {
		const struct snapdiff_space *sp = &d->spaces[i];
		printf("# space %s%s\n", sp->name, presence[sp->presence]);
		for (size_t k = 0; k < sp->nr_ranges; k++) {
			const struct snapdiff_range *r = &sp->ranges[k];
			if (r->kind == SNAPDIFF_CHANGED) {
				print_changed(r);
				continue;
			}
			snapview_range_line(&r->range, line, sizeof(line));
			printf("%c %s\n", r->kind == SNAPDIFF_ADDED ? '+' : '-', line);
		}
	}
}

static void print_zones(const struct snap_diff *d)
{
	for (size_t i = 0; i < d->nr_zones; i++) {
		const struct snap_zone *za = &d->zones[i].before, *zb = &d->zones[i].after;
		if (zb->node)
			printf("Node %u, ", zb->node);
		printf("zone %-8s free %llu -> %llu (%+lld pages); per order:", zb->name,
		       (unsigned long long)za->free_pages, (unsigned long long)zb->free_pages,
		       (long long)zb->free_pages - (long long)za->free_pages);
		for (int k = 0; k < SNAP_MAX_ORDERS; k++)
			printf(" %+lld", (long long)zb->nr_free[k] - (long long)za->nr_free[k]);
		printf("\n");
	}
}

static void print_nodes(const struct snap_diff *d)
{
	for (size_t i = 0; i < d->nr_nodes; i++) {
		const struct recjson_node *na = &d->nodes[i].before, *nb = &d->nodes[i].after;
		printf("node %u free %llu -> %llu (%+lld pages);", nb->node,
		       (unsigned long long)na->free_pages, (unsigned long long)nb->free_pages,
		       (long long)nb->free_pages - (long long)na->free_pages);
		for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
			printf(" %s %+lld", snap_numa_stat_name(k),
			       (long long)(nb->numa[k] - na->numa[k]));
		printf("\n");
	}
}

static void print_counters(const char *section, const struct snapdiff_counter *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s %-24s %llu -> %llu (%+lld)\n", section, c[i].name,
		       (unsigned long long)c[i].before, (unsigned long long)c[i].after,
		       (long long)(c[i].after - c[i].before));
}

static void print_text(const struct snap_diff *d)
{
	print_spaces(d);
	print_zones(d);
	print_nodes(d);
	print_counters("slab", d->slabs, d->nr_slabs);
	print_counters("vmstat", d->vmstat, d->nr_vmstat);
	if (d->dirty_known)
		printf("dirty: %llu pages written between the snapshots\n",
		       (unsigned long long)d->dirty_pages);
	else
		printf("dirty: unknown (B is not the next snapshot of a run with dirty logging)\n");
}

int cmd_diff(int argc, char **argv)
{
	bool json = argc == 4 && !strcmp(argv[3], "--json");
	struct snap_diff d;
	struct mv_error err;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: memvisor diff A B [--json]\nExit status: 0 equal, 1 different, 2 error.\n");
		return 0;
	}
	if (argc != 3 && !json) {
		fprintf(stderr, "usage: memvisor diff A B [--json]\n");
		return MV_EXIT_USAGE;
	}
	int rc = snapdiff_files(argv[1], argv[2], &d, &err);
	if (rc < 0) {
		mv_err("%s", err.msg);
		return rc == -ENOMEM ? MV_EXIT_HOST_ERROR : MV_EXIT_USAGE;
	}

	if (json) {
		json_object *j = snapdiff_json(&d);
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
		json_object_put(j);
	} else {
		print_text(&d);
	}
	rc = d.differences ? 1 : 0;
	snapdiff_free(&d);
	return rc;
}
