/*
 * random.h: the kernel's pseudo-random bytes (AT_RANDOM at exec, the
 * getrandom system call). Not cryptographic: a xorshift generator stirred
 * with the TSC at every draw, so values differ per call and per boot.
 */
#ifndef GUEST_RANDOM_H
#define GUEST_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* A generator; callers serialise on it (one CPU runs the kernel). */
struct rng {
	uint64_t state;            /* never 0 */
};

/* The kernel's one generator. */
extern struct rng kernel_rng;

/* Fills n bytes of out. */
void rng_fill(struct rng *r, void *out, size_t n);

#endif
