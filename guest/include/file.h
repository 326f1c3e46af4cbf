/*
 * file.h: open files and per-task descriptor tables.
 *
 * Seven kinds of file: the console (fds 0-2 of init; a tty for musl's
 * line buffering), /dev/null, initrd files (read-only, mappable), tmpfs
 * and memfd files (tmpfs.h: writable, mappable shared), /proc files
 * (their text generated when opened, so a reader sees one snapshot),
 * directories (of the initrd or of /proc; listed by getdents64) and the
 * two ends of a pipe (pipe.c).
 * A struct file is shared by every descriptor that refers to it (fork,
 * dup); refs counts them and the last close frees it. Close-on-exec is a
 * property of the descriptor (task.cloexec), not of the file.
 */
#ifndef GUEST_FILE_H
#define GUEST_FILE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct task;
struct inode;
struct linux_stat;

enum file_kind { FILE_CONSOLE, FILE_NULL, FILE_INITRD, FILE_PROC, FILE_DIR, FILE_PIPE,
		 FILE_TMPFS };

struct pipe;

#define TASK_NR_FILES 32
#define TASK_CWD_MAX 128             /* longest working directory, with its NUL */

/* A working directory and file mode creation mask, shared by the tasks
 * cloned with CLONE_FS (threads); refs counts them, the last put frees it. */
struct fs_info {
	int refs;
	char cwd[TASK_CWD_MAX];      /* absolute, normalised; "" means "/" */
	uint32_t umask;              /* umask(2): 0022 at boot, inherited */
};

/*
 * A descriptor table: one per process, shared by the tasks cloned with
 * CLONE_FILES (threads). refs counts those tasks; the last put closes
 * every descriptor.
 */
struct fd_table {
	int refs;
	struct file *files[TASK_NR_FILES];
	uint32_t cloexec;            /* bit fd: files[fd] closes on execve (FD_CLOEXEC) */
};

struct file {
	enum file_kind kind;
	int refs;
	int flags;              /* open flags */
	uint64_t pos;
	struct inode *inode;    /* FILE_INITRD, FILE_TMPFS (holding a reference) */
	char *text;             /* FILE_PROC: generated text */
	size_t len;             /* its length */
	size_t cap;             /* its buffer size */
	int (*write)(struct file *f, const char *buf, size_t n); /* writable proc files */
	int pid;                /* FILE_PROC: the process it describes */
	char *path;             /* FILE_DIR: its absolute normalised path */
	struct pipe *pipe;      /* FILE_PIPE: the pipe this end belongs to */
};

/* A new file of kind with open flags (refs 1), or NULL. */
struct file *file_new(enum file_kind kind, int flags);
/* Drops one reference; the last frees the file (and releases its pipe end). */
void file_put(struct file *f);
/* Installs f at the lowest free descriptor >= min of t (close-on-exec when
 * @cloexec). Returns the descriptor or -EMFILE. */
int file_fd_install(struct task *t, struct file *f, unsigned int min, bool cloexec);
/* Opens the file at user path upath relative to dfd (file_new'd, not
 * installed). Returns 0 or a negative errno (getname's, EBADF/ENOTDIR for
 * dfd, ENOENT...). */
long file_open_at(int dfd, uint64_t upath, int flags, struct file **out);
/* file_open_at with the mode O_CREAT gives a new file (before umask). */
long file_open_at_mode(int dfd, uint64_t upath, int flags, uint32_t mode, struct file **out);
/* The user path upath relative to dfd, resolved into an absolute normalised
 * kmalloc'd path (PATH_MAX bytes). Returns it, or NULL with *err set. */
char *file_getname_at(int dfd, uint64_t upath, long *err);
/* Resolves path (a PATH_MAX buffer) in place against the directory base.
 * Returns 0, -ENAMETOOLONG or -ENOMEM. */
long file_resolve(const char *base, char *path);
/* Sets or clears close-on-exec of t's descriptor fd (< TASK_NR_FILES). */
void file_set_cloexec(struct task *t, unsigned int fd, bool on);
/* Closes every close-on-exec descriptor of t (execve). */
void file_close_on_exec(struct task *t);
/* t's working directory ("/" when never changed). */
const char *file_cwd(const struct task *t);
/* file_open_at, or with AT_EMPTY_PATH in at_flags and an empty path, a new
 * reference to dfd's file (the working directory for AT_FDCWD). Returns 0
 * or a negative errno. */
long file_open_at_flags(int dfd, uint64_t upath, int at_flags, struct file **out);
/* The attributes stat reports for f. */
void file_fill_stat(const struct file *f, struct linux_stat *st);

/* Directories (dir.c). */
/* Whether the absolute normalised path names a directory. */
bool dir_exists(const char *path);
/* A FILE_DIR file for the directory at path (which exists). Returns 0 or -ENOMEM. */
int dir_open(const char *path, int flags, struct file **out);

/* Pipes (pipe.c). */
long pipe_read(struct file *f, uint64_t ubuf, uint64_t n);
long pipe_write(struct file *f, uint64_t ubuf, uint64_t n);
/* poll's readiness of a pipe end: POLLIN (bytes) or POLLHUP (no writer)
 * for the read end, POLLOUT (PIPE_BUF bytes of room) or POLLERR (no
 * reader) for the write end. */
int pipe_poll(struct file *f);
/* The end f is closed for good: wakes the other end. */
void pipe_release(struct file *f);

/* Opens the console as fds 0, 1 and 2 of t. Returns 0 or -ENOMEM. */
int file_open_console(struct task *t);
/* Copies t's table into child (shared files). */
/* child's descriptor table and working directory: t's shared (@share_files,
 * CLONE_FILES; @share_fs, CLONE_FS) or copies (t NULL: an empty table and
 * "/"). Returns 0 or -ENOMEM. */
int file_table_clone(struct task *child, const struct task *t, bool share_files, bool share_fs);
/* Gives t a private copy of a shared table (execve). Returns 0 or -ENOMEM. */
int file_table_unshare(struct task *t);
/* t stops using its table and working directory; the last user of the
 * table closes every descriptor. */
void file_close_all(struct task *t);
/* The file behind fd of current, or NULL (any fd: bounded here). */
struct file *file_get(unsigned int fd);

/* /proc (proc.c): fills f->text for path, or returns -ENOENT. */
int proc_open(struct file *f, const char *path, int flags);
/* The target of the /proc symbolic link at path (below /proc/: "self",
 * "12/exe"), written to buf (n bytes); NULL when path is no link. */
const char *proc_link(const char *path, char *buf, size_t n);
/* Whether path (below /proc/, e.g. "12" or "sys/vm") is a /proc directory. */
bool proc_dir_exists(const char *path);
/*
 * Name i of /proc's tree relevant to listing the directory @dir (below
 * /proc/, "" for /proc itself): a path below /proc/ whose components
 * after @dir name the entry; a name ending in '/' is a directory. Written
 * to buf (n bytes) when generated. NULL past the last.
 */
const char *proc_tree_name(const char *dir, unsigned i, char *buf, size_t n);
/* Writes console bytes (user output) to the serial port and the log. */
void console_write(const char *buf, size_t n);

#endif
