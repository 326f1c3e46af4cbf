/*
 * uapi.h: the Linux x86-64 user ABI constants and structures the kernel
 * speaks (values from Linux's uapi headers), shared by every system call.
 */
#ifndef GUEST_UAPI_H
#define GUEST_UAPI_H

#include <stdint.h>

/* mmap/mprotect */
#define PROT_NONE     0x0
#define PROT_READ     0x1
#define PROT_WRITE    0x2
#define PROT_EXEC     0x4
#define PROT_SEM      0x8
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP   0x02000000
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE      0x0f
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE  0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_DENYWRITE  0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED     0x2000
#define MAP_NONBLOCK   0x10000
#define MAP_STACK      0x20000
#define MAP_HUGETLB    0x40000
#define MAP_SYNC       0x80000
/* The flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK). */
#define MAP_LEGACY_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | \
			 MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | \
			 MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | \
			 MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)
#define MAP_UNINITIALIZED 0x4000000
#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED   3
#define MADV_DONTNEED   4
#define MADV_FREE       8
#define MADV_COLD       20
#define MADV_PAGEOUT    21

/* mlock2 and mlockall */
#define MLOCK_ONFAULT   0x01
#define MCL_CURRENT     1
#define MCL_FUTURE      2
#define MCL_ONFAULT     4

/* getrlimit, setrlimit, prlimit64 */
#define RLIMIT_CPU        0
#define RLIMIT_FSIZE      1
#define RLIMIT_DATA       2
#define RLIMIT_STACK      3
#define RLIMIT_CORE       4
#define RLIMIT_RSS        5
#define RLIMIT_NPROC      6
#define RLIMIT_NOFILE     7
#define RLIMIT_MEMLOCK    8
#define RLIMIT_AS         9
#define RLIMIT_LOCKS      10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE   12
#define RLIMIT_NICE       13
#define RLIMIT_RTPRIO     14
#define RLIMIT_RTTIME     15
#define RLIM_NLIMITS      16
#define RLIM_INFINITY     (~0ull)
struct linux_rlimit {
	uint64_t rlim_cur, rlim_max;
};

/* open */
#define O_ACCMODE   0003
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_EXCL      0200
#define O_NONBLOCK  04000
#define O_DIRECTORY 0200000
#define O_CLOEXEC   02000000
#define AT_FDCWD    (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_EACCESS          0x200
/* access modes */
#define X_OK 1
#define W_OK 2
#define R_OK 4
/* getrandom flags */
#define GRND_NONBLOCK 1
#define GRND_RANDOM   2
#define GRND_INSECURE 4

/* fcntl */
#define F_DUPFD  0
#define F_GETFD  1
#define F_SETFD  2
#define F_GETFL  3
#define F_SETFL  4
#define F_DUPFD_CLOEXEC 1030
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#define FD_CLOEXEC 1
/* The status flags F_SETFL may change (Linux's SETFL_MASK, those kept here). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK)

/* poll */
#define POLLIN     0x001
#define POLLOUT    0x004
#define POLLERR    0x008
#define POLLHUP    0x010
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
struct linux_pollfd {
	int32_t fd;
	int16_t events, revents;
};

/* pipes: a write of at most PIPE_BUF bytes is atomic */
#define PIPE_BUF 4096
#define PATH_MAX    4096        /* with the NUL */
/* Most bytes one read or write moves (Linux's MAX_RW_COUNT). */
#define MAX_RW_COUNT (0x7fffffffu & ~4095u)
#define UIO_MAXIOV  1024
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* wait4 */
#define WNOHANG    0x00000001
#define WUNTRACED  0x00000002
#define WCONTINUED 0x00000008
#define __WNOTHREAD 0x20000000
#define __WALL     0x40000000
#define __WCLONE   0x80000000u
#define WAIT4_VALID_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE)

/* getrusage */
#define RUSAGE_SELF     0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD   1

/* clock_gettime: the clocks it reads (all one jiffies clock) */
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME  1
#define CLOCK_TAI      11

/* clone: the low byte is the exit signal */
#define CSIGNAL 0xff

/* signals (signal.h has actions and delivery) */
#define SIGHUP   1
#define SIGINT   2
#define SIGQUIT  3
#define SIGILL   4
#define SIGTRAP  5
#define SIGABRT  6
#define SIGBUS   7
#define SIGFPE   8
#define SIGKILL  9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTTOU 22
#define SIGURG  23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGWINCH 28
#define SIGSYS  31
#define NSIG    64              /* Linux's _NSIG: signals are 1..64 */

/* arch_prctl */
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

/* ioctl */
#define TCGETS     0x5401
#define TIOCGWINSZ 0x5413
/* The kernel's struct termios (4 flag words, c_line, 19 c_cc): what
 * TCGETS writes; libcs keep a larger struct of their own around it. */
#define LINUX_TERMIOS_SIZE 36

/* auxiliary vector */
#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_BASE   7
#define AT_FLAGS  8
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_PLATFORM 15
#define AT_HWCAP  16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

#define S_IFMT  0170000
#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define S_IFREG 0100000
#define S_IFDIR 0040000

struct linux_timespec {
	int64_t tv_sec, tv_nsec;
};

struct linux_timeval {
	int64_t tv_sec, tv_usec;
};

struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	struct linux_timespec st_atim, st_mtim, st_ctim;
	int64_t reserved[3];
};

struct linux_iovec {
	uint64_t base, len;
};

struct linux_rusage {
	struct linux_timeval ru_utime, ru_stime;
	int64_t ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt,
		ru_nswap, ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals,
		ru_nvcsw, ru_nivcsw;
};

struct linux_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65],
	     domainname[65];
};

/* sysinfo: sizes in units of mem_unit bytes, loads scaled by 1 << SI_LOAD_SHIFT */
#define SI_LOAD_SHIFT 16
struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "struct sysinfo is 112 bytes on x86-64");

struct linux_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

#endif
