/*
 * sigtest: signals as Linux delivers them, checked one claim per line
 * ("sigtest: CLAIM: ok" or "... FAILED: got X, want Y"), then "sigtest: N
 * passed, M failed"; exits 0 when none failed.
 *
 * Claims: a handler runs and returns to the interrupted code with the
 * ABI's stack alignment below the red zone; a SIGSEGV from a store to a
 * read-only page reaches an SA_SIGINFO handler with si_code/si_addr, the
 * handler mprotects the page and the store, retried, lands; SIGSEGV
 * (SEGV_MAPERR), SIGILL and SIGFPE carry Linux's codes to a handler that
 * siglongjmps out; a blocked
 * signal stays pending and arrives on unblock; SIG_IGN; SA_RESETHAND,
 * SA_NODEFER, SA_ONSTACK (and SS_AUTODISARM); tgkill; SIGTERM and SIGKILL of a child with
 * wait4's status; a child that blocks and ignores SIGTERM survives it but
 * not SIGKILL; SIGCHLD with CLD_EXITED and rt_sigsuspend; children of a
 * parent ignoring SIGCHLD leave no status (wait4: ECHILD); wait4 and a
 * pipe read interrupted by a handler (EINTR) or restarted (SA_RESTART);
 * nanosleep interrupted with the time left; the interrupted code's SSE
 * registers survive a handler that changes them; a hostile rt_sigreturn
 * frame gets SIGSEGV or user selectors and flags, never a kernel crash.
 *
 * Handlers record what they saw in `seen` (the only state they may touch;
 * a handler cannot be passed state, so it is a file static).
 */
#define _GNU_SOURCE
#include "claims.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define PAGE 4096
#define RED_ZONE 128
#define KERNEL_UCONTEXT 304          /* the kernel's ucontext, then siginfo, end the frame */
#define KERNEL_SIGINFO 128

static struct claims claims = { .prog = "sigtest" };
#define check(what, got, want) claims_check(&claims, what, got, want)

static struct {
	volatile int count;
	volatile int signo, code, status, pid;
	volatile uintptr_t addr, uc, rsp, local;
	volatile int blocked_self;    /* the signal was in the mask inside the handler */
} seen;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	sigset_t now;
	volatile char local;

	seen.count++;
	seen.signo = sig;
	seen.code = si->si_code;
	seen.addr = (uintptr_t)si->si_addr;
	seen.pid = si->si_pid;
	seen.status = si->si_status;
	seen.uc = (uintptr_t)uc;
	seen.rsp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	seen.local = (uintptr_t)&local;
	sigprocmask(SIG_BLOCK, NULL, &now);
	seen.blocked_self = sigismember(&now, sig);
}

/* A SIGSEGV handler that makes the faulting page writable and returns. */
static void make_writable(int sig, siginfo_t *si, void *uc)
{
	on_signal(sig, si, uc);
	mprotect((void *)((uintptr_t)si->si_addr & ~(uintptr_t)(PAGE - 1)), PAGE,
		 PROT_READ | PROT_WRITE);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static void forget(void)
{
	memset((void *)&seen, 0, sizeof(seen));
}

static void handler_runs_and_returns(void)
{
	forget();
	handle(SIGUSR1, on_signal, 0);
	check("kill of self returns 0", kill(getpid(), SIGUSR1), 0);
	check("the handler ran once before kill returned", seen.count, 1);
	check("si_signo is SIGUSR1", seen.signo, SIGUSR1);
	check("si_code is SI_USER", seen.code, SI_USER);
	check("si_pid is the sender", seen.pid, getpid());
	/* rt_sigframe: pretcode at rsp, ucontext at rsp + 8, so rsp + 8 aligned */
	check("at handler entry rsp + 8 is 16-byte aligned (ucontext at rsp + 8)", seen.uc % 16, 0);
	check("the frame is below the interrupted rsp's red zone",
	      seen.uc + KERNEL_UCONTEXT + KERNEL_SIGINFO <= seen.rsp - RED_ZONE, 1);
}

static void segv_handler_fixes_the_page_and_the_store_retries(void)
{
	volatile char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	forget();
	handle(SIGSEGV, make_writable, 0);
	p[100] = 0x5a;
	check("a store to a read-only page raises SIGSEGV once", seen.count, 1);
	check("si_signo is SIGSEGV", seen.signo, SIGSEGV);
	check("si_code is SEGV_ACCERR", seen.code, SEGV_ACCERR);
	check("si_addr is the faulting address", seen.addr == (uintptr_t)(p + 100), 1);
	check("the retried store landed (byte 0x5a)", p[100], 0x5a);
	munmap((void *)p, PAGE);
	signal(SIGSEGV, SIG_DFL);
}

static sigjmp_buf escape;

/* Records the fault, then leaves the faulting code for good (siglongjmp). */
static void record_and_escape(int sig, siginfo_t *si, void *uc)
{
	on_signal(sig, si, uc);
	siglongjmp(escape, 1);
}

/* Runs fn with sig caught by record_and_escape; true when the handler ran. */
static bool faults(void (*fn)(void), int sig)
{
	forget();
	handle(sig, record_and_escape, 0);
	if (!sigsetjmp(escape, 1))
		fn();
	signal(sig, SIG_DFL);
	return seen.count == 1 && seen.signo == sig;
}

static volatile uintptr_t low_address = 16;   /* volatile: no compile-time bounds */

static void read_unmapped(void)
{
	(void)*(volatile char *)low_address;
}

static void invalid_opcode(void)
{
	__asm__ __volatile__("ud2");
}

static void divide_by_zero(void)
{
	__asm__ __volatile__("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd\n\tidivl %%ecx"
			     : : : "eax", "ecx", "edx");
}

static void faults_reach_handlers_with_linux_codes(void)
{
	sigset_t now;

	check("a read of address 16 raises SIGSEGV", faults(read_unmapped, SIGSEGV), 1);
	check("with si_code SEGV_MAPERR", seen.code, SEGV_MAPERR);
	check("and si_addr 16", seen.addr, 16);
	sigprocmask(SIG_BLOCK, NULL, &now);
	check("siglongjmp out of the handler unblocks SIGSEGV again", sigismember(&now, SIGSEGV), 0);
	check("ud2 raises SIGILL", faults(invalid_opcode, SIGILL), 1);
	check("with si_code ILL_ILLOPN", seen.code, ILL_ILLOPN);
	check("and si_addr the instruction", seen.addr == (uintptr_t)invalid_opcode ||
	      (seen.addr > (uintptr_t)invalid_opcode && seen.addr < (uintptr_t)invalid_opcode + 16), 1);
	check("an integer division by zero raises SIGFPE", faults(divide_by_zero, SIGFPE), 1);
	check("with si_code FPE_INTDIV", seen.code, FPE_INTDIV);
}

static void blocked_signal_waits_for_unblock(void)
{
	sigset_t set, pending;

	forget();
	handle(SIGUSR1, on_signal, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	check("a blocked signal does not run its handler", seen.count, 0);
	sigpending(&pending);
	check("rt_sigpending lists it", sigismember(&pending, SIGUSR1), 1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check("unblocking delivers it", seen.count, 1);
	sigpending(&pending);
	check("and it is no longer pending", sigismember(&pending, SIGUSR1), 0);
}

static void ignored_and_flagged_actions(void)
{
	struct sigaction old;

	forget();
	signal(SIGUSR2, SIG_IGN);
	check("SIG_IGN: kill of self with SIGUSR2 returns 0 and the task lives",
	      kill(getpid(), SIGUSR2), 0);
	handle(SIGUSR2, on_signal, SA_RESETHAND);
	kill(getpid(), SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	check("SA_RESETHAND: the handler ran", seen.count, 1);
	check("SA_RESETHAND: the action is SIG_DFL after it", old.sa_handler == SIG_DFL, 1);
	check("without SA_NODEFER the signal is blocked in its handler", seen.blocked_self, 1);
	forget();
	handle(SIGUSR1, on_signal, SA_NODEFER);
	kill(getpid(), SIGUSR1);
	check("SA_NODEFER: the signal is not blocked in its handler", seen.blocked_self, 0);
	forget();
	check("tgkill of self returns 0", syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1), 0);
	check("tgkill's si_code is SI_TKILL", seen.code, SI_TKILL);
}

/* Records the alternate stack's flags as the handler sees them (in seen.status). */
static void report_altstack(int sig, siginfo_t *si, void *uc)
{
	stack_t now;

	(void)sig, (void)si, (void)uc;
	sigaltstack(NULL, &now);
	seen.status = now.ss_flags;
}

static void altstack_runs_the_handler_there(void)
{
	static char alt[4 * 8192] __attribute__((aligned(16)));
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 }, old;

	forget();
	check("sigaltstack sets the stack", sigaltstack(&ss, NULL), 0);
	handle(SIGUSR1, on_signal, SA_ONSTACK);
	kill(getpid(), SIGUSR1);
	check("SA_ONSTACK: the handler's locals are on the alternate stack",
	      seen.local >= (uintptr_t)alt && seen.local < (uintptr_t)alt + sizeof(alt), 1);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, &old);
	check("sigaltstack reports the old stack, not in use", old.ss_sp == alt && old.ss_flags == 0, 1);
	forget();
	ss.ss_flags = SS_AUTODISARM;
	sigaltstack(&ss, NULL);
	handle(SIGUSR1, report_altstack, SA_ONSTACK);
	kill(getpid(), SIGUSR1);
	check("SS_AUTODISARM: the stack is disarmed inside the handler", seen.status, SS_DISABLE);
	sigaltstack(NULL, &old);
	check("and armed again after rt_sigreturn", (unsigned)old.ss_flags == SS_AUTODISARM, 1);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	handle(SIGUSR1, on_signal, 0);
}

/* Forks a child running fn; returns its pid. */
static pid_t spawn(void (*fn)(int), int arg)
{
	pid_t c = fork();

	if (c == 0) {
		fn(arg);
		_exit(0);
	}
	return c;
}

static void pause_forever(int unused)
{
	(void)unused;
	for (;;)
		pause();
}

/* Blocks and ignores SIGTERM, says "r" on fd, then "p" once SIGTERM is pending. */
static void shrug_off_sigterm(int fd)
{
	sigset_t all, pending;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	signal(SIGTERM, SIG_IGN);
	write(fd, "r", 1);
	do {
		sched_yield();
		sigpending(&pending);
	} while (!sigismember(&pending, SIGTERM));
	write(fd, "p", 1);
	pause_forever(0);
}

static void kill_children_and_wait_status(void)
{
	int st = 0, fds[2];
	char c;
	pid_t pid = spawn(pause_forever, 0);

	check("SIGTERM to a child returns 0", kill(pid, SIGTERM), 0);
	check("wait4 returns the child", wait4(pid, &st, 0, NULL), pid);
	check("WIFSIGNALED && WTERMSIG == SIGTERM", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGTERM);
	pipe(fds);
	pid = spawn(shrug_off_sigterm, fds[1]);
	read(fds[0], &c, 1);
	kill(pid, SIGTERM);
	check("a child blocking and ignoring SIGTERM keeps it pending and lives",
	      read(fds[0], &c, 1) == 1 && c == 'p', 1);
	kill(pid, SIGKILL);
	wait4(pid, &st, 0, NULL);
	check("SIGKILL ends it anyway (cannot be blocked)", WIFSIGNALED(st) ? WTERMSIG(st) : -1, SIGKILL);
	close(fds[0]);
	close(fds[1]);
}

static void exit_seven(int unused)
{
	(void)unused;
	_exit(7);
}

static void sigchld_reaches_the_parent(void)
{
	sigset_t block, old;
	int st = 0;

	forget();
	handle(SIGCHLD, on_signal, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t pid = spawn(exit_seven, 0);
	while (!seen.count)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check("SIGCHLD handler ran (rt_sigsuspend woke)", seen.signo, SIGCHLD);
	check("SIGCHLD si_code is CLD_EXITED", seen.code, CLD_EXITED);
	check("SIGCHLD si_pid is the child", seen.pid, pid);
	check("SIGCHLD si_status is the exit code", seen.status, 7);
	check("wait4 then gives WEXITSTATUS 7", wait4(pid, &st, 0, NULL) == pid && WIFEXITED(st) ?
	      WEXITSTATUS(st) : -1, 7);
	signal(SIGCHLD, SIG_DFL);
}

static void ignored_sigchld_reaps_children(void)
{
	pid_t pid;

	signal(SIGCHLD, SIG_IGN);
	pid = spawn(exit_seven, 0);
	errno = 0;
	check("with SIGCHLD ignored wait4 waits for the child, then fails",
	      wait4(pid, NULL, 0, NULL), -1);
	check("with ECHILD: the child was reaped without a status", errno, ECHILD);
	signal(SIGCHLD, SIG_DFL);
}

/* The state letter of /proc/PID/stat, or 0. */
static char task_state(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] ? p[2] : 0;
}

/* Waits until the parent sleeps (in wait4), signals it, then waits to die or exits with code. */
static void interrupt_parent(int code)
{
	pid_t parent = getppid();

	while (task_state(parent) != 'S')
		sched_yield();
	kill(parent, SIGUSR1);
	if (code < 0)
		pause_forever(0);
	_exit(code);
}

static void wait4_is_interrupted_or_restarted(void)
{
	int st = 0;
	pid_t pid;

	forget();
	handle(SIGUSR1, on_signal, 0);
	pid = spawn(interrupt_parent, -1);
	errno = 0;
	check("wait4 interrupted by a handler without SA_RESTART fails", wait4(pid, &st, 0, NULL), -1);
	check("with EINTR", errno, EINTR);
	check("after the handler ran", seen.count, 1);
	kill(pid, SIGKILL);
	wait4(pid, &st, 0, NULL);
	forget();
	handle(SIGUSR1, on_signal, SA_RESTART);
	pid = spawn(interrupt_parent, 5);
	check("wait4 under SA_RESTART is restarted and returns the child", wait4(pid, &st, 0, NULL), pid);
	check("the handler ran during it", seen.count, 1);
	check("and the status is the child's", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 5);
}

/* interrupt_parent, then a byte into the pipe fd for the parent's read. */
static void interrupt_parent_then_write(int fd)
{
	pid_t parent = getppid();

	while (task_state(parent) != 'S')
		sched_yield();
	kill(parent, SIGUSR1);
	write(fd, "x", 1);
	_exit(0);
}

static void pipe_read_is_interrupted_or_restarted(void)
{
	int fds[2], st;
	char c = 0;
	pid_t pid;

	pipe(fds);
	forget();
	handle(SIGUSR1, on_signal, 0);
	pid = spawn(interrupt_parent, 0);
	errno = 0;
	check("a read of an empty pipe interrupted by a handler fails with EINTR",
	      read(fds[0], &c, 1) == -1 ? errno : 0, EINTR);
	wait4(pid, &st, 0, NULL);
	forget();
	handle(SIGUSR1, on_signal, SA_RESTART);
	pid = spawn(interrupt_parent_then_write, fds[1]);
	check("under SA_RESTART the read is restarted and gets the byte", read(fds[0], &c, 1) == 1 && c == 'x', 1);
	check("after the handler ran", seen.count, 1);
	wait4(pid, &st, 0, NULL);
	close(fds[0]);
	close(fds[1]);
	handle(SIGUSR1, on_signal, 0);
}

static void nanosleep_is_interrupted_with_the_time_left(void)
{
	struct timespec req = { 10, 0 }, rem = { -1, -1 };
	int st;

	forget();
	handle(SIGUSR1, on_signal, SA_RESTART);   /* nanosleep is never restarted */
	pid_t pid = spawn(interrupt_parent, 0);
	errno = 0;
	check("nanosleep interrupted by a handler fails with EINTR",
	      nanosleep(&req, &rem) == -1 ? errno : 0, EINTR);
	printf("sigtest: nanosleep of 10 s interrupted with %lld.%09ld s left\n", (long long)rem.tv_sec,
	       rem.tv_nsec);
	check("and stores the time left, at most the 10 s asked",
	      rem.tv_sec >= 0 && rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000 &&
	      (rem.tv_sec < 10 || (rem.tv_sec == 10 && rem.tv_nsec == 0)) && (rem.tv_sec || rem.tv_nsec), 1);
	wait4(pid, &st, 0, NULL);
}

static void clobber_xmm0(int sig, siginfo_t *si, void *uc)
{
	(void)si, (void)uc, (void)sig;
	__asm__ __volatile__("pxor %%xmm0, %%xmm0" : : : "xmm0");
	seen.count++;
}

static void handler_does_not_change_the_interrupted_fpu_state(void)
{
	uint64_t in = 0x4093480000000000ull, out = 0;   /* 1234.0 */

	forget();
	handle(SIGUSR1, clobber_xmm0, 0);
	__asm__ __volatile__("movq %[in], %%xmm0\n\t"
			     "mov $62, %%eax\n\t"            /* kill(getpid(), SIGUSR1) */
			     "syscall\n\t"
			     "movq %%xmm0, %[out]"
			     : [out] "=r"(out)
			     : [in] "r"(in), "D"((long)getpid()), "S"((long)SIGUSR1)
			     : "rax", "rcx", "r11", "xmm0", "memory");
	check("a handler that zeroes xmm0 ran", seen.count, 1);
	check("xmm0 of the interrupted code is restored by rt_sigreturn", out == in, 1);
	handle(SIGUSR1, on_signal, 0);
}

/* Where a forged frame's rip lands: exit 42 when user mode has IOPL 0 and no TF. */
static void landing(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(flags));
	_exit((flags & 0x3100) == 0 ? 42 : 1);
}

static char landing_stack[8192] __attribute__((aligned(16)));

/* rt_sigreturn with uc as the frame (rsp = uc: pretcode would be at rsp - 8). */
static void sigreturn_with(ucontext_t *uc)
{
	__asm__ __volatile__("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall\n\tud2" : : "r"(uc) : "memory");
	__builtin_unreachable();
}

static void forged_frame(int kind)
{
	static ucontext_t uc __attribute__((aligned(16)));

	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)landing;
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)(uintptr_t)(landing_stack + sizeof(landing_stack) - 8);
	uc.uc_mcontext.gregs[REG_EFL] = 0x3302;      /* IOPL 3, TF, IF */
	uc.uc_mcontext.gregs[REG_CSGSFS] = 0x0008 | (0x10ll << 48); /* kernel cs and ss */
	if (kind == 1)
		uc.uc_mcontext.gregs[REG_RIP] = (greg_t)0xffff800000001000ull;
	if (kind == 2)
		uc.uc_mcontext.gregs[REG_RIP] = (greg_t)0x0000900000000000ull; /* non-canonical */
	if (kind == 3)
		sigreturn_with((ucontext_t *)16);     /* an unmapped frame */
	sigreturn_with(&uc);
}

static int child_status(int kind)
{
	int st = 0;
	pid_t pid = spawn(forged_frame, kind);

	wait4(pid, &st, 0, NULL);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void hostile_sigreturn_frames(void)
{
	check("a forged frame with kernel cs/ss and IOPL 3 returns to user mode with user "
	      "selectors, IOPL 0 and no TF (exit 42)", child_status(0), 42);
	check("a frame with a kernel rip gets SIGSEGV", child_status(1), 128 + SIGSEGV);
	check("a frame with a non-canonical rip gets SIGSEGV", child_status(2), 128 + SIGSEGV);
	check("an unreadable frame gets SIGSEGV", child_status(3), 128 + SIGSEGV);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	handler_runs_and_returns();
	segv_handler_fixes_the_page_and_the_store_retries();
	faults_reach_handlers_with_linux_codes();
	blocked_signal_waits_for_unblock();
	ignored_and_flagged_actions();
	altstack_runs_the_handler_there();
	kill_children_and_wait_status();
	sigchld_reaches_the_parent();
	ignored_sigchld_reaps_children();
	wait4_is_interrupted_or_restarted();
	pipe_read_is_interrupted_or_restarted();
	nanosleep_is_interrupted_with_the_time_left();
	handler_does_not_change_the_interrupted_fpu_state();
	hostile_sigreturn_frames();
	return claims_report(&claims);
}
