/*
 * top_view.c: a stats record rendered as the lines of one `memvisor top`
 * frame (see top_view.h). Reads the records, never changes them; every
 * line is cut to the view's width and lines past its height are dropped.
 */
#include "top_view.h"
#include "ctlsock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB 1024
#define NR_ORDERS 11

static const char *const sort_names[TOP_NR_SORTS] = {
	[TOP_SORT_RSS] = "rss", [TOP_SORT_VSZ] = "vsz", [TOP_SORT_SWAP] = "swap",
	[TOP_SORT_FAULTS] = "faults", [TOP_SORT_PID] = "pid",
};

const char *top_sort_name(enum top_sort s)
{
	return s < TOP_NR_SORTS ? sort_names[s] : "?";
}

enum top_sort top_sort_next(enum top_sort s)
{
	return (enum top_sort)((s + 1) % TOP_NR_SORTS);
}

/* Appends one line cut to the view's width; false once the frame is full. */
__attribute__((format(printf, 3, 4)))
static bool add_line(struct top_frame *f, const struct top_view *v, const char *fmt, ...)
{
	int height = v->height < TOP_MAX_ROWS ? v->height : TOP_MAX_ROWS;
	int width = v->width < TOP_MAX_COLS ? v->width : TOP_MAX_COLS;
	va_list ap;
	if (f->n >= height)
		return false;
	va_start(ap, fmt);
	vsnprintf(f->line[f->n], (size_t)width + 1, fmt, ap);
	va_end(ap);
	f->n++;
	return true;
}

static double record_time(json_object *o)
{
	json_object *t;
	return o && json_object_object_get_ex(o, "time", &t) ? json_object_get_double(t) : 0;
}

/* Seconds between prev and now; 0 when there is no usable earlier record. */
static double elapsed(json_object *now, json_object *prev)
{
	double dt = prev ? record_time(now) - record_time(prev) : 0;
	return dt > 0 ? dt : 0;
}

/* A per-second rate of a counter as text ("-" without an interval). */
static const char *rate_text(uint64_t now, uint64_t before, double dt, char *buf, size_t len)
{
	if (dt <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f", (double)(now >= before ? now - before : 0) / dt);
	return buf;
}

/* vmstat's counter NAME, summed over the NULL-terminated names. */
static uint64_t vmstat_sum(json_object *o, const char *const names[])
{
	uint64_t sum = 0;
	for (int k = 0; o && names[k]; k++)
		sum += ctlsock_u64(o, "vmstat", names[k]);
	return sum;
}

static const char *vmstat_rate(json_object *now, json_object *prev, const char *const names[],
			       char *buf, size_t len)
{
	return rate_text(vmstat_sum(now, names), vmstat_sum(prev, names), elapsed(now, prev), buf,
			 len);
}

static void header_lines(const struct top_view *v, json_object *now, struct top_frame *f)
{
	json_object *p;
	bool guest_paused = json_object_object_get_ex(now, "paused", &p) && json_object_get_boolean(p);
	add_line(f, v, "memvisor top  up %.1f s  every %.1f s  sort %s%s%s", record_time(now),
		 v->interval, top_sort_name(v->sort), v->paused ? "  [view paused]" : "",
		 guest_paused ? "  [guest paused]" : "");
}

static void memory_lines(const struct top_view *v, json_object *now, json_object *prev,
			 struct top_frame *f)
{
	static const char *const swpin[] = { "pswpin", NULL }, *const swpout[] = { "pswpout", NULL };
	json_object *zones;
	uint64_t managed = 0, free_pages = 0;
	char in[24], out[24];
	if (json_object_object_get_ex(now, "zones", &zones)) {
		json_object_object_foreach(zones, name, z) {
			(void)name;
			managed += ctlsock_u64(z, NULL, "managed");
			free_pages += ctlsock_u64(z, NULL, "free_pages");
		}
	}
	add_line(f, v, "Mem KiB:  managed %llu  free %llu  balloon %llu (target %llu)",
		 (unsigned long long)managed * 4, (unsigned long long)free_pages * 4,
		 (unsigned long long)(ctlsock_u64(now, "balloon", "actual") / KIB),
		 (unsigned long long)(ctlsock_u64(now, "balloon", "target") / KIB));
	add_line(f, v, "Swap KiB: size %llu  pages in %llu out %llu  in/s %s out/s %s",
		 (unsigned long long)(ctlsock_u64(now, "swap", "size") / KIB),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "pswpin"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "pswpout"),
		 vmstat_rate(now, prev, swpin, in, sizeof(in)),
		 vmstat_rate(now, prev, swpout, out, sizeof(out)));
}

static void lru_lines(const struct top_view *v, json_object *now, json_object *prev,
		      struct top_frame *f)
{
	static const char *const scan[] = { "pgscan_kswapd", "pgscan_direct", NULL };
	static const char *const steal[] = { "pgsteal_kswapd", "pgsteal_direct", NULL };
	static const char *const refault[] = { "workingset_refault", NULL };
	static const char *const tlb_one[] = { "nr_tlb_local_flush_one", NULL };
	static const char *const tlb_all[] = { "nr_tlb_local_flush_all", NULL };
	char a[24], b[24], c[24], d[24], e[24];
	add_line(f, v, "LRU pages: anon %llu  shmem %llu  swapcached %llu  page tables %llu",
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_anon_pages"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_shmem_pages"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_swapcached"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_page_table_pages"));
	add_line(f, v, "LRU: anon active %llu inactive %llu  file active %llu inactive %llu",
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_active_anon"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_inactive_anon"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_active_file"),
		 (unsigned long long)ctlsock_u64(now, "vmstat", "nr_inactive_file"));
	add_line(f, v, "Reclaim/s: scan %s  steal %s  refault %s  TLB flush/s: page %s all %s",
		 vmstat_rate(now, prev, scan, a, sizeof(a)), vmstat_rate(now, prev, steal, b, sizeof(b)),
		 vmstat_rate(now, prev, refault, c, sizeof(c)),
		 vmstat_rate(now, prev, tlb_one, d, sizeof(d)),
		 vmstat_rate(now, prev, tlb_all, e, sizeof(e)));
}

/* One zone: name, free pages, then free blocks of each order. */
static void zone_line(const struct top_view *v, const char *name, json_object *z,
		      struct top_frame *f)
{
	json_object *nr;
	char orders[NR_ORDERS * 6 + 1] = "";
	size_t len = 0;
	json_object_object_get_ex(z, "nr_free", &nr);
	for (size_t o = 0; o < NR_ORDERS; o++) {
		json_object *x = nr ? json_object_array_get_idx(nr, o) : NULL;
		len += (size_t)snprintf(orders + len, sizeof(orders) - len, "%5lld",
					x ? (long long)json_object_get_int64(x) : 0);
	}
	add_line(f, v, "%-8.8s %8llu |%s", name,
		 (unsigned long long)ctlsock_u64(z, NULL, "free_pages"), orders);
}

static void zone_lines(const struct top_view *v, json_object *now, struct top_frame *f)
{
	json_object *zones;
	if (!json_object_object_get_ex(now, "zones", &zones))
		return;
	add_line(f, v, "Zone     freepgs | free blocks of order 0..10");
	json_object_object_foreach(zones, name, z)
		zone_line(v, name, z, f);
}

struct named_size {
	const char *name;
	uint64_t bytes;
};

static int by_bytes_desc(const void *a, const void *b)
{
	uint64_t x = ((const struct named_size *)a)->bytes, y = ((const struct named_size *)b)->bytes;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The slab caches holding the most pages, as many as fit on one line. */
static void slab_line(const struct top_view *v, json_object *now, struct top_frame *f)
{
	json_object *slabs;
	char text[TOP_MAX_COLS + 1] = "Slab KiB:";
	size_t n = 0, len = strlen(text);
	if (!json_object_object_get_ex(now, "slabs", &slabs))
		return;
	struct named_size *s = calloc((size_t)json_object_object_length(slabs) + 1, sizeof(*s));
	json_object_object_foreach(slabs, name, c)
		s[n++] = (struct named_size){ name, ctlsock_u64(c, NULL, "bytes") };
	qsort(s, n, sizeof(*s), by_bytes_desc);
	for (size_t k = 0; k < n; k++) {
		int w = snprintf(text + len, sizeof(text) - len, " %s %llu", s[k].name,
				 (unsigned long long)(s[k].bytes / KIB));
		if (w < 0 || len + (size_t)w > (size_t)v->width || len + (size_t)w >= sizeof(text)) {
			text[len] = 0;
			break;
		}
		len += (size_t)w;
	}
	free(s);
	add_line(f, v, "%s", text);
}

/* One row of the process table, from a `processes` element. */
struct proc_row {
	int pid;
	const char *comm, *state;
	uint64_t vsz, rss, shared, swap, min_flt, maj_flt;
	double fault_rate;         /* < 0: no earlier sample of this pid */
};

static void row_of(json_object *p, struct proc_row *r)
{
	json_object *x;
	r->pid = json_object_object_get_ex(p, "pid", &x) ? json_object_get_int(x) : -1;
	r->comm = json_object_object_get_ex(p, "comm", &x) ? json_object_get_string(x) : "?";
	r->state = json_object_object_get_ex(p, "state", &x) ? json_object_get_string(x) : "?";
	r->vsz = ctlsock_u64(p, NULL, "vsz");
	r->rss = ctlsock_u64(p, NULL, "rss");
	r->shared = ctlsock_u64(p, NULL, "shared");
	r->swap = ctlsock_u64(p, NULL, "swap");
	r->min_flt = ctlsock_u64(p, NULL, "min_flt");
	r->maj_flt = ctlsock_u64(p, NULL, "maj_flt");
	r->fault_rate = -1;
}

/* The faults per second of pid r since the record prev, if prev has it. */
static void fault_rate(struct proc_row *r, json_object *prev_procs, double dt)
{
	size_t n = prev_procs && dt > 0 ? json_object_array_length(prev_procs) : 0;
	for (size_t k = 0; k < n; k++) {
		struct proc_row old;
		row_of(json_object_array_get_idx(prev_procs, k), &old);
		if (old.pid == r->pid) {
			uint64_t now = r->min_flt + r->maj_flt, then = old.min_flt + old.maj_flt;
			r->fault_rate = (double)(now >= then ? now - then : 0) / dt;
			return;
		}
	}
}

static uint64_t sort_value(const struct proc_row *r, enum top_sort s)
{
	switch (s) {
	case TOP_SORT_VSZ: return r->vsz;
	case TOP_SORT_SWAP: return r->swap;
	case TOP_SORT_FAULTS: return r->min_flt + r->maj_flt;
	case TOP_SORT_PID: return (uint64_t)r->pid;
	default: return r->rss;
	}
}

/* Descending by the key (ascending for pid); ties by pid. */
static int row_order(const void *a, const void *b, void *sort)
{
	const struct proc_row *x = a, *y = b;
	enum top_sort s = *(const enum top_sort *)sort;
	uint64_t vx = sort_value(x, s), vy = sort_value(y, s);
	if (vx != vy && s != TOP_SORT_PID)
		return vx < vy ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The column title, marked with '>' when the table is sorted by it. */
static const char *title(const struct top_view *v, enum top_sort s, const char *name, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s%s", v->sort == s ? ">" : "", name);
	return buf;
}

static void table_header(const struct top_view *v, struct top_frame *f)
{
	char pid[8], virt[8], res[8], swap[8], flt[8];
	add_line(f, v, "%5s %-15s S %7s %7s %7s %7s %8s %6s %6s",
		 title(v, TOP_SORT_PID, "PID", pid, sizeof(pid)), "COMM",
		 title(v, TOP_SORT_VSZ, "VIRT", virt, sizeof(virt)),
		 title(v, TOP_SORT_RSS, "RES", res, sizeof(res)), "SHR",
		 title(v, TOP_SORT_SWAP, "SWAP", swap, sizeof(swap)),
		 title(v, TOP_SORT_FAULTS, "MINFLT", flt, sizeof(flt)), "MAJFLT", "FLT/S");
}

static void table_row(const struct top_view *v, const struct proc_row *r, struct top_frame *f)
{
	char rate[24];
	if (r->fault_rate < 0)
		snprintf(rate, sizeof(rate), "-");
	else
		snprintf(rate, sizeof(rate), "%.0f", r->fault_rate);
	add_line(f, v, "%5d %-15.15s %.1s %7llu %7llu %7llu %7llu %8llu %6llu %6s", r->pid,
		 r->comm, r->state, (unsigned long long)(r->vsz / KIB),
		 (unsigned long long)(r->rss / KIB), (unsigned long long)(r->shared / KIB),
		 (unsigned long long)(r->swap / KIB), (unsigned long long)r->min_flt,
		 (unsigned long long)r->maj_flt, rate);
}

static void process_table(const struct top_view *v, json_object *now, json_object *prev,
			  struct top_frame *f)
{
	json_object *procs, *prev_procs = NULL;
	if (!json_object_object_get_ex(now, "processes", &procs))
		return;
	if (prev)
		json_object_object_get_ex(prev, "processes", &prev_procs);
	size_t n = json_object_array_length(procs);
	struct proc_row *rows = calloc(n + 1, sizeof(*rows));
	for (size_t k = 0; k < n; k++) {
		row_of(json_object_array_get_idx(procs, k), &rows[k]);
		fault_rate(&rows[k], prev_procs, elapsed(now, prev));
	}
	enum top_sort sort = v->sort;
	qsort_r(rows, n, sizeof(*rows), row_order, &sort);
	table_header(v, f);
	for (size_t k = 0; k < n; k++)
		table_row(v, &rows[k], f);
	free(rows);
}

void top_render(const struct top_view *v, json_object *now, json_object *prev,
		struct top_frame *f)
{
	f->n = 0;
	header_lines(v, now, f);
	memory_lines(v, now, prev, f);
	lru_lines(v, now, prev, f);
	zone_lines(v, now, f);
	slab_line(v, now, f);
	add_line(f, v, "%s", "");
	process_table(v, now, prev, f);
}
