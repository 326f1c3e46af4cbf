/*
 * lazy.h: lazy restore (`memvisor run --restore FILE --lazy`): guest RAM
 * is registered with userfaultfd instead of being read up front, so the
 * VM starts at once and each page is filled on its first access, from the
 * save file when the file holds it, else as a zero page. A background
 * thread prefetches the rest of the file's pages meanwhile; once it has
 * filled them all, RAM is unregistered and faults are the kernel's again.
 *
 * Who fills a page: the fault thread (for the vCPU, device worker or host
 * thread blocked on it) or the prefetcher, whichever copies first; the
 * other's copy fails with EEXIST and wakes any waiter. `filled` (one bit
 * per page, set with atomics by both) tells a first fault of a saved page
 * (copy from the file) from a later one after a discard by the balloon
 * (MADV_DONTNEED: the guest gave the page away, a zero page is right).
 * A saved page the balloon discards before anyone filled it is filled
 * from the file on its next access (the guest then sees its old bytes,
 * not zeros; nothing in a balloon driver depends on either).
 *
 * Counters are written by the two threads and read by anyone (atomics).
 * Lifecycle: lazy_start after machine_assemble and before anything reads
 * guest RAM (restore_machine, the vCPUs, the device workers);
 * lazy_stop after every thread that may touch RAM is done (after
 * vm_wait, the control thread and the final snapshots), before
 * machine_destroy. Only anonymous backing (the default) is supported.
 */
#ifndef VMM_LAZY_H
#define VMM_LAZY_H

#include "savefile.h"

#include <pthread.h>
#include <stdbool.h>

struct lazy_counters {
	uint64_t faulted;        /* saved pages filled from the file on a fault */
	uint64_t zero_faults;    /* faults filled with a zero page */
	uint64_t prefetched;     /* saved pages filled by the prefetcher */
	uint64_t to_fetch;       /* saved pages in all (fixed) */
	bool prefetch_done;      /* every saved page filled, RAM unregistered */
};

struct lazy_restore {
	int uffd;
	int file_fd;
	int stop_pipe[2];                 /* written once by lazy_stop */
	const struct guest_memory *mem;
	const struct save_image *img;     /* its bitmaps; outlives the restore */
	uint8_t *filled[MEM_MAX_SLOTS];   /* 1 bit per page, atomics */
	pthread_t fault_thread, prefetch_thread;
	bool fault_started, prefetch_started;
	bool stop;                        /* atomic: the prefetcher ends */
	struct lazy_counters c;           /* atomics, see above */
};

/*
 * Registers all of mem with a new userfaultfd and starts the two threads.
 * Returns 0, or a negative errno with one line in err (nothing left
 * registered or running then).
 */
int lazy_start(struct lazy_restore *l, const struct guest_memory *mem,
	       const struct save_image *img, const char *path, struct mv_error *err);

/* A consistent-enough copy of the counters (each read atomically). */
void lazy_counters(const struct lazy_restore *l, struct lazy_counters *out);

/* Stops and joins the threads, closes the descriptors. */
void lazy_stop(struct lazy_restore *l);

#endif
