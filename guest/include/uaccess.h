/*
 * uaccess.h: copying between the kernel and the current task's user
 * memory. Every user pointer goes through these: the range must lie below
 * USER_TOP and must not touch an area whose protection forbids the access
 * (PROT_NONE pages are present but supervisor-only, so the MMU alone would
 * let the kernel through). A fault inside the copy is resolved like a user
 * fault (demand paging, copy-on-write, stack growth); one that cannot be
 * resolved ends the copy through the exception table.
 * All return 0 or -EFAULT, never a kernel oops.
 */
#ifndef GUEST_UACCESS_H
#define GUEST_UACCESS_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
int clear_user(uint64_t udst, size_t n);
/* Copies a string with its NUL. Returns its length, -EFAULT, or
 * -ENAMETOOLONG when no NUL comes within max bytes. */
long strncpy_from_user(char *dst, uint64_t usrc, size_t max);
/* Linux's access_ok: [addr, addr+n) lies below USER_TOP without wrapping
 * (no area looked at; n == 0 needs only a user address). */
bool access_ok(uint64_t addr, uint64_t n);
/*
 * Linux's futex_atomic_cmpxchg_inatomic: one locked compare-exchange of
 * the aligned 32-bit user word at uaddr (atomic against user code on other
 * CPUs). *found gets the value that was there; the word became new when
 * it was expected. 0, or -EFAULT (unwritable or unaligned).
 */
int cmpxchg_user_u32(uint64_t uaddr, uint32_t expected, uint32_t new, uint32_t *found);
/* Whether [addr, addr+n) may be read (or written) by the kernel for current. */
bool uaccess_ok(uint64_t addr, size_t n, bool write);

#endif
