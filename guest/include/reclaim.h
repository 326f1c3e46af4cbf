/*
 * reclaim.h: page reclaim in the guest: the hooks the rest of the kernel
 * calls, kswapd, mm.policy and mm.swappiness, around reclaim's engine in
 * mm/ (mm/include/vmscan.h: two LRUs per NUMA node, private anonymous
 * frames and page-cache frames of files on the frame's node, each kept by
 * the mm.policy replacement
 * policy; eviction, anonymous to swap and clean file pages dropped;
 * mm.swappiness balancing the two; workingset refault detection; direct
 * reclaim's and kswapd's decisions).
 *
 * Per frame, struct page's user words (buddy.h's struct page_user) hold
 * the policy's struct policy_frame, where the frame is mapped or cached,
 * and its swap-cache slot.
 * Reverse map: mm/rmap.h's walk over every task's address space (a
 * private anonymous frame at its one address in each; a file frame
 * through every area mapping its file at its offset).
 *
 * Interface (hooks swap.c and the page cache call; the fault engine
 * reaches the node directly, through reclaim_vmscan):
 *   reclaim_page_freed   a user frame goes back to the allocator
 *   reclaim_file_added   a page-cache frame was filled; shadow is what its
 *                        slot held (mm/pagecache.h: the last eviction's)
 *   reclaim_page_accessed  a read() used a page-cache frame
 *   reclaim_fault_prepare  a safe point before a fault: direct reclaim if
 *                        free memory is below the min watermark's margin
 * and for the rest of the kernel:
 *   reclaim_init         after swap_init: policies, buddy hooks
 *   reclaim_rmap_walk    calls fn on every PTE mapping a frame (mm/rmap.c)
 *   reclaim_vmscan       the engine, for the fault engine (uvm.c)
 *   reclaim_lru_sizes    the sizes of every node's lists together
 *   reclaim_node_lru_sizes  the sizes of one node's lists
 *   reclaim_node_lists   one node's lists (sizes, what reclaim scanned)
 *   reclaim_get          the kernel's struct reclaim
 *
 * Locking: one CPU and a non-preemptible kernel; reclaim runs in task
 * context only (kswapd, a fault, an allocation). Direct reclaim from inside
 * an allocation skips frames the current process maps, whose PTEs the
 * interrupted code may hold; reclaim before a fault skips the page cache
 * the faulting process maps (its own text). Program text used since
 * reclaim last looked is kept and activated, as Linux does for VM_EXEC.
 */
#ifndef GUEST_RECLAIM_H
#define GUEST_RECLAIM_H

#include <policy.h>
#include <buddy.h>
#include <pt.h>
#include <rmap.h>
#include <vmscan.h>
#include <sched.h>

struct mm;
struct inode;

/*
 * Where reclaim evicts one kind of page to (mm/vmscan.h's stores):
 * swap.c's swap_store (anonymous pages to swap, ctx its device) and
 * initrd.c's file_store (page-cache pages dropped).
 */
extern const struct vmscan_store swap_store;
extern const struct vmscan_store file_store;

/*
 * One node's kswapd (Linux's pgdat->kswapd and kswapd_wait): its thread,
 * woken when a zone of its node falls below its low mark, reclaiming pages
 * of its node until the node's zones are above their high marks. Written
 * by its thread and by wakers, under the one-CPU, non-preemptible rule.
 */
struct reclaim_kswapd {
	struct reclaim *reclaim;        /* whose thread it is */
	struct wait_queue wait;         /* the thread sleeps here */
	struct task *task;              /* NULL: not started (or no memory on the node) */
	bool wanted;                    /* woken since it last looked */
	unsigned nid;
	char comm[12];                  /* "kswapdN" */
	uint64_t runs;                  /* wakeups it balanced after */
	struct lruvec_scan done;        /* pages it scanned and freed, all runs */
};

/*
 * The kernel's reclaim state (Linux's per-pgdat reclaim fields and the
 * globals of vmscan.c): the engine, and each node's kswapd. One instance
 * (reclaim_get), set up by reclaim_init; under the one-CPU,
 * non-preemptible rule.
 */
struct reclaim {
	struct vmscan vs;               /* vs.on once reclaim_init succeeded */
	struct reclaim_kswapd kswapd[BUDDY_MAX_NODES];  /* nid's set when it starts */
	bool kswapds_tried;             /* start_kswapds ran (at the first user fault) */
};

/* The kernel's reclaim state. */
struct reclaim *reclaim_get(void);

/* Node nid's kswapd, or NULL when it has none (not started, no memory). */
const struct reclaim_kswapd *reclaim_kswapd_of(unsigned nid);

/* Frames on the LRUs, for /proc/meminfo's Active/Inactive lines (every node's). */
struct reclaim_lru_sizes {
	uint64_t active_anon, inactive_anon, active_file, inactive_file;
};

void reclaim_init(void);
void reclaim_page_freed(struct page *p);
void reclaim_fault_prepare(void);
void reclaim_file_added(struct page *p, struct inode *ino, uint64_t index, uint32_t shadow);
void reclaim_page_accessed(struct page *p);

/* mm.swappiness now (0-200; /proc/sys/vm/swappiness may change it). */
long reclaim_swappiness(void);
int reclaim_set_swappiness(long v);
void reclaim_lru_sizes(struct reclaim_lru_sizes *s);
/* Node nid's lists alone (all 0 while reclaim is off or past the nodes). */
void reclaim_node_lru_sizes(unsigned nid, struct reclaim_lru_sizes *s);
/* Node nid's LRU lists (their sizes, what reclaim scanned and freed from
 * them: zoneinfo's per-node stats); NULL while reclaim is off or past the nodes. */
const struct lruvec *reclaim_node_lists(unsigned nid);
struct vmscan *reclaim_vmscan(void);

/*
 * mm/rmap.c's walk over every task's address space: fn(mm, pte, va, arg)
 * for each PTE mapping p, until fn returns false. Returns the mappings
 * visited.
 */
typedef rmap_fn reclaim_rmap_fn;
unsigned reclaim_rmap_walk(struct page *p, reclaim_rmap_fn fn, void *arg);

#endif
