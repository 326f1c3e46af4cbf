/*
 * mmaptest [--segv]: mmap, partial munmap, mprotect (PROT_NONE included),
 * MAP_FIXED / MAP_FIXED_NOREPLACE / hints / MAP_POPULATE, private file
 * mappings, brk, stack growth and EFAULT from bad pointers, each checked
 * and printed as "mmaptest: CHECK: ok". Faults that must kill are taken in
 * a forked child whose status the parent checks. --segv instead writes
 * through a NULL pointer (the kernel kills only this process).
 * Exit status 0 when every check passes, 1 otherwise.
 */
#include "libproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096ul
#define RW (PROT_READ | PROT_WRITE)

static int failures, checks;

static void report(int ok, const char *what)
{
	checks++;
	failures += !ok;
	printf("mmaptest: %s: %s\n", what, ok ? "ok" : "FAILED");
}

static char *map_anon(size_t pages, int prot)
{
	char *p = mmap(NULL, pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Runs fn(arg) in a child; returns the signal that killed it, or 0. */
static int child_signal(void (*fn)(volatile char *), volatile char *arg)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void do_read(volatile char *p)
{
	(void)*p;
}

static void do_write(volatile char *p)
{
	*p = 1;
}

static void check_partial_munmap(void)
{
	char *p = map_anon(8, RW);

	memset(p, 0x5a, 8 * PAGE);
	report(!munmap(p + 3 * PAGE, 2 * PAGE), "munmap of two middle pages succeeds");
	report(maps_perms(p + 2 * PAGE) && maps_perms(p + 5 * PAGE) && !maps_perms(p + 3 * PAGE),
	       "maps shows the hole between two areas");
	report(p[2 * PAGE] == 0x5a && p[5 * PAGE] == 0x5a, "pages beside the hole keep their data");
	report(child_signal(do_read, p + 3 * PAGE) == SIGSEGV, "a read in the hole is SIGSEGV");
	munmap(p, 8 * PAGE);
}

static void check_mprotect(void)
{
	char *p = map_anon(4, RW);

	memset(p, 0x33, 4 * PAGE);
	report(!mprotect(p, PAGE, PROT_READ), "mprotect of the first page to read-only");
	const char *perm = maps_perms(p);
	report(perm && !strcmp(perm, "r--p"), "maps shows r--p for it");
	perm = maps_perms(p + PAGE);
	report(perm && !strcmp(perm, "rw-p"), "and rw-p for the rest");
	report(child_signal(do_write, p) == SIGSEGV, "a write to the read-only page is SIGSEGV");
	report(child_signal(do_read, p) == 0, "a read of it is fine");
	report(!mprotect(p + PAGE, PAGE, PROT_NONE), "mprotect of the second page to PROT_NONE");
	report(child_signal(do_read, p + PAGE) == SIGSEGV, "a read of the PROT_NONE page is SIGSEGV");
	report(!mprotect(p, 2 * PAGE, RW), "mprotect back to read-write");
	perm = maps_perms(p);
	report(perm && !strcmp(perm, "rw-p") && p[PAGE] == 0x33 && (p[0] = 7) == 7,
	       "the areas merged back and the data survived PROT_NONE");
	report(mprotect(p + 8 * PAGE, PAGE, PROT_READ) == -1 && errno == ENOMEM,
	       "mprotect of unmapped memory is ENOMEM");
	munmap(p, 4 * PAGE);
}

static void check_placement(void)
{
	char *p = map_anon(4, RW), *q;

	q = mmap(p + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	report(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping is EEXIST");
	p[PAGE] = 9;
	q = mmap(p + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	report(q == p + PAGE && p[PAGE] == 0, "MAP_FIXED replaces the page with a zero page");
	munmap(p, 4 * PAGE);
	q = mmap(p, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	report(q == p, "a free hint address is used");
	munmap(q, PAGE);
	char *a = map_anon(1, RW), *b = map_anon(1, RW);
	report(a && b && b < a, "mappings are placed top-down");
	munmap(a, PAGE);
	munmap(b, PAGE);
}

static void check_populate(void)
{
	struct rusage r0, r1;
	char *p = mmap(NULL, 16 * PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	report(smaps_value(p, "Rss:") == 64, "MAP_POPULATE maps every page up front");
	getrusage(RUSAGE_SELF, &r0);
	for (int i = 0; i < 16; i++)
		p[i * PAGE] = 1;
	getrusage(RUSAGE_SELF, &r1);
	report(r1.ru_minflt == r0.ru_minflt, "touching populated pages takes no fault");
	munmap(p, 16 * PAGE);
}

static void check_file_mapping(void)
{
	int fd = open("/bin/cat", O_RDONLY);
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char head[4];

	report(p != MAP_FAILED && !memcmp(p, "\177ELF", 4), "a private file mapping shows the file");
	p[0] = 'X';
	report(lseek(fd, 0, SEEK_SET) == 0 && read(fd, head, 4) == 4 &&
	       !memcmp(head, "\177ELF", 4) && p[0] == 'X',
	       "writing it changes a private copy, not the file");
	report(smaps_value(p, "Anonymous:") == 4, "the written page became anonymous");
	munmap(p, 2 * PAGE);
	close(fd);
}

/* The raw system call: musl's sbrk only reports the break. */
static char *brk_to(char *addr)
{
	return (char *)syscall(SYS_brk, addr);
}

static void check_brk(void)
{
	char *b0 = brk_to(0);

	report(brk_to(b0 + 64 * 1024) == b0 + 64 * 1024, "brk grows the heap");
	memset(b0, 1, 64 * 1024);
	report(brk_to(b0) == b0 && child_signal(do_read, b0 + 32 * 1024) == SIGSEGV,
	       "and shrinks it, unmapping the top");
}

static int recurse(int n)
{
	volatile char pad[4096];

	pad[0] = (char)n;
	return n ? recurse(n - 1) + (pad[0] == (char)n) : 0;
}

static void check_efault(void)
{
	char *ro = map_anon(1, PROT_READ), *none = map_anon(1, PROT_NONE);

	report(write(1, (void *)16, 8) == -1 && errno == EFAULT, "write from an unmapped pointer is EFAULT");
	report(write(1, none, 8) == -1 && errno == EFAULT, "write from PROT_NONE memory is EFAULT");
	int fd = open("/bin/cat", O_RDONLY);
	report(read(fd, ro, 8) == -1 && errno == EFAULT, "read into read-only memory is EFAULT");
	close(fd);
	report(open((char *)8, O_RDONLY) == -1 && errno == EFAULT, "open of a bad path pointer is EFAULT");
	munmap(ro, PAGE);
	munmap(none, PAGE);
	report(recurse(256) == 256, "the stack grows to 1 MiB on demand");
}

static void check_no_leak(void)
{
	long before = 0, after = 0;

	for (int round = 0; round < 2; round++) {   /* round 0 warms slab and tables */
		before = proc_value("/proc/meminfo", "MemFree:");
		char *p = map_anon(256, RW);
		memset(p, 1, 256 * PAGE);
		munmap(p, 256 * PAGE);
		after = proc_value("/proc/meminfo", "MemFree:");
	}
	printf("mmaptest: MemFree %ld kB before, %ld kB after 1 MiB mapped and unmapped\n",
	       before, after);
	report(before == after, "munmap returns every frame and page table");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--segv")) {
		printf("mmaptest: writing through a NULL pointer\n");
		fflush(stdout);
		*(volatile int *)0 = 1;
		return 0;
	}
	check_partial_munmap();
	check_mprotect();
	check_placement();
	check_populate();
	check_file_mapping();
	check_brk();
	check_efault();
	check_no_leak();
	printf("mmaptest: %d of %d checks passed\n", checks - failures, checks);
	return failures ? 1 : 0;
}
