/*
 * sysfs.c: /sys/devices/system/node and /sys/devices/system/cpu in Linux's
 * formats (sysfs.h), from the page allocator's nodes (struct buddy: the
 * nodes, their zones and counters, distances, each CPU's node) and the
 * CPUs online (smp.h). Linux's drivers/base/node.c and cpu.c print them:
 * node and CPU sets as lists ("0-1"), a node's CPUs also as a hex mask,
 * its SLIT row, its meminfo lines ("Node 1 MemTotal: ...") and its
 * numastat (Linux's older names for the numa_* counters of its zones).
 *
 * A node's meminfo has what the guest knows per node: its zones' managed
 * and free pages and its LRU lists (Active, Inactive and their anon and
 * file parts). Linux's other lines (SwapCached, Unevictable, FilePages,
 * Slab...) count what the guest keeps for the machine as a whole, so
 * they are left out rather than printed wrong.
 *
 * Invariant: a file's text fits one page, as a Linux sysfs attribute's;
 * it is generated at open under the kernel lock (buddy_drain_pcp needs the
 * other CPUs out of buddy) and does not change after.
 */
#include <sysfs.h>
#include <file.h>
#include <buddy.h>
#include <page_alloc.h>
#include <smp.h>
#include <uapi.h>
#include <errno.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>
#include <reclaim.h>

#define SYSFS_TEXT_MAX MM_PAGE_SIZE   /* Linux's limit for one attribute */
#define NODE_DIR "devices/system/node/"
#define KB(pages) ((unsigned long long)(pages) * (MM_PAGE_SIZE >> 10))

_Static_assert(MM_NR_CPUS <= 32, "cpumap prints one 32-bit group");

/* Where a file's text goes: len counts what did not fit too. */
struct sysfs_text {
	char *buf;
	size_t len;
};

static void st_printf(struct sysfs_text *t, const char *fmt, ...) __printf(2, 3);
static void st_printf(struct sysfs_text *t, const char *fmt, ...)
{
	size_t room = t->len < SYSFS_TEXT_MAX ? SYSFS_TEXT_MAX - t->len : 0;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

/* A set of nodes or CPUs as Linux's bitmap_print_to_pagebuf lists it:
 * ranges "0-1,3", a line of its own ("\n" for an empty set). */
static void print_list(struct sysfs_text *t, uint64_t set)
{
	const char *sep = "";

	for (unsigned i = 0; i < 64; i++) {
		if (!(set >> i & 1))
			continue;
		unsigned last = i;
		while (last + 1 < 64 && (set >> (last + 1) & 1))
			last++;
		if (last > i)
			st_printf(t, "%s%u-%u", sep, i, last);
		else
			st_printf(t, "%s%u", sep, i);
		sep = ",";
		i = last;
	}
	st_printf(t, "\n");
}

static uint64_t online_cpus(void)
{
	uint64_t set = 0;

	for (unsigned c = 0; c < nr_cpu_ids; c++)
		if (cpu_online(c))
			set |= 1ull << c;
	return set;
}

static uint64_t possible_cpus(void)
{
	return (1ull << nr_cpu_ids) - 1;
}

static uint64_t all_nodes(const struct buddy *b)
{
	return (1ull << b->nr_nodes) - 1;
}

/* The online CPUs whose node is nid. */
static uint64_t node_cpus(const struct buddy *b, unsigned nid)
{
	uint64_t set = 0, online = online_cpus();

	for (unsigned c = 0; c < nr_cpu_ids; c++)
		if ((online >> c & 1) && b->cpu_node[c] == nid)
			set |= 1ull << c;
	return set;
}

static const struct buddy_zone *node_zone(const struct buddy *b, unsigned nid, unsigned type)
{
	return &b->zones[nid * BUDDY_NR_ZONE_TYPES + type];
}

static uint64_t node_managed_pages(const struct buddy *b, unsigned nid)
{
	uint64_t sum = 0;

	for (unsigned z = 0; z < BUDDY_NR_ZONE_TYPES; z++)
		sum += node_zone(b, nid, z)->managed_pages;
	return sum;
}

/* The nodes for which has(b, node) is not 0: Linux's N_MEMORY with
 * node_managed_pages, N_CPU with node_cpus. */
static uint64_t nodes_with(const struct buddy *b,
			  uint64_t (*has)(const struct buddy *b, unsigned nid))
{
	uint64_t set = 0;

	for (unsigned n = 0; n < b->nr_nodes; n++)
		if (has(b, n))
			set |= 1ull << n;
	return set;
}

/* Files of /sys/devices/system, one show function each; nid is the node
 * of a nodeN file. */
typedef void (*sysfs_show)(struct sysfs_text *t, struct buddy *b, unsigned nid);

static void show_nodes(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	(void)nid;
	print_list(t, all_nodes(b));
}

static void show_has_memory(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	(void)nid;
	print_list(t, nodes_with(b, node_managed_pages));
}

static void show_has_cpu(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	(void)nid;
	print_list(t, nodes_with(b, node_cpus));
}

static void show_cpus_online(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	(void)b, (void)nid;
	print_list(t, online_cpus());
}

static void show_cpus_possible(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	(void)b, (void)nid;
	print_list(t, possible_cpus());
}

static void show_cpulist(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	print_list(t, node_cpus(b, nid));
}

/* Linux's cpumap: the mask in hex, as many digits as nr_cpu_ids needs. */
static void show_cpumap(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	int digits = (int)(nr_cpu_ids + 3) / 4;

	st_printf(t, "%0*llx\n", digits, (unsigned long long)node_cpus(b, nid));
}

/* The SLIT's row of nid: its distance to every node. */
static void show_distance(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	for (unsigned n = 0; n < b->nr_nodes; n++)
		st_printf(t, "%s%u", n ? " " : "", b->distance[nid][n]);
	st_printf(t, "\n");
}

static void meminfo_line(struct sysfs_text *t, unsigned nid, const char *name, uint64_t pages)
{
	st_printf(t, "Node %u %-16s%8llu kB\n", nid, name, KB(pages));
}

/* Linux's node_read_meminfo, the lines the guest has per node (see the top). */
static void show_meminfo(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	uint64_t total = node_managed_pages(b, nid), free = 0;
	struct reclaim_lru_sizes l;

	buddy_drain_pcp(b);     /* MemFree exact, not per-CPU cached */
	for (unsigned z = 0; z < BUDDY_NR_ZONE_TYPES; z++)
		free += node_zone(b, nid, z)->free_pages;
	meminfo_line(t, nid, "MemTotal:", total);
	meminfo_line(t, nid, "MemFree:", free);
	meminfo_line(t, nid, "MemUsed:", total - free);
	reclaim_node_lru_sizes(nid, &l);
	meminfo_line(t, nid, "Active:", l.active_anon + l.active_file);
	meminfo_line(t, nid, "Inactive:", l.inactive_anon + l.inactive_file);
	meminfo_line(t, nid, "Active(anon):", l.active_anon);
	meminfo_line(t, nid, "Inactive(anon):", l.inactive_anon);
	meminfo_line(t, nid, "Active(file):", l.active_file);
	meminfo_line(t, nid, "Inactive(file):", l.inactive_file);
}

/* Linux's node_read_numastat: the numa_* counters of the node's zones,
 * under their older names, in enum buddy_numa_stat's order. */
static void show_numastat(struct sysfs_text *t, struct buddy *b, unsigned nid)
{
	static const char *const names[BUDDY_NR_NUMA_STATS] = {
		"numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node",
	};

	for (unsigned s = 0; s < BUDDY_NR_NUMA_STATS; s++) {
		uint64_t sum = 0;
		for (unsigned z = 0; z < BUDDY_NR_ZONE_TYPES; z++)
			sum += node_zone(b, nid, z)->numa_stat[s];
		st_printf(t, "%s %llu\n", names[s], (unsigned long long)sum);
	}
}

struct sysfs_file {
	const char *name;
	sysfs_show show;
};

static const struct sysfs_file system_files[] = {
	{ NODE_DIR "has_cpu", show_has_cpu },
	{ NODE_DIR "has_memory", show_has_memory },
	{ NODE_DIR "online", show_nodes },
	{ NODE_DIR "possible", show_nodes },
	{ "devices/system/cpu/online", show_cpus_online },
	{ "devices/system/cpu/possible", show_cpus_possible },
};

/* In each nodeN directory. */
static const struct sysfs_file node_files[] = {
	{ "cpulist", show_cpulist },
	{ "cpumap", show_cpumap },
	{ "distance", show_distance },
	{ "meminfo", show_meminfo },
	{ "numastat", show_numastat },
};

/* File i of the tree: its name (in buf when generated), *show and *nid;
 * NULL past the last. The machine-wide files, then node by node. */
static const char *tree_file(unsigned i, char *buf, size_t n, sysfs_show *show, unsigned *nid)
{
	const struct buddy *b = page_alloc_buddy();

	*nid = 0;
	if (i < ARRAY_SIZE(system_files)) {
		*show = system_files[i].show;
		return system_files[i].name;
	}
	i -= (unsigned)ARRAY_SIZE(system_files);
	*nid = i / (unsigned)ARRAY_SIZE(node_files);
	if (*nid >= b->nr_nodes)
		return NULL;
	const struct sysfs_file *f = &node_files[i % ARRAY_SIZE(node_files)];
	*show = f->show;
	snprintf(buf, n, NODE_DIR "node%u/%s", *nid, f->name);
	return buf;
}

const char *sysfs_tree_name(const char *dir, unsigned i, char *buf, size_t n)
{
	sysfs_show show;
	unsigned nid;

	(void)dir;
	return tree_file(i, buf, n, &show, &nid);
}

bool sysfs_dir_exists(const char *path)
{
	size_t len = strlen(path);
	char buf[64];
	const char *name;

	if (!len)
		return true;
	for (unsigned i = 0; (name = sysfs_tree_name(path, i, buf, sizeof(buf))); i++)
		if (!strncmp(name, path, len) && name[len] == '/')
			return true;
	return false;
}

int sysfs_open(struct file *f, const char *path, int flags)
{
	char buf[64];
	const char *name;
	sysfs_show show;
	unsigned nid;

	for (unsigned i = 0; (name = tree_file(i, buf, sizeof(buf), &show, &nid)); i++) {
		if (strcmp(name, path))
			continue;
		if ((flags & O_ACCMODE) != O_RDONLY)
			return -EACCES;
		struct sysfs_text t = { kmalloc(SYSFS_TEXT_MAX, BUDDY_GFP_KERNEL), 0 };
		if (!t.buf)
			return -ENOMEM;
		show(&t, page_alloc_buddy(), nid);
		f->text = t.buf;
		f->len = MM_MIN(t.len, (size_t)SYSFS_TEXT_MAX - 1);
		f->cap = SYSFS_TEXT_MAX;
		return 0;
	}
	return -ENOENT;
}
