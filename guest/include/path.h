/*
 * path.h: absolute, normalised path names (no "." or ".." components, no
 * repeated or trailing '/'; the root is "/"). Pure string work: nothing
 * here looks at the file tree, so ".." of a file name is taken lexically.
 */
#ifndef GUEST_PATH_H
#define GUEST_PATH_H

#include <stddef.h>

/*
 * Resolves @in against the directory @base (absolute and normalised) into
 * @out (@size bytes). Returns the length of the result, or -ENAMETOOLONG
 * when it does not fit.
 */
long path_resolve(const char *base, const char *in, char *out, size_t size);

#endif
