/*
 * syscall.h: system-call entry and dispatch (Linux x86-64 ABI: number in
 * rax, arguments in rdi, rsi, rdx, r10, r8, r9, result or -errno in rax).
 *
 * Two entries reach syscall_dispatch with the user frame at the top of the
 * task's kernel stack:
 *  - native: `syscall` enters syscall_entry (entry.S) at CPL 0, which
 *    builds the frame on the kernel stack and returns with iretq;
 *  - fault: on a CPU whose `syscall` jumps to LSTAR but stays at CPL 3
 *    (the PVM flavour of KVM), fetching syscall_entry from user mode
 *    raises #PF at LSTAR (kernel text is supervisor-only); syscall_trap
 *    recognises that fault and runs the call with RCX/R11 as the return
 *    RIP/RFLAGS. Nothing user-executable is mapped at LSTAR.
 * The first system call shows which one this CPU uses (logged once); after
 * that the other path is refused, so a user jump to LSTAR is a plain fault.
 */
#ifndef GUEST_SYSCALL_H
#define GUEST_SYSCALL_H

#include <stdbool.h>
#include <asm/ptrace.h>

#define SYSCALL_NR_MAX 512
#define SYSCALL_VECTOR 0x100   /* pt_regs.vector of a native system call */

extern const char *const syscall_names[SYSCALL_NR_MAX];

/* Programs STAR/LSTAR/SFMASK. */
void syscall_init(void);
/* Runs the system call in regs (either entry). */
void syscall_dispatch(struct pt_regs *regs);
/* #PF hook: true when the fault was a CPL 3 `syscall` and it was run. */
bool syscall_trap(struct pt_regs *regs, unsigned long cr2);

typedef long (*syscall_fn)(unsigned long a0, unsigned long a1, unsigned long a2,
			   unsigned long a3, unsigned long a4, unsigned long a5);

/* The system calls, by file. */

#define SYS_DECL(name) long sys_##name(unsigned long a0, unsigned long a1, unsigned long a2, \
				       unsigned long a3, unsigned long a4, unsigned long a5)
SYS_DECL(read); SYS_DECL(write); SYS_DECL(writev); SYS_DECL(readv); SYS_DECL(open); SYS_DECL(openat);
SYS_DECL(close); SYS_DECL(lseek); SYS_DECL(fstat); SYS_DECL(ioctl); SYS_DECL(stat);
SYS_DECL(exit); SYS_DECL(exit_group); SYS_DECL(getpid); SYS_DECL(getppid); SYS_DECL(gettid);
SYS_DECL(fork); SYS_DECL(vfork); SYS_DECL(clone); SYS_DECL(execve); SYS_DECL(wait4);
SYS_DECL(kill); SYS_DECL(sched_yield); SYS_DECL(nanosleep); SYS_DECL(clock_gettime);
SYS_DECL(arch_prctl); SYS_DECL(set_tid_address); SYS_DECL(uname); SYS_DECL(getrusage);
SYS_DECL(brk); SYS_DECL(mmap); SYS_DECL(munmap); SYS_DECL(mprotect); SYS_DECL(madvise);
SYS_DECL(newfstatat); SYS_DECL(getdents64); SYS_DECL(chdir); SYS_DECL(fchdir);
SYS_DECL(getcwd); SYS_DECL(dup); SYS_DECL(dup2); SYS_DECL(dup3); SYS_DECL(fcntl);
SYS_DECL(pipe); SYS_DECL(pipe2); SYS_DECL(sysinfo); SYS_DECL(root_id);
SYS_DECL(poll); SYS_DECL(ppoll); SYS_DECL(time); SYS_DECL(clock_getres);
SYS_DECL(readlink); SYS_DECL(readlinkat); SYS_DECL(clock_nanosleep);
SYS_DECL(rt_sigaction); SYS_DECL(rt_sigprocmask); SYS_DECL(rt_sigreturn); SYS_DECL(rt_sigpending);
SYS_DECL(rt_sigsuspend); SYS_DECL(pause); SYS_DECL(sigaltstack); SYS_DECL(tkill); SYS_DECL(tgkill);
SYS_DECL(pread64); SYS_DECL(access); SYS_DECL(faccessat); SYS_DECL(faccessat2);
SYS_DECL(getrandom);
SYS_DECL(getuid); SYS_DECL(setuid);
SYS_DECL(shmget); SYS_DECL(shmat); SYS_DECL(shmdt); SYS_DECL(shmctl);
SYS_DECL(pwrite64); SYS_DECL(creat); SYS_DECL(unlink); SYS_DECL(unlinkat); SYS_DECL(rmdir);
SYS_DECL(mkdir); SYS_DECL(mkdirat); SYS_DECL(rename); SYS_DECL(renameat); SYS_DECL(renameat2);
SYS_DECL(ftruncate); SYS_DECL(truncate); SYS_DECL(fsync); SYS_DECL(memfd_create);
SYS_DECL(getxattr); SYS_DECL(lgetxattr); SYS_DECL(fgetxattr); SYS_DECL(setxattr);
SYS_DECL(lsetxattr); SYS_DECL(fsetxattr); SYS_DECL(listxattr); SYS_DECL(llistxattr);
SYS_DECL(flistxattr); SYS_DECL(removexattr); SYS_DECL(lremovexattr); SYS_DECL(fremovexattr);
SYS_DECL(prctl);
SYS_DECL(clone3); SYS_DECL(futex); SYS_DECL(set_robust_list); SYS_DECL(get_robust_list);
SYS_DECL(getrlimit); SYS_DECL(setrlimit); SYS_DECL(prlimit64);
SYS_DECL(alarm); SYS_DECL(umask); SYS_DECL(msync); SYS_DECL(gettimeofday); SYS_DECL(getcpu); SYS_DECL(statx); SYS_DECL(statfs); SYS_DECL(fstatfs);
SYS_DECL(mbind); SYS_DECL(set_mempolicy); SYS_DECL(get_mempolicy);
SYS_DECL(mlock); SYS_DECL(mlock2); SYS_DECL(munlock); SYS_DECL(mlockall); SYS_DECL(munlockall);

#endif
