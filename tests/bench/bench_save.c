/*
 * bench_save.c: save and restore of a guest with a quarter of its RAM
 * written (issue 26), at 128 MiB and 1 GiB, in one run:
 *  - memvisor: `save --stop` time and the file's size (apparent, and the
 *    disk it takes); `run --restore` eager and `--lazy`: time to the first
 *    instruction (the vCPUs start; `-v` says) and to the workload's end;
 *  - QEMU microvm with KVM, same kernel, initrd, workload and RAM: QMP
 *    `migrate` to `exec:cat > FILE` (QEMU 7.2 has no file: URI), then a
 *    new QEMU with `-incoming exec:cat FILE`: time to `running` (first
 *    instruction) and to the workload's end.
 * The workload: memhog writes RAM/4, awaits one inflated balloon page,
 * then reads back and verifies every page and exits, which ends the VM.
 * Each VM is saved once that wait begins; after a restore the balloon
 * takes a page (memvisor `balloon`, QMP `balloon`) and the clock stops
 * when the VM process exits. Medians and spread over RUNS restores.
 *
 * usage: bench_save [runs]
 */
#include "benchlib.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WAIT_LIMIT 600.0 /* seconds: a bound on a hung guest only */

struct size_case {
	const char *mem;             /* -m */
	unsigned long long bytes;
	const char *hog;             /* a quarter of it */
};

/* Restore figures: first instruction, workload end (seconds). */
struct restore_figures {
	struct bench_stats first, end;
};

static void workload_cmdline(char *out, size_t len, const struct size_case *c)
{
	snprintf(out, len, "console=ttyS0 loglevel=1 init=/bin/memhog %s --await-vmstat "
		 "balloon_inflate 1 --verify", c->hog);
}

/* Waits until the program's output has the line memhog prints once it has
 * written its pages; false when it does not come. */
static bool wait_touched(struct bg_run *bg)
{
	for (double t0 = test_now(); test_now() - t0 < WAIT_LIMIT; usleep(50000)) {
		char *out = bg_output(bg);
		bool done = strstr(out, "pages touched in") != NULL;
		free(out);
		if (done)
			return true;
	}
	return false;
}

/* A finished restore: the workload verified; seconds of the whole run. */
static double finished(struct bg_run *bg, double *first_ms, const char *who)
{
	struct vm_run r;
	if (bg_wait(bg, &r, WAIT_LIMIT) < 0)
		return -1;
	double s = console_has(&r, "memhog: verify ok") ? r.seconds : -1;
	const char *at = strstr(r.console, "vCPUs start ");
	if (first_ms && (!at || sscanf(at, "vCPUs start %lf ms", first_ms) != 1))
		s = -1;
	if (s < 0)
		fprintf(stderr, "bench_save: %s restore failed (%d):\n%s\n", who, r.status, r.console);
	vm_run_free(&r);
	return s;
}

/* ---- memvisor -------------------------------------------------------------------- */

static double memvisor_save(const struct size_case *c, const char *file)
{
	char cmdline[256], sock[108];
	struct bg_run bg;
	struct vm_run r;
	workload_cmdline(cmdline, sizeof(cmdline), c);
	snprintf(sock, sizeof(sock), "/tmp/mv-bench-%d-save.sock", (int)getpid());
	const char *argv[] = { "run", "-m", c->mem, "--control", sock, "--crash-dump", "none",
			       "--timeout", "900", "--initrd", test_build_path("guest/initrd.cpio"),
			       test_kernel_path(), "--cmdline", cmdline, NULL };
	if (vm_start(&bg, argv) < 0 || !wait_for_path(sock, 30) || !wait_touched(&bg))
		return -1;
	const char *save[] = { "save", sock, file, "--stop", NULL };
	double s = bench_memvisor_seconds(save);
	bg_wait(&bg, &r, 60);
	vm_run_free(&r);
	return s;
}

static double memvisor_restore(const char *file, bool lazy, double *first_ms)
{
	char sock[108];
	struct bg_run bg;
	snprintf(sock, sizeof(sock), "/tmp/mv-bench-%d-restore.sock", (int)getpid());
	unlink(sock);
	const char *argv[] = { "run", "--restore", file, "-v", "--control", sock, "--crash-dump",
			       "none", "--timeout", "900", lazy ? "--lazy" : NULL, NULL };
	if (vm_start(&bg, argv) < 0 || !wait_for_path(sock, 30))
		return -1;
	const char *poke[] = { "balloon", sock, "4K", NULL };
	bench_memvisor_seconds(poke);
	return finished(&bg, first_ms, lazy ? "memvisor lazy" : "memvisor eager");
}

static struct restore_figures memvisor_restores(const char *file, bool lazy, int runs)
{
	double first[32], end[32];
	int n = 0;
	for (int i = 0; i < runs && i < 32; i++) {
		double ms, s = memvisor_restore(file, lazy, &ms);
		if (s > 0) {
			first[n] = ms / 1e3;
			end[n++] = s;
		}
	}
	struct restore_figures f = { bench_summarise(first, n), bench_summarise(end, n) };
	return f;
}

/* ---- QEMU ------------------------------------------------------------------------ */

static int qemu_start(struct bg_run *bg, const struct size_case *c, const char *qmp,
		      const char *incoming)
{
	char qmp_arg[160], cmdline[256];
	workload_cmdline(cmdline, sizeof(cmdline), c);
	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server,nowait", qmp);
	unlink(qmp);
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,acpi=off",
		"-global", "virtio-mmio.force-legacy=false", "-accel", "kvm", "-cpu",
		"host,-arch-capabilities", "-m", c->mem, "-nographic", "-no-reboot",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-device", "virtio-balloon-device",
		"-qmp", qmp_arg, "-kernel", test_kernel_path(), "-initrd",
		test_build_path("guest/initrd.cpio"), "-append", cmdline,
		incoming ? "-incoming" : NULL, incoming, NULL };
	return prog_start(bg, argv) < 0 || !wait_for_path(qmp, 30) ? -1 : 0;
}

/* Polls a QMP query until its answer holds want; false on a timeout or
 * when it holds fail. */
static bool qmp_until(FILE *qmp, const char *query, const char *want, const char *fail)
{
	char line[8192];
	for (double t0 = test_now(); test_now() - t0 < WAIT_LIMIT; usleep(2000)) {
		if (qmp_command(qmp, query, line, sizeof(line)) < 0 || (fail && strstr(line, fail)))
			return false;
		if (strstr(line, want))
			return true;
	}
	return false;
}

static double qemu_save(const struct size_case *c, const char *file)
{
	char qmp_path[108], cmd[512], line[4096];
	struct bg_run bg;
	struct vm_run r;
	snprintf(qmp_path, sizeof(qmp_path), "/tmp/mv-bench-%d-qsave.qmp", (int)getpid());
	if (qemu_start(&bg, c, qmp_path, NULL) < 0 || !wait_touched(&bg))
		return -1;
	FILE *qmp = qmp_open(qmp_path);
	double s = -1, t0 = test_now();
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"migrate\",\"arguments\":{\"uri\":"
		 "\"exec:cat > %s\"}}", file);
	if (qmp && qmp_command(qmp, cmd, line, sizeof(line)) == 0 && strstr(line, "return") &&
	    qmp_until(qmp, "{\"execute\":\"query-migrate\"}", "\"completed\"", "\"failed\""))
		s = test_now() - t0;
	if (qmp) {
		qmp_command(qmp, "{\"execute\":\"quit\"}", line, sizeof(line));
		fclose(qmp);
	}
	bg_wait(&bg, &r, 60);
	vm_run_free(&r);
	return s;
}

/* A QEMU restore: seconds from the process start to `running` (*first)
 * and to its exit (returned), or -1. */
static double qemu_restore(const struct size_case *c, const char *file, double *first)
{
	char qmp_path[108], incoming[256], cmd[256], line[4096];
	struct bg_run bg;
	snprintf(qmp_path, sizeof(qmp_path), "/tmp/mv-bench-%d-qload.qmp", (int)getpid());
	snprintf(incoming, sizeof(incoming), "exec:cat %s", file);
	double t0 = test_now();
	if (qemu_start(&bg, c, qmp_path, incoming) < 0)
		return -1;
	FILE *qmp = qmp_open(qmp_path);
	bool running = qmp && qmp_until(qmp, "{\"execute\":\"query-status\"}",
					  "\"status\": \"running\"", NULL);
	*first = test_now() - t0;
	snprintf(cmd, sizeof(cmd), "{\"execute\":\"balloon\",\"arguments\":{\"value\":%llu}}",
		 c->bytes - 4096);
	if (running)
		qmp_command(qmp, cmd, line, sizeof(line));
	if (qmp)
		fclose(qmp);
	if (!running)
		kill(bg.pid, SIGKILL);
	double s = finished(&bg, NULL, "QEMU");
	return running ? s : -1;
}

static struct restore_figures qemu_restores(const struct size_case *c, const char *file, int runs)
{
	double first[32], end[32];
	int n = 0;
	for (int i = 0; i < runs && i < 32; i++) {
		double f, s = qemu_restore(c, file, &f);
		if (s > 0) {
			first[n] = f;
			end[n++] = s;
		}
	}
	struct restore_figures out = { bench_summarise(first, n), bench_summarise(end, n) };
	return out;
}

/* ---- the table ------------------------------------------------------------------- */

static struct bench_stats one(double v)
{
	return bench_summarise(&v, v > 0 ? 1 : 0);
}

static void size_row(const char *label, const char *a, const char *b)
{
	struct stat sa, sb;
	char x[64] = "-", y[64] = "-";
	if (stat(a, &sa) == 0)
		snprintf(x, sizeof(x), "%lld MB (%lld MB on disk)", (long long)sa.st_size >> 20,
			 (long long)sa.st_blocks * 512 >> 20);
	if (stat(b, &sb) == 0)
		snprintf(y, sizeof(y), "%lld MB", (long long)sb.st_size >> 20);
	printf("%-40s %-28s %-28s\n", label, x, y);
}

static void bench_size(const struct size_case *c, int runs)
{
	char mfile[64], qfile[64], label[64];
	snprintf(mfile, sizeof(mfile), "/tmp/mv-bench-%d.mvs", (int)getpid());
	snprintf(qfile, sizeof(qfile), "/tmp/mv-bench-%d.qemu", (int)getpid());
	printf("\n%s guest, memhog %s written (25%%); %d restores each\n", c->mem, c->hog, runs);
	printf("%-40s %-28s %-28s %s\n", "measure", "memvisor", "QEMU", "QEMU/memvisor");
	struct bench_stats msave = one(memvisor_save(c, mfile));
	struct bench_stats qsave = one(qemu_save(c, qfile));
	bench_row("save (ms)", "ms", 1e3, msave, qsave);
	size_row("  file", mfile, qfile);
	struct restore_figures eager = memvisor_restores(mfile, false, runs);
	struct restore_figures lazy = memvisor_restores(mfile, true, runs);
	struct restore_figures qemu = qemu_restores(c, qfile, runs);
	snprintf(label, sizeof(label), "restore eager: first instruction (ms)");
	bench_row(label, "ms", 1e3, eager.first, qemu.first);
	bench_row("restore lazy: first instruction (ms)", "ms", 1e3, lazy.first, qemu.first);
	bench_row("restore eager: workload end (s)", "s", 1, eager.end, qemu.end);
	bench_row("restore lazy: workload end (s)", "s", 1, lazy.end, qemu.end);
	unlink(mfile);
	unlink(qfile);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3;
	static const struct size_case cases[] = {
		{ "128M", 128ull << 20, "32M" },
		{ "1G", 1ull << 30, "256M" },
	};
	printf("Save and restore (memvisor save / run --restore [--lazy]; QEMU migrate to "
	       "exec:cat and -incoming), median (min-max)\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bench_size(&cases[i], runs < 1 ? 1 : runs);
	return 0;
}
