/*
 * vmcoreinfo.c: a Linux guest's VMCOREINFO note, found in its RAM, and
 * its "KEY=value" lines (see vmcoreinfo.h for why a scan).
 *
 * The note as Linux writes it (include/linux/crash_core.h, append_elf_note):
 *   u32 namesz = 11, u32 descsz = text length, u32 type = 0,
 *   "VMCOREINFO\0" padded to 12, then descsz bytes of "KEY=value\n" text,
 *   the first line OSRELEASE=.
 */
#include "vmcoreinfo.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BYTES      4096u
#define NOTE_HEAD_BYTES 12u
#define NOTE_NAME_BYTES 12u    /* sizeof("VMCOREINFO") = 11, padded to 4 */
#define TEXT_OFF        (NOTE_HEAD_BYTES + NOTE_NAME_BYTES)
#define FIRST_KEY       "OSRELEASE="

static bool text_is_lines(const uint8_t *t, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (t[i] != '\n' && (t[i] < 0x20 || t[i] > 0x7e))
			return false;
	return true;
}

/* The note's text length if page p (room bytes left in the buffer) starts
 * with the note, else 0. */
static size_t note_at(const uint8_t *p, size_t room)
{
	uint32_t head[3];
	if (room < TEXT_OFF + sizeof(FIRST_KEY))
		return 0;
	memcpy(head, p, sizeof(head));
	if (head[0] != sizeof(VMCOREINFO_NOTE_NAME) || head[2] != VMCOREINFO_NOTE_TYPE ||
	    head[1] < sizeof(FIRST_KEY) - 1 || head[1] > VMCOREINFO_MAX ||
	    head[1] > room - TEXT_OFF)
		return 0;
	if (memcmp(p + NOTE_HEAD_BYTES, VMCOREINFO_NOTE_NAME, sizeof(VMCOREINFO_NOTE_NAME)) ||
	    memcmp(p + TEXT_OFF, FIRST_KEY, sizeof(FIRST_KEY) - 1) ||
	    !text_is_lines(p + TEXT_OFF, head[1]))
		return 0;
	return head[1];
}

int64_t vmcoreinfo_scan(const uint8_t *buf, size_t len, const uint8_t *resident,
			size_t *text_len)
{
	for (size_t off = 0; off + TEXT_OFF <= len; off += PAGE_BYTES) {
		if (resident && !mv_bit(resident, off / PAGE_BYTES))
			continue;
		size_t n = note_at(buf + off, len - off);
		if (n) {
			*text_len = n;
			return (int64_t)off;
		}
	}
	return -ENOENT;
}

int vmcoreinfo_find(const struct guest_memory *mem, uint8_t *const *resident,
		    struct vmcoreinfo *out)
{
	for (int i = 0; i < mem->nr_slots; i++) {
		const struct mem_slot *s = &mem->slots[i];
		size_t len;
		if (resident && !resident[i])
			continue;  /* residency unknown: touching it would make it resident */
		int64_t off = vmcoreinfo_scan(s->hva, s->size, resident ? resident[i] : NULL, &len);
		if (off < 0)
			continue;
		out->gpa = s->gpa + (uint64_t)off;
		out->len = len;
		memcpy(out->text, s->hva + off + TEXT_OFF, len);
		out->text[len] = 0;
		return 0;
	}
	return -ENOENT;
}

/* The line after the one at line, or NULL after the last. */
static const char *next_line(const char *line)
{
	const char *nl = strchr(line, '\n');
	return nl && nl[1] ? nl + 1 : NULL;
}

int vmcoreinfo_value(const char *text, const char *key, char *out, size_t max)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line; line = next_line(line)) {
		if (strncmp(line, key, klen) || line[klen] != '=')
			continue;
		const char *v = line + klen + 1;
		size_t n = strcspn(v, "\n");
		if (n >= max)
			return -ENAMETOOLONG;
		memcpy(out, v, n);
		out[n] = 0;
		return 0;
	}
	return -ENOENT;
}

int vmcoreinfo_number(const char *text, const char *key, uint64_t *value)
{
	char v[32], *end;
	int base = !strcmp(key, "KERNELOFFSET") || !strncmp(key, "SYMBOL(", 7) ? 16 : 10;
	int rc = vmcoreinfo_value(text, key, v, sizeof(v));
	if (rc < 0)
		return rc == -ENAMETOOLONG ? -EINVAL : rc;
	errno = 0;
	*value = strtoull(v, &end, base);
	return v[0] && !*end && !errno ? 0 : -EINVAL;
}
