/*
 * guest_layout.h: the guest kernel's virtual address space as the host
 * relies on it (docs/contracts.md, "Guest virtual layout"): where user space ends, where
 * the direct map of all RAM and the vmalloc range begin. The guest maps
 * itself this way (guest/arch/x86/include/asm/layout.h includes this
 * header); the VMM's snapshot tools use it for a kernel whose mv_info
 * cannot be read (vmm/snap/snapshot.c). Included from C and from assembly.
 *
 * Invariant: USER_TOP <= PAGE_OFFSET < VMALLOC_START, and the vmalloc
 * range ends below the kernel image map (asm/layout.h KERNEL_MAP_BASE).
 */
#ifndef ABI_GUEST_LAYOUT_H
#define ABI_GUEST_LAYOUT_H

#ifdef __ASSEMBLER__
#define GUEST_U64(x) x
#else
#define GUEST_U64(x) x##ull
#endif

#define USER_TOP      GUEST_U64(0x0000800000000000) /* first non-user address */
#define PAGE_OFFSET   GUEST_U64(0xffff888000000000) /* direct map of all RAM */
#define VMALLOC_START GUEST_U64(0xffffc90000000000) /* vmalloc range, 1 TiB */
#define VMALLOC_SIZE  GUEST_U64(0x0000010000000000)

#ifndef __ASSEMBLER__
_Static_assert(USER_TOP <= PAGE_OFFSET && PAGE_OFFSET < VMALLOC_START,
	       "user space, direct map and vmalloc range in that order");
_Static_assert(VMALLOC_START + VMALLOC_SIZE > VMALLOC_START, "vmalloc range does not wrap");
#endif

#endif
