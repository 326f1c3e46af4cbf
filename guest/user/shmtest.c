/*
 * shmtest: tmpfs, memfd and shared memory as Linux answers them, with
 * exact checks. Modes:
 *   shmtest files     the file calls on /tmp and /dev/shm: open with
 *                     O_CREAT/O_EXCL/O_TRUNC, read/write/pread/pwrite,
 *                     lseek, ftruncate, unlink, mkdir/rmdir, rename,
 *                     getdents64, stat/statfs, /proc/mounts, Linux's errnos;
 *                     meminfo's Unevictable (never Mlocked) without swap
 *   shmtest share     MAP_SHARED mappings of a memfd, a /dev/shm file
 *                     (shm_open) and a /tmp file: two processes see each
 *                     other's stores and write()s byte for byte; msync;
 *                     the file keeps its pages past munmap and exit;
 *                     SIGBUS past EOF after ftruncate shrinks it; memfd
 *                     seals; MAP_PRIVATE copies; Shmem, RssShmem, statm's
 *                     shared column and smaps' Shared/Private_Dirty
 *   shmtest sysv      System V shmget/shmat/shmdt/shmctl on the same files
 *   shmtest swap MB   an MB-sized /tmp file written and read back byte for
 *                     byte after memory pressure swapped it out (run in a
 *                     guest smaller than MB, with swap and tmpfs.size_kb):
 *                     pswpout and pswpin grow, meminfo's Shmem follows
 * Prints one claim per line and "shmtest: N passed, M failed".
 */
#define _GNU_SOURCE
#include "claims.h"
#include "libproc.h"

#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096l
#define TMPFS_MAGIC 0x01021994
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define F_SEAL_SEAL 1
#define F_SEAL_SHRINK 2
#define F_SEAL_GROW 4
#define F_SEAL_WRITE 8
#endif

static struct claims claims = { .prog = "shmtest" };

/* -errno of a failed call, else its result. */
static long err_of(long r)
{
	return r < 0 ? -errno : r;
}

/* The byte at offset off of the test pattern (seed varies it per file). */
static unsigned char pattern(uint64_t off, unsigned seed)
{
	return (unsigned char)((off * 2654435761u >> 13) ^ seed ^ (off >> 12));
}

static void fill(unsigned char *buf, size_t n, uint64_t off, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern(off + i, seed);
}

/* Bytes of buf (n, at file offset off) that differ from the pattern. */
static long mismatches(const unsigned char *buf, size_t n, uint64_t off, unsigned seed)
{
	long bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += buf[i] != pattern(off + i, seed);
	return bad;
}

static long file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -errno : (long)st.st_size;
}

/* Whether the directory dir lists name. */
static long lists(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long found = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		found += !strcmp(e->d_name, name);
	closedir(d);
	return found;
}

static void open_flags(void)
{
	unsigned char buf[10000], back[10000];
	int fd = open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0644);
	struct stat st;

	claims_check(&claims, "open O_CREAT|O_EXCL makes /tmp/a", fd >= 0, 1);
	claims_check(&claims, "a second O_EXCL open is EEXIST",
		     err_of(open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0644)), -EEXIST);
	claims_check(&claims, "a missing file without O_CREAT is ENOENT",
		     err_of(open("/tmp/none", O_RDONLY)), -ENOENT);
	claims_check(&claims, "O_CREAT under a missing directory is ENOENT",
		     err_of(open("/tmp/nodir/f", O_CREAT | O_RDWR, 0600)), -ENOENT);
	fill(buf, sizeof(buf), 0, 1);
	claims_check(&claims, "write 10000 bytes", write(fd, buf, sizeof(buf)), 10000);
	claims_check(&claims, "fstat: size 10000", fstat(fd, &st) ? -errno : st.st_size, 10000);
	claims_check(&claims, "fstat: a regular file, mode 0644 after umask 022",
		     st.st_mode, S_IFREG | 0644);
	claims_check(&claims, "lseek(0, SEEK_END) is the size", lseek(fd, 0, SEEK_END), 10000);
	claims_check(&claims, "lseek(0, SEEK_SET)", lseek(fd, 0, SEEK_SET), 0);
	claims_check(&claims, "read gives the 10000 bytes back", read(fd, back, sizeof(back)), 10000);
	claims_check(&claims, "byte for byte", mismatches(back, 10000, 0, 1), 0);
	claims_check(&claims, "read at EOF gives 0", read(fd, back, 10), 0);
	claims_check(&claims, "pread 100 at 5000", pread(fd, back, 100, 5000), 100);
	claims_check(&claims, "pread's bytes", mismatches(back, 100, 5000, 1), 0);
	claims_check(&claims, "pwrite 4 at 20000 grows the file",
		     pwrite(fd, "abcd", 4, 20000), 4);
	claims_check(&claims, "size 20004", file_size(fd), 20004);
	claims_check(&claims, "pread leaves the position", lseek(fd, 0, SEEK_CUR), 10000);
	memset(back, 0x55, 100);
	claims_check(&claims, "the hole reads", pread(fd, back, 100, 12000), 100);
	claims_check(&claims, "the hole is zeros", (long)(memchr(back, 0, 100) == back) +
		     !memcmp(back, back + 1, 99), 2);
	claims_check(&claims, "ftruncate to 100", err_of(ftruncate(fd, 100)), 0);
	claims_check(&claims, "size 100", file_size(fd), 100);
	claims_check(&claims, "pread past the new EOF gives 0", pread(fd, back, 10, 5000), 0);
	claims_check(&claims, "ftruncate up to 8192 reads zeros past 100",
		     err_of(ftruncate(fd, 8192)) == 0 && pread(fd, back, 50, 100) == 50 &&
		     back[0] == 0 && back[49] == 0, 1);
	claims_check(&claims, "ftruncate -1 is EINVAL", err_of(ftruncate(fd, -1)), -EINVAL);
	close(fd);
	fd = open("/tmp/a", O_RDONLY);
	claims_check(&claims, "ftruncate of a read-only fd is EINVAL", err_of(ftruncate(fd, 0)),
		     -EINVAL);
	close(fd);
	fd = open("/tmp/a", O_WRONLY | O_TRUNC);
	claims_check(&claims, "O_TRUNC empties it", file_size(fd), 0);
	claims_check(&claims, "O_APPEND writes at the end",
		     write(fd, "xy", 2) == 2 && close(fd) == 0 &&
		     (fd = open("/tmp/a", O_WRONLY | O_APPEND)) >= 0 && write(fd, "z", 1) == 1 &&
		     lseek(fd, 0, SEEK_CUR) == 3 ? file_size(fd) : -1, 3);
	close(fd);
}

static void tree(void)
{
	struct stat st;
	int fd;

	claims_check(&claims, "mkdir /tmp/d", err_of(mkdir("/tmp/d", 0755)), 0);
	claims_check(&claims, "mkdir again is EEXIST", err_of(mkdir("/tmp/d", 0755)), -EEXIST);
	claims_check(&claims, "stat /tmp/d: a directory",
		     stat("/tmp/d", &st) ? -errno : (long)S_ISDIR(st.st_mode), 1);
	fd = open("/tmp/d/f", O_CREAT | O_RDWR, 0600);
	claims_check(&claims, "a file in it", fd >= 0 && write(fd, "hi", 2) == 2, 1);
	claims_check(&claims, "/tmp lists a and d", lists("/tmp", "a") + lists("/tmp", "d"), 2);
	claims_check(&claims, "/tmp/d lists f", lists("/tmp/d", "f"), 1);
	claims_check(&claims, "/ lists tmp once", lists("/", "tmp"), 1);
	claims_check(&claims, "/dev lists shm", lists("/dev", "shm"), 1);
	claims_check(&claims, "rmdir of a full directory is ENOTEMPTY", err_of(rmdir("/tmp/d")),
		     -ENOTEMPTY);
	claims_check(&claims, "unlink of a directory is EISDIR", err_of(unlink("/tmp/d")), -EISDIR);
	claims_check(&claims, "rmdir of a file is ENOTDIR", err_of(rmdir("/tmp/d/f")), -ENOTDIR);
	claims_check(&claims, "unlink /tmp/d/f", err_of(unlink("/tmp/d/f")), 0);
	claims_check(&claims, "the open file still reads after unlink",
		     pread(fd, &st, 2, 0), 2);
	claims_check(&claims, "stat of the unlinked name is ENOENT", err_of(stat("/tmp/d/f", &st)),
		     -ENOENT);
	close(fd);
	claims_check(&claims, "rmdir /tmp/d", err_of(rmdir("/tmp/d")), 0);
	claims_check(&claims, "rmdir again is ENOENT", err_of(rmdir("/tmp/d")), -ENOENT);
	claims_check(&claims, "rmdir /tmp (a mount point) is EBUSY", err_of(rmdir("/tmp")), -EBUSY);
	claims_check(&claims, "rename /tmp/a to /dev/shm/b", err_of(rename("/tmp/a", "/dev/shm/b")),
		     0);
	claims_check(&claims, "the old name is gone", err_of(stat("/tmp/a", &st)), -ENOENT);
	claims_check(&claims, "the new name has the bytes",
		     stat("/dev/shm/b", &st) ? -errno : st.st_size, 3);
	claims_check(&claims, "rename off tmpfs is EXDEV", err_of(rename("/dev/shm/b", "/bin/b")),
		     -EXDEV);
	claims_check(&claims, "mkdir on the initrd is EROFS", err_of(mkdir("/bin/x", 0755)), -EROFS);
	claims_check(&claims, "mkdir of an initrd directory is EEXIST", err_of(mkdir("/bin", 0755)),
		     -EEXIST);
	claims_check(&claims, "unlink of an initrd file is EROFS", err_of(unlink("/sbin/init")),
		     -EROFS);
	claims_check(&claims, "unlink of nothing is ENOENT", err_of(unlink("/nothing")), -ENOENT);
	claims_check(&claims, "unlink /dev/shm/b", err_of(unlink("/dev/shm/b")), 0);
	claims_check(&claims, "/dev/shm is empty again", lists("/dev/shm", "b"), 0);
}

static void mounts(void)
{
	long total_kb = proc_value("/proc/meminfo", "MemTotal:");
	const char *m = proc_read("/proc/mounts");    /* libproc's one buffer: read last */
	struct statfs sf;

	claims_check(&claims, "/proc/mounts lists tmpfs at /tmp",
		     m && strstr(m, "tmpfs /tmp tmpfs rw") != NULL, 1);
	claims_check(&claims, "/proc/mounts lists tmpfs at /dev/shm",
		     m && strstr(m, "tmpfs /dev/shm tmpfs rw") != NULL, 1);
	claims_check(&claims, "statfs /dev/shm: TMPFS_MAGIC",
		     statfs("/dev/shm", &sf) ? -errno : (long)sf.f_type, TMPFS_MAGIC);
	claims_check(&claims, "size= is half of MemTotal (4K pages)", (long)sf.f_blocks,
		     total_kb / 2 / 4);
	claims_check(&claims, "nothing used", (long)(sf.f_blocks - sf.f_bfree), 0);
}

/* A file's pages are Unevictable while no swap could take them, as
 * Linux's shmem without swap; never Mlocked: nothing locked them. */
static void unevictable_without_swap(void)
{
	long swap = proc_value("/proc/meminfo", "SwapTotal:");
	long u0 = proc_value("/proc/meminfo", "Unevictable:");
	long m0 = proc_value("/proc/meminfo", "Mlocked:");
	unsigned char buf[4096];
	int fd = open("/tmp/u", O_CREAT | O_RDWR, 0600);
	long written = 0;

	fill(buf, sizeof(buf), 0, 3);
	for (int i = 0; i < 16; i++)
		written += write(fd, buf, sizeof(buf));
	claims_check(&claims, "write 64 kB to /tmp/u", written, 65536);
	claims_check(&claims, "its 64 kB are Unevictable without swap (none with it)",
		     proc_value("/proc/meminfo", "Unevictable:") - u0, swap ? 0 : 64);
	claims_check(&claims, "and not Mlocked", proc_value("/proc/meminfo", "Mlocked:") - m0, 0);
	claims_check(&claims, "unlink /tmp/u", err_of(unlink("/tmp/u")) + err_of(close(fd)), 0);
	claims_check(&claims, "Unevictable is back",
		     proc_value("/proc/meminfo", "Unevictable:") - u0, 0);
}

static int files(void)
{
	umask(022);
	open_flags();
	tree();
	unevictable_without_swap();
	mounts();
	return claims_report(&claims);
}

/* ---- shared mappings ---------------------------------------------------- */

#define SHARE_BYTES (64l << 10)

static sigjmp_buf bus_jump;
static volatile long bus_code, bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	bus_addr = (long)si->si_addr;
	siglongjmp(bus_jump, 1);
}

/* Stores 0x5a at p; 0, or -SIGBUS when the store raised SIGBUS. */
static long poke(volatile unsigned char *p)
{
	if (sigsetjmp(bus_jump, 1))
		return -SIGBUS;
	*p = 0x5a;
	return 0;
}

/* Reads the byte at p; -SIGBUS when the read raised SIGBUS. */
static long probe(volatile unsigned char *p)
{
	if (sigsetjmp(bus_jump, 1))
		return -SIGBUS;
	return *p;
}

/*
 * Two processes share fd's pages through their own MAP_SHARED mappings:
 * the child stores the first half (pattern seed) and checks the second,
 * which the parent write()s meanwhile; each side checks the other's
 * bytes through its mapping and read(). what names the file in the claims.
 */
static void two_mappers(int fd, const char *what, unsigned seed)
{
	static unsigned char buf[SHARE_BYTES];
	int go[2], done[2], status = -1;
	char line[128];
	unsigned char *m;
	pid_t pid;

	snprintf(line, sizeof(line), "%s: ftruncate to 64K and mmap MAP_SHARED", what);
	claims_check(&claims, line, ftruncate(fd, SHARE_BYTES) == 0 &&
		     (m = mmap(NULL, SHARE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) !=
		     MAP_FAILED, 1);
	if (pipe(go) || pipe(done))
		return;
	pid = fork();
	if (pid == 0) {
		unsigned char *c = mmap(NULL, SHARE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		char b;
		fill(c, SHARE_BYTES / 2, 0, seed);            /* stores through its own mapping */
		if (write(done[1], "w", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(3);
		_exit(mismatches(c + SHARE_BYTES / 2, SHARE_BYTES / 2, SHARE_BYTES / 2, seed) ? 1 : 0);
	}
	char b = 0;
	claims_check(&claims, "the child stored its half", read(done[0], &b, 1) == 1 && b == 'w', 1);
	snprintf(line, sizeof(line), "%s: the child's stores show in the parent's mapping", what);
	claims_check(&claims, line, mismatches(m, SHARE_BYTES / 2, 0, seed), 0);
	snprintf(line, sizeof(line), "%s: and through read()", what);
	claims_check(&claims, line, pread(fd, buf, SHARE_BYTES / 2, 0) == SHARE_BYTES / 2 ?
		     mismatches(buf, SHARE_BYTES / 2, 0, seed) : -1, 0);
	fill(buf, SHARE_BYTES / 2, SHARE_BYTES / 2, seed);
	claims_check(&claims, "the parent write()s the other half",
		     pwrite(fd, buf, SHARE_BYTES / 2, SHARE_BYTES / 2), SHARE_BYTES / 2);
	claims_check(&claims, "msync(MS_SYNC) of the shared mapping",
		     err_of(msync(m, SHARE_BYTES, MS_SYNC)), 0);
	if (write(go[1], "g", 1) != 1)
		return;
	waitpid(pid, &status, 0);
	snprintf(line, sizeof(line), "%s: the parent's write()s show in the child's mapping", what);
	claims_check(&claims, line, status, 0);
	munmap(m, SHARE_BYTES);
	snprintf(line, sizeof(line), "%s: unmapped everywhere, the file keeps every byte", what);
	claims_check(&claims, line, pread(fd, buf, SHARE_BYTES / 2, 0) == SHARE_BYTES / 2 ?
		     mismatches(buf, SHARE_BYTES / 2, 0, seed) : -1, 0);
	close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

/* ftruncate shrinking a mapped file: the pages past EOF raise SIGBUS, the
 * rest of the last page reads zero, the file's first bytes stay. */
static void sigbus_past_eof(int fd)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	unsigned char *m = mmap(NULL, SHARE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	sigaction(SIGBUS, &sa, NULL);
	fill(m, SHARE_BYTES, 0, 9);
	claims_check(&claims, "ftruncate a mapped file to 5000 bytes", err_of(ftruncate(fd, 5000)), 0);
	claims_check(&claims, "a page past EOF raises SIGBUS", probe(m + 3 * PAGE), -SIGBUS);
	claims_check(&claims, "si_code BUS_ADRERR", bus_code, BUS_ADRERR);
	claims_check(&claims, "si_addr the address", bus_addr, (long)(m + 3 * PAGE));
	claims_check(&claims, "the last page past EOF reads zero", probe(m + 5000), 0);
	claims_check(&claims, "below EOF the bytes stay", probe(m + 4999), pattern(4999, 9));
	claims_check(&claims, "growing it again, the pages read zero", ftruncate(fd, SHARE_BYTES) ||
		     probe(m + 3 * PAGE), 0);
	munmap(m, SHARE_BYTES);
}

static void seals(void)
{
	int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
	int plain = memfd_create("plain", 0);

	claims_check(&claims, "F_GET_SEALS of a new sealable memfd", fcntl(fd, F_GET_SEALS), 0);
	claims_check(&claims, "without MFD_ALLOW_SEALING: F_SEAL_SEAL", fcntl(plain, F_GET_SEALS),
		     F_SEAL_SEAL);
	claims_check(&claims, "adding a seal to it is EPERM",
		     err_of(fcntl(plain, F_ADD_SEALS, F_SEAL_GROW)), -EPERM);
	claims_check(&claims, "write 8K", write(fd, memset(malloc(8192), 1, 8192), 8192), 8192);
	claims_check(&claims, "F_ADD_SEALS SHRINK|GROW",
		     err_of(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)), 0);
	claims_check(&claims, "shrinking is EPERM", err_of(ftruncate(fd, 4096)), -EPERM);
	claims_check(&claims, "growing is EPERM", err_of(ftruncate(fd, 16384)), -EPERM);
	claims_check(&claims, "writing past the end is EPERM", err_of(pwrite(fd, "x", 1, 8192)), -EPERM);
	claims_check(&claims, "writing inside is fine", pwrite(fd, "x", 1, 100), 1);
	claims_check(&claims, "F_ADD_SEALS WRITE|SEAL", err_of(fcntl(fd, F_ADD_SEALS,
		     F_SEAL_WRITE | F_SEAL_SEAL)), 0);
	claims_check(&claims, "then write() is EPERM", err_of(pwrite(fd, "x", 1, 100)), -EPERM);
	claims_check(&claims, "and a shared writable mapping EPERM",
		     mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ?
		     -errno : 0, -EPERM);
	claims_check(&claims, "a read-only one is fine",
		     mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED, 1);
	claims_check(&claims, "no more seals after F_SEAL_SEAL",
		     err_of(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)), -EPERM);
	claims_check(&claims, "an unknown seal is EINVAL", err_of(fcntl(plain, F_ADD_SEALS, 0x1000)),
		     -EINVAL);
	claims_check(&claims, "seals of a /tmp file are EINVAL",
		     err_of(fcntl(open("/tmp/sealme", O_CREAT | O_RDWR, 0600), F_GET_SEALS)), -EINVAL);
	close(fd);
	close(plain);
}

/* The shared column of /proc/self/statm (pages). */
static long statm_shared(void)
{
	const char *t = proc_read("/proc/self/statm");
	long size, rss, shared;

	return t && sscanf(t, "%ld %ld %ld", &size, &rss, &shared) == 3 ? shared : -1;
}

/*
 * Shmem accounting of a memfd mapping written through: meminfo's Shmem
 * (and Cached, which holds it), status's RssShmem, statm's shared
 * column, smaps' Private_Dirty, then Shared_Dirty while a child maps the
 * same pages; all back when it goes.
 */
static void accounting(void)
{
	long shmem0 = proc_value("/proc/meminfo", "Shmem:");
	long rss0 = proc_value("/proc/self/status", "RssShmem:"), file0, shared0;
	int fd = memfd_create("acct", 0), go[2];
	unsigned char *m;
	pid_t pid;

	if (fd < 0 || ftruncate(fd, SHARE_BYTES) || pipe(go))
		return;
	m = mmap(NULL, SHARE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	fill(m, SHARE_BYTES, 0, 11);
	claims_check(&claims, "meminfo Shmem +64 kB", proc_value("/proc/meminfo", "Shmem:") - shmem0, 64);
	claims_check(&claims, "Cached holds Shmem", proc_value("/proc/meminfo", "Cached:") >=
		     proc_value("/proc/meminfo", "Shmem:"), 1);
	claims_check(&claims, "status RssShmem +64 kB",
		     proc_value("/proc/self/status", "RssShmem:") - rss0, 64);
	statm_shared();                 /* its first call faults sscanf's text in */
	shared0 = statm_shared();
	file0 = proc_value("/proc/self/status", "RssFile:");
	claims_check(&claims, "statm's shared column is RssFile + RssShmem (kB / 4)", shared0 * 4,
		     file0 + proc_value("/proc/self/status", "RssShmem:"));
	claims_check(&claims, "and holds the 16 pages", shared0 >= 16, 1);
	claims_check(&claims, "smaps Private_Dirty 64 kB", smaps_value(m, "Private_Dirty:"), 64);
	pid = fork();
	if (pid == 0) {
		char b;
		_exit(read(go[0], &b, 1) == 1 ? 0 : 1);    /* maps the pages until told */
	}
	claims_check(&claims, "with a child mapping them: smaps Shared_Dirty 64 kB",
		     smaps_value(m, "Shared_Dirty:"), 64);
	claims_check(&claims, "and Private_Dirty 0", smaps_value(m, "Private_Dirty:"), 0);
	if (write(go[1], "g", 1) != 1)
		return;
	waitpid(pid, NULL, 0);
	claims_check(&claims, "the child gone: Private_Dirty 64 kB again",
		     smaps_value(m, "Private_Dirty:"), 64);
	munmap(m, SHARE_BYTES);
	close(fd);
	close(go[0]), close(go[1]);
	claims_check(&claims, "unmapped and closed: Shmem as before",
		     proc_value("/proc/meminfo", "Shmem:"), shmem0);
	claims_check(&claims, "and RssShmem", proc_value("/proc/self/status", "RssShmem:"), rss0);
}

static int share(void)
{
	int mfd = memfd_create("shmtest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int sfd = shm_open("/shmtest", O_CREAT | O_EXCL | O_RDWR, 0600);
	int tfd = open("/tmp/shared", O_CREAT | O_RDWR, 0600);
	int ro = open("/tmp/shared", O_RDONLY);
	struct stat st;

	claims_check(&claims, "memfd_create", mfd >= 0, 1);
	claims_check(&claims, "memfd_create with MFD_CLOEXEC: FD_CLOEXEC set",
		     fcntl(mfd, F_GETFD), FD_CLOEXEC);
	claims_check(&claims, "shm_open makes /dev/shm/shmtest",
		     sfd >= 0 && stat("/dev/shm/shmtest", &st) == 0, 1);
	two_mappers(mfd, "memfd", 3);
	two_mappers(sfd, "shm_open", 4);
	two_mappers(tfd, "/tmp file", 5);
	claims_check(&claims, "MAP_SHARED PROT_WRITE of a read-only fd is EACCES",
		     mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ?
		     -errno : 0, -EACCES);
	unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, tfd, 0);
	p[0] ^= 0xff;
	unsigned char b = 0;
	claims_check(&claims, "a MAP_PRIVATE store stays private",
		     pread(tfd, &b, 1, 0) == 1 && b == pattern(0, 5) && p[0] == (b ^ 0xff), 1);
	claims_check(&claims, "shm_unlink", err_of(shm_unlink("/shmtest")), 0);
	sigbus_past_eof(mfd);
	seals();
	accounting();
	return claims_report(&claims);
}

/* System V shared memory on the same files: shmget, shmat in two
 * processes, shm_nattch, shmdt, IPC_RMID, and Linux's errnos. */
static int sysv(void)
{
	struct shmid_ds ds;
	int id = shmget(IPC_PRIVATE, SHARE_BYTES, IPC_CREAT | 0600), status = -1, go[2], done[2];
	unsigned char *m = id >= 0 ? shmat(id, NULL, 0) : (void *)-1;
	pid_t pid;

	claims_check(&claims, "shmget(IPC_PRIVATE, 64K) and shmat", id >= 0 && m != (void *)-1, 1);
	if (id < 0 || m == (void *)-1 || pipe(go) || pipe(done))
		return claims_report(&claims);
	long nonzero = 0;
	for (long i = 0; i < SHARE_BYTES; i++)
		nonzero += m[i] != 0;
	claims_check(&claims, "a new segment reads zero", nonzero, 0);
	pid = fork();
	if (pid == 0) {
		unsigned char *c = shmat(id, NULL, 0);
		char b;
		if (c == (void *)-1)
			_exit(3);
		fill(c, SHARE_BYTES, 0, 21);
		if (write(done[1], "w", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(4);
		_exit(shmdt(c) ? 5 : 0);
	}
	char b = 0;
	claims_check(&claims, "the child attached and stored", read(done[0], &b, 1) == 1 && b == 'w', 1);
	claims_check(&claims, "its stores show in the parent's attach", mismatches(m, SHARE_BYTES, 0, 21),
		     0);
	claims_check(&claims, "IPC_STAT: shm_segsz", shmctl(id, IPC_STAT, &ds) ? -errno :
		     (long)ds.shm_segsz, SHARE_BYTES);
	claims_check(&claims, "shm_nattch 3 (the parent's, the child's inherited and its own)",
		     (long)ds.shm_nattch, 3);
	claims_check(&claims, "shm_perm.mode 0600", (long)ds.shm_perm.mode, 0600);
	if (write(go[1], "g", 1) != 1)
		return claims_report(&claims);
	waitpid(pid, &status, 0);
	close(go[0]), close(go[1]), close(done[0]), close(done[1]);
	claims_check(&claims, "the child detached and exited", status, 0);
	claims_check(&claims, "shm_nattch 1 again", shmctl(id, IPC_STAT, &ds) ? -errno :
		     (long)ds.shm_nattch, 1);
	claims_check(&claims, "a key: shmget(0x5157, 8K, IPC_CREAT|IPC_EXCL)",
		     shmget(0x5157, 8192, IPC_CREAT | IPC_EXCL | 0600) >= 0, 1);
	claims_check(&claims, "again with IPC_EXCL is EEXIST",
		     err_of(shmget(0x5157, 8192, IPC_CREAT | IPC_EXCL | 0600)), -EEXIST);
	claims_check(&claims, "the same key without IPC_CREAT finds it",
		     shmget(0x5157, 4096, 0) >= 0, 1);
	claims_check(&claims, "asking more than its size is EINVAL", err_of(shmget(0x5157, 16384, 0)),
		     -EINVAL);
	claims_check(&claims, "a missing key without IPC_CREAT is ENOENT", err_of(shmget(0x7777, 4096, 0)),
		     -ENOENT);
	claims_check(&claims, "size 0 is EINVAL", err_of(shmget(IPC_PRIVATE, 0, IPC_CREAT)), -EINVAL);
	claims_check(&claims, "IPC_RMID of the keyed one", err_of(shmctl(shmget(0x5157, 0, 0), IPC_RMID,
		     NULL)), 0);
	claims_check(&claims, "shmdt of an address with no segment is EINVAL", err_of(shmdt(m + PAGE)),
		     -EINVAL);
	claims_check(&claims, "shmat of a bad id is EINVAL", (long)shmat(12345, NULL, 0) == -1 ?
		     -errno : 0, -EINVAL);
	claims_check(&claims, "shmat at an unaligned address without SHM_RND is EINVAL",
		     (long)shmat(id, (void *)0x10000001, 0) == -1 ? -errno : 0, -EINVAL);
	claims_check(&claims, "IPC_RMID while attached", err_of(shmctl(id, IPC_RMID, NULL)), 0);
	claims_check(&claims, "the id is gone", err_of(shmctl(id, IPC_STAT, &ds)), -EINVAL);
	claims_check(&claims, "the attach still holds the bytes", mismatches(m, SHARE_BYTES, 0, 21), 0);
	claims_check(&claims, "shmdt", err_of(shmdt(m)), 0);
	return claims_report(&claims);
}

/* Writes mb MiB to path in 64K steps. Returns the bytes written. */
static long write_big(int fd, long bytes, unsigned seed)
{
	static unsigned char buf[65536];
	long done = 0;

	while (done < bytes) {
		fill(buf, sizeof(buf), (uint64_t)done, seed);
		long n = pwrite(fd, buf, sizeof(buf), done);
		if (n != (long)sizeof(buf))
			return n < 0 ? -errno : done + n;
		done += n;
	}
	return done;
}

/* Reads the file back and counts the bytes that differ from the pattern. */
static long verify_big(int fd, long bytes, unsigned seed)
{
	static unsigned char buf[65536];
	long bad = 0;

	for (long off = 0; off < bytes; off += (long)sizeof(buf)) {
		if (pread(fd, buf, sizeof(buf), off) != (long)sizeof(buf))
			return -1;
		bad += mismatches(buf, sizeof(buf), (uint64_t)off, seed);
	}
	return bad;
}

static int swap(long mb)
{
	long bytes = mb << 20;
	long out0 = proc_value("/proc/vmstat", "pswpout");
	long in0 = proc_value("/proc/vmstat", "pswpin");
	long shmem0 = proc_value("/proc/meminfo", "Shmem:");
	long total_kb = proc_value("/proc/meminfo", "MemTotal:");
	int fd = open("/tmp/big", O_CREAT | O_RDWR, 0600);
	char what[96];

	claims_check(&claims, "open /tmp/big", fd >= 0, 1);
	snprintf(what, sizeof(what), "write %ld MiB to /tmp/big", mb);
	claims_check(&claims, what, write_big(fd, bytes, 7), bytes);
	long shmem1 = proc_value("/proc/meminfo", "Shmem:");
	long out1 = proc_value("/proc/vmstat", "pswpout");
	claims_check(&claims, "more than RAM: swapped out (pswpout grew by a quarter of it at least)",
		     out1 - out0 >= bytes / PAGE / 4, 1);
	claims_check(&claims, "Shmem grew, by less than the file (part of it is in swap)",
		     shmem1 > shmem0 && shmem1 - shmem0 < bytes / 1024 && shmem1 < total_kb, 1);
	claims_check(&claims, "the file reads back byte for byte", verify_big(fd, bytes, 7), 0);
	claims_check(&claims, "it came back from swap (pswpin grew)",
		     proc_value("/proc/vmstat", "pswpin") - in0 >= bytes / PAGE / 4, 1);
	claims_check(&claims, "ENOSPC past size=", err_of(pwrite(fd, "x", 1, (mb + 64) << 20)),
		     -ENOSPC);
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	sigaction(SIGBUS, &sa, NULL);
	unsigned char *m = ftruncate(fd, bytes + PAGE) ? MAP_FAILED :
		mmap(NULL, bytes + PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	claims_check(&claims, "a store into a hole of the full tmpfs is SIGBUS, not the OOM killer",
		     m == MAP_FAILED ? -1 : poke(m + bytes), -SIGBUS);
	claims_check(&claims, "a mapped page below it takes the store", poke(m + PAGE), 0);
	munmap(m, bytes + PAGE);
	claims_check(&claims, "the page is written through", pread(fd, what, 1, PAGE) == 1 &&
		     what[0] == 0x5a, 1);
	ftruncate(fd, bytes);
	long in_swap_kb = bytes / 1024 - (proc_value("/proc/meminfo", "Shmem:") - shmem0);
	long swapfree1 = proc_value("/proc/meminfo", "SwapFree:");
	claims_check(&claims, "unlink /tmp/big", err_of(unlink("/tmp/big")), 0);
	close(fd);
	claims_check(&claims, "closed and unlinked: Shmem back where it was",
		     proc_value("/proc/meminfo", "Shmem:"), shmem0);
	claims_check(&claims, "and the swap slots its pages held are free: SwapFree grew by them",
		     proc_value("/proc/meminfo", "SwapFree:") - swapfree1 >= in_swap_kb &&
		     in_swap_kb > 0, 1);
	return claims_report(&claims);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "files"))
		return files();
	if (argc >= 2 && !strcmp(argv[1], "share"))
		return share();
	if (argc >= 2 && !strcmp(argv[1], "sysv"))
		return sysv();
	if (argc >= 3 && !strcmp(argv[1], "swap"))
		return swap(atol(argv[2]));
	fprintf(stderr, "usage: shmtest files | share | sysv | swap MB\n");
	return 2;
}
