/*
 * bench_balloon.c: balloon costs, in one run:
 *  - inflating 64 MiB of a 128 MiB guest: time until the driver reports
 *    the target reached, memvisor against QEMU microvm (KVM) running the
 *    same kernel and driver;
 *  - host-side discard throughput: MADV_DONTNEED over merged ranges (what
 *    the balloon device does) against one call per 4 KiB page.
 *
 * usage: bench_balloon [runs]
 */
#include "benchlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIB (1ll << 20)
#define GUEST_MIB 128
#define INFLATE_MIB 64

static long long memvisor_actual(struct bench_guest *g)
{
	struct vm_run r;
	const char *argv[] = { "stats", g->sock, "--json", NULL };
	long long v = -1;
	if (vm_run(&r, argv) == 0 && r.status == 0)
		v = json_path_i64(r.console, "balloon.actual");
	vm_run_free(&r);
	return v;
}

static long long qemu_actual(struct bench_guest *g)
{
	char line[4096];
	if (qmp_command(g->qmp, "{\"execute\":\"query-balloon\"}", line, sizeof(line)) < 0)
		return -1;
	return json_path_i64(line, "return.actual");
}

/* Sets the balloon so the guest loses `mib`; QEMU's value is guest RAM left. */
static void set_balloon(struct bench_guest *g, long long mib)
{
	char arg[32], line[4096], cmd[128];
	if (g->qemu) {
		snprintf(cmd, sizeof(cmd), "{\"execute\":\"balloon\",\"arguments\":{\"value\":%lld}}",
			 (GUEST_MIB - mib) * MIB);
		qmp_command(g->qmp, cmd, line, sizeof(line));
		return;
	}
	snprintf(arg, sizeof(arg), "%lldM", mib);
	const char *argv[] = { "balloon", g->sock, arg, NULL };
	bench_memvisor_seconds(argv);
}

/* Seconds from the request until the driver reports the balloon at `mib`. */
static double time_to_balloon(struct bench_guest *g, long long mib)
{
	long long want = g->qemu ? (GUEST_MIB - mib) * MIB : mib * MIB;
	double t0 = test_now();
	set_balloon(g, mib);
	while (test_now() - t0 < 30) {
		if ((g->qemu ? qemu_actual(g) : memvisor_actual(g)) == want)
			return test_now() - t0;
		usleep(2000);
	}
	return -1;
}

static struct bench_stats inflate_times(bool qemu, int runs)
{
	struct bench_guest g;
	double v[32];
	int n = 0;
	if (bench_guest_start(&g, qemu, "128M", NULL) == 0) {
		for (int i = 0; i < runs && i < 32; i++) {
			double s = time_to_balloon(&g, INFLATE_MIB);
			if (s > 0)
				v[n++] = s;
			time_to_balloon(&g, 0);
		}
	}
	bench_guest_stop(&g);
	return bench_summarise(v, n);
}

/* GiB/s of MADV_DONTNEED over 1 GiB of touched memory in calls of `pages`. */
static double discard_rate(size_t pages)
{
	const size_t len = 1ul << 30;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, len, MADV_NOHUGEPAGE); /* as guest pages are discarded: 4 KiB at a time */
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	double t0 = test_now();
	for (size_t off = 0; off < len; off += pages * 4096)
		madvise(p + off, pages * 4096, MADV_DONTNEED);
	double s = test_now() - t0;
	munmap(p, len);
	return 1.0 / s;
}

static struct bench_stats discard_rates(size_t pages, int runs)
{
	double v[32];
	int n = 0;
	for (int i = 0; i < runs && i < 32; i++)
		v[n++] = discard_rate(pages);
	return bench_summarise(v, n);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	printf("Balloon: %d runs each; median (min-max)\n", runs);
	printf("%-40s %-28s %-28s %s\n", "measure", "memvisor", "peer", "peer/memvisor");
	bench_row("inflate 64 MiB of 128 MiB vs QEMU (ms)", "ms", 1e3, inflate_times(false, runs),
		  inflate_times(true, runs));
	bench_row("discard 1 GiB: ranges vs per page (GiB/s)", "GiB/s", 1,
		  discard_rates(256, runs), discard_rates(1, runs));
	return 0;
}
