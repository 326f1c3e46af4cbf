/*
 * pinning: resource limits, mlock and madvise as Linux answers them, with
 * exact figures from /proc. Run it in a small guest with swap (the
 * integration test: 32M, a swap disk, mm.fault_around=1 so a fault maps
 * one page):
 *   - getrlimit/setrlimit/prlimit64: the defaults, EINVAL/EPERM/ESRCH,
 *     and inheritance by fork;
 *   - RLIMIT_AS and RLIMIT_DATA stop mmap and brk at the page the limit
 *     allows (MAP_FIXED over an old mapping counts only what it adds);
 *     RLIMIT_STACK stops the stack's growth with SIGSEGV;
 *   - RLIMIT_MEMLOCK binds a process that setuid()s away from root
 *     (mlock ENOMEM, MAP_LOCKED and MCL_FUTURE growth EAGAIN, a limit of
 *     0 EPERM) and never root (CAP_IPC_LOCK), as Linux;
 *   - mlock, mlock2(MLOCK_ONFAULT), munlock, mlockall, munlockall:
 *     meminfo's Mlocked/Unevictable and status's VmLck move by the pages
 *     locked; a child hogging more than RAM (36M) swaps, and the locked
 *     parent loses no page to swap;
 *   - madvise: DONTNEED/FREE/COLD/PAGEOUT are EINVAL on locked areas,
 *     FREE on file and shared areas; PAGEOUT swaps a range out (VmSwap),
 *     WILLNEED reads it back into the swap cache without mapping it (no
 *     major fault after), FREE'd pages are dropped by reclaim unless
 *     written again (pglazyfreed), and read back zero.
 * Prints one claim per line and "pinning: N passed, M failed".
 */
#include "claims.h"
#include "libproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096l
#define KB(pages) ((pages) * (PAGE / 1024))
#define INF (~0ul)
#define HOG_BYTES (36l << 20)
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1         /* musl leaves it to linux/mman.h */
#endif

static struct claims claims = { .prog = "pinning" };

struct lim {
	unsigned long cur, max;
};

static long sys_prlimit(long pid, long res, const struct lim *new, struct lim *old)
{
	long r = syscall(SYS_prlimit64, pid, res, new, old);

	return r < 0 ? -errno : r;
}

static long sys_set(long res, unsigned long cur, unsigned long max)
{
	struct lim l = { cur, max };
	long r = syscall(SYS_setrlimit, res, &l);

	return r < 0 ? -errno : r;
}

static long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

static long status(const char *key)
{
	return proc_value("/proc/self/status", key);
}

static long meminfo(const char *key)
{
	return proc_value("/proc/meminfo", key);
}

static long vmstat(const char *key)
{
	return proc_value("/proc/vmstat", key);
}

static char *map_anon(long bytes, int prot, int flags)
{
	void *p = mmap(NULL, bytes, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* mmap's result as 0 or -errno. */
static long try_map(long bytes, int prot, int flags)
{
	void *p = mmap(NULL, bytes, prot, MAP_ANONYMOUS | flags, -1, 0);

	return p == MAP_FAILED ? -errno : 0;
}

static void fill(char *p, long pages, int seed)
{
	for (long i = 0; i < pages; i++)
		memset(p + i * PAGE, (int)(i + seed) & 0xff, PAGE);
}

/* Pages of p whose every byte is as fill(seed) wrote it. */
static long intact(const char *p, long pages, int seed)
{
	long n = 0;

	for (long i = 0; i < pages; i++) {
		long j = 0;
		while (j < PAGE && p[i * PAGE + j] == (char)((i + seed) & 0xff))
			j++;
		n += j == PAGE;
	}
	return n;
}

static long zero_pages(const char *p, long pages)
{
	long n = 0;

	for (long i = 0; i < pages; i++) {
		long j = 0;
		while (j < PAGE && !p[i * PAGE + j])
			j++;
		n += j == PAGE;
	}
	return n;
}

/* ---- limits --------------------------------------------------------------- */

static void rlimit_defaults_and_errors(void)
{
	struct lim l = { 0, 0 };

	claims_check(&claims, "getrlimit(RLIMIT_STACK) works", sys_ret(syscall(SYS_getrlimit, RLIMIT_STACK, &l)), 0);
	claims_check(&claims, "RLIMIT_STACK's soft limit is 8 MiB", (long)l.cur, 8l << 20);
	claims_check(&claims, "RLIMIT_STACK's hard limit is infinity", l.max == INF, 1);
	sys_prlimit(0, RLIMIT_MEMLOCK, NULL, &l);
	claims_check(&claims, "RLIMIT_MEMLOCK is 8 MiB", (long)l.cur, 8l << 20);
	sys_prlimit(0, RLIMIT_NOFILE, NULL, &l);
	claims_check(&claims, "RLIMIT_NOFILE is the descriptor table's 32", (long)l.max, 32);
	sys_prlimit(0, RLIMIT_AS, NULL, &l);
	claims_check(&claims, "RLIMIT_AS is unlimited", l.cur == INF && l.max == INF, 1);
	claims_check(&claims, "getrlimit of resource 16 is EINVAL",
		     sys_ret(syscall(SYS_getrlimit, 16, &l)), -EINVAL);
	claims_check(&claims, "setrlimit with cur above max is EINVAL", sys_set(RLIMIT_CORE, 2, 1), -EINVAL);
	claims_check(&claims, "RLIMIT_NOFILE above the table is EPERM", sys_set(RLIMIT_NOFILE, 32, 33), -EPERM);
	claims_check(&claims, "prlimit64 of no such pid is ESRCH", sys_prlimit(99999, RLIMIT_AS, NULL, &l), -ESRCH);
	claims_check(&claims, "prlimit64 with old at NULL page is EFAULT",
		     sys_prlimit(0, RLIMIT_AS, NULL, (struct lim *)8), -EFAULT);
	struct lim core = { 4096, 8192 }, old = { 0, 0 };
	claims_check(&claims, "prlimit64 sets and returns the old limit", sys_prlimit(0, RLIMIT_CORE, &core, &old), 0);
	claims_check(&claims, "the old RLIMIT_CORE was 0", (long)old.cur, 0);
	pid_t c = fork();
	if (c == 0) {
		sys_prlimit(0, RLIMIT_CORE, NULL, &l);
		_exit(l.cur == 4096 && l.max == 8192 ? 0 : 1);
	}
	int st = -1;
	waitpid(c, &st, 0);
	claims_check(&claims, "a forked child has its parent's limits", st, 0);
	claims_check(&claims, "prlimit64 of the caller's own pid reads its limit",
		     sys_prlimit(getpid(), RLIMIT_CORE, NULL, &l) == 0 && l.cur == 4096, 1);
}

static void rlimit_as_stops_mmap_and_brk(void)
{
	unsigned long vm = (unsigned long)status("VmSize:") * 1024;
	char *fixed = map_anon(16 * PAGE, PROT_READ, 0);

	vm += 16 * PAGE;
	claims_check(&claims, "RLIMIT_AS at VmSize + 4 pages is set", sys_set(RLIMIT_AS, vm + 4 * PAGE, INF), 0);
	claims_check(&claims, "mmap of 5 pages is ENOMEM", try_map(5 * PAGE, PROT_READ, MAP_PRIVATE), -ENOMEM);
	claims_check(&claims, "mmap of 4 pages fits", try_map(4 * PAGE, PROT_READ, MAP_PRIVATE), 0);
	claims_check(&claims, "then one more page is ENOMEM", try_map(PAGE, PROT_READ, MAP_PRIVATE), -ENOMEM);
	void *p = mmap(fixed, 16 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	claims_check(&claims, "MAP_FIXED over 16 mapped pages adds nothing and fits", p == fixed, 1);
	void *brk0 = sbrk(0);
	claims_check(&claims, "brk past RLIMIT_AS leaves the break",
		     syscall(SYS_brk, (char *)brk0 + PAGE) == (long)brk0, 1);
	claims_check(&claims, "RLIMIT_AS back to unlimited", sys_set(RLIMIT_AS, INF, INF), 0);
	claims_check(&claims, "then brk grows", syscall(SYS_brk, (char *)brk0 + PAGE) == (long)brk0 + PAGE, 1);
	syscall(SYS_brk, brk0);
	munmap(fixed, 16 * PAGE);
}

static void rlimit_data_stops_private_writable_maps(void)
{
	unsigned long data = (unsigned long)status("VmData:") * 1024;
	void *brk0 = sbrk(0);

	claims_check(&claims, "RLIMIT_DATA at VmData + 2 pages is set", sys_set(RLIMIT_DATA, data + 2 * PAGE, INF), 0);
	claims_check(&claims, "a private writable mmap of 3 pages is ENOMEM",
		     try_map(3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE), -ENOMEM);
	claims_check(&claims, "a read-only one of 64 pages is not data: fits",
		     try_map(64 * PAGE, PROT_READ, MAP_PRIVATE), 0);
	claims_check(&claims, "a shared writable one of 64 pages is not data: fits",
		     try_map(64 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED), 0);
	claims_check(&claims, "a private writable one of 2 pages fits",
		     try_map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE), 0);
	claims_check(&claims, "RLIMIT_DATA of 1 page with heap and data over it is set", sys_set(RLIMIT_DATA, PAGE, PAGE), 0);
	claims_check(&claims, "brk cannot grow past RLIMIT_DATA",
		     syscall(SYS_brk, (char *)brk0 + 64 * PAGE) == (long)brk0, 1);
	claims_check(&claims, "soft RLIMIT_DATA 0 lets mmap reach the hard limit", sys_set(RLIMIT_DATA, 0, INF), 0);
	claims_check(&claims, "so a private writable mmap fits",
		     try_map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE), 0);
	sys_set(RLIMIT_DATA, INF, INF);
	claims_check(&claims, "unlimited again, brk grows",
		     syscall(SYS_brk, (char *)brk0 + 64 * PAGE) == (long)brk0 + 64 * PAGE, 1);
	syscall(SYS_brk, brk0);
}

/* A child that sets RLIMIT_STACK to limit and touches depth bytes below its frame. */
static int stack_child(unsigned long limit, long depth)
{
	pid_t c = fork();

	if (c == 0) {
		sys_set(RLIMIT_STACK, limit, INF);
		volatile char *p = (volatile char *)__builtin_frame_address(0) - depth;
		*p = 1;
		_exit(0);
	}
	int st = -1;
	waitpid(c, &st, 0);
	return st;
}

static void rlimit_stack_stops_growth(void)
{
	int st = stack_child(256 << 10, 512 << 10);

	claims_check(&claims, "a stack touched 512K deep under a 256K RLIMIT_STACK gets SIGSEGV",
		     WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGSEGV);
	st = stack_child(8 << 20, 512 << 10);
	claims_check(&claims, "under the default 8M it grows", st, 0);
}

/* ---- mlock ----------------------------------------------------------------- */

static void mlock_counts_pages(void)
{
	long m0 = meminfo("Mlocked:"), u0 = meminfo("Unevictable:"), lck0 = status("VmLck:");
	long anon0 = status("RssAnon:");
	char *p = map_anon(256 * PAGE, PROT_READ | PROT_WRITE, 0);

	claims_check(&claims, "mlock of 256 untouched pages works", sys_ret(mlock(p, 256 * PAGE)), 0);
	claims_check(&claims, "they are faulted in: RssAnon +1024 kB", status("RssAnon:") - anon0, KB(256));
	claims_check(&claims, "meminfo Mlocked +1024 kB", meminfo("Mlocked:") - m0, KB(256));
	claims_check(&claims, "meminfo Unevictable +1024 kB", meminfo("Unevictable:") - u0, KB(256));
	claims_check(&claims, "status VmLck +1024 kB", status("VmLck:") - lck0, KB(256));
	claims_check(&claims, "munlock of the upper half works", sys_ret(munlock(p + 128 * PAGE, 128 * PAGE)), 0);
	claims_check(&claims, "Mlocked +512 kB", meminfo("Mlocked:") - m0, KB(128));
	claims_check(&claims, "VmLck +512 kB", status("VmLck:") - lck0, KB(128));
	claims_check(&claims, "mlock of an unaligned start locks its page too",
		     sys_ret(mlock(p + 128 * PAGE + 100, 1)), 0);
	claims_check(&claims, "Mlocked +516 kB", meminfo("Mlocked:") - m0, KB(129));
	claims_check(&claims, "DONTNEED on a locked area is EINVAL", sys_ret(madvise(p, PAGE, MADV_DONTNEED)), -EINVAL);
	claims_check(&claims, "FREE on a locked area is EINVAL", sys_ret(madvise(p, PAGE, MADV_FREE)), -EINVAL);
	claims_check(&claims, "COLD on a locked area is EINVAL", sys_ret(madvise(p, PAGE, MADV_COLD)), -EINVAL);
	claims_check(&claims, "PAGEOUT on a locked area is EINVAL", sys_ret(madvise(p, PAGE, MADV_PAGEOUT)), -EINVAL);
	claims_check(&claims, "WILLNEED on a locked area is 0", sys_ret(madvise(p, PAGE, MADV_WILLNEED)), 0);
	claims_check(&claims, "munmap of locked pages works", sys_ret(munmap(p, 256 * PAGE)), 0);
	claims_check(&claims, "Mlocked is back", meminfo("Mlocked:") - m0, 0);
	claims_check(&claims, "VmLck is back", status("VmLck:") - lck0, 0);
}

static void mlock2_onfault_locks_what_faults(void)
{
	long m0 = meminfo("Mlocked:"), lck0 = status("VmLck:");
	char *p = map_anon(17 * PAGE, PROT_READ | PROT_WRITE, 0);

	munmap(p + 16 * PAGE, PAGE);   /* a hole after the area */
	claims_check(&claims, "mlock2 with flags 2 is EINVAL", sys_ret(syscall(SYS_mlock2, p, PAGE, 2)), -EINVAL);
	claims_check(&claims, "mlock2(MLOCK_ONFAULT) works", sys_ret(syscall(SYS_mlock2, p, 16 * PAGE, MLOCK_ONFAULT)), 0);
	claims_check(&claims, "nothing faulted: Mlocked unchanged", meminfo("Mlocked:") - m0, 0);
	claims_check(&claims, "VmLck +64 kB", status("VmLck:") - lck0, KB(16));
	p[0] = 1;
	p[5 * PAGE] = 1;
	claims_check(&claims, "two pages touched: Mlocked +8 kB", meminfo("Mlocked:") - m0, KB(2));
	claims_check(&claims, "mlock of an unmapped range is ENOMEM", sys_ret(mlock(p + 16 * PAGE, PAGE)), -ENOMEM);
	claims_check(&claims, "mlock of length 0 is 0", sys_ret(mlock(p, 0)), 0);
	claims_check(&claims, "mlockall(0) is EINVAL", sys_ret(mlockall(0)), -EINVAL);
	claims_check(&claims, "mlockall(MCL_ONFAULT) alone is EINVAL", sys_ret(mlockall(MCL_ONFAULT)), -EINVAL);
	claims_check(&claims, "mlockall(8) is EINVAL", sys_ret(mlockall(8)), -EINVAL);
	munmap(p, 16 * PAGE);
	claims_check(&claims, "unmapped: Mlocked is back", meminfo("Mlocked:") - m0, 0);
}

/* Forks a child that touches HOG_BYTES (more than RAM): it swaps. Returns its status. */
static int run_hog(void)
{
	pid_t c = fork();

	if (c == 0) {
		char *h = map_anon(HOG_BYTES, PROT_READ | PROT_WRITE, 0);
		if (!h || status("VmLck:") != 0)
			_exit(2);       /* mlockall is not inherited */
		fill(h, HOG_BYTES / PAGE, 3);
		_exit(intact(h, HOG_BYTES / PAGE, 3) == HOG_BYTES / PAGE ? 0 : 1);
	}
	int st = -1;
	waitpid(c, &st, 0);
	return st;
}

static void mlockall_keeps_a_process_resident_under_pressure(void)
{
	long pages = 512, out0 = vmstat("pswpout");
	char *p = map_anon(pages * PAGE, PROT_READ | PROT_WRITE, 0);

	fill(p, pages, 1);
	claims_check(&claims, "mlockall(MCL_CURRENT|MCL_FUTURE) works", sys_ret(mlockall(MCL_CURRENT | MCL_FUTURE)), 0);
	claims_check(&claims, "VmLck is VmSize", status("VmLck:"), status("VmSize:"));
	long anon0 = status("RssAnon:"), m0 = meminfo("Mlocked:");
	char *later = map_anon(8 * PAGE, PROT_READ | PROT_WRITE, 0);
	claims_check(&claims, "a later mmap is populated (MCL_FUTURE): RssAnon +32 kB",
		     status("RssAnon:") - anon0, KB(8));
	claims_check(&claims, "and locked: Mlocked +32 kB", meminfo("Mlocked:") - m0, KB(8));
	claims_check(&claims, "a child hogging 36M in a 32M guest exits 0", run_hog(), 0);
	claims_check(&claims, "the hog swapped", vmstat("pswpout") > out0, 1);
	claims_check(&claims, "the locked process has nothing in swap", status("VmSwap:"), 0);
	claims_check(&claims, "every locked page is intact", intact(p, pages, 1), pages);
	claims_check(&claims, "munlockall works", sys_ret(munlockall()), 0);
	claims_check(&claims, "VmLck is 0", status("VmLck:"), 0);
	claims_check(&claims, "Mlocked is 0", meminfo("Mlocked:"), 0);
	munmap(later, 8 * PAGE);
	munmap(p, pages * PAGE);
}

/* ---- madvise ----------------------------------------------------------------- */

static void madvise_rules(void)
{
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = open("/bin/pinning", O_RDONLY);
	char *file = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	char *anon = map_anon(4 * PAGE, PROT_READ | PROT_WRITE, 0);

	claims_check(&claims, "FREE on a shared anonymous area is EINVAL", sys_ret(madvise(shared, PAGE, MADV_FREE)), -EINVAL);
	claims_check(&claims, "FREE on a file mapping is EINVAL", sys_ret(madvise(file, PAGE, MADV_FREE)), -EINVAL);
	claims_check(&claims, "COLD on a file mapping is 0", sys_ret(madvise(file, PAGE, MADV_COLD)), 0);
	claims_check(&claims, "PAGEOUT on a file mapping is 0", sys_ret(madvise(file, PAGE, MADV_PAGEOUT)), 0);
	claims_check(&claims, "advice 7 (unused in Linux) is EINVAL",
		     sys_ret(madvise(anon, PAGE, 7)), -EINVAL);
	fill(anon, 4, 9);
	claims_check(&claims, "COLD on anonymous pages is 0", sys_ret(madvise(anon, 4 * PAGE, MADV_COLD)), 0);
	claims_check(&claims, "and they stay resident", smaps_value(anon, "Rss:"), KB(4));
	claims_check(&claims, "and intact", intact(anon, 4, 9), 4);
	munmap(anon, 4 * PAGE);
	munmap(file, PAGE);
	munmap(shared, PAGE);
	close(fd);
}

static void pageout_and_willneed(void)
{
	long pages = 64;
	char *p = map_anon(pages * PAGE, PROT_READ | PROT_WRITE, 0);

	fill(p, pages, 5);
	long swap0 = status("VmSwap:"), anon0 = status("RssAnon:"), out0 = vmstat("pswpout");
	claims_check(&claims, "PAGEOUT of 64 written pages works", sys_ret(madvise(p, pages * PAGE, MADV_PAGEOUT)), 0);
	claims_check(&claims, "pswpout +64", vmstat("pswpout") - out0, pages);
	claims_check(&claims, "VmSwap +256 kB", status("VmSwap:") - swap0, KB(pages));
	claims_check(&claims, "RssAnon -256 kB", anon0 - status("RssAnon:"), KB(pages));
	long in0 = vmstat("pswpin"), cached0 = meminfo("SwapCached:");
	claims_check(&claims, "WILLNEED on them works", sys_ret(madvise(p, pages * PAGE, MADV_WILLNEED)), 0);
	claims_check(&claims, "pswpin +64", vmstat("pswpin") - in0, pages);
	claims_check(&claims, "SwapCached +256 kB", meminfo("SwapCached:") - cached0, KB(pages));
	claims_check(&claims, "nothing mapped yet: RssAnon unchanged", anon0 - status("RssAnon:"), KB(pages));
	long majflt0 = vmstat("pgmajfault");
	claims_check(&claims, "every page reads back intact", intact(p, pages, 5), pages);
	claims_check(&claims, "from the swap cache: no major fault", vmstat("pgmajfault") - majflt0, 0);
	munmap(p, pages * PAGE);
}

static void free_is_lazy(void)
{
	long pages = 64;
	char *p = map_anon(pages * PAGE, PROT_READ | PROT_WRITE, 0);

	fill(p, pages, 7);
	long anon0 = status("RssAnon:");
	claims_check(&claims, "FREE of 64 written pages works", sys_ret(madvise(p, pages * PAGE, MADV_FREE)), 0);
	claims_check(&claims, "lazily: RssAnon unchanged", status("RssAnon:"), anon0);
	claims_check(&claims, "and the data is still there", intact(p, pages, 7), pages);
	fill(p, pages / 2, 8);         /* written again: no longer free */
	long lazy0 = vmstat("pglazyfreed"), out0 = vmstat("pswpout");
	claims_check(&claims, "PAGEOUT of them works", sys_ret(madvise(p, pages * PAGE, MADV_PAGEOUT)), 0);
	claims_check(&claims, "the 32 clean ones are dropped: pglazyfreed +32", vmstat("pglazyfreed") - lazy0, pages / 2);
	claims_check(&claims, "the 32 written again are swapped: pswpout +32", vmstat("pswpout") - out0, pages / 2);
	claims_check(&claims, "the written ones read back their new data", intact(p, pages / 2, 8), pages / 2);
	claims_check(&claims, "the dropped ones read back zero", zero_pages(p + pages / 2 * PAGE, pages / 2), pages / 2);
	munmap(p, pages * PAGE);
}

/* ---- RLIMIT_MEMLOCK ----------------------------------------------------------- */

/* mmap of pages with extra flags, raw (musl's mmap turns an anonymous
 * mapping's EPERM into ENOMEM); -errno on failure, 0 on success (unmapped again). */
static long try_map_locked(long pages, int flags)
{
	long p = syscall(SYS_mmap, 0, pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == -1)
		return -errno;
	munmap((void *)p, pages * PAGE);
	return 0;
}

/* In a child that setuid()s to 1000 (no CAP_IPC_LOCK): Linux's rules. */
static void memlock_binds_a_user_that_is_not_root(void)
{
	char *p = map_anon(32 * PAGE, PROT_READ | PROT_WRITE, 0);

	claims_check(&claims, "setuid(1000) as root", sys_ret(setuid(1000)), 0);
	claims_check(&claims, "getuid is 1000", (long)getuid(), 1000);
	claims_check(&claims, "setuid(0) back is EPERM", sys_ret(setuid(0)), -EPERM);
	claims_check(&claims, "RLIMIT_MEMLOCK lowered to 16 pages",
		     sys_set(RLIMIT_MEMLOCK, 16 * PAGE, 8l << 20), 0);
	claims_check(&claims, "mlock of 16 pages fits", sys_ret(mlock(p, 16 * PAGE)), 0);
	claims_check(&claims, "one page more is ENOMEM", sys_ret(mlock(p + 16 * PAGE, PAGE)), -ENOMEM);
	claims_check(&claims, "the same 16 again count once", sys_ret(mlock(p, 16 * PAGE)), 0);
	claims_check(&claims, "VmLck 64 kB", status("VmLck:"), 64);
	claims_check(&claims, "munlock of 8 makes room", sys_ret(munlock(p, 8 * PAGE)), 0);
	claims_check(&claims, "for that page", sys_ret(mlock(p + 16 * PAGE, PAGE)), 0);
	claims_check(&claims, "mmap(MAP_LOCKED) of 8 pages past it is EAGAIN", try_map_locked(8, MAP_LOCKED),
		     -EAGAIN);
	claims_check(&claims, "mmap(MAP_LOCKED) of 7 pages fits", try_map_locked(7, MAP_LOCKED), 0);
	claims_check(&claims, "mlockall(MCL_CURRENT) of more than 16 pages is ENOMEM",
		     sys_ret(mlockall(MCL_CURRENT)), -ENOMEM);
	claims_check(&claims, "mlockall(MCL_FUTURE) works", sys_ret(mlockall(MCL_FUTURE)), 0);
	claims_check(&claims, "then an mmap of 8 pages is EAGAIN", try_map_locked(8, 0), -EAGAIN);
	claims_check(&claims, "and brk growth past it fails",
		     sbrk(8 * PAGE) == (void *)-1 ? -errno : 0, -ENOMEM);
	claims_check(&claims, "munlockall", sys_ret(munlockall()), 0);
	claims_check(&claims, "RLIMIT_MEMLOCK 0", sys_set(RLIMIT_MEMLOCK, 0, 8l << 20), 0);
	claims_check(&claims, "then mlock is EPERM", sys_ret(mlock(p, PAGE)), -EPERM);
	claims_check(&claims, "even of length 0", sys_ret(mlock(p, 0)), -EPERM);
	claims_check(&claims, "mlockall is EPERM", sys_ret(mlockall(MCL_FUTURE)), -EPERM);
	claims_check(&claims, "mmap(MAP_LOCKED) is EPERM", try_map_locked(1, MAP_LOCKED), -EPERM);
}

/* Root (CAP_IPC_LOCK) is never bound by RLIMIT_MEMLOCK, even at 0, as on Linux. */
static void memlock_never_binds_root(void)
{
	char *p = map_anon(32 * PAGE, PROT_READ | PROT_WRITE, 0);

	claims_check(&claims, "root: RLIMIT_MEMLOCK 0", sys_set(RLIMIT_MEMLOCK, 0, 8l << 20), 0);
	claims_check(&claims, "root: mlock of 32 pages works", sys_ret(mlock(p, 32 * PAGE)), 0);
	claims_check(&claims, "root: mmap(MAP_LOCKED) works", try_map_locked(4, MAP_LOCKED), 0);
}

/* Each in a child: the limit and the user id are the process's. */
static void memlock_rules(void)
{
	void (*const cases[])(void) = { memlock_binds_a_user_that_is_not_root,
					memlock_never_binds_root };

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int st = -1;
		pid_t pid = fork();
		if (pid == 0) {
			struct claims before = claims;
			cases[i]();
			_exit(claims.failed != before.failed);
		}
		waitpid(pid, &st, 0);
		claims_check(&claims, "the RLIMIT_MEMLOCK child passed", st, 0);
	}
	claims_check(&claims, "the parent is still root", (long)getuid(), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	rlimit_defaults_and_errors();
	rlimit_as_stops_mmap_and_brk();
	rlimit_data_stops_private_writable_maps();
	rlimit_stack_stops_growth();
	mlock_counts_pages();
	mlock2_onfault_locks_what_faults();
	madvise_rules();
	pageout_and_willneed();
	free_is_lazy();
	mlockall_keeps_a_process_resident_under_pressure();
	memlock_rules();
	return claims_report(&claims);
}
