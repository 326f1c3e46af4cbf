/*
 * benchlib.c: shared benchmark helpers (see benchlib.h).
 */
#include "benchlib.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct bench_stats bench_summarise(double *v, int n)
{
	struct bench_stats s = { 0 };
	if (n == 0)
		return s;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	s.min = v[0];
	s.max = v[n - 1];
	s.ok = true;
	return s;
}

static int start_memvisor(struct bench_guest *g, const char *mem, const char *cmdline)
{
	const char *argv[] = { "run", "-m", mem, "--control", g->sock, "--crash-dump", "none",
			       "--timeout", "300", test_kernel_path(), "--cmdline", cmdline, NULL };
	if (vm_start(&g->bg, argv) < 0 || !wait_for_path(g->sock, 30))
		return -1;
	return 0;
}

static int start_qemu(struct bench_guest *g, const char *mem, const char *cmdline)
{
	char qmp_arg[160];
	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server,nowait", g->sock);
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,acpi=off",
		"-global", "virtio-mmio.force-legacy=false", "-accel", "kvm", "-cpu",
		"host,-arch-capabilities", "-m", mem, "-nographic", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-device", "virtio-balloon-device",
		"-qmp", qmp_arg, "-kernel", test_kernel_path(), "-append", cmdline, NULL };
	if (prog_start(&g->bg, argv) < 0 || !wait_for_path(g->sock, 30))
		return -1;
	g->qmp = qmp_open(g->sock);
	return g->qmp ? 0 : -1;
}

int bench_guest_start(struct bench_guest *g, bool qemu, const char *mem, const char *extra)
{
	char cmdline[256];
	memset(g, 0, sizeof(*g));
	g->qemu = qemu;
	snprintf(g->sock, sizeof(g->sock), "/tmp/mv-bench-%d-%s.sock", (int)getpid(),
		 qemu ? "qmp" : "ctl");
	unlink(g->sock);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 loglevel=1 hold=300 %s", extra ? extra : "");
	int rc = qemu ? start_qemu(g, mem, cmdline) : start_memvisor(g, mem, cmdline);
	usleep(300000); /* let the kernel finish booting and settle */
	return rc;
}

void bench_guest_stop(struct bench_guest *g)
{
	struct vm_run r;
	if (g->qmp)
		fclose(g->qmp);
	if (g->bg.pid) {
		kill(g->bg.pid, SIGTERM);
		bg_wait(&g->bg, &r, 10);
		vm_run_free(&r);
	}
	unlink(g->sock);
}

double bench_memvisor_seconds(const char *const argv[])
{
	struct vm_run r;
	if (vm_run(&r, argv) < 0)
		return -1;
	double s = r.status == 0 ? r.seconds : -1;
	if (r.status)
		fprintf(stderr, "bench: memvisor %s failed (%d): %s\n", argv[0], r.status, r.console);
	vm_run_free(&r);
	return s;
}

void bench_row(const char *label, const char *unit, double scale, struct bench_stats a,
	       struct bench_stats b)
{
	char as[64] = "failed", bs[64] = "failed", ratio[16] = "-";
	if (a.ok)
		snprintf(as, sizeof(as), "%.2f %s (%.2f-%.2f)", a.median * scale, unit,
			 a.min * scale, a.max * scale);
	if (b.ok)
		snprintf(bs, sizeof(bs), "%.2f %s (%.2f-%.2f)", b.median * scale, unit,
			 b.min * scale, b.max * scale);
	if (a.ok && b.ok && a.median > 0)
		snprintf(ratio, sizeof(ratio), "%.2fx", b.median / a.median);
	printf("%-40s %-28s %-28s %s\n", label, as, bs, ratio);
}
