/*
 * syscall.c: the system-call table, the two entries' glue (syscall.h), and
 * the small calls that need no subsystem of their own (identity, time,
 * uname, sysinfo, arch_prctl, getrusage).
 *
 * Invariant of every handler (here and in the files it dispatches to): the
 * six registers arrive as unsigned long and each is first converted to
 * the type of Linux's prototype (an int fd or option keeps only the low 32
 * bits, as SYSCALL_DEFINE's casts do), user pointers are only touched
 * through uaccess.h, lengths are checked before any sum can wrap, and an
 * error is the errno Linux returns for the same arguments.
 */
#include <numa.h>
#include <syscall.h>
#include <sched.h>
#include <percpu.h>
#include <thread.h>
#include <uvm.h>
#include <rlimit.h>
#include <uaccess.h>
#include <time.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <schedstat.h>
#include <swap.h>
#include <vmstat.h>
#include <page_alloc.h>
#include <asm/cpu.h>
#include <asm/layout.h>

#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define EFER_SCE   1ull
/* Cleared on entry: TF, IF, DF, IOPL, NT, AC (Linux's mask). */
#define SYSCALL_SFMASK 0x47700ull

extern char syscall_entry[];

enum entry_path { PATH_UNKNOWN, PATH_NATIVE, PATH_FAULT };
static enum entry_path entry_path;

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x13ull << 48) | ((uint64_t)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, SYSCALL_SFMASK);
}

/* The boot-time self-test of the entry: the first call tells which path works. */
static bool entry_path_ok(enum entry_path p)
{
	if (entry_path == p)
		return true;
	if (entry_path != PATH_UNKNOWN)
		return false;
	entry_path = p;
	pr_info("syscall: %s\n", p == PATH_NATIVE
		? "native entry at CPL 0"
		: "`syscall` stays at CPL 3 on this CPU: system calls enter through the #PF at LSTAR");
	return true;
}

bool syscall_trap(struct pt_regs *regs, unsigned long cr2)
{
	(void)cr2;
	if (regs->rip != (uint64_t)syscall_entry || !(regs->cs & 3) ||
	    !entry_path_ok(PATH_FAULT))
		return false;
	regs->rip = regs->rcx;
	regs->rflags = user_rflags(regs->r11);
	regs->cs = GDT_USER_CS;
	regs->ss = GDT_USER_DS;
	syscall_dispatch(regs);
	return true;
}

static long sys_ni(unsigned int nr)
{
	static uint64_t logged[SYSCALL_NR_MAX / 64];

	if (nr < SYSCALL_NR_MAX && !(logged[nr / 64] & (1ull << (nr % 64)))) {
		logged[nr / 64] |= 1ull << (nr % 64);
		pr_warn("%s[%d]: system call %s (%u) not implemented: ENOSYS\n", current->comm,
			current->pid, syscall_names[nr] ? syscall_names[nr] : "?", nr);
	}
	return -ENOSYS;
}

static const syscall_fn syscall_table[SYSCALL_NR_MAX] = {
	[0] = sys_read, [1] = sys_write, [2] = sys_open, [3] = sys_close, [4] = sys_stat,
	[5] = sys_fstat, [6] = sys_stat /* lstat */, [7] = sys_poll, [8] = sys_lseek, [9] = sys_mmap, [10] = sys_mprotect,
	[11] = sys_munmap, [12] = sys_brk, [13] = sys_rt_sigaction, [14] = sys_rt_sigprocmask,
	[15] = sys_rt_sigreturn, [16] = sys_ioctl, [19] = sys_readv,
	[20] = sys_writev, [22] = sys_pipe, [24] = sys_sched_yield, [28] = sys_madvise,
	[32] = sys_dup, [33] = sys_dup2, [34] = sys_pause, [35] = sys_nanosleep, [39] = sys_getpid,
	[56] = sys_clone, [57] = sys_fork, [58] = sys_vfork, [59] = sys_execve, [60] = sys_exit,
	[61] = sys_wait4, [62] = sys_kill, [63] = sys_uname, [72] = sys_fcntl,
	[79] = sys_getcwd, [80] = sys_chdir, [81] = sys_fchdir, [89] = sys_readlink, [98] = sys_getrusage,
	[99] = sys_sysinfo, [102] = sys_getuid, [104] = sys_root_id, [107] = sys_getuid,
	[105] = sys_setuid, [29] = sys_shmget, [30] = sys_shmat, [67] = sys_shmdt, [31] = sys_shmctl,
	[108] = sys_root_id, [110] = sys_getppid, [127] = sys_rt_sigpending,
	[130] = sys_rt_sigsuspend, [131] = sys_sigaltstack, [158] = sys_arch_prctl, [186] = sys_gettid, [200] = sys_tkill, [201] = sys_time, [202] = sys_futex,
	[217] = sys_getdents64, [218] = sys_set_tid_address, [228] = sys_clock_gettime, [229] = sys_clock_getres,
	[230] = sys_clock_nanosleep, [234] = sys_tgkill,
	[231] = sys_exit_group, [257] = sys_openat, [262] = sys_newfstatat, [267] = sys_readlinkat, [271] = sys_ppoll, [292] = sys_dup3,
	[293] = sys_pipe2, [273] = sys_set_robust_list, [274] = sys_get_robust_list,
	[17] = sys_pread64, [21] = sys_access, [269] = sys_faccessat, [318] = sys_getrandom,
	[435] = sys_clone3, [439] = sys_faccessat2,
	[97] = sys_getrlimit, [160] = sys_setrlimit, [302] = sys_prlimit64,
	[149] = sys_mlock, [150] = sys_munlock, [151] = sys_mlockall, [152] = sys_munlockall,
	[325] = sys_mlock2, [96] = sys_gettimeofday, [309] = sys_getcpu,
	[237] = sys_mbind, [238] = sys_set_mempolicy, [239] = sys_get_mempolicy,
	[37] = sys_alarm, [95] = sys_umask, [26] = sys_msync, [137] = sys_statfs, [138] = sys_fstatfs, [332] = sys_statx,
	[157] = sys_prctl, [188] = sys_setxattr, [189] = sys_lsetxattr, [190] = sys_fsetxattr,
	[191] = sys_getxattr, [192] = sys_lgetxattr, [193] = sys_fgetxattr, [194] = sys_listxattr,
	[195] = sys_llistxattr, [196] = sys_flistxattr, [197] = sys_removexattr,
	[198] = sys_lremovexattr, [199] = sys_fremovexattr,
	[18] = sys_pwrite64, [85] = sys_creat, [87] = sys_unlink, [263] = sys_unlinkat,
	[84] = sys_rmdir, [83] = sys_mkdir, [258] = sys_mkdirat, [82] = sys_rename,
	[264] = sys_renameat, [316] = sys_renameat2, [77] = sys_ftruncate, [76] = sys_truncate,
	[74] = sys_fsync, [75] = sys_fsync /* fdatasync */, [319] = sys_memfd_create,
};

void syscall_dispatch(struct pt_regs *r)
{
	unsigned int nr = (unsigned int)r->rax;   /* Linux: the number is an int */

	if (r->vector == SYSCALL_VECTOR && !entry_path_ok(PATH_NATIVE))
		panic("syscall_dispatch: native entry after the fault path was chosen");
	if (r != current->uregs)
		panic("syscall_dispatch: frame %p is not %s[%d]'s user frame", r, current->comm,
		      current->pid);
	current->in_syscall = true;        /* signal.h: restart or EINTR on the way out */
	current->syscall_nr = nr;
	if (nr < SYSCALL_NR_MAX && syscall_table[nr])
		r->rax = (uint64_t)syscall_table[nr](r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
	else
		r->rax = (uint64_t)sys_ni(nr);
}

/* getpid: the process (thread group) id; gettid: the thread's own. */
SYS_DECL(getpid)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return task_tgid(current);
}

SYS_DECL(gettid)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return current->pid;
}

/* getuid, geteuid, getgid and getegid: every task runs as root. */
SYS_DECL(root_id)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

/* getuid and geteuid: the process's user id (one for real, effective and saved). */
SYS_DECL(getuid)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return current->group->uid;
}

/*
 * setuid(uid_t uid): root may become any user (real, effective and saved
 * ids together, as Linux's setuid by CAP_SETUID); another user only
 * itself (EPERM). (uid_t)-1 is EINVAL. The limits follow (rlimit.h:
 * RLIMIT_MEMLOCK binds a user that is not root).
 */
SYS_DECL(setuid)
{
	uint32_t uid = (uint32_t)a0;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (uid == UINT32_MAX)
		return -EINVAL;
	if (current->group->uid && uid != current->group->uid)
		return -EPERM;
	current->group->uid = uid;
	rlimit_apply(current, current->mm);
	return 0;
}

SYS_DECL(getppid)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct task *parent = thread_leader(current)->parent;

	return parent ? task_tgid(parent) : 0;
}

SYS_DECL(set_tid_address)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	current->clear_child_tid = a0;
	return current->pid;
}

SYS_DECL(sched_yield)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	schedule();
	return 0;
}

SYS_DECL(arch_prctl)
{
	int option = (int)a0;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (option == ARCH_SET_FS) {
		if (a1 >= USER_TOP)
			return -EPERM;
		current->fs_base = a1;
		wrmsr(MSR_FS_BASE, a1);
		return 0;
	}
	if (option == ARCH_GET_FS)
		return copy_to_user(a1, &current->fs_base, sizeof(uint64_t));
	return -EINVAL;
}

/* The longest sleep in ticks: jiffies + it never passes a signed wrap
 * (Linux's MAX_JIFFY_OFFSET); a longer request sleeps this long. */
#define MAX_SLEEP_TICKS ((~0ul >> 1) / 2 - 1)

/* Clocks 0..7 (REALTIME to BOOTTIME) and TAI; CPU-time clocks (negative
 * ids) and the alarm clocks are not kept. */
static bool clock_known(int clock)
{
	return (clock >= 0 && clock <= CLOCK_BOOTTIME) || clock == CLOCK_TAI;
}

SYS_DECL(clock_gettime)
{
	uint64_t ns = time_now_ns(&boot_clock);
	struct linux_timespec ts = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!clock_known((int)a0))
		return -EINVAL;
	return copy_to_user(a1, &ts, sizeof(ts));
}

/* clock_getres(clockid, struct timespec *res): 1 ns once the TSC refines
 * the clock, a tick before; res NULL asks only whether the clock exists. */
SYS_DECL(clock_getres)
{
	struct linux_timespec ts = { 0, (int64_t)time_resolution_ns(&boot_clock) };

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!clock_known((int)a0))
		return -EINVAL;
	return a1 ? copy_to_user(a1, &ts, sizeof(ts)) : 0;
}

/* time(time_t *tloc): the seconds of CLOCK_REALTIME, stored at tloc too
 * when it is not NULL. */
SYS_DECL(time)
{
	int64_t sec = (int64_t)(time_now_ns(&boot_clock) / NSEC_PER_SEC);

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (a0 && copy_to_user(a0, &sec, sizeof(sec)))
		return -EFAULT;
	return sec;
}

/* gettimeofday(struct timeval *tv, struct timezone *tz): CLOCK_REALTIME in
 * microseconds; the timezone is UTC (minutes west 0, no DST). Either may
 * be NULL. */
SYS_DECL(gettimeofday)
{
	uint64_t ns = time_now_ns(&boot_clock);
	struct linux_timeval tv = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000) };
	int32_t tz[2] = { 0, 0 };

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a0 && copy_to_user(a0, &tv, sizeof(tv)))
		return -EFAULT;
	return a1 ? copy_to_user(a1, tz, sizeof(tz)) : 0;
}

/* getcpu(unsigned *cpu, unsigned *node, void *cache): the CPU the caller
 * runs on (as /proc/PID/stat's field 39 says) and its NUMA node (numa.h);
 * NULL pointers are skipped. */
SYS_DECL(getcpu)
{
	uint32_t cpu = smp_processor_id(), node = numa_cpu_node(&numa_layout, cpu);

	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a0 && copy_to_user(a0, &cpu, sizeof(cpu)))
		return -EFAULT;
	return a1 ? copy_to_user(a1, &node, sizeof(node)) : 0;
}

/* Requests this long or longer sleep MAX_SLEEP_TICKS (no nanosecond sum can wrap). */
#define LONG_SLEEP_SEC 1000000000ull

/*
 * Ticks to sleep for a valid timespec, relative or absolute on the clock:
 * until the first tick at which the clock reads at least the target (so
 * never less than asked, at most a tick more); 0 when it is past, clamped.
 */
static unsigned long timespec_ticks(const struct linux_timespec *ts, bool absolute)
{
	uint64_t sec = (uint64_t)ts->tv_sec, nsec = (uint64_t)ts->tv_nsec;
	unsigned long now = jiffies;

	if (sec >= LONG_SLEEP_SEC)
		return MAX_SLEEP_TICKS;
	if (!absolute && !sec && !nsec)
		return 0;               /* a zero sleep only yields */
	uint64_t at = sec * NSEC_PER_SEC + nsec + (absolute ? 0 : time_now_ns(&boot_clock));
	uint64_t tick = (at + TICK_NSEC - 1) / TICK_NSEC;
	return tick > now ? MM_MIN(tick - now, (uint64_t)MAX_SLEEP_TICKS) : 0;
}

/* Reads and checks a sleep's timespec: EFAULT, or EINVAL out of range. */
static long get_sleep_timespec(uint64_t uts, struct linux_timespec *ts)
{
	if (copy_from_user(ts, uts, sizeof(*ts)))
		return -EFAULT;
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	return 0;
}

/* The time left of a relative sleep of @req ending at tick @until: at most req. */
static struct linux_timespec time_left(unsigned long until, const struct linux_timespec *req)
{
	uint64_t left = (long)(until - jiffies) > 0 ? (until - jiffies) * TICK_NSEC : 0;
	struct linux_timespec rem = { (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC) };

	if (rem.tv_sec > req->tv_sec || (rem.tv_sec == req->tv_sec && rem.tv_nsec > req->tv_nsec))
		return *req;
	return rem;
}

/*
 * Sleeps @ticks (0: yields). 0, or -EINTR when a signal comes first; then
 * the time left of the relative request @req is stored at urem unless
 * urem is 0 (-EFAULT if it cannot be), as Linux's nanosleep.
 */
static long sleep_ticks(unsigned long ticks, uint64_t urem, const struct linux_timespec *req)
{
	unsigned long until = jiffies + ticks;

	if (!ticks) {
		schedule();
		return 0;
	}
	if (!sleep_until(until))
		return 0;
	if (urem) {
		struct linux_timespec rem = time_left(until, req);
		if (copy_to_user(urem, &rem, sizeof(rem)))
			return -EFAULT;
	}
	return -EINTR;
}

/* nanosleep(const struct timespec *req, struct timespec *rem): an invalid
 * req is EINVAL; rem is written only when a signal's handler interrupts. */
SYS_DECL(nanosleep)
{
	struct linux_timespec ts;
	long err = get_sleep_timespec(a0, &ts);

	(void)a2, (void)a3, (void)a4, (void)a5;
	return err ? err : sleep_ticks(timespec_ticks(&ts, false), a1, &ts);
}

/*
 * clock_nanosleep(clockid, int flags, req, rem): on the clocks that can
 * sleep (REALTIME, MONOTONIC, BOOTTIME, TAI: all one clock here), req
 * relative or, with TIMER_ABSTIME, absolute; other known clocks are
 * EOPNOTSUPP, unknown ones EINVAL. rem is written only when a relative
 * sleep is interrupted by a signal.
 */
SYS_DECL(clock_nanosleep)
{
	int clock = (int)a0, flags = (int)a1;
	struct linux_timespec ts;

	(void)a3, (void)a4, (void)a5;
	if (!clock_known(clock))
		return -EINVAL;
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
	    clock != CLOCK_TAI)
		return -EOPNOTSUPP;
	long err = get_sleep_timespec(a2, &ts);
	if (err)
		return err;
	return sleep_ticks(timespec_ticks(&ts, flags & TIMER_ABSTIME),
			   (flags & TIMER_ABSTIME) ? 0 : a3, &ts);
}

SYS_DECL(uname)
{
	struct linux_utsname u;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, "memvisor", sizeof(u.nodename));
	strlcpy(u.release, "6.0.0-memvisor", sizeof(u.release));
	strlcpy(u.version, "#1 memvisor guest kernel 0.1", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user(a0, &u, sizeof(u));
}

/* getrusage(int who, struct rusage *ru): RUSAGE_SELF is the whole
 * process (every thread), RUSAGE_THREAD the caller, RUSAGE_CHILDREN the
 * process's reaped children. */
SYS_DECL(getrusage)
{
	struct linux_rusage ru;
	const struct task *t = current;
	int who = (int)a0;
	struct task_usage u = { t->min_flt, t->maj_flt, t->utime, t->stime };

	(void)a2, (void)a3, (void)a4, (void)a5;
	memset(&ru, 0, sizeof(ru));
	if (who == RUSAGE_SELF)
		thread_group_usage(t, &u);
	if (who == RUSAGE_SELF || who == RUSAGE_THREAD) {
		ru.ru_maxrss = t->mm ? (int64_t)(t->mm->hiwater_rss * (MM_PAGE_SIZE >> 10)) : 0;
		ru.ru_minflt = (int64_t)u.min_flt;
		ru.ru_majflt = (int64_t)u.maj_flt;
	} else if (who == RUSAGE_CHILDREN) {
		t = thread_leader(t);       /* wait4 counts reaped children there */
		ru.ru_maxrss = (int64_t)t->c_maxrss_kb;
		ru.ru_minflt = (int64_t)t->c_min_flt;
		ru.ru_majflt = (int64_t)t->c_maj_flt;
	} else {
		return -EINVAL;
	}
	return copy_to_user(a1, &ru, sizeof(ru));
}

/*
 * sysinfo(struct sysinfo *info): the figures /proc/meminfo shows (RAM the
 * buddy allocator manages and has free, shmem, swap), in pages
 * (mem_unit = page size); uptime in seconds rounded up, as Linux's.
 */
SYS_DECL(sysinfo)
{
	struct linux_sysinfo si;
	struct buddy *b = page_alloc_buddy();

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	memset(&si, 0, sizeof(si));
	buddy_drain_pcp(b);         /* freeram exact, as MemFree */
	si.uptime = (int64_t)((jiffies + HZ - 1) / HZ);
	for (int i = 0; i < 3; i++)
		si.loads[i] = sched_stat.avenrun[i] << (SI_LOAD_SHIFT - FSHIFT);
	si.totalram = buddy_nr_managed_pages(b);
	si.freeram = buddy_nr_free_pages(b);
	si.sharedram = vm_events[VM_NR_SHMEM_PAGES];
	si.totalswap = swap_total_pages();
	si.freeswap = swap_free_pages();
	si.procs = (uint16_t)schedstat_nr_tasks();
	si.mem_unit = MM_PAGE_SIZE;
	return copy_to_user(a0, &si, sizeof(si));
}
