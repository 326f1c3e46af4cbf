/*
 * cmd_diff.c: `memvisor diff A B [--json]`: what changed between two
 * snapshots: per address space the ranges added, removed and changed
 * (flags, target frames, page size), zone free counts per order, slab
 * caches, vmstat counters, and the pages dirtied between them.
 *
 * Exit status like diff(1): 0 equal, 1 different, 2 trouble. Dirty pages
 * are reported but do not by themselves make snapshots different: the
 * comparison is of layout and allocator state, not of memory contents.
 */
#include "commands.h"
#include "snapfile.h"
#include "snapview.h"
#include "ptwalk.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum change { CH_NONE, CH_ADDED, CH_REMOVED, CH_CHANGED };
#define WHAT_FLAGS  1u
#define WHAT_FRAMES 2u
#define WHAT_SIZE   4u

/* One run of the sweep over both range lists. */
struct seg {
	uint64_t start, end;
	enum change kind;
	unsigned what;                 /* WHAT_* for CH_CHANGED */
	const struct snap_range *a, *b;
};

struct diff_out {
	json_object *j;                /* NULL: text */
	unsigned differences;
};

/* The range of list r (n entries, from *i on) covering x, advancing *i. */
static const struct snap_range *covering(const struct snap_range *r, uint32_t n, uint32_t *i,
					 uint64_t x)
{
	while (*i < n && r[*i].va + r[*i].len <= x)
		(*i)++;
	return *i < n && r[*i].va <= x ? &r[*i] : NULL;
}

static uint64_t next_edge(const struct snap_range *r, uint32_t n, uint32_t i, uint64_t x)
{
	if (i >= n)
		return UINT64_MAX;
	return r[i].va > x ? r[i].va : r[i].va + r[i].len;
}

static void classify(struct seg *s)
{
	s->what = 0;
	if (!s->a || !s->b) {
		s->kind = s->a ? CH_REMOVED : s->b ? CH_ADDED : CH_NONE;
		return;
	}
	if (s->a->flags != s->b->flags)
		s->what |= WHAT_FLAGS;
	if (s->a->pa + (s->start - s->a->va) != s->b->pa + (s->start - s->b->va))
		s->what |= WHAT_FRAMES;
	if (s->a->shift != s->b->shift)
		s->what |= WHAT_SIZE;
	s->kind = s->what ? CH_CHANGED : CH_NONE;
}

static bool same_run(const struct seg *p, const struct seg *s)
{
	return p->end == s->start && p->kind == s->kind && p->what == s->what &&
	       (!p->a) == (!s->a) && (!p->b) == (!s->b) &&
	       (!p->a || (p->a->flags == s->a->flags && p->a->shift == s->a->shift)) &&
	       (!p->b || (p->b->flags == s->b->flags && p->b->shift == s->b->shift));
}

static void print_seg(const struct seg *s, struct diff_out *o, json_object *arrs[3])
{
	char fa[32], fb[32];
	const struct snap_range *r = s->b ? s->b : s->a;
	struct snap_range piece = *r;
	piece.pa = r->pa + (s->start - r->va);
	piece.va = s->start;
	piece.len = s->end - s->start;
	o->differences++;
	if (o->j) {
		json_object *e = snapview_range_json(&piece);
		if (s->kind == CH_CHANGED) {
			json_object_object_add(e, "old_flags", json_object_new_string(
				ptw_flag_string(s->a->flags, fa, sizeof(fa))));
			json_object_object_add(e, "old_pa", json_object_new_uint64(
				s->a->pa + (s->start - s->a->va)));
			json_object_object_add(e, "old_page_size",
					       json_object_new_uint64(1ull << s->a->shift));
		}
		json_object_array_add(arrs[s->kind - 1], e);
		return;
	}
	char line[200];
	snapview_range_line(&piece, line, sizeof(line));
	if (s->kind != CH_CHANGED) {
		printf("%c %s\n", s->kind == CH_ADDED ? '+' : '-', line);
		return;
	}
	printf("~ %016llx-%016llx", (unsigned long long)s->start, (unsigned long long)s->end);
	if (s->what & WHAT_FLAGS)
		printf("  flags %s -> %s", ptw_flag_string(s->a->flags, fa, sizeof(fa)),
		       ptw_flag_string(s->b->flags, fb, sizeof(fb)));
	if (s->what & WHAT_FRAMES)
		printf("  frames pa %#llx -> %#llx",
		       (unsigned long long)(s->a->pa + (s->start - s->a->va)),
		       (unsigned long long)piece.pa);
	if (s->what & WHAT_SIZE)
		printf("  page size %s -> %s%s", snapview_page_size(s->a->shift),
		       snapview_page_size(s->b->shift), s->a->shift > s->b->shift ? " (split)" : "");
	printf("\n");
}

static void diff_space(const struct snap_space_view *A, const struct snap_space_view *B,
		       struct diff_out *o, json_object *arrs[3])
{
	uint32_t ia = 0, ib = 0;
	uint64_t x = 0;
	struct seg run = { .kind = CH_NONE };
	for (;;) {
		struct seg s = { .start = x };
		s.a = covering(A->ranges, A->hdr.nr_ranges, &ia, x);
		s.b = covering(B->ranges, B->hdr.nr_ranges, &ib, x);
		uint64_t ea = next_edge(A->ranges, A->hdr.nr_ranges, ia, x);
		uint64_t eb = next_edge(B->ranges, B->hdr.nr_ranges, ib, x);
		s.end = ea < eb ? ea : eb;
		if (s.end == UINT64_MAX && !s.a && !s.b)
			break;
		classify(&s);
		if (run.kind != CH_NONE && !same_run(&run, &s)) {
			print_seg(&run, o, arrs);
			run.kind = CH_NONE;
		}
		if (s.kind != CH_NONE) {
			if (run.kind == CH_NONE)
				run = s;
			else
				run.end = s.end;
		}
		if (s.end <= x || s.end == UINT64_MAX)
			break;
		x = s.end;
	}
	if (run.kind != CH_NONE)
		print_seg(&run, o, arrs);
}

static void diff_spaces(const struct snap_file *a, const struct snap_file *b, struct diff_out *o)
{
	static const struct snap_space_view empty;
	json_object *all = o->j ? json_object_new_object() : NULL;
	for (size_t pass = 0; pass < 2; pass++) {
		const struct snap_file *x = pass ? b : a, *y = pass ? a : b;
		for (size_t i = 0; i < x->nr_spaces; i++) {
			const struct snap_space_view *sx = &x->spaces[i];
			const struct snap_space_view *sy = snapfile_space(y, sx->hdr.pid);
			char name[48];
			if (pass && sy)
				continue; /* spaces in both were done in the first pass */
			const struct snap_space_view *A = pass ? &empty : sx;
			const struct snap_space_view *B = pass ? sx : (sy ? sy : &empty);
			json_object *arrs[3] = { NULL, NULL, NULL };
			snapview_space_name(&sx->hdr, name, sizeof(name));
			if (all)
				for (int k = 0; k < 3; k++)
					arrs[k] = json_object_new_array();
			else
				printf("# space %s%s\n", name, !sy ? (pass ? " (new)" : " (gone)") : "");
			diff_space(A, B, o, arrs);
			if (!all)
				continue;
			json_object *e = json_object_new_object();
			json_object_object_add(e, "added", arrs[0]);
			json_object_object_add(e, "removed", arrs[1]);
			json_object_object_add(e, "changed", arrs[2]);
			json_object_object_add(all, name, e);
		}
	}
	if (all)
		json_object_object_add(o->j, "spaces", all);
}

static const struct snap_zone *find_zone(const struct snap_file *f, const char *name)
{
	for (size_t i = 0; i < f->nr_zones; i++)
		if (!strncmp(f->zones[i].name, name, sizeof(f->zones[i].name)))
			return &f->zones[i];
	return NULL;
}

static void diff_zones(const struct snap_file *a, const struct snap_file *b, struct diff_out *o)
{
	json_object *all = o->j ? json_object_new_object() : NULL;
	for (size_t i = 0; i < b->nr_zones; i++) {
		const struct snap_zone *zb = &b->zones[i], *za = find_zone(a, zb->name);
		if (!za)
			continue;
		long long d = (long long)zb->free_pages - (long long)za->free_pages;
		json_object *orders = all ? json_object_new_array() : NULL;
		bool any = d != 0;
		for (int k = 0; k < SNAP_MAX_ORDERS; k++) {
			long long dk = (long long)zb->nr_free[k] - (long long)za->nr_free[k];
			any |= dk != 0;
			if (orders)
				json_object_array_add(orders, json_object_new_int64(dk));
		}
		if (!any) {
			json_object_put(orders);
			continue;
		}
		o->differences++;
		if (all) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "free_pages", json_object_new_int64(d));
			json_object_object_add(e, "free_per_order", orders);
			json_object_object_add(all, zb->name, e);
			continue;
		}
		printf("zone %-8s free %llu -> %llu (%+lld pages); per order:", zb->name,
		       (unsigned long long)za->free_pages, (unsigned long long)zb->free_pages, d);
		for (int k = 0; k < SNAP_MAX_ORDERS; k++)
			printf(" %+lld", (long long)zb->nr_free[k] - (long long)za->nr_free[k]);
		printf("\n");
	}
	if (all)
		json_object_object_add(o->j, "zones", all);
}

/* A counter-like pair list: name, old, new. */
static void report_delta(struct diff_out *o, json_object *all, const char *section,
			 const char *name, uint64_t before, uint64_t after)
{
	if (before == after)
		return;
	o->differences++;
	if (all)
		json_object_object_add(all, name, json_object_new_int64((long long)(after - before)));
	else
		printf("%s %-24s %llu -> %llu (%+lld)\n", section, name, (unsigned long long)before,
		       (unsigned long long)after, (long long)(after - before));
}

static void diff_slabs_vmstat(const struct snap_file *a, const struct snap_file *b,
			      struct diff_out *o)
{
	json_object *slabs = o->j ? json_object_new_object() : NULL;
	json_object *vm = o->j ? json_object_new_object() : NULL;
	for (size_t i = 0; i < b->nr_slabs; i++)
		for (size_t k = 0; k < a->nr_slabs; k++)
			if (!strcmp(a->slabs[k].name, b->slabs[i].name))
				report_delta(o, slabs, "slab", b->slabs[i].name,
					     a->slabs[k].active_objs, b->slabs[i].active_objs);
	for (size_t i = 0; i < b->nr_vmstat; i++)
		for (size_t k = 0; k < a->nr_vmstat; k++)
			if (!strcmp(a->vmstat[k].name, b->vmstat[i].name))
				report_delta(o, vm, "vmstat", b->vmstat[i].name, a->vmstat[k].value,
					     b->vmstat[i].value);
	if (o->j) {
		json_object_object_add(o->j, "slabs", slabs);
		json_object_object_add(o->j, "vmstat", vm);
	}
}

static void diff_dirty(const struct snap_file *b, struct diff_out *o)
{
	uint64_t dirty = 0;
	bool valid = b->nr_dirty > 0;
	for (size_t i = 0; i < b->nr_dirty; i++) {
		valid &= b->dirty[i].valid;
		dirty += b->dirty[i].count;
	}
	if (o->j)
		json_object_object_add(o->j, "dirty_pages",
				       valid ? json_object_new_uint64(dirty) : NULL);
	else if (valid)
		printf("dirty: %llu pages written between the snapshots\n", (unsigned long long)dirty);
	else
		printf("dirty: unknown (B is not the next snapshot of a run with dirty logging)\n");
}

int cmd_diff(int argc, char **argv)
{
	bool json = argc == 4 && !strcmp(argv[3], "--json");
	struct snap_file a, b;
	char err[512];
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: memvisor diff A B [--json]\nExit status: 0 equal, 1 different, 2 error.\n");
		return 0;
	}
	if (argc != 3 && !json) {
		fprintf(stderr, "usage: memvisor diff A B [--json]\n");
		return MV_EXIT_USAGE;
	}
	if (snapfile_read(&a, argv[1], err, sizeof(err)) < 0) {
		mv_err("%s", err);
		return MV_EXIT_USAGE;
	}
	if (snapfile_read(&b, argv[2], err, sizeof(err)) < 0) {
		mv_err("%s", err);
		snapfile_free(&a);
		return MV_EXIT_USAGE;
	}
	struct diff_out o = { .j = json ? json_object_new_object() : NULL };
	diff_spaces(&a, &b, &o);
	diff_zones(&a, &b, &o);
	diff_slabs_vmstat(&a, &b, &o);
	diff_dirty(&b, &o);
	if (o.j) {
		json_object_object_add(o.j, "equal", json_object_new_boolean(o.differences == 0));
		printf("%s\n", json_object_to_json_string_ext(o.j, JSON_C_TO_STRING_PRETTY));
		json_object_put(o.j);
	}
	snapfile_free(&a);
	snapfile_free(&b);
	return o.differences ? 1 : 0;
}
