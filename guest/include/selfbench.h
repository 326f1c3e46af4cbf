/*
 * selfbench.h: mm.selfbench=1, the allocator loops of `make bench-mm` run
 * in the kernel at boot (selfbench.c).
 */
#ifndef GUEST_SELFBENCH_H
#define GUEST_SELFBENCH_H

/* Runs every row, ops operations each, and prints its cost per operation. */
void selfbench_run(unsigned long ops);
/* mm.selfbench_smp=1: kmalloc and page pairs on every online CPU at once,
 * ops each, and a remote TLB flush's round trip; prints rates per CPU and
 * in all. Call with the kernel lock held once (kernel_main). */
void selfbench_smp_run(unsigned long ops);

#endif
