/*
 * cmd_show.c: `memvisor show FILE [--json] [--space kernel|cpuN|PID]
 * [--view maps|tables|nested|tasks|zones|slabs|vmstat|segments|cpus|log]`: one view of a
 * snapshot, for people (aligned text) or scripts (--json; zones, slabs
 * and vmstat in the key names of recjson.h).
 *
 * The cpus view says what each vCPU ran: its privilege level (CS.DPL) and
 * the address space whose root its CR3 holds, matched against the spaces
 * the snapshot walked. In user mode that is the task that ran there; in
 * kernel mode it is a task's system call or fault, or a kernel thread or
 * the idle loop on the mm it borrowed (lazy TLB), or the kernel's own.
 */
#include "commands.h"
#include "linux_tasks.h"
#include "recjson.h"
#include "snapfile.h"
#include "snapview.h"
#include "ptwalk.h"
#include "util.h"
#include "vmcoreinfo.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct show_opts {
	const char *file;
	const char *view;
	bool json, one_space;
	int32_t pid;
};

static bool space_selected(const struct show_opts *o, const struct snap_space *s)
{
	return !o->one_space || s->pid == o->pid;
}

static uint64_t table_pages(const struct snap_space *s)
{
	uint64_t n = 0;
	for (int l = 0; l < SNAP_MAX_LEVELS; l++)
		n += s->tables[l];
	return n;
}

static void show_maps(const struct snap_file *f, const struct show_opts *o, json_object *j)
{
	for (size_t i = 0; i < f->nr_spaces; i++) {
		const struct snap_space_view *s = &f->spaces[i];
		char name[48], line[200];
		if (!space_selected(o, &s->hdr))
			continue;
		if (j) {
			json_object *a = json_object_new_array();
			for (uint32_t k = 0; k < s->hdr.nr_ranges; k++)
				json_object_array_add(a, snapview_range_json(&s->ranges[k]));
			json_object_object_add(j, snapview_space_name(&s->hdr, name, sizeof(name)), a);
			continue;
		}
		printf("# %s: %u ranges, root %#llx\n", snapview_space_name(&s->hdr, name, sizeof(name)),
		       s->hdr.nr_ranges, (unsigned long long)s->hdr.root_pa);
		for (uint32_t k = 0; k < s->hdr.nr_ranges; k++) {
			snapview_range_line(&s->ranges[k], line, sizeof(line));
			printf("%s\n", line);
		}
	}
}

static void show_tables(const struct snap_file *f, const struct show_opts *o, json_object *j)
{
	static const char *const level[] = { "PML4", "PDPT", "PD", "PT", "-" };
	if (!j)
		printf("%-20s %6s %6s %6s %6s %8s %8s\n", "space", level[0], level[1], level[2],
		       level[3], "pages", "memory");
	for (size_t i = 0; i < f->nr_spaces; i++) {
		const struct snap_space *s = &f->spaces[i].hdr;
		char name[48], mem[16];
		if (!space_selected(o, s))
			continue;
		snapview_space_name(s, name, sizeof(name));
		if (j) {
			json_object *t = json_object_new_object();
			for (int l = 0; l < 4; l++)
				json_object_object_add(t, level[l], json_object_new_uint64(s->tables[l]));
			json_object_object_add(t, "bytes", json_object_new_uint64(table_pages(s) * 4096));
			json_object_object_add(t, "bad_tables", json_object_new_uint64(s->bad_tables));
			json_object_object_add(j, name, t);
			continue;
		}
		printf("%-20s %6llu %6llu %6llu %6llu %8llu %8s\n", name,
		       (unsigned long long)s->tables[0], (unsigned long long)s->tables[1],
		       (unsigned long long)s->tables[2], (unsigned long long)s->tables[3],
		       (unsigned long long)table_pages(s),
		       mv_format_size(table_pages(s) * 4096, mem, sizeof(mem)));
	}
}

static uint64_t mapped_bytes(const struct snap_space_view *s)
{
	uint64_t n = 0;
	for (uint32_t k = 0; k < s->hdr.nr_ranges; k++)
		n += s->ranges[k].len;
	return n;
}

/* The processes the snapshot walked a space for (pid >= 0): memvisor's
 * tasks through mv_info, a Linux guest's through its task list. */
static void show_tasks(const struct snap_file *f, const struct show_opts *o, json_object *j)
{
	json_object *a = j ? json_object_new_array() : NULL;
	if (!j)
		printf("%-7s %-16s %-12s %7s %9s\n", "pid", "comm", "root", "ranges", "mapped");
	for (size_t i = 0; i < f->nr_spaces; i++) {
		const struct snap_space_view *s = &f->spaces[i];
		char mem[16];
		if (s->hdr.pid < 0 || !space_selected(o, &s->hdr))
			continue;
		if (!j) {
			printf("%-7d %-16s %#-12llx %7u %9s\n", s->hdr.pid, s->hdr.comm,
			       (unsigned long long)s->hdr.root_pa, s->hdr.nr_ranges,
			       mv_format_size(mapped_bytes(s), mem, sizeof(mem)));
			continue;
		}
		json_object *t = json_object_new_object();
		json_object_object_add(t, "pid", json_object_new_int(s->hdr.pid));
		json_object_object_add(t, "comm", json_object_new_string(s->hdr.comm));
		json_object_object_add(t, "root", json_object_new_uint64(s->hdr.root_pa));
		json_object_object_add(t, "ranges", json_object_new_uint64(s->hdr.nr_ranges));
		json_object_object_add(t, "mapped_bytes", json_object_new_uint64(mapped_bytes(s)));
		json_object_array_add(a, t);
	}
	if (j)
		json_object_object_add(j, "tasks", a);
}

/* GVA -> GPA -> HVA -> resident -> HPA for each range. */
static uint64_t slot_hva(const struct snap_file *f, uint64_t gpa)
{
	for (size_t i = 0; i < f->nr_slots; i++)
		if (gpa >= f->slots[i].gpa && gpa - f->slots[i].gpa < f->slots[i].size)
			return f->slots[i].hva + (gpa - f->slots[i].gpa);
	return 0;
}

static void show_nested(const struct snap_file *f, const struct show_opts *o, json_object *j)
{
	for (size_t i = 0; i < f->nr_spaces; i++) {
		const struct snap_space_view *s = &f->spaces[i];
		char name[48];
		if (!space_selected(o, &s->hdr))
			continue;
		json_object *a = j ? json_object_new_array() : NULL;
		if (!j)
			printf("# %s\n%-35s    %-31s    %-14s    %-15s    %s\n",
			       snapview_space_name(&s->hdr, name, sizeof(name)), "GVA", "GPA",
			       "HVA", "host resident", "HPA");
		for (uint32_t k = 0; k < s->hdr.nr_ranges; k++) {
			const struct snap_range *r = &s->ranges[k];
			uint64_t hva = slot_hva(f, r->pa), pages = r->len >> 12;
			if (a) {
				json_object *e = snapview_range_json(r);
				json_object_object_add(e, "hva", json_object_new_uint64(hva));
				json_object_array_add(a, e);
				continue;
			}
			char res[32], hpa[24] = "?", hv[24] = "not RAM";
			snprintf(res, sizeof(res), "%llu/%llu pages", (unsigned long long)r->host_resident,
				 (unsigned long long)pages);
			if (r->hpa)
				snprintf(hpa, sizeof(hpa), "%#llx", (unsigned long long)r->hpa);
			if (hva)
				snprintf(hv, sizeof(hv), "%#llx", (unsigned long long)hva);
			printf("%016llx-%016llx -> 0x%012llx-0x%012llx -> %-14s -> %-15s -> %s\n",
			       (unsigned long long)r->va, (unsigned long long)(r->va + r->len),
			       (unsigned long long)r->pa, (unsigned long long)(r->pa + r->len), hv,
			       hva ? res : "-", hva ? hpa : "-");
		}
		if (a)
			json_object_object_add(j, snapview_space_name(&s->hdr, name, sizeof(name)), a);
	}
}

/* The numa_* counters on one line, under a zone or a node. */
static void show_numa_line(const uint64_t numa[SNAP_NR_NUMA_STATS])
{
	printf("                     numa:");
	for (int k = 0; k < SNAP_NR_NUMA_STATS; k++) /* "hit" for numa_hit, ... */
		printf(" %s %llu", snap_numa_stat_name(k) + strlen("numa_"),
		       (unsigned long long)numa[k]);
	printf("\n");
}

/* Zones in the writer's order, node by node, as /proc/zoneinfo lists them;
 * with several nodes each zone's numa_* counters and a line per node. */
static void show_zones(const struct snap_file *f)
{
	struct recjson_node nodes[RECJSON_MAX_NODES];
	size_t nr_nodes = recjson_node_sums(f->zones, f->nr_zones, nodes, RECJSON_MAX_NODES);
	for (size_t i = 0; i < f->nr_zones; i++) {
		const struct snap_zone *z = &f->zones[i];
		printf("Node %u, zone %8s free %8llu min %6llu low %6llu high %6llu managed %8llu\n"
		       "                     per order:", z->node, z->name,
		       (unsigned long long)z->free_pages, (unsigned long long)z->wmark[0],
		       (unsigned long long)z->wmark[1], (unsigned long long)z->wmark[2],
		       (unsigned long long)z->managed);
		for (int k = 0; k < SNAP_MAX_ORDERS; k++)
			printf(" %6llu", (unsigned long long)z->nr_free[k]);
		printf("\n");
		if (nr_nodes > 1)
			show_numa_line(z->numa);
	}
	for (size_t i = 0; nr_nodes > 1 && i < nr_nodes; i++) {
		printf("Node %u, all zones  free %8llu managed %8llu present %8llu\n", nodes[i].node,
		       (unsigned long long)nodes[i].free_pages,
		       (unsigned long long)nodes[i].managed, (unsigned long long)nodes[i].present);
		show_numa_line(nodes[i].numa);
	}
}

static void show_slabs(const struct snap_file *f)
{
	printf("%-24s %10s %8s %8s %8s %6s %8s\n", "# name", "active_objs", "objsize",
	       "objperslab", "order", "slabs", "free_slabs");
	for (size_t i = 0; i < f->nr_slabs; i++) {
		const struct snap_slab *s = &f->slabs[i];
		printf("%-24s %10llu %8u %8u %8u %6llu %8llu\n", s->name,
		       (unsigned long long)s->active_objs, s->object_size, s->objects_per_slab,
		       s->order, (unsigned long long)s->nr_slabs, (unsigned long long)s->nr_free_slabs);
	}
}

static void show_vmstat(const struct snap_file *f)
{
	for (size_t i = 0; i < f->nr_vmstat; i++)
		printf("%s %llu\n", f->vmstat[i].name, (unsigned long long)f->vmstat[i].value);
}

static const char *const seg_names[SNAP_NR_SEGS] = { "cs", "ds", "es", "fs", "gs", "ss",
							"tr", "ldtr" };

static bool long_mode(const struct snap_cpu *c)
{
	return c->efer & (1u << 10);   /* EFER.LMA */
}

/* The GDT descriptors of vCPU v, decoded as the CPU reads them, into d
 * (at most max); returns how many. */
static size_t cpu_gdt(const struct snap_cpu_view *v, struct snap_segment *d, size_t max)
{
	size_t n = 0;
	for (size_t off = 0, len; n < max && (len = snapview_descriptor(v->gdt, v->hdr.gdt_bytes,
									off, long_mode(&v->hdr),
									&d[n])) != 0; off += len)
		n++;
	return n;
}

#define GDT_MAX_ENTRIES (SNAP_GDT_MAX / 8)

static void segments_text(const struct snap_cpu_view *v, struct snap_segment *gdt, size_t n)
{
	const struct snap_cpu *c = &v->hdr;
	char line[160];
	printf("# vCPU %u: CR0 %#llx CR3 %#llx CR4 %#llx EFER %#llx%s\n", c->cpu,
	       (unsigned long long)c->cr0, (unsigned long long)c->cr3, (unsigned long long)c->cr4,
	       (unsigned long long)c->efer, long_mode(c) ? " (long mode)" : "");
	printf("# GDTR base %#llx limit %#x, IDTR base %#llx limit %#x\n",
	       (unsigned long long)c->gdt_base, c->gdt_limit, (unsigned long long)c->idt_base,
	       c->idt_limit);
	if (long_mode(c))
		printf("# long mode: CS, DS, ES, SS are flat (base and limit not used);"
		       " FS and GS keep only their bases (TLS, per-CPU data)\n");
	for (int r = 0; r < SNAP_NR_SEGS; r++) {
		snapview_segment_line(&c->seg[r], line, sizeof(line));
		printf("%-4s  %s\n", seg_names[r], line);
	}
	printf("# GDT: %u bytes%s\n", c->gdt_bytes,
	       c->gdt_bytes ? "" : " (not readable through the vCPU's page tables)");
	for (size_t k = 0; k < n; k++) {
		snapview_segment_line(&gdt[k], line, sizeof(line));
		printf("gdt   %s\n", line);
	}
}

static json_object *segments_json(const struct snap_cpu_view *v, struct snap_segment *gdt,
				  size_t n)
{
	const struct snap_cpu *c = &v->hdr;
	json_object *o = json_object_new_object(), *regs = json_object_new_object();
	json_object *entries = json_object_new_array();
	json_object_object_add(o, "cpu", json_object_new_int((int)c->cpu));
	json_object_object_add(o, "long_mode", json_object_new_boolean(long_mode(c)));
	json_object_object_add(o, "gdt_base", json_object_new_uint64(c->gdt_base));
	json_object_object_add(o, "gdt_limit", json_object_new_uint64(c->gdt_limit));
	for (int r = 0; r < SNAP_NR_SEGS; r++)
		json_object_object_add(regs, seg_names[r], snapview_segment_json(&c->seg[r]));
	for (size_t k = 0; k < n; k++)
		json_object_array_add(entries, snapview_segment_json(&gdt[k]));
	json_object_object_add(o, "registers", regs);
	json_object_object_add(o, "gdt", entries);
	return o;
}

/* Each vCPU's segment registers, then its GDT entries (text, or JSON into j). */
static void show_segments(const struct snap_file *f, json_object *j)
{
	json_object *cpus = j ? json_object_new_array() : NULL;
	struct snap_segment *gdt = malloc(GDT_MAX_ENTRIES * sizeof(*gdt));
	for (size_t i = 0; gdt && i < f->nr_cpu_notes; i++) {
		size_t n = cpu_gdt(&f->cpus[i], gdt, GDT_MAX_ENTRIES);
		if (cpus)
			json_object_array_add(cpus, segments_json(&f->cpus[i], gdt, n));
		else
			segments_text(&f->cpus[i], gdt, n);
	}
	free(gdt);
	if (j)
		json_object_object_add(j, "cpus", cpus);
	else if (!f->nr_cpu_notes)
		printf("(no vCPU system registers in this snapshot)\n");
}

/*
 * The space whose root a CR3 holds, or NULL (none the snapshot walked):
 * a process's rather than the cpuN or kernel space of the same root.
 * Under Linux's PTI (SNAP_META_PTI) a process's pgd is a pair, the
 * kernel's copy and its user copy 4 KiB on, and either may be in CR3
 * (kernel or user mode): both name the process (linux_cr3_pgd).
 */
static const struct snap_space *space_in_cr3(const struct snap_file *f, uint64_t cr3)
{
	bool pti = f->meta.flags & SNAP_META_PTI;
	uint64_t root = linux_cr3_pgd(cr3, pti);
	const struct snap_space *found = NULL;
	for (size_t i = 0; i < f->nr_spaces; i++) {
		const struct snap_space *s = &f->spaces[i].hdr;
		if (linux_cr3_pgd(s->root_pa, pti) == root &&
		    (!found || (found->pid < 0 && s->pid >= 0)))
			found = s;
	}
	return found;
}

static json_object *cpu_task_json(const struct snap_cpu *c, const struct snap_space *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "cpu", json_object_new_int((int)c->cpu));
	json_object_object_add(o, "mode", json_object_new_string(c->seg[SNAP_CS].dpl == 3 ? "user"
											 : "kernel"));
	json_object_object_add(o, "cr3", json_object_new_uint64(c->cr3));
	json_object_object_add(o, "pid", s ? json_object_new_int(s->pid) : NULL);
	json_object_object_add(o, "comm", s ? json_object_new_string(s->comm) : NULL);
	return o;
}

/* Which task each vCPU ran, by its CR3 and CS (text, or JSON into j). */
static void show_cpus(const struct snap_file *f, json_object *j)
{
	json_object *cpus = j ? json_object_new_array() : NULL;
	if (!j)
		printf("%-5s %-6s %-18s %s\n", "cpu", "mode", "cr3", "address space in CR3");
	for (size_t i = 0; i < f->nr_cpu_notes; i++) {
		const struct snap_cpu *c = &f->cpus[i].hdr;
		const struct snap_space *s = space_in_cr3(f, c->cr3);
		char name[48];
		if (cpus) {
			json_object_array_add(cpus, cpu_task_json(c, s));
			continue;
		}
		printf("cpu%-2u %-6s %#-18llx %s\n", c->cpu, c->seg[SNAP_CS].dpl == 3 ? "user" : "kernel",
		       (unsigned long long)c->cr3,
		       s ? snapview_space_name(s, name, sizeof(name)) : "(not a space this snapshot walked)");
	}
	if (j)
		json_object_object_add(j, "cpus", cpus);
	else if (!f->nr_cpu_notes)
		printf("(no vCPU system registers in this snapshot)\n");
}

/* The JSON of a record view (zones, slabs, vmstat: recjson.h), else NULL. */
static json_object *record_view_json(const struct snap_file *f, const char *view)
{
	if (!strcmp(view, "zones"))
		return recjson_zones(f->zones, f->nr_zones);
	if (!strcmp(view, "slabs"))
		return recjson_slabs(f->slabs, f->nr_slabs);
	if (!strcmp(view, "vmstat"))
		return recjson_vmstat(f->vmstat, f->nr_vmstat);
	return NULL;
}

/* A Linux guest's release, KASLR offset and page-table isolation, from
 * its VMCOREINFO note and the snapshot's metadata. */
static void show_linux(const struct snap_file *f)
{
	char release[65], offset_text[40] = "no KERNELOFFSET";
	uint64_t offset;
	if (!f->vmcoreinfo)
		return;
	if (vmcoreinfo_value(f->vmcoreinfo, "OSRELEASE", release, sizeof(release)) < 0)
		snprintf(release, sizeof(release), "(no OSRELEASE)");
	if (vmcoreinfo_number(f->vmcoreinfo, "KERNELOFFSET", &offset) == 0)
		snprintf(offset_text, sizeof(offset_text), "KERNELOFFSET %#llx",
			 (unsigned long long)offset);
	printf("# Linux %s, %s (VMCOREINFO)\n", release, offset_text);
	if (f->meta.flags & SNAP_META_PTI)
		printf("# page-table isolation on: a process's root is its pgd's user copy"
		       " (pgd + 4 KiB), the table its user mode runs on\n");
}

static void show_header(const struct snap_file *f)
{
	char ram[16];
	printf("# snapshot: %s, taken at uptime %.3f s (%s), %d vCPU%s, RAM %s%s\n",
	       f->meta.kernel, (double)f->meta.uptime_ns / 1e9, f->meta.reason, f->nr_cpus,
	       f->nr_cpus == 1 ? "" : "s", mv_format_size(f->meta.ram_size, ram, sizeof(ram)),
	       f->nr_loads ? ", with memory" : "");
	if (!(f->meta.flags & SNAP_META_INTROSPECTED))
		printf("# guest state not read: %s\n", f->meta.error);
	show_linux(f);
}

static int show_view(const struct snap_file *f, const struct show_opts *o)
{
	json_object *j = NULL;
	if (o->json && !(j = record_view_json(f, o->view)))
		j = json_object_new_object();
	if (!j)
		show_header(f);
	if (!strcmp(o->view, "maps"))
		show_maps(f, o, j);
	else if (!strcmp(o->view, "tables"))
		show_tables(f, o, j);
	else if (!strcmp(o->view, "nested"))
		show_nested(f, o, j);
	else if (!strcmp(o->view, "tasks"))
		show_tasks(f, o, j);
	else if (!j && !strcmp(o->view, "zones"))
		show_zones(f);
	else if (!j && !strcmp(o->view, "slabs"))
		show_slabs(f);
	else if (!j && !strcmp(o->view, "vmstat"))
		show_vmstat(f);
	else if (!strcmp(o->view, "segments"))
		show_segments(f, j);
	else if (!strcmp(o->view, "cpus"))
		show_cpus(f, j);
	else if (!strcmp(o->view, "log"))
		printf("%s", j ? "" : (f->log ? f->log : "(no kernel log in this snapshot)\n"));
	if (j) {
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
		json_object_put(j);
	}
	return 0;
}

static void show_usage(FILE *out)
{
	fprintf(out, "usage: memvisor show FILE [--json] [--space kernel|cpuN|PID]\n"
		     "                     [--view maps|tables|nested|tasks|zones|slabs|vmstat|segments|cpus|log]\n"
		     "Prints one view of a snapshot (default: maps).\n");
}

static int parse_show(struct show_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "space", required_argument, NULL, 's' },
		{ "view", required_argument, NULL, 'V' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const views[] = { "maps", "tables", "nested", "tasks", "zones", "slabs",
					     "vmstat", "segments", "cpus", "log" };
	int c;
	*o = (struct show_opts){ .view = "maps" };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			show_usage(stdout);
			return 1;
		}
		if (c == 'j')
			o->json = true;
		else if (c == 's' && snapview_parse_space(optarg, &o->pid) == 0)
			o->one_space = true;
		else if (c == 'V')
			o->view = optarg;
		else
			return -EINVAL;
	}
	bool known = false;
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		known |= !strcmp(o->view, views[i]);
	if (!known || optind != argc - 1)
		return -EINVAL;
	o->file = argv[optind];
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct show_opts o;
	struct snap_file f;
	struct mv_error err;
	int rc = parse_show(&o, argc, argv);
	if (rc) {
		if (rc < 0)
			show_usage(stderr);
		return rc > 0 ? 0 : MV_EXIT_USAGE;
	}
	if (snapfile_read(&f, o.file, &err) < 0) {
		mv_err("%s", err.msg);
		return MV_EXIT_USAGE;
	}
	if (o.one_space && !snapfile_space(&f, o.pid)) {
		mv_err("%s: no address space %d in this snapshot", o.file, o.pid);
		snapfile_free(&f);
		return MV_EXIT_USAGE;
	}
	rc = show_view(&f, &o);
	snapfile_free(&f);
	return rc;
}
