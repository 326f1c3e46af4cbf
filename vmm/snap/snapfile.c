/*
 * snapfile.c: snapshot reader (see snapfile.h). The ELF header and program
 * headers are read with libelf; notes are walked by hand with every size
 * checked against what is left of the note segment.
 *
 * Invariant of what it returns: every count matches its array, and every
 * name (metadata strings, space comm, zone, slab and vmstat names) is a
 * NUL-terminated string inside its field, whatever the file held.
 */
#include "snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct parse {
	struct snap_file *f;
	struct mv_error *err;
	bool meta_seen;
};

static int bad(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mv_vfail(p->err, -EINVAL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * A note that is an array of fixed-size records; records with a name keep
 * it in a char array at name_off (name_size bytes, 0: no name), which the
 * writer NUL-terminates but a file need not: the reader does it.
 */
struct record_kind {
	const char *what;
	size_t size;
	size_t name_off, name_size;
};

#define NAMED_RECORD(what, type) \
	{ what, sizeof(type), offsetof(type, name), sizeof(((type *)0)->name) }

static const struct record_kind slot_records = { "slot", sizeof(struct snap_slot), 0, 0 };
static const struct record_kind zone_records = NAMED_RECORD("zone", struct snap_zone);
static const struct record_kind slab_records = NAMED_RECORD("slab", struct snap_slab);
static const struct record_kind vmstat_records = NAMED_RECORD("vmstat", struct snap_counter);

/* Ends every record's name within its array, so names are always strings. */
static void terminate_names(uint8_t *recs, size_t n, const struct record_kind *k)
{
	for (size_t i = 0; k->name_size && i < n; i++)
		recs[i * k->size + k->name_off + k->name_size - 1] = 0;
}

/* Copies the records of one note into a new array at *out (n of them). */
static int copy_records(struct parse *p, const uint8_t *desc, size_t len,
			const struct record_kind *k, void **out, size_t *n)
{
	if (len % k->size)
		return bad(p, "%s note of %zu bytes is not a whole number of %zu-byte records",
			   k->what, len, k->size);
	if (*out)
		return bad(p, "more than one %s note", k->what);
	*out = malloc(len ? len : 1);
	if (!*out)
		return bad(p, "out of memory");
	memcpy(*out, desc, len);
	*n = len / k->size;
	terminate_names(*out, *n, k);
	return 0;
}

/*
 * Zone records: a version 1 file's are SNAP_ZONE_V1_SIZE bytes, the fields
 * before node; they are widened to today's record (node 0, counters 0).
 */
static int parse_zones(struct parse *p, const uint8_t *desc, size_t len)
{
	struct snap_file *f = p->f;
	if (f->meta.format_version >= 2)
		return copy_records(p, desc, len, &zone_records, (void **)&f->zones, &f->nr_zones);
	const struct record_kind v1 = { "zone", SNAP_ZONE_V1_SIZE, zone_records.name_off,
					zone_records.name_size };
	uint8_t *old = NULL;
	size_t n = 0;
	int rc = copy_records(p, desc, len, &v1, (void **)&old, &n);
	if (rc < 0)
		return rc;
	if (f->zones) {
		free(old);
		return bad(p, "more than one zone note");
	}
	f->zones = calloc(n ? n : 1, sizeof(*f->zones));
	if (!f->zones) {
		free(old);
		return bad(p, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		memcpy(&f->zones[i], old + i * SNAP_ZONE_V1_SIZE, SNAP_ZONE_V1_SIZE);
	f->nr_zones = n;
	free(old);
	return 0;
}
_Static_assert(offsetof(struct snap_zone, node) == SNAP_ZONE_V1_SIZE,
	       "version 1 zone records end where node begins");

static int parse_meta(struct parse *p, const uint8_t *desc, size_t len)
{
	if (len != sizeof(struct snap_meta))
		return bad(p, "metadata note has %zu bytes, expected %zu", len,
			   sizeof(struct snap_meta));
	memcpy(&p->f->meta, desc, len);
	if (p->f->meta.format_version < SNAP_FORMAT_OLDEST ||
	    p->f->meta.format_version > SNAP_FORMAT_VERSION)
		return bad(p, "snapshot format version %u; this memvisor reads versions %d to %d",
			   p->f->meta.format_version, SNAP_FORMAT_OLDEST, SNAP_FORMAT_VERSION);
	p->f->meta.kernel[sizeof(p->f->meta.kernel) - 1] = 0;
	p->f->meta.reason[sizeof(p->f->meta.reason) - 1] = 0;
	p->f->meta.error[sizeof(p->f->meta.error) - 1] = 0;
	p->meta_seen = true;
	return 0;
}

static int parse_space(struct parse *p, const uint8_t *desc, size_t len)
{
	struct snap_file *f = p->f;
	struct snap_space hdr;
	if (len < sizeof(hdr))
		return bad(p, "address-space note of %zu bytes is too short", len);
	memcpy(&hdr, desc, sizeof(hdr));
	if ((len - sizeof(hdr)) / sizeof(struct snap_range) != hdr.nr_ranges ||
	    (len - sizeof(hdr)) % sizeof(struct snap_range))
		return bad(p, "address space %d claims %u ranges in %zu bytes", hdr.pid,
			   hdr.nr_ranges, len);
	if (f->nr_spaces == SNAPFILE_MAX_SPACES)
		return bad(p, "more than %d address spaces", SNAPFILE_MAX_SPACES);
	struct snap_space_view *s = realloc(f->spaces, (f->nr_spaces + 1) * sizeof(*s));
	if (!s)
		return bad(p, "out of memory");
	f->spaces = s;
	s = &f->spaces[f->nr_spaces];
	s->hdr = hdr;
	s->hdr.comm[sizeof(s->hdr.comm) - 1] = 0;
	s->ranges = malloc(len - sizeof(hdr) + 1);
	if (!s->ranges)
		return bad(p, "out of memory");
	memcpy(s->ranges, desc + sizeof(hdr), len - sizeof(hdr));
	for (uint32_t i = 0; i < hdr.nr_ranges; i++) {
		uint32_t shift = s->ranges[i].shift;
		if (shift != 12 && shift != 21 && shift != 30) {
			free(s->ranges);
			return bad(p, "address space %d, range %u: page shift %u (need 12, 21 or 30)",
				   hdr.pid, i, shift);
		}
	}
	f->nr_spaces++;
	return 0;
}

/* Host residency and dirty notes: a header, then an optional bitmap. */
static int parse_bitmap(struct parse *p, const uint8_t *desc, size_t len, bool dirty)
{
	struct snap_bitmap_view v = { 0 };
	struct snap_bitmap_view **arr = dirty ? &p->f->dirty : &p->f->host;
	size_t *n = dirty ? &p->f->nr_dirty : &p->f->nr_host;
	struct snap_host h;
	if (len < sizeof(h))
		return bad(p, "%s note too short", dirty ? "dirty" : "host");
	memcpy(&h, desc, sizeof(h)); /* snap_dirty has the same shape */
	v.slot = h.slot;
	v.valid = dirty ? h.pad != 0 : true;
	v.pages = h.pages;
	v.count = h.resident;
	size_t body = len - sizeof(h);
	if (*n >= 64)
		return bad(p, "too many %s notes", dirty ? "dirty" : "host");
	if (body && (v.pages > (uint64_t)body * 8 || v.count > v.pages))
		return bad(p, "%s bitmap of %zu bytes cannot hold %llu pages",
			   dirty ? "dirty" : "host", body, (unsigned long long)v.pages);
	if (body && (v.bits = malloc(body)) == NULL)
		return bad(p, "out of memory");
	if (body)
		memcpy(v.bits, desc + sizeof(h), body);
	struct snap_bitmap_view *a = realloc(*arr, (*n + 1) * sizeof(*a));
	if (!a) {
		free(v.bits);
		return bad(p, "out of memory");
	}
	*arr = a;
	a[(*n)++] = v;
	return 0;
}

static int parse_log(struct parse *p, const uint8_t *desc, size_t len)
{
	if (p->f->log)
		return bad(p, "more than one log note");
	p->f->log = malloc(len + 1);
	if (!p->f->log)
		return bad(p, "out of memory");
	memcpy(p->f->log, desc, len);
	p->f->log[len] = 0;
	return 0;
}

static int parse_cpu(struct parse *p, const uint8_t *desc, size_t len)
{
	struct snap_cpu_view v = { .gdt = NULL };
	struct snap_file *f = p->f;
	if (len < sizeof(v.hdr))
		return bad(p, "vCPU note of %zu bytes, shorter than its header", len);
	memcpy(&v.hdr, desc, sizeof(v.hdr));
	if (v.hdr.gdt_bytes > SNAP_GDT_MAX || v.hdr.gdt_bytes != len - sizeof(v.hdr))
		return bad(p, "vCPU %u note: %u GDT bytes announced, %zu there", v.hdr.cpu,
			   v.hdr.gdt_bytes, len - sizeof(v.hdr));
	if (f->nr_cpu_notes >= 256)
		return bad(p, "too many vCPU notes");
	if (v.hdr.gdt_bytes && (v.gdt = malloc(v.hdr.gdt_bytes)) == NULL)
		return bad(p, "out of memory");
	if (v.gdt)
		memcpy(v.gdt, desc + sizeof(v.hdr), v.hdr.gdt_bytes);
	struct snap_cpu_view *a = realloc(f->cpus, (f->nr_cpu_notes + 1) * sizeof(*a));
	if (!a) {
		free(v.gdt);
		return bad(p, "out of memory");
	}
	f->cpus = a;
	a[f->nr_cpu_notes++] = v;
	return 0;
}

static int keep_save_note(struct parse *p, uint32_t type, const uint8_t *desc, size_t len)
{
	struct snap_file *f = p->f;
	if (f->nr_save_notes == SNAPFILE_MAX_SAVE_NOTES)
		return bad(p, "more than %d save notes", SNAPFILE_MAX_SAVE_NOTES);
	struct snap_note_view v = { .type = type, .len = len, .desc = malloc(len ? len : 1) };
	struct snap_note_view *a = realloc(f->save_notes, (f->nr_save_notes + 1) * sizeof(*a));
	if (!v.desc || !a) {
		free(v.desc);
		if (a)
			f->save_notes = a;
		return bad(p, "out of memory");
	}
	memcpy(v.desc, desc, len);
	f->save_notes = a;
	a[f->nr_save_notes++] = v;
	return 0;
}

static int parse_mv_note(struct parse *p, uint32_t type, const uint8_t *desc, size_t len)
{
	struct snap_file *f = p->f;
	if (!p->meta_seen && type != SNAP_NT_META)
		return bad(p, "the metadata note must come first");
	if (type >= SNAP_SAVE_FIRST && type <= SNAP_SAVE_LAST)
		return keep_save_note(p, type, desc, len);
	switch (type) {
	case SNAP_NT_META:   return p->meta_seen ? bad(p, "two metadata notes") : parse_meta(p, desc, len);
	case SNAP_NT_SLOTS:  return copy_records(p, desc, len, &slot_records,
						 (void **)&f->slots, &f->nr_slots);
	case SNAP_NT_SPACE:  return parse_space(p, desc, len);
	case SNAP_NT_ZONES:  return parse_zones(p, desc, len);
	case SNAP_NT_SLABS:  return copy_records(p, desc, len, &slab_records,
						 (void **)&f->slabs, &f->nr_slabs);
	case SNAP_NT_VMSTAT: return copy_records(p, desc, len, &vmstat_records,
						 (void **)&f->vmstat, &f->nr_vmstat);
	case SNAP_NT_HOST:   return parse_bitmap(p, desc, len, false);
	case SNAP_NT_DIRTY:  return parse_bitmap(p, desc, len, true);
	case SNAP_NT_LOG:    return parse_log(p, desc, len);
	case SNAP_NT_CPU:    return parse_cpu(p, desc, len);
	default:             return 0; /* a newer writer's note: skip it */
	}
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int parse_notes(struct parse *p, const uint8_t *b, size_t len)
{
	size_t off = 0;
	while (off < len) {
		uint32_t hdr[3];
		if (len - off < sizeof(hdr))
			return bad(p, "truncated note header at offset %zu of the note segment", off);
		memcpy(hdr, b + off, sizeof(hdr));
		off += sizeof(hdr);
		if (hdr[0] > len - off || pad4(hdr[0]) > len - off ||
		    hdr[1] > len - off - pad4(hdr[0]) ||
		    pad4(hdr[1]) > len - off - pad4(hdr[0]))
			return bad(p, "note at offset %zu runs past the note segment", off - 12);
		const char *name = (const char *)b + off;
		const uint8_t *desc = b + off + pad4(hdr[0]);
		off += pad4(hdr[0]) + pad4(hdr[1]);
		if (hdr[0] == 5 && !memcmp(name, "CORE", 5) && hdr[2] == NT_PRSTATUS)
			p->f->nr_cpus++;
		else if (hdr[0] == sizeof(SNAP_NOTE_NAME) && !memcmp(name, SNAP_NOTE_NAME, hdr[0]) &&
			 parse_mv_note(p, hdr[2], desc, hdr[1]) < 0)
			return -EINVAL;
	}
	if (!p->meta_seen)
		return bad(p, "no memvisor metadata note: not a memvisor snapshot");
	return 0;
}

static int add_load(struct parse *p, const GElf_Phdr *ph)
{
	struct snap_file *f = p->f;
	struct snap_load *a = realloc(f->loads, ((size_t)f->nr_loads + 1) * sizeof(*a));
	if (!a)
		return bad(p, "out of memory");
	f->loads = a;
	a[f->nr_loads++] = (struct snap_load){ .paddr = ph->p_paddr, .vaddr = ph->p_vaddr,
					       .offset = ph->p_offset, .filesz = ph->p_filesz };
	return 0;
}

static int parse_elf(struct parse *p, Elf *e, const uint8_t *buf, size_t len)
{
	GElf_Ehdr eh;
	size_t n;
	int notes = 0;
	if (elf_kind(e) != ELF_K_ELF || gelf_getclass(e) != ELFCLASS64 || !gelf_getehdr(e, &eh))
		return bad(p, "not an ELF64 file");
	if (eh.e_type != ET_CORE || eh.e_machine != EM_X86_64)
		return bad(p, "ELF type %u machine %u: not an x86-64 core file", eh.e_type,
			   eh.e_machine);
	if (elf_getphdrnum(e, &n) < 0 || n == 0 || n > 256)
		return bad(p, "unreasonable program header count");
	if (eh.e_shoff > len || (uint64_t)eh.e_shnum * eh.e_shentsize > len - eh.e_shoff)
		return bad(p, "section headers lie past the end of the file (truncated?)");
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return bad(p, "program header %zu unreadable", i);
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return bad(p, "segment %zu lies past the end of the file", i);
		if (ph.p_type == PT_LOAD && add_load(p, &ph) < 0)
			return -EINVAL;
		if (ph.p_type == SNAP_PT_DISK) {
			if (p->f->has_disk)
				return bad(p, "two disk segments");
			p->f->has_disk = true;
			p->f->disk = (struct snap_load){ .offset = ph.p_offset, .filesz = ph.p_filesz };
		}
		if (ph.p_type == PT_NOTE && notes++ == 0 &&
		    parse_notes(p, buf + ph.p_offset, ph.p_filesz) < 0)
			return -EINVAL;
	}
	return notes ? 0 : bad(p, "no note segment: not a memvisor snapshot");
}

int snapfile_parse(struct snap_file *f, const void *buf, size_t len, struct mv_error *err)
{
	struct parse p = { .f = f, .err = err };
	memset(f, 0, sizeof(*f));
	if (len < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG))
		return bad(&p, "not an ELF file");
	elf_version(EV_CURRENT);
	Elf *e = elf_memory((char *)(uintptr_t)buf, len);
	int rc = e ? parse_elf(&p, e, buf, len) : bad(&p, "libelf: %s", elf_errmsg(-1));
	if (e)
		elf_end(e);
	if (rc)
		snapfile_free(f);
	return rc;
}

int snapfile_read(struct snap_file *f, const char *path, struct mv_error *err)
{
	struct stat st;
	memset(f, 0, sizeof(*f));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mv_fail_errno(err, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return mv_fail(err, -EINVAL, "%s: not a snapshot file", path);
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return mv_fail_errno(err, "%s", path);
	struct mv_error why;
	int rc = snapfile_parse(f, map, (size_t)st.st_size, &why);
	munmap(map, (size_t)st.st_size);
	if (rc)
		mv_fail(err, rc, "%s: %s", path, why.msg);
	return rc;

}

void snapfile_free(struct snap_file *f)
{
	for (size_t i = 0; i < f->nr_spaces; i++)
		free(f->spaces[i].ranges);
	for (size_t i = 0; i < f->nr_host; i++)
		free(f->host[i].bits);
	for (size_t i = 0; i < f->nr_dirty; i++)
		free(f->dirty[i].bits);
	for (size_t i = 0; i < f->nr_cpu_notes; i++)
		free(f->cpus[i].gdt);
	for (size_t i = 0; i < f->nr_save_notes; i++)
		free(f->save_notes[i].desc);
	free(f->save_notes);
	free(f->loads);
	free(f->cpus);
	free(f->spaces);
	free(f->host);
	free(f->dirty);
	free(f->slots);
	free(f->zones);
	free(f->slabs);
	free(f->vmstat);
	free(f->log);
	memset(f, 0, sizeof(*f));
}

const struct snap_space_view *snapfile_space(const struct snap_file *f, int32_t pid)
{
	for (size_t i = 0; i < f->nr_spaces; i++)
		if (f->spaces[i].hdr.pid == pid)
			return &f->spaces[i];
	return NULL;
}
