/*
 * bench_smp.c: the guest's allocator pairs on 1, 2 and 4 vCPUs at once
 * (mm.selfbench_smp=1, guest/mm/selfbench.c: every CPU runs its own loop
 * of kmalloc 64 pairs, then of page order 0 pairs, from one barrier),
 * without and with the kernel lock around each pair; and a remote TLB
 * flush's round trip. Prints pairs per second per CPU count, the scaling
 * against N times the one-CPU rate (issue 21's goal: within 10% of 4x on
 * hardware KVM), and the flush's median cycles.
 *
 * The guest counts TSC cycles; seconds come from the host's TSC rate,
 * timed here against CLOCK_MONOTONIC (KVM runs a guest's TSC at the
 * host's rate unless the VMM scales it, and memvisor does not; the
 * guest's own timer ticks late on a loaded host, so it cannot time it).
 * Every CPU count boots `runs` times; each figure is the median.
 *
 * usage: bench_smp [pairs per CPU] [runs]   (MEMVISOR, KERNEL: harness.h)
 */
#include "benchlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define MAX_RUNS 16

static const int cpu_counts[] = { 1, 2, 4 };
#define NR_COUNTS (int)(sizeof(cpu_counts) / sizeof(cpu_counts[0]))

static const char *const rows[] = {
	"kmalloc 64 pair, no kernel lock", "kmalloc 64 pair, kernel lock per pair",
	"page order 0 pair, no kernel lock", "page order 0 pair, kernel lock per pair",
};
#define NR_ROWS (int)(sizeof(rows) / sizeof(rows[0]))

static const char *const flush_targets[] = {
	"CPU1 halted in idle", "CPU1 spinning for the kernel lock",
};
#define NR_TARGETS (int)(sizeof(flush_targets) / sizeof(flush_targets[0]))

/* What the boots of one CPU count measured, one slot per boot. */
struct smp_samples {
	double rate[NR_ROWS][MAX_RUNS];          /* pairs per second, all CPUs */
	double flush[NR_TARGETS][MAX_RUNS];      /* median round trip, cycles */
	int n[NR_ROWS], nflush[NR_TARGETS];
};

static double seconds_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The host's TSC ticks per second, over a quarter of a second. */
static double host_tsc_hz(void)
{
	struct timespec quarter = { 0, 250000000 };
	double t0 = seconds_now();
	unsigned long long c0 = __rdtsc();

	nanosleep(&quarter, NULL);
	unsigned long long c1 = __rdtsc();
	return (double)(c1 - c0) / (seconds_now() - t0);
}

/* "selfbench-smp: ROW: N CPUs: P pairs in C cycles": P per second, or -1. */
static double row_rate(const struct vm_run *r, const char *row, int cpus, double tsc_hz)
{
	char key[128];
	unsigned long long pairs, cycles;

	snprintf(key, sizeof(key), "selfbench-smp: %s: %d CPUs: ", row, cpus);
	const char *line = strstr(r->console, key);
	if (!line || sscanf(line + strlen(key), "%llu pairs in %llu cycles", &pairs, &cycles) != 2 ||
	    !cycles)
		return -1;
	return (double)pairs * tsc_hz / (double)cycles;
}

/* "remote TLB flush, TARGET: N round trips, C cycles median": C, or -1. */
static double flush_median(const struct vm_run *r, const char *target)
{
	char key[128];
	unsigned long rounds;
	unsigned long long median;

	snprintf(key, sizeof(key), "selfbench-smp: remote TLB flush, %s: ", target);
	const char *line = strstr(r->console, key);
	if (!line ||
	    sscanf(line + strlen(key), "%lu round trips, %llu cycles median", &rounds, &median) != 2)
		return -1;
	return (double)median;
}

/* One boot on @cpus vCPUs; its figures go to s. Returns 0, or -1 when it failed. */
static int boot_once(int cpus, const char *ops_arg, double tsc_hz, struct smp_samples *s)
{
	char ncpu[8];
	const char *argv[] = { "run", "-c", ncpu, "-m", "64M", "--timeout", "900",
			       "--crash-dump", "none", test_kernel_path(), "--",
			       "mm.selfbench_smp=1", ops_arg, NULL };
	struct vm_run r;

	snprintf(ncpu, sizeof(ncpu), "%d", cpus);
	if (vm_run(&r, argv) || r.status != 0) {
		fprintf(stderr, "bench_smp: -c %d: status %d:\n%s\n", cpus, r.status,
			r.console ? r.console : "");
		vm_run_free(&r);
		return -1;
	}
	int missing = 0;
	for (int i = 0; i < NR_ROWS; i++) {
		double rate = row_rate(&r, rows[i], cpus, tsc_hz);
		if (rate > 0)
			s->rate[i][s->n[i]++] = rate;
		else
			missing++;
	}
	for (int t = 0; t < NR_TARGETS && cpus > 1; t++) {
		double c = flush_median(&r, flush_targets[t]);
		if (c > 0)
			s->flush[t][s->nflush[t]++] = c;
		else
			missing++;
	}
	if (missing)
		fprintf(stderr, "bench_smp: -c %d: %d figures missing from:\n%s\n", cpus, missing,
			r.console);
	vm_run_free(&r);
	return missing ? -1 : 0;
}

static void print_rates(struct smp_samples *s)
{
	printf("%-42s", "pairs/s, all CPUs (scaling: of N x 1 CPU)");
	for (int c = 0; c < NR_COUNTS; c++)
		printf(" %21d CPU%s", cpu_counts[c], cpu_counts[c] == 1 ? " " : "s");
	printf("\n");
	for (int i = 0; i < NR_ROWS; i++) {
		double one = bench_summarise(s[0].rate[i], s[0].n[i]).median;
		printf("%-42s", rows[i]);
		for (int c = 0; c < NR_COUNTS; c++) {
			struct bench_stats st = bench_summarise(s[c].rate[i], s[c].n[i]);
			if (!st.ok)
				printf(" %25s", "fail");
			else if (c == 0 || one <= 0)
				printf(" %25.0f", st.median);
			else
				printf(" %17.0f (%4.0f%%)", st.median,
				       100.0 * st.median / (cpu_counts[c] * one));
		}
		printf("\n");
	}
}

static void print_flushes(struct smp_samples *s, double tsc_hz)
{
	printf("\n%-42s", "remote TLB flush round trip, median");
	for (int c = 1; c < NR_COUNTS; c++)
		printf(" %21d CPUs", cpu_counts[c]);
	printf("\n");
	for (int t = 0; t < NR_TARGETS; t++) {
		printf("%-42s", flush_targets[t]);
		for (int c = 1; c < NR_COUNTS; c++) {
			struct bench_stats st = bench_summarise(s[c].flush[t], s[c].nflush[t]);
			if (st.ok)
				printf(" %10.0f cyc %7.1f us", st.median, st.median / tsc_hz * 1e6);
			else
				printf(" %25s", "fail");
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 1024;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	struct smp_samples s[NR_COUNTS];
	char ops_arg[48];
	int failed = 0;

	if (pairs < 1 || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_smp [pairs per CPU >= 1] [runs 1-%d]\n", MAX_RUNS);
		return 2;
	}
	snprintf(ops_arg, sizeof(ops_arg), "mm.selfbench_ops=%ld", pairs);
	memset(s, 0, sizeof(s));
	double tsc_hz = host_tsc_hz();
	printf("guest allocator pairs, every CPU its own loop of %ld pairs at once "
	       "(mm.selfbench_smp=1);\nmedian of %d boots per CPU count; host TSC %.0f MHz\n",
	       pairs, runs, tsc_hz / 1e6);
	for (int c = 0; c < NR_COUNTS; c++)
		for (int i = 0; i < runs; i++)
			failed |= boot_once(cpu_counts[c], ops_arg, tsc_hz, &s[c]);
	print_rates(s);
	print_flushes(s, tsc_hz);
	return failed ? 1 : 0;
}
