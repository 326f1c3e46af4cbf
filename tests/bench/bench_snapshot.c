/*
 * bench_snapshot.c: snapshot costs on a 1 GiB guest, in one run:
 *  - a layout snapshot (no --memory): time and file size per GiB of mapped
 *    memory, beside memvisor's own full-memory snapshot of the same guest;
 *  - full-memory snapshot throughput: memvisor's `snapshot --memory`
 *    against QEMU's dump-guest-memory of the same kernel and RAM size;
 *  - `memvisor diff` of two layout snapshots of that guest.
 * Medians and spread over RUNS repetitions.
 *
 * usage: bench_snapshot [runs]
 */
#include "benchlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GUEST_RAM "1G"

static double file_gib(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_size / (1 << 30) : 0;
}

static long long file_bytes(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Times `memvisor snapshot SOCK FILE [--memory]` runs times. */
static struct bench_stats time_memvisor_snapshots(struct bench_guest *g, const char *file,
						  bool memory, int runs, long long *size)
{
	double v[32];
	int n = 0;
	const char *argv[] = { "snapshot", g->sock, file, memory ? "--memory" : NULL, NULL };
	for (int i = 0; i < runs && i < 32; i++) {
		double s = bench_memvisor_seconds(argv);
		if (s > 0)
			v[n++] = s;
	}
	*size = file_bytes(file);
	return bench_summarise(v, n);
}

static struct bench_stats time_qemu_dumps(struct bench_guest *g, const char *file, int runs)
{
	double v[32];
	int n = 0;
	char cmd[512], line[4096];
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"dump-guest-memory\",\"arguments\":"
		 "{\"paging\":false,\"protocol\":\"file:%s\"}}", file);
	for (int i = 0; i < runs && i < 32; i++) {
		double t0 = test_now();
		if (qmp_command(g->qmp, cmd, line, sizeof(line)) == 0 && strstr(line, "return"))
			v[n++] = test_now() - t0;
		else
			fprintf(stderr, "bench: QEMU dump failed: %s", line);
	}
	return bench_summarise(v, n);
}

/* Seconds -> GiB/s for a file of `gib` GiB. */
static struct bench_stats throughput(struct bench_stats s, double gib)
{
	struct bench_stats t = s;
	if (s.ok) {
		t.median = gib / s.median;
		t.min = gib / s.max;
		t.max = gib / s.min;
	}
	return t;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	char a[64], b[64], full[64], qfile[64];
	long long layout_size = 0, full_size = 0;
	struct bench_guest mv, qm;
	snprintf(a, sizeof(a), "/tmp/mv-bench-%d-a.core", (int)getpid());
	snprintf(b, sizeof(b), "/tmp/mv-bench-%d-b.core", (int)getpid());
	snprintf(full, sizeof(full), "/tmp/mv-bench-%d-full.core", (int)getpid());
	snprintf(qfile, sizeof(qfile), "/tmp/mv-bench-%d-qemu.core", (int)getpid());

	printf("Snapshots: kernel in a %s guest, %d runs each; median (min-max)\n", GUEST_RAM, runs);
	if (bench_guest_start(&mv, false, GUEST_RAM, NULL) < 0) {
		fprintf(stderr, "bench_snapshot: memvisor guest did not start\n");
		return 1;
	}
	struct bench_stats layout = time_memvisor_snapshots(&mv, a, false, runs, &layout_size);
	time_memvisor_snapshots(&mv, b, false, 1, &layout_size);
	struct bench_stats mfull = time_memvisor_snapshots(&mv, full, true, runs, &full_size);
	bench_guest_stop(&mv);

	printf("%-40s %-28s %-28s %s\n", "measure", "memvisor", "peer", "peer/memvisor");
	bench_row("layout snapshot vs full (ms)", "ms", 1e3, layout, mfull);
	printf("%-40s %-28lld %-28lld %.0fx\n", "  file size (bytes; 1 GiB mapped)", layout_size,
	       full_size, layout_size > 0 ? (double)full_size / (double)layout_size : 0);

	struct bench_stats qdump = { 0 };
	if (bench_guest_start(&qm, true, GUEST_RAM, NULL) == 0)
		qdump = time_qemu_dumps(&qm, qfile, runs);
	bench_guest_stop(&qm);
	bench_row("full-memory snapshot (GiB/s) vs QEMU", "GiB/s", 1,
		  throughput(mfull, file_gib(full)), throughput(qdump, file_gib(qfile)));

	double v[32];
	int n = 0;
	const char *dargv[] = { "diff", a, b, NULL };
	for (int i = 0; i < runs; i++) {
		struct vm_run r;
		if (vm_run(&r, dargv) == 0 && r.status <= 1)
			v[n++] = r.seconds;
		vm_run_free(&r);
	}
	struct bench_stats d = bench_summarise(v, n);
	bench_row("diff of two layout snapshots vs taking one (ms)", "ms", 1e3, d, layout);
	unlink(a);
	unlink(b);
	unlink(full);
	unlink(qfile);
	return 0;
}
