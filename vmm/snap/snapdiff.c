/*
 * snapdiff.c: computes the diff of two snapshots (see snapdiff.h) and
 * renders it as JSON (records in the key names of recjson.h). Nothing
 * here prints; cmd_diff.c does.
 *
 * The ranges of two address spaces are compared by one sweep over both
 * sorted lists: each step covers the span up to the next edge of either
 * list, classifies it, and extends the current run while the change stays
 * the same, so a diff lists runs rather than pages.
 */
#include "snapdiff.h"
#include "ptwalk.h"
#include "recjson.h"
#include "snapview.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One span of the sweep: the ranges of A and B covering it, if any. */
struct seg {
	uint64_t start, end;
	bool changed;                  /* added, removed or changed */
	enum snapdiff_change kind;
	unsigned what;
	const struct snap_range *a, *b;
};

/*
 * Room for one more element at the end of the array whose pointer is at
 * arrp (n elements of size bytes); returns it zeroed, or NULL when out of
 * memory. The pointer is read and written as bytes, so one function
 * serves arrays of every type without breaking the aliasing rules.
 */
static void *append(void *arrp, size_t *n, size_t size)
{
	void *arr;
	memcpy(&arr, arrp, sizeof(arr));
	char *grown = realloc(arr, (*n + 1) * size);
	if (!grown)
		return NULL;
	memcpy(arrp, &grown, sizeof(grown));
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

/* ---- address spaces ------------------------------------------------------ */

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
	s->changed = s->a || s->b;
	if (!s->a || !s->b) {
		s->kind = s->a ? SNAPDIFF_REMOVED : SNAPDIFF_ADDED;
		return;
	}
	if (s->a->flags != s->b->flags)
		s->what |= SNAPDIFF_FLAGS;
	if (s->a->pa + (s->start - s->a->va) != s->b->pa + (s->start - s->b->va))
		s->what |= SNAPDIFF_FRAMES;
	if (s->a->shift != s->b->shift)
		s->what |= SNAPDIFF_SIZE;
	s->kind = SNAPDIFF_CHANGED;
	s->changed = s->what != 0;
}

static bool same_run(const struct seg *p, const struct seg *s)
{
	return s->changed && p->end == s->start && p->kind == s->kind && p->what == s->what &&
	       (!p->a) == (!s->a) && (!p->b) == (!s->b) &&
	       (!p->a || (p->a->flags == s->a->flags && p->a->shift == s->a->shift)) &&
	       (!p->b || (p->b->flags == s->b->flags && p->b->shift == s->b->shift));
}

/* The part [s->start, s->end) of range r. */
static struct snap_range piece_of(const struct snap_range *r, const struct seg *s)
{
	struct snap_range piece = *r;
	piece.pa = r->pa + (s->start - r->va);
	piece.va = s->start;
	piece.len = s->end - s->start;
	return piece;
}

static int add_run(struct snapdiff_space *sp, const struct seg *s, unsigned *differences)
{
	struct snapdiff_range *r = append(&sp->ranges, &sp->nr_ranges, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->kind = s->kind;
	r->what = s->what;
	r->range = piece_of(s->b ? s->b : s->a, s);
	if (s->kind == SNAPDIFF_CHANGED)
		r->old = piece_of(s->a, s);
	(*differences)++;
	return 0;
}

/* Sweeps both range lists into sp's runs of change. 0 or -ENOMEM. */
static int diff_ranges(const struct snap_space_view *A, const struct snap_space_view *B,
		       struct snapdiff_space *sp, unsigned *differences)
{
	uint32_t ia = 0, ib = 0;
	uint64_t x = 0;
	struct seg run = { .changed = false };
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
		if (run.changed && !same_run(&run, &s)) {
			if (add_run(sp, &run, differences) < 0)
				return -ENOMEM;
			run.changed = false;
		}
		if (s.changed) {
			if (!run.changed)
				run = s;
			else
				run.end = s.end;
		}
		if (s.end <= x || s.end == UINT64_MAX)
			break;
		x = s.end;
	}
	return run.changed ? add_run(sp, &run, differences) : 0;
}

/* The spaces of a (paired with b's or gone), then those only in b. */
static int diff_spaces(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d)
{
	static const struct snap_space_view empty;
	for (size_t pass = 0; pass < 2; pass++) {
		const struct snap_file *x = pass ? b : a, *y = pass ? a : b;
		for (size_t i = 0; i < x->nr_spaces; i++) {
			const struct snap_space_view *sx = &x->spaces[i];
			const struct snap_space_view *sy = snapfile_space(y, sx->hdr.pid);
			if (pass && sy)
				continue; /* spaces in both were done in the first pass */
			struct snapdiff_space *sp = append(&d->spaces, &d->nr_spaces, sizeof(*sp));
			if (!sp)
				return -ENOMEM;
			snapview_space_name(&sx->hdr, sp->name, sizeof(sp->name));
			sp->presence = sy ? SNAPDIFF_IN_BOTH : pass ? SNAPDIFF_NEW : SNAPDIFF_GONE;
			if (diff_ranges(pass ? &empty : sx, pass ? sx : (sy ? sy : &empty), sp,
					&d->differences) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* ---- allocator state ----------------------------------------------------- */

static const struct snap_zone *find_zone(const struct snap_file *f, const struct snap_zone *z)
{
	for (size_t i = 0; i < f->nr_zones; i++)
		if (f->zones[i].node == z->node &&
		    !strncmp(f->zones[i].name, z->name, sizeof(z->name)))
			return &f->zones[i];
	return NULL;
}

static bool zone_differs(const struct snap_zone *za, const struct snap_zone *zb)
{
	bool any = za->free_pages != zb->free_pages;
	for (int k = 0; k < SNAP_MAX_ORDERS; k++)
		any |= za->nr_free[k] != zb->nr_free[k];
	return any;
}

static int diff_zones(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d)
{
	for (size_t i = 0; i < b->nr_zones; i++) {
		const struct snap_zone *zb = &b->zones[i], *za = find_zone(a, zb);
		if (!za || !zone_differs(za, zb))
			continue;
		struct snapdiff_zone *z = append(&d->zones, &d->nr_zones, sizeof(*z));
		if (!z)
			return -ENOMEM;
		z->before = *za;
		z->after = *zb;
		d->differences++;
	}
	return 0;
}

static bool node_differs(const struct recjson_node *na, const struct recjson_node *nb)
{
	bool any = na->free_pages != nb->free_pages;
	for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
		any |= na->numa[k] != nb->numa[k];
	return any;
}

/* Per node, when either snapshot has more than one: free pages and the
 * numa_* counters summed over the node's zones. */
static int diff_nodes(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d)
{
	struct recjson_node sa[RECJSON_MAX_NODES], sb[RECJSON_MAX_NODES];
	size_t na = recjson_node_sums(a->zones, a->nr_zones, sa, RECJSON_MAX_NODES);
	size_t nb = recjson_node_sums(b->zones, b->nr_zones, sb, RECJSON_MAX_NODES);
	if (na < 2 && nb < 2)
		return 0;
	for (size_t i = 0, j = 0; i < nb; i++) {
		while (j < na && sa[j].node < sb[i].node)
			j++;
		if (j == na || sa[j].node != sb[i].node || !node_differs(&sa[j], &sb[i]))
			continue;
		struct snapdiff_node *n = append(&d->nodes, &d->nr_nodes, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->before = sa[j];
		n->after = sb[i];
		d->differences++;
	}
	return 0;
}

/* A counter of the same name in both lists that changed goes to *out. */
static int add_counter(struct snapdiff_counter **out, size_t *n, const char *name,
		       uint64_t before, uint64_t after, unsigned *differences)
{
	if (before == after)
		return 0;
	struct snapdiff_counter *c = append(out, n, sizeof(**out));
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->before = before;
	c->after = after;
	(*differences)++;
	return 0;
}

static int diff_slabs(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d)
{
	for (size_t i = 0; i < b->nr_slabs; i++)
		for (size_t k = 0; k < a->nr_slabs; k++)
			if (!strcmp(a->slabs[k].name, b->slabs[i].name) &&
			    add_counter(&d->slabs, &d->nr_slabs, b->slabs[i].name,
					a->slabs[k].active_objs, b->slabs[i].active_objs,
					&d->differences) < 0)
				return -ENOMEM;
	return 0;
}

static int diff_vmstat(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d)
{
	for (size_t i = 0; i < b->nr_vmstat; i++)
		for (size_t k = 0; k < a->nr_vmstat; k++)
			if (!strcmp(a->vmstat[k].name, b->vmstat[i].name) &&
			    add_counter(&d->vmstat, &d->nr_vmstat, b->vmstat[i].name,
					a->vmstat[k].value, b->vmstat[i].value, &d->differences) < 0)
				return -ENOMEM;
	return 0;
}

static void diff_dirty(const struct snap_file *b, struct snap_diff *d)
{
	d->dirty_known = b->nr_dirty > 0;
	for (size_t i = 0; i < b->nr_dirty; i++) {
		d->dirty_known &= b->dirty[i].valid;
		d->dirty_pages += b->dirty[i].count;
	}
}

int snapdiff_compute(const struct snap_file *a, const struct snap_file *b, struct snap_diff *d)
{
	*d = (struct snap_diff){ .differences = 0 };
	if (diff_spaces(a, b, d) < 0 || diff_zones(a, b, d) < 0 || diff_nodes(a, b, d) < 0 ||
	    diff_slabs(a, b, d) < 0 || diff_vmstat(a, b, d) < 0) {
		snapdiff_free(d);
		return -ENOMEM;
	}
	diff_dirty(b, d);
	return 0;
}

int snapdiff_files(const char *a, const char *b, struct snap_diff *d, struct mv_error *err)
{
	struct snap_file fa, fb;
	*d = (struct snap_diff){ .differences = 0 };
	int rc = snapfile_read(&fa, a, err);
	if (rc < 0)
		return rc;
	rc = snapfile_read(&fb, b, err);
	if (rc < 0) {
		snapfile_free(&fa);
		return rc;
	}
	rc = snapdiff_compute(&fa, &fb, d);
	if (rc < 0)
		mv_fail(err, rc, "diff %s %s: %s", a, b, strerror(-rc));
	snapfile_free(&fa);
	snapfile_free(&fb);
	return rc;
}

void snapdiff_free(struct snap_diff *d)
{
	for (size_t i = 0; i < d->nr_spaces; i++)
		free(d->spaces[i].ranges);
	free(d->spaces);
	free(d->zones);
	free(d->nodes);
	free(d->slabs);
	free(d->vmstat);
	*d = (struct snap_diff){ .differences = 0 };
}

/* ---- JSON ------------------------------------------------------------------ */

static json_object *range_json(const struct snapdiff_range *r)
{
	char flags[32];
	json_object *e = snapview_range_json(&r->range);
	if (r->kind != SNAPDIFF_CHANGED)
		return e;
	json_object_object_add(e, "old_flags", json_object_new_string(
		ptw_flag_string(r->old.flags, flags, sizeof(flags))));
	json_object_object_add(e, "old_pa", json_object_new_uint64(r->old.pa));
	json_object_object_add(e, "old_page_size", json_object_new_uint64(1ull << r->old.shift));
	return e;
}

static json_object *space_json(const struct snapdiff_space *sp)
{
	static const char *const lists[] = { "added", "removed", "changed" };
	json_object *e = json_object_new_object(), *arrs[3];
	for (int k = 0; k < 3; k++)
		arrs[k] = json_object_new_array();
	for (size_t i = 0; i < sp->nr_ranges; i++)
		json_object_array_add(arrs[sp->ranges[i].kind], range_json(&sp->ranges[i]));
	for (int k = 0; k < 3; k++)
		json_object_object_add(e, lists[k], arrs[k]);
	return e;
}

/* Slabs and vmstat in a diff: one signed change per name (recjson.h). */
static json_object *counters_json(const struct snapdiff_counter *c, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, c[i].name,
				       json_object_new_int64((long long)(c[i].after - c[i].before)));
	return o;
}

json_object *snapdiff_json(const struct snap_diff *d)
{
	json_object *o = json_object_new_object();
	json_object *spaces = json_object_new_object(), *zones = json_object_new_object();
	for (size_t i = 0; i < d->nr_spaces; i++)
		json_object_object_add(spaces, d->spaces[i].name, space_json(&d->spaces[i]));
	char name[RECJSON_ZONE_KEY];
	for (size_t i = 0; i < d->nr_zones; i++) {
		recjson_zone_name(&d->zones[i].after, name, sizeof(name));
		json_object_object_add(zones, name, recjson_zone_change(&d->zones[i].before,
									 &d->zones[i].after));
	}
	json_object *nodes = json_object_new_object();
	for (size_t i = 0; i < d->nr_nodes; i++) {
		snprintf(name, sizeof(name), "%u", d->nodes[i].after.node);
		json_object_object_add(nodes, name, recjson_node_change(&d->nodes[i].before,
									 &d->nodes[i].after));
	}
	json_object_object_add(o, "spaces", spaces);
	json_object_object_add(o, "zones", zones);
	json_object_object_add(o, "nodes", nodes);
	json_object_object_add(o, "slabs", counters_json(d->slabs, d->nr_slabs));
	json_object_object_add(o, "vmstat", counters_json(d->vmstat, d->nr_vmstat));
	json_object_object_add(o, "dirty_pages",
			       d->dirty_known ? json_object_new_uint64(d->dirty_pages) : NULL);
	json_object_object_add(o, "equal", json_object_new_boolean(d->differences == 0));
	return o;
}
