/*
 * libproc.c: /proc parsing for the workloads (libproc.h). Not reentrant:
 * results point into one static buffer.
 */
#include "libproc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

const char *proc_read(const char *path)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return NULL;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	return buf;
}

/* The value after key on the first line of text starting with key. */
static long line_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, klen))
			return strtol(l + klen, NULL, 10);
	}
	return -1;
}

long proc_value(const char *path, const char *key)
{
	const char *text = proc_read(path);

	return text ? line_value(text, key) : -1;
}

long proc_await_value(const char *path, const char *key, long want)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	long v;

	while ((v = proc_value(path, key)) >= 0 && v < want)
		nanosleep(&tick, NULL);
	return v;
}

/* The maps/smaps header line covering addr, or NULL. */
static const char *find_area(const char *text, const void *addr)
{
	unsigned long a = (unsigned long)addr, start, end;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (sscanf(l, "%lx-%lx ", &start, &end) == 2 && a >= start && a < end)
			return l;
	}
	return NULL;
}

long smaps_value(const void *addr, const char *key)
{
	const char *text = proc_read("/proc/self/smaps");
	const char *area = text ? find_area(text, addr) : NULL;

	return area ? line_value(strchr(area, '\n') + 1, key) : -1;
}

const char *maps_perms(const void *addr)
{
	static char perms[5];
	const char *text = proc_read("/proc/self/maps");
	const char *area = text ? find_area(text, addr) : NULL;

	const char *sp = area ? strchr(area, ' ') : NULL;

	if (!sp || sscanf(sp + 1, "%4s", perms) != 1)
		return NULL;
	return perms;
}

const char *maps_name(const void *addr)
{
	static char name[256];
	const char *text = proc_read("/proc/self/maps");
	const char *area = text ? find_area(text, addr) : NULL;
	int len = 0;

	if (!area)
		return NULL;
	/* start-end perms offset dev inode [name] */
	if (sscanf(area, "%*s %*s %*s %*s %*s%n", &len) < 0 || !len)
		return NULL;
	const char *n = area + len;
	n += strspn(n, " ");
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(n, "\n"), n);
	return name;
}
