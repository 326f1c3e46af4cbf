/*
 * tamper.c: damaged copies of save files (tamper.h). Every step asserts,
 * so a test fails at the step that went wrong.
 */
#include "tamper.h"

#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "snapfmt.h"

void tamper_copy(const char *from, const char *to, long long len)
{
	const char *argv[] = { "cp", "--sparse=always", from, to, NULL };
	struct vm_run r;

	ck_assert_int_eq(prog_run(&r, argv), 0);
	ck_assert_int_eq(r.status, 0);
	vm_run_free(&r);
	if (len >= 0)
		ck_assert_int_eq(truncate(to, len), 0);
}

void tamper_flip(const char *file, long long off, unsigned char x)
{
	int fd = open(file, O_RDWR);
	unsigned char b;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &b, 1, off), 1);
	b ^= x;
	ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

long long tamper_note_record(const char *file, uint32_t type, uint32_t size)
{
	const uint32_t hdr[3] = { sizeof(SNAP_NOTE_NAME), size, type };
	char *buf = malloc(1 << 16);
	int fd = open(file, O_RDONLY);
	ssize_t n;
	char *at;
	long long off;

	ck_assert_int_ge(fd, 0);
	n = pread(fd, buf, 1 << 16, 0);
	close(fd);
	at = n > 0 ? memmem(buf, (size_t)n, hdr, sizeof(hdr)) : NULL;
	ck_assert_msg(at != NULL, "no note %#x in the first 64K of %s", type, file);
	off = (at - buf) + (long long)sizeof(hdr) + (long long)((sizeof(SNAP_NOTE_NAME) + 3) & ~3ul);
	free(buf);
	return off;
}

void tamper_assert_refused(const char *file, const char *why)
{
	const char *argv[] = { "run", "--restore", file, "--timeout", "30", NULL };
	struct vm_run r;

	ck_assert_int_eq(vm_run(&r, argv), 0);
	ck_assert_msg(r.status == 2, "%s: status %d\n%s", file, r.status, r.console);
	ck_assert_msg(strstr(r.console, why) != NULL, "expected '%s':\n%s", why, r.console);
	ck_assert_msg(strchr(r.console, '\n') == r.console + r.len - 1, "more than one line:\n%s",
		      r.console);
	vm_run_free(&r);
}
