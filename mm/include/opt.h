/*
 * opt.h: Belady's OPT (MIN), the fewest faults any replacement policy can
 * take on a reference string with a given number of frames: on a fault with
 * all frames full, evict the page whose next use is farthest away.
 *
 * O(n log F): one backward pass records each reference's next use, one
 * forward pass keeps the resident pages in a max-heap keyed by next use.
 * Page numbers are dense (< nr_pages), as for policy_sim.h. Nothing is
 * allocated: callers pass work memory of opt_work_size() bytes, 8-byte
 * aligned. Reentrant.
 */
#ifndef MM_OPT_H
#define MM_OPT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of work memory opt_faults needs. */
size_t opt_work_size(size_t n, uint32_t nr_pages, uint32_t nr_frames);

/*
 * Stores OPT's fault count for refs[0..n) in *faults. Returns 0, or
 * -MM_EINVAL (no frames, n >= 2^32, work too small or unaligned, a
 * reference >= nr_pages).
 */
int opt_faults(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t nr_frames,
	       void *work, size_t work_size, uint64_t *faults);

#endif
