/*
 * badargs [--random SEED --calls N]: every system call the kernel
 * implements, called raw (no libc checks in between) with edge-case
 * arguments: descriptors with high bits set (Linux keeps the low 32),
 * -1 and huge ones; kernel, non-canonical, NULL and unmapped pointers;
 * huge and wrapping lengths; bad timespecs, flags, options and signals;
 * clone's and clone3's flag rules and struct sizes, futex operations,
 * hostile robust lists walked at exit, resource limits, mlock's range
 * arithmetic, madvise's advice rules, statx and statfs, alarm (one
 * delivered), gettimeofday, getcpu and umask; tmpfs's tree calls
 * (unlink, mkdir, rmdir, rename), truncate, pwrite64, fsync,
 * memfd_create, mbind and get_mempolicy(MPOL_F_ADDR).
 * Each check compares the result with what Linux returns and prints
 * "badargs: CHECK: ok" (or "FAILED: got X"); the last line is
 * "badargs: N passed, M failed". Exit status 0 when all pass.
 *
 * --random SEED --calls N: N calls of random implemented system calls
 * with random edge arguments, in forked children of CHILD_CALLS calls
 * each (closed fds 0-2 so nothing reaches the console; a child may die
 * of a signal, the kernel must not oops). The seed is printed; the same
 * seed makes the same calls. A huge valid sleep, populating a huge
 * mapping (mlock, mlock2, mlockall populate), exit itself and prlimit64
 * (it could set another process's limits, init's among them) are left
 * out of random mode (they would only take time or end a child early); the calls made are counted in a
 * shared page and printed.
 */
#include "claims.h"
#include "libproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ul
#define KPTR 0xffff800000000000ul      /* kernel half */
#define NONCANON 0x0000800000000000ul  /* first non-canonical address */
#define HIGH 0x100000000ul             /* bit 32: dropped by an int argument */
#define SELF "/bin/badargs"
#define CHILD_CALLS 64
#define F_ADD_SEALS_ 1033
#define F_GET_SEALS_ 1034
#ifndef AT_REMOVEDIR
#define AT_REMOVEDIR 0x200
#endif

/* Raw system call: the kernel's return value, -errno included. */
static long sc(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a3, r8 __asm__("r8") = a4, r9 __asm__("r9") = a5;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}
#define SC0(n) sc(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a) sc(n, (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SC4(n, a, b, c, d) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SC6(n, a, b, c, d, e, f) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static __attribute__((noreturn)) void raw_exit(int code)
{
	for (;;)
		SC1(SYS_exit, code);
}

static struct claims claims = { .prog = "badargs" };
#define check(what, got, want) claims_check(&claims, what, got, want)

/* A check of a result that must be at least min (an fd, a pid, a size). */
static void check_ge(const char *what, long got, long min)
{
	check(what, got >= min ? min : got, min);
}

/* ---- fixtures ----------------------------------------------------------- */

static char *buf;              /* two RW pages */
static char *unmapped;         /* a page that was mapped and is no more */
static char *edge;             /* the last bytes of a page followed by a hole */
static char longpath[5000], midpath[300];

static void fixtures(void)
{
	buf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + PAGE, PAGE);
	edge = two + PAGE - 3;
	memcpy(edge, "/bi", 3);     /* no NUL before the hole */
	unmapped = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, PAGE);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	memset(midpath, 'b', sizeof(midpath) - 1);
	midpath[0] = '/';
}

static long open_self(void)
{
	return SC2(SYS_open, SELF, O_RDONLY);
}

/* ---- descriptors -------------------------------------------------------- */

static void fd_checks(void)
{
	long fd = open_self();

	check_ge("open of " SELF, fd, 3);
	check("close(0x100000000 | fd) closes fd (unsigned int fd)", SC1(SYS_close, HIGH | (unsigned long)fd), 0);
	check("close of that fd again is EBADF", SC1(SYS_close, fd), -EBADF);
	check("close(0x100000000 | 99) is EBADF", SC1(SYS_close, HIGH | 99), -EBADF);
	check("close(-1) is EBADF", SC1(SYS_close, -1), -EBADF);
	check("close(INT_MAX) is EBADF", SC1(SYS_close, 0x7fffffff), -EBADF);
	check("close(~0ul) is EBADF", SC1(SYS_close, ~0ul), -EBADF);
	check("close(32) is EBADF", SC1(SYS_close, 32), -EBADF);
	fd = open_self();
	check("read(-1) is EBADF", SC3(SYS_read, -1, buf, 1), -EBADF);
	check("read(0x100000000 | 99) is EBADF", SC3(SYS_read, HIGH | 99, buf, 1), -EBADF);
	check("read into a kernel pointer is EFAULT", SC3(SYS_read, fd, KPTR, 16), -EFAULT);
	check("read into a non-canonical pointer is EFAULT", SC3(SYS_read, fd, NONCANON, 16), -EFAULT);
	check("read into NULL is EFAULT", SC3(SYS_read, fd, 0, 16), -EFAULT);
	check("read into an unmapped page is EFAULT", SC3(SYS_read, fd, unmapped, 16), -EFAULT);
	check("read of SIZE_MAX bytes is EFAULT", SC3(SYS_read, fd, buf, ~0ul), -EFAULT);
	check("read of 2^63 bytes is EFAULT", SC3(SYS_read, fd, buf, 1ul << 63), -EFAULT);
	check("read of 0 bytes into a kernel pointer is EFAULT", SC3(SYS_read, fd, KPTR, 0), -EFAULT);
	check("read of 0 bytes is 0", SC3(SYS_read, fd, buf, 0), 0);
	check("read through 0x100000000 | fd (unsigned int fd)", SC3(SYS_read, HIGH | (unsigned long)fd, buf, 4), 4);
	check("write to a read-only fd is EBADF", SC3(SYS_write, fd, buf, 1), -EBADF);
	check("write(-1) is EBADF", SC3(SYS_write, -1, buf, 1), -EBADF);
	check("write from a kernel pointer is EFAULT", SC3(SYS_write, 1, KPTR, 8), -EFAULT);
	check("write from a non-canonical pointer is EFAULT", SC3(SYS_write, 1, NONCANON, 8), -EFAULT);
	check("write from NULL is EFAULT", SC3(SYS_write, 1, 0, 8), -EFAULT);
	check("write from an unmapped page is EFAULT", SC3(SYS_write, 1, unmapped, 8), -EFAULT);
	check("write of SIZE_MAX bytes is EFAULT", SC3(SYS_write, 1, buf, ~0ul), -EFAULT);
	check("write of 0 bytes is 0", SC3(SYS_write, 1, buf, 0), 0);
	check("fstat(-1) is EBADF", SC2(SYS_fstat, -1, buf), -EBADF);
	check("fstat(0x100000000 | 99) is EBADF", SC2(SYS_fstat, HIGH | 99, buf), -EBADF);
	check("fstat into a kernel pointer is EFAULT", SC2(SYS_fstat, 1, KPTR), -EFAULT);
	check("fstat into NULL is EFAULT", SC2(SYS_fstat, 1, 0), -EFAULT);
	check("fstat(0x100000000 | fd) (unsigned int fd)", SC2(SYS_fstat, HIGH | (unsigned long)fd, buf), 0);
	SC1(SYS_close, fd);
}

static void seek_checks(void)
{
	long fd = open_self();
	long size = SC3(SYS_lseek, fd, 0, SEEK_END);

	check_ge("lseek to the end gives the size", size, 1);
	check("lseek whence 0x100000000 | SEEK_END (unsigned int whence)",
	      SC3(SYS_lseek, fd, 0, HIGH | SEEK_END), size);
	check("lseek whence 3 is EINVAL", SC3(SYS_lseek, fd, 0, 3), -EINVAL);
	check("lseek whence 99 on the console is EINVAL (before ESPIPE)", SC3(SYS_lseek, 1, 0, 99), -EINVAL);
	check("lseek on the console is ESPIPE", SC3(SYS_lseek, 1, 0, SEEK_SET), -ESPIPE);
	check("lseek(-1) is EBADF", SC3(SYS_lseek, -1, 0, SEEK_SET), -EBADF);
	check("lseek to -1 is EINVAL", SC3(SYS_lseek, fd, -1, SEEK_SET), -EINVAL);
	check("lseek to INT64_MAX", SC3(SYS_lseek, fd, INT64_MAX, SEEK_SET), INT64_MAX);
	check("read at INT64_MAX is 0", SC3(SYS_read, fd, buf, 16), 0);
	check("lseek INT64_MAX past INT64_MAX is EINVAL", SC3(SYS_lseek, fd, INT64_MAX, SEEK_CUR), -EINVAL);
	check("lseek INT64_MIN from the end is EINVAL", SC3(SYS_lseek, fd, INT64_MIN, SEEK_END), -EINVAL);
	check("lseek INT64_MAX from the end is EINVAL", SC3(SYS_lseek, fd, INT64_MAX, SEEK_END), -EINVAL);
	SC1(SYS_close, fd);
}

static void vector_checks(void)
{
	struct { unsigned long base, len; } iov[2] = { { (unsigned long)buf, 8 }, { KPTR, 8 } };
	long fd = open_self();

	check("writev(-1) is EBADF", SC3(SYS_writev, -1, iov, 1), -EBADF);
	check("writev of 1025 vectors is EINVAL", SC3(SYS_writev, 1, iov, 1025), -EINVAL);
	check("writev of 0x100000001 vectors is EINVAL", SC3(SYS_writev, 1, iov, HIGH | 1), -EINVAL);
	check("writev of 0 vectors is 0", SC3(SYS_writev, 1, iov, 0), 0);
	check("writev from a kernel iovec array is EFAULT", SC3(SYS_writev, 1, KPTR, 1), -EFAULT);
	check("writev from a NULL iovec array is EFAULT", SC3(SYS_writev, 1, 0, 1), -EFAULT);
	check("writev with a kernel base in vector 2 is EFAULT (nothing written)", SC3(SYS_writev, 1, iov, 2), -EFAULT);
	iov[1].base = (unsigned long)buf;
	iov[1].len = 1ul << 63;
	check("writev with a negative length is EINVAL", SC3(SYS_writev, 1, iov, 2), -EINVAL);
	iov[1].len = ~0ul >> 2;
	check("writev with a length past user space is EFAULT", SC3(SYS_writev, 1, iov, 2), -EFAULT);
	iov[0].len = 4;
	iov[1] = (typeof(iov[1])){ (unsigned long)buf + 4, 4 };
	check("readv of two vectors", SC3(SYS_readv, fd, iov, 2), 8);
	check("readv into a kernel base is EFAULT", SC3(SYS_readv, fd, (iov[1].base = KPTR, iov), 2), -EFAULT);
	check("readv through 0x100000000 | fd (unsigned int fd)", SC3(SYS_readv, HIGH | (unsigned long)fd, iov, 1), 4);
	SC1(SYS_close, fd);
}

/* ---- paths -------------------------------------------------------------- */

static void path_checks(void)
{
	long fd;

	check("open of a kernel pointer is EFAULT", SC2(SYS_open, KPTR, O_RDONLY), -EFAULT);
	check("open of a non-canonical pointer is EFAULT", SC2(SYS_open, NONCANON, O_RDONLY), -EFAULT);
	check("open of NULL is EFAULT", SC2(SYS_open, 0, O_RDONLY), -EFAULT);
	check("open of an unmapped pointer is EFAULT", SC2(SYS_open, unmapped, O_RDONLY), -EFAULT);
	check("open of a path running into a hole is EFAULT", SC2(SYS_open, edge, O_RDONLY), -EFAULT);
	check("open of \"\" is ENOENT", SC2(SYS_open, "", O_RDONLY), -ENOENT);
	check("open of a 4999-byte path is ENAMETOOLONG", SC2(SYS_open, longpath, O_RDONLY), -ENAMETOOLONG);
	check("open of a 299-byte path is ENOENT", SC2(SYS_open, midpath, O_RDONLY), -ENOENT);
	check("open of a missing file is ENOENT", SC2(SYS_open, "/nonexistent", O_RDONLY), -ENOENT);
	check("open for writing is EROFS", SC2(SYS_open, SELF, O_WRONLY), -EROFS);
	check("open O_DIRECTORY of a file is ENOTDIR", SC2(SYS_open, SELF, O_RDONLY | O_DIRECTORY), -ENOTDIR);
	fd = SC2(SYS_open, SELF, O_RDONLY | 0x80000000ul);
	check_ge("open ignores unknown flag bits", fd, 3);
	SC1(SYS_close, fd);
	fd = SC3(SYS_openat, -1, SELF, O_RDONLY);
	check_ge("openat(-1, absolute path) ignores the dfd", fd, 3);
	check("openat(fd of a file, relative path) is ENOTDIR", SC3(SYS_openat, fd, "x", O_RDONLY), -ENOTDIR);
	SC1(SYS_close, fd);
	check("openat(-1, relative path) is EBADF", SC3(SYS_openat, -1, "bin/badargs", O_RDONLY), -EBADF);
	fd = SC3(SYS_openat, HIGH | (unsigned)AT_FDCWD, "bin/badargs", O_RDONLY);
	check_ge("openat(0x100000000 | AT_FDCWD, relative path) (int dfd)", fd, 3);
	SC1(SYS_close, fd);
	check("openat of a kernel pointer is EFAULT", SC3(SYS_openat, AT_FDCWD, KPTR, O_RDONLY), -EFAULT);
	check("stat of a kernel pointer is EFAULT", SC2(SYS_stat, KPTR, buf), -EFAULT);
	check("stat into a kernel pointer is EFAULT", SC2(SYS_stat, SELF, KPTR), -EFAULT);
	check("stat into NULL is EFAULT", SC2(SYS_stat, SELF, 0), -EFAULT);
	check("stat of a 4999-byte path is ENAMETOOLONG", SC2(SYS_stat, longpath, buf), -ENAMETOOLONG);
	long fds[40], n = 0;
	while (n < 40 && (fds[n] = open_self()) >= 0)
		n++;
	check("opens stop at EMFILE", n < 40 ? fds[n] : 0, -EMFILE);
	check("stat with a full descriptor table works", SC2(SYS_stat, SELF, buf), 0);
	while (n > 0)
		SC1(SYS_close, fds[--n]);
}

static void exec_checks(void)
{
	char *bad_argv[] = { SELF, (char *)KPTR, NULL };
	char *argv[] = { SELF, NULL };

	check("execve of a kernel pointer is EFAULT", SC3(SYS_execve, KPTR, argv, 0), -EFAULT);
	check("execve of NULL is EFAULT", SC3(SYS_execve, 0, argv, 0), -EFAULT);
	check("execve of \"\" is ENOENT", SC3(SYS_execve, "", argv, 0), -ENOENT);
	check("execve of a missing file is ENOENT", SC3(SYS_execve, "/nonexistent", argv, 0), -ENOENT);
	check("execve of a 4999-byte path is ENAMETOOLONG", SC3(SYS_execve, longpath, argv, 0), -ENAMETOOLONG);
	check("execve with a kernel argv is EFAULT", SC3(SYS_execve, SELF, KPTR, 0), -EFAULT);
	check("execve with a kernel argv[1] is EFAULT", SC3(SYS_execve, SELF, bad_argv, 0), -EFAULT);
	check("execve with a non-canonical envp is EFAULT", SC3(SYS_execve, SELF, argv, NONCANON), -EFAULT);
}

/* ---- what ld.so and libc start-up call: pread64, access, getrandom ------ */

static void pread_checks(void)
{
	long fd = open_self(), p[2];

	check("pread64 at -1 is EINVAL", SC4(SYS_pread64, fd, buf, 4, -1), -EINVAL);
	check("pread64(-1) at -1 is EINVAL (the position first)", SC4(SYS_pread64, -1, buf, 4, -1), -EINVAL);
	check("pread64(-1) is EBADF", SC4(SYS_pread64, -1, buf, 4, 0), -EBADF);
	check("pread64 of the console is ESPIPE", SC4(SYS_pread64, 1, buf, 1, 0), -ESPIPE);
	check("pread64 into a kernel pointer is EFAULT", SC4(SYS_pread64, fd, KPTR, 4, 0), -EFAULT);
	SC3(SYS_lseek, fd, 8, SEEK_SET);
	check("pread64 of 4 bytes at 0 through 0x100000000 | fd", SC4(SYS_pread64, HIGH | (unsigned long)fd, buf, 4, 0), 4);
	check("pread64 reads the ELF magic", memcmp(buf, "\177ELF", 4), 0);
	check("pread64 leaves the file position alone", SC3(SYS_lseek, fd, 0, SEEK_CUR), 8);
	check("pread64 at INT64_MAX is 0", SC4(SYS_pread64, fd, buf, 4, INT64_MAX), 0);
	SC1(SYS_close, fd);
	if (SC1(SYS_pipe, p) == 0) {
		check("pread64 of a pipe is ESPIPE", SC4(SYS_pread64, p[0], buf, 1, 0), -ESPIPE);
		SC1(SYS_close, p[0]);
		SC1(SYS_close, p[1]);
	}
}

static void access_checks(void)
{
	long fd = open_self();

	check("access F_OK of a program", SC2(SYS_access, SELF, F_OK), 0);
	check("access X_OK of a program", SC2(SYS_access, SELF, X_OK), 0);
	check("access W_OK of an initrd file is EROFS", SC2(SYS_access, SELF, W_OK), -EROFS);
	check("access W_OK of an initrd directory is EROFS", SC2(SYS_access, "/bin", W_OK), -EROFS);
	check("access X_OK of a directory", SC2(SYS_access, "/bin", X_OK), 0);
	check("access X_OK of /proc/meminfo (0444) is EACCES", SC2(SYS_access, "/proc/meminfo", X_OK), -EACCES);
	check("access W_OK of /proc/meminfo is root's 0", SC2(SYS_access, "/proc/meminfo", W_OK), 0);
	check("access of a missing file is ENOENT", SC2(SYS_access, "/nonexistent", F_OK), -ENOENT);
	check("access with mode 8 is EINVAL", SC2(SYS_access, SELF, 8), -EINVAL);
	check("access of a kernel pointer is EFAULT", SC2(SYS_access, KPTR, F_OK), -EFAULT);
	check("access of a 4999-byte path is ENAMETOOLONG", SC2(SYS_access, longpath, F_OK), -ENAMETOOLONG);
	check("faccessat(AT_FDCWD, relative path)", SC3(SYS_faccessat, AT_FDCWD, "bin/badargs", R_OK), 0);
	check("faccessat(-1, relative path) is EBADF", SC3(SYS_faccessat, -1, "bin/badargs", R_OK), -EBADF);
	check("faccessat2 with an unknown flag is EINVAL", SC4(SYS_faccessat2, AT_FDCWD, SELF, R_OK, 0x8000), -EINVAL);
	check("faccessat2 of fd with AT_EMPTY_PATH", SC4(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH), 0);
	check("faccessat2 W_OK of fd with AT_EMPTY_PATH is EROFS", SC4(SYS_faccessat2, fd, "", W_OK, AT_EMPTY_PATH), -EROFS);
	check("faccessat2 of \"\" without AT_EMPTY_PATH is ENOENT", SC4(SYS_faccessat2, fd, "", R_OK, 0), -ENOENT);
	SC1(SYS_close, fd);
}

static void getrandom_checks(void)
{
	uint64_t a[2] = { 0 }, b[2] = { 0 };

	check("getrandom of 16 bytes", SC3(SYS_getrandom, a, 16, 0), 16);
	check("getrandom with GRND_NONBLOCK", SC3(SYS_getrandom, b, 16, 1), 16);
	check("two draws differ", memcmp(a, b, sizeof(a)) != 0, 1);
	check("getrandom of 0 bytes is 0", SC3(SYS_getrandom, buf, 0, 0), 0);
	check("getrandom with unknown flag 8 is EINVAL", SC3(SYS_getrandom, buf, 16, 8), -EINVAL);
	check("getrandom with GRND_INSECURE | GRND_RANDOM is EINVAL", SC3(SYS_getrandom, buf, 16, 6), -EINVAL);
	check("getrandom into a kernel pointer is EFAULT", SC3(SYS_getrandom, KPTR, 16, 0), -EFAULT);
	check("getrandom of 0 bytes into a kernel pointer is EFAULT", SC3(SYS_getrandom, KPTR, 0, 0), -EFAULT);
	check("getrandom into an unmapped page is EFAULT", SC3(SYS_getrandom, unmapped, 16, 0), -EFAULT);
}

/* ---- what ls and procps call: extended attributes, prctl ---------------- */

static void xattr_checks(void)
{
	long fd = open_self();
	char name300[300];

	memset(name300, 'a', sizeof(name300) - 1);
	name300[sizeof(name300) - 1] = '\0';
	check("lgetxattr on the initrd is EOPNOTSUPP", SC4(SYS_lgetxattr, SELF, "security.selinux", buf, 255), -EOPNOTSUPP);
	check("getxattr of a missing file is ENOENT (before the name)", SC4(SYS_getxattr, "/nonexistent", "", buf, 0), -ENOENT);
	check("getxattr with an empty name is ERANGE", SC4(SYS_getxattr, SELF, "", buf, 0), -ERANGE);
	check("getxattr with a 299-byte name is ERANGE", SC4(SYS_getxattr, SELF, name300, buf, 0), -ERANGE);
	check("getxattr with a kernel pointer as name is EFAULT", SC4(SYS_getxattr, SELF, KPTR, buf, 0), -EFAULT);
	check("getxattr with a kernel pointer as path is EFAULT", SC4(SYS_getxattr, KPTR, "user.x", buf, 0), -EFAULT);
	check("fgetxattr of fd -1 is EBADF", SC4(SYS_fgetxattr, -1, "user.x", buf, 0), -EBADF);
	check("fgetxattr of an open file is EOPNOTSUPP", SC4(SYS_fgetxattr, fd, "user.x", buf, 16), -EOPNOTSUPP);
	check("listxattr of a file is an empty list", SC3(SYS_listxattr, SELF, buf, 64), 0);
	check("flistxattr of fd 9999 is EBADF", SC3(SYS_flistxattr, 9999, buf, 64), -EBADF);
	check("setxattr with unknown flags is EINVAL", sc(SYS_setxattr, (long)SELF, (long)"user.x", (long)buf, 1, 4, 0), -EINVAL);
	check("setxattr of a value over 64 KiB is E2BIG", sc(SYS_setxattr, (long)SELF, (long)"user.x", (long)buf, 65537, 0, 0), -E2BIG);
	check("setxattr is EOPNOTSUPP", sc(SYS_setxattr, (long)SELF, (long)"user.x", (long)buf, 1, 0, 0), -EOPNOTSUPP);
	check("removexattr is EOPNOTSUPP", SC2(SYS_removexattr, SELF, "user.x"), -EOPNOTSUPP);
	SC1(SYS_close, fd);
}

static void prctl_checks(void)
{
	char name[16] = { 0 };

	check("prctl PR_SET_NAME", SC2(SYS_prctl, 15, "badargs-prctl"), 0);
	check("prctl PR_GET_NAME", SC2(SYS_prctl, 16, name), 0);
	check("PR_GET_NAME reads back the name", strcmp(name, "badargs-prctl"), 0);
	check("PR_SET_NAME cuts a long name to 15 bytes", SC2(SYS_prctl, 15, "badargs-a-very-long-name"), 0);
	check("PR_GET_NAME of the cut name", SC2(SYS_prctl, 16, name), 0);
	check("the cut name is 15 bytes", (long)strlen(name), 15);
	check("PR_SET_NAME from a kernel pointer is EFAULT", SC2(SYS_prctl, 15, KPTR), -EFAULT);
	check("PR_GET_NAME into a kernel pointer is EFAULT", SC2(SYS_prctl, 16, KPTR), -EFAULT);
	check("PR_CAPBSET_READ of CAP_CHECKPOINT_RESTORE (40) is 1", SC2(SYS_prctl, 23, 40), 1);
	check("PR_CAPBSET_READ of 41 is EINVAL", SC2(SYS_prctl, 23, 41), -EINVAL);
	check("an unknown prctl option is EINVAL", SC2(SYS_prctl, 0x7fff, 0), -EINVAL);
	SC2(SYS_prctl, 15, "badargs");
}

/* ---- memory ------------------------------------------------------------- */

static void mmap_checks(void)
{
	long fd = open_self(), p;
	const long anon = MAP_PRIVATE | MAP_ANONYMOUS, rw = PROT_READ | PROT_WRITE;

	check("mmap of length 0 is EINVAL", SC6(SYS_mmap, 0, 0, rw, anon, -1, 0), -EINVAL);
	check("mmap of an unaligned offset is EINVAL (before EBADF)", SC6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 1), -EINVAL);
	check("mmap of fd -1 is EBADF", SC6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0), -EBADF);
	check("mmap of type 0 is EINVAL", SC6(SYS_mmap, 0, PAGE, rw, MAP_ANONYMOUS, -1, 0), -EINVAL);
	check("mmap of type 0xf is EINVAL", SC6(SYS_mmap, 0, PAGE, rw, 0xf | MAP_ANONYMOUS, -1, 0), -EINVAL);
	check("anonymous MAP_SHARED_VALIDATE is EINVAL", SC6(SYS_mmap, 0, PAGE, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0), -EINVAL);
	check("MAP_SHARED_VALIDATE with an unknown flag is EOPNOTSUPP", SC6(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED_VALIDATE | 0x10000000, fd, 0), -EOPNOTSUPP);
	check("mmap of SIZE_MAX bytes is ENOMEM", SC6(SYS_mmap, 0, ~0ul, rw, anon, -1, 0), -ENOMEM);
	check("mmap of 2^47 bytes is ENOMEM", SC6(SYS_mmap, 0, 1ul << 47, rw, anon, -1, 0), -ENOMEM);
	check("MAP_FIXED at a kernel address is ENOMEM", SC6(SYS_mmap, KPTR, PAGE, rw, anon | MAP_FIXED, -1, 0), -ENOMEM);
	check("MAP_FIXED at a non-canonical address is ENOMEM", SC6(SYS_mmap, NONCANON, PAGE, rw, anon | MAP_FIXED, -1, 0), -ENOMEM);
	check("MAP_FIXED ending past user space is ENOMEM", SC6(SYS_mmap, NONCANON - PAGE, 2 * PAGE, rw, anon | MAP_FIXED, -1, 0), -ENOMEM);
	check("MAP_FIXED at an unaligned address is EINVAL", SC6(SYS_mmap, 0x10001001, PAGE, rw, anon | MAP_FIXED, -1, 0), -EINVAL);
	check("a file mapping past the largest offset is EOVERFLOW", SC6(SYS_mmap, 0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0x7ffffffffffff000ul), -EOVERFLOW);
	check("a shared writable mapping of a read-only file is EACCES", SC6(SYS_mmap, 0, PAGE, rw, MAP_SHARED, fd, 0), -EACCES);
	check("mmap of the console is ENODEV", SC6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, 1, 0), -ENODEV);
	p = SC6(SYS_mmap, 0, PAGE, rw | 0x10, anon, -1, 0);
	check_ge("mmap ignores unknown prot bits", p, 0x10000);
	SC2(SYS_munmap, p, PAGE);
	p = SC6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, HIGH | (unsigned long)fd, 0);
	check_ge("mmap of 0x100000000 | fd (unsigned int fd)", p, 0x10000);
	check("that mapping holds the ELF magic", p > 0 && !memcmp((void *)p, "\177ELF", 4), 1);
	SC2(SYS_munmap, p, PAGE);
	p = SC6(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, fd, 1ul << 40);
	check_ge("a file mapping far past the end of the file", p, 0x10000);
	pid_t c = fork();
	if (c == 0)
		raw_exit(*(volatile char *)p);
	int st = 0;
	waitpid(c, &st, 0);
	check("reading it kills with a signal", WIFSIGNALED(st), 1);
	SC2(SYS_munmap, p, PAGE);
	SC1(SYS_close, fd);
}

static void range_checks(void)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check("munmap of an unaligned address is EINVAL", SC2(SYS_munmap, p + 1, PAGE), -EINVAL);
	check("munmap of length 0 is EINVAL", SC2(SYS_munmap, p, 0), -EINVAL);
	check("munmap of a kernel address is EINVAL", SC2(SYS_munmap, KPTR, PAGE), -EINVAL);
	check("munmap of SIZE_MAX bytes is EINVAL", SC2(SYS_munmap, p, ~0ul), -EINVAL);
	check("munmap of an unmapped page is 0", SC2(SYS_munmap, unmapped, PAGE), 0);
	check("mprotect of length 0 is 0", SC3(SYS_mprotect, p, 0, PROT_READ), 0);
	check("mprotect of an unaligned address is EINVAL", SC3(SYS_mprotect, p + 1, PAGE, PROT_READ), -EINVAL);
	check("mprotect of a kernel address is ENOMEM", SC3(SYS_mprotect, KPTR, PAGE, PROT_READ), -ENOMEM);
	check("mprotect of SIZE_MAX bytes is ENOMEM", SC3(SYS_mprotect, p, ~0ul, PROT_READ), -ENOMEM);
	check("mprotect of an unmapped page is ENOMEM", SC3(SYS_mprotect, unmapped, PAGE, PROT_READ), -ENOMEM);
	check("mprotect with an unknown prot bit is EINVAL", SC3(SYS_mprotect, p, PAGE, PROT_READ | 0x10), -EINVAL);
	check("mprotect with PROT_SEM is 0", SC3(SYS_mprotect, p, PAGE, PROT_READ | PROT_WRITE | 0x8), 0);
	check("mprotect GROWSDOWN|GROWSUP is EINVAL", SC3(SYS_mprotect, p, PAGE, PROT_READ | 0x03000000), -EINVAL);
	check("mprotect GROWSDOWN of a plain area is EINVAL", SC3(SYS_mprotect, p, PAGE, PROT_READ | 0x01000000), -EINVAL);
	check("madvise with advice 999 is EINVAL", SC3(SYS_madvise, p, PAGE, 999), -EINVAL);
	check("madvise of length 0 is 0", SC3(SYS_madvise, p, 0, MADV_DONTNEED), 0);
	check("madvise MADV_NORMAL is 0", SC3(SYS_madvise, p, PAGE, MADV_NORMAL), 0);
	check("madvise MADV_WILLNEED is 0", SC3(SYS_madvise, p, PAGE, MADV_WILLNEED), 0);
	check("madvise of an unaligned address is EINVAL", SC3(SYS_madvise, p + 1, PAGE, MADV_DONTNEED), -EINVAL);
	check("madvise of SIZE_MAX bytes is EINVAL", SC3(SYS_madvise, p, ~0ul, MADV_DONTNEED), -EINVAL);
	check("madvise of an unmapped page is ENOMEM", SC3(SYS_madvise, unmapped, PAGE, MADV_DONTNEED), -ENOMEM);
	check("madvise of a kernel address is ENOMEM", SC3(SYS_madvise, KPTR, PAGE, MADV_DONTNEED), -ENOMEM);
	p[0] = 7;
	check("madvise advice 0x100000004 is MADV_DONTNEED (int advice)", SC3(SYS_madvise, p, PAGE, HIGH | MADV_DONTNEED), 0);
	check("and the page reads back zero", p[0], 0);
	long brk = SC1(SYS_brk, 0);
	check("brk to a kernel address leaves the break", SC1(SYS_brk, KPTR), brk);
	check("brk to a non-canonical address leaves the break", SC1(SYS_brk, NONCANON), brk);
	munmap(p, 2 * PAGE);
}

/* ---- limits and pinning ------------------------------------------------ */

struct lim {
	unsigned long cur, max;
};

static void rlimit_checks(void)
{
	struct lim *l = (struct lim *)buf, core = { 0, ~0ul };

	check("getrlimit of resource 16 is EINVAL", SC2(SYS_getrlimit, 16, buf), -EINVAL);
	check("getrlimit into NULL is EFAULT", SC2(SYS_getrlimit, RLIMIT_STACK, 0), -EFAULT);
	check("getrlimit into a kernel address is EFAULT", SC2(SYS_getrlimit, RLIMIT_STACK, KPTR), -EFAULT);
	check("getrlimit into an unmapped page is EFAULT", SC2(SYS_getrlimit, RLIMIT_STACK, unmapped), -EFAULT);
	check("getrlimit 0x100000003 is RLIMIT_STACK (unsigned int resource)",
	      SC2(SYS_getrlimit, HIGH | RLIMIT_STACK, buf), 0);
	check("and reads 8 MiB", (long)l->cur, 8l << 20);
	check("setrlimit from NULL is EFAULT", SC2(SYS_setrlimit, RLIMIT_CORE, 0), -EFAULT);
	check("setrlimit from NULL of resource 99 is EFAULT first", SC2(SYS_setrlimit, 99, 0), -EFAULT);
	check("setrlimit of resource 99 is EINVAL", SC2(SYS_setrlimit, 99, &core), -EINVAL);
	check("setrlimit 0x100000004 is RLIMIT_CORE", SC2(SYS_setrlimit, HIGH | RLIMIT_CORE, &core), 0);
	*l = (struct lim){ 2, 1 };
	check("setrlimit with cur above max is EINVAL", SC2(SYS_setrlimit, RLIMIT_CORE, l), -EINVAL);
	*l = (struct lim){ 64, 64 };
	check("RLIMIT_NOFILE above the descriptor table is EPERM", SC2(SYS_setrlimit, RLIMIT_NOFILE, l), -EPERM);
	check("prlimit64 with nothing to do is 0", SC4(SYS_prlimit64, 0, RLIMIT_AS, 0, 0), 0);
	check("prlimit64 of pid -1 is ESRCH", SC4(SYS_prlimit64, -1, RLIMIT_AS, 0, buf), -ESRCH);
	check("prlimit64 of pid -1 and resource 99 is ESRCH first", SC4(SYS_prlimit64, -1, 99, 0, 0), -ESRCH);
	check("prlimit64 of resource 16 is EINVAL", SC4(SYS_prlimit64, 0, 16, 0, buf), -EINVAL);
	check("prlimit64 from a kernel address is EFAULT", SC4(SYS_prlimit64, 0, RLIMIT_CORE, KPTR, 0), -EFAULT);
	check("prlimit64 from an unmapped page of pid -1 is EFAULT first",
	      SC4(SYS_prlimit64, -1, RLIMIT_CORE, unmapped, 0), -EFAULT);
	check("prlimit64 into a kernel address is EFAULT", SC4(SYS_prlimit64, 0, RLIMIT_CORE, 0, KPTR), -EFAULT);
	check("prlimit64 of pid 0x100000000 | self is self (pid_t)",
	      SC4(SYS_prlimit64, HIGH | getpid(), RLIMIT_CORE, 0, buf), 0);
}

static void mlock_checks(void)
{
	check("mlock of length 0 is 0", SC2(SYS_mlock, buf, 0), 0);
	check("mlock of SIZE_MAX bytes rounds to 0: 0", SC2(SYS_mlock, buf, ~0ul), 0);
	check("mlock of SIZE_MAX - 4096 bytes wraps: EINVAL", SC2(SYS_mlock, buf, ~0ul - PAGE), -EINVAL);
	check("mlock of an unmapped page is ENOMEM", SC2(SYS_mlock, unmapped, PAGE), -ENOMEM);
	check("mlock of a kernel address is ENOMEM", SC2(SYS_mlock, KPTR, PAGE), -ENOMEM);
	check("mlock of a non-canonical address is ENOMEM", SC2(SYS_mlock, NONCANON, PAGE), -ENOMEM);
	check("mlock of an unaligned address locks its page", SC2(SYS_mlock, buf + 1, 1), 0);
	check("mlock2 with flags 2 is EINVAL", SC3(SYS_mlock2, buf, PAGE, 2), -EINVAL);
	check("mlock2 with flags 0x100000001 is MLOCK_ONFAULT (int flags)", SC3(SYS_mlock2, buf, PAGE, HIGH | 1), 0);
	check("madvise DONTNEED of a locked page is EINVAL", SC3(SYS_madvise, buf, PAGE, MADV_DONTNEED), -EINVAL);
	check("munlock of length 0 is 0", SC2(SYS_munlock, buf, 0), 0);
	check("munlock of an unmapped page is ENOMEM", SC2(SYS_munlock, unmapped, PAGE), -ENOMEM);
	check("munlock of a kernel address is ENOMEM", SC2(SYS_munlock, KPTR, PAGE), -ENOMEM);
	check("munlock of SIZE_MAX - 4096 bytes wraps: EINVAL", SC2(SYS_munlock, buf, ~0ul - PAGE), -EINVAL);
	check("munlock of the locked pages is 0", SC2(SYS_munlock, buf, 2 * PAGE), 0);
	check("mlockall(0) is EINVAL", SC1(SYS_mlockall, 0), -EINVAL);
	check("mlockall(MCL_ONFAULT) alone is EINVAL", SC1(SYS_mlockall, MCL_ONFAULT), -EINVAL);
	check("mlockall(-1) is EINVAL", SC1(SYS_mlockall, -1), -EINVAL);
	check("mlockall(0x100000002) is MCL_FUTURE (int flags)", SC1(SYS_mlockall, HIGH | MCL_FUTURE), 0);
	check("munlockall is 0", SC0(SYS_munlockall), 0);
	check("madvise MADV_FREE of private anonymous pages is 0", SC3(SYS_madvise, buf, PAGE, MADV_FREE), 0);
	check("madvise MADV_FREE of an unmapped page is ENOMEM", SC3(SYS_madvise, unmapped, PAGE, MADV_FREE), -ENOMEM);
	int fd = (int)open_self();         /* its mapping may take the unmapped page: last */
	char *file = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	check("madvise MADV_FREE of a file mapping is EINVAL", SC3(SYS_madvise, file, PAGE, MADV_FREE), -EINVAL);
	check("madvise MADV_COLD is 0", SC3(SYS_madvise, buf, PAGE, MADV_COLD), 0);
	check("madvise MADV_PAGEOUT is 0", SC3(SYS_madvise, buf, 2 * PAGE, MADV_PAGEOUT), 0);
	check("madvise advice 5 (unused) is EINVAL", SC3(SYS_madvise, buf, PAGE, 5), -EINVAL);
	check("msync MS_SYNC of private pages is 0", SC3(SYS_msync, buf, 2 * PAGE, MS_SYNC), 0);
	check("msync with an unknown flag is EINVAL", SC3(SYS_msync, buf, PAGE, 8), -EINVAL);
	check("msync MS_ASYNC|MS_SYNC is EINVAL", SC3(SYS_msync, buf, PAGE, MS_ASYNC | MS_SYNC), -EINVAL);
	check("msync of an unaligned address is EINVAL", SC3(SYS_msync, buf + 1, PAGE, MS_SYNC), -EINVAL);
	check("msync of length 0 is 0", SC3(SYS_msync, buf, 0, MS_SYNC), 0);
	check("msync of a wrapping range is ENOMEM", SC3(SYS_msync, buf, ~0ul - PAGE, MS_SYNC), -ENOMEM);
	char *two = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(two + PAGE, PAGE);
	check("msync of a hole is ENOMEM", SC3(SYS_msync, two + PAGE, PAGE, MS_SYNC), -ENOMEM);
	check("msync over a page and the hole after it is ENOMEM",
	      SC3(SYS_msync, two, 2 * PAGE, MS_SYNC), -ENOMEM);
	munmap(two, PAGE);
	check("msync of a kernel address is ENOMEM", SC3(SYS_msync, KPTR, PAGE, MS_SYNC), -ENOMEM);
	SC2(SYS_mlock, buf, PAGE);
	check("msync MS_INVALIDATE of a locked page is EBUSY", SC3(SYS_msync, buf, PAGE, MS_INVALIDATE), -EBUSY);
	SC2(SYS_munlock, buf, PAGE);
	munmap(file, PAGE);
	SC1(SYS_close, fd);
}

/* ---- alarm, gettimeofday, getcpu, umask ------------------------------------ */

/* The CPUs /proc/cpuinfo lists (one "processor" line each); 0 if unreadable. */
static int online_cpus(void)
{
	const char *t = proc_read("/proc/cpuinfo");
	int n = 0;

	for (const char *p = t; p && (p = strstr(p, "processor")); p++)
		n += p == t || p[-1] == '\n';
	return n;
}

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void alarm_checks(void)
{
	long *w = (long *)buf;
	int *iw = (int *)buf;

	check("alarm(0) with none set is 0", SC1(SYS_alarm, 0), 0);
	check("alarm(100) replaces none: 0", SC1(SYS_alarm, 100), 0);
	check("alarm(0) cancels it and says 100 seconds were left", SC1(SYS_alarm, 0), 100);
	check("alarm(0x100000005) is 5 seconds (unsigned int)", SC1(SYS_alarm, HIGH | 5), 0);
	check("and alarm(0) says 5 were left", SC1(SYS_alarm, 0), 5);
	signal(SIGALRM, on_alarm);
	SC1(SYS_alarm, 1);
	while (!alarms)
		pause();
	check("alarm(1) delivers one SIGALRM to the process", alarms, 1);
	check("then no alarm is left", SC1(SYS_alarm, 0), 0);
	signal(SIGALRM, SIG_DFL);
	check("gettimeofday(NULL, NULL) is 0", SC2(SYS_gettimeofday, 0, 0), 0);
	check("gettimeofday into a kernel address is EFAULT", SC2(SYS_gettimeofday, KPTR, 0), -EFAULT);
	check("gettimeofday's timezone into an unmapped page is EFAULT", SC2(SYS_gettimeofday, buf, unmapped), -EFAULT);
	w[0] = w[1] = -1;
	iw[4] = iw[5] = -1;
	check("gettimeofday with a timezone is 0", SC2(SYS_gettimeofday, buf, buf + 16), 0);
	check("its microseconds are below a second", w[1] >= 0 && w[1] < 1000000, 1);
	check("its timezone is UTC (0 minutes west, no DST)", iw[4] | iw[5], 0);
	iw[0] = iw[1] = -1;
	check("getcpu is 0", SC3(SYS_getcpu, buf, buf + 4, 0), 0);
	check("on a CPU /proc/cpuinfo lists", iw[0] >= 0 && iw[0] < online_cpus(), 1);
	check("on node 0", iw[1], 0);
	check("getcpu(NULL, NULL) is 0", SC3(SYS_getcpu, 0, 0, 0), 0);
	check("getcpu into a kernel address is EFAULT", SC3(SYS_getcpu, KPTR, 0, 0), -EFAULT);
	check("umask(077) returns the boot mask 022", SC1(SYS_umask, 077), 022);
	check("umask(0x100000fff) keeps 0777 (mode_t, & 0777)", SC1(SYS_umask, HIGH | 0xfff), 077);
	check("and umask(022) returns it", SC1(SYS_umask, 022), 0777);
}

/* ---- statx and statfs ---------------------------------------------------- */

struct kstatfs {
	long f_type, f_bsize;
	unsigned long f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int f_fsid[2];
	long f_namelen, f_frsize, f_flags, f_spare[4];
};

static void statx_checks(void)
{
	unsigned char sx[256];
	struct stat st;
	struct kstatfs sf;
	long fd = open_self();
	uint32_t mask;
	uint64_t size, ino;

	fstat((int)fd, &st);
	check("statx of the program is 0", SC6(SYS_statx, AT_FDCWD, SELF, 0, 0x7ff, sx, 0), 0);
	memcpy(&mask, sx, 4);
	memcpy(&ino, sx + 32, 8);
	memcpy(&size, sx + 40, 8);
	check("its stx_mask is STATX_BASIC_STATS", mask, 0x7ff);
	check("its stx_size is fstat's st_size", (long)size, (long)st.st_size);
	check("its stx_ino is fstat's st_ino", (long)ino, (long)st.st_ino);
	check("statx with an unknown flag is EINVAL", SC6(SYS_statx, AT_FDCWD, SELF, 0x10000, 0x7ff, sx, 0), -EINVAL);
	check("statx with both sync types is EINVAL", SC6(SYS_statx, AT_FDCWD, SELF, 0x6000, 0x7ff, sx, 0), -EINVAL);
	check("statx with STATX__RESERVED is EINVAL", SC6(SYS_statx, AT_FDCWD, SELF, 0, 0x80000000u, sx, 0), -EINVAL);
	check("statx of a NULL path is EFAULT", SC6(SYS_statx, AT_FDCWD, 0, 0, 0x7ff, sx, 0), -EFAULT);
	check("statx into a kernel address is EFAULT", SC6(SYS_statx, AT_FDCWD, SELF, 0, 0x7ff, KPTR, 0), -EFAULT);
	check("statx of a missing file is ENOENT", SC6(SYS_statx, AT_FDCWD, "/nope", 0, 0x7ff, sx, 0), -ENOENT);
	check("statx of \"\" without AT_EMPTY_PATH is ENOENT", SC6(SYS_statx, fd, "", 0, 0x7ff, sx, 0), -ENOENT);
	check("statx AT_EMPTY_PATH of an fd is 0", SC6(SYS_statx, HIGH | fd, "", AT_EMPTY_PATH, 0x7ff, sx, 0), 0);
	memcpy(&size, sx + 40, 8);
	check("and has its size (int dfd)", (long)size, (long)st.st_size);
	check("statx AT_EMPTY_PATH of a closed fd is EBADF", SC6(SYS_statx, 999, "", AT_EMPTY_PATH, 0x7ff, sx, 0), -EBADF);
	check("statfs of /proc is 0", SC2(SYS_statfs, "/proc", &sf), 0);
	check("its f_type is PROC_SUPER_MAGIC", sf.f_type, 0x9fa0);
	check("statfs of / is 0", SC2(SYS_statfs, "/", &sf), 0);
	check("its f_type is RAMFS_MAGIC", sf.f_type, 0x858458f6);
	check("and it is read-only (ST_RDONLY)", sf.f_flags & 1, 1);
	check("statfs of a NULL path is EFAULT", SC2(SYS_statfs, 0, &sf), -EFAULT);
	check("statfs into a kernel address is EFAULT", SC2(SYS_statfs, "/", KPTR), -EFAULT);
	check("statfs of a missing file is ENOENT", SC2(SYS_statfs, "/nope", &sf), -ENOENT);
	check("fstatfs of fd -1 is EBADF", SC2(SYS_fstatfs, -1, &sf), -EBADF);
	check("fstatfs 0x100000000 | fd is fd (unsigned int fd)", SC2(SYS_fstatfs, HIGH | fd, &sf), 0);
	check("fstatfs into an unmapped page is EFAULT", SC2(SYS_fstatfs, fd, unmapped), -EFAULT);
	SC1(SYS_close, fd);
}

/* ---- directories ------------------------------------------------------- */

/* Whether the getdents64 records in b (n bytes) hold an entry named name. */
static int dents_have(const char *b, long n, const char *name)
{
	for (long off = 0; off < n;) {
		unsigned short reclen;
		memcpy(&reclen, b + off + 16, 2);
		if (!strcmp(b + off + 19, name))
			return 1;
		if (!reclen)
			return 0;
		off += reclen;
	}
	return 0;
}

static void dir_checks(void)
{
	long dfd = SC2(SYS_open, "/bin", O_RDONLY | O_DIRECTORY), fd = open_self(), n;

	check_ge("open of /bin with O_DIRECTORY", dfd, 3);
	check("getdents64(-1) is EBADF", SC3(SYS_getdents64, -1, buf, PAGE), -EBADF);
	check("getdents64 of a file is ENOTDIR", SC3(SYS_getdents64, fd, buf, PAGE), -ENOTDIR);
	check("getdents64 into a kernel pointer is EFAULT", SC3(SYS_getdents64, dfd, KPTR, PAGE), -EFAULT);
	check("getdents64 into NULL is EFAULT", SC3(SYS_getdents64, dfd, 0, PAGE), -EFAULT);
	check("getdents64 of a 4-byte buffer is EINVAL", SC3(SYS_getdents64, dfd, buf, 4), -EINVAL);
	check("getdents64 of a length past user space is EFAULT", SC3(SYS_getdents64, dfd, buf, ~0ul), -EFAULT);
	n = SC3(SYS_getdents64, HIGH | (unsigned long)dfd, buf, 2 * PAGE);
	check_ge("getdents64 through 0x100000000 | fd (unsigned int fd)", n, 24);
	check("lists badargs in /bin", dents_have(buf, n, "badargs"), 1);
	check("lists . in /bin", dents_have(buf, n, "."), 1);
	check("and then reaches the end", SC3(SYS_getdents64, dfd, buf, 2 * PAGE), 0);
	check("read of a directory is EISDIR", SC3(SYS_read, dfd, buf, 8), -EISDIR);
	check("open of a directory for writing is EISDIR", SC2(SYS_open, "/bin", O_WRONLY), -EISDIR);
	check("open O_DIRECTORY of a /proc file is ENOTDIR", SC2(SYS_open, "/proc/meminfo", O_DIRECTORY), -ENOTDIR);
	check("open O_DIRECTORY of a missing /proc file is ENOENT", SC2(SYS_open, "/proc/nonexistent", O_DIRECTORY), -ENOENT);
	check("open O_DIRECTORY|O_WRONLY of a file is ENOTDIR", SC2(SYS_open, SELF, O_DIRECTORY | O_WRONLY), -ENOTDIR);
	SC1(SYS_close, dfd);
	dfd = SC2(SYS_open, "/proc", O_RDONLY | O_DIRECTORY);
	n = SC3(SYS_getdents64, dfd, buf, 2 * PAGE);
	snprintf(buf + 2 * PAGE - 32, 32, "%ld", SC0(SYS_getpid));
	check("/proc lists this process", dents_have(buf, n, buf + 2 * PAGE - 32), 1);
	check("/proc lists meminfo", dents_have(buf, n, "meminfo"), 1);
	SC1(SYS_close, dfd);
	check("getcwd into a kernel pointer is EFAULT", SC2(SYS_getcwd, KPTR, 64), -EFAULT);
	check("getcwd into NULL is EFAULT", SC2(SYS_getcwd, 0, 64), -EFAULT);
	check("getcwd of a 1-byte buffer is ERANGE", SC2(SYS_getcwd, buf, 1), -ERANGE);
	check("getcwd of \"/\" is 2 bytes", SC2(SYS_getcwd, buf, 64), 2);
	check("chdir of a kernel pointer is EFAULT", SC1(SYS_chdir, KPTR), -EFAULT);
	check("chdir of NULL is EFAULT", SC1(SYS_chdir, 0), -EFAULT);
	check("chdir of a 4999-byte path is ENAMETOOLONG", SC1(SYS_chdir, longpath), -ENAMETOOLONG);
	check("chdir of \"\" is ENOENT", SC1(SYS_chdir, ""), -ENOENT);
	check("chdir of a missing directory is ENOENT", SC1(SYS_chdir, "/nonexistent"), -ENOENT);
	check("chdir of a file is ENOTDIR", SC1(SYS_chdir, SELF), -ENOTDIR);
	check("chdir to /proc/self/../sys", SC1(SYS_chdir, "/proc/self/../sys"), 0);
	check("getcwd is then /proc/sys (10 bytes)", SC2(SYS_getcwd, buf, 64), 10);
	check("and a relative open starts there", (n = SC2(SYS_open, "vm/swappiness", O_RDONLY)) >= 3, 1);
	SC1(SYS_close, n);
	check("fchdir(-1) is EBADF", SC1(SYS_fchdir, -1), -EBADF);
	check("fchdir of a file is ENOTDIR", SC1(SYS_fchdir, fd), -ENOTDIR);
	dfd = SC2(SYS_open, "/", O_RDONLY | O_DIRECTORY);
	check("fchdir(0x100000000 | fd of /) (unsigned int fd)", SC1(SYS_fchdir, HIGH | (unsigned long)dfd), 0);
	check("getcwd is then /", SC2(SYS_getcwd, buf, 64), 2);
	check("openat(fd of /, relative path)", (n = SC3(SYS_openat, dfd, "bin/badargs", O_RDONLY)) >= 3, 1);
	SC1(SYS_close, n);
	SC1(SYS_close, dfd);
	check("newfstatat with an unknown flag is EINVAL", SC4(SYS_newfstatat, AT_FDCWD, SELF, buf, 0x1), -EINVAL);
	check("newfstatat of a kernel path is EFAULT", SC4(SYS_newfstatat, AT_FDCWD, KPTR, buf, 0), -EFAULT);
	check("newfstatat into a kernel pointer is EFAULT", SC4(SYS_newfstatat, AT_FDCWD, SELF, KPTR, 0), -EFAULT);
	check("newfstatat(-1, relative path) is EBADF", SC4(SYS_newfstatat, -1, "bin", buf, 0), -EBADF);
	check("newfstatat(fd of a file, relative path) is ENOTDIR", SC4(SYS_newfstatat, fd, "x", buf, 0), -ENOTDIR);
	check("newfstatat(fd, \"\", AT_EMPTY_PATH) is fstat", SC4(SYS_newfstatat, fd, "", buf, AT_EMPTY_PATH), 0);
	check("newfstatat(fd, \"\") without AT_EMPTY_PATH is ENOENT", SC4(SYS_newfstatat, fd, "", buf, 0), -ENOENT);
	check("newfstatat of /proc is a directory", SC4(SYS_newfstatat, AT_FDCWD, "/proc", buf, 0) == 0 &&
	      S_ISDIR(((struct stat *)buf)->st_mode), 1);
	check("readlink of /proc/self/exe is " SELF, SC3(SYS_readlink, "/proc/self/exe", buf, 64) == 12 &&
	      !memcmp(buf, SELF, 12), 1);
	check("readlink truncates to bufsiz", SC3(SYS_readlink, "/proc/self/exe", buf, 4), 4);
	check("readlink with bufsiz 0 is EINVAL", SC3(SYS_readlink, "/proc/self/exe", buf, 0), -EINVAL);
	check("readlink with bufsiz -1 is EINVAL (int bufsiz)", SC3(SYS_readlink, "/proc/self/exe", buf, ~0ul), -EINVAL);
	check("readlink of a kernel path is EFAULT", SC3(SYS_readlink, KPTR, buf, 64), -EFAULT);
	check("readlink into a kernel pointer is EFAULT", SC3(SYS_readlink, "/proc/self/exe", KPTR, 64), -EFAULT);
	check("readlink of a file is EINVAL", SC3(SYS_readlink, SELF, buf, 64), -EINVAL);
	check("readlink of a missing path is ENOENT", SC3(SYS_readlink, "/nonexistent", buf, 64), -ENOENT);
	check("readlinkat(-1, relative path) is EBADF", SC4(SYS_readlinkat, -1, "proc/self", buf, 64), -EBADF);
	snprintf(buf + PAGE, 32, "%ld", SC0(SYS_getpid));
	check("readlinkat(AT_FDCWD, /proc/self) is the pid", SC4(SYS_readlinkat, AT_FDCWD, "/proc/self", buf, 64),
	      (long)strlen(buf + PAGE));
	check("lstat of a kernel path is EFAULT", SC2(SYS_lstat, KPTR, buf), -EFAULT);
	check("lstat into NULL is EFAULT", SC2(SYS_lstat, SELF, 0), -EFAULT);
	check("lstat of /bin is a directory", SC2(SYS_lstat, "/bin", buf) == 0 &&
	      S_ISDIR(((struct stat *)buf)->st_mode), 1);
	SC1(SYS_close, fd);
}

/* ---- descriptor table: dup, fcntl --------------------------------------- */

static void dup_checks(void)
{
	long fd = open_self(), d;

	check("dup(-1) is EBADF", SC1(SYS_dup, -1), -EBADF);
	check("dup(0x100000000 | 99) is EBADF", SC1(SYS_dup, HIGH | 99), -EBADF);
	d = SC1(SYS_dup, HIGH | (unsigned long)fd);
	check_ge("dup(0x100000000 | fd) (unsigned int fd)", d, 3);
	check("a dup shares the position", SC3(SYS_lseek, fd, 5, SEEK_SET) == 5 &&
	      SC3(SYS_lseek, d, 0, SEEK_CUR) == 5, 1);
	SC1(SYS_close, d);
	check("dup2(-1, 20) is EBADF", SC2(SYS_dup2, -1, 20), -EBADF);
	check("dup2(fd, 32) is EBADF", SC2(SYS_dup2, fd, 32), -EBADF);
	check("dup2(fd, -1) is EBADF", SC2(SYS_dup2, fd, -1), -EBADF);
	check("dup2(fd, fd) is fd", SC2(SYS_dup2, fd, fd), fd);
	check("dup2(99, 99) is EBADF", SC2(SYS_dup2, 99, 99), -EBADF);
	check("dup2(fd, 0x100000000 | 20) is 20 (unsigned int newfd)", SC2(SYS_dup2, fd, HIGH | 20), 20);
	check("dup2 onto an open fd replaces it", SC2(SYS_dup2, fd, 20), 20);
	check("dup3(fd, fd, 0) is EINVAL", SC3(SYS_dup3, fd, fd, 0), -EINVAL);
	check("dup3 with flag 1 is EINVAL", SC3(SYS_dup3, fd, 21, 1), -EINVAL);
	check("dup3(fd, 21, O_CLOEXEC) is 21", SC3(SYS_dup3, fd, 21, O_CLOEXEC), 21);
	check("and 21 is close-on-exec", SC3(SYS_fcntl, 21, F_GETFD, 0), FD_CLOEXEC);
	check("but 20 is not", SC3(SYS_fcntl, 20, F_GETFD, 0), 0);
	check("dup3(-1, 21, 0) is EBADF", SC3(SYS_dup3, -1, 21, 0), -EBADF);
	SC1(SYS_close, 20);
	SC1(SYS_close, 21);
	check("fcntl(-1) is EBADF", SC3(SYS_fcntl, -1, F_GETFD, 0), -EBADF);
	check("fcntl of an unknown command is EINVAL", SC3(SYS_fcntl, fd, 0x7777, 0), -EINVAL);
	check("fcntl F_DUPFD from 32 is EINVAL", SC3(SYS_fcntl, fd, F_DUPFD, 32), -EINVAL);
	check("fcntl F_DUPFD from ~0ul is EINVAL", SC3(SYS_fcntl, fd, F_DUPFD, ~0ul), -EINVAL);
	check("fcntl F_DUPFD from 10 is 10", SC3(SYS_fcntl, fd, F_DUPFD, 10), 10);
	check("fcntl F_DUPFD_CLOEXEC from 10 is 11", SC3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10), 11);
	check("and 11 is close-on-exec", SC3(SYS_fcntl, 11, F_GETFD, 0), FD_CLOEXEC);
	check("fcntl cmd 0x100000000 | F_SETFD (unsigned int cmd)", SC3(SYS_fcntl, 11, HIGH | F_SETFD, 0), 0);
	check("clears it", SC3(SYS_fcntl, 11, F_GETFD, 0), 0);
	check("fcntl F_GETFL is O_RDONLY", SC3(SYS_fcntl, fd, F_GETFL, 0), O_RDONLY);
	check("fcntl F_SETFL O_NONBLOCK|O_WRONLY keeps the access mode",
	      SC3(SYS_fcntl, fd, F_SETFL, O_NONBLOCK | O_WRONLY) == 0 &&
	      SC3(SYS_fcntl, fd, F_GETFL, 0) == (O_RDONLY | O_NONBLOCK), 1);
	SC1(SYS_close, 10);
	SC1(SYS_close, 11);
	SC1(SYS_close, fd);
	long fds[40], k = 0;
	while (k < 40 && (fds[k] = open_self()) >= 0)
		k++;
	check("dup with a full table is EMFILE", SC1(SYS_dup, 0), -EMFILE);
	while (k > 0)
		SC1(SYS_close, fds[--k]);
}

/* ---- pipes -------------------------------------------------------------- */

/* A child that writes n bytes (pattern i & 0xff) into w in chunks of c, then exits. */
static pid_t pipe_writer(int r, int w, long n, long c)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	SC1(SYS_close, r);
	for (long i = 0; i < n; i++)
		buf[i % (2 * PAGE)] = (char)i;
	for (long done = 0; done < n;) {
		long at = done % (long)(2 * PAGE), len = n - done < c ? n - done : c;
		long k = SC3(SYS_write, w, buf + at, len < (long)(2 * PAGE) - at ? len : (long)(2 * PAGE) - at);
		if (k <= 0)
			raw_exit(1);
		done += k;
	}
	raw_exit(0);
}

/* Reads everything until end of file; 1 when it is n bytes of the pattern. */
static int pipe_drain(int r, long n)
{
	static char in[3000];
	long got = 0, k;
	int ok = 1;

	while ((k = SC3(SYS_read, r, in, sizeof(in))) > 0) {
		for (long i = 0; i < k; i++)
			ok &= in[i] == (char)(got + i);
		got += k;
	}
	return ok && k == 0 && got == n;
}

static void poll_checks(int r, int w)
{
	struct pollfd p[2] = { { r, POLLIN, 0 }, { w, POLLOUT, 0 } };
	struct timespec bad = { 0, -1 }, zero = { 0, 0 };

	check("poll of 1025 fds is EINVAL", SC3(SYS_poll, p, 1025, 0), -EINVAL);
	check("poll of a kernel array is EFAULT", SC3(SYS_poll, KPTR, 1, 0), -EFAULT);
	check("poll of a NULL array is EFAULT", SC3(SYS_poll, 0, 1, 0), -EFAULT);
	check("poll of 0 fds is 0", SC3(SYS_poll, 0, 0, 0), 0);
	check("poll of an empty pipe for 20 ms times out", SC3(SYS_poll, p, 1, 20), 0);
	check("poll of its write end is POLLOUT", SC3(SYS_poll, &p[1], 1, -1) == 1 && p[1].revents == POLLOUT, 1);
	SC3(SYS_write, w, "z", 1);
	check("poll after a write is POLLIN", SC3(SYS_poll, p, 2, 0) == 2 && p[0].revents == POLLIN, 1);
	SC3(SYS_read, r, buf, 1);
	p[0].fd = -1;
	p[1].fd = 99;
	check("poll of fd -1 is nothing, of a closed fd POLLNVAL",
	      SC3(SYS_poll, p, 2, 0) == 1 && p[0].revents == 0 && p[1].revents == POLLNVAL, 1);
	p[0].fd = r;
	check("poll nfds 0x100000001 is 1 (unsigned int nfds)", SC3(SYS_poll, p, HIGH | 1, 0), 0);
	check("ppoll with {0, -1} is EINVAL", SC4(SYS_ppoll, p, 1, &bad, 0), -EINVAL);
	check("ppoll of a kernel timespec is EFAULT", SC4(SYS_ppoll, p, 1, KPTR, 0), -EFAULT);
	check("ppoll with a mask of size 7 is EINVAL", sc(SYS_ppoll, (long)p, 1, (long)&zero, (long)buf, 7, 0), -EINVAL);
	check("ppoll {0, 0} of an empty pipe is 0", SC4(SYS_ppoll, p, 1, &zero, 0), 0);
}

static void pipe_checks(void)
{
	int fds[2] = { -1, -1 }, st = 0;

	check("pipe into a kernel pointer is EFAULT", SC1(SYS_pipe, KPTR), -EFAULT);
	check("pipe into NULL is EFAULT", SC1(SYS_pipe, 0), -EFAULT);
	check("pipe into an unmapped page is EFAULT", SC1(SYS_pipe, unmapped), -EFAULT);
	check("pipe2 with flag 1 is EINVAL", SC2(SYS_pipe2, fds, 1), -EINVAL);
	check("pipe2 into a kernel pointer is EFAULT", SC2(SYS_pipe2, KPTR, 0), -EFAULT);
	check("pipe2 flags 0x100000000 | O_CLOEXEC (int flags)", SC2(SYS_pipe2, fds, HIGH | O_CLOEXEC), 0);
	check("makes close-on-exec ends", SC3(SYS_fcntl, fds[0], F_GETFD, 0) == FD_CLOEXEC &&
	      SC3(SYS_fcntl, fds[1], F_GETFD, 0) == FD_CLOEXEC, 1);
	check("the read end is O_RDONLY", SC3(SYS_fcntl, fds[0], F_GETFL, 0), O_RDONLY);
	check("writing the read end is EBADF", SC3(SYS_write, fds[0], buf, 1), -EBADF);
	check("reading the write end is EBADF", SC3(SYS_read, fds[1], buf, 1), -EBADF);
	check("lseek of a pipe is ESPIPE", SC3(SYS_lseek, fds[0], 0, SEEK_SET), -ESPIPE);
	check("write of 3 bytes", SC3(SYS_write, fds[1], "abc", 3), 3);
	check("read into a kernel pointer is EFAULT", SC3(SYS_read, fds[0], KPTR, 3), -EFAULT);
	check("read of them", SC3(SYS_read, fds[0], buf, 16), 3);
	SC3(SYS_fcntl, fds[0], F_SETFL, O_NONBLOCK);
	check("an empty O_NONBLOCK pipe is EAGAIN", SC3(SYS_read, fds[0], buf, 16), -EAGAIN);
	SC1(SYS_close, fds[0]);
	signal(SIGPIPE, SIG_DFL);
	pid_t c = fork();
	if (c == 0)
		raw_exit(SC3(SYS_write, fds[1], "x", 1) == -EPIPE ? 0 : 1);
	waitpid(c, &st, 0);
	check("writing a pipe without readers kills with SIGPIPE", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGPIPE);
	SC1(SYS_close, fds[1]);

	check("pipe", SC1(SYS_pipe, fds), 0);
	poll_checks(fds[0], fds[1]);
	c = pipe_writer(fds[0], fds[1], 3 * PIPE_BUF + 100, 1000);
	SC1(SYS_close, fds[1]);
	check("12388 bytes through an 8192-byte pipe from a child arrive whole, then EOF",
	      pipe_drain(fds[0], 3 * PIPE_BUF + 100), 1);
	waitpid(c, &st, 0);
	check("and the writer's blocking writes all succeeded", WIFEXITED(st) && !WEXITSTATUS(st), 1);
	SC1(SYS_close, fds[0]);
}

/* ---- time, identity, misc ----------------------------------------------- */

/* Runs a sleep of {sec, nsec} in a child; true when it was still asleep
 * after the parent's own 100 ms sleep, then kills it. A kernel that wraps
 * returns at once and the child exits 0 long before. */
static int sleeps_on(long sec, long nsec)
{
	struct timespec ts = { sec, nsec }, short_ts = { 0, 100000000 };
	pid_t c = fork();
	int st = 0;

	if (c == 0)
		raw_exit(SC2(SYS_nanosleep, &ts, 0) == 0 ? 0 : 2);
	SC2(SYS_nanosleep, &short_ts, 0);
	for (int i = 0; i < 10; i++)
		SC0(SYS_sched_yield);
	int asleep = SC4(SYS_wait4, c, &st, WNOHANG, 0) == 0;
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	return asleep && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

static long mono_ns(void)
{
	struct timespec t;

	SC2(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000l + t.tv_nsec;
}

/* Once the kernel's clock has passed 1.2 s (it measures the TSC over its
 * first second), readings have nanosecond resolution and never go back. */
static void clock_checks(void)
{
	struct timespec res = { -1, -1 }, nap = { 0, 100000000 }, zero_ts = { 0, 0 }, bad = { 0, -1 };

	check("clock_nanosleep of clock 12 is EINVAL", SC4(SYS_clock_nanosleep, 12, 0, &nap, 0), -EINVAL);
	check("clock_nanosleep of CLOCK_THREAD_CPUTIME_ID is EOPNOTSUPP", SC4(SYS_clock_nanosleep, 3, 0, &nap, 0), -EOPNOTSUPP);
	check("clock_nanosleep of a kernel pointer is EFAULT", SC4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, KPTR, 0), -EFAULT);
	check("clock_nanosleep of NULL is EFAULT", SC4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, 0, 0), -EFAULT);
	check("clock_nanosleep {0, -1} is EINVAL", SC4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, 0), -EINVAL);
	check("clock_nanosleep {0, 0} with a kernel rem is 0", SC4(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &zero_ts, KPTR), 0);
	long prev, fine = 0, back = 0, t = 0;

	check("clock_getres of clock 12 is EINVAL", SC2(SYS_clock_getres, 12, &res), -EINVAL);
	check("clock_getres into a kernel pointer is EFAULT", SC2(SYS_clock_getres, 1, KPTR), -EFAULT);
	check("clock_getres with NULL is 0", SC2(SYS_clock_getres, 1, 0), 0);
	check("time into a kernel pointer is EFAULT", SC1(SYS_time, KPTR), -EFAULT);
	long before = mono_ns() / 1000000000l, now = SC1(SYS_time, 0), after = mono_ns() / 1000000000l;
	check("time(NULL) is the clock's seconds", before <= now && now <= after, 1);
	while (mono_ns() < 1200000000l)
		SC2(SYS_nanosleep, &nap, 0);
	struct timespec at, rel = { 0, 30000000 };
	SC2(SYS_clock_gettime, CLOCK_MONOTONIC, &at);
	at.tv_nsec += 50000000;
	at.tv_sec += at.tv_nsec / 1000000000;
	at.tv_nsec %= 1000000000;
	check("clock_nanosleep TIMER_ABSTIME 50 ms ahead", SC4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &at, 0), 0);
	check("wakes at or after that time", mono_ns() >= at.tv_sec * 1000000000l + at.tv_nsec, 1);
	long t0 = mono_ns();
	check("clock_nanosleep of 30 ms", SC4(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &rel, 0), 0);
	check("sleeps at least 30 ms", mono_ns() - t0 >= 30000000l, 1);
	check("clock_nanosleep TIMER_ABSTIME in the past returns at once",
	      SC4(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &zero_ts, 0), 0);
	check("clock_getres is then 1 ns", SC2(SYS_clock_getres, CLOCK_MONOTONIC, &res) == 0 &&
	      res.tv_sec == 0 && res.tv_nsec == 1, 1);
	prev = mono_ns();
	for (int i = 0; i < 1000; i++, prev = t) {
		t = mono_ns();
		back += t < prev;
		fine += t % 10000000l != 0;
	}
	check("1000 CLOCK_MONOTONIC readings never go back", back, 0);
	check("and show time between ticks", fine > 0, 1);
}

static void time_checks(void)
{
	struct timespec ts[] = { { 0, -1 }, { 0, 1000000000 }, { -1, 0 }, { INT64_MIN, 0 },
				 { 0, INT64_MAX }, { 0, 0 }, { 0, 1000 } };

	check("nanosleep of a kernel pointer is EFAULT", SC2(SYS_nanosleep, KPTR, 0), -EFAULT);
	check("nanosleep of NULL is EFAULT", SC2(SYS_nanosleep, 0, 0), -EFAULT);
	check("nanosleep of a non-canonical pointer is EFAULT", SC2(SYS_nanosleep, NONCANON, 0), -EFAULT);
	check("nanosleep {0, -1} is EINVAL", SC2(SYS_nanosleep, &ts[0], 0), -EINVAL);
	check("nanosleep {0, 1e9} is EINVAL", SC2(SYS_nanosleep, &ts[1], 0), -EINVAL);
	check("nanosleep {-1, 0} is EINVAL", SC2(SYS_nanosleep, &ts[2], 0), -EINVAL);
	check("nanosleep {INT64_MIN, 0} is EINVAL", SC2(SYS_nanosleep, &ts[3], 0), -EINVAL);
	check("nanosleep {0, INT64_MAX} is EINVAL", SC2(SYS_nanosleep, &ts[4], 0), -EINVAL);
	check("nanosleep {0, 0} is 0", SC2(SYS_nanosleep, &ts[5], 0), 0);
	check("nanosleep {0, 1000} with a kernel rem is 0", SC2(SYS_nanosleep, &ts[6], KPTR), 0);
	check("nanosleep {INT64_MAX, 999999999} sleeps", sleeps_on(INT64_MAX, 999999999), 1);
	check("nanosleep {18446744073, 709551615} sleeps", sleeps_on(18446744073l, 709551615), 1);
	check("nanosleep {INT64_MAX, 0} sleeps", sleeps_on(INT64_MAX, 0), 1);
	check("clock_gettime of clock 0x100000001 (int clock)", SC2(SYS_clock_gettime, HIGH | 1, buf), 0);
	check("clock_gettime of clock 12 is EINVAL", SC2(SYS_clock_gettime, 12, buf), -EINVAL);
	check("clock_gettime of clock -1 is EINVAL", SC2(SYS_clock_gettime, -1, buf), -EINVAL);
	check("clock_gettime into a kernel pointer is EFAULT", SC2(SYS_clock_gettime, 1, KPTR), -EFAULT);
	check("clock_gettime into NULL is EFAULT", SC2(SYS_clock_gettime, 1, 0), -EFAULT);
	clock_checks();
}

static void misc_checks(void)
{
	unsigned long fs = 0;
	unsigned short ws[4] = { 0 };
	long pid = SC0(SYS_getpid);

	check("getrusage who 2 is EINVAL", SC2(SYS_getrusage, 2, buf), -EINVAL);
	check("getrusage who 0x100000000 is RUSAGE_SELF (int who)", SC2(SYS_getrusage, HIGH, buf), 0);
	check("getrusage RUSAGE_THREAD is 0", SC2(SYS_getrusage, 1, buf), 0);
	check("getrusage into a kernel pointer is EFAULT", SC2(SYS_getrusage, 0, KPTR), -EFAULT);
	check("uname into a kernel pointer is EFAULT", SC1(SYS_uname, KPTR), -EFAULT);
	check("uname into NULL is EFAULT", SC1(SYS_uname, 0), -EFAULT);
	check("arch_prctl 0x100000000 | ARCH_GET_FS (int option)", SC2(SYS_arch_prctl, HIGH | 0x1003, &fs), 0);
	check("arch_prctl ARCH_SET_FS to a kernel address is EPERM", SC2(SYS_arch_prctl, 0x1002, KPTR), -EPERM);
	check("arch_prctl ARCH_GET_FS into a kernel pointer is EFAULT", SC2(SYS_arch_prctl, 0x1003, KPTR), -EFAULT);
	check("arch_prctl of an unknown option is EINVAL", SC2(SYS_arch_prctl, 0x9999, 0), -EINVAL);
	check("ioctl cmd 0x100000000 | TIOCGWINSZ (unsigned int cmd)", SC3(SYS_ioctl, 1, HIGH | 0x5413, ws), 0);
	check("ioctl TIOCGWINSZ into a kernel pointer is EFAULT", SC3(SYS_ioctl, 1, 0x5413, KPTR), -EFAULT);
	check("ioctl(-1) is EBADF", SC3(SYS_ioctl, -1, 0x5413, ws), -EBADF);
	check("ioctl of an unknown cmd is ENOTTY", SC3(SYS_ioctl, 1, 0xdead, ws), -ENOTTY);
	check("set_tid_address of a kernel pointer returns the tid", SC1(SYS_set_tid_address, KPTR), pid);
	check("getpid ignores junk arguments", SC6(SYS_getpid, -1, KPTR, ~0ul, 1, 2, 3), pid);
	check("syscall number 0x100000000 | SYS_getpid (int nr)", SC0(HIGH | SYS_getpid), pid);
	check("syscall number 512 is ENOSYS", SC0(512), -ENOSYS);
	check("syscall number 0xffffffff is ENOSYS", SC0(0xffffffffl), -ENOSYS);
	check("syscall number -1 is ENOSYS", SC0(-1), -ENOSYS);
	check("sched_yield ignores junk arguments", SC6(SYS_sched_yield, KPTR, -1, 0, 0, 0, 0), 0);
	check("sysinfo into a kernel pointer is EFAULT", SC1(SYS_sysinfo, KPTR), -EFAULT);
	check("sysinfo into NULL is EFAULT", SC1(SYS_sysinfo, 0), -EFAULT);
	check("sysinfo into the last bytes before a hole is EFAULT", SC1(SYS_sysinfo, edge), -EFAULT);
	struct sysinfo si;
	check("sysinfo", SC1(SYS_sysinfo, &si), 0);
	check("sysinfo: free RAM below total, in pages", si.freeram > 0 && si.freeram < si.totalram &&
	      si.mem_unit == PAGE, 1);
	check("sysinfo: processes counted", si.procs >= 2, 1);
	check("getuid ignores junk arguments", SC6(SYS_getuid, KPTR, -1, 0, 0, 0, 0), 0);
	check("geteuid is root", SC0(SYS_geteuid), 0);
	check("getgid is root", SC0(SYS_getgid), 0);
	check("getegid is root", SC0(SYS_getegid), 0);
}

/* ---- processes ---------------------------------------------------------- */

static void signal_checks(void)
{
	long pid = SC0(SYS_getpid);
	int st = 0;

	check("kill with signal 65 is EINVAL", SC2(SYS_kill, pid, 65), -EINVAL);
	check("kill with signal -1 is EINVAL", SC2(SYS_kill, pid, -1), -EINVAL);
	check("kill of a missing pid with signal 999 is EINVAL (before ESRCH)", SC2(SYS_kill, 99999, 999), -EINVAL);
	check("kill of a missing pid is ESRCH", SC2(SYS_kill, 99999, 0), -ESRCH);
	check("kill of INT_MIN is ESRCH", SC2(SYS_kill, INT32_MIN, 0), -ESRCH);
	check("kill of 0x100000000 | self, signal 0 (int pid)", SC2(SYS_kill, HIGH | (unsigned long)pid, 0), 0);
	check("kill of self with signal 0x100000000 | 0 (int sig)", SC2(SYS_kill, pid, HIGH), 0);
	check("SIGCHLD to self is ignored", SC2(SYS_kill, pid, SIGCHLD), 0);
	check("SIGKILL to init is ignored", SC2(SYS_kill, 1, SIGKILL), 0);
	check("SIGTERM to init is ignored", SC2(SYS_kill, 1, SIGTERM), 0);
	pid_t c = fork();
	if (c == 0)
		for (;;)
			SC0(SYS_sched_yield);
	check("SIGUSR1 to a child", SC2(SYS_kill, c, SIGUSR1), 0);
	waitpid(c, &st, 0);
	check("kills it with SIGUSR1", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGUSR1);
}

static void sigaction_checks(void)
{
	uint64_t act[4] = { (uint64_t)SIG_IGN, 0, 0, 0 }, old[4];

	check("rt_sigaction of signal 0 is EINVAL", SC4(SYS_rt_sigaction, 0, 0, old, 8), -EINVAL);
	check("rt_sigaction of signal 65 is EINVAL", SC4(SYS_rt_sigaction, 65, 0, old, 8), -EINVAL);
	check("rt_sigaction with sigsetsize 4 is EINVAL", SC4(SYS_rt_sigaction, SIGUSR2, 0, old, 4), -EINVAL);
	check("rt_sigaction setting SIGKILL is EINVAL", SC4(SYS_rt_sigaction, SIGKILL, act, 0, 8), -EINVAL);
	check("rt_sigaction setting SIGSTOP is EINVAL", SC4(SYS_rt_sigaction, SIGSTOP, act, 0, 8), -EINVAL);
	check("rt_sigaction reading SIGKILL is 0", SC4(SYS_rt_sigaction, SIGKILL, 0, old, 8), 0);
	check("rt_sigaction from a kernel pointer is EFAULT", SC4(SYS_rt_sigaction, SIGUSR2, KPTR, 0, 8), -EFAULT);
	check("rt_sigaction from an unmapped page is EFAULT", SC4(SYS_rt_sigaction, SIGUSR2, unmapped, 0, 8), -EFAULT);
	check("rt_sigaction into a kernel pointer is EFAULT", SC4(SYS_rt_sigaction, SIGUSR2, 0, KPTR, 8), -EFAULT);
	check("rt_sigaction of 0x100000000 | SIGUSR2 (int sig)", SC4(SYS_rt_sigaction, HIGH | SIGUSR2, act, 0, 8), 0);
	check("reads back SIG_IGN", SC4(SYS_rt_sigaction, SIGUSR2, 0, old, 8) == 0 && old[0] == (uint64_t)SIG_IGN, 1);
	check("an ignored SIGUSR2 to self is harmless", SC2(SYS_kill, SC0(SYS_getpid), SIGUSR2), 0);
	act[0] = (uint64_t)SIG_DFL;
	check("rt_sigaction with a kernel oact is EFAULT", SC4(SYS_rt_sigaction, SIGUSR2, act, KPTR, 8), -EFAULT);
	check("but the new action is in place (as Linux)",
	      SC4(SYS_rt_sigaction, SIGUSR2, 0, old, 8) == 0 && old[0] == (uint64_t)SIG_DFL, 1);
}

static void sigmask_checks(void)
{
	uint64_t all = ~0ull, old = 0, got = 0;

	check("rt_sigprocmask with how 3 is EINVAL", SC4(SYS_rt_sigprocmask, 3, &all, &old, 8), -EINVAL);
	check("rt_sigprocmask with how 3 and no set is 0 (how unused)", SC4(SYS_rt_sigprocmask, 3, 0, &old, 8), 0);
	check("rt_sigprocmask with sigsetsize 16 is EINVAL", SC4(SYS_rt_sigprocmask, 0, &all, 0, 16), -EINVAL);
	check("rt_sigprocmask from a kernel pointer is EFAULT", SC4(SYS_rt_sigprocmask, 0, KPTR, 0, 8), -EFAULT);
	check("rt_sigprocmask into a kernel pointer is EFAULT", SC4(SYS_rt_sigprocmask, 0, 0, KPTR, 8), -EFAULT);
	check("rt_sigprocmask from the last bytes before a hole is EFAULT",
	      SC4(SYS_rt_sigprocmask, 0, edge, 0, 8), -EFAULT);
	SC4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	SC4(SYS_rt_sigprocmask, SIG_SETMASK, &old, &got, 8);
	check("blocking every signal leaves SIGKILL and SIGSTOP unblocked",
	      got == ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1))), 1);
	uint64_t usr2 = 1ull << (SIGUSR2 - 1);
	check("rt_sigprocmask with a kernel oset is EFAULT",
	      SC4(SYS_rt_sigprocmask, SIG_SETMASK, &usr2, KPTR, 8), -EFAULT);
	check("but the new mask is in place (as Linux)",
	      SC4(SYS_rt_sigprocmask, SIG_SETMASK, &old, &got, 8) == 0 && got == usr2, 1);
	check("rt_sigpending with sigsetsize 9 is EINVAL", SC2(SYS_rt_sigpending, &got, 9), -EINVAL);
	check("rt_sigpending into a kernel pointer is EFAULT", SC2(SYS_rt_sigpending, KPTR, 8), -EFAULT);
	check("rt_sigpending into the last bytes before a hole is EFAULT", SC2(SYS_rt_sigpending, edge, 8), -EFAULT);
	check("rt_sigsuspend with sigsetsize 0 is EINVAL", SC2(SYS_rt_sigsuspend, &all, 0), -EINVAL);
	check("rt_sigsuspend from a kernel pointer is EFAULT", SC2(SYS_rt_sigsuspend, KPTR, 8), -EFAULT);
}

static void altstack_checks(void)
{
	struct { uint64_t sp; int32_t flags, pad; uint64_t size; } ss = { (uint64_t)buf, 7, 0, 2 * PAGE };

	check("sigaltstack with flags 7 is EINVAL", SC2(SYS_sigaltstack, &ss, 0), -EINVAL);
	ss.flags = 0;
	ss.size = 100;
	check("sigaltstack smaller than MINSIGSTKSZ is ENOMEM", SC2(SYS_sigaltstack, &ss, 0), -ENOMEM);
	check("sigaltstack from a kernel pointer is EFAULT", SC2(SYS_sigaltstack, KPTR, 0), -EFAULT);
	check("sigaltstack into a kernel pointer is EFAULT", SC2(SYS_sigaltstack, 0, KPTR), -EFAULT);
	check("sigaltstack with neither pointer is 0", SC2(SYS_sigaltstack, 0, 0), 0);
	check("sigaltstack reports none at first", SC2(SYS_sigaltstack, 0, &ss) == 0 && ss.flags == SS_DISABLE, 1);
}

static void tkill_checks(void)
{
	long pid = SC0(SYS_getpid);

	check("tkill of tid 0 is EINVAL", SC2(SYS_tkill, 0, 0), -EINVAL);
	check("tkill of tid -1 is EINVAL", SC2(SYS_tkill, -1, 0), -EINVAL);
	check("tkill with signal 65 is EINVAL", SC2(SYS_tkill, pid, 65), -EINVAL);
	check("tkill of a missing tid is ESRCH", SC2(SYS_tkill, 99999, 0), -ESRCH);
	check("tkill of self with signal 0 is 0", SC2(SYS_tkill, pid, 0), 0);
	check("tgkill of tgid 0 is EINVAL", SC3(SYS_tgkill, 0, pid, 0), -EINVAL);
	check("tgkill with signal -1 is EINVAL", SC3(SYS_tgkill, pid, pid, -1), -EINVAL);
	check("tgkill of a tid outside the group is ESRCH", SC3(SYS_tgkill, pid, 1, 0), -ESRCH);
	check("tgkill of self with signal 0 is 0", SC3(SYS_tgkill, pid, pid, 0), 0);
}

/* A child that calls rt_sigreturn with its stack pointer at sp; how it ended. */
static int sigreturn_child(unsigned long sp)
{
	int st = 0;
	pid_t c = fork();

	if (c == 0)
		__asm__ __volatile__("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall\n\tud2"
				     : : "r"(sp) : "memory");
	waitpid(c, &st, 0);
	return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

static void sigreturn_checks(void)
{
	check("rt_sigreturn with the frame in the kernel half kills with SIGSEGV",
	      sigreturn_child(KPTR), SIGSEGV);
	check("rt_sigreturn with a non-canonical frame kills with SIGSEGV",
	      sigreturn_child(NONCANON + 64), SIGSEGV);
	check("rt_sigreturn with the frame on an unmapped page kills with SIGSEGV",
	      sigreturn_child((unsigned long)unmapped + 64), SIGSEGV);
	check("an unimplemented call (acct) is ENOSYS", SC1(SYS_acct, 0), -ENOSYS);
	check("and again (logged once)", SC1(SYS_acct, 0), -ENOSYS);
}

static void wait_checks(void)
{
	int tid = 0;
	long buf_ru[18];

	check("wait4 with no child is ECHILD", SC4(SYS_wait4, -1, KPTR, 0, 0), -ECHILD);
	check("wait4 with unknown options is EINVAL", SC4(SYS_wait4, -1, 0, 0x1000, 0), -EINVAL);
	check("wait4 of INT_MIN is ESRCH", SC4(SYS_wait4, INT32_MIN, 0, 0, 0), -ESRCH);
	long c = SC2(SYS_clone, HIGH | SIGCHLD, 0);
	if (c == 0)
		raw_exit(7);
	check_ge("clone of 0x100000000 | SIGCHLD forks (low 32 bits)", c, 2);
	check("wait4 into a kernel status pointer reaps, then EFAULT", SC4(SYS_wait4, c, KPTR, 0, 0), -EFAULT);
	check("so waiting again is ECHILD", SC4(SYS_wait4, c, 0, 0, 0), -ECHILD);
	check("clone with exit signal 255 is EINVAL", SC2(SYS_clone, 0xff, 0), -EINVAL);
	c = SC4(SYS_clone, SIGCHLD | 0x00100000, 0, &tid, 0);
	if (c == 0)
		raw_exit(3);
	check("clone CLONE_PARENT_SETTID stores the child's tid", tid, c);
	check("wait4 with rusage returns the child", SC4(SYS_wait4, c, 0, 0, buf_ru), c);
	check("and its rusage has its minor faults", buf_ru[8] > 0, 1);
	c = SC4(SYS_clone, SIGCHLD | 0x00100000, 0, KPTR, 0);
	if (c == 0)
		raw_exit(3);
	check_ge("clone CLONE_PARENT_SETTID into a kernel pointer still forks", c, 2);
	check("wait4 into a kernel rusage pointer is EFAULT", SC4(SYS_wait4, c, 0, 0, KPTR), -EFAULT);
}

/* ---- threads: clone, clone3, futex, robust lists ------------------------ */

#define CLONE_VM_ 0x100l
#define CLONE_SIGHAND_ 0x800l
#define CLONE_THREAD_ 0x10000l
#define CLONE_SETTLS_ 0x80000l
#define FUTEX_WAIT_ 0
#define FUTEX_WAKE_ 1
#define FUTEX_REQUEUE_ 3
#define FUTEX_CMP_REQUEUE_ 4
#define FUTEX_WAIT_BITSET_ 9
#define FUTEX_WAKE_BITSET_ 10
#define FUTEX_PRIVATE_ 128
#define FUTEX_CLOCK_REALTIME_ 256

/* struct clone_args (clone3), version 2. */
struct clone_args_ {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* clone3 with args a of size n. */
static long clone3_with(const struct clone_args_ *a, size_t n)
{
	return SC2(SYS_clone3, a, n);
}

static void clone_checks(void)
{
	struct clone_args_ *a = (struct clone_args_ *)buf;
	int st = -1;

	check("clone CLONE_THREAD without CLONE_SIGHAND is EINVAL",
	      SC2(SYS_clone, CLONE_THREAD_ | CLONE_VM_, 0), -EINVAL);
	check("clone CLONE_SIGHAND without CLONE_VM is EINVAL", SC2(SYS_clone, CLONE_SIGHAND_, 0),
	      -EINVAL);
	check("clone CLONE_SETTLS with a kernel tls is EPERM",
	      SC6(SYS_clone, SIGCHLD | CLONE_SETTLS_, 0, 0, 0, KPTR, 0), -EPERM);
	memset(buf, 0, 2 * PAGE);
	check("clone3 of size 0 is EINVAL", clone3_with(a, 0), -EINVAL);
	check("clone3 of size 63 is EINVAL", clone3_with(a, 63), -EINVAL);
	check("clone3 of size PAGE + 1 is E2BIG", clone3_with(a, PAGE + 1), -E2BIG);
	check("clone3 of NULL is EFAULT", clone3_with(NULL, 64), -EFAULT);
	check("clone3 of a kernel pointer is EFAULT", clone3_with((void *)KPTR, 88), -EFAULT);
	check("clone3 of an unmapped pointer is EFAULT", clone3_with((void *)unmapped, 88), -EFAULT);
	a->exit_signal = 65;
	check("clone3 with exit signal 65 is EINVAL", clone3_with(a, 88), -EINVAL);
	*a = (struct clone_args_){ .flags = SIGCHLD };
	check("clone3 with CSIGNAL bits in flags is EINVAL", clone3_with(a, 88), -EINVAL);
	*a = (struct clone_args_){ .flags = CLONE_THREAD_ | CLONE_SIGHAND_ | CLONE_VM_,
				   .exit_signal = SIGCHLD };
	check("clone3 CLONE_THREAD with an exit signal is EINVAL", clone3_with(a, 88), -EINVAL);
	*a = (struct clone_args_){ .stack = (uint64_t)buf, .exit_signal = SIGCHLD };
	check("clone3 with a stack but no size is EINVAL", clone3_with(a, 88), -EINVAL);
	*a = (struct clone_args_){ .set_tid_size = 33, .set_tid = (uint64_t)buf };
	check("clone3 with set_tid_size 33 is EINVAL", clone3_with(a, 88), -EINVAL);
	*a = (struct clone_args_){ .flags = 1ull << 40 };
	check("clone3 with an unknown flag is EINVAL", clone3_with(a, 88), -EINVAL);
	*a = (struct clone_args_){ .exit_signal = SIGCHLD };
	buf[100] = 1;
	check("clone3 with non-zero bytes past its struct is E2BIG", clone3_with(a, 128), -E2BIG);
	buf[100] = 0;
	long c = clone3_with(a, 128);
	if (c == 0)
		raw_exit(9);
	check_ge("clone3 with zeros past its struct forks", c, 2);
	check("and the child's exit status comes back", SC4(SYS_wait4, c, &st, 0, 0) == c &&
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1, 9);
}

static void futex_checks(void)
{
	uint32_t *word = (uint32_t *)buf;
	struct timespec *bad_ts = (struct timespec *)(buf + 64);

	*word = 0;
	*bad_ts = (struct timespec){ 0, -1 };
	check("futex on a misaligned word is EINVAL",
	      SC6(SYS_futex, buf + 1, FUTEX_WAKE_, 1, 0, 0, 0), -EINVAL);
	check("FUTEX_WAIT on NULL is EFAULT", SC6(SYS_futex, 0, FUTEX_WAIT_, 0, 0, 0, 0), -EFAULT);
	check("FUTEX_WAIT on a kernel address is EFAULT",
	      SC6(SYS_futex, KPTR, FUTEX_WAIT_, 0, 0, 0, 0), -EFAULT);
	check("FUTEX_WAIT on an unmapped word is EFAULT",
	      SC6(SYS_futex, unmapped, FUTEX_WAIT_ | FUTEX_PRIVATE_, 0, 0, 0, 0), -EFAULT);
	check("FUTEX_WAKE (shared) of an unmapped word is EFAULT",
	      SC6(SYS_futex, unmapped, FUTEX_WAKE_, 1, 0, 0, 0), -EFAULT);
	check("FUTEX_WAKE_PRIVATE of an unmapped word wakes 0",
	      SC6(SYS_futex, unmapped, FUTEX_WAKE_ | FUTEX_PRIVATE_, 1, 0, 0, 0), 0);
	check("FUTEX_WAIT with a kernel timeout pointer is EFAULT",
	      SC6(SYS_futex, word, FUTEX_WAIT_, 0, KPTR, 0, 0), -EFAULT);
	check("FUTEX_WAIT with tv_nsec -1 is EINVAL",
	      SC6(SYS_futex, word, FUTEX_WAIT_, 0, bad_ts, 0, 0), -EINVAL);
	check("FUTEX_WAIT of a word that differs is EAGAIN",
	      SC6(SYS_futex, word, FUTEX_WAIT_, 1, 0, 0, 0), -EAGAIN);
	check("FUTEX_WAIT_BITSET with bitset 0 is EINVAL",
	      SC6(SYS_futex, word, FUTEX_WAIT_BITSET_, 0, 0, 0, 0), -EINVAL);
	check("FUTEX_WAKE_BITSET with bitset 0 is EINVAL",
	      SC6(SYS_futex, word, FUTEX_WAKE_BITSET_, 1, 0, 0, 0), -EINVAL);
	check("FUTEX_CLOCK_REALTIME with FUTEX_WAKE is ENOSYS",
	      SC6(SYS_futex, word, FUTEX_WAKE_ | FUTEX_CLOCK_REALTIME_, 1, 0, 0, 0), -ENOSYS);
	check("futex op 99 is ENOSYS", SC6(SYS_futex, word, 99, 0, 0, 0, 0), -ENOSYS);
	check("FUTEX_REQUEUE with a negative count is EINVAL",
	      SC6(SYS_futex, word, FUTEX_REQUEUE_, 1, -1, word + 1, 0), -EINVAL);
	check("FUTEX_CMP_REQUEUE of a word that differs is EAGAIN",
	      SC6(SYS_futex, word, FUTEX_CMP_REQUEUE_, 1, 1, word + 1, 5), -EAGAIN);
	check("FUTEX_WAKE with INT_MAX and no waiter wakes 0",
	      SC6(SYS_futex, word, FUTEX_WAKE_, INT_MAX, 0, 0, 0), 0);
}

/* A child that sets robust list head (len) and its clear_child_tid, then
 * exits: the kernel walks whatever it was given. Its wait status. */
static int robust_exit_child(long head, long len, long ctid)
{
	int st = -1;
	pid_t c = fork();

	if (c == 0) {
		SC2(SYS_set_robust_list, head, len);
		SC1(SYS_set_tid_address, ctid);
		raw_exit(0);
	}
	waitpid(c, &st, 0);
	return st;
}

static void robust_checks(void)
{
	long *loop = (long *)(buf + 256);   /* head whose first entry points to itself */
	long *wild = (long *)(buf + 512);   /* head with a huge futex_offset */
	uint64_t head = 0, len = 0;

	check("set_robust_list with len 0 is EINVAL", SC2(SYS_set_robust_list, buf, 0), -EINVAL);
	check("set_robust_list with len 25 is EINVAL", SC2(SYS_set_robust_list, buf, 25), -EINVAL);
	check("get_robust_list of pid -1 is ESRCH",
	      SC3(SYS_get_robust_list, -1, &head, &len), -ESRCH);
	check("get_robust_list of a missing pid is ESRCH",
	      SC3(SYS_get_robust_list, 99999, &head, &len), -ESRCH);
	check("get_robust_list into a kernel pointer is EFAULT",
	      SC3(SYS_get_robust_list, 0, KPTR, &len), -EFAULT);
	check("get_robust_list of self gives len 24",
	      SC3(SYS_get_robust_list, 0, &head, &len) == 0 ? (long)len : -1, 24);
	loop[0] = (long)(loop + 3);
	loop[1] = 0;
	loop[2] = 0;
	loop[3] = (long)(loop + 3);
	wild[0] = (long)(wild + 3);
	wild[1] = INT64_MAX;
	wild[2] = (long)KPTR;
	wild[3] = (long)wild;
	check("an exit with a robust list in the kernel half ends cleanly",
	      robust_exit_child((long)KPTR, 24, 0), 0);
	check("an exit with a robust list looping on itself ends cleanly",
	      robust_exit_child((long)loop, 24, 0), 0);
	check("an exit with a huge futex_offset and a kernel pending entry ends cleanly",
	      robust_exit_child((long)wild, 24, (long)KPTR), 0);
	check("an exit with a robust list in an unmapped page ends cleanly",
	      robust_exit_child((long)unmapped, 24, (long)unmapped), 0);
}

/* ---- tmpfs, memfd: the file tree's changes and shared memory ----------- */

static void tree_checks(void)
{
	memcpy(edge, "/bi", 3);     /* calls before wrote into it */
	check("unlink of a kernel pointer is EFAULT", SC1(SYS_unlink, KPTR), -EFAULT);
	check("unlink of NULL is EFAULT", SC1(SYS_unlink, 0), -EFAULT);
	check("unlink of \"\" is ENOENT", SC1(SYS_unlink, ""), -ENOENT);
	check("unlink of a 4999-byte path is ENAMETOOLONG", SC1(SYS_unlink, longpath), -ENAMETOOLONG);
	check("unlink of a path running into a hole is EFAULT", SC1(SYS_unlink, edge), -EFAULT);
	check("unlinkat with flag 0x1 is EINVAL", SC3(SYS_unlinkat, AT_FDCWD, "/tmp/x", 1), -EINVAL);
	check("unlinkat(-1, relative path) is EBADF", SC3(SYS_unlinkat, -1, "x", 0), -EBADF);
	check("unlinkat AT_REMOVEDIR of a file is ENOTDIR",
	      SC3(SYS_open, "/tmp/f", O_CREAT | O_RDWR, 0600) >= 3 ?
	      SC3(SYS_unlinkat, AT_FDCWD, "/tmp/f", AT_REMOVEDIR) : -1, -ENOTDIR);
	check("unlinkat(0x100000000 | AT_FDCWD, relative path) (int dfd)",
	      SC1(SYS_chdir, "/tmp") == 0 ? SC3(SYS_unlinkat, HIGH | (unsigned)AT_FDCWD, "f", 0) : -1, 0);
	SC1(SYS_chdir, "/");
	check("mkdir of a kernel pointer is EFAULT", SC2(SYS_mkdir, KPTR, 0755), -EFAULT);
	check("mkdir of a non-canonical pointer is EFAULT", SC2(SYS_mkdir, NONCANON, 0755), -EFAULT);
	check("mkdir of an existing initrd directory is EEXIST", SC2(SYS_mkdir, "/bin", 0755), -EEXIST);
	check("mkdir on the read-only initrd is EROFS", SC2(SYS_mkdir, "/newdir", 0755), -EROFS);
	check("mkdirat(-1, relative path) is EBADF", SC3(SYS_mkdirat, -1, "d", 0755), -EBADF);
	check("mkdir /tmp/d with mode bits beyond 07777", SC2(SYS_mkdir, "/tmp/d", 0xffffffff), 0);
	check("rmdir of a kernel pointer is EFAULT", SC1(SYS_rmdir, KPTR), -EFAULT);
	check("rmdir of a missing directory is ENOENT", SC1(SYS_rmdir, "/tmp/none"), -ENOENT);
	check("rmdir /tmp/d", SC1(SYS_rmdir, "/tmp/d"), 0);
	check("rename from a kernel pointer is EFAULT", SC2(SYS_rename, KPTR, "/tmp/y"), -EFAULT);
	check("rename to a kernel pointer is EFAULT", SC2(SYS_rename, "/tmp/x", KPTR), -EFAULT);
	check("rename of a missing file is ENOENT", SC2(SYS_rename, "/tmp/none", "/tmp/y"), -ENOENT);
	check("renameat2 with unknown flags is EINVAL",
	      sc(SYS_renameat2, AT_FDCWD, (long)"/tmp/x", AT_FDCWD, (long)"/tmp/y", 0x100, 0), -EINVAL);
	check("renameat(-1, relative path) is EBADF", SC4(SYS_renameat, -1, "x", AT_FDCWD, "/tmp/y"),
	      -EBADF);
	check("rename of an initrd file is EROFS", SC2(SYS_rename, SELF, "/tmp/y"), -EROFS);
}

static void truncate_checks(void)
{
	long fd = SC3(SYS_open, "/tmp/t", O_CREAT | O_RDWR, 0600), ro = open_self();
	int p[2];               /* pipe(2) writes two ints */

	check("ftruncate -1 of a closed fd is EINVAL (the length first)", SC2(SYS_ftruncate, -1, -1),
	      -EINVAL);
	check("ftruncate of fd -1 is EBADF", SC2(SYS_ftruncate, -1, 0), -EBADF);
	check("ftruncate through 0x100000000 | fd (unsigned int fd)",
	      SC2(SYS_ftruncate, HIGH | (unsigned long)fd, 8192), 0);
	check("ftruncate of a read-only initrd fd is EINVAL", SC2(SYS_ftruncate, ro, 0), -EINVAL);
	check("ftruncate to 2^63-1 is EFBIG", SC2(SYS_ftruncate, fd, INT64_MAX), -EFBIG);
	check("truncate of a kernel pointer is EFAULT", SC2(SYS_truncate, KPTR, 0), -EFAULT);
	check("truncate of a directory is EISDIR", SC2(SYS_truncate, "/tmp", 0), -EISDIR);
	check("truncate of an initrd file is EROFS", SC2(SYS_truncate, SELF, 0), -EROFS);
	check("truncate to -1 is EINVAL", SC2(SYS_truncate, "/tmp/t", -1), -EINVAL);
	check("pwrite64 at -1 is EINVAL", SC4(SYS_pwrite64, fd, buf, 4, -1), -EINVAL);
	check("pwrite64(-1) is EBADF", SC4(SYS_pwrite64, -1, buf, 4, 0), -EBADF);
	check("pwrite64 to the console is ESPIPE", SC4(SYS_pwrite64, 1, buf, 1, 0), -ESPIPE);
	check("pwrite64 from a kernel pointer is EFAULT", SC4(SYS_pwrite64, fd, KPTR, 4, 0), -EFAULT);
	check("pwrite64 from an unmapped page is EFAULT", SC4(SYS_pwrite64, fd, unmapped, 4, 0), -EFAULT);
	check("pwrite64 to a read-only fd is EBADF", SC4(SYS_pwrite64, ro, buf, 4, 0), -EBADF);
	check("read of a tmpfs file into a kernel pointer is EFAULT", SC3(SYS_read, fd, KPTR, 4), -EFAULT);
	check("fsync of fd -1 is EBADF", SC1(SYS_fsync, -1), -EBADF);
	check("fsync of a tmpfs file", SC1(SYS_fsync, fd), 0);
	check("fdatasync of an initrd file", SC1(SYS_fdatasync, ro), 0);
	if (SC1(SYS_pipe, p) == 0) {
		check("ftruncate of a pipe is EINVAL", SC2(SYS_ftruncate, p[1], 0), -EINVAL);
		check("fsync of a pipe is EINVAL", SC1(SYS_fsync, p[0]), -EINVAL);
		check("F_ADD_SEALS on a pipe is EINVAL", SC3(SYS_fcntl, p[0], F_ADD_SEALS_, 1), -EINVAL);
		SC1(SYS_close, p[0]);
		SC1(SYS_close, p[1]);
	}
	SC1(SYS_close, fd);
	SC1(SYS_close, ro);
	SC1(SYS_unlink, "/tmp/t");
}

#define MPOL_BIND_ 2
#define MPOL_F_ADDR_ (1 << 1)
#define MPOL_MF_STRICT_ 1
#define MPOL_MF_MOVE_ALL_ 4
#define MPOL_F_STATIC_RELATIVE_ (3 << 14)

/* mbind(2) as Linux's do_mbind checks it, and get_mempolicy(MPOL_F_ADDR)
 * reading back what it set on buf (node 0, online on every guest). */
static void mbind_checks(void)
{
	unsigned long node0 = 1, none = 0, node63 = 1ul << 63, mask[2] = { 0, 0 };
	int mode = -1;

	check("mbind with unknown flags is EINVAL",
	      SC6(SYS_mbind, buf, PAGE, MPOL_BIND_, &node0, 65, 8), -EINVAL);
	check("mbind of an unaligned start is EINVAL",
	      SC6(SYS_mbind, buf + 1, PAGE, MPOL_BIND_, &node0, 65, 0), -EINVAL);
	check("mbind of a range wrapping past the top is EINVAL",
	      SC6(SYS_mbind, buf, -(unsigned long)buf + PAGE, MPOL_BIND_, &node0, 65, 0), -EINVAL);
	check("mbind with mode 99 is EINVAL before its flags are looked at",
	      SC6(SYS_mbind, buf + 1, PAGE, 99, &node0, 65, 8), -EINVAL);
	check("mbind with a kernel mask pointer is EFAULT before an unaligned start",
	      SC6(SYS_mbind, buf + 1, PAGE, MPOL_BIND_, KPTR, 65, 0), -EFAULT);
	check("mbind of 0 bytes is 0 (the policy is not checked)",
	      SC6(SYS_mbind, buf, 0, MPOL_BIND_, &none, 65, 0), 0);
	check("mbind of SIZE_MAX bytes is 0 (its page-aligned length wraps to 0)",
	      SC6(SYS_mbind, buf, ~0ul, MPOL_BIND_, &node0, 65, 0), 0);
	check("mbind with mode 99 is EINVAL", SC6(SYS_mbind, buf, PAGE, 99, &node0, 65, 0), -EINVAL);
	check("mbind with both mode flags is EINVAL",
	      SC6(SYS_mbind, buf, PAGE, MPOL_BIND_ | MPOL_F_STATIC_RELATIVE_, &node0, 65, 0), -EINVAL);
	check("mbind MPOL_BIND with an empty mask is EINVAL",
	      SC6(SYS_mbind, buf, PAGE, MPOL_BIND_, &none, 65, 0), -EINVAL);
	check("mbind MPOL_BIND to an offline node is EINVAL",
	      SC6(SYS_mbind, buf, PAGE, MPOL_BIND_, &node63, 65, 0), -EINVAL);
	check("mbind MPOL_DEFAULT with a node is EINVAL",
	      SC6(SYS_mbind, buf, PAGE, 0, &node0, 65, 0), -EINVAL);
	check("mbind with a kernel mask pointer is EFAULT",
	      SC6(SYS_mbind, buf, PAGE, MPOL_BIND_, KPTR, 65, 0), -EFAULT);
	check("mbind over an unmapped page is EFAULT",
	      SC6(SYS_mbind, unmapped, PAGE, MPOL_BIND_, &node0, 65, 0), -EFAULT);
	check("mbind of buf to node 0 (MPOL_MF_STRICT | MPOL_MF_MOVE_ALL) is 0",
	      SC6(SYS_mbind, buf, 2 * PAGE, MPOL_BIND_, &node0, 65,
		  MPOL_MF_STRICT_ | MPOL_MF_MOVE_ALL_), 0);
	check("get_mempolicy(MPOL_F_ADDR) of buf is 0",
	      sc(SYS_get_mempolicy, (long)&mode, (long)mask, 65, (long)buf, MPOL_F_ADDR_, 0), 0);
	check("and says MPOL_BIND", mode, MPOL_BIND_);
	check("to node 0", (long)mask[0], 1);
	check("get_mempolicy(MPOL_F_ADDR) of an unmapped page is EFAULT",
	      sc(SYS_get_mempolicy, (long)&mode, 0, 0, (long)unmapped, MPOL_F_ADDR_, 0), -EFAULT);
	check("mbind MPOL_DEFAULT takes buf's policy away", SC6(SYS_mbind, buf, 2 * PAGE, 0, 0, 0, 0), 0);
	sc(SYS_get_mempolicy, (long)&mode, 0, 0, (long)buf, MPOL_F_ADDR_, 0);
	check("get_mempolicy(MPOL_F_ADDR) of buf then says MPOL_DEFAULT", mode, 0);
}

static void memfd_checks(void)
{
	char name[251];
	long fd;

	memset(name, 'm', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	check("memfd_create of a kernel pointer is EFAULT", SC2(SYS_memfd_create, KPTR, 0), -EFAULT);
	check("memfd_create of NULL is EFAULT", SC2(SYS_memfd_create, 0, 0), -EFAULT);
	check("memfd_create with unknown flags is EINVAL", SC2(SYS_memfd_create, "m", 0x100), -EINVAL);
	check("memfd_create with a 250-byte name is EINVAL", SC2(SYS_memfd_create, name, 0), -EINVAL);
	name[249] = 0;
	fd = SC2(SYS_memfd_create, name, HIGH);
	check_ge("memfd_create with a 249-byte name and flags 0x100000000 (unsigned int)", fd, 0);
	check("F_GET_SEALS without MFD_ALLOW_SEALING is F_SEAL_SEAL", SC2(SYS_fcntl, fd, F_GET_SEALS_), 1);
	long at = SC6(SYS_mmap, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("mmap MAP_SHARED of it past its end maps", at > 0, 1);
	SC2(SYS_munmap, at, 2 * PAGE);  /* it may sit where `unmapped` was: later checks need the hole */
	check("mmap MAP_SHARED at an offset of 2^63 - 4096 is EOVERFLOW",
	      SC6(SYS_mmap, 0, 2 * PAGE, PROT_READ, MAP_SHARED, fd, INT64_MAX - 4095), -EOVERFLOW);
	check("write to it from a kernel pointer is EFAULT", SC3(SYS_write, fd, KPTR, 8), -EFAULT);
	SC1(SYS_close, fd);
	check("shmget of size 0 is EINVAL", SC3(SYS_shmget, 0, 0, 01000), -EINVAL);
	check("shmget of 2^63 bytes is EINVAL", SC3(SYS_shmget, 0, INT64_MAX, 01000), -EINVAL);
	check("shmget of a missing key is ENOENT", SC3(SYS_shmget, 0x4242, PAGE, 0), -ENOENT);
	fd = SC3(SYS_shmget, 0, PAGE, 01000 | 0600);
	check_ge("shmget(IPC_PRIVATE, 4096)", fd, 0);
	check("shmat of id -1 is EINVAL", SC3(SYS_shmat, -1, 0, 0), -EINVAL);
	at = SC3(SYS_shmat, HIGH | (unsigned long)fd, 0, 0);
	check("shmat of id 0x100000000 | id (int shmid)", at > 0, 1);
	check("shmctl IPC_STAT into a kernel pointer is EFAULT", SC3(SYS_shmctl, fd, 2, KPTR), -EFAULT);
	check("shmctl with command 99 is EINVAL", SC3(SYS_shmctl, fd, 99, buf), -EINVAL);
	check("shmdt of a kernel pointer is EINVAL", SC1(SYS_shmdt, KPTR), -EINVAL);
	check("shmdt of an unaligned address is EINVAL", SC1(SYS_shmdt, (long)buf + 1), -EINVAL);
	check("shmdt of the attach", SC1(SYS_shmdt, at), 0);
	check("shmctl IPC_RMID", SC3(SYS_shmctl, fd, 0, 0), 0);
	check("shmctl of the removed id is EINVAL", SC3(SYS_shmctl, fd, 2, buf), -EINVAL);
}

/* ---- random mode -------------------------------------------------------- */

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const long calls[] = {
	SYS_read, SYS_write, SYS_open, SYS_close, SYS_stat, SYS_fstat, SYS_lseek, SYS_mmap,
	SYS_mprotect, SYS_munmap, SYS_brk, SYS_ioctl, SYS_readv, SYS_writev, SYS_sched_yield,
	SYS_madvise, SYS_nanosleep, SYS_getpid, SYS_clone, SYS_fork, SYS_vfork, SYS_execve,
	SYS_wait4, SYS_kill, SYS_uname, SYS_getrusage, SYS_getppid, SYS_arch_prctl,
	SYS_gettid, SYS_set_tid_address, SYS_clock_gettime, SYS_openat,
	SYS_lstat, SYS_newfstatat, SYS_getdents64, SYS_chdir, SYS_fchdir, SYS_getcwd,
	SYS_dup, SYS_dup2, SYS_dup3, SYS_fcntl, SYS_pipe, SYS_pipe2, SYS_sysinfo,
	SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_poll, SYS_ppoll,
	SYS_time, SYS_clock_getres, SYS_readlink, SYS_readlinkat, SYS_clock_nanosleep,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigpending, SYS_sigaltstack, SYS_tkill,
	SYS_tgkill, SYS_clone3, SYS_futex, SYS_set_robust_list, SYS_get_robust_list,
	SYS_pread64, SYS_access, SYS_faccessat, SYS_faccessat2, SYS_getrandom,
	SYS_getxattr, SYS_lgetxattr, SYS_fgetxattr, SYS_listxattr, SYS_flistxattr,
	SYS_setxattr, SYS_removexattr, SYS_prctl, SYS_getrlimit, SYS_setrlimit, SYS_munlock,
	SYS_munlockall, SYS_statx, SYS_statfs, SYS_fstatfs, SYS_gettimeofday, SYS_getcpu,
	SYS_umask, SYS_alarm, SYS_msync, SYS_pwrite64, SYS_creat, SYS_unlink, SYS_unlinkat,
	SYS_rmdir, SYS_mkdir, SYS_mkdirat, SYS_rename, SYS_renameat, SYS_renameat2,
	SYS_ftruncate, SYS_truncate, SYS_fsync, SYS_fdatasync, SYS_memfd_create,
	SYS_shmget, SYS_shmat, SYS_shmdt, SYS_shmctl,
	512, -1, HIGH | SYS_getpid,
};

static long pick(const long *v, size_t n)
{
	return v[next() % n];
}

/* An argument: an edge integer, an edge pointer, or a random word. */
static long rand_arg(void)
{
	const long ints[] = { 0, 1, 2, 3, -1, -100, 0x7fffffff, 0x80000000l, 0xffffffffl,
			      (long)HIGH, (long)HIGH | 1, INT64_MAX, INT64_MIN, 4095, 4096,
			      1l << 40, 0x8000 | MAP_PRIVATE | MAP_ANONYMOUS };
	const long ptrs[] = { 0, (long)KPTR, (long)NONCANON, (long)unmapped, (long)buf,
			      (long)buf + 2 * PAGE - 1, (long)edge, (long)SELF, (long)"",
			      (long)longpath, 0x7ffffffff000l, 0x400000, (long)"/tmp/r",
			      (long)"/dev/shm/r" };

	switch (next() % 4) {
	case 0: return pick(ints, sizeof(ints) / sizeof(ints[0]));
	case 1: return pick(ptrs, sizeof(ptrs) / sizeof(ptrs[0]));
	case 2: return (long)next();
	default: return (long)(next() % 64);
	}
}

/* Keeps random mode from waiting out time: no long valid sleep, no
 * populating huge mappings, no signals to the parent (pids < 100 but init;
 * rt_sigsuspend, pause and rt_sigreturn are not drawn: nothing would wake
 * the first two, and a random frame may loop; sigtest forges frames),
 * no pipe a read could wait on forever (every pipe is O_NONBLOCK, and
 * stays so), no futex wait without a timeout, no CLONE_PARENT child (its
 * random exit signal would go to this parent). Returns the call to make
 * (pipe becomes pipe2). */
static long tame(long nr, long a[6])
{
	static const struct timespec sleeps[] = { { 0, -1 }, { -1, 0 }, { 0, 1000 }, { 0, 1000000000 } };

	if (nr == SYS_pipe) {
		nr = SYS_pipe2;
		a[1] = 0;
	}
	if (nr == SYS_pipe2)
		a[1] |= O_NONBLOCK;
	if (nr == SYS_fcntl && (a[1] & 0xffffffff) == F_SETFL)
		a[2] |= O_NONBLOCK;
	if (nr == SYS_poll)
		a[2] = 0;
	if (nr == SYS_ppoll && (unsigned long)a[2] != KPTR)
		a[2] = (long)&sleeps[2];

	if (nr == SYS_nanosleep && (unsigned long)a[0] != KPTR && a[0] != 0)
		a[0] = (long)&sleeps[next() % 4];
	if (nr == SYS_clock_nanosleep && (unsigned long)a[2] != KPTR && a[2] != 0)
		a[2] = (long)&sleeps[next() % 4];
	if (nr == SYS_mmap && (unsigned long)a[1] > (1ul << 20))
		a[3] &= ~(long)MAP_POPULATE;
	if ((nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill) && a[0] != 1 &&
	    (a[0] & 0xffffffff) < 100)
		a[0] = SC0(SYS_getpid);
	if (nr == SYS_tgkill && a[1] != 1 && (a[1] & 0xffffffff) < 100)
		a[1] = SC0(SYS_getpid);
	if (nr == SYS_futex && ((a[1] & 0x7f) == FUTEX_WAIT_ || (a[1] & 0x7f) == FUTEX_WAIT_BITSET_) &&
	    (unsigned long)a[3] != KPTR)
		a[3] = (long)&sleeps[2];    /* a matching word would sleep for good */
	if (nr == SYS_clone)
		a[0] &= ~0x8000l;           /* CLONE_PARENT: its exit signal would reach us */
	return nr;
}

static volatile long *made;    /* shared with the children: calls made */

static __attribute__((noreturn)) void random_child(uint64_t seed, int n)
{
	rng = seed ? seed : 1;
	for (int fd = 0; fd < 3; fd++)
		SC1(SYS_close, fd);
	for (int i = 0; i < n; i++) {
		long nr = pick(calls, sizeof(calls) / sizeof(calls[0])), a[6];
		for (int j = 0; j < 6; j++)
			a[j] = rand_arg();
		memset(buf, (int)next(), 2 * PAGE);
		nr = tame(nr, a);
		(*made)++;
		long r = sc(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r == 0 && (nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone ||
			       nr == SYS_clone3))
			raw_exit(0);      /* a grandchild ends at once */
	}
	raw_exit(0);
}

static int random_mode(uint64_t seed, long calls_n)
{
	int children = 0, signaled = 0;

	/* far from every other mapping: a random copy running off buf stops
	 * at the first hole before it */
	made = mmap((void *)0x100000000000ul, PAGE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (made == MAP_FAILED)
		return 1;

	printf("badargs: random seed %llu, %ld calls\n", (unsigned long long)seed, calls_n);
	fflush(stdout);
	for (long done = 0; done < calls_n; done += CHILD_CALLS, children++) {
		int n = calls_n - done < CHILD_CALLS ? (int)(calls_n - done) : CHILD_CALLS;
		uint64_t s = seed * 0x9e3779b97f4a7c15ull + (uint64_t)children + 1;
		pid_t c = fork();
		int st = 0;
		if (c == 0)
			random_child(s, n);
		if (c < 0 || waitpid(c, &st, 0) != c) {
			printf("badargs: random: fork/wait failed\n");
			return 1;
		}
		signaled += WIFSIGNALED(st);
	}
	printf("badargs: random seed %llu done: %ld calls made in %d children, %d killed by a signal\n",
	       (unsigned long long)seed, *made, children, signaled);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	fixtures();
	if (argc == 5 && !strcmp(argv[1], "--random") && !strcmp(argv[3], "--calls"))
		return random_mode(strtoull(argv[2], NULL, 0), strtol(argv[4], NULL, 0));
	if (argc != 1) {
		fprintf(stderr, "usage: badargs [--random SEED --calls N]\n");
		return 2;
	}
	fd_checks();
	seek_checks();
	vector_checks();
	path_checks();
	exec_checks();
	pread_checks();
	access_checks();
	getrandom_checks();
	xattr_checks();
	prctl_checks();
	mmap_checks();
	range_checks();
	time_checks();
	dir_checks();
	dup_checks();
	pipe_checks();
	misc_checks();
	signal_checks();
	sigaction_checks();
	sigmask_checks();
	altstack_checks();
	tkill_checks();
	sigreturn_checks();
	wait_checks();
	clone_checks();
	futex_checks();
	robust_checks();
	rlimit_checks();
	mlock_checks();
	statx_checks();
	tree_checks();
	truncate_checks();
	memfd_checks();
	mbind_checks();
	alarm_checks();
	return claims_report(&claims);
}
