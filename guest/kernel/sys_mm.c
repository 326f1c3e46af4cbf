/*
 * sys_mm.c: the memory system calls, argument checks on top of uvm.c:
 * brk, mmap (anonymous, or private initrd files), munmap, mprotect,
 * madvise.
 */
#include <syscall.h>
#include <sched.h>
#include <uvm.h>
#include <file.h>
#include <errno.h>
#include <uapi.h>

SYS_DECL(brk)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return uvm_brk(current->mm, a0);
}

/* mmap(addr, len, prot, flags, fd, off) */
SYS_DECL(mmap)
{
	const void *inode = NULL;

	if (!(a3 & MAP_ANONYMOUS)) {
		struct file *f = file_get((int)a4);
		if (!f)
			return -EBADF;
		if (f->kind != FILE_INITRD)
			return -ENODEV;
		if ((a3 & MAP_TYPE) == MAP_SHARED && (a2 & PROT_WRITE))
			return -EACCES;     /* the initrd is read-only */
		inode = f->inode;
	}
	return uvm_mmap(current->mm, a0, a1, a2, a3, inode, a5);
}

SYS_DECL(munmap)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return uvm_munmap(current->mm, a0, a1);
}

SYS_DECL(mprotect)
{
	(void)a3, (void)a4, (void)a5;
	return uvm_mprotect(current->mm, a0, a1, a2);
}

SYS_DECL(madvise)
{
	(void)a3, (void)a4, (void)a5;
	return uvm_madvise(current->mm, a0, a1, (int)a2);
}
