/*
 * benchlib.h: what the host-side benchmarks share: medians over repeated
 * measurements, and the same kernel running under memvisor (with a
 * control socket) or under QEMU microvm with KVM (with a QMP socket), so
 * each row can put the two side by side.
 */
#ifndef BENCHLIB_H
#define BENCHLIB_H

#include "harness.h"

#include <stdbool.h>
#include <stdio.h>

struct bench_stats {
	double median, min, max;
	bool ok;
};

/* Sorts v[0..n) and summarises it; ok is false when n == 0. */
struct bench_stats bench_summarise(double *v, int n);

/* A guest kept alive (kernel `hold=`) under memvisor or QEMU. */
struct bench_guest {
	bool qemu;
	struct bg_run bg;
	char sock[108];           /* memvisor control socket or QMP socket */
	FILE *qmp;
	unsigned long long ram;
};

/* Boots build/guest/kernel.elf with `mem` of RAM and cmdline extra.
 * Returns 0 once the control (or QMP) socket answers, -1 otherwise. */
int bench_guest_start(struct bench_guest *g, bool qemu, const char *mem, const char *extra);
void bench_guest_stop(struct bench_guest *g);

/* Runs `memvisor ARGS…` to completion; returns its wall time or -1 on failure. */
double bench_memvisor_seconds(const char *const argv[]);

/* One table row: label, two figures with unit and spread, and their ratio b/a. */
void bench_row(const char *label, const char *unit, double scale, struct bench_stats a,
	       struct bench_stats b);

#endif
