/*
 * sys_mm.c: the memory system calls, argument checks on top of uvm.c:
 * brk, mmap (anonymous, initrd files, tmpfs files private or shared), munmap, mprotect,
 * madvise, msync, and the mlock family.
 *
 * Each check follows Linux's mm/mmap.c, mm/mprotect.c and mm/madvise.c in
 * order and errno, so uvm.c only ever sees a page-aligned, non-wrapping
 * range below USER_TOP, a prot of PROT_READ|WRITE|EXEC bits and a mapping
 * type of MAP_SHARED or MAP_PRIVATE.
 */
#include <syscall.h>
#include <sched.h>
#include <uvm.h>
#include <file.h>
#include <errno.h>
#include <uapi.h>
#include <tmpfs.h>

#define PAGE_LOW (MM_PAGE_SIZE - 1)
#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
/* Linux's MAX_LFS_FILESIZE: a file mapping must end below it. */
#define FILE_OFFSET_MAX 0x7fffffffffffffffull

SYS_DECL(brk)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return uvm_brk(current->mm, a0);
}

/* The mapping type of flags (MAP_SHARED or MAP_PRIVATE), or an errno, as
 * do_mmap's switch: MAP_SHARED_VALIDATE refuses unknown flags, and means
 * nothing without a file. */
static long mmap_type(unsigned long flags, bool file)
{
	switch (flags & MAP_TYPE) {
	case MAP_SHARED_VALIDATE:
		if (!file)
			return -EINVAL;
		if (flags & ~(unsigned long)MAP_LEGACY_MASK)
			return -EOPNOTSUPP;
		return MAP_SHARED;
	case MAP_SHARED:
		return !file && (flags & MAP_GROWSDOWN) ? -EINVAL : MAP_SHARED;
	case MAP_PRIVATE:
		return MAP_PRIVATE;
	default:
		return -EINVAL;
	}
}

/* A file mapping of len at off must end below the largest file offset. */
static bool file_range_ok(uint64_t off, uint64_t len)
{
	return len <= FILE_OFFSET_MAX && off <= FILE_OFFSET_MAX - len;
}

/*
 * The inode of f (an initrd or tmpfs file) for a mapping of len at off,
 * or an errno as do_mmap's: a shared writable mapping needs f open for
 * writing (EACCES; the initrd never is) and no memfd F_SEAL_WRITE (EPERM);
 * any mapping needs f open for reading (EACCES).
 */
static long mmap_file(const struct file *f, uint64_t off, uint64_t len, unsigned long prot,
		      unsigned long type, const void **inode)
{
	bool shared_write = type == MAP_SHARED && (prot & PROT_WRITE);

	if (!file_range_ok(off, (len + PAGE_LOW) & ~PAGE_LOW))
		return -EOVERFLOW;
	if (f->kind != FILE_INITRD && f->kind != FILE_TMPFS)
		return -ENODEV;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if (shared_write && (f->kind == FILE_INITRD || (f->flags & O_ACCMODE) != O_RDWR))
		return -EACCES;
	if (shared_write && (f->inode->seals & TMPFS_SEAL_WRITE))
		return -EPERM;
	*inode = f->inode;
	return 0;
}

/*
 * Whether a shared mapping of f may ever be written (Linux's VM_MAYWRITE):
 * a tmpfs file open read-write. Other shared file mappings are made
 * private, so a later mprotect(PROT_WRITE) copies instead of writing to
 * the file (Linux refuses it with EACCES; the mapping shows 'p' in maps).
 */
static bool file_shared_writable(const struct file *f)
{
	return f->kind == FILE_TMPFS && (f->flags & O_ACCMODE) == O_RDWR &&
	       !(f->inode->seals & TMPFS_SEAL_WRITE);
}

/* mmap(addr, len, prot, flags, fd, off): an fd is an unsigned int, unknown
 * prot bits are ignored (Linux checks them only in mprotect). */
SYS_DECL(mmap)
{
	const void *inode = NULL;
	const struct file *f = NULL;
	unsigned long prot = a2 & PROT_RWX;

	if (a5 & PAGE_LOW)
		return -EINVAL;
	if (!(a3 & MAP_ANONYMOUS) && !(f = file_get((unsigned int)a4)))
		return -EBADF;
	if (!a1)
		return -EINVAL;
	long type = mmap_type(a3, f != NULL);
	if (type < 0)
		return type;
	if (f) {
		long err = mmap_file(f, a5, a1, prot, (unsigned long)type, &inode);
		if (err)
			return err;
		if (type == MAP_SHARED && !file_shared_writable(f))
			type = MAP_PRIVATE;  /* never written through: mprotect cannot make it so */
	}
	return uvm_mmap(current->mm, a0, a1, prot, (a3 & ~(unsigned long)MAP_TYPE) |
			(unsigned long)type, inode, f ? a5 : 0);
}

SYS_DECL(munmap)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return uvm_munmap(current->mm, a0, a1);
}

/*
 * mprotect(start, len, prot): unaligned start EINVAL, len 0 succeeds, a
 * wrapping or unmapped range ENOMEM, prot bits beyond RWX|SEM EINVAL;
 * PROT_GROWSDOWN reaches down to the start of a grows-down area.
 */
SYS_DECL(mprotect)
{
	struct mm *mm = current->mm;
	unsigned long grows = a2 & (PROT_GROWSDOWN | PROT_GROWSUP);
	unsigned long prot = a2 & ~grows;
	uint64_t start = a0, len = (a1 + PAGE_LOW) & ~PAGE_LOW;

	(void)a3, (void)a4, (void)a5;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || (start & PAGE_LOW))
		return -EINVAL;
	if (!a1)
		return 0;
	if (!len || start + len <= start)
		return -ENOMEM;
	if (prot & ~(unsigned long)(PROT_RWX | PROT_SEM))
		return -EINVAL;
	if (start + len > USER_TOP)
		return -ENOMEM;
	if (grows) {
		const struct vma *v = vma_lookup(&mm->vmas, start);
		if (!v)
			return -ENOMEM;
		if ((grows & PROT_GROWSUP) || !(v->flags & VMA_GROWSDOWN))
			return -EINVAL;
		len += start - v->start;
		start = v->start;
	}
	return uvm_mprotect(mm, start, len, prot & PROT_RWX);
}

/* Advice values with an effect or accepted as hints; the rest are EINVAL
 * (as Linux without KSM, THP or memory failure says of theirs). */
static bool madvise_known(int advice)
{
	return (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) || advice == MADV_FREE ||
	       advice == MADV_COLD || advice == MADV_PAGEOUT;
}

/*
 * madvise(start, len, int advice): unknown advice or unaligned start
 * EINVAL, a length that rounds to 0 or wraps EINVAL, len 0 succeeds, and
 * a range with unmapped pages ENOMEM (after the mapped ones are advised).
 */
SYS_DECL(madvise)
{
	int advice = (int)a2;
	uint64_t len = (a1 + PAGE_LOW) & ~PAGE_LOW;

	(void)a3, (void)a4, (void)a5;
	if (!madvise_known(advice) || (a0 & PAGE_LOW) || (a1 && !len) || a0 + len < a0)
		return -EINVAL;
	if (!len)
		return 0;
	if (a0 + len > USER_TOP)
		return -ENOMEM;
	return uvm_madvise(current->mm, a0, len, advice);
}

/*
 * Linux's do_mlock range, in its wrapping arithmetic: start rounded down
 * to its page, len grown by what that added and rounded up (a length that
 * rounds to 0 is an empty range). Returns 1 with the range in [*s, *e),
 * 0 when it is empty, -EINVAL when its end wraps, -ENOMEM when it ends
 * past user space (no area there).
 */
static long mlock_range(uint64_t start, uint64_t len, uint64_t *s, uint64_t *e)
{
	*s = start & ~PAGE_LOW;
	*e = *s + ((len + (start & PAGE_LOW) + PAGE_LOW) & ~PAGE_LOW);
	if (*e < *s)
		return -EINVAL;
	if (*e == *s)
		return 0;
	return *e > USER_TOP ? -ENOMEM : 1;
}

/*
 * mlock2(start, len, int flags): flags other than MLOCK_ONFAULT EINVAL, a
 * wrapping range EINVAL, len 0 succeeds, unmapped pages ENOMEM, no memory
 * to fault the range in EAGAIN; RLIMIT_MEMLOCK for a process that is not
 * root (uvm.h's limits.memlock): 0 EPERM (checked first, as Linux's
 * can_do_mlock), past it ENOMEM.
 */
static long do_mlock(uint64_t start, uint64_t len, unsigned flags)
{
	uint64_t s, e;

	if (flags & ~(unsigned)MLOCK_ONFAULT)
		return -EINVAL;
	if (!uvm_can_mlock(current->mm))
		return -EPERM;
	long range = mlock_range(start, len, &s, &e);
	return range <= 0 ? range : uvm_mlock(current->mm, s, e - s, flags & MLOCK_ONFAULT);
}

SYS_DECL(mlock)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_mlock(a0, a1, 0);
}

SYS_DECL(mlock2)
{
	(void)a3, (void)a4, (void)a5;
	return do_mlock(a0, a1, (unsigned)a2);
}

/* munlock(start, len): the range rules of mlock. */
SYS_DECL(munlock)
{
	uint64_t s, e;
	long range = mlock_range(a0, a1, &s, &e);

	(void)a2, (void)a3, (void)a4, (void)a5;
	return range <= 0 ? range : uvm_munlock(current->mm, s, e - s);
}

/* mlockall(int flags): 0, unknown bits or MCL_ONFAULT alone are EINVAL. */
SYS_DECL(mlockall)
{
	unsigned flags = (unsigned)(int)a0;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (!flags || (flags & ~(unsigned)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	return uvm_mlockall(current->mm, flags);
}

SYS_DECL(munlockall)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return uvm_munlockall(current->mm);
}

#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

/*
 * msync(start, len, int flags): Linux's checks in order (unknown flags,
 * an unaligned start, MS_ASYNC with MS_SYNC: EINVAL; a wrapping end
 * ENOMEM; len 0 succeeds), then the areas: MS_INVALIDATE of a locked one
 * EBUSY, a hole ENOMEM (the rest still synced). Nothing to write back:
 * the only shared writable file mappings are of tmpfs, whose page cache
 * is the file (Linux's shmem msync does no I/O either).
 */
SYS_DECL(msync)
{
	int flags = (int)a2;
	uint64_t start = a0, end = start + ((a1 + PAGE_LOW) & ~PAGE_LOW);

	(void)a3, (void)a4, (void)a5;
	if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || (start & PAGE_LOW) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (end < start)
		return -ENOMEM;
	return end == start ? 0 : uvm_msync(current->mm, start, end, flags & MS_INVALIDATE);
}
