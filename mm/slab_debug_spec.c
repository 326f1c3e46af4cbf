/*
 * slab_debug_spec.c: the slub_debug= boot parameter, read as Linux reads
 * it (Documentation/mm/slub.rst):
 *   slub_debug                    every check (F, Z, P, U) on every cache
 *   slub_debug=FZ                 those letters on every cache
 *   slub_debug=P,kmalloc-64,dent* those letters on the caches named (a
 *                                 trailing '*' matches a prefix); the
 *                                 other caches keep the global flags
 *   slub_debug=,kmalloc-64        every check, only on kmalloc-64
 *   slub_debug=FZ;-,kmalloc-*     blocks separated by ';', '-' clears
 * Letters are case-insensitive; an unknown one is logged and skipped.
 * T, A and O are Linux letters memvisor does not implement: logged and
 * skipped too. The first block naming a cache decides its flags.
 * Invariant: a spec that failed to parse is left empty (no debugging).
 */
#include "slab.h"

static bool ends_field(char ch)
{
	return !ch || ch == ',' || ch == ';';
}

static uint32_t letter_flag(char letter)
{
	switch (letter | 0x20) {
	case 'f': return SLAB_F_CONSISTENCY;
	case 'z': return SLAB_F_RED_ZONE;
	case 'p': return SLAB_F_POISON;
	case 'u': return SLAB_F_STORE_USER;
	}
	return 0;
}

/* Reads a block's letters (up to ',' or ';'); returns the position after them. */
static const char *parse_letters(const char *p, uint32_t *flags)
{
	if (*p == ',') {
		*flags = SLAB_F_DEBUG_ALL;
		return p;
	}
	*flags = 0;
	for (; !ends_field(*p); p++) {
		uint32_t f = letter_flag(*p);
		if (*p == '-')
			*flags = 0;
		else if (f)
			*flags |= f;
		else if ((*p | 0x20) == 't' || (*p | 0x20) == 'a' || (*p | 0x20) == 'o')
			mm_log("slub_debug option '%c' not supported by memvisor. skipped\n", *p);
		else
			mm_log("slub_debug option '%c' unknown. skipped\n", *p);
	}
	return p;
}

/* Copies one cache name (up to ',' or ';') into the block; -MM_EINVAL if it does not fit. */
static int add_name(struct slab_debug_block *b, const char **pp)
{
	const char *p = *pp;
	size_t n = 0;

	while (*p == ' ')
		p++;
	while (!ends_field(p[n]))
		n++;
	*pp = p + n;
	if (!n)
		return 0;
	if (n >= SLAB_NAME_LEN || b->nr_names == SLAB_DEBUG_NAMES) {
		mm_log("slub_debug: a block names more than %d caches or one longer than %d characters\n",
		       SLAB_DEBUG_NAMES, SLAB_NAME_LEN - 1);
		return -MM_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		b->names[b->nr_names][i] = p[i];
	b->names[b->nr_names++][n] = 0;
	return 0;
}

/* Reads one block at *pp (letters, then ",name,name..."); moves *pp past it. */
static int parse_block(struct slab_debug_spec *spec, const char **pp)
{
	uint32_t flags;
	const char *p = parse_letters(*pp, &flags);

	if (*p != ',') {
		spec->global_flags = flags;
		*pp = p;
		return 0;
	}
	if (spec->nr_blocks == SLAB_DEBUG_BLOCKS) {
		mm_log("slub_debug: more than %d blocks\n", SLAB_DEBUG_BLOCKS);
		return -MM_EINVAL;
	}
	struct slab_debug_block *b = &spec->block[spec->nr_blocks++];
	b->flags = flags;
	b->nr_names = 0;
	while (*p == ',') {
		p++;
		if (add_name(b, &p))
			return -MM_EINVAL;
	}
	*pp = p;
	return 0;
}

int slab_debug_parse(struct slab_debug_spec *spec, const char *value)
{
	spec->global_flags = 0;
	spec->nr_blocks = 0;
	if (!value || !*value) {
		spec->global_flags = SLAB_F_DEBUG_ALL;
		return 0;
	}
	for (const char *p = value; *p;) {
		while (*p == ';')
			p++;
		if (*p && parse_block(spec, &p)) {
			spec->global_flags = 0;
			spec->nr_blocks = 0;
			return -MM_EINVAL;
		}
	}
	return 0;
}

static bool name_matches(const char *pattern, const char *name)
{
	for (; *pattern; pattern++, name++) {
		if (*pattern == '*' && !pattern[1])
			return true;
		if (*pattern != *name)
			return false;
	}
	return !*name;
}

uint32_t slab_debug_flags_for(const struct slab_debug_spec *spec, const char *name)
{
	for (uint32_t i = 0; i < spec->nr_blocks; i++)
		for (uint32_t j = 0; j < spec->block[i].nr_names; j++)
			if (name_matches(spec->block[i].names[j], name))
				return spec->block[i].flags;
	return spec->global_flags;
}
