/*
 * file.h: open files and per-task descriptor tables.
 *
 * Three kinds of file: the console (fds 0-2 of init; a tty for musl's
 * line buffering), initrd files (read-only, mappable), and /proc files
 * (their text generated when opened, so a reader sees one snapshot).
 * A struct file is shared by every descriptor that refers to it (fork);
 * refs counts them and the last close frees it.
 */
#ifndef GUEST_FILE_H
#define GUEST_FILE_H

#include <stdint.h>
#include <stddef.h>

struct task;
struct inode;

enum file_kind { FILE_CONSOLE, FILE_INITRD, FILE_PROC };

struct file {
	enum file_kind kind;
	int refs;
	int flags;              /* open flags */
	uint64_t pos;
	struct inode *inode;    /* FILE_INITRD */
	char *text;             /* FILE_PROC: generated text */
	size_t len;             /* its length */
	size_t cap;             /* its buffer size */
	int (*write)(struct file *f, const char *buf, size_t n); /* writable proc files */
	int pid;                /* FILE_PROC: the process it describes */
};

/* Opens the console as fds 0, 1 and 2 of t. Returns 0 or -ENOMEM. */
int file_open_console(struct task *t);
/* Copies t's table into child (shared files). */
void file_dup_table(struct task *child, const struct task *t);
void file_close_all(struct task *t);
/* The file behind fd of current, or NULL (any fd: bounded here). */
struct file *file_get(unsigned int fd);

/* /proc (proc.c): fills f->text for path, or returns -ENOENT. */
int proc_open(struct file *f, const char *path, int flags);
/* Writes console bytes (user output) to the serial port and the log. */
void console_write(const char *buf, size_t n);

#endif
