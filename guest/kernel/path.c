/*
 * path.c: path name normalisation (path.h). State: none; every function
 * works on the buffers it is given.
 * Invariant of the result: starts with '/', no empty, "." or ".."
 * component, no trailing '/' unless it is the root.
 */
#include <path.h>
#include <errno.h>
#include <string.h>

/* Drops the last component of the normalised path out[0..len). */
static size_t pop_component(const char *out, size_t len)
{
	while (len > 1 && out[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

/* Appends component c (n bytes) to out[0..len); returns the new length or 0. */
static size_t push_component(char *out, size_t len, size_t size, const char *c, size_t n)
{
	size_t sep = len > 1 ? 1 : 0;

	if (len + sep + n + 1 > size)
		return 0;
	if (sep)
		out[len] = '/';
	memcpy(out + len + sep, c, n);
	out[len + sep + n] = 0;
	return len + sep + n;
}

/* Applies the components of @in to the path out[0..len). */
static long walk(const char *in, char *out, size_t len, size_t size)
{
	while (*in) {
		while (*in == '/')
			in++;
		size_t n = 0;
		while (in[n] && in[n] != '/')
			n++;
		if (n == 0 || (n == 1 && in[0] == '.')) {
			in += n;
			continue;
		}
		if (n == 2 && in[0] == '.' && in[1] == '.')
			len = pop_component(out, len);
		else if (!(len = push_component(out, len, size, in, n)))
			return -ENAMETOOLONG;
		out[len] = 0;
		in += n;
	}
	return (long)len;
}

long path_resolve(const char *base, const char *in, char *out, size_t size)
{
	const char *start = in[0] == '/' ? "/" : base;
	size_t len = strlen(start);

	if (len + 1 > size || size < 2)
		return -ENAMETOOLONG;
	memcpy(out, start, len + 1);
	return walk(in, out, len, size);
}
