/*
 * snapfmt.h: the snapshot file format (docs/snapshot-format.md).
 *
 * A snapshot is an ELF64 core file (ET_CORE, EM_X86_64). Its PT_NOTE
 * segment holds NT_PRSTATUS notes (one per vCPU, name "CORE") and notes
 * named "MEMVISOR" whose types and payloads are defined here. With
 * --memory, one PT_LOAD per RAM slot follows (p_paddr = GPA, p_vaddr = the
 * direct-map address), plus PT_LOADs that alias the kernel image at its
 * link address so gdb can print kernel globals.
 *
 * Payloads are packed little-endian records of fixed size; a note whose
 * length does not match its record count is rejected by the reader. New
 * record fields are only appended, with SNAP_FORMAT_VERSION raised.
 */
#ifndef VMM_SNAPFMT_H
#define VMM_SNAPFMT_H

#include <stdint.h>

#define SNAP_NOTE_NAME      "MEMVISOR"
#define SNAP_FORMAT_VERSION 2       /* 2: struct snap_zone gained node and numa[] */
#define SNAP_FORMAT_OLDEST  1       /* the oldest version the reader still takes */
#define SNAP_MAX_ORDERS     11
#define SNAP_MAX_LEVELS     5

enum snap_note_type {
	SNAP_NT_META   = 0x4d560001,  /* struct snap_meta */
	SNAP_NT_SLOTS  = 0x4d560002,  /* struct snap_slot[] */
	SNAP_NT_SPACE  = 0x4d560003,  /* struct snap_space + struct snap_range[nr_ranges] */
	SNAP_NT_ZONES  = 0x4d560004,  /* struct snap_zone[] */
	SNAP_NT_SLABS  = 0x4d560005,  /* struct snap_slab[] */
	SNAP_NT_VMSTAT = 0x4d560006,  /* struct snap_counter[] */
	SNAP_NT_HOST   = 0x4d560007,  /* struct snap_host + residency bitmap */
	SNAP_NT_DIRTY  = 0x4d560008,  /* struct snap_dirty + dirty bitmap */
	SNAP_NT_LOG    = 0x4d560009,  /* text: the tail of the kernel log */
	SNAP_NT_CPU    = 0x4d56000a,  /* struct snap_cpu + the GDT's first gdt_bytes bytes */

	/* A save file (`memvisor save`, restored by `run --restore`) is a
	 * snapshot with memory plus these notes; SAVE comes before the rest
	 * of them. Their payloads are the runtime's own state records. */
	SNAP_NT_SAVE    = 0x4d560020, /* struct snap_save: save format version, VM shape */
	SNAP_NT_VCPU    = 0x4d560021, /* struct vcpu_state (kvm.h), one per vCPU */
	SNAP_NT_CHIPS   = 0x4d560022, /* struct vm_chip_state (kvm.h) */
	SNAP_NT_SERIAL  = 0x4d560023, /* struct serial_state (serial.h) */
	SNAP_NT_VIRTIO  = 0x4d560024, /* struct snap_virtio + struct virtio_mmio_state */
	SNAP_NT_BALLOON = 0x4d560025, /* struct balloon_state (balloon.h) + held bitmap */
	SNAP_NT_BLK     = 0x4d560026, /* struct blk_state (blk.h) */
	SNAP_NT_PAGES   = 0x4d560027, /* struct snap_pages + bitmap of the pages in the file */
	SNAP_NT_NUMA    = 0x4d560028, /* struct snap_numa: a --numa VM's nodes (optional) */
};

#define SNAP_SAVE_FIRST SNAP_NT_SAVE
#define SNAP_SAVE_LAST  SNAP_NT_NUMA

#define SNAP_META_INTROSPECTED 1u  /* guest state was read through mv_info */
#define SNAP_META_MEMORY       2u  /* PT_LOAD segments hold guest RAM */
#define SNAP_META_PTI          4u  /* Linux with page-table isolation: a process's
				    * root_pa is its pgd's user copy (pgd + 4 KiB) */

struct snap_meta {
	uint32_t format_version;
	uint32_t flags;                /* SNAP_META_* */
	uint64_t time_ns;              /* CLOCK_REALTIME when taken */
	uint64_t uptime_ns;            /* since the VM started */
	uint64_t ram_size;
	uint32_t nr_cpus;
	uint32_t build_id_len;
	uint8_t build_id[32];          /* the kernel's GNU build-id */
	char kernel[128];              /* kernel image path */
	char reason[32];               /* "control", "schedule", "exit", "crash" */
	char error[128];               /* why introspection failed, if it did */
};

struct snap_slot {
	uint32_t id;
	uint32_t pad;
	uint64_t gpa, size;
	uint64_t hva;                  /* host virtual address of gpa */
};

#define SNAP_KERNEL_PID (-1)
/* A guest memvisor cannot introspect (Linux): the user half of the space
 * loaded on vCPU n (its CR3), named "cpuN"; the kernel space is vCPU 0's. */
#define SNAP_CPU_PID(n) ((int32_t)(-2 - (int32_t)(n)))
#define SNAP_PID_CPU(pid) ((int)(-2 - (pid)))   /* its vCPU, for pid <= -2 */

struct snap_space {
	int32_t pid;                   /* SNAP_KERNEL_PID, SNAP_CPU_PID(n) or a process */
	uint32_t nr_ranges;
	char comm[16];
	uint64_t root_pa;
	uint64_t tables[SNAP_MAX_LEVELS]; /* table pages per level, root first */
	uint64_t bad_tables, revisits;
};

struct snap_range {
	uint64_t va, pa, len;
	uint64_t flags;                /* PTE bits, A and D left out */
	uint32_t shift;                /* 12, 21 or 30 */
	uint32_t pad;
	uint64_t accessed, dirty;      /* pages with A, with D set */
	uint64_t host_resident;        /* pages resident on the host (mincore) */
	uint64_t hpa;                  /* host physical address of pa, 0 unknown */
};

/* Linux's per-zone NUMA counters, in /proc/zoneinfo's order. */
enum snap_numa_stat { SNAP_NUMA_HIT, SNAP_NUMA_MISS, SNAP_NUMA_FOREIGN, SNAP_NUMA_INTERLEAVE,
		      SNAP_NUMA_LOCAL, SNAP_NUMA_OTHER, SNAP_NR_NUMA_STATS };

/* Linux's name of each ("numa_hit" ... "numa_other"): /proc/vmstat's and
 * /proc/zoneinfo's, and the keys of every rendering. */
static inline const char *snap_numa_stat_name(enum snap_numa_stat i)
{
	static const char *const names[SNAP_NR_NUMA_STATS] = {
		"numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local",
		"numa_other",
	};
	return names[i];
}

struct snap_zone {
	char name[8];
	uint64_t start_pfn, end_pfn;
	uint64_t present, managed, free_pages;
	uint64_t wmark[3];             /* min, low, high */
	uint64_t nr_free[SNAP_MAX_ORDERS];
	/* version 2 on; a version 1 file reads as node 0, counters 0 */
	uint32_t node;                 /* the NUMA node the zone belongs to */
	uint32_t pad;
	uint64_t numa[SNAP_NR_NUMA_STATS]; /* by enum snap_numa_stat */
};
#define SNAP_ZONE_V1_SIZE 160u         /* a zone record of a version 1 file */

struct snap_slab {
	char name[32];
	uint32_t object_size, size, objects_per_slab, order;
	uint64_t nr_slabs, nr_free_slabs, active_objs;
};

struct snap_counter {
	char name[32];
	uint64_t value;
};

/* A segment register as the vCPU holds it (its hidden part included). */
struct snap_segment {
	uint64_t base;
	uint32_t limit;                /* in bytes, granularity applied */
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable;
	uint8_t pad;
};

enum snap_seg_reg { SNAP_CS, SNAP_DS, SNAP_ES, SNAP_FS, SNAP_GS, SNAP_SS, SNAP_TR, SNAP_LDTR,
		    SNAP_NR_SEGS };

#define SNAP_GDT_MAX 65536u            /* the most a 16-bit GDTR limit covers */

/* One per vCPU: its system registers; the GDT's bytes follow (0 when the
 * table could not be read through the vCPU's page tables). */
struct snap_cpu {
	uint32_t cpu;
	uint32_t gdt_bytes;
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t gdt_base, idt_base;
	uint32_t gdt_limit, idt_limit;
	struct snap_segment seg[SNAP_NR_SEGS];
};

/* One per slot: resident bitmap (1 bit per 4 KiB page) follows. */
struct snap_host {
	uint32_t slot;
	uint32_t pad;
	uint64_t pages;                /* bits in the bitmap */
	uint64_t resident;             /* bits set */
};

/* One per slot: dirty bitmap since the previous snapshot follows. */
struct snap_dirty {
	uint32_t slot;
	uint32_t valid;                /* 0: first snapshot, nothing to compare */
	uint64_t pages;
	uint64_t dirty;
};

/*
 * Save files. The RAM PT_LOADs are all there, but only pages the guest
 * touched (host-resident, not all zero) are written; the rest of the
 * segment is a hole in the file and reads as zero. SNAP_NT_PAGES says,
 * per slot, which pages were written, so a restore reads only those.
 *
 * A diff save (save --since BASE) writes only the pages changed since its
 * base, a save of the same VM (changed pages that now read zero too: they
 * override the base's); everything else (vCPUs, devices, the disk) it
 * holds whole. It names its base by path and save_id; a restore reads the
 * base first (and its base, ...), then the diff's pages over it.
 * Version 2: save_id, base_id and base_path appended.
 */
#define SNAP_SAVE_VERSION 2
#define SNAP_SAVE_MAX_CHAIN 16         /* a diff's bases, at most */

/* A save of a VM with a swap disk also holds the disk's bytes as they were
 * (the guest's swapped-out pages), in a segment of this type, holes kept. */
#define SNAP_PT_DISK (0x60000000u + 0x4d5644u) /* PT_LOOS + "MVD" */

#define SNAP_SAVE_DEV_BALLOON 1u
#define SNAP_SAVE_DEV_BLK     2u

struct snap_save {
	uint32_t save_version;         /* SNAP_SAVE_VERSION */
	uint32_t nr_cpus;
	uint64_t ram_size;
	uint32_t nr_slots;
	uint32_t devices;              /* SNAP_SAVE_DEV_* */
	uint64_t cpuid;                /* kvm_cpuid_fingerprint() of the saving host */
	uint64_t pages_saved;          /* set bits in all SNAP_NT_PAGES bitmaps */
	uint32_t vcpu_state_size;      /* sizeof the runtime records, as a check */
	uint32_t chip_state_size;
	uint32_t virtio_state_size;
	uint32_t balloon_state_size;
	uint32_t blk_state_size;
	uint32_t serial_state_size;
	uint64_t save_id;              /* random, not 0: names this save */
	uint64_t base_id;              /* a diff save: its base's save_id; else 0 */
	char base_path[4096];          /* a diff save: its base file (absolute), NUL-ended */
};

/*
 * A VM run with --numa: its nodes as numa_parse laid them out (each
 * node's RAM, each vCPU's node, the distances), read back through
 * numa_check_layout, which checks them as it checks a spec. A save
 * without this note (a VM without --numa, or a file written before the
 * note existed) restores with no nodes.
 */
#define SNAP_NUMA_MAX_NODES 8          /* NUMA_MAX_NODES */
#define SNAP_NUMA_MAX_CPUS  256        /* > NUMA_MAX_CPUS */
struct snap_numa {
	uint32_t nr_nodes;
	uint32_t nr_cpus;                  /* the save's nr_cpus */
	uint64_t size[SNAP_NUMA_MAX_NODES]; /* bytes of RAM per node */
	uint8_t distance[SNAP_NUMA_MAX_NODES][SNAP_NUMA_MAX_NODES];
	uint8_t cpu_node[SNAP_NUMA_MAX_CPUS];
};

/* Which virtio-mmio slot a SNAP_NT_VIRTIO note is for. */
struct snap_virtio {
	uint32_t slot;                 /* 0 balloon, 1 swap disk */
	uint32_t pad;
};

struct snap_pages {
	uint32_t slot;                 /* index in the SNAP_NT_SLOTS order */
	uint32_t pad;
	uint64_t pages;                /* bits in the bitmap: the slot's size / 4 KiB */
	uint64_t saved;                /* bits set */
};

#endif
