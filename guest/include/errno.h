/*
 * errno.h: Linux's errno values (asm-generic/errno-base.h), which system
 * calls return negated. mm/ uses the same numbers (MM_E*).
 */
#ifndef GUEST_ERRNO_H
#define GUEST_ERRNO_H

#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EXDEV   18
#define EEXIST  17
#define ENODEV  19
#define ENOTDIR 20
#define EISDIR  21
#define EINVAL  22
#define EMFILE  24
#define EFBIG   27
#define ENOSPC  28
#define ENOTTY  25
#define ESPIPE  29
#define EROFS   30
#define EPIPE   32
#define ERANGE  34
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ENOTEMPTY 39
#define ETIMEDOUT 110
#define EOVERFLOW 75
#define ELIBBAD 80
#define EOPNOTSUPP 95

/* Kernel-internal (never seen by user space, as Linux's): a system call
 * interrupted by a signal is restarted or fails with EINTR on the way out
 * (signal.h). RESTARTSYS restarts unless a handler without SA_RESTART
 * ran; RESTARTNOHAND restarts only when no handler ran. */
#define ERESTARTSYS    512
#define ERESTARTNOHAND 514

#endif
