/*
 * sysfs.h: the part of Linux's /sys the guest has, the NUMA topology
 * (sysfs.c): /sys/devices/system/node/{online,possible,has_memory,has_cpu},
 * /sys/devices/system/node/nodeN/{cpulist,cpumap,distance,meminfo,numastat}
 * and /sys/devices/system/cpu/{online,possible}, read-only, in Linux's
 * formats. A file's text is generated when it is opened (a FILE_PROC
 * file, as /proc's); the directories are the prefixes of the file names.
 *
 * Interface (paths below /sys/, "" for /sys itself):
 *   sysfs_open         fills f->text for a file, or -ENOENT / -EACCES
 *   sysfs_dir_exists   whether a path is a directory
 *   sysfs_tree_name    name i of the tree, for dir.c's listings
 */
#ifndef GUEST_SYSFS_H
#define GUEST_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

struct file;

/* Fills f->text with the file at path. Returns 0, -ENOENT (no such file),
 * -EACCES (opened for writing: every file is read-only) or -ENOMEM. */
int sysfs_open(struct file *f, const char *path, int flags);
bool sysfs_dir_exists(const char *path);
/*
 * Name i of /sys's files ("devices/system/node/node1/meminfo"), whatever
 * directory @dir is listed (dir.c keeps the names below it); written to
 * buf (n bytes) when generated. NULL past the last.
 */
const char *sysfs_tree_name(const char *dir, unsigned i, char *buf, size_t n);

#endif
