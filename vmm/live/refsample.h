/*
 * refsample.h: a running guest's page references, recorded from the host
 * with no agent in the guest, as DAMON does inside Linux: at every interval
 * a thread walks each process's page tables in guest memory, writes one
 * trace record per user page whose accessed (A) bit is set and clears the
 * bit, so the next sample sees the pages used since this one.
 *
 * Interface:
 *   refsample_start  opens the trace and starts the thread (machine built)
 *   refsample_stop   stops and joins it, writes the run's figures beside
 *                    the trace (TRACE.json) and frees it
 *
 * The trace is libCacheSim's oracleGeneral layout (tracefile.h), so
 * `memvisor opt TRACE` replays it: clock_time is the sample number, obj_id
 * is pid << 40 | the virtual page number (one process's pages never meet
 * another's), obj_size the mapping's page size (4 KiB, 2 MiB or 1 GiB).
 * Inside one sample the order of the references is not known (the sampling
 * resolution): pages come in address order, process after process, each
 * once however often it was used in the interval.
 *
 * The accessed bit, and what it misses:
 *  - A cleared bit is set again only when the CPU walks the page tables,
 *    i.e. when the translation is not in a TLB. Clearing it from outside
 *    flushes no TLB: Linux accepts the same on x86 (ptep_clear_young
 *    flushes nothing; DAMON's sampling inherits it). Here the resync below
 *    flushes them anyway.
 *  - Under shadow paging (this project's PVM hosts; TDP-less KVM) the CPU
 *    walks KVM's shadow tables, not the guest's: KVM sets the guest's A
 *    bit when it builds a shadow entry, and a shadow entry built before
 *    the clear stays valid, so the page is never seen again (measured:
 *    a 512-page loop sampled 85 times yields 560 references). After each
 *    sample the sampler therefore changes the protection of the host
 *    mapping of the pages it cleared, and back (REFSAMPLE_RESYNC_REMAP):
 *    the host kernel's MMU notifier makes KVM drop its shadow (or EPT)
 *    entries for them and flush the TLBs, so the guest's next use of such
 *    a page goes through KVM's walker, which sets the guest's A bit. This
 *    costs a KVM page fault per page used in two intervals in a row.
 *    (Pausing the vCPUs and writing back their unchanged special registers,
 *    KVM_SET_SREGS with the same CR3, does not resync: measured, the same.)
 *  - The guest's own reclaim reads the same bits: a page the sampler saw
 *    and cleared looks unreferenced to the guest's next scan. The recorded
 *    run is perturbed by being recorded (TRACE.json states the sampling
 *    figures; compare a run without --trace-refs).
 *
 * Invariant: only the sampler thread touches struct refsample between
 * start and stop; it reads guest memory and writes only A bits of user
 * leaf entries that are still present and accessed (a compare-and-swap:
 * an entry the guest rewrote meanwhile, e.g. into a swap entry, is left
 * alone, and a concurrent set by the CPU is never lost).
 */
#ifndef VMM_REFSAMPLE_H
#define VMM_REFSAMPLE_H

#include "machine.h"
#include "util.h"

enum refsample_resync {
	REFSAMPLE_RESYNC_NONE,   /* clear A bits only (enough with hardware-walked guest tables) */
	REFSAMPLE_RESYNC_REMAP,  /* and drop KVM's mappings of those pages (see above) */
};

struct refsample_config {
	const char *path;        /* the trace; PATH.json gets the run's figures */
	double interval;         /* seconds between samples */
	enum refsample_resync resync;
};

struct refsample;

/*
 * Creates the trace file and starts sampling m (built, running or about to
 * run). Returns NULL with the reason in err when the file cannot be
 * created, the interval is not positive or the thread cannot start.
 */
struct refsample *refsample_start(struct machine *m, const struct refsample_config *cfg,
				  struct mv_error *err);

/*
 * Stops the thread, takes a last sample's figures (the guest's major
 * faults), writes PATH.json and prints one line of cost. Returns 0, or a
 * negative errno when the trace or PATH.json could not be written whole.
 */
int refsample_stop(struct refsample *s);

#endif
