/*
 * rlimit.h: a process's resource limits (Linux's signal_struct->rlim):
 * one array per thread group, shared by its threads, copied at fork and
 * kept across execve; getrlimit, setrlimit and prlimit64.
 *
 * The limits the address space enforces (RLIMIT_AS, RLIMIT_DATA,
 * RLIMIT_STACK, RLIMIT_MEMLOCK) are written through to the process's mm
 * (uvm.h's uvm_limits) whenever they change, the process's user id
 * changes (setuid) or the process gets a new mm, so uvm.c checks them
 * without reaching for the task. RLIMIT_MEMLOCK binds only a process
 * that is not root: root has CAP_IPC_LOCK, as on Linux (processes start
 * as root; setuid to another user makes the limit bind).
 *
 * Invariant: rlim_cur <= rlim_max for every limit; RLIMIT_NOFILE's max
 * is at most TASK_NR_FILES (the descriptor table's size, this kernel's
 * nr_open). Serialised like sched.h: one CPU, interrupts masked.
 */
#ifndef GUEST_RLIMIT_H
#define GUEST_RLIMIT_H

#include <uapi.h>

struct task;
struct mm;

struct rlimits {
	struct linux_rlimit r[RLIM_NLIMITS];
};

/* Linux's defaults for init (INIT_RLIMITS), the table's size for NOFILE. */
void rlimit_defaults(struct rlimits *lim);
/* t's process's limits into its mm (after exec gave it a new one). */
void rlimit_apply(const struct task *t, struct mm *mm);

#endif
