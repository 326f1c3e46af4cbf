/*
 * bench_vmm.c: memvisor against QEMU (microvm, KVM) on the same tiny PVH
 * guest, in one run: wall time from process start to guest exit, and the
 * cost of one VM exit round trip (a guest loop of port writes, less the same
 * guest without the loop, divided by the loop count). Prints median and
 * spread (min-max) over repeated runs, and the ratio QEMU/memvisor.
 *
 * usage: bench_vmm MEMVISOR TINY.elf [runs]
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_EXITS 100000

struct stats {
	double median, min, max;
	int ok;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static struct stats summarise(double *v, int n)
{
	struct stats s = { 0 };
	if (n == 0)
		return s;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.min = v[0];
	s.max = v[n - 1];
	s.ok = 1;
	return s;
}

/* Runs argv `runs` times; wall seconds of runs whose status matched. */
static struct stats time_runs(const char *const argv[], int want_status, int runs)
{
	double *v = calloc((size_t)runs, sizeof(double));
	int n = 0;
	for (int i = 0; i < runs; i++) {
		struct vm_run r;
		if (prog_run(&r, argv) == 0 && r.status == want_status)
			v[n++] = r.seconds;
		else if (i == 0)
			fprintf(stderr, "bench_vmm: %s exited %d:\n%s\n", argv[0], r.status,
				r.console ? r.console : "");
		vm_run_free(&r);
	}
	struct stats s = summarise(v, n);
	free(v);
	return s;
}

static void row(const char *what, const char *unit, double scale, struct stats a,
		struct stats b)
{
	if (!a.ok || !b.ok) {
		printf("%-34s %-26s %-26s %s\n", what, a.ok ? "ok" : "failed", b.ok ? "ok" : "failed",
		       "-");
		return;
	}
	char as[64], bs[64];
	snprintf(as, sizeof(as), "%.1f %s (%.1f-%.1f)", a.median * scale, unit, a.min * scale,
		 a.max * scale);
	snprintf(bs, sizeof(bs), "%.1f %s (%.1f-%.1f)", b.median * scale, unit, b.min * scale,
		 b.max * scale);
	printf("%-34s %-26s %-26s %.2fx\n", what, as, bs, b.median / a.median);
}

static struct stats per_exit(struct stats loop, struct stats base)
{
	struct stats s = { .ok = loop.ok && base.ok };
	s.median = (loop.median - base.median) / LOOP_EXITS;
	s.min = (loop.min - base.median) / LOOP_EXITS;
	s.max = (loop.max - base.median) / LOOP_EXITS;
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_vmm MEMVISOR TINY.elf [runs]\n");
		return 2;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 10;
	char loop_arg[32];
	snprintf(loop_arg, sizeof(loop_arg), "loop=%d", LOOP_EXITS);
	const char *mv[] = { argv[1], "run", "-m", "64M", argv[2], "--", "quiet", "exit=3", NULL };
	const char *mv_loop[] = { argv[1], "run", "-m", "64M", argv[2], "--", "quiet", "exit=3",
				  loop_arg, NULL };
	const char *q[] = { "qemu-system-x86_64", "-M",
		"microvm,x-option-roms=off,isa-serial=on,rtc=off", "-accel", "kvm",
		"-cpu", "host,-arch-capabilities", "-m", "64M", "-nographic", "-nodefaults",
		"-no-reboot", "-serial", "null", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-kernel", argv[2], "-append", "quiet exit=3", NULL };
	const char *q_loop[32];
	memcpy(q_loop, q, sizeof(q));
	q_loop[19] = strcat(strcpy(malloc(64), "quiet exit=3 "), loop_arg);

	printf("VMM: tiny PVH guest, 64 MiB, %d runs each; median (min-max)\n", runs);
	printf("%-34s %-26s %-26s %s\n", "measure", "memvisor", "qemu microvm", "qemu/memvisor");
	struct stats mb = time_runs(mv, 3, runs), qb = time_runs(q, 7, runs);
	row("start to guest exit", "ms", 1e3, mb, qb);
	struct stats ml = time_runs(mv_loop, 3, runs), ql = time_runs(q_loop, 7, runs);
	row("VM exit round trip (port write)", "us", 1e6, per_exit(ml, mb), per_exit(ql, qb));
	free((void *)q_loop[19]);
	return 0;
}
