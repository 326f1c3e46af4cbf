/*
 * bench_vmm.c: memvisor against QEMU (microvm, KVM) on the same tiny PVH
 * guest, in one run: wall time from process start to guest exit, and the
 * cost of one VM exit round trip (a guest loop of port writes, less the same
 * guest without the loop, divided by the loop count). Prints median and
 * spread (min-max) over repeated runs, and the ratio QEMU/memvisor.
 *
 * usage: bench_vmm MEMVISOR TINY.elf [runs]
 */
#include "benchlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_EXITS 100000

/* Runs argv `runs` times; wall seconds of runs whose status matched. */
static struct bench_stats time_runs(const char *const argv[], int want_status, int runs)
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
	struct bench_stats s = bench_summarise(v, n);
	free(v);
	return s;
}

static struct bench_stats per_exit(struct bench_stats loop, struct bench_stats base)
{
	struct bench_stats s = { .ok = loop.ok && base.ok };
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
	printf("%-40s %-28s %-28s %s\n", "measure", "memvisor", "qemu microvm", "qemu/memvisor");
	struct bench_stats mb = time_runs(mv, 3, runs), qb = time_runs(q, 7, runs);
	bench_row("start to guest exit", "ms", 1e3, mb, qb);
	struct bench_stats ml = time_runs(mv_loop, 3, runs), ql = time_runs(q_loop, 7, runs);
	bench_row("VM exit round trip (port write)", "us", 1e6, per_exit(ml, mb), per_exit(ql, qb));
	free((void *)q_loop[19]);
	return 0;
}
