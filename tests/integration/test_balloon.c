/*
 * test_balloon.c: the virtio-balloon end to end: memvisor's device and
 * control socket driving the guest driver (inflate, deflate, statistics,
 * free page reporting), the --pressure schedule, control-socket abuse,
 * and the same driver against QEMU's virtio-balloon-device over QMP.
 *
 * Guests use hold=SECONDS to stay up and balloon.touch=SIZE to make that
 * much RAM resident on the host first (a stand-in for a workload until
 * user programs exist); balloon.reporting=0 where reporting would discard
 * that memory on its own; balloon.oomtest=1 exhausts guest RAM from the
 * kernel. Tests with swap, memhog and the OOM killer come with the
 * reclaim issue.
 */
#include "ctl.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MIB (1ull << 20)

struct vm {
	struct bg_run bg;
	char sock[108], stats[108];
};

static void vm_up(struct vm *v, const char *const cmdline[], const char *pressure)
{
	static int seq;
	const char *argv[32];
	char stats_arg[128];
	int n = 0;

	snprintf(v->sock, sizeof(v->sock), "/tmp/mvb-%d-%d.sock", getpid(), seq);
	snprintf(v->stats, sizeof(v->stats), "/tmp/mvb-%d-%d.stats", getpid(), seq++);
	snprintf(stats_arg, sizeof(stats_arg), "%s:0.2", v->stats);
	unlink(v->stats);
	argv[n++] = "run";
	argv[n++] = "-m";
	argv[n++] = "128M";
	argv[n++] = "--timeout";
	argv[n++] = "120";
	argv[n++] = "--control";
	argv[n++] = v->sock;
	argv[n++] = "--stats";
	argv[n++] = stats_arg;
	if (pressure) {
		argv[n++] = "--pressure";
		argv[n++] = pressure;
	}
	argv[n++] = "--initrd";
	argv[n++] = test_build_path("guest/initrd.cpio");
	argv[n++] = test_kernel_path();
	argv[n++] = "--";
	argv[n++] = "console=ttyS0";
	while (*cmdline && n < 31)
		argv[n++] = *cmdline++;
	argv[n] = NULL;
	ctl_start(&v->bg, v->sock, argv);
}

static struct vm_run vm_down(struct vm *v, double timeout)
{
	struct vm_run r;
	ck_assert_int_eq(bg_wait(&v->bg, &r, timeout), 0);
	return r;
}

/* Runs `memvisor CMD SOCK [ARG]`; returns its output, asserts status 0. */
static char *client(struct vm *v, const char *cmd, const char *arg)
{
	return ctl_client(v->sock, cmd, arg);
}

/* section.key in a JSON text (key alone when section is NULL); -1 if absent. */
static int64_t json_u64(const char *json, const char *section, const char *key)
{
	char path[96];
	snprintf(path, sizeof(path), "%s%s%s", section ? section : "", section ? "." : "", key);
	return json_path_i64(json, path);
}

static int64_t stat_of(struct vm *v, const char *section, const char *key)
{
	char *out = client(v, "stats", "--json");
	int64_t val = json_u64(out, section, key);
	free(out);
	return val;
}

/* Polls until lo <= section.key <= hi; returns the value seen last. */
static int64_t wait_stat(struct vm *v, const char *section, const char *key, int64_t lo,
			 int64_t hi, double timeout)
{
	int64_t val = -1;
	for (double t = 0; t < timeout; t += 0.1) {
		val = stat_of(v, section, key);
		if (val >= lo && val <= hi)
			break;
		usleep(100000);
	}
	return val;
}

static void quit_and_check(struct vm *v)
{
	struct vm_run r = ctl_quit(v->sock, &v->bg, 30);
	unlink(v->stats);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.console);
	ck_assert_msg(!console_has(&r, "Oops") && !console_has(&r, "panic"), "%s", r.console);
	vm_run_free(&r);
}

START_TEST(inflating_64m_of_128m_takes_guest_and_host_memory_and_deflate_returns_it)
{
	const char *cmdline[] = { "hold=100", "balloon.touch=100M", "balloon.reporting=0",
				  "balloon.verify=1", NULL };
	struct vm v;
	vm_up(&v, cmdline, NULL);
	int64_t free0 = wait_stat(&v, "guest", "free_memory", 100 * MIB, 128 * MIB, 20);
	int64_t res0 = wait_stat(&v, "host", "resident", 100 * MIB, 128 * MIB, 20);
	ck_assert_msg(free0 >= (int64_t)(100 * MIB), "free %lld", (long long)free0);
	ck_assert_msg(res0 >= (int64_t)(100 * MIB), "resident %lld before", (long long)res0);

	free(client(&v, "balloon", "64M"));
	int64_t actual = wait_stat(&v, "balloon", "actual", 64 * MIB, 64 * MIB, 30);
	ck_assert_msg(actual == (int64_t)(64 * MIB), "actual %lld", (long long)actual);
	int64_t free1 = wait_stat(&v, "guest", "free_memory", 0, free0 - 60 * MIB, 10);
	ck_assert_msg(free0 - free1 >= (int64_t)(62 * MIB) && free0 - free1 <= (int64_t)(66 * MIB),
		      "free %lld -> %lld", (long long)free0, (long long)free1);
	int64_t res1 = stat_of(&v, "host", "resident");
	ck_assert_msg(res0 - res1 >= (int64_t)(64 * MIB * 9 / 10),
		      "host resident %lld -> %lld: less than 90%% of 64 MiB discarded",
		      (long long)res0, (long long)res1);

	free(client(&v, "balloon", "0"));
	actual = wait_stat(&v, "balloon", "actual", 0, 0, 30);
	ck_assert_msg(actual == 0, "actual %lld after deflate", (long long)actual);
	int64_t free2 = wait_stat(&v, "guest", "free_memory", free0 - (int64_t)MIB, free0, 10);
	ck_assert_msg(free2 >= free0 - (int64_t)MIB, "free %lld after deflate, %lld before",
		      (long long)free2, (long long)free0);
	/* balloon.verify wrote and read back every deflated page: usable again */
	char *out = bg_output(&v.bg);
	ck_assert_msg(strstr(out, "balloon: inflated to 16384 pages") &&
		      strstr(out, "balloon: deflated to 0 pages"), "%s", out);
	free(out);
	quit_and_check(&v);
}
END_TEST

START_TEST(deflate_on_oom_gives_the_balloon_back_once_and_does_not_live_lock)
{
	const char *cmdline[] = { "hold=100", "balloon.oomtest=1", "balloon.reporting=0", NULL };
	struct vm v;
	vm_up(&v, cmdline, NULL);
	free(client(&v, "balloon", "96M"));
	char *out = NULL;
	for (int i = 0; i < 200; i++) {
		free(out);
		out = bg_output(&v.bg);
		if (strstr(out, "balloon: oom test:"))
			break;
		usleep(100000);
	}
	const char *line = strstr(out, "balloon: oom test:");
	unsigned long long hog = 0, given = 0, held = 0;
	ck_assert_msg(line && sscanf(line, "balloon: oom test: hog got %llu pages, balloon gave %llu of %llu",
				     &hog, &given, &held) == 3, "%s", out);
	ck_assert_msg(held == 24576 && given == held, "%s", out);
	ck_assert_msg(hog * 4096 > 96 * MIB, "hog got only %llu pages:\n%s", hog, out);
	free(out);
	/* The target is unchanged: the driver must not take the memory again. */
	usleep(1500000);
	ck_assert_int_eq(stat_of(&v, "balloon", "actual"), 0);
	free(client(&v, "balloon", "32M"));
	int64_t actual = wait_stat(&v, "balloon", "actual", 32 * MIB, 32 * MIB, 30);
	ck_assert_msg(actual == (int64_t)(32 * MIB), "actual %lld", (long long)actual);
	quit_and_check(&v);
}
END_TEST

/* Connects to the control socket; returns the fd. */
static int ctl_connect(const struct vm *v)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path, v->sock);
	ck_assert_msg(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s",
		      strerror(errno));
	struct timeval tv = { .tv_sec = 10 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		ck_assert_msg(n > 0, "write: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads one response line into buf (NUL-terminated, newline dropped). */
static void recv_line(int fd, char *buf, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, 1);
		ck_assert_msg(n == 1, "no response line (read %zd, %s)", n, strerror(errno));
		if (buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = 0;
}

static void expect_error(int fd, const char *what)
{
	char line[4096];
	recv_line(fd, line, sizeof(line));
	ck_assert_msg(strstr(line, "\"ok\":false") && strstr(line, what), "%s", line);
}

START_TEST(control_socket_survives_garbage_huge_lines_unknown_commands_and_disconnects)
{
	const char *cmdline[] = { "hold=100", "balloon.reporting=0", NULL };
	struct vm v;
	char line[4096];
	vm_up(&v, cmdline, NULL);

	int fd = ctl_connect(&v);
	send_all(fd, "garbage\n", 8);
	expect_error(fd, "not a JSON object");
	send_all(fd, "[1,2]\n", 6);
	expect_error(fd, "a request is a JSON object");
	send_all(fd, "{\"cmd\":\"frobnicate\"}\n", 21);
	expect_error(fd, "unknown command");
	send_all(fd, "{\"cmd\":\"balloon\",\"target\":\"lots\"}\n", 34);
	expect_error(fd, "target");
	size_t big = 1 << 20;
	char *huge = malloc(big + 1);
	memset(huge, 'x', big);
	huge[big] = '\n';
	send_all(fd, huge, big + 1);
	free(huge);
	expect_error(fd, "longer than");
	send_all(fd, "{\"cmd\":\"stats\"}\n", 16);
	recv_line(fd, line, sizeof(line));
	ck_assert_msg(strstr(line, "\"ok\":true"), "%s", line);
	close(fd);

	for (int i = 0; i < 20; i++) {      /* abrupt disconnects, mid-line and mid-reply */
		fd = ctl_connect(&v);
		send_all(fd, i % 2 ? "{\"cmd\":\"sta" : "{\"cmd\":\"stats\"}\n", i % 2 ? 11 : 16);
		close(fd);
	}
	free(client(&v, "balloon", "16M"));
	int64_t actual = wait_stat(&v, "balloon", "actual", 16 * MIB, 16 * MIB, 30);
	ck_assert_msg(actual == (int64_t)(16 * MIB), "actual %lld", (long long)actual);
	quit_and_check(&v);
}
END_TEST

START_TEST(a_second_memvisor_on_a_live_control_path_exits_2_and_leaves_it_serving)
{
	const char *cmdline[] = { "hold=100", "balloon.reporting=0", NULL };
	struct vm v;
	struct vm_run r;
	vm_up(&v, cmdline, NULL);
	const char *argv[] = { "run", "-m", "64M", "--timeout", "30", "--control", v.sock,
			       test_kernel_path(), NULL };
	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 2 && console_has(&r, "a server answers there"),
		      "status %d:\n%s", r.status, r.console);
	vm_run_free(&r);
	free(client(&v, "stats", NULL)); /* status 0: the first one still answers there */
	quit_and_check(&v);
}
END_TEST

/* The whole file at path (malloc'd); removes it. */
/* The whole file, which is then removed. */
static char *read_file(const char *path)
{
	char *buf = read_text_file(path);
	ck_assert_msg(*buf, "%s is missing or empty", path);
	unlink(path);
	return buf;
}

/* Peak host residency so far and whether it has since dropped by `drop`. */
static bool resident_dropped(const char *stats_path, int64_t floor, int64_t drop)
{
	char *stats = read_text_file(stats_path), *save = NULL, *line;
	int64_t peak = 0, last = 0;
	for (line = strtok_r(stats, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		last = json_u64(line, "host", "resident");
		peak = last > peak ? last : peak;
	}
	free(stats);
	return peak >= floor && peak - last >= drop;
}

START_TEST(free_page_reporting_returns_what_a_process_released)
{
	/* only free blocks of order >= 9 (2 MiB) are reported, so some of the
	 * 32M may stay behind in smaller free blocks: ask for three quarters */
	const char *cmdline[] = { "init=/bin/memhog", "32M", "--release", "--hold", NULL };
	struct vm v;
	bool dropped = false;
	vm_up(&v, cmdline, NULL);
	for (double t0 = test_now(); !dropped && test_now() - t0 < 40; usleep(200000))
		dropped = resident_dropped(v.stats, (int64_t)(32 * MIB), (int64_t)(24 * MIB));
	free(client(&v, "quit", NULL));
	struct vm_run r = vm_down(&v, 30);
	char *stats = read_file(v.stats);
	const char *tail = strlen(stats) > 1500 ? stats + strlen(stats) - 1500 : stats;
	ck_assert_msg(dropped, "host residency did not fall by 24M after memhog released "
		      "32M; last stats:\n%s", tail);
	ck_assert_msg(console_has(&r, "memhog: released 32768 KiB"), "%s", r.console);
	free(stats);
	vm_run_free(&r);
}
END_TEST

START_TEST(pressure_schedule_inflates_then_deflates_on_time)
{
	const char *cmdline[] = { "hold=6", "balloon.reporting=0", NULL };
	struct vm v;
	vm_up(&v, cmdline, "1s:balloon=32M,3s:balloon=0");
	struct vm_run r = vm_down(&v, 60);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.console);
	char *stats = read_file(v.stats), *save, *line;
	double inflated_at = -1, deflated_at = -1;
	for (line = strtok_r(stats, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double t = strtod(strstr(line, "\"time\":") + 7, NULL);
		int64_t actual = json_u64(line, "balloon", "actual");
		if (actual == (int64_t)(32 * MIB) && inflated_at < 0)
			inflated_at = t;
		if (inflated_at >= 0 && actual == 0 && json_u64(line, "balloon", "target") == 0 &&
		    deflated_at < 0)
			deflated_at = t;
	}
	free(stats);
	ck_assert_msg(inflated_at >= 1 && inflated_at < 3, "inflated at %.2f s:\n%s", inflated_at,
		      r.console);
	ck_assert_msg(deflated_at >= 3, "deflated at %.2f s:\n%s", deflated_at, r.console);
	ck_assert_msg(console_has(&r, "balloon: inflated to 8192 pages"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

START_TEST(free_page_reporting_returns_freed_memory_to_the_host_within_seconds)
{
	const char *cmdline[] = { "hold=8", "balloon.touch=96M", NULL };
	struct vm v;
	vm_up(&v, cmdline, NULL);
	struct vm_run r = vm_down(&v, 60);
	ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.console);
	char *stats = read_file(v.stats), *save, *line;
	int64_t peak = 0, last = 0, reported = 0;
	double peak_at = -1, dropped_at = -1;
	for (line = strtok_r(stats, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double t = strtod(strstr(line, "\"time\":") + 7, NULL);
		last = json_u64(line, "host", "resident");
		reported = json_u64(line, "balloon", "reported_pages");
		if (last > peak) {
			peak = last;
			peak_at = t;
		}
		if (peak - last >= (int64_t)(96 * MIB * 9 / 10) && dropped_at < 0)
			dropped_at = t;
	}
	free(stats);
	ck_assert_msg(peak >= (int64_t)(96 * MIB), "peak resident %lld:\n%s", (long long)peak,
		      r.console);
	ck_assert_msg(dropped_at > 0 && dropped_at - peak_at <= 5,
		      "resident %lld at %.1f s, %lld at the end, 90%% drop at %.1f s",
		      (long long)peak, peak_at, (long long)last, dropped_at);
	ck_assert_msg(reported * 4096 >= (int64_t)(96 * MIB * 9 / 10), "reported %lld pages",
		      (long long)reported);
	ck_assert_msg(console_has(&r, "balloon: touched 98304 KiB"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

/* ---- QEMU ---------------------------------------------------------------- */

static void qmp(FILE *f, const char *cmd, char *line, size_t size)
{
	ck_assert_msg(qmp_command(f, cmd, line, size) == 0, "QMP: no answer to %s", cmd);
}

/* Polls query-balloon until "actual" (guest memory size) is want; returns the last. */
static int64_t qmp_wait_actual(FILE *f, int64_t want, double timeout)
{
	char line[4096];
	int64_t actual = -1;
	for (double t = 0; t < timeout && actual != want; t += 0.1) {
		qmp(f, "{\"execute\":\"query-balloon\"}", line, sizeof(line));
		actual = json_u64(line, "return", "actual");
		if (actual != want)
			usleep(100000);
	}
	return actual;
}

START_TEST(the_driver_follows_qemu_virtio_balloon_device_on_microvm)
{
	char qmp_path[108], line[256];
	snprintf(qmp_path, sizeof(qmp_path), "/tmp/mvb-%d-qmp.sock", getpid());
	char qmp_arg[160];
	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server,nowait", qmp_path);
	unlink(qmp_path);
	const char *argv[] = {
		"qemu-system-x86_64", "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=off,acpi=off",
		"-global", "virtio-mmio.force-legacy=false", "-accel", "tcg", "-m", "128M",
		"-nographic", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
		"-device", "virtio-balloon-device,deflate-on-oom=on,free-page-reporting=on",
		"-qmp", qmp_arg, "-kernel", test_kernel_path(), "-append",
		"console=ttyS0 hold=60 balloon.verify=1", NULL };
	struct bg_run bg;
	struct vm_run r;
	ck_assert_int_eq(prog_start(&bg, argv), 0);
	ck_assert_msg(wait_for_path(qmp_path, 20), "no QMP socket:\n%s", bg_output(&bg));
	FILE *f = qmp_open(qmp_path);
	ck_assert_msg(f != NULL, "QMP connect to %s failed", qmp_path);
	/* QEMU's value is the guest's memory size, not the balloon's. */
	qmp(f, "{\"execute\":\"balloon\",\"arguments\":{\"value\":67108864}}", line, sizeof(line));
	int64_t actual = qmp_wait_actual(f, 64 * MIB, 30);
	ck_assert_msg(actual == (int64_t)(64 * MIB), "guest memory %lld:\n%s", (long long)actual,
		      bg_output(&bg));
	qmp(f, "{\"execute\":\"balloon\",\"arguments\":{\"value\":134217728}}", line, sizeof(line));
	actual = qmp_wait_actual(f, 128 * MIB, 30);
	ck_assert_msg(actual == (int64_t)(128 * MIB), "guest memory %lld after deflate",
		      (long long)actual);
	qmp(f, "{\"execute\":\"quit\"}", line, sizeof(line));
	fclose(f);
	ck_assert_int_eq(bg_wait(&bg, &r, 30), 0);
	unlink(qmp_path);
	ck_assert_msg(console_has(&r, "virtio-mmio: virtio-balloon at 0xfeb"), "%s", r.console);
	ck_assert_msg(console_has(&r, "balloon: inflated to 16384 pages"), "%s", r.console);
	ck_assert_msg(console_has(&r, "balloon: deflated to 0 pages"), "%s", r.console);
	ck_assert_msg(!console_has(&r, "Oops") && !console_has(&r, "panic"), "%s", r.console);
	vm_run_free(&r);
}
END_TEST

Suite *balloon_suite(void);
Suite *balloon_suite(void)
{
	Suite *s = suite_create("balloon");
	TCase *dev = tcase_create("memvisor");
	tcase_set_timeout(dev, 120);
	tcase_add_test(dev, inflating_64m_of_128m_takes_guest_and_host_memory_and_deflate_returns_it);
	tcase_add_test(dev, control_socket_survives_garbage_huge_lines_unknown_commands_and_disconnects);
	tcase_add_test(dev, a_second_memvisor_on_a_live_control_path_exits_2_and_leaves_it_serving);
	tcase_add_test(dev, pressure_schedule_inflates_then_deflates_on_time);
	tcase_add_test(dev, free_page_reporting_returns_freed_memory_to_the_host_within_seconds);
	tcase_add_test(dev, free_page_reporting_returns_what_a_process_released);
	tcase_add_test(dev, deflate_on_oom_gives_the_balloon_back_once_and_does_not_live_lock);
	suite_add_tcase(s, dev);
	TCase *peer = tcase_create("qemu");
	tcase_set_timeout(peer, 120);
	tcase_add_test(peer, the_driver_follows_qemu_virtio_balloon_device_on_microvm);
	suite_add_tcase(s, peer);
	return s;
}
