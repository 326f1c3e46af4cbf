/*
 * livestats.c: one sample of a running machine's figures (see
 * livestats.h). Reads the devices under their own locks and guest memory
 * through introspection; changes nothing but the machine's introspection
 * handle, opened on first use once the kernel is there.
 */
#include "livestats.h"
#include "introspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *balloon_json(const struct balloon_figures *f)
{
	json_object *b = json_object_new_object();
	add_u64(b, "target", f->target_bytes);
	add_u64(b, "actual", f->actual_bytes);
	add_u64(b, "held", f->held_bytes);
	add_u64(b, "inflated_pages", f->inflated_pages);
	add_u64(b, "deflated_pages", f->deflated_pages);
	add_u64(b, "reported_pages", f->reported_pages);
	add_u64(b, "bad_pfns", f->bad_pfns);
	json_object_object_add(b, "driver_ok", json_object_new_boolean(f->driver_ok));
	return b;
}

static json_object *guest_json(const struct balloon_figures *f)
{
	json_object *g = json_object_new_object();
	for (unsigned t = 0; t < BALLOON_NR_STATS; t++)
		if (f->stats_seen & (1u << t))
			add_u64(g, balloon_stat_name(t), f->stats[t]);
	add_u64(g, "updates", f->stats_updates);
	return g;
}

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

static json_object *host_json(struct machine *m)
{
	json_object *h = json_object_new_object();
	int64_t resident = mem_resident_pages(&m->vm.mem);
	add_u64(h, "ram", m->vm.mem.ram_size);
	add_u64(h, "resident", resident < 0 ? 0 : (uint64_t)resident * 4096);
	add_u64(h, "rss", host_rss_bytes());
	return h;
}

static json_object *swap_json(struct blk *b)
{
	json_object *s = json_object_new_object();
	pthread_mutex_lock(&b->transport.lock);
	add_u64(s, "size", b->config.capacity * BLK_SECTOR_SIZE);
	add_u64(s, "reads", b->reads);
	add_u64(s, "writes", b->writes);
	add_u64(s, "bytes_read", b->bytes_read);
	add_u64(s, "bytes_written", b->bytes_written);
	add_u64(s, "errors", b->errors);
	pthread_mutex_unlock(&b->transport.lock);
	return s;
}

/* Zones, slab caches and vmstat read from guest memory (introspection
 * without stopping the guest); absent until the kernel has booted. */
static bool guest_state_ready(struct machine *m)
{
	char err[256];
	if (!m->intro_ok && m->kernel)
		m->intro_ok = intro_open_kernel(&m->intro, &m->vm.mem, m->kernel, m->kernel_len,
						err, sizeof(err)) == 0;
	return m->intro_ok;
}

static json_object *zones_json(struct machine *m)
{
	struct snap_zone z[8];
	int n = intro_zones(&m->intro, z, 8);
	json_object *o = json_object_new_object();
	for (int i = 0; i < n; i++) {
		json_object *e = json_object_new_object(), *orders = json_object_new_array();
		add_u64(e, "free_pages", z[i].free_pages);
		add_u64(e, "managed", z[i].managed);
		add_u64(e, "min", z[i].wmark[0]);
		add_u64(e, "low", z[i].wmark[1]);
		add_u64(e, "high", z[i].wmark[2]);
		for (int k = 0; k < SNAP_MAX_ORDERS; k++)
			json_object_array_add(orders, json_object_new_uint64(z[i].nr_free[k]));
		json_object_object_add(e, "nr_free", orders);
		json_object_object_add(o, z[i].name, e);
	}
	return o;
}

static json_object *slabs_json(struct machine *m)
{
	struct snap_slab *s;
	size_t n;
	json_object *o = json_object_new_object();
	if (intro_slabs(&m->intro, &s, &n) < 0)
		return o;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		add_u64(e, "bytes", s[i].nr_slabs * (4096ull << s[i].order));
		add_u64(e, "active_objs", s[i].active_objs);
		json_object_object_add(o, s[i].name, e);
	}
	free(s);
	return o;
}

static json_object *vmstat_json(struct machine *m)
{
	struct snap_counter *v;
	size_t n;
	json_object *o = json_object_new_object();
	if (intro_vmstat(&m->intro, &v, &n) < 0)
		return o;
	for (size_t i = 0; i < n; i++)
		add_u64(o, v[i].name, v[i].value);
	free(v);
	return o;
}

void livestats_fill(struct machine *m, json_object *o)
{
	struct balloon_figures f;
	balloon_figures(&m->balloon, &f);
	json_object *t = json_object_new_double(machine_uptime(m));
	json_object_set_serializer(t, json_object_double_to_json_string, (void *)"%.3f", NULL);
	json_object_object_add(o, "time", t);
	json_object_object_add(o, "paused", json_object_new_boolean(vm_is_paused(&m->vm)));
	json_object_object_add(o, "balloon", balloon_json(&f));
	json_object_object_add(o, "guest", guest_json(&f));
	json_object_object_add(o, "host", host_json(m));
	if (m->swap_ready)
		json_object_object_add(o, "swap", swap_json(&m->swap));
	if (guest_state_ready(m)) {
		json_object_object_add(o, "zones", zones_json(m));
		json_object_object_add(o, "slabs", slabs_json(m));
		json_object_object_add(o, "vmstat", vmstat_json(m));
	}
}
