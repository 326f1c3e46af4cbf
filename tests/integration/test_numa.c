/*
 * test_numa.c: NUMA guests. `memvisor run --numa SPEC` describes nodes in
 * the ACPI SRAT and SLIT; the kernel reads them at boot, tags memblock's
 * RAM, gives each node its zones (DMA and DMA32 by address, so a small
 * guest's node 1 has only DMA32), and /proc/zoneinfo, /proc/buddyinfo and
 * /proc/vmstat show every node and the numa_* counters. numa=fake=N does
 * the same without tables. Memory policies (set_mempolicy through memhog's
 * --bind, --preferred, --interleave; get_mempolicy(MPOL_F_NODE |
 * MPOL_F_ADDR) through --where) decide where a process's pages land: BIND
 * keeps them on the node until it OOMs there, PREFERRED falls back to the
 * other node with numa_miss counted, INTERLEAVE alternates page by page.
 * mbind (memhog --mbind) puts a policy on one area that wins over the
 * task's and is inherited on fork, and with MPOL_MF_MOVE (--move) moves
 * the pages already there; /proc/PID/numa_maps shows both. Each node has
 * its kswapd: a hog bound to node 1 wakes kswapd1 only. Each node has its
 * LRU lists (case "per-node lists"): reclaim for that hog scans node 1's
 * lists only, and a page mbind moves to node 1 joins node 1's lists.
 * From the host (case "host views"): snapshots name each zone's node, `show
 * --view zones` groups the zones per node, `diff` compares per node, and
 * `stats` reports how much of each node's memory is resident on the host.
 */
#include "ctl.h"
#include "snapfmt.h"
#include "tamper.h"

#include <check.h>
#include <stddef.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Boots 64 MiB and cpus vCPUs with numa (a --numa SPEC or NULL), swap (a
 * --swap FILE:SIZE or NULL), the guest words and init=INIT (a program and
 * its arguments); the guest's status must be status. */
static struct vm_run boot_swap(const char *numa, int cpus, const char *swap, const char *words,
			       const char *init, int status)
{
	char ncpu[8], cmdline[256];
	const char *argv[18] = { "run", "-c", ncpu, "-m", "64M", "--timeout", "120",
				 "--crash-dump", "none" };
	int n = 9;
	struct vm_run r;

	if (numa) {
		argv[n++] = "--numa";
		argv[n++] = numa;
	}
	if (swap) {
		argv[6] = "300";        /* swapping on a slow ring 0 takes minutes */
		argv[n++] = "--swap";
		argv[n++] = swap;
	}
	argv[n++] = test_kernel_path();
	argv[n++] = "--";
	argv[n++] = cmdline;
	snprintf(ncpu, sizeof(ncpu), "%d", cpus);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 %s init=%s", words, init);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == status, "status %d, not %d:\n%s", r.status, status, r.console);
	return r;
}

/* boot_swap without swap. */
static struct vm_run boot_init(const char *numa, int cpus, const char *words, const char *init,
			       int status)
{
	return boot_swap(numa, cpus, NULL, words, init, status);
}

/* boot_init with init=/bin/cat FILES, status 0. */
static struct vm_run boot_numa(const char *numa, int cpus, const char *words, const char *files)
{
	char init[200];
	snprintf(init, sizeof(init), "/bin/cat %s", files);
	return boot_init(numa, cpus, words, init, 0);
}

#define ASSERT_HAS(r, s) ck_assert_msg(console_has(r, s), "no \"%s\" in:\n%s", s, (r)->console)

/* The value after "name " on its own line of the console (vmstat). */
static long long console_value(const struct vm_run *r, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *p = strstr(r->console, key);
	ck_assert_msg(p, "no %s in:\n%s", name, r->console);
	return atoll(p + strlen(key));
}

START_TEST(two_nodes_from_the_srat_each_get_their_zones_and_cpus)
{
	struct vm_run r = boot_numa("2", 2, "", "/proc/buddyinfo /proc/zoneinfo");
	ASSERT_HAS(&r, "ACPI: SRAT: Node 0 PXM 0 [mem 0x00000000-0x01ffffff]");
	ASSERT_HAS(&r, "ACPI: SRAT: Node 1 PXM 1 [mem 0x02000000-0x03ffffff]");
	ASSERT_HAS(&r, "ACPI: SRAT: PXM 1 -> APIC 0x01 -> Node 1");
	ASSERT_HAS(&r, "NUMA: Node 1 [mem 0x02000000-0x03ffffff] (SRAT)");
	ASSERT_HAS(&r, "smp: Brought up 2 nodes, 2 CPUs");
	ASSERT_HAS(&r, "Node 0, zone      DMA      ");   /* buddyinfo */
	ASSERT_HAS(&r, "Node 1, zone    DMA32      ");
	/* zoneinfo: node 1's first zone with pages is DMA32, its per-node block there */
	ASSERT_HAS(&r, "Node 1, zone    DMA32\n  per-node stats\n      nr_inactive_anon ");
	ASSERT_HAS(&r, "\n      pgsteal_kswapd 0\n  pages free");
	ASSERT_HAS(&r, "Node 1, zone   Normal\n  pages free     0");
	ASSERT_HAS(&r, "        spanned  8192\n        present  ");  /* node 1: 32 MiB */
	ASSERT_HAS(&r, "\n      numa_hit     ");
	vm_run_free(&r);
}
END_TEST

START_TEST(explicit_node_sizes_set_where_node_1_begins)
{
	struct vm_run r = boot_numa("0:40M:cpus=0,1:24M:cpus=1", 2, "", "/proc/buddyinfo");
	ASSERT_HAS(&r, "NUMA: Node 0 [mem 0x00000000-0x027fffff] (SRAT)");
	ASSERT_HAS(&r, "NUMA: Node 1 [mem 0x02800000-0x03ffffff] (SRAT)");
	ASSERT_HAS(&r, "Node 1, zone    DMA32");
	vm_run_free(&r);
}
END_TEST

START_TEST(numa_fake_splits_a_guest_without_tables)
{
	struct vm_run r = boot_numa(NULL, 1, "numa=fake=2", "/proc/buddyinfo");
	ASSERT_HAS(&r, "NUMA: Node 0 [mem 0x00000000-0x01ffffff] (numa=fake)");
	ASSERT_HAS(&r, "NUMA: Node 1 [mem 0x02000000-0x03ffffff] (numa=fake)");
	ASSERT_HAS(&r, "Node 1, zone    DMA32");
	vm_run_free(&r);
}
END_TEST

START_TEST(vmstat_counts_every_allocation_as_a_hit_or_a_miss_and_local_or_other)
{
	struct vm_run r = boot_numa("2", 2, "", "/proc/vmstat");
	long long hit = console_value(&r, "numa_hit"), miss = console_value(&r, "numa_miss");
	long long local = console_value(&r, "numa_local"), other = console_value(&r, "numa_other");
	ck_assert_int_gt(hit, 0);
	ck_assert_int_eq(console_value(&r, "numa_foreign"), miss);
	ck_assert_int_eq(hit + miss, local + other);
	ck_assert_int_eq(console_value(&r, "numa_interleave"), 0);
	vm_run_free(&r);
}
END_TEST

START_TEST(a_guest_without_nodes_shows_node_0_only)
{
	struct vm_run r = boot_numa(NULL, 1, "", "/proc/zoneinfo");
	ck_assert_msg(!console_has(&r, "Node 1,"), "node 1 in:\n%s", r.console);
	ck_assert_msg(!console_has(&r, "numa_hit"), "NUMA counters in zoneinfo:\n%s", r.console);
	ASSERT_HAS(&r, "NUMA: Node 0 [mem 0x00000000-0x03ffffff] (one node)");
	vm_run_free(&r);
}
END_TEST

/* Pages memhog --where says landed on node (0 when it names none). */
static long node_pages(const struct vm_run *r, int node)
{
	char key[32];
	snprintf(key, sizeof(key), "memhog: node %d: ", node);
	const char *p = strstr(r->console, key);
	return p ? atol(p + strlen(key)) : 0;
}

START_TEST(a_process_bound_to_node_1_gets_only_node_1_pages)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 8M --bind 1 --where", 0);
	ASSERT_HAS(&r, "memhog: policy bind, nodes 0x2");
	ck_assert_int_eq(node_pages(&r, 1), 2048);
	ck_assert_int_eq(node_pages(&r, 0), 0);
	vm_run_free(&r);
}
END_TEST

START_TEST(bind_ooms_on_its_node_rather_than_leave_it)
{
	/* node 1 has 32 MiB: 40 MiB bound there cannot fit; node 0 would have room */
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 40M --bind 1 --where", 137);
	ASSERT_HAS(&r, "Out of memory: Killed process");
	ck_assert_msg(!console_has(&r, "memhog: node 0:"), "a page left node 1:\n%s", r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(preferred_falls_back_to_node_0_with_numa_miss_once_node_1_is_full)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 40M --preferred 1 --where "
				    "--show /proc/vmstat", 0);
	ck_assert_int_gt(node_pages(&r, 1), 6000);      /* most of node 1's 8192 pages */
	ck_assert_int_gt(node_pages(&r, 0), 0);
	ck_assert_int_eq(node_pages(&r, 0) + node_pages(&r, 1), 10240);
	ck_assert_int_gt(console_value(&r, "numa_miss"), 0);
	ck_assert_int_eq(console_value(&r, "numa_foreign"), console_value(&r, "numa_miss"));
	vm_run_free(&r);
}
END_TEST

START_TEST(interleave_spreads_pages_within_one_page_of_even)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 4100K --interleave --where "
				    "--show /proc/vmstat", 0);
	long n0 = node_pages(&r, 0), n1 = node_pages(&r, 1);
	ck_assert_int_eq(n0 + n1, 1025);
	ck_assert_int_le(labs(n0 - n1), 1);
	ck_assert_int_ge(console_value(&r, "numa_interleave"), 1024);
	vm_run_free(&r);
}
END_TEST

START_TEST(numa_maps_names_the_policy_and_the_pages_on_each_node)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 4M --interleave "
				    "--show /proc/self/numa_maps", 0);
	ASSERT_HAS(&r, " interleave:0-1 file=/bin/memhog mapped=");
	long long anon = 0, dirty = 0, n0 = 0, n1 = 0;
	bool found = false;   /* the hog's area: anonymous, written, on both nodes */
	for (const char *line = r.console; line && !found; line = strchr(line + 1, '\n'))
		found = sscanf(line + (*line == '\n'), "%*x interleave:0-1 anon=%lld dirty=%lld "
			       "N0=%lld N1=%lld kernelpagesize_kB=4", &anon, &dirty, &n0, &n1) == 4;
	ck_assert_msg(found, "no anonymous area on both nodes:\n%s", r.console);
	ck_assert_int_ge(anon, 1024);
	ck_assert_int_eq(dirty, anon);
	ck_assert_int_eq(n0 + n1, anon);
	ck_assert_int_le(llabs(n0 - n1), 1);
	vm_run_free(&r);
}
END_TEST

/* memhog's 4M hog wholly on node 1 by --where's lines (who: "" or the
 * child's "child: "), and in numa_maps as an area bound to node 1. */
static void assert_hog_on_node_1(const struct vm_run *r, const char *who)
{
	char all[64], none[64];
	snprintf(all, sizeof(all), "\nmemhog: %snode 1: 1024 pages\n", who);
	snprintf(none, sizeof(none), "memhog: %snode 0:", who);
	ASSERT_HAS(r, all);
	ck_assert_msg(!console_has(r, none), "%s", r->console);
	ASSERT_HAS(r, " bind:1 anon=1024 dirty=1024 N1=1024 kernelpagesize_kB=4\n");
}

/* mbind(MPOL_BIND) on the hog's area alone, under a task policy of
 * INTERLEAVE: the area's pages all land on node 1 (the area's policy wins
 * in the fault path), the areas around it keep the task's policy, and a
 * forked child inherits the area's policy (get_mempolicy(MPOL_F_ADDR)) and
 * places its copies on node 1 too. */
START_TEST(mbind_places_one_areas_pages_over_the_task_policy_and_a_child_inherits_it)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 4M --interleave --mbind 1 --where "
				    "--child-where --show /proc/self/numa_maps", 0);
	ASSERT_HAS(&r, "memhog: mbind 4096 KiB to node 1");
	assert_hog_on_node_1(&r, "");
	ASSERT_HAS(&r, "memhog: child: area policy 2, nodes 0x2");   /* MPOL_BIND, node 1 */
	assert_hog_on_node_1(&r, "child: ");
	ASSERT_HAS(&r, " interleave:0-1 stack ");
	vm_run_free(&r);
}
END_TEST

/* The hog's pages written under INTERLEAVE (half on node 0), then
 * mbind(MPOL_BIND to node 1, MPOL_MF_MOVE | MPOL_MF_STRICT): every page
 * moves to node 1 (no EIO: none was left behind) and reads back what was
 * written before the move. */
START_TEST(mbind_move_brings_interleaved_pages_to_node_1_with_their_contents)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 4M --interleave --move 1 --where "
				    "--verify --show /proc/self/numa_maps", 0);
	ASSERT_HAS(&r, "memhog: mbind 4096 KiB to node 1, pages moved");
	assert_hog_on_node_1(&r, "");
	ASSERT_HAS(&r, "memhog: verify ok: 1024 pages");
	vm_run_free(&r);
}
END_TEST

/* The figure after "name " in node's per-node stats block of /proc/zoneinfo. */
static long long node_stat(const struct vm_run *r, int node, const char *name)
{
	char head[32], key[64];
	snprintf(head, sizeof(head), "Node %d, zone ", node);
	snprintf(key, sizeof(key), "\n      %s ", name);
	const char *block = strstr(r->console, head);
	block = block ? strstr(block, "  per-node stats") : NULL;
	const char *p = block ? strstr(block, key) : NULL;
	ck_assert_msg(p, "no %s for node %d in:\n%s", name, node, r->console);
	return atoll(p + strlen(key));
}

/* memhog 40M bound to node 1 with 64M of swap in test folder dir (made
 * here, named name), showing /proc/zoneinfo as it ends. */
static struct vm_run boot_bound_swap_hog(char dir[64], const char *name)
{
	char swap[128];
	ck_assert_int_eq(test_dir_make(dir, name), 0);
	snprintf(swap, sizeof(swap), "%s:64M", test_dir_path(dir, "swap.img"));
	struct vm_run r = boot_swap("2", 2, swap, "", "/bin/memhog 40M --bind 1 "
				    "--show /proc/zoneinfo", 0);
	ASSERT_HAS(&r, "memhog: 40960 KiB (10240 pages)");
	return r;
}

/*
 * A hog bound to node 1, larger than node 1, with swap: node 1's zones
 * fall below their low marks, so node 1's kswapd runs and frees node-1
 * pages (to swap) until they are above high again; node 0's zones never
 * get there and kswapd0 sleeps throughout (no wakeup, nothing scanned).
 */
START_TEST(a_hog_bound_to_node_1_wakes_kswapd1_while_kswapd0_sleeps)
{
	char dir[64];
	struct vm_run r = boot_bound_swap_hog(dir, "numa-kswapd");
	ck_assert_int_gt(node_stat(&r, 1, "pageoutrun"), 0);
	ck_assert_int_gt(node_stat(&r, 1, "pgsteal_kswapd"), 0);
	ck_assert_int_ge(node_stat(&r, 1, "pgscan_kswapd"), node_stat(&r, 1, "pgsteal_kswapd"));
	ck_assert_int_eq(node_stat(&r, 0, "pageoutrun"), 0);
	ck_assert_int_eq(node_stat(&r, 0, "pgscan_kswapd"), 0);
	vm_run_free(&r);
	test_dir_remove(dir);
}
END_TEST

/* ---- host views: snapshots, show, diff and stats per node ---------------- */

static char host_dir[64];

static void host_setup(void)
{
	ck_assert_int_eq(test_dir_make(host_dir, "mv-numahost"), 0);
}

static void host_teardown(void)
{
	ck_assert_int_eq(test_dir_remove(host_dir), 0);
}

/* Runs memvisor with argv (NULL-terminated); its status must be status. */
static struct vm_run memvisor(const char *const argv[], int status)
{
	struct vm_run r;
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == status, "%s: status %d, not %d:\n%s", argv[0], r.status, status,
		      r.console);
	return r;
}

/* The JSON memvisor printed for argv (status status). */
static json_object *memvisor_json(const char *const argv[], int status)
{
	struct vm_run r = memvisor(argv, status);
	json_object *j = json_tokener_parse(r.console);
	ck_assert_msg(j != NULL, "%s printed no JSON:\n%s", argv[0], r.console);
	vm_run_free(&r);
	return j;
}

static long long json_i64(json_object *o, const char *a, const char *b, const char *c)
{
	json_object *v = o;
	const char *keys[] = { a, b, c };
	for (int k = 0; k < 3 && keys[k]; k++)
		ck_assert_msg(json_object_object_get_ex(v, keys[k], &v), "no %s in %s", keys[k],
			      json_object_to_json_string(o));
	return json_object_get_int64(v);
}

/*
 * A 2-node guest whose memhog binds 8M to node 1: a snapshot once memhog
 * waits (before it maps anything), one once it holds its pages.
 */
static void bound_hog_with_snapshots(void)
{
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "%s/snap", host_dir);
	const char *argv[] = { "run", "-c", "2", "-m", "64M", "--numa", "2", "--timeout", "120",
			       "--crash-dump", "none", "--snapshot-prefix", prefix, "--pressure",
			       "when console \"^memhog: waiting for vmstat\":snapshot=before,"
			       "when console \"^memhog: waiting for vmstat\":balloon=4K,"
			       "when console \"^memhog: holding\":snapshot=holding,"
			       "when console \"^memhog: holding\":quit",
			       test_kernel_path(), "--", "console=ttyS0 loglevel=4 init=/bin/memhog",
			       "8M", "--bind", "1", "--start-on-vmstat", "balloon_inflate", "1",
			       "--hold", NULL };
	struct vm_run r = memvisor(argv, 0);
	ck_assert_msg(strstr(r.console, "memhog: holding"), "%s", r.console);
	vm_run_free(&r);
}

START_TEST(snapshots_show_and_diff_name_each_zone_s_node)
{
	bound_hog_with_snapshots();
	const char *before = test_dir_path(host_dir, "snap-before.core");
	const char *holding = test_dir_path(host_dir, "snap-holding.core");

	const char *show[] = { "show", holding, "--view", "zones", NULL };
	struct vm_run r = memvisor(show, 0);
	ck_assert_msg(strstr(r.console, "\nNode 0, zone      DMA free"), "%s", r.console);
	ck_assert_msg(strstr(r.console, "\nNode 1, zone    DMA32 free"), "%s", r.console);
	ck_assert_msg(strstr(r.console, "numa: hit "), "%s", r.console);
	ck_assert_msg(strstr(r.console, "\nNode 1, all zones  free"), "%s", r.console);
	vm_run_free(&r);

	const char *show_json[] = { "show", holding, "--view", "zones", "--json", NULL };
	json_object *zones = memvisor_json(show_json, 0);
	ck_assert_int_eq(json_i64(zones, "DMA32", "node", NULL), 0);
	ck_assert_int_eq(json_i64(zones, "DMA32_1", "node", NULL), 1);
	ck_assert_int_gt(json_i64(zones, "DMA32_1", "numa_hit", NULL), 0);
	json_object_put(zones);

	/* memhog's 8M came from node 1, whichever CPU it ran on */
	const char *diff[] = { "diff", before, holding, "--json", NULL };
	json_object *d = memvisor_json(diff, 1);
	ck_assert_int_le(json_i64(d, "nodes", "1", "free_pages"), -2048);
	ck_assert_int_gt(json_i64(d, "nodes", "1", "numa_hit"), 0);
	ck_assert_int_le(json_i64(d, "zones", "DMA32_1", "free_pages"), -2048);
	json_object *n0;
	if (json_object_object_get_ex(json_object_object_get(d, "nodes"), "0", &n0))
		ck_assert_int_gt(json_i64(n0, "free_pages", NULL, NULL), -512);
	json_object_put(d);
}
END_TEST

/* `stats SOCK --json`: host.nodes.NODE.KEY. */
static long long host_node_figure(json_object *stats, const char *node, const char *key)
{
	json_object *host, *nodes, *n;
	ck_assert(json_object_object_get_ex(stats, "host", &host));
	ck_assert_msg(json_object_object_get_ex(host, "nodes", &nodes), "%s",
		      json_object_to_json_string(host));
	ck_assert_msg(json_object_object_get_ex(nodes, node, &n), "no node %s", node);
	return json_i64(n, key, NULL, NULL);
}

static json_object *stats_json(const char *sock)
{
	char *out = ctl_client(sock, "stats", "--json");
	json_object *j = json_tokener_parse(out);
	ck_assert_msg(j, "stats printed no JSON: %s", out);
	free(out);
	return j;
}

START_TEST(stats_report_each_node_s_host_residency)
{
	char sock[128];
	snprintf(sock, sizeof(sock), "%s", test_dir_path(host_dir, "ctl.sock"));
	const char *argv[] = { "run", "-c", "2", "-m", "64M", "--numa", "2", "--timeout", "120",
			       "--crash-dump", "none", "--control", sock, test_kernel_path(), "--",
			       "console=ttyS0 loglevel=4 init=/bin/memhog", "16M", "--bind", "1",
			       "--start-on-vmstat", "balloon_inflate", "1", "--hold", NULL };
	struct bg_run bg;
	ctl_start(&bg, sock, argv);
	char *out = bg_output_with(&bg, "memhog: waiting for vmstat", 120);
	ck_assert_msg(out, "memhog never waited: %s", bg_output(&bg));
	free(out);
	json_object *before = stats_json(sock);
	free(ctl_client(sock, "balloon", "4K"));
	out = bg_output_with(&bg, "memhog: holding", 120);
	ck_assert_msg(out, "memhog never held its pages: %s", bg_output(&bg));
	free(out);
	json_object *after = stats_json(sock);
	char *text = ctl_client(sock, "stats", NULL);
	struct vm_run r = ctl_quit(sock, &bg, 30);
	vm_run_free(&r);

	ck_assert_int_eq(host_node_figure(after, "0", "ram"), 32 << 20);
	ck_assert_int_eq(host_node_figure(after, "1", "ram"), 32 << 20);
	long long grew1 = host_node_figure(after, "1", "resident") -
			  host_node_figure(before, "1", "resident");
	long long grew0 = host_node_figure(after, "0", "resident") -
			  host_node_figure(before, "0", "resident");
	/* memhog wrote 16M on node 1: all of it resident, most of it new */
	ck_assert_int_ge(host_node_figure(after, "1", "resident"), 16 << 20);
	ck_assert_msg(grew1 >= 8 << 20 && grew0 < grew1, "node 1's residency grew by %lld bytes, "
		      "node 0's by %lld", grew1, grew0);
	ck_assert_msg(strstr(text, "\nnode 1     ram    32M"), "%s", text);
	free(text);
	json_object_put(before);
	json_object_put(after);
}
END_TEST

/* The value after "name " at the start of a line of text, or -1. */
static long long text_value(const char *text, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *p = strstr(text, key);
	return p ? atoll(p + strlen(key)) : -1;
}

/* Starts a 2-node, 2-vCPU guest under --control sock whose init is memhog
 * ARGS --hold (args NULL-terminated); returns the console once memhog
 * holds its pages (caller frees). */
static char *start_holding_hog(struct bg_run *bg, const char *sock, const char *const args[])
{
	const char *argv[32] = { "run", "-c", "2", "-m", "64M", "--numa", "2", "--timeout", "120",
				 "--crash-dump", "none", "--control", sock, test_kernel_path(), "--",
				 "console=ttyS0 loglevel=4 init=/bin/memhog" };
	int n = 16;
	for (int i = 0; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = "--hold";
	ctl_start(bg, sock, argv);
	char *out = bg_output_with(bg, "memhog: holding", 120);
	ck_assert_msg(out, "memhog never held its pages: %s", bg_output(bg));
	return out;
}

/*
 * The VMM's vmstat (stats' guest vmstat, read out of guest memory) has
 * the numa_* sums /proc/vmstat prints: a 2-node guest whose memhog printed
 * /proc/vmstat and then sleeps (allocating nothing more) has the same
 * numbers in `stats --json` and in a snapshot's `show --view vmstat`.
 */
START_TEST(stats_and_snapshots_carry_the_numa_sums_proc_vmstat_prints)
{
	char sock[128], snap[128];
	snprintf(sock, sizeof(sock), "%s", test_dir_path(host_dir, "ctl.sock"));
	snprintf(snap, sizeof(snap), "%s", test_dir_path(host_dir, "held.core"));
	const char *hog[] = { "4M", "--preferred", "1", "--show", "/proc/vmstat", NULL };
	struct bg_run bg;
	char *out = start_holding_hog(&bg, sock, hog);
	json_object *stats = stats_json(sock);
	free(ctl_client(sock, "snapshot", snap));
	struct vm_run r = ctl_quit(sock, &bg, 30);
	vm_run_free(&r);
	const char *show[] = { "show", snap, "--view", "vmstat", "--json", NULL };
	json_object *shown = memvisor_json(show, 0);

	json_object *vmstat;
	ck_assert_msg(json_object_object_get_ex(stats, "vmstat", &vmstat), "%s",
		      json_object_to_json_string(stats));
	static const char *const names[] = { "numa_hit", "numa_miss", "numa_foreign",
					     "numa_interleave", "numa_local", "numa_other" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long long guest = text_value(out, names[i]);
		ck_assert_msg(guest >= 0, "no %s in:\n%s", names[i], out);
		ck_assert_int_eq(json_i64(vmstat, names[i], NULL, NULL), guest);
		ck_assert_int_eq(json_i64(shown, names[i], NULL, NULL), guest);
	}
	/* Not all zero, and consistent: each allocation counts one of hit and
	 * miss and one of local and other (memhog's node-1 pages are local or
	 * other as the scheduler put it on CPU 1, node 1's, or CPU 0). */
	long long hit = text_value(out, "numa_hit"), miss = text_value(out, "numa_miss");
	ck_assert_int_gt(hit, 0);
	ck_assert_int_eq(hit + miss, text_value(out, "numa_local") + text_value(out, "numa_other"));
	free(out);
	json_object_put(stats);
	json_object_put(shown);
}
END_TEST

/* Copies of save whose NUMA note was damaged (too many nodes, a node's
 * size that no longer sums to RAM, a vCPU on a missing node) are refused. */
static void assert_numa_note_checked(const char *save)
{
	static const struct {
		size_t off;
		unsigned char x;
		const char *why;
	} damage[] = {
		{ offsetof(struct snap_numa, nr_nodes) + 1, 0x01, "NUMA note: 258 nodes" },
		{ offsetof(struct snap_numa, size) + 8 + 2, 0x10, "NUMA note: " },
		{ offsetof(struct snap_numa, cpu_node), 0x05, "vCPU 0 is on node 5" },
	};
	char bad[128];

	snprintf(bad, sizeof(bad), "%s", test_dir_path(host_dir, "bad.mvs"));
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		tamper_copy(save, bad, -1);
		tamper_flip(bad, tamper_note_record(bad, SNAP_NT_NUMA, sizeof(struct snap_numa)) +
				 (long long)damage[i].off, damage[i].x);
		tamper_assert_refused(bad, damage[i].why);
	}
}

/*
 * A save of a --numa guest records its nodes: `run --restore` of it
 * reports each node's RAM and host residency in stats as the run that
 * saved it did (node 1 holding memhog's 16M).
 */
START_TEST(a_restored_numa_guest_reports_its_nodes)
{
	char sock[128], file[128];
	snprintf(sock, sizeof(sock), "%s", test_dir_path(host_dir, "ctl.sock"));
	snprintf(file, sizeof(file), "%s", test_dir_path(host_dir, "numa.mvs"));
	const char *hog[] = { "16M", "--bind", "1", NULL };
	struct bg_run bg;
	free(start_holding_hog(&bg, sock, hog));
	free(ctl_client(sock, "save", file));
	struct vm_run r = ctl_quit(sock, &bg, 30);
	vm_run_free(&r);

	const char *restore[] = { "run", "--restore", file, "--timeout", "120", "--crash-dump",
				  "none", "--control", sock, NULL };
	ctl_start(&bg, sock, restore);
	json_object *stats = stats_json(sock);
	char *text = ctl_client(sock, "stats", NULL);
	r = ctl_quit(sock, &bg, 30);
	vm_run_free(&r);
	ck_assert_int_eq(host_node_figure(stats, "0", "ram"), 32 << 20);
	ck_assert_int_eq(host_node_figure(stats, "1", "ram"), 32 << 20);
	ck_assert_int_ge(host_node_figure(stats, "1", "resident"), 16 << 20);
	ck_assert_msg(strstr(text, "\nnode 1     ram    32M"), "%s", text);
	free(text);
	json_object_put(stats);
	assert_numa_note_checked(file);
}
END_TEST

/* ---- /sys/devices/system/node: Linux's per-node files ------------------- */

#define SYSDIR "/sys/devices/system/"

/* Boots 64 MiB, cpus vCPUs and --numa numa with the busybox initrd, init
 * /bin/busybox ARGS; busybox must exit 0. */
static struct vm_run busybox_numa(const char *numa, int cpus, const char *args)
{
	char ncpu[8], cmdline[1024];
	const char *argv[] = { "run", "-c", ncpu, "-m", "64M", "--numa", numa, "--timeout", "120",
			       "--crash-dump", "none", "--initrd",
			       test_build_path("guest/initrd-busybox.cpio"), test_kernel_path(), "--",
			       cmdline, NULL };
	struct vm_run r;

	snprintf(ncpu, sizeof(ncpu), "%d", cpus);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 init=/bin/busybox %s", args);
	ck_assert_int_eq(vm_run(&r, argv), 0);
	vm_run_strip_cr(&r);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.console);
	return r;
}

/* The text busybox head printed for file, its nth time (0 the first). */
static const char *head_section(const struct vm_run *r, const char *file, int nth)
{
	char key[128];
	const char *p = r->console;

	snprintf(key, sizeof(key), "==> %s <==\n", file);
	for (int i = 0; p && i <= nth; i++)
		if ((p = strstr(p, key)))
			p += strlen(key);
	ck_assert_msg(p, "no %s (%d) in:\n%s", file, nth, r->console);
	return p;
}

/* The number after "key" at the start of a line of the section (skipping spaces). */
static long long section_value(const char *section, const char *key)
{
	const char *end = strstr(section, "\n==> "), *p = section;
	size_t n = strlen(key);

	while (p && (!end || p < end) && strncmp(p, key, n))
		if ((p = strchr(p, '\n')))
			p++;
	ck_assert_msg(p && (!end || p < end), "no \"%s\" in:\n%.*s", key,
		      end ? (int)(end - section) : 500, section);
	return atoll(p + n);
}

/* The whole first line of the section, for exact comparisons. */
static void assert_section_is(const struct vm_run *r, const char *file, const char *text)
{
	const char *s = head_section(r, file, 0);
	ck_assert_msg(!strncmp(s, text, strlen(text)), "%s is \"%.*s\", not \"%s\"", file,
		      (int)strcspn(s, "\n"), s, text);
}

/* The managed pages of node's zones, from /proc/zoneinfo's section. */
static long long zoneinfo_managed(const struct vm_run *r, int node)
{
	const char *zi = head_section(r, "/proc/zoneinfo", 0), *end = strstr(zi, "\n==> ");
	char key[32];
	long long sum = 0;

	snprintf(key, sizeof(key), "Node %d, zone", node);
	for (const char *z = strstr(zi, key); z && (!end || z < end); z = strstr(z + 1, key))
		sum += section_value(z, "        managed  ");
	return sum;
}

START_TEST(busybox_ls_lists_the_node_directories_and_their_files)
{
	struct vm_run r = busybox_numa("2", 2, "ls -1R " SYSDIR);
	ASSERT_HAS(&r, SYSDIR "node:\nhas_cpu\nhas_memory\nnode0\nnode1\nonline\npossible\n");
	ASSERT_HAS(&r, SYSDIR "node/node1:\ncpulist\ncpumap\ndistance\nmeminfo\nnumastat\n");
	ASSERT_HAS(&r, SYSDIR "cpu:\nonline\npossible\n");
	vm_run_free(&r);
}
END_TEST

/* Each numastat counter of both nodes and its /proc/vmstat name. */
static const char *const numastat_names[][2] = {
	{ "numa_hit ", "numa_hit " },   { "numa_miss ", "numa_miss " },
	{ "numa_foreign ", "numa_foreign " }, { "interleave_hit ", "numa_interleave " },
	{ "local_node ", "numa_local " }, { "other_node ", "numa_other " },
};

START_TEST(node_files_agree_with_the_spec_zoneinfo_and_vmstat)
{
	struct vm_run r = busybox_numa(
		"0:40M:cpus=0-1,1:24M:cpus=2,dist=10,31,31,10", 3,
		"head -n 999 /proc/vmstat " SYSDIR "node/online " SYSDIR "node/possible "
		SYSDIR "node/has_memory " SYSDIR "node/has_cpu " SYSDIR "cpu/online "
		SYSDIR "cpu/possible " SYSDIR "node/node0/cpulist " SYSDIR "node/node0/cpumap "
		SYSDIR "node/node1/cpulist " SYSDIR "node/node1/cpumap " SYSDIR "node/node0/distance "
		SYSDIR "node/node1/distance " SYSDIR "node/node0/meminfo " SYSDIR "node/node1/meminfo "
		SYSDIR "node/node0/numastat " SYSDIR "node/node1/numastat "
		"/proc/vmstat /proc/zoneinfo /proc/meminfo");

	assert_section_is(&r, SYSDIR "node/online", "0-1\n");
	assert_section_is(&r, SYSDIR "node/possible", "0-1\n");
	assert_section_is(&r, SYSDIR "node/has_memory", "0-1\n");
	assert_section_is(&r, SYSDIR "node/has_cpu", "0-1\n");
	assert_section_is(&r, SYSDIR "cpu/online", "0-2\n");
	assert_section_is(&r, SYSDIR "cpu/possible", "0-2\n");
	assert_section_is(&r, SYSDIR "node/node0/cpulist", "0-1\n");   /* the spec's cpus= */
	assert_section_is(&r, SYSDIR "node/node0/cpumap", "3\n");
	assert_section_is(&r, SYSDIR "node/node1/cpulist", "2\n");
	assert_section_is(&r, SYSDIR "node/node1/cpumap", "4\n");
	assert_section_is(&r, SYSDIR "node/node0/distance", "10 31\n"); /* the spec's dist= */
	assert_section_is(&r, SYSDIR "node/node1/distance", "31 10\n");

	long long total_all = 0, listed_file = 0;
	for (int n = 0; n < 2; n++) {
		char file[96], key[32];
		snprintf(file, sizeof(file), SYSDIR "node/node%d/meminfo", n);
		const char *mi = head_section(&r, file, 0);
		snprintf(key, sizeof(key), "Node %d MemTotal:", n);
		long long total = section_value(mi, key);
		snprintf(key, sizeof(key), "Node %d MemFree:", n);
		long long free_kb = section_value(mi, key);
		snprintf(key, sizeof(key), "Node %d MemUsed:", n);
		ck_assert_int_eq(section_value(mi, key), total - free_kb);
		ck_assert_int_eq(total, zoneinfo_managed(&r, n) * 4);
		ck_assert_int_le(total, (n ? 24 : 40) << 10);           /* within its --numa share */
		ck_assert_int_gt(free_kb, 0);
		total_all += total;
		/* its LRU lists: Active and Inactive are their anon and file parts */
		long long part[2][2];  /* [active, inactive][anon, file] */
		const char *parts[2][2] = { { "Active(anon):", "Active(file):" },
					    { "Inactive(anon):", "Inactive(file):" } };
		for (int a = 0; a < 2; a++) {
			for (int k = 0; k < 2; k++) {
				snprintf(key, sizeof(key), "Node %d %s", n, parts[a][k]);
				part[a][k] = section_value(mi, key);
				ck_assert_int_ge(part[a][k], 0);
			}
			snprintf(key, sizeof(key), "Node %d %s", n, a ? "Inactive:" : "Active:");
			ck_assert_int_eq(section_value(mi, key), part[a][0] + part[a][1]);
		}
		ck_assert_int_le(part[0][0] + part[0][1] + part[1][0] + part[1][1], total - free_kb);
		listed_file += part[0][1] + part[1][1];
	}
	ck_assert_msg(listed_file > 0, "no node lists busybox's own file pages");
	ck_assert_int_eq(total_all, section_value(head_section(&r, "/proc/meminfo", 0),
						  "MemTotal:"));
	/* vmstat read before and after both numastat files: their sums lie between */
	for (size_t i = 0; i < sizeof(numastat_names) / sizeof(numastat_names[0]); i++) {
		long long sum = 0;
		for (int n = 0; n < 2; n++) {
			char file[96];
			snprintf(file, sizeof(file), SYSDIR "node/node%d/numastat", n);
			sum += section_value(head_section(&r, file, 0), numastat_names[i][0]);
		}
		long long before = section_value(head_section(&r, "/proc/vmstat", 0),
						  numastat_names[i][1]);
		long long after = section_value(head_section(&r, "/proc/vmstat", 1),
						 numastat_names[i][1]);
		ck_assert_msg(before <= sum && sum <= after, "%s: %lld, vmstat %lld then %lld",
			      numastat_names[i][0], sum, before, after);
	}
	ck_assert_int_gt(section_value(head_section(&r, "/proc/vmstat", 1), "numa_hit "), 0);
	vm_run_free(&r);
}
END_TEST

/* The kernel keeps as many nodes as --numa gives (8): none is folded away. */
START_TEST(eight_nodes_from_the_srat_all_come_up)
{
	struct vm_run r = busybox_numa("8", 2, "head -n 9 " SYSDIR "node/online "
				       SYSDIR "node/node7/distance " SYSDIR "node/node5/meminfo");
	ASSERT_HAS(&r, "NUMA: Node 7 [mem 0x03800000-0x03ffffff] (SRAT)");
	ASSERT_HAS(&r, "smp: Brought up 8 nodes, 2 CPUs");
	assert_section_is(&r, SYSDIR "node/online", "0-7\n");
	assert_section_is(&r, SYSDIR "node/node7/distance", "20 20 20 20 20 20 20 10\n");
	ck_assert_int_eq(section_value(head_section(&r, SYSDIR "node/node5/meminfo", 0),
				       "Node 5 MemTotal:"), 8 << 10);     /* all of its 8M */
	vm_run_free(&r);
}
END_TEST

/* ---- LRU lists per node -------------------------------------------------- */

/* A node's anonymous pages on its LRU lists, from zoneinfo's per-node stats. */
static long long node_anon_listed(const struct vm_run *r, int node)
{
	return node_stat(r, node, "nr_inactive_anon") + node_stat(r, node, "nr_active_anon");
}

/*
 * The hog bound to node 1 (as a_hog_bound_to_node_1_wakes_kswapd1...): its
 * pages are on node 1's lists, and reclaim, kswapd's or direct, scans
 * node 1's lists only: node 0's pgscan_kswapd and pgscan_direct stay 0
 * (with one machine-wide list pair kswapd1 walked node 0's pages too).
 */
START_TEST(reclaim_for_a_hog_bound_to_node_1_scans_only_node_1s_lists)
{
	char dir[64];
	struct vm_run r = boot_bound_swap_hog(dir, "numa-lruvec");
	ASSERT_HAS(&r, "reclaim: LRU lists per node, 2 nodes");
	ck_assert_int_gt(node_stat(&r, 1, "pgscan_kswapd"), 0);
	ck_assert_int_ge(node_stat(&r, 1, "pgscan_kswapd"), node_stat(&r, 1, "pgsteal_kswapd"));
	ck_assert_int_eq(node_stat(&r, 0, "pgscan_kswapd"), 0);
	ck_assert_int_eq(node_stat(&r, 0, "pgscan_direct"), 0);
	ck_assert_int_eq(node_stat(&r, 0, "pgsteal_kswapd"), 0);
	ck_assert_int_gt(node_anon_listed(&r, 1), node_anon_listed(&r, 0));
	vm_run_free(&r);
	test_dir_remove(dir);
}
END_TEST

/* mbind's MPOL_MF_MOVE moves each page to a node-1 frame, and with it to
 * node 1's lists: the 1024 pages, half of them written on node 0, are all
 * listed on node 1 after the move. */
START_TEST(a_page_moved_to_node_1_joins_node_1s_lists)
{
	struct vm_run r = boot_init("2", 2, "", "/bin/memhog 4M --interleave --move 1 "
				    "--show /proc/zoneinfo", 0);
	ASSERT_HAS(&r, "memhog: mbind 4096 KiB to node 1, pages moved");
	ck_assert_int_ge(node_anon_listed(&r, 1), 1024);
	ck_assert_int_lt(node_anon_listed(&r, 0), 512);
	vm_run_free(&r);
}
END_TEST

Suite *numa_suite(void);
Suite *numa_suite(void)
{
	Suite *s = suite_create("numa");
	TCase *tc = tcase_create("nodes");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, two_nodes_from_the_srat_each_get_their_zones_and_cpus);
	tcase_add_test(tc, explicit_node_sizes_set_where_node_1_begins);
	tcase_add_test(tc, numa_fake_splits_a_guest_without_tables);
	tcase_add_test(tc, vmstat_counts_every_allocation_as_a_hit_or_a_miss_and_local_or_other);
	tcase_add_test(tc, a_guest_without_nodes_shows_node_0_only);
	suite_add_tcase(s, tc);
	TCase *pol = tcase_create("policies");
	tcase_set_timeout(pol, 600);
	tcase_add_test(pol, a_process_bound_to_node_1_gets_only_node_1_pages);
	tcase_add_test(pol, interleave_spreads_pages_within_one_page_of_even);
	tcase_add_test(pol, numa_maps_names_the_policy_and_the_pages_on_each_node);
	tcase_add_test(pol, mbind_places_one_areas_pages_over_the_task_policy_and_a_child_inherits_it);
	tcase_add_test(pol, mbind_move_brings_interleaved_pages_to_node_1_with_their_contents);
	tcase_add_test(pol, a_hog_bound_to_node_1_wakes_kswapd1_while_kswapd0_sleeps);
	tcase_add_test(pol, bind_ooms_on_its_node_rather_than_leave_it);
	tcase_add_test(pol, preferred_falls_back_to_node_0_with_numa_miss_once_node_1_is_full);
	suite_add_tcase(s, pol);
	TCase *host = tcase_create("host views");
	tcase_set_timeout(host, 300);
	tcase_add_checked_fixture(host, host_setup, host_teardown);
	tcase_add_test(host, snapshots_show_and_diff_name_each_zone_s_node);
	tcase_add_test(host, stats_report_each_node_s_host_residency);
	suite_add_tcase(s, host);
	TCase *sys = tcase_create("sysfs");
	tcase_set_timeout(sys, 300);
	tcase_add_test(sys, busybox_ls_lists_the_node_directories_and_their_files);
	tcase_add_test(sys, node_files_agree_with_the_spec_zoneinfo_and_vmstat);
	tcase_add_test(sys, eight_nodes_from_the_srat_all_come_up);
	suite_add_tcase(s, sys);
	TCase *sums = tcase_create("vmstat sums");
	tcase_set_timeout(sums, 300);
	tcase_add_checked_fixture(sums, host_setup, host_teardown);
	tcase_add_test(sums, stats_and_snapshots_carry_the_numa_sums_proc_vmstat_prints);
	suite_add_tcase(s, sums);
	TCase *restored = tcase_create("restore");
	tcase_set_timeout(restored, 300);
	tcase_add_checked_fixture(restored, host_setup, host_teardown);
	tcase_add_test(restored, a_restored_numa_guest_reports_its_nodes);
	suite_add_tcase(s, restored);
	TCase *lists = tcase_create("per-node lists");
	tcase_set_timeout(lists, 600);
	tcase_add_test(lists, reclaim_for_a_hog_bound_to_node_1_scans_only_node_1s_lists);
	tcase_add_test(lists, a_page_moved_to_node_1_joins_node_1s_lists);
	suite_add_tcase(s, lists);
	return s;
}
