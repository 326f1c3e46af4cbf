/*
 * numa.c: finds the NUMA nodes at boot (numa.h): the SRAT's memory
 * affinities give each proximity domain a node (numbered in the order the
 * SRAT first names them, as Linux numbers them) and its address span, its
 * processor affinities each CPU's node, the SLIT the distances; numa=fake=N
 * cuts RAM into N nodes of equal RAM instead. Node boundaries are rounded
 * down to NUMA_ALIGN (the log says when that moves one). A layout that does
 * not fit (nodes overlapping or out of address order, more than
 * BUDDY_MAX_NODES) is refused with a warning and the machine gets one node.
 */
#include <numa.h>
#include <memblock.h>
#include <cmdline.h>
#include <printk.h>
#include <string.h>
#include <smp.h>
#include <asm/acpi.h>

#define NUMA_LOCAL  10
#define NUMA_REMOTE 20

struct numa_layout numa_layout;

/* Distances 10 local, 20 remote; CPU c on node c % nr (Linux's round robin
 * for CPUs no table places, numa_init_array). */
static void default_links(struct numa_layout *l)
{
	for (unsigned i = 0; i < l->nr; i++)
		for (unsigned j = 0; j < l->nr; j++)
			l->distance[i][j] = i == j ? NUMA_LOCAL : NUMA_REMOTE;
	for (unsigned c = 0; c < MM_NR_CPUS; c++)
		l->cpu_node[c] = (uint8_t)(c % l->nr);
}

static void one_node(struct numa_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->nr = 1;
	l->start[1] = memblock_end_of_ram();
	l->source = "one node";
	default_links(l);
}

/* The address below which RAM holds want bytes (memblock's memory). */
static phys_addr_t ram_offset_to_addr(phys_addr_t want)
{
	const struct memblock_type *m = memblock_memory();

	for (unsigned i = 0; i < m->cnt; i++) {
		if (want < m->regions[i].size)
			return m->regions[i].base + want;
		want -= m->regions[i].size;
	}
	return memblock_end_of_ram();
}

/* numa=fake=N: N nodes of equal RAM. Returns 0 or -1 (N out of range). */
static int fake_nodes(struct numa_layout *l, long n)
{
	phys_addr_t ram = memblock_phys_mem_size();

	if (n < 1 || n > BUDDY_MAX_NODES || ram / (phys_addr_t)n < NUMA_ALIGN)
		return -1;
	l->nr = (unsigned)n;
	for (unsigned i = 1; i < l->nr; i++) {
		l->start[i] = ram_offset_to_addr(ram / (phys_addr_t)n * i) & ~(NUMA_ALIGN - 1);
		if (l->start[i] <= l->start[i - 1])
			return -1;
	}
	l->start[l->nr] = memblock_end_of_ram();
	l->source = "numa=fake";
	default_links(l);
	return 0;
}

/* The node of proximity domain pxm, given one when new (pxm_of[] in SRAT order). */
static int node_of_pxm(uint32_t *pxm_of, unsigned *nr, uint32_t pxm)
{
	for (unsigned i = 0; i < *nr; i++)
		if (pxm_of[i] == pxm)
			return (int)i;
	if (*nr == BUDDY_MAX_NODES)
		return -1;
	pxm_of[*nr] = pxm;
	return (int)(*nr)++;
}

static void log_srat(const struct acpi_numa *a, const uint32_t *pxm_of, unsigned nr)
{
	for (unsigned i = 0; i < a->nr_mem; i++)
		for (unsigned n = 0; n < nr; n++)
			if (pxm_of[n] == a->mem[i].pxm)
				pr_info("ACPI: SRAT: Node %u PXM %u [mem 0x%08llx-0x%08llx]\n", n,
					a->mem[i].pxm, (unsigned long long)a->mem[i].base,
					(unsigned long long)(a->mem[i].base + a->mem[i].size - 1));
}

/* Each CPU's node from its APIC ID's processor affinity. */
static void srat_cpus(struct numa_layout *l, const struct acpi_numa *a, uint32_t *pxm_of)
{
	for (unsigned c = 0; c < nr_cpu_ids && c < MM_NR_CPUS; c++)
		for (unsigned i = 0; i < a->nr_cpus; i++)
			for (unsigned n = 0; n < l->nr; n++)
				if (a->cpus[i].apic_id == percpu_of(c)->apic_id &&
				    a->cpus[i].pxm == pxm_of[n]) {
					l->cpu_node[c] = (uint8_t)n;
					pr_info("ACPI: SRAT: PXM %u -> APIC 0x%02x -> Node %u\n",
						pxm_of[n], a->cpus[i].apic_id, n);
				}
}

/* The SLIT's distances between the nodes' proximity domains, when it has them. */
static void slit_distances(struct numa_layout *l, const struct acpi_numa *a, uint32_t *pxm_of)
{
	for (unsigned i = 0; i < l->nr; i++)
		for (unsigned j = 0; j < l->nr; j++)
			if (pxm_of[i] < a->nr_localities && pxm_of[j] < a->nr_localities)
				l->distance[i][j] = a->distance[pxm_of[i]][pxm_of[j]];
}

/* Each node's lowest address, from the SRAT. Returns 0, or -1 when the
 * nodes are too many, or overlap or run against address order. */
static int srat_spans(struct numa_layout *l, const struct acpi_numa *a, uint32_t *pxm_of)
{
	phys_addr_t lo[BUDDY_MAX_NODES], hi[BUDDY_MAX_NODES];

	for (unsigned i = 0; i < a->nr_mem; i++) {
		unsigned before = l->nr;
		int n = node_of_pxm(pxm_of, &l->nr, a->mem[i].pxm);
		phys_addr_t b = a->mem[i].base, e = b + a->mem[i].size;
		if (n < 0)
			return -1;
		if (l->nr > before)
			lo[n] = b, hi[n] = e;
		lo[n] = b < lo[n] ? b : lo[n];
		hi[n] = e > hi[n] ? e : hi[n];
	}
	for (unsigned n = 1; n < l->nr; n++) {
		if (lo[n] < hi[n - 1])
			return -1;
		l->start[n] = lo[n] & ~(NUMA_ALIGN - 1);
		if (l->start[n] <= l->start[n - 1])
			return -1;
		if (l->start[n] != lo[n])
			pr_info("NUMA: node %u starts at 0x%llx, rounded down to 4 MiB from 0x%llx\n",
				n, (unsigned long long)l->start[n], (unsigned long long)lo[n]);
	}
	return 0;
}

static int srat_nodes(struct numa_layout *l, phys_addr_t rsdp)
{
	static struct acpi_numa a;      /* boot only: too big for the stack */
	uint32_t pxm_of[BUDDY_MAX_NODES];

	if (acpi_find_numa(rsdp, &a))
		return -1;
	l->nr = 0;
	if (srat_spans(l, &a, pxm_of)) {
		pr_warn("NUMA: the SRAT's nodes overlap, run out of address order or are more "
			"than %u: one node\n", BUDDY_MAX_NODES);
		return -1;
	}
	l->start[l->nr] = memblock_end_of_ram();
	l->source = "SRAT";
	default_links(l);
	log_srat(&a, pxm_of, l->nr);
	srat_cpus(l, &a, pxm_of);
	slit_distances(l, &a, pxm_of);
	return 0;
}

/* "fake=N" (numa=): N, or 0 when the value is not that. */
static long fake_count(const char *v)
{
	long n = 0;

	if (!v || strncmp(v, "fake=", 5) || !v[5])
		return 0;
	for (v += 5; *v >= '0' && *v <= '9'; v++)
		n = n * 10 + (*v - '0');
	return *v ? 0 : n;
}

static void tag_memblock(const struct numa_layout *l)
{
	for (unsigned n = 0; n < l->nr; n++) {
		if (memblock_set_node(l->start[n], l->start[n + 1] - l->start[n], (int)n))
			panic("numa: memblock has no room to split RAM at node %u", n);
		pr_info("NUMA: Node %u [mem 0x%08llx-0x%08llx] (%s)\n", n,
			(unsigned long long)l->start[n], (unsigned long long)(l->start[n + 1] - 1),
			l->source);
	}
}

void numa_init(struct numa_layout *l, phys_addr_t rsdp)
{
	const char *opt = kparams.numa;
	long fake = fake_count(opt);

	one_node(l);
	if (opt && !strcmp(opt, "off")) {
		pr_info("NUMA: numa=off: one node\n");
	} else if (fake) {
		if (fake_nodes(l, fake)) {
			pr_warn("numa=fake=%ld: from 1 to %u nodes of at least 4 MiB: one node\n", fake,
				BUDDY_MAX_NODES);
			one_node(l);
		}
	} else {
		if (opt)
			pr_warn("numa=%s: expected off or fake=N; ignored\n", opt);
		if (srat_nodes(l, rsdp))
			one_node(l);
	}
	tag_memblock(l);
}

void numa_to_buddy_nodes(const struct numa_layout *l, struct buddy_nodes *out)
{
	memset(out, 0, sizeof(*out));
	out->nr = l->nr;
	for (unsigned n = 0; n <= l->nr; n++)
		out->start_pfn[n] = l->start[n] >> MM_PAGE_SHIFT;
	memcpy(out->distance, l->distance, sizeof(out->distance));
	memcpy(out->cpu_node, l->cpu_node, sizeof(out->cpu_node));
}
