/*
 * ptwalk.h: reads an x86-64 guest's page tables from guest RAM, from the
 * host, without the guest's help: 4-level, or 5-level when CR4.LA57 is set;
 * 4 KiB, 2 MiB and 1 GiB pages; every flag bit (P, RW, US, PWT, PCD, A, D,
 * PS, G, NX, protection key).
 *
 * Guest memory is only read through mem_gpa_to_hva, so a hostile table
 * (pointers outside RAM, tables that point at themselves, the same table
 * reached a thousand times) yields counted bad entries and a finite walk,
 * never a crash or a hang: each table page is descended into at most once
 * per walk, so a walk costs at most (table pages in RAM) x 512 steps.
 */
#ifndef VMM_PTWALK_H
#define VMM_PTWALK_H

#include "memory.h"
#include "pt.h"

#include <stdbool.h>
#include <stdint.h>

#define PTW_MAX_LEVELS 5
#define PTW_FLAG_BITS  (PTE_P | PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A | PTE_D | \
			PTE_G | PTE_NX | (0xfull << PTE_PKEY_SHIFT))

struct ptw_leaf {
	uint64_t va;           /* canonical address of the page */
	uint64_t pa;
	uint64_t flags;        /* PTW_FLAG_BITS of the leaf entry */
	unsigned shift;        /* 12, 21 or 30 */
	uint64_t entry_pa;     /* where the leaf entry is (ptw_walk only; 0 from ptw_translate) */
};

struct ptw_stats {
	uint64_t tables[PTW_MAX_LEVELS]; /* table pages walked; [0] = the root level */
	uint64_t leaves;
	uint64_t bad_tables;   /* next-level pointers outside RAM */
	uint64_t revisits;     /* tables reached again (shared or looping) */
	uint64_t bad_large;    /* PS set where no large page exists (PML4/PML5) */
};

/* Called per leaf in address order; a non-zero return stops the walk. */
typedef int (*ptw_fn)(const struct ptw_leaf *leaf, void *arg);

/*
 * Walks every present leaf of the tables at root_pa. Returns 0, fn's
 * non-zero value, -EFAULT if the root is not RAM or -ENOMEM if memory for
 * the visit map could not be had. stats may be NULL.
 */
int ptw_walk(const struct guest_memory *m, uint64_t root_pa, bool la57, ptw_fn fn,
	     void *arg, struct ptw_stats *stats);

/*
 * Translates one virtual address. Returns 0 with *leaf filled, 1 when
 * nothing maps va, -EFAULT when a table on the way is not in RAM.
 */
int ptw_translate(const struct guest_memory *m, uint64_t root_pa, bool la57, uint64_t va,
		  struct ptw_leaf *leaf);

/*
 * Copies len bytes at virtual address va, as the tables at root_pa map it.
 * Returns 0, or -EFAULT when a page on the way is unmapped or not RAM.
 */
int ptw_read(const struct guest_memory *m, uint64_t root_pa, bool la57, uint64_t va, void *dst,
	     size_t len);

/* A run of leaves: contiguous in va and pa, same flags (A/D aside) and size. */
struct ptw_range {
	uint64_t va, pa, len;
	uint64_t flags;        /* without A and D */
	unsigned shift;
	uint32_t pad;
	uint64_t accessed, dirty; /* pages of the run with A, with D set */
};

/*
 * Collects the coalesced ranges of a whole space into a malloc'd array
 * (*out, *n). Returns 0 or a negative errno (as ptw_walk, or -ENOMEM).
 */
int ptw_ranges(const struct guest_memory *m, uint64_t root_pa, bool la57,
	       struct ptw_range **out, size_t *n, struct ptw_stats *stats);

/* Formats flags as "rwxugdA" style letters: r w x u g, A D, W(PWT) C(PCD) k<key>. */
const char *ptw_flag_string(uint64_t flags, char *buf, size_t len);

#endif
