/*
 * numa.c: parses --numa SPEC, lays each node's RAM out in guest-physical
 * space, binds its host memory and measures how much of it is resident
 * (see numa.h for the syntax, the layout and the invariant). Parsing walks SPEC's comma-separated words once, each
 * word read in the mode the word before left (a node's vCPU list, the
 * distance matrix); the whole is checked after the last word.
 */
#include "numa.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/mempolicy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NUMA_SPEC_MAX 1024

enum word_mode { MODE_NONE, MODE_CPUS, MODE_DIST };

/* One parse: the config being filled and what the last word began. */
struct numa_parser {
	struct numa_config *cfg;
	uint64_t ram_size;
	enum word_mode mode;
	bool even;                          /* the N form */
	bool cpus_named;                    /* some node said cpus= */
	bool cpu_seen[NUMA_MAX_CPUS];
	int nr_dist;
	int dist[NUMA_MAX_NODES * NUMA_MAX_NODES];
	struct mv_error *err;
};

/* A decimal number filling all of s into *out; false when s is not one. */
static bool parse_uint(const char *s, long max, long *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v > max)
		return false;
	*out = v;
	return true;
}

static int fail(struct numa_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct numa_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mv_vfail(p->err, -EINVAL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* vCPU c joins the newest node. */
static int place_cpu(struct numa_parser *p, long c)
{
	struct numa_config *cfg = p->cfg;
	int node = cfg->nr_nodes - 1;
	if (c >= cfg->nr_cpus)
		return fail(p, "node %d names vCPU %ld; the guest has vCPUs 0 to %d", node, c,
			    cfg->nr_cpus - 1);
	if (p->cpu_seen[c])
		return fail(p, "vCPU %ld is in nodes %d and %d", c, cfg->cpu_node[c], node);
	p->cpu_seen[c] = true;
	cfg->cpu_node[c] = (uint8_t)node;
	return 0;
}

/* "A" or "A-B": vCPUs for the newest node. */
static int parse_cpu_item(struct numa_parser *p, const char *w)
{
	char first[32];
	const char *dash = strchr(w, '-');
	long a, b;
	snprintf(first, sizeof(first), "%.*s", dash ? (int)(dash - w) : (int)strlen(w), w);
	if (!parse_uint(first, NUMA_MAX_CPUS, &a) || (dash && !parse_uint(dash + 1, NUMA_MAX_CPUS, &b)))
		return fail(p, "'%s' is not a vCPU number or range A-B", w);
	if (!dash)
		b = a;
	if (b < a)
		return fail(p, "vCPU range '%s' runs backwards", w);
	for (long c = a; c <= b; c++)
		if (place_cpu(p, c) < 0)
			return -EINVAL;
	return 0;
}

/* "ID:SIZE" or "ID:SIZE:cpus=ITEM": the next node. */
static int parse_node(struct numa_parser *p, char *w)
{
	struct numa_config *cfg = p->cfg;
	char *size = strchr(w, ':'), *cpus;
	struct mv_error e;
	long id;
	*size++ = 0;
	cpus = strchr(size, ':');
	if (cpus)
		*cpus++ = 0;
	if (!parse_uint(w, NUMA_MAX_NODES, &id) || id != cfg->nr_nodes)
		return fail(p, "node '%s' out of order: nodes are numbered 0, 1, ... (next: %d)", w,
			    cfg->nr_nodes);
	if (cfg->nr_nodes == NUMA_MAX_NODES)
		return fail(p, "more than %d nodes", NUMA_MAX_NODES);
	if (mv_parse_size(size, &cfg->size[cfg->nr_nodes], &e) < 0)
		return fail(p, "node %ld: %s", id, e.msg);
	cfg->nr_nodes++;
	p->mode = MODE_NONE;
	if (!cpus)
		return 0;
	if (strncmp(cpus, "cpus=", 5))
		return fail(p, "node %ld: '%s' is not cpus=LIST", id, cpus);
	p->mode = MODE_CPUS;
	p->cpus_named = true;
	return parse_cpu_item(p, cpus + 5);
}

static int parse_dist_item(struct numa_parser *p, const char *w)
{
	long d;
	if (!parse_uint(w, 1000, &d))
		return fail(p, "distance '%s' is not a number", w);
	if (p->nr_dist == NUMA_MAX_NODES * NUMA_MAX_NODES)
		return fail(p, "dist= has more than %d numbers", NUMA_MAX_NODES * NUMA_MAX_NODES);
	p->dist[p->nr_dist++] = (int)d;
	return 0;
}

/* One comma-separated word, read in the mode the previous one left. */
static int parse_word(struct numa_parser *p, char *w)
{
	if (!strncmp(w, "dist=", 5)) {
		if (p->mode == MODE_DIST || p->nr_dist)
			return fail(p, "%s", "two dist= matrices");
		p->mode = MODE_DIST;
		return parse_dist_item(p, w + 5);
	}
	if (strchr(w, ':')) {
		if (p->even || p->nr_dist)
			return fail(p, "node '%s' after %s", w, p->even ? "a node count" : "dist=");
		return parse_node(p, w);
	}
	if (p->mode == MODE_CPUS)
		return parse_cpu_item(p, w);
	if (p->mode == MODE_DIST)
		return parse_dist_item(p, w);
	return fail(p, "'%s' is neither a node ID:SIZE[:cpus=LIST] nor dist=", w);
}

/* The N form: N nodes of equal size, vCPUs in contiguous blocks. */
static int split_evenly(struct numa_parser *p, long n)
{
	struct numa_config *cfg = p->cfg;
	uint64_t pages = p->ram_size / 4096, each = pages / (uint64_t)n * 4096;
	if (n < 1 || n > NUMA_MAX_NODES)
		return fail(p, "%ld nodes: from 1 to %d", n, NUMA_MAX_NODES);
	cfg->nr_nodes = (int)n;
	for (int i = 0; i < n; i++)
		cfg->size[i] = i == n - 1 ? p->ram_size - each * (uint64_t)(n - 1) : each;
	p->even = true;
	return 0;
}

/* vCPU c on node c * nodes / cpus, for specs that name no vCPUs. */
static void place_cpus_in_blocks(struct numa_config *cfg)
{
	for (int c = 0; c < cfg->nr_cpus; c++)
		cfg->cpu_node[c] = (uint8_t)(c * cfg->nr_nodes / cfg->nr_cpus);
}

static int check_sizes(struct numa_parser *p)
{
	const struct numa_config *cfg = p->cfg;
	uint64_t sum = 0;
	char a[32], b[32];
	for (int i = 0; i < cfg->nr_nodes; i++) {
		if (cfg->size[i] % 4096)
			return fail(p, "node %d: %llu bytes is not a whole number of 4 KiB pages", i,
				    (unsigned long long)cfg->size[i]);
		if (cfg->size[i] < NUMA_MIN_NODE_SIZE)
			return fail(p, "node %d has %s; a node needs at least %s", i,
				    mv_format_size(cfg->size[i], a, sizeof(a)),
				    mv_format_size(NUMA_MIN_NODE_SIZE, b, sizeof(b)));
		sum += cfg->size[i];
	}
	if (sum != p->ram_size)
		return fail(p, "the nodes' sizes add up to %s, not -m %s",
			    mv_format_size(sum, a, sizeof(a)), mv_format_size(p->ram_size, b, sizeof(b)));
	return 0;
}

static int check_cpus(struct numa_parser *p)
{
	if (!p->cpus_named) {
		place_cpus_in_blocks(p->cfg);
		return 0;
	}
	for (int c = 0; c < p->cfg->nr_cpus; c++)
		if (!p->cpu_seen[c])
			return fail(p, "vCPU %d is in no node", c);
	return 0;
}

/* The matrix given, or 10 local and 20 remote. */
static int check_distances(struct numa_parser *p)
{
	struct numa_config *cfg = p->cfg;
	int n = cfg->nr_nodes;
	if (p->nr_dist && p->nr_dist != n * n)
		return fail(p, "dist= has %d numbers; %d nodes need %d (row by row)", p->nr_dist, n,
			    n * n);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			int d = p->nr_dist ? p->dist[i * n + j]
					   : i == j ? NUMA_LOCAL_DISTANCE : NUMA_REMOTE_DISTANCE;
			if (i == j && d != NUMA_LOCAL_DISTANCE)
				return fail(p, "distance from node %d to itself is %d; it must be 10", i, d);
			if (i != j && (d <= NUMA_LOCAL_DISTANCE || d > 254))
				return fail(p, "distance from node %d to node %d is %d; it must be 11 to 254",
					    i, j, d);
			cfg->distance[i][j] = (uint8_t)d;
		}
	return 0;
}

static int parse_words(struct numa_parser *p, char *copy)
{
	char *save = NULL;
	long n;
	char *w = strtok_r(copy, ",", &save);
	if (!w)
		return fail(p, "%s", "empty spec");
	if (!strchr(w, ':') && strncmp(w, "dist=", 5)) {
		if (!parse_uint(w, 1000, &n))
			return fail(p, "'%s' is neither a node count nor ID:SIZE[:cpus=LIST]", w);
		if (split_evenly(p, n) < 0)
			return -EINVAL;
		w = strtok_r(NULL, ",", &save);
	}
	for (; w; w = strtok_r(NULL, ",", &save))
		if (parse_word(p, w) < 0)
			return -EINVAL;
	return 0;
}

/* Adds node's RAM bytes [from, to) (offsets in RAM's order) as GPA ranges. */
static void add_ranges(struct numa_config *cfg, int node, uint64_t from, uint64_t to,
		       const struct mem_slot *slots, int nr_slots)
{
	for (int s = 0; s < nr_slots; s++) {
		uint64_t lo = from > slots[s].offset ? from : slots[s].offset;
		uint64_t end = slots[s].offset + slots[s].size, hi = to < end ? to : end;
		if (lo >= hi || cfg->nr_ranges == NUMA_MAX_RANGES)
			continue;
		cfg->ranges[cfg->nr_ranges++] = (struct numa_range){
			.gpa = slots[s].gpa + (lo - slots[s].offset), .size = hi - lo, .node = node };
	}
}

/* Fills cfg->ranges from cfg->size[] and memory.h's layout of ram_size (their sum). */
static void layout_ranges(struct numa_config *cfg, uint64_t ram_size)
{
	struct mem_slot slots[MEM_MAX_SLOTS];
	int nr_slots = mem_layout(ram_size, slots);
	uint64_t at = 0;
	cfg->nr_ranges = 0;
	for (int i = 0; i < cfg->nr_nodes; i++) {
		add_ranges(cfg, i, at, at + cfg->size[i], slots, nr_slots);
		at += cfg->size[i];
	}
}

/* The checks every layout passes, then its GPA ranges. 0 or -EINVAL (nr_nodes 0 then). */
static int check_and_lay_out(struct numa_parser *p)
{
	int rc;
	if ((rc = check_sizes(p)) < 0 || (rc = check_cpus(p)) < 0 ||
	    (rc = check_distances(p)) < 0) {
		p->cfg->nr_nodes = 0;
		return rc;
	}
	layout_ranges(p->cfg, p->ram_size);
	return 0;
}

int numa_check_layout(struct numa_config *cfg, uint64_t ram_size, struct mv_error *err)
{
	struct numa_parser p = { .cfg = cfg, .ram_size = ram_size, .cpus_named = true,
				 .err = err };
	int n = cfg->nr_nodes, rc = 0;
	if (n < 1 || n > NUMA_MAX_NODES || cfg->nr_cpus < 1 || cfg->nr_cpus > NUMA_MAX_CPUS)
		rc = fail(&p, "%d nodes and %d vCPUs: from 1 to %d and from 1 to %d", n,
			  cfg->nr_cpus, NUMA_MAX_NODES, NUMA_MAX_CPUS);
	for (int c = 0; rc == 0 && c < cfg->nr_cpus; c++) {
		if (cfg->cpu_node[c] >= n)
			rc = fail(&p, "vCPU %d is on node %d; there are %d nodes", c,
				  cfg->cpu_node[c], n);
		p.cpu_seen[c] = true;
	}
	for (int i = 0; i < n * n && rc == 0; i++)
		p.dist[p.nr_dist++] = cfg->distance[i / n][i % n];
	if (rc < 0) {
		cfg->nr_nodes = 0;
		return rc;
	}
	return check_and_lay_out(&p);
}

int numa_parse(const char *spec, uint64_t ram_size, int cpus, struct numa_config *out,
	       struct mv_error *err)
{
	char copy[NUMA_SPEC_MAX];
	struct numa_parser p = { .cfg = out, .ram_size = ram_size, .err = err };
	*out = (struct numa_config){ .nr_cpus = cpus };
	if (cpus < 1 || cpus > NUMA_MAX_CPUS)
		return mv_fail(err, -EINVAL, "%d vCPUs: from 1 to %d", cpus, NUMA_MAX_CPUS);
	if (strlen(spec) >= sizeof(copy))
		return mv_fail(err, -EINVAL, "spec longer than %d characters", NUMA_SPEC_MAX - 1);
	strcpy(copy, spec);
	int rc = parse_words(&p, copy);
	if (rc == 0 && !out->nr_nodes)
		rc = fail(&p, "%s", "no nodes");
	if (rc < 0) {
		out->nr_nodes = 0;
		return rc;
	}
	return check_and_lay_out(&p);
}

int numa_node_of(const struct numa_config *cfg, uint64_t gpa)
{
	for (int i = 0; i < cfg->nr_ranges; i++)
		if (gpa >= cfg->ranges[i].gpa && gpa - cfg->ranges[i].gpa < cfg->ranges[i].size)
			return cfg->ranges[i].node;
	return -1;
}

int numa_host_nodes(void)
{
	DIR *d = opendir("/sys/devices/system/node");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "node", 4) && isdigit((unsigned char)e->d_name[4]))
			n++;
	if (d)
		closedir(d);
	return n ? n : 1;
}

static int bind_range(const struct numa_range *r, const struct guest_memory *m, int host_node,
		      struct mv_error *err)
{
	unsigned long mask = 1ul << host_node;
	void *hva = mem_gpa_to_hva(m, r->gpa, r->size);
	if (!hva)
		return mv_fail(err, -EFAULT, "node %d's range at %#llx is not guest RAM", r->node,
			       (unsigned long long)r->gpa);
	if (syscall(SYS_mbind, hva, r->size, MPOL_BIND, &mask, sizeof(mask) * 8, 0) < 0)
		return mv_fail_errno(err, "mbind of guest node %d to host node %d", r->node,
				     host_node);
	mv_debug("guest node %d [%#llx, %#llx) bound to host node %d", r->node,
		 (unsigned long long)r->gpa, (unsigned long long)(r->gpa + r->size), host_node);
	return 0;
}

int numa_host_node_of(int n, int host_nodes)
{
	return host_nodes > 1 ? n % host_nodes : -1;
}

int numa_bind_host(const struct numa_config *cfg, const struct guest_memory *m,
		   struct mv_error *err)
{
	int host = numa_host_nodes();
	if (numa_host_node_of(0, host) < 0) {
		mv_debug("the host has one NUMA node: the guest's %d nodes' memory is not bound",
			 cfg->nr_nodes);
		return 0;
	}
	for (int i = 0; i < cfg->nr_ranges; i++) {
		int rc = bind_range(&cfg->ranges[i], m, numa_host_node_of(cfg->ranges[i].node, host),
				    err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int numa_resident_pages(const struct numa_config *cfg, const struct guest_memory *m,
			uint64_t resident[NUMA_MAX_NODES])
{
	memset(resident, 0, NUMA_MAX_NODES * sizeof(resident[0]));
	for (int i = 0; i < cfg->nr_ranges; i++) {
		int64_t n = mem_range_residency(m, cfg->ranges[i].gpa, cfg->ranges[i].size);
		if (n < 0)
			return (int)n;
		resident[cfg->ranges[i].node] += (uint64_t)n;
	}
	return 0;
}
