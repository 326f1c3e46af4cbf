/*
 * lazy.h: lazy restore (`memvisor run --restore FILE --lazy`): guest RAM
 * is registered with userfaultfd instead of being read up front, so the
 * VM starts at once and each page is filled on its first access, from the
 * save file when the file holds it, else as a zero page. A background
 * thread prefetches the rest of the file's pages meanwhile (not with
 * --lazy=demand); once it has filled them all, RAM is unregistered and
 * faults are the kernel's again.
 *
 * Who fills a page: the fault thread (for the vCPU, device worker or host
 * thread blocked on it) or the prefetcher, whichever copies first; the
 * other's copy fails with EEXIST and wakes any waiter. `filled` (one bit
 * per page, set with atomics) tells a first fault of a saved page (copy
 * from the file) from a later one after a discard by the balloon
 * (MADV_DONTNEED: the guest gave the page away, a zero page is right).
 * A saved page discarded before anyone filled it reads zero too, as it
 * would without a lazy restore (mem_discard's promise): the discard hook
 * marks it filled first, so no fill copies its old bytes back. fill_lock
 * orders that mark against each copy's check-then-copy.
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
	uint64_t discarded;      /* saved pages discarded before any fill: zero */
	uint64_t to_fetch;       /* saved pages in all (fixed): the three above once done */
	bool prefetch_done;      /* every saved page filled, RAM unregistered */
};

struct lazy_restore {
	int uffd;
	int file_fd;
	int stop_pipe[2];                 /* written once by lazy_stop */
	struct guest_memory *mem;         /* its discard hook is ours while we run */
	const struct save_image *img;     /* its bitmaps; outlives the restore */
	uint8_t *filled[MEM_MAX_SLOTS];   /* 1 bit per page, atomics */
	pthread_t fault_thread, prefetch_thread;
	bool fault_started, prefetch_started;
	pthread_mutex_t fill_lock;        /* a copy's check and copy; a discard's mark */
	bool lock_made;
	bool stop;                        /* atomic: the prefetcher ends */
	struct lazy_counters c;           /* atomics, see above */
};

/*
 * Registers all of mem with a new userfaultfd, starts the fault thread and
 * (with prefetch) the prefetcher, and
 * sets mem's discard hook (cleared by lazy_stop).
 * Returns 0, or a negative errno with one line in err (nothing left
 * registered or running then).
 */
int lazy_start(struct lazy_restore *l, struct guest_memory *mem,
	       const struct save_image *img, const char *path, bool prefetch, struct mv_error *err);

/*
 * Sets in map (1 bit per page of slot) the saved pages not filled yet:
 * not resident, but the guest's all the same. A save during the fill
 * (save.h) calls it before it reads residency, so a page filled between
 * the two is in one set or the other, and reading such a page faults it
 * in from the file.
 */
void lazy_add_unfilled(struct lazy_restore *l, int slot, uint8_t *map);

/* A consistent-enough copy of the counters (each read atomically). */
void lazy_counters(const struct lazy_restore *l, struct lazy_counters *out);

/* Stops and joins the threads, closes the descriptors. */
void lazy_stop(struct lazy_restore *l);

#endif
