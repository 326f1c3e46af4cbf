/*
 * fault_rig.h: the fault engine (mm/fault.c) on a host, for test_fault.c
 * and test_fault_model.c: a buddy of FAULT_RIG_RAM_PAGES real pages, a
 * swap device on a RAM disk, one file with its page cache, reclaim's
 * engine, FAULT_RIG_SPACES simulated address spaces, and user accesses
 * that go through the host port's TLB model, THREADS CPUs per space.
 *
 * Interface:
 *   fault_rig_setup     a fresh rig under a replacement policy
 *   fault_rig_teardown  unmaps everything and checks nothing leaked
 *   fault_rig_access    one user access as a CPU makes it: TLB, faults, A/D bits
 *   fault_rig_fork      a child space as a copy-on-write copy of a parent
 *   fault_rig_pte / fault_rig_page  what a space maps at an address
 *
 * State: all of it in the caller's struct fault_rig (the hooks' ctx).
 */
#ifndef FAULT_RIG_H
#define FAULT_RIG_H

#include "fault.h"
#include "stores.h"
#include "spaces.h"

#define FAULT_RIG_RAM_PAGES   160
#define FAULT_RIG_SLOTS       1024
#define FAULT_RIG_SPACES      3
#define FAULT_RIG_FILE_PAGES  16
#define FAULT_RIG_FILE_BYTES  (FAULT_RIG_FILE_PAGES * MM_PAGE_SIZE - 100) /* last page partly past EOF */
#define FAULT_RIG_THREADS     2          /* CPUs each space runs on */
#define FAULT_RIG_BALLOON     FAULT_RIG_RAM_PAGES
_Static_assert(FAULT_RIG_SPACES * FAULT_RIG_THREADS <= MM_NR_CPUS, "a CPU per thread");

struct inode {
	struct pagecache cache;
	uint32_t slots[FAULT_RIG_FILE_PAGES];
	uint8_t data[FAULT_RIG_FILE_BYTES];
};

/* The engine under test and everything it reaches. */
struct fault_rig {
	struct buddy b;
	struct page descs[FAULT_RIG_RAM_PAGES];
	struct host_stores st;          /* the swap device, its store and the file store */
	uint8_t map[FAULT_RIG_SLOTS];
	uint32_t entries[FAULT_RIG_SLOTS];
	uint8_t disk_pages[FAULT_RIG_SLOTS][MM_PAGE_SIZE];
	struct host_spaces sp;          /* FAULT_RIG_SPACES of them */
	struct inode file;
	struct vmscan vs;
	struct fault_host host;         /* ctx: this rig */
	struct fault_engine fe;
	int64_t events[NR_FAULT_EVENTS];
	unsigned prepares;
	struct page *balloon[FAULT_RIG_BALLOON];   /* frames a balloon took */
	unsigned balloon_pages;
	bool reclaim_in_alloc;          /* every allocation reclaims all it can first,
					 * as a direct reclaim inside it would */
};

/* Reclaims until nothing more goes, as kswapd (direct false) or direct reclaim. */
void fault_rig_reclaim(struct fault_rig *r, bool direct);
/* fault_rig_reclaim(arg, true), shaped for host_table_alloc_hook. */
void fault_rig_reclaim_all(void *arg);

/* A fresh rig (port, buddy, swap, file, spaces, reclaim under policy); ck-asserts it. */
void fault_rig_setup(struct fault_rig *r, const char *policy);

/* Unmaps every space, returns the balloon's frames; ck-asserts no frame, slot or table is left. */
void fault_rig_teardown(struct fault_rig *r);

static inline struct mm *fault_rig_space(struct fault_rig *r, unsigned i)
{
	return &r->sp.mm[i];
}

/* The PTE at va in mm, 0 when there is no table. */
pte_t fault_rig_pte(struct mm *mm, uint64_t va);

/* The page the present PTE at va maps, NULL when not present. */
struct page *fault_rig_page(struct fault_rig *r, struct mm *mm, uint64_t va);

/*
 * The access thread (< FAULT_RIG_THREADS) of mm makes at va, on its own
 * CPU: through the TLB model, a fault dropping that CPU's entry for va
 * (as x86 does) and calling the engine, until the translation allows a
 * user access (present, PTE_US, PTE_RW for a write);
 * the hardware's PTE_A and PTE_D set in the PTE it used. Returns the last
 * fault's result (FAULT_MINOR when none was needed) and the frame in
 * *pa: 0 when the access did not happen (a SEGV or OOM result, or four
 * faults that left the translation unusable).
 */
enum fault_result fault_rig_access(struct fault_rig *r, struct mm *mm, unsigned thread,
				   uint64_t va, bool write, phys_addr_t *pa);

/* Gives child (no areas) parent's areas and mappings, copy-on-write. Returns 0 or -MM_ENOMEM. */
int fault_rig_fork(struct fault_rig *r, struct mm *parent, struct mm *child);

/* Unmaps every area of mm (exit). */
void fault_rig_exit(struct fault_rig *r, struct mm *mm);

static inline uint8_t *fault_rig_byte(phys_addr_t pa, uint64_t va)
{
	return (uint8_t *)mm_phys_to_virt(pa) + (va & (MM_PAGE_SIZE - 1));
}

#endif
