/*
 * xattr.c: the extended-attribute calls (getxattr, setxattr, listxattr,
 * removexattr with their l- and f- forms). No file system here stores
 * extended attributes (the initrd is read-only, /proc has none), so as
 * Linux on such a file system: the file is looked up first (ENOENT,
 * EFAULT, EBADF), then set's flags (EINVAL), the name (ERANGE for an empty
 * name or one longer than 255 bytes, EFAULT) and set's size (E2BIG above
 * 64 KiB), then get, set and remove answer
 * EOPNOTSUPP and list an empty list (0). There are no symbolic links, so
 * an l- form is its plain form. State: none.
 */
#include <file.h>
#include <sched.h>
#include <uaccess.h>
#include <syscall.h>
#include <errno.h>
#include <uapi.h>

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE   1
#define XATTR_REPLACE  2

/* The file named by a path (path forms) or an fd (f- forms): 0 or -errno. */
static long xattr_target(bool by_fd, uint64_t arg)
{
	struct file *f = NULL;

	if (by_fd)
		return file_get((unsigned int)arg) ? 0 : -EBADF;
	long err = file_open_at(AT_FDCWD, arg, O_RDONLY, &f);
	if (!err)
		file_put(f);
	return err;
}

static long xattr_name(uint64_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	long len = strncpy_from_user(name, uname, sizeof(name));

	if (len == -ENAMETOOLONG || len == 0)
		return -ERANGE;
	return len < 0 ? len : 0;
}

/* get, set and remove: the target, then the name, then no attributes here. */
static long xattr_named(bool by_fd, uint64_t target, uint64_t uname)
{
	long err = xattr_target(by_fd, target);
	return err ? err : xattr_name(uname) ?: -EOPNOTSUPP;
}

/* set: the target, then the flags, the name and the value's size, as Linux checks them. */
static long xattr_set(bool by_fd, uint64_t target, uint64_t uname, uint64_t size, uint64_t flags)
{
	long err = xattr_target(by_fd, target);
	if (err)
		return err;
	if (flags & ~(uint64_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	err = xattr_name(uname);
	if (err)
		return err;
	return size > XATTR_SIZE_MAX ? -E2BIG : -EOPNOTSUPP;
}

static long xattr_list(bool by_fd, uint64_t target)
{
	return xattr_target(by_fd, target); /* 0: an empty list */
}

SYS_DECL(getxattr) { (void)a2, (void)a3, (void)a4, (void)a5; return xattr_named(false, a0, a1); }
SYS_DECL(lgetxattr) { (void)a2, (void)a3, (void)a4, (void)a5; return xattr_named(false, a0, a1); }
SYS_DECL(fgetxattr) { (void)a2, (void)a3, (void)a4, (void)a5; return xattr_named(true, a0, a1); }
SYS_DECL(setxattr) { (void)a2, (void)a5; return xattr_set(false, a0, a1, a3, a4); }
SYS_DECL(lsetxattr) { (void)a2, (void)a5; return xattr_set(false, a0, a1, a3, a4); }
SYS_DECL(fsetxattr) { (void)a2, (void)a5; return xattr_set(true, a0, a1, a3, a4); }
SYS_DECL(removexattr) { (void)a2, (void)a3, (void)a4, (void)a5; return xattr_named(false, a0, a1); }
SYS_DECL(lremovexattr) { (void)a2, (void)a3, (void)a4, (void)a5; return xattr_named(false, a0, a1); }
SYS_DECL(fremovexattr) { (void)a2, (void)a3, (void)a4, (void)a5; return xattr_named(true, a0, a1); }
SYS_DECL(listxattr) { (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return xattr_list(false, a0); }
SYS_DECL(llistxattr) { (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return xattr_list(false, a0); }
SYS_DECL(flistxattr) { (void)a1, (void)a2, (void)a3, (void)a4, (void)a5; return xattr_list(true, a0); }
