/*
 * exec.h: loading an ELF64 executable from the initrd into a fresh
 * address space (with its interpreter, ld.so, when it names one), with
 * argv, envp and the auxiliary vector on its stack.
 */
#ifndef GUEST_EXEC_H
#define GUEST_EXEC_H

#include <stddef.h>
#include <stdbool.h>

struct task;

/* argv then envp strings, each NUL-terminated, back to back in buf. */
struct exec_args {
	char *buf;
	size_t len, cap;
	int argc, envc;
};

#define EXEC_ARGS_MAX 8192

/* Returns 0 or -ENOMEM. */
int exec_args_init(struct exec_args *a);
void exec_args_free(struct exec_args *a);
/* Appends one string (argv first, then envp). Returns 0 or -E2BIG. */
int exec_args_add(struct exec_args *a, const char *s, size_t len, bool env);

/*
 * Replaces t's address space with the program at path (t must be current).
 * On success t's user frame starts the program; on failure t keeps its
 * old space. Returns 0, -ENOENT, -ENOEXEC, -ENOMEM or -EFAULT; a bad
 * interpreter also -EIO, -ELIBBAD or -EINVAL (exec.c).
 */
int exec_image(struct task *t, const char *path, const struct exec_args *a);

/* Starts pid 1 from the command line (init=). Returns 0 or a negative errno. */
int exec_start_init(void);

#endif
