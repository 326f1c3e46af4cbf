/*
 * test_scenario_guest.c: which guest a scenario boots. `guest.kernel:
 * linux` selects Debian's kernel and its initrd beside memvisor
 * (linux/vmlinux, linux/initrd.cpio, as scripts/linux-guest writes them)
 * and hands the workload to Linux's init after "--"; memvisor's own kernel
 * (no kernel line, or `kernel: memvisor`) runs it as init=. Checked on the command line scenario_start writes to
 * DIR/command, with a stand-in for memvisor's main. `guest.numa` becomes
 * `--numa SPEC`, and a spec `run` would refuse is refused at load, with
 * its line.
 */
#include "scenario.h"
#include "scenario_run.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[64];

static int no_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void touch(const char *rel)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
}

/* root/ holds the "build folder" (guest/, linux/) and the scenario file. */
static void setup(void)
{
	char dir[256];
	snprintf(root, sizeof(root), "/tmp/mv-scenario-guest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	const char *const dirs[] = { "guest", "linux" };
	for (int i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, dirs[i]);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
	}
	touch("guest/kernel.elf");
	touch("guest/initrd.cpio");
	touch("linux/vmlinux");
	touch("linux/initrd.cpio");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

/* Writes root/s.yaml with these guest lines (after memory: 256M); its path
 * into path (256 bytes). */
static void write_scenario(const char *guest_lines, char *path)
{
	snprintf(path, 256, "%s/s.yaml", root);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "guest:\n  memory: 256M\n%s  swap: 64M\nworkload: \"/bin/memhog 8M --verify\"\n"
		   "timeout: 60\nexpect:\n  status: 0\n", guest_lines);
	fclose(f);
}

/* Loads a scenario with this kernel line and returns the command it runs. */
static char *command_for(const char *kernel_line, struct scenario **cells, size_t *n)
{
	char path[256], out[256];
	write_scenario(kernel_line, path);
	struct mv_error err;
	ck_assert_msg(scenario_load_cells(path, root, cells, n, &err) == 0, "%s", err.msg);
	snprintf(out, sizeof(out), "%s/run", root);
	pid_t pid = scenario_start(&(*cells)[0], "memvisor", no_run, out, &err);
	ck_assert_msg(pid > 0, "%s", err.msg);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	snprintf(path, sizeof(path), "%s/run/command", root);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char *line = calloc(1, 4096);
	ck_assert_ptr_nonnull(fgets(line, 4096, f));
	fclose(f);
	return line;
}

START_TEST(kernel_linux_boots_debians_kernel_and_hands_the_workload_to_its_init)
{
	struct scenario *cells;
	size_t n;
	char *cmd = command_for("  kernel: linux\n", &cells, &n);
	char want[256];
	ck_assert(cells[0].linux_guest);
	snprintf(want, sizeof(want), "'--initrd' '%s/linux/initrd.cpio'", root);
	ck_assert_msg(strstr(cmd, want), "%s", cmd);
	snprintf(want, sizeof(want), "'%s/linux/vmlinux' '--' '--' '/bin/memhog' '8M' '--verify'\n",
		 root);
	ck_assert_msg(strstr(cmd, want), "%s", cmd);
	ck_assert_msg(!strstr(cmd, "init="), "%s", cmd);
	free(cmd);
	scenario_free_cells(cells, n);
}
END_TEST

static const char *const default_kernel_lines[] = { "", "  kernel: memvisor\n" };

START_TEST(the_default_kernel_runs_the_workload_as_init)
{
	struct scenario *cells;
	size_t n;
	char *cmd = command_for(default_kernel_lines[_i], &cells, &n);
	char want[256];
	ck_assert(!cells[0].linux_guest);
	snprintf(want, sizeof(want), "'%s/guest/kernel.elf' '--' 'init=/bin/memhog' '8M' '--verify'\n",
		 root);
	ck_assert_msg(strstr(cmd, want), "%s", cmd);
	free(cmd);
	scenario_free_cells(cells, n);
}
END_TEST

START_TEST(guest_numa_boots_the_guest_with_those_nodes)
{
	struct scenario *cells;
	size_t n;
	char *cmd = command_for("  cpus: 2\n  numa: 0:192M:cpus=0,1:64M:cpus=1\n", &cells, &n);
	ck_assert_msg(strstr(cmd, "'-c' '2' '--numa' '0:192M:cpus=0,1:64M:cpus=1'"), "%s", cmd);
	free(cmd);
	scenario_free_cells(cells, n);
}
END_TEST

/* guest lines, and what the refusal must say. */
static const struct { const char *lines, *says; } bad_numa[] = {
	{ "  numa: 0:128M,1:64M\n", "s.yaml:3: guest.numa: the nodes' sizes add up to 192M, not -m 256M" },
	{ "  cpus: 2\n  numa: 0:128M:cpus=0,1:128M:cpus=2\n", "names vCPU 2; the guest has vCPUs 0 to 1" },
	{ "  numa: 2,dist=10,21,21\n", "dist= has 3 numbers; 2 nodes need 4" },
};

START_TEST(a_numa_spec_run_would_refuse_is_refused_at_load)
{
	struct scenario *cells;
	size_t n;
	struct mv_error err = { 0 };
	char path[256];
	write_scenario(bad_numa[_i].lines, path);
	ck_assert_int_eq(scenario_load_cells(path, root, &cells, &n, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, bad_numa[_i].says), "\"%s\" does not say \"%s\"", err.msg,
		      bad_numa[_i].says);
}
END_TEST

Suite *scenario_guest_suite(void);
Suite *scenario_guest_suite(void)
{
	Suite *s = suite_create("scenario_guest");
	TCase *tc = tcase_create("kernel");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kernel_linux_boots_debians_kernel_and_hands_the_workload_to_its_init);
	tcase_add_loop_test(tc, the_default_kernel_runs_the_workload_as_init, 0, 2);
	suite_add_tcase(s, tc);
	TCase *numa = tcase_create("numa");
	tcase_add_checked_fixture(numa, setup, teardown);
	tcase_add_test(numa, guest_numa_boots_the_guest_with_those_nodes);
	tcase_add_loop_test(numa, a_numa_spec_run_would_refuse_is_refused_at_load, 0,
			    sizeof(bad_numa) / sizeof(bad_numa[0]));
	suite_add_tcase(s, numa);
	return s;
}
