/*
 * libproc.h: reading the kernel's /proc files from the workloads.
 * Every function returns -1 when the file or the field is missing.
 */
#ifndef USER_LIBPROC_H
#define USER_LIBPROC_H

/* Reads a whole file into a static buffer; returns it or NULL. */
const char *proc_read(const char *path);
/* The number after "KEY" on the line starting with it ("MemFree:", "pgfault"). */
long proc_value(const char *path, const char *key);
/*
 * Sleeps in steps of 100 ms until the number after KEY in path reaches
 * want (the guest's progress, e.g. "balloon_inflate " in /proc/vmstat);
 * returns the value reached, or -1 at once when the field is missing.
 * No bound of its own: the caller's run has one.
 */
long proc_await_value(const char *path, const char *key, long want);
/* A field ("Rss:", "Shared_Dirty:"...) of the smaps entry covering addr, in kB. */
long smaps_value(const void *addr, const char *key);
/* The permission string ("rw-p") of the maps line covering addr, or NULL. */
const char *maps_perms(const void *addr);
/* What the maps line covering addr names ("[heap]", a file, "" when
 * anonymous), or NULL when addr is not mapped. */
const char *maps_name(const void *addr);

#endif
