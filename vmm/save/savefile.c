/*
 * savefile.c: decodes and checks a save file's notes (see savefile.h).
 *
 * Invariant of a parsed image: hdr.nr_cpus vCPU records with ids 0..n-1,
 * each once; RAM size valid and laid out as mem_layout() lays it; one
 * PT_LOAD and one page bitmap per slot, inside the file; one record of
 * every device in hdr.devices, and of no other.
 */
#include "savefile.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct decode {
	struct save_image *img;
	struct mv_error *err;
	bool seen_save, seen_chips, seen_serial, seen_balloon, seen_blk, seen_numa;
	bool seen_virtio[2], seen_pages[MEM_MAX_SLOTS];
	bool seen_cpu[VM_MAX_CPUS];
	int nr_vcpus;
};

static int bad(struct decode *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct decode *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mv_vfail(d->err, -EINVAL, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A note that must come once with exactly `size` bytes. */
static int fixed_once(struct decode *d, const struct snap_note_view *n, size_t size, bool *seen,
		      const char *what, void *out)
{
	if (*seen)
		return bad(d, "two %s notes", what);
	if (n->len != size)
		return bad(d, "%s note has %zu bytes, expected %zu", what, n->len, size);
	memcpy(out, n->desc, size);
	*seen = true;
	return 0;
}

static int check_sizes(struct decode *d, const struct snap_save *h)
{
	if (h->vcpu_state_size != sizeof(struct vcpu_state) ||
	    h->chip_state_size != sizeof(struct vm_chip_state) ||
	    h->virtio_state_size != sizeof(struct virtio_mmio_state) ||
	    h->balloon_state_size != sizeof(struct balloon_state) ||
	    h->blk_state_size != sizeof(struct blk_state) ||
	    h->serial_state_size != sizeof(struct serial_state))
		return bad(d, "saved state records have other sizes than this memvisor's");
	return 0;
}

/* The layout the RAM size implies must be the file's slots and loads. */
static int check_layout(struct decode *d)
{
	struct save_image *img = d->img;
	const struct snap_file *f = &img->file;
	struct mem_slot slots[MEM_MAX_SLOTS];
	img->nr_slots = mem_layout(img->hdr.ram_size, slots);
	if (f->nr_slots != (size_t)img->nr_slots || img->hdr.nr_slots != (uint32_t)img->nr_slots)
		return bad(d, "%zu memory slots recorded; %llu bytes of RAM make %d", f->nr_slots,
			   (unsigned long long)img->hdr.ram_size, img->nr_slots);
	for (int i = 0; i < img->nr_slots; i++) {
		if (f->slots[i].gpa != slots[i].gpa || f->slots[i].size != slots[i].size)
			return bad(d, "memory slot %d is not where %llu bytes of RAM put it", i,
				   (unsigned long long)img->hdr.ram_size);
		img->ram[i] = (struct save_ram){ .gpa = slots[i].gpa, .size = slots[i].size };
		int k = 0;
		while (k < f->nr_loads && f->loads[k].paddr != slots[i].gpa)
			k++;
		if (k == f->nr_loads || f->loads[k].filesz != slots[i].size ||
		    f->loads[k].offset % 4096)
			return bad(d, "no page-aligned RAM segment of %llu bytes for slot %d",
				   (unsigned long long)slots[i].size, i);
		img->ram[i].file_offset = f->loads[k].offset;
	}
	return 0;
}

static int decode_save(struct decode *d, const struct snap_note_view *n)
{
	struct save_image *img = d->img;
	struct mv_error why;
	int rc = fixed_once(d, n, sizeof(img->hdr), &d->seen_save, "save", &img->hdr);
	if (rc < 0)
		return rc;
	if (img->hdr.save_version != SNAP_SAVE_VERSION)
		return bad(d, "save format version %u; this memvisor restores version %d",
			   img->hdr.save_version, SNAP_SAVE_VERSION);
	if ((rc = check_sizes(d, &img->hdr)) < 0)
		return rc;
	if (mem_check_size(img->hdr.ram_size, &why) < 0)
		return bad(d, "%s", why.msg);
	if (img->hdr.ram_size != img->file.meta.ram_size)
		return bad(d, "RAM size %llu in the save note, %llu in the metadata",
			   (unsigned long long)img->hdr.ram_size,
			   (unsigned long long)img->file.meta.ram_size);
	if (img->hdr.nr_cpus < 1 || img->hdr.nr_cpus > VM_MAX_CPUS ||
	    img->hdr.nr_cpus != img->file.meta.nr_cpus)
		return bad(d, "%u vCPUs saved (metadata: %u); need 1 to %d, the same",
			   img->hdr.nr_cpus, img->file.meta.nr_cpus, VM_MAX_CPUS);
	if (!img->hdr.save_id)
		return bad(d, "the save names itself with id 0");
	if (img->hdr.base_id && (img->hdr.base_path[0] != '/' ||
				 !memchr(img->hdr.base_path, 0, sizeof(img->hdr.base_path))))
		return bad(d, "a diff save whose base is not an absolute path");
	if (img->hdr.devices & ~(SNAP_SAVE_DEV_BALLOON | SNAP_SAVE_DEV_BLK) ||
	    !(img->hdr.devices & SNAP_SAVE_DEV_BALLOON))
		return bad(d, "device set %#x is not one this memvisor builds", img->hdr.devices);
	img->vcpus = calloc(img->hdr.nr_cpus, sizeof(*img->vcpus));
	if (!img->vcpus)
		return bad(d, "out of memory");
	return check_layout(d);
}

static int decode_vcpu(struct decode *d, const struct snap_note_view *n)
{
	struct vcpu_state s;
	if (n->len != sizeof(s))
		return bad(d, "vCPU state note has %zu bytes, expected %zu", n->len, sizeof(s));
	memcpy(&s, n->desc, sizeof(s));
	if (s.cpu >= d->img->hdr.nr_cpus || d->seen_cpu[s.cpu])
		return bad(d, "vCPU state for vCPU %u: out of range or twice", s.cpu);
	if (s.nr_msrs > VCPU_MAX_MSRS)
		return bad(d, "vCPU %u: %u MSRs, at most %d", s.cpu, s.nr_msrs, VCPU_MAX_MSRS);
	d->seen_cpu[s.cpu] = true;
	d->img->vcpus[s.cpu] = s;
	d->nr_vcpus++;
	return 0;
}

static int decode_virtio(struct decode *d, const struct snap_note_view *n)
{
	static const uint32_t device_ids[2] = { VIRTIO_ID_BALLOON, VIRTIO_ID_BLOCK };
	struct snap_virtio v;
	if (n->len != sizeof(v) + sizeof(struct virtio_mmio_state))
		return bad(d, "virtio note has %zu bytes, expected %zu", n->len,
			   sizeof(v) + sizeof(struct virtio_mmio_state));
	memcpy(&v, n->desc, sizeof(v));
	if (v.slot > 1 || d->seen_virtio[v.slot])
		return bad(d, "virtio slot %u: unknown or twice", v.slot);
	struct virtio_mmio_state *st = &d->img->virtio[v.slot];
	memcpy(st, n->desc + sizeof(v), sizeof(*st));
	if (st->device_id != device_ids[v.slot] || st->config_size > VIRTIO_MMIO_STATE_CONFIG)
		return bad(d, "virtio slot %u holds device %u with %u config bytes", v.slot,
			   st->device_id, st->config_size);
	d->seen_virtio[v.slot] = true;
	return 0;
}

static int decode_balloon(struct decode *d, const struct snap_note_view *n)
{
	struct save_image *img = d->img;
	struct balloon_state *b = &img->balloon;
	if (d->seen_balloon || n->len < sizeof(*b))
		return bad(d, "balloon note twice or too short");
	memcpy(b, n->desc, sizeof(*b));
	const struct mem_slot last = { .gpa = img->ram[img->nr_slots - 1].gpa,
				       .size = img->ram[img->nr_slots - 1].size };
	if (b->nr_pfns != (last.gpa + last.size) >> 12 ||
	    n->len - sizeof(*b) != (b->nr_pfns + 7) / 8)
		return bad(d, "balloon bitmap of %zu bytes for %llu PFNs; RAM has %llu",
			   n->len - sizeof(*b), (unsigned long long)b->nr_pfns,
			   (unsigned long long)((last.gpa + last.size) >> 12));
	img->balloon_held = n->desc + sizeof(*b);
	d->seen_balloon = true;
	return 0;
}

static uint64_t popcount_bytes(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += (uint64_t)__builtin_popcount(p[i]);
	return c;
}

static int decode_pages(struct decode *d, const struct snap_note_view *n)
{
	struct snap_pages p;
	if (n->len < sizeof(p))
		return bad(d, "page note too short");
	memcpy(&p, n->desc, sizeof(p));
	if (p.slot >= (uint32_t)d->img->nr_slots || d->seen_pages[p.slot])
		return bad(d, "page note for slot %u: no such slot, or twice", p.slot);
	struct save_ram *r = &d->img->ram[p.slot];
	size_t bytes = (size_t)((r->size / 4096 + 7) / 8);
	if (p.pages != r->size / 4096 || n->len - sizeof(p) != bytes)
		return bad(d, "page bitmap of slot %u does not fit its %llu pages", p.slot,
			   (unsigned long long)(r->size / 4096));
	r->bits = n->desc + sizeof(p);
	r->saved = popcount_bytes(r->bits, bytes);
	if (r->saved != p.saved)
		return bad(d, "page bitmap of slot %u has %llu pages, its header says %llu", p.slot,
			   (unsigned long long)r->saved, (unsigned long long)p.saved);
	d->seen_pages[p.slot] = true;
	return 0;
}

static int decode_blk(struct decode *d, const struct snap_note_view *n)
{
	struct blk_state *b = &d->img->blk;
	int rc = fixed_once(d, n, sizeof(*b), &d->seen_blk, "swap disk", b);
	if (rc == 0 && (memchr(b->path, 0, sizeof(b->path)) == NULL || b->path[0] != '/'))
		return bad(d, "swap disk path is not an absolute path");
	return rc;
}

/* A --numa VM's nodes, checked as a --numa spec is for the saved shape. */
static int decode_numa(struct decode *d, const struct snap_note_view *n)
{
	struct snap_numa r;
	struct numa_config *cfg = &d->img->numa;
	struct mv_error why;
	int rc = fixed_once(d, n, sizeof(r), &d->seen_numa, "NUMA", &r);
	if (rc < 0)
		return rc;
	if (r.nr_nodes > SNAP_NUMA_MAX_NODES || r.nr_cpus != d->img->hdr.nr_cpus)
		return bad(d, "NUMA note: %u nodes and %u vCPUs for a VM of %u vCPUs", r.nr_nodes,
			   r.nr_cpus, d->img->hdr.nr_cpus);
	*cfg = (struct numa_config){ .nr_nodes = (int)r.nr_nodes, .nr_cpus = (int)r.nr_cpus };
	memcpy(cfg->size, r.size, sizeof(cfg->size));
	memcpy(cfg->distance, r.distance, sizeof(cfg->distance));
	memcpy(cfg->cpu_node, r.cpu_node, sizeof(cfg->cpu_node));
	if (numa_check_layout(cfg, d->img->hdr.ram_size, &why) < 0)
		return bad(d, "NUMA note: %s", why.msg);
	return 0;
}

static int decode_note(struct decode *d, const struct snap_note_view *n)
{
	struct save_image *img = d->img;
	if (!d->seen_save && n->type != SNAP_NT_SAVE)
		return bad(d, "the save note must come before the other save notes");
	switch (n->type) {
	case SNAP_NT_SAVE:    return decode_save(d, n);
	case SNAP_NT_VCPU:    return decode_vcpu(d, n);
	case SNAP_NT_CHIPS:   return fixed_once(d, n, sizeof(img->chips), &d->seen_chips, "chips",
					    &img->chips);
	case SNAP_NT_SERIAL:  return fixed_once(d, n, sizeof(img->serial), &d->seen_serial,
					    "serial", &img->serial);
	case SNAP_NT_VIRTIO:  return decode_virtio(d, n);
	case SNAP_NT_BALLOON: return decode_balloon(d, n);
	case SNAP_NT_BLK:     return decode_blk(d, n);
	case SNAP_NT_PAGES:   return decode_pages(d, n);
	case SNAP_NT_NUMA:    return decode_numa(d, n);
	default:              return bad(d, "unknown save note %#x", n->type);
	}
}

/* Everything the header promised is there, and nothing else. */
static int check_complete(struct decode *d)
{
	struct save_image *img = d->img;
	bool blk = img->hdr.devices & SNAP_SAVE_DEV_BLK;
	if (!d->seen_save)
		return bad(d, "not a save file: a snapshot without saved state (memvisor save)");
	if (d->nr_vcpus != (int)img->hdr.nr_cpus || img->file.nr_cpus != (int)img->hdr.nr_cpus)
		return bad(d, "%d vCPU states for %u vCPUs", d->nr_vcpus, img->hdr.nr_cpus);
	if (!d->seen_chips || !d->seen_serial || !d->seen_balloon || !d->seen_virtio[0])
		return bad(d, "interrupt chips, serial port or balloon state missing");
	if (blk != d->seen_blk || blk != d->seen_virtio[1] || blk != img->file.has_disk)
		return bad(d, "swap disk state or bytes %s the device set",
			   blk ? "missing from" : "not in");
	if (blk && (img->file.disk.filesz != img->blk.disk_sectors * BLK_SECTOR_SIZE ||
		    img->file.disk.offset % 4096 || img->blk.disk_sectors == 0))
		return bad(d, "swap disk segment of %llu bytes at %llu for a %llu-sector disk",
			   (unsigned long long)img->file.disk.filesz,
			   (unsigned long long)img->file.disk.offset,
			   (unsigned long long)img->blk.disk_sectors);
	uint64_t saved = 0;
	for (int i = 0; i < img->nr_slots; i++) {
		if (!d->seen_pages[i])
			return bad(d, "no page bitmap for memory slot %d", i);
		saved += img->ram[i].saved;
	}
	if (saved != img->hdr.pages_saved)
		return bad(d, "%llu pages in the bitmaps, %llu recorded", (unsigned long long)saved,
			   (unsigned long long)img->hdr.pages_saved);
	return 0;
}

static int decode_all(struct save_image *img, struct mv_error *err)
{
	struct decode d = { .img = img, .err = err };
	if (!(img->file.meta.flags & SNAP_META_MEMORY))
		return bad(&d, "not a save file: the snapshot has no memory");
	for (size_t i = 0; i < img->file.nr_save_notes; i++) {
		int rc = decode_note(&d, &img->file.save_notes[i]);
		if (rc < 0)
			return rc;
	}
	return check_complete(&d);
}

int savefile_parse(struct save_image *img, const void *buf, size_t len, struct mv_error *err)
{
	memset(img, 0, sizeof(*img));
	int rc = snapfile_parse(&img->file, buf, len, err);
	if (rc == 0 && (rc = decode_all(img, err)) < 0)
		savefile_free(img);
	return rc;
}

int savefile_read(struct save_image *img, const char *path, struct mv_error *err)
{
	memset(img, 0, sizeof(*img));
	int rc = snapfile_read(&img->file, path, err);
	struct mv_error why;
	if (rc == 0 && (rc = decode_all(img, &why)) < 0) {
		mv_fail(err, rc, "%s: %s", path, why.msg);
		savefile_free(img);
	}
	return rc;
}

/* The base of img (a diff save, read from path), read and checked. */
static int read_base(struct save_image *img, const char *path, struct mv_error *err)
{
	const struct snap_save *h = &img->hdr;
	struct mv_error why;
	if (!(img->base = calloc(1, sizeof(*img->base))))
		return mv_fail(err, -ENOMEM, "out of memory");
	int rc = savefile_read(img->base, h->base_path, &why);
	if (rc < 0)
		return mv_fail(err, rc, "%s: its base: %s", path, why.msg);
	const struct snap_save *b = &img->base->hdr;
	if (b->save_id != h->base_id)
		return mv_fail(err, -EINVAL, "%s: its base %s is not the save it was made from "
			       "(save id %016llx, expected %016llx)", path, h->base_path,
			       (unsigned long long)b->save_id, (unsigned long long)h->base_id);
	if (b->ram_size != h->ram_size || b->nr_cpus != h->nr_cpus)
		return mv_fail(err, -EINVAL, "%s: its base %s is a VM of another shape", path,
			       h->base_path);
	return 0;
}

int savefile_read_chain(struct save_image *img, const char *path, struct mv_error *err)
{
	int rc = savefile_read(img, path, err), depth = 0;
	for (struct save_image *at = img; rc == 0 && at->hdr.base_id; at = at->base) {
		if (++depth > SNAP_SAVE_MAX_CHAIN)
			rc = mv_fail(err, -ELOOP, "%s: more than %d diff saves over one full save",
				     path, SNAP_SAVE_MAX_CHAIN);
		else
			rc = read_base(at, at == img ? path : at->hdr.base_path, err);
	}
	if (rc < 0)
		savefile_free(img);
	return rc;
}

int savefile_check_host(const struct save_image *img, struct mv_error *err)
{
	uint64_t here;
	int rc = kvm_cpuid_fingerprint(&here, err);
	if (rc < 0)
		return rc;
	if (here != img->hdr.cpuid)
		return mv_fail(err, -EINVAL, "saved on a CPU that differs from this one (CPUID "
			       "fingerprint %016llx, here %016llx)",
			       (unsigned long long)img->hdr.cpuid, (unsigned long long)here);
	return 0;
}

void savefile_free(struct save_image *img)
{
	if (img->base) {
		savefile_free(img->base);
		free(img->base);
	}
	free(img->vcpus);
	snapfile_free(&img->file);
	memset(img, 0, sizeof(*img));
}
