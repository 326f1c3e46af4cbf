/*
 * uvm.h: user address spaces: a page table whose kernel half is shared with
 * kernel_pt, the areas (mm/vma.h), the brk heap, the stack, and the page
 * fault handler that fills them (anonymous zero pages, initrd file pages
 * through the page cache, copy-on-write after fork).
 *
 * Frames mapped into user space are counted on their struct page: mapcount
 * is the number of user PTEs pointing at the frame (rmap.h). A private
 * anonymous frame is freed when its last mapping goes; a page-cache frame
 * stays with its file.
 *
 * Every page-table change goes through mm/pt.c, or is a PTE rewritten in
 * place (faults, reclaim, swap); either way a present PTE cleared or
 * downgraded is flushed through tlb.h on its mm, which reaches every CPU
 * that has the space loaded (its task's, or a kernel thread's lazy CR3).
 *
 * Callers serialise on the owner: only the owning task changes its mm
 * (fork reads the parent's while the parent is the one running).
 */
#ifndef GUEST_UVM_H
#define GUEST_UVM_H

#include <guest_layout.h>
#include <pt.h>
#include <vma.h>
#include <buddy.h>

#define USER_BASE        0x400000ull
#define USER_STACK_TOP   0x7ffffffff000ull
#define USER_STACK_LIMIT (8ull << 20)        /* RLIMIT_STACK */
#define USER_STACK_INIT  (128ull << 10)      /* mapped area at exec */
#define STACK_GUARD_GAP  (256ull << 12)      /* Linux's stack_guard_gap */
#define USER_MMAP_BASE   (USER_STACK_TOP - USER_STACK_LIMIT - STACK_GUARD_GAP)

/*
 * The owning process's limits the space enforces, in bytes (RLIM_INFINITY:
 * none); rlimit.h writes them through (Linux reads current's rlimits):
 *   as     total mapped size (RLIMIT_AS): mmap, brk, stack growth ENOMEM
 *   data   private writable non-stack size (RLIMIT_DATA): mmap ENOMEM, brk
 *          refused past it with the data segment counted; data_max its
 *          hard limit (a soft limit of 0 lets mmap go up to it, as Linux's)
 *   stack  the grows-down area's size (RLIMIT_STACK): growth SIGSEGV
 *   memlock locked size (RLIMIT_MEMLOCK), RLIM_INFINITY for root (Linux's
 *          CAP_IPC_LOCK): mlock ENOMEM, mmap and brk of locked areas
 *          EAGAIN past it; 0 makes mlock, mlockall and MAP_LOCKED EPERM
 */
struct uvm_limits {
	uint64_t as, data, data_max, stack, memlock;
};

/* Mapped pages by kind, and MM_SWAPENTS: swap entries (swap.h) in the tables. */
enum mm_counter { MM_ANON, MM_FILE, MM_SHMEM, MM_SWAPENTS, MM_NR_COUNTERS };

struct mm {
	struct pt_space pt;
	struct vma_tree vmas;
	uint64_t brk_start, brk;   /* heap: [brk_start, PAGE_UP(brk)) */
	uint64_t data_start, data_end; /* the program's data segment (RLIMIT_DATA's brk check) */
	struct uvm_limits limits;  /* the owner's rlimits (rlimit.h writes them) */
	uint32_t def_flags;        /* VMA_LOCKED(|VMA_LOCKONFAULT): mlockall(MCL_FUTURE) */
	uint64_t rss[MM_NR_COUNTERS]; /* mapped pages by kind */
	uint64_t hiwater_rss;      /* peak of the sum, pages */
	uint64_t hiwater_vm;       /* peak of mapped area, pages */
	uint64_t cpumask;          /* bit c: CPU c's CR3 holds pt.root (tlb.h) */
	int users;                 /* tasks using the space (threads, CLONE_VM); uvm_put frees at 0 */
	uint64_t rmap_walk;        /* the last rmap walk over tasks that visited it (rmap.c) */
};

/* Global fault and page figures are vm_events[] (vmstat.h). */

/* Boot: pre-allocates the kernel-half tables every space shares. */
void uvm_init(void);

/* An empty space (kernel half shared). Returns NULL on ENOMEM. */
struct mm *uvm_create(void);
/* Unmaps everything, frees every frame it alone held and every table. */
void uvm_destroy(struct mm *mm);
/* One more task uses mm (CLONE_VM); returns mm. */
struct mm *uvm_get(struct mm *mm);
/* A task stops using mm; the last user destroys it (uvm_destroy). */
void uvm_put(struct mm *mm);
/* A copy-on-write copy of @parent (fork). Returns NULL on ENOMEM. */
struct mm *uvm_fork(struct mm *parent);
/* Loads mm's page tables (NULL: the kernel's) through switch_mm (tlb.h). */
void uvm_switch(struct mm *mm);

/*
 * Adds an area. @file is an initrd inode (private mapping) or NULL.
 * Returns 0 or a negative errno.
 */
int uvm_map_area(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot,
		 uint32_t flags, const void *file, uint64_t off);

/* The system calls' bodies; each returns a value or a negative errno. */
long uvm_mmap(struct mm *mm, uint64_t addr, uint64_t len, unsigned long prot,
	      unsigned long flags, const void *file, uint64_t off);
long uvm_munmap(struct mm *mm, uint64_t addr, uint64_t len);
long uvm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, unsigned long prot);
long uvm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);
long uvm_brk(struct mm *mm, uint64_t addr);
/* msync of a page-aligned, non-wrapping [start, end): -ENOMEM for a hole
 * (after the rest), -EBUSY to invalidate a locked area; else 0 (no shared
 * writable file mappings to write back). */
long uvm_msync(struct mm *mm, uint64_t start, uint64_t end, bool invalidate);
/* mlock/mlock2 (onfault: MLOCK_ONFAULT) and munlock of a checked, page-aligned range. */
long uvm_mlock(struct mm *mm, uint64_t addr, uint64_t len, bool onfault);
long uvm_munlock(struct mm *mm, uint64_t addr, uint64_t len);
/* mlockall with checked MCL_* flags; munlockall. */
long uvm_mlockall(struct mm *mm, unsigned flags);
long uvm_munlockall(struct mm *mm);
/* Size of the locked areas, pages (Linux's locked_vm: VmLck). */
uint64_t uvm_locked_vm(const struct mm *mm);
/* Linux's can_do_mlock: a RLIMIT_MEMLOCK above 0, or root's CAP_IPC_LOCK. */
static inline bool uvm_can_mlock(const struct mm *mm)
{
	return mm->limits.memlock != 0;
}

/* The fault outcome, for the caller's accounting and the segfault line. */
enum uvm_fault_result { UVM_FAULT_MINOR, UVM_FAULT_MAJOR, UVM_FAULT_SEGV_MAPERR,
			UVM_FAULT_SEGV_ACCERR, UVM_FAULT_OOM, UVM_FAULT_SIGBUS };
/* Resolves a fault at addr with #PF error code @err in current's mm. */
enum uvm_fault_result uvm_fault(struct mm *mm, uint64_t addr, unsigned long err);

/* Mapped pages (all kinds). */
uint64_t uvm_rss(const struct mm *mm);
/* Sum of area sizes, pages. */
uint64_t uvm_total_vm(const struct mm *mm);

/* Moves the page at va of mm's area v to a frame v's NUMA policy places
 * (mbind's MPOL_MF_MOVE; fault_move_page). 0, -EBUSY (not a private
 * anonymous page mapped only there: it stays) or -ENOMEM. */
int uvm_move_page(struct mm *mm, const struct vma *v, uint64_t va);

/* Per-area page census for smaps and numa_maps: pages by sharing and
 * dirtiness, by node, and the most mappings any page has. */
struct uvm_area_census {
	uint64_t rss, shared_clean, shared_dirty, private_clean, private_dirty, anon;
	uint64_t dirty;                      /* PTE dirty, shared or not */
	uint64_t node[BUDDY_MAX_NODES];      /* rss by the node of the frame */
	int32_t mapmax;                      /* highest page->mapcount */
};
void uvm_area_census(struct mm *mm, const struct vma *v, struct uvm_area_census *c);
/* Of rss[MM_FILE], the tmpfs pages mapped (Linux counts them as shmem:
 * RssShmem). A walk of the tmpfs areas' tables. */
uint64_t uvm_tmpfs_rss(struct mm *mm);

#endif
