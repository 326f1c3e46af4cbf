/*
 * recjson.c: the JSON renderings of records (see recjson.h for the key
 * names), and the per-node sums of zone records they render. Pure
 * functions: records in, a new json-c object (or the sums) out.
 */
#include "recjson.h"

#include <stdio.h>
#include <string.h>

void recjson_add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

void recjson_zone_name(const struct snap_zone *z, char *buf, size_t len)
{
	size_t n = strnlen(z->name, sizeof(z->name));
	n = n < len - 1 ? n : len - 1;
	memcpy(buf, z->name, n);
	buf[n] = '\0';
	if (z->node)
		snprintf(buf + n, len - n, "_%u", z->node);
}

/* The node's entry in sums (n of them, ascending by node), added when new. */
static struct recjson_node *node_entry(struct recjson_node *sums, size_t *n, size_t max,
				       uint32_t node)
{
	size_t i = 0;
	while (i < *n && sums[i].node < node)
		i++;
	if (i < *n && sums[i].node == node)
		return &sums[i];
	if (*n == max)
		return NULL;
	memmove(&sums[i + 1], &sums[i], (*n - i) * sizeof(*sums));
	(*n)++;
	sums[i] = (struct recjson_node){ .node = node };
	return &sums[i];
}

size_t recjson_node_sums(const struct snap_zone *z, size_t n, struct recjson_node *sums,
			 size_t max)
{
	size_t nodes = 0;
	for (size_t i = 0; i < n; i++) {
		struct recjson_node *s = node_entry(sums, &nodes, max, z[i].node);
		if (!s)
			continue;
		s->present += z[i].present;
		s->managed += z[i].managed;
		s->free_pages += z[i].free_pages;
		for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
			s->numa[k] += z[i].numa[k];
	}
	return nodes;
}

/* A record's numbers, in the order given. */
struct field {
	const char *key;
	uint64_t value;
};

static json_object *fields_json(const struct field *f, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		recjson_add_u64(o, f[i].key, f[i].value);
	return o;
}

#define NR_FIELDS(f) (sizeof(f) / sizeof((f)[0]))

json_object *recjson_zone(const struct snap_zone *z)
{
	const struct field f[] = {
		{ "free_pages", z->free_pages }, { "managed", z->managed }, { "min", z->wmark[0] },
		{ "low", z->wmark[1] }, { "high", z->wmark[2] },
	};
	json_object *o = fields_json(f, NR_FIELDS(f)), *orders = json_object_new_array();
	for (int k = 0; k < SNAP_MAX_ORDERS; k++)
		json_object_array_add(orders, json_object_new_uint64(z->nr_free[k]));
	json_object_object_add(o, "nr_free", orders);
	recjson_add_u64(o, "node", z->node);
	for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
		recjson_add_u64(o, snap_numa_stat_name(k), z->numa[k]);
	return o;
}

json_object *recjson_nodes(const struct snap_zone *z, size_t n)
{
	struct recjson_node sums[RECJSON_MAX_NODES];
	size_t nodes = recjson_node_sums(z, n, sums, RECJSON_MAX_NODES);
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < nodes; i++) {
		const struct field f[] = {
			{ "free_pages", sums[i].free_pages }, { "managed", sums[i].managed },
			{ "present", sums[i].present },
		};
		json_object *e = fields_json(f, NR_FIELDS(f));
		for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
			recjson_add_u64(e, snap_numa_stat_name(k), sums[i].numa[k]);
		char key[16];
		snprintf(key, sizeof(key), "%u", sums[i].node);
		json_object_object_add(o, key, e);
	}
	return o;
}

static json_object *change(uint64_t before, uint64_t after)
{
	return json_object_new_int64((long long)after - (long long)before);
}

json_object *recjson_node_change(const struct recjson_node *before,
				 const struct recjson_node *after)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "free_pages", change(before->free_pages, after->free_pages));
	for (int k = 0; k < SNAP_NR_NUMA_STATS; k++)
		json_object_object_add(o, snap_numa_stat_name(k),
				       change(before->numa[k], after->numa[k]));
	return o;
}

json_object *recjson_zone_change(const struct snap_zone *before, const struct snap_zone *after)
{
	json_object *o = json_object_new_object(), *orders = json_object_new_array();
	for (int k = 0; k < SNAP_MAX_ORDERS; k++)
		json_object_array_add(orders, change(before->nr_free[k], after->nr_free[k]));
	json_object_object_add(o, "free_pages", change(before->free_pages, after->free_pages));
	json_object_object_add(o, "nr_free", orders);
	return o;
}

/* Bytes of a cache's slabs; 0 for an order no slab can have (the order
 * comes from guest memory or a file: either may hold anything). */
static uint64_t slab_bytes(const struct snap_slab *s)
{
	return s->order < 64 - 12 ? s->nr_slabs * (4096ull << s->order) : 0;
}

json_object *recjson_slab(const struct snap_slab *s)
{
	const struct field f[] = {
		{ "active_objs", s->active_objs }, { "object_size", s->object_size },
		{ "objects_per_slab", s->objects_per_slab }, { "order", s->order },
		{ "slabs", s->nr_slabs }, { "free_slabs", s->nr_free_slabs },
		{ "bytes", slab_bytes(s) },
	};
	return fields_json(f, NR_FIELDS(f));
}

json_object *recjson_zones(const struct snap_zone *z, size_t n)
{
	json_object *o = json_object_new_object();
	char name[RECJSON_ZONE_KEY];
	for (size_t i = 0; i < n; i++) {
		recjson_zone_name(&z[i], name, sizeof(name));
		json_object_object_add(o, name, recjson_zone(&z[i]));
	}
	return o;
}

json_object *recjson_slabs(const struct snap_slab *s, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, s[i].name, recjson_slab(&s[i]));
	return o;
}

json_object *recjson_vmstat(const struct snap_counter *v, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		recjson_add_u64(o, v[i].name, v[i].value);
	return o;
}

json_object *recjson_balloon(const struct balloon_figures *f)
{
	const struct field n[] = {
		{ "target", f->target_bytes }, { "actual", f->actual_bytes },
		{ "held", f->held_bytes }, { "inflated_pages", f->inflated_pages },
		{ "deflated_pages", f->deflated_pages }, { "reported_pages", f->reported_pages },
		{ "bad_pfns", f->bad_pfns },
	};
	json_object *b = fields_json(n, NR_FIELDS(n));
	json_object_object_add(b, "driver_ok", json_object_new_boolean(f->driver_ok));
	return b;
}

json_object *recjson_guest(const struct balloon_figures *f)
{
	json_object *g = json_object_new_object();
	for (unsigned t = 0; t < BALLOON_NR_STATS; t++)
		if (f->stats_seen & (1u << t))
			recjson_add_u64(g, balloon_stat_name(t), f->stats[t]);
	recjson_add_u64(g, "updates", f->stats_updates);
	return g;
}
