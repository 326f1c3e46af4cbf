/*
 * policy_hrc.h: hit ratio curves in one pass over a reference string, for
 * the replacement rules that are stack algorithms (Mattson, Gecsei, Slutz
 * and Traiger, "Evaluation techniques for storage hierarchies", IBM
 * Systems Journal 9(2), 1970): with c frames such a rule keeps the top c
 * entries of one priority stack, so a reference found at depth d hits with
 * every c > d, and one pass gives the hits at every frame count at once.
 *
 *   policy_hrc_lru  exact LRU: the depth is the stack distance, the number
 *                   of distinct pages since the page's last reference,
 *                   counted with a Fenwick tree over last-reference
 *                   positions: O(n log n) time, 4 (n + nr_pages) bytes.
 *   policy_hrc_opt  Belady's OPT: the stack ordered by next use (the
 *                   sooner, the higher); the stack is kept to max_frames
 *                   entries, O(n * max_frames) time at worst.
 *
 * Both fill hits[0..max_frames]: hits[c] is the hit count with c frames
 * (hits[0] = 0); the faults with c frames are n - hits[c]. Page numbers
 * are dense (< nr_pages), as for policy_sim.h. Nothing is allocated:
 * callers pass work memory of the *_work_size() they ask for, 8-byte
 * aligned. Reentrant.
 */
#ifndef MM_POLICY_HRC_H
#define MM_POLICY_HRC_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of work memory policy_hrc_lru needs. */
size_t policy_hrc_lru_work_size(size_t n, uint32_t nr_pages);

/*
 * LRU's hits with 0..max_frames frames on refs[0..n) into hits[]. Returns
 * 0, or -MM_EINVAL (n >= 2^32, work too small or unaligned, a reference
 * >= nr_pages).
 */
int policy_hrc_lru(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t max_frames,
		   void *work, size_t work_size, uint64_t *hits);

/* Bytes of work memory policy_hrc_opt needs. */
size_t policy_hrc_opt_work_size(size_t n, uint32_t nr_pages, uint32_t max_frames);

/* OPT's hits, as policy_hrc_lru, with the same errors. */
int policy_hrc_opt(const uint32_t *refs, size_t n, uint32_t nr_pages, uint32_t max_frames,
		   void *work, size_t work_size, uint64_t *hits);

#endif
