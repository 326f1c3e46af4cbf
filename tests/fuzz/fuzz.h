/*
 * fuzz.h: what the libFuzzer harnesses in tests/fuzz/ share: a cursor that
 * takes fixed-size fields off the front of an input (zero once it runs
 * dry, so every input is valid), one small guest RAM made once per process,
 * and FUZZ_ASSERT, which aborts so that libFuzzer keeps the input.
 *
 * Each harness is tests/fuzz/fuzz_NAME.c with its seeds in corpus/NAME/ and
 * the inputs of fixed crashes in regressions/NAME/ (mk/quality.mk).
 */
#ifndef FUZZ_H
#define FUZZ_H

#include "memory.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_RAM_SIZE MEM_MIN_SIZE    /* 4 MiB: cheap, still several page tables */

#define FUZZ_ASSERT(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: %s: assertion '%s' failed\n",	\
				__FILE__, __LINE__, __func__, #cond);		\
			abort();						\
		}								\
	} while (0)

struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

/* Takes n bytes (little endian) off the front; missing bytes read as 0. */
static inline uint64_t fuzz_take(struct fuzz_in *in, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++, in->p++, in->left--) {
		if (!in->left)
			break;
		v |= (uint64_t)*in->p << (8 * i);
	}
	return v;
}

/* The guest RAM every input of this process runs against (made once). */
static inline struct guest_memory *fuzz_guest_memory(void)
{
	static struct guest_memory m;
	static int ready;
	struct mv_error err;
	if (!ready) {
		if (mem_init(&m, FUZZ_RAM_SIZE, MEM_BACKING_ANON, &err) < 0) {
			fprintf(stderr, "fuzz: guest memory: %s\n", err.msg);
			abort();
		}
		ready = 1;
	}
	return &m;
}

/* A malloc'd copy of exactly size bytes: ASan sees any read past the input. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	FUZZ_ASSERT(buf);
	memcpy(buf, data, size);
	return buf;
}

/* The input as a malloc'd NUL-terminated string (cut at its first NUL). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = calloc(1, size + 1);
	FUZZ_ASSERT(s);
	memcpy(s, data, size);
	return s;
}

/* Reads one byte for real, so ASan sees an access past a buffer. */
static inline void fuzz_touch(const volatile uint8_t *p)
{
	(void)*p;
}

/*
 * Whether a failure rc came with err filled: the same code and a non-empty
 * NUL-terminated reason. (It may quote the input, newlines and all:
 * callers print or JSON-escape it.)
 */
static inline int fuzz_error_ok(const struct mv_error *err, int rc)
{
	size_t n = strnlen(err->msg, sizeof(err->msg));
	return rc < 0 && err->code == rc && n > 0 && n < sizeof(err->msg);
}

/*
 * The input as a file a command can open (/proc/self/fd/N): one memfd per
 * process, rewritten each time. The first call sends stdout to /dev/null,
 * where the commands' output goes.
 */
static inline const char *fuzz_input_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz_input", MFD_CLOEXEC);
		FUZZ_ASSERT(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		FUZZ_ASSERT(freopen("/dev/null", "w", stdout) != NULL);
	}
	FUZZ_ASSERT(ftruncate(fd, 0) == 0);
	FUZZ_ASSERT(pwrite(fd, data, size, 0) == (ssize_t)size);
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
