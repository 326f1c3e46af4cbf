/*
 * livestats.c: one sample of a running machine's figures (see
 * livestats.h). Reads the devices under their own locks and guest memory
 * through introspection; changes nothing but its own introspection
 * handle, opened on first use once the kernel is there.
 */
#include "livestats.h"
#include "introspect.h"
#include "mm_port.h"
#include "recjson.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static uint64_t host_rss_bytes(void)
{
	unsigned long long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Per guest node (a --numa guest): its RAM, the pages of it resident on
 * the host, and the host node it is bound to (null: not bound). */
static json_object *host_nodes_json(const struct numa_config *cfg,
				    const uint64_t resident[NUMA_MAX_NODES])
{
	int host_nodes = numa_host_nodes();
	json_object *o = json_object_new_object();
	for (int n = 0; n < cfg->nr_nodes; n++) {
		json_object *e = json_object_new_object();
		int bound = numa_host_node_of(n, host_nodes);
		char key[16];
		recjson_add_u64(e, "ram", cfg->size[n]);
		recjson_add_u64(e, "resident", resident[n] * 4096);
		json_object_object_add(e, "host_node", bound < 0 ? NULL : json_object_new_int(bound));
		snprintf(key, sizeof(key), "%d", n);
		json_object_object_add(o, key, e);
	}
	return o;
}

/* The host's figures; a --numa guest's nodes cover its RAM, so one
 * mincore pass per node gives both the nodes' and the total residency. */
static json_object *host_json(struct machine *m)
{
	json_object *h = json_object_new_object();
	uint64_t node_resident[NUMA_MAX_NODES];
	bool per_node = m->numa.nr_nodes &&
			numa_resident_pages(&m->numa, &m->vm.mem, node_resident) == 0;
	int64_t resident = 0;
	if (per_node)
		for (int n = 0; n < m->numa.nr_nodes; n++)
			resident += (int64_t)node_resident[n];
	else
		resident = mem_resident_pages(&m->vm.mem);
	recjson_add_u64(h, "ram", m->vm.mem.ram_size);
	recjson_add_u64(h, "resident", resident < 0 ? 0 : (uint64_t)resident * 4096);
	recjson_add_u64(h, "rss", host_rss_bytes());
	if (per_node)
		json_object_object_add(h, "nodes", host_nodes_json(&m->numa, node_resident));
	return h;
}

static json_object *swap_json(struct blk *b)
{
	json_object *s = json_object_new_object();
	pthread_mutex_lock(&b->transport.lock);
	recjson_add_u64(s, "size", b->config.capacity * BLK_SECTOR_SIZE);
	recjson_add_u64(s, "reads", b->reads);
	recjson_add_u64(s, "writes", b->writes);
	recjson_add_u64(s, "bytes_read", b->bytes_read);
	recjson_add_u64(s, "bytes_written", b->bytes_written);
	recjson_add_u64(s, "errors", b->errors);
	pthread_mutex_unlock(&b->transport.lock);
	return s;
}

/* Zones, slab caches and vmstat read from guest memory (introspection
 * without stopping the guest); absent until the kernel has booted. */
bool livestats_guest_ready(struct livestats *ls)
{
	struct machine *m = ls->m;
	if (!ls->intro_ok && m->kernel)
		ls->intro_ok = intro_open_kernel(&ls->intro, &m->vm.mem, m->kernel, m->kernel_len,
						 NULL) == 0;
	return ls->intro_ok;
}

/* The zones and their sums per node, from one read of the allocator. */
static void zones_json(const struct intro *in, json_object *o)
{
	struct snap_zone z[INTRO_MAX_ZONES];
	int n = intro_zones(in, z, INTRO_MAX_ZONES);
	json_object_object_add(o, "zones", recjson_zones(z, n < 0 ? 0 : (size_t)n));
	json_object_object_add(o, "nodes", recjson_nodes(z, n < 0 ? 0 : (size_t)n));
}

static json_object *slabs_json(const struct intro *in)
{
	struct snap_slab *s;
	size_t n;
	if (intro_slabs(in, &s, &n) < 0)
		return json_object_new_object();
	json_object *o = recjson_slabs(s, n);
	free(s);
	return o;
}

static json_object *vmstat_json(const struct intro *in)
{
	struct snap_counter *v;
	size_t n;
	if (intro_vmstat(in, &v, &n) < 0)
		return json_object_new_object();
	json_object *o = recjson_vmstat(v, n);
	free(v);
	return o;
}

/* One process as statm and status give it: bytes, and fault counts. */
static json_object *process_json(const struct intro_task *t)
{
	json_object *p = json_object_new_object();
	char state[2] = { t->state, 0 };
	json_object_object_add(p, "pid", json_object_new_int(t->pid));
	json_object_object_add(p, "comm", json_object_new_string(t->comm));
	json_object_object_add(p, "state", json_object_new_string(state));
	recjson_add_u64(p, "vsz", t->vm_pages << MM_PAGE_SHIFT);
	recjson_add_u64(p, "rss", (t->rss[MV_MM_ANON] + t->rss[MV_MM_FILE] + t->rss[MV_MM_SHMEM])
					  << MM_PAGE_SHIFT);
	recjson_add_u64(p, "shared", (t->rss[MV_MM_FILE] + t->rss[MV_MM_SHMEM]) << MM_PAGE_SHIFT);
	recjson_add_u64(p, "swap", t->rss[MV_MM_SWAPENTS] << MM_PAGE_SHIFT);
	recjson_add_u64(p, "min_flt", t->min_flt);
	recjson_add_u64(p, "maj_flt", t->maj_flt);
	return p;
}

/* A walk of the running guest's task list can meet a task or an area array
 * being freed under it; it is tried again this many times. */
#define PROCESS_READ_TRIES 3

/* Every task in list order; NULL when the list could not be read whole. */
static json_object *processes_json(const struct intro *in)
{
	struct intro_task *t = calloc(INTRO_MAX_TASKS, sizeof(*t));
	int n = -ENOMEM;
	for (int k = 0; t && n < 0 && k < PROCESS_READ_TRIES; k++)
		n = intro_tasks(in, t, INTRO_MAX_TASKS);
	json_object *a = n < 0 ? NULL : json_object_new_array();
	for (int k = 0; k < n; k++)
		json_object_array_add(a, process_json(&t[k]));
	free(t);
	return a;
}

static json_object *restore_json(const struct lazy_restore *l)
{
	struct lazy_counters c;
	lazy_counters(l, &c);
	json_object *r = json_object_new_object();
	recjson_add_u64(r, "faulted", c.faulted);
	recjson_add_u64(r, "zero_faults", c.zero_faults);
	recjson_add_u64(r, "prefetched", c.prefetched);
	recjson_add_u64(r, "discarded", c.discarded);
	recjson_add_u64(r, "to_fetch", c.to_fetch);
	json_object_object_add(r, "prefetch_done", json_object_new_boolean(c.prefetch_done));
	return r;
}

void livestats_fill(struct livestats *ls, json_object *o)
{
	struct machine *m = ls->m;
	struct balloon_figures f;
	balloon_figures(&m->balloon, &f);
	json_object *t = json_object_new_double(machine_uptime(m));
	json_object_set_serializer(t, json_object_double_to_json_string, (void *)"%.3f", NULL);
	json_object_object_add(o, "time", t);
	json_object_object_add(o, "paused", json_object_new_boolean(vm_is_paused(&m->vm)));
	json_object_object_add(o, "balloon", recjson_balloon(&f));
	json_object_object_add(o, "guest", recjson_guest(&f));
	json_object_object_add(o, "host", host_json(m));
	if (m->swap_ready)
		json_object_object_add(o, "swap", swap_json(&m->swap));
	if (ls->lazy)
		json_object_object_add(o, "restore", restore_json(ls->lazy));
	if (livestats_guest_ready(ls)) {
		zones_json(&ls->intro, o);
		json_object_object_add(o, "slabs", slabs_json(&ls->intro));
		json_object_object_add(o, "vmstat", vmstat_json(&ls->intro));
		json_object *procs = processes_json(&ls->intro);
		if (procs)
			json_object_object_add(o, "processes", procs);
	}
}
