/*
 * random.c: the kernel's pseudo-random bytes (random.h) and the
 * getrandom system call. Invariant: a generator's state is never 0 (the
 * xorshift fixed point); the TSC is mixed in before each 8 bytes.
 */
#include <random.h>
#include <syscall.h>
#include <uaccess.h>
#include <errno.h>
#include <uapi.h>
#include <string.h>
#include <mm_util.h>
#include <asm/cpu.h>

#define GETRANDOM_CHUNK 256u

struct rng kernel_rng = { .state = 0x9e3779b97f4a7c15ull };

static uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->state ^ rdtsc();

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->state = x ? x : 0x9e3779b97f4a7c15ull;
	return x;
}

void rng_fill(struct rng *r, void *out, size_t n)
{
	uint8_t *p = out;

	while (n) {
		uint64_t v = rng_next(r);
		size_t c = n < sizeof(v) ? n : sizeof(v);
		memcpy(p, &v, c);
		p += c;
		n -= c;
	}
}

/*
 * getrandom(buf, size_t count, unsigned int flags): unknown flags, or
 * GRND_INSECURE with GRND_RANDOM, are EINVAL; count is clamped to
 * MAX_RW_COUNT; the pool never blocks (it is always "initialised").
 * Returns the bytes written, or -EFAULT when none could be.
 */
SYS_DECL(getrandom)
{
	unsigned int flags = (unsigned int)a2;
	uint8_t chunk[GETRANDOM_CHUNK];
	uint64_t n = MM_MIN(a1, (uint64_t)MAX_RW_COUNT), done = 0;

	(void)a3, (void)a4, (void)a5;
	if (flags & ~(unsigned int)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (!access_ok(a0, n))      /* import_ubuf's check: even for 0 bytes */
		return -EFAULT;
	while (done < n) {
		uint64_t c = MM_MIN(n - done, (uint64_t)sizeof(chunk));
		rng_fill(&kernel_rng, chunk, c);
		if (copy_to_user(a0 + done, chunk, c))
			return done ? (long)done : -EFAULT;
		done += c;
	}
	return (long)done;
}
