/*
 * access.c: access, faccessat and faccessat2 (syscall.h): whether the
 * caller may read, write or execute a file. Every task runs as root, so
 * as Linux's generic_permission for CAP_DAC_OVERRIDE: reading and writing
 * are allowed, executing only a directory or a file with an execute bit;
 * writing anything of the read-only initrd (its files and directories) is
 * EROFS, checked first as Linux's sb_permission. State: none.
 */
#include <file.h>
#include <sched.h>
#include <uaccess.h>
#include <syscall.h>
#include <errno.h>
#include <uapi.h>
#include <string.h>

#define ACCESS_MODES (R_OK | W_OK | X_OK)
#define FACCESSAT2_FLAGS (AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)

/* Whether f lives on the read-only initrd (not /proc, not a device). */
static bool on_readonly_fs(const struct file *f)
{
	if (f->kind == FILE_INITRD)
		return true;
	return f->kind == FILE_DIR && strcmp(f->path, "/proc") && strncmp(f->path, "/proc/", 6);
}

/* Root's answer for mode on f: 0, -EROFS or -EACCES. */
static long may_access(const struct file *f, int mode)
{
	struct linux_stat st;

	if ((mode & W_OK) && on_readonly_fs(f))
		return -EROFS;
	file_fill_stat(f, &st);
	if ((mode & X_OK) && (st.st_mode & S_IFMT) != S_IFDIR && !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

/* do_faccessat: mode and flags checked before the path is looked at. */
static long do_faccessat(int dfd, uint64_t upath, int mode, int flags)
{
	struct file *f = NULL;
	long err;

	if (mode & ~ACCESS_MODES)
		return -EINVAL;
	if (flags & ~FACCESSAT2_FLAGS)
		return -EINVAL;
	err = file_open_at_flags(dfd, upath, flags, &f);
	if (err)
		return err;
	err = may_access(f, mode);
	file_put(f);
	return err;
}

/* access(path, int mode) */
SYS_DECL(access)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return do_faccessat(AT_FDCWD, a0, (int)a1, 0);
}

/* faccessat(int dfd, path, int mode): no flags argument. */
SYS_DECL(faccessat)
{
	(void)a3, (void)a4, (void)a5;
	return do_faccessat((int)a0, a1, (int)a2, 0);
}

/* faccessat2(int dfd, path, int mode, int flags) */
SYS_DECL(faccessat2)
{
	(void)a4, (void)a5;
	return do_faccessat((int)a0, a1, (int)a2, (int)a3);
}
