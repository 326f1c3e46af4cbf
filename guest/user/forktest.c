/*
 * forktest [PAGES]: copy-on-write fork, checked with exact counts from
 * /proc. The parent dirties PAGES (default 64) private pages and forks;
 * the child sees them all shared, writes a quarter of them and sees
 * exactly those become private copies (smaps, vmstat pgcow_copy), while
 * the parent's data stays as it was. After the child is reaped the parent
 * owns every page alone again: writing them reuses the frames (no copy),
 * and MemFree + Slab is back where it was before the fork (nothing leaked).
 * Prints "forktest: ok" and exits 0, or names the first failed check and
 * exits 1.
 *
 * forktest PAGES --pause SECONDS stops for SECONDS at three points of the
 * first fork, each announced on the console ("forktest: paused before
 * fork", "... after fork", "... after the child's writes"), so the host
 * can snapshot the page tables there.
 */
#include "libproc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static int failures;
static unsigned pause_seconds; /* 0: no pauses */

/* Announces a pause point and waits there (only with --pause). */
static void pause_point(const char *where)
{
	if (!pause_seconds)
		return;
	printf("forktest: paused %s\n", where);
	fflush(stdout);
	sleep(pause_seconds);
}

static void check(int ok, const char *what, long got, long want)
{
	printf("forktest: %s: %ld (want %ld)%s\n", what, got, want, ok ? "" : " FAILED");
	failures += !ok;
}

static void expect_eq(const char *what, long got, long want)
{
	check(got == want, what, got, want);
}

#define EXPECT_EQ(what, got, want) expect_eq(what, (long)(got), (long)(want))

static void fill(uint8_t *mem, long pages, uint8_t v)
{
	for (long i = 0; i < pages; i++)
		memset(mem + i * PAGE, v + (uint8_t)i, 64);
}

static long count_pages_with(uint8_t *mem, long pages, uint8_t v)
{
	long n = 0;

	for (long i = 0; i < pages; i++)
		n += mem[i * PAGE] == (uint8_t)(v + (uint8_t)i);
	return n;
}

/* The child: everything shared, then a quarter copied on write. */
static int child(uint8_t *mem, long pages, bool pausing)
{
	long kb = pages * 4, copied = pages / 4;

	if (pausing)
		pause_point("after fork");
	EXPECT_EQ("child sees every page shared (Shared_Dirty kB)", smaps_value(mem, "Shared_Dirty:"), kb);
	EXPECT_EQ("child owns no private page (Private_Dirty kB)", smaps_value(mem, "Private_Dirty:"), 0);
	long cow0 = proc_value("/proc/vmstat", "pgcow_copy ");
	fill(mem, copied, 0xc0);
	EXPECT_EQ("child writes copy exactly the written pages (pgcow_copy)",
		  proc_value("/proc/vmstat", "pgcow_copy ") - cow0, copied);
	EXPECT_EQ("copied pages are private (Private_Dirty kB)", smaps_value(mem, "Private_Dirty:"), copied * 4);
	EXPECT_EQ("the rest stay shared (Shared_Dirty kB)", smaps_value(mem, "Shared_Dirty:"), kb - copied * 4);
	EXPECT_EQ("child sees its own writes", count_pages_with(mem, copied, 0xc0), copied);
	if (pausing)
		pause_point("after the child's writes");
	return failures ? 1 : 0;
}

/* Fork, let the child run its checks, reap it; returns its exit status. */
static int fork_and_check(uint8_t *mem, long pages, bool pausing)
{
	if (pausing)
		pause_point("before fork");
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(child(mem, pages, pausing));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Free memory plus the slab caches' pages: no page leaked makes it come
 * back exactly. MemFree alone does not on several CPUs, where a child run
 * on a CPU the first fork did not warm leaves that CPU's slabs holding
 * pages for its caches (SLUB's per-CPU slabs), as Linux's would.
 */
static long free_or_slab_kb(void)
{
	return proc_value("/proc/meminfo", "MemFree:") + proc_value("/proc/meminfo", "Slab:");
}

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 64;
	if (argc > 3 && !strcmp(argv[2], "--pause"))
		pause_seconds = (unsigned)atoi(argv[3]);
	uint8_t *mem = mmap(NULL, (size_t)pages * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (pages < 4 || mem == MAP_FAILED) {
		fprintf(stderr, "usage: forktest [PAGES >= 4 [--pause SECONDS]]\n");
		return 2;
	}
	fill(mem, pages, 0x10);
	EXPECT_EQ("parent owns its pages (Private_Dirty kB)", smaps_value(mem, "Private_Dirty:"), pages * 4);
	/* the first fork (pausing if asked: the pages are still private and
	 * writable then) also warms the caches a fork uses */
	if (fork_and_check(mem, pages, true) != 0)
		failures++;
	long free0 = free_or_slab_kb();
	EXPECT_EQ("second child passes its checks", fork_and_check(mem, pages, false), 0);
	EXPECT_EQ("parent data unchanged by the child", count_pages_with(mem, pages, 0x10), pages);
	EXPECT_EQ("MemFree + Slab after the child is reaped (kB)", free_or_slab_kb(), free0);
	long cow0 = proc_value("/proc/vmstat", "pgcow_copy ");
	long reuse0 = proc_value("/proc/vmstat", "pgcow_reuse ");
	fill(mem, pages, 0x20);
	EXPECT_EQ("parent writes copy nothing once alone (pgcow_copy)",
		  proc_value("/proc/vmstat", "pgcow_copy ") - cow0, 0);
	EXPECT_EQ("parent writes reuse every frame (pgcow_reuse)",
		  proc_value("/proc/vmstat", "pgcow_reuse ") - reuse0, pages);
	printf("forktest: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
