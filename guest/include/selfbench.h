/*
 * selfbench.h: mm.selfbench=1, the allocator loops of `make bench-mm` run
 * in the kernel at boot (selfbench.c).
 */
#ifndef GUEST_SELFBENCH_H
#define GUEST_SELFBENCH_H

/* Runs every row, ops operations each, and prints its cost per operation. */
void selfbench_run(unsigned long ops);

#endif
