/*
 * vmstat.h: the kernel's event and page counters, one array indexed by
 * enum vm_event_item (Linux's vm_event_item), named by one NUL-separated
 * blob in the same order. /proc/vmstat prints them; the host reads the
 * array and the names through mv_info (abi/mv_info.h).
 *
 * Enum and names come from one list (VM_EVENT_LIST), so they cannot drift
 * apart; the host finds counters by name, never by position.
 * Counters are plain increments: one CPU, non-preemptible kernel.
 */
#ifndef GUEST_VMSTAT_H
#define GUEST_VMSTAT_H

#include <stdint.h>

/*
 * The counters, in order: faults and user pages (uvm.c, fault.c; the
 * names kept from the old struct uvm_stats), then reclaim, swap and OOM
 * (reclaim.c, swap.c, oom_kill.c), then pages given to and taken back from
 * the virtio balloon (drivers/balloon.c), then TLB flushes of user spaces
 * (tlb.c), then file pages mapped by fault-around (fault.c; Linux counts
 * none), then the unevictable list and lazy frees (reclaim.c), then TLB
 * shootdowns sent and received (tlb.c); Linux's
 * names. Append only. workingset_refault is
 * the sum of its _anon and _file parts (Linux before 5.9 had only it).
 */
#define VM_EVENT_LIST(X) \
	X(PGFAULT, "pgfault") \
	X(PGMAJFAULT, "pgmajfault") \
	X(PGFAULT_INVALID, "pgfault_invalid") \
	X(COW_COPIES, "cow_copies") \
	X(COW_REUSES, "cow_reuses") \
	X(ZERO_FILLS, "zero_fills") \
	X(FILE_MAPS, "file_maps") \
	X(NR_ANON_PAGES, "nr_anon_pages") \
	X(NR_INACTIVE_ANON, "nr_inactive_anon") \
	X(NR_ACTIVE_ANON, "nr_active_anon") \
	X(NR_INACTIVE_FILE, "nr_inactive_file") \
	X(NR_ACTIVE_FILE, "nr_active_file") \
	X(NR_SHMEM_PAGES, "nr_shmem_pages") \
	X(NR_PAGE_TABLE_PAGES, "nr_page_table_pages") \
	X(PSWPIN, "pswpin") \
	X(PSWPOUT, "pswpout") \
	X(PGSCAN_KSWAPD, "pgscan_kswapd") \
	X(PGSCAN_DIRECT, "pgscan_direct") \
	X(PGSTEAL_KSWAPD, "pgsteal_kswapd") \
	X(PGSTEAL_DIRECT, "pgsteal_direct") \
	X(PAGEOUTRUN, "pageoutrun") \
	X(ALLOCSTALL, "allocstall") \
	X(OOM_KILL, "oom_kill") \
	X(WORKINGSET_REFAULT, "workingset_refault") \
	X(PGACTIVATE, "pgactivate") \
	X(PGDEACTIVATE, "pgdeactivate") \
	X(PGROTATED, "pgrotated") \
	X(SLABS_SCANNED, "slabs_scanned") \
	X(KSWAPD_LOW_WMARK_HIT_QUICKLY, "kswapd_low_wmark_hit_quickly") \
	X(KSWAPD_HIGH_WMARK_HIT_QUICKLY, "kswapd_high_wmark_hit_quickly") \
	X(NR_SWAPCACHED, "nr_swapcached") \
	X(PGSCAN_ANON, "pgscan_anon") \
	X(PGSCAN_FILE, "pgscan_file") \
	X(PGSTEAL_ANON, "pgsteal_anon") \
	X(PGSTEAL_FILE, "pgsteal_file") \
	X(WORKINGSET_REFAULT_ANON, "workingset_refault_anon") \
	X(WORKINGSET_REFAULT_FILE, "workingset_refault_file") \
	X(WORKINGSET_ACTIVATE_FILE, "workingset_activate_file") \
	X(WORKINGSET_ACTIVATE_ANON, "workingset_activate_anon") \
	X(BALLOON_INFLATE, "balloon_inflate") \
	X(BALLOON_DEFLATE, "balloon_deflate") \
	X(NR_TLB_LOCAL_FLUSH_ONE, "nr_tlb_local_flush_one") \
	X(NR_TLB_LOCAL_FLUSH_ALL, "nr_tlb_local_flush_all") \
	X(FILE_FAULT_AROUND, "file_fault_around") \
	X(NR_UNEVICTABLE, "nr_unevictable") \
	X(NR_MLOCK, "nr_mlock") \
	X(PGLAZYFREED, "pglazyfreed") \
	X(NR_TLB_REMOTE_FLUSH, "nr_tlb_remote_flush") \
	X(NR_TLB_REMOTE_FLUSH_RECEIVED, "nr_tlb_remote_flush_received")

#define VM_EVENT_ENUM(item, name) VM_##item,
enum vm_event_item { VM_EVENT_LIST(VM_EVENT_ENUM) NR_VM_EVENTS };
#undef VM_EVENT_ENUM

/* The names, NUL-separated, in enum order. */
#define VM_EVENT_NAME(item, name) name "\0"
#define VM_EVENT_NAMES_LEN sizeof(VM_EVENT_LIST(VM_EVENT_NAME))

extern uint64_t vm_events[NR_VM_EVENTS];
extern const char vm_event_names[VM_EVENT_NAMES_LEN];

static inline void count_vm_event(enum vm_event_item i)
{
	vm_events[i]++;
}

/* For a counter also bumped where the kernel lock is not held (IPIs). */
static inline void count_vm_event_atomic(enum vm_event_item i)
{
	__atomic_fetch_add(&vm_events[i], 1, __ATOMIC_RELAXED);
}

static inline void count_vm_events(enum vm_event_item i, uint64_t n)
{
	vm_events[i] += n;
}

static inline uint64_t vm_event(enum vm_event_item i)
{
	return vm_events[i];
}

/* The name of item i (a pointer into vm_event_names). */
const char *vm_event_name(enum vm_event_item i);

#endif
