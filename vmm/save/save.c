/*
 * save.c: gathers a paused machine's state into save notes and writes them
 * with the snapshot writer (see save.h for what is saved and why it is
 * consistent). The pages: those in use (resident and not zero, or still
 * to come from a lazy restore), or for a diff save those the change
 * tracking of memory.h counts since the base; after a save it counts
 * from this one.
 */
#include "save.h"
#include "savefile.h"
#include "snapfmt.h"
#include "snapshot.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SAVE_MAX_NOTES (VM_MAX_CPUS + 16)

/* Everything one save writes besides what a snapshot holds anyway. */
struct save_ctx {
	struct machine *m;
	const struct save_opts *o;
	struct snap_save hdr;
	struct vcpu_state *vcpus;                 /* hdr.nr_cpus */
	struct vm_chip_state chips;
	struct serial_state serial;
	struct snap_virtio slot[2];
	struct virtio_mmio_state virtio[2];
	struct balloon_state balloon;
	const uint8_t *held;                      /* the balloon's live bitmap */
	struct blk_state blk;
	struct snap_pages pages[MEM_MAX_SLOTS];
	uint8_t *resident[MEM_MAX_SLOTS];         /* resident on the host, per slot */
	uint8_t *bits[MEM_MAX_SLOTS];             /* pages written, per slot */
	struct snap_numa numa;                    /* a --numa VM's nodes */
	struct snap_extra_note notes[SAVE_MAX_NOTES];
	size_t nr_notes;
};
_Static_assert(SNAP_NUMA_MAX_NODES == NUMA_MAX_NODES && SNAP_NUMA_MAX_CPUS > NUMA_MAX_CPUS,
	       "a save records every node and vCPU --numa can give");

static void add_note(struct save_ctx *c, uint32_t type, const void *head, size_t head_len,
		     const void *body, size_t body_len)
{
	if (c->nr_notes == SAVE_MAX_NOTES) {
		mv_err("%s: more than %d save notes", __func__, SAVE_MAX_NOTES);
		abort();
	}
	c->notes[c->nr_notes++] = (struct snap_extra_note){ .type = type, .head = head,
		.head_len = head_len, .body = body, .body_len = body_len };
}

static bool page_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	for (size_t i = 0; i < 4096 / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* The pages of slot i worth saving: resident on the host (or still to
 * come from a lazy restore's file) and not all zero (a page never
 * touched, or given back through the balloon, reads zero). */
static int choose_pages(struct save_ctx *c, int i)
{
	const struct mem_slot *s = &c->m->vm.mem.slots[i];
	uint64_t n = s->size >> 12;
	size_t bytes = mem_dirty_bitmap_bytes(s);
	c->bits[i] = calloc(1, bytes);
	c->resident[i] = calloc(1, bytes);
	if (!c->bits[i] || !c->resident[i])
		return -ENOMEM;
	if (c->o->lazy) /* first: a page filled from here on is resident below */
		lazy_add_unfilled(c->o->lazy, i, c->bits[i]);
	int64_t resident = mem_slot_residency(s, c->resident[i]); /* the snapshot's too */
	if (resident < 0)
		return (int)resident;
	for (size_t k = 0; k < bytes; k++)
		c->bits[i][k] |= c->resident[i][k];
	c->pages[i] = (struct snap_pages){ .slot = (uint32_t)i, .pages = n };
	for (uint64_t p = 0; p < n; p++) {
		if (!mv_bit(c->bits[i], p))
			continue;
		if (page_is_zero(s->hva + (p << 12)))
			c->bits[i][p / 8] &= (uint8_t)~(1u << (p % 8));
		else
			c->pages[i].saved++;
	}
	c->hdr.pages_saved += c->pages[i].saved;
	return 0;
}

/* A diff save's pages: those changed since its base, zero or not (a page
 * zero now must override the base's bytes). The host-resident pages are
 * still read for the snapshot's host note. */
static int changed_pages(struct save_ctx *c, uint8_t *changed[MEM_MAX_SLOTS])
{
	struct guest_memory *mem = &c->m->vm.mem;
	for (int i = 0; i < mem->nr_slots; i++) {
		const struct mem_slot *s = &mem->slots[i];
		size_t bytes = mem_dirty_bitmap_bytes(s);
		c->bits[i] = changed[i];
		changed[i] = NULL;
		c->resident[i] = calloc(1, bytes);
		int64_t n = c->resident[i] ? mem_slot_residency(s, c->resident[i]) : -ENOMEM;
		if (n < 0)
			return (int)n;
		c->pages[i] = (struct snap_pages){ .slot = (uint32_t)i, .pages = s->size >> 12 };
		for (size_t k = 0; k < bytes; k++)
			c->pages[i].saved += (uint64_t)__builtin_popcount(c->bits[i][k]);
		c->hdr.pages_saved += c->pages[i].saved;
	}
	return 0;
}

/*
 * The base of a diff save: the save the VM's change tracking counts from
 * (its last save, or the file it was restored from), named in the header
 * by absolute path and id; its changed pages into c->bits.
 */
static int diff_base(struct save_ctx *c, struct mv_error *err)
{
	struct guest_memory *mem = &c->m->vm.mem;
	struct save_image base;
	uint8_t *changed[MEM_MAX_SLOTS] = { 0 };
	char abs[PATH_MAX];
	int rc = savefile_read(&base, c->o->since, err);
	if (rc < 0)
		return rc;
	uint64_t id = base.hdr.save_id;
	savefile_free(&base);
	if (!mem->changes_since || id != mem->changes_since)
		return mv_fail(err, -EINVAL, "%s is not this VM's last save (nor the file it was "
			       "restored from): its changes count from that one", c->o->since);
	if (!realpath(c->o->since, abs) || strlen(abs) >= sizeof(c->hdr.base_path))
		return mv_fail_errno(err, "%s", c->o->since);
	strcpy(c->hdr.base_path, abs);
	c->hdr.base_id = id;
	for (int i = 0; i < mem->nr_slots; i++)
		if (!(changed[i] = calloc(1, mem_dirty_bitmap_bytes(&mem->slots[i]))))
			rc = -ENOMEM;
	if (rc == 0)
		rc = mem_collect_changes(mem, c->m->vm.vm_fd, changed);
	if (rc == 0)
		rc = changed_pages(c, changed);
	for (int i = 0; i < MEM_MAX_SLOTS; i++)
		free(changed[i]);
	return rc < 0 ? mv_fail(err, rc, "reading the pages changed since %s: %s", c->o->since,
				strerror(-rc)) : 0;
}

static int gather_cpus(struct save_ctx *c, struct mv_error *err)
{
	struct vm *vm = &c->m->vm;
	c->vcpus = calloc((size_t)vm->nr_cpus, sizeof(*c->vcpus));
	if (!c->vcpus)
		return mv_fail(err, -ENOMEM, "out of memory");
	for (int i = 0; i < vm->nr_cpus; i++) {
		int rc = vcpu_get_state(&vm->vcpus[i], &c->vcpus[i], err);
		if (rc < 0)
			return rc;
		add_note(c, SNAP_NT_VCPU, &c->vcpus[i], sizeof(c->vcpus[i]), NULL, 0);
	}
	int rc = vm_get_chips(vm, &c->chips, err);
	if (rc == 0)
		add_note(c, SNAP_NT_CHIPS, &c->chips, sizeof(c->chips), NULL, 0);
	return rc;
}

static void add_virtio(struct save_ctx *c, int slot, struct virtio_mmio *t)
{
	c->slot[slot] = (struct snap_virtio){ .slot = (uint32_t)slot };
	virtio_mmio_get_state(t, &c->virtio[slot]);
	add_note(c, SNAP_NT_VIRTIO, &c->slot[slot], sizeof(c->slot[slot]), &c->virtio[slot],
		 sizeof(c->virtio[slot]));
}

static int gather_devices(struct save_ctx *c, struct mv_error *err)
{
	struct machine *m = c->m;
	serial_get_state(&m->com1, &c->serial);
	add_note(c, SNAP_NT_SERIAL, &c->serial, sizeof(c->serial), NULL, 0);
	add_virtio(c, 0, &m->balloon.transport);
	balloon_get_state(&m->balloon, &c->balloon, &c->held);
	add_note(c, SNAP_NT_BALLOON, &c->balloon, sizeof(c->balloon), c->held,
		 balloon_held_bytes(&m->balloon));
	c->hdr.devices = SNAP_SAVE_DEV_BALLOON;
	if (!m->swap_ready)
		return 0;
	int rc = blk_get_state(&m->swap, &c->blk);
	if (rc < 0)
		return mv_fail(err, rc, "swap disk: cannot name its file: %s", strerror(-rc));
	add_virtio(c, 1, &m->swap.transport);
	add_note(c, SNAP_NT_BLK, &c->blk, sizeof(c->blk), NULL, 0);
	c->hdr.devices |= SNAP_SAVE_DEV_BLK;
	return 0;
}

/* A --numa VM's nodes, so that a restore knows them (docs/numa.md). */
static void gather_numa(struct save_ctx *c)
{
	const struct numa_config *cfg = &c->m->numa;
	if (!cfg->nr_nodes)
		return;
	c->numa = (struct snap_numa){ .nr_nodes = (uint32_t)cfg->nr_nodes,
				      .nr_cpus = (uint32_t)cfg->nr_cpus };
	memcpy(c->numa.size, cfg->size, sizeof(cfg->size));
	memcpy(c->numa.distance, cfg->distance, sizeof(cfg->distance));
	memcpy(c->numa.cpu_node, cfg->cpu_node, sizeof(cfg->cpu_node));
	add_note(c, SNAP_NT_NUMA, &c->numa, sizeof(c->numa), NULL, 0);
}

static int gather_pages(struct save_ctx *c, struct mv_error *err)
{
	struct guest_memory *mem = &c->m->vm.mem;
	int rc = c->o->since ? diff_base(c, err) : 0;
	for (int i = 0; rc == 0 && i < mem->nr_slots; i++) {
		if (!c->o->since && (rc = choose_pages(c, i)) < 0)
			return mv_fail(err, rc, "reading which guest pages are in use: %s",
				       strerror(-rc));
		add_note(c, SNAP_NT_PAGES, &c->pages[i], sizeof(c->pages[i]), c->bits[i],
			 mem_dirty_bitmap_bytes(&mem->slots[i]));
	}
	return rc;
}

/* A random id, not 0, for the save's header. */
static uint64_t new_save_id(void)
{
	uint64_t id = 0;
	while (!id)
		if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
			id = 0;
	return id;
}

static void fill_header(struct save_ctx *c)
{
	struct vm *vm = &c->m->vm;
	c->hdr.save_version = SNAP_SAVE_VERSION;
	c->hdr.nr_cpus = (uint32_t)vm->nr_cpus;
	c->hdr.ram_size = vm->mem.ram_size;
	c->hdr.nr_slots = (uint32_t)vm->mem.nr_slots;
	c->hdr.vcpu_state_size = sizeof(struct vcpu_state);
	c->hdr.chip_state_size = sizeof(struct vm_chip_state);
	c->hdr.virtio_state_size = sizeof(struct virtio_mmio_state);
	c->hdr.balloon_state_size = sizeof(struct balloon_state);
	c->hdr.blk_state_size = sizeof(struct blk_state);
	c->hdr.serial_state_size = sizeof(struct serial_state);
	c->hdr.save_id = new_save_id();
}

/* With the VM paused: the notes, then the file, then change tracking. */
static int save_paused(struct save_ctx *c, struct mv_error *err)
{
	add_note(c, SNAP_NT_SAVE, &c->hdr, sizeof(c->hdr), NULL, 0); /* filled in below */
	c->hdr.cpuid = c->m->vm.cpuid_fingerprint;
	int rc;
	if ((rc = gather_cpus(c, err)) < 0 || (rc = gather_devices(c, err)) < 0 ||
	    (rc = gather_pages(c, err)) < 0)
		return rc;
	gather_numa(c);
	fill_header(c);
	const uint8_t *pages[MEM_MAX_SLOTS] = { c->bits[0], c->bits[1] };
	const uint8_t *resident[MEM_MAX_SLOTS] = { c->resident[0], c->resident[1] };
	struct snap_request r = { .path = c->o->path, .memory = true, .pages = pages,
				  .reason = c->o->since ? "diff save" : "save",
				  .resident = resident, .extra = c->notes, .nr_extra = c->nr_notes };
	if (c->m->swap_ready) { /* the disk as the guest left it: its swapped-out pages */
		r.disk_fd = c->m->swap.fd;
		r.disk_size = c->m->swap.disk_sectors * BLK_SECTOR_SIZE;
	}
	if ((rc = snapshot_take(c->m, &r, err)) < 0)
		return rc;
	/* the next diff save counts from this one */
	rc = mem_track_changes(&c->m->vm.mem, c->m->vm.vm_fd, c->hdr.save_id);
	return rc < 0 ? mv_fail(err, rc, "saved, but dirty logging failed: %s", strerror(-rc)) : 0;
}

int save_take(struct machine *m, const struct save_opts *o, struct save_result *res,
	      struct mv_error *err)
{
	struct save_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return mv_fail(err, -ENOMEM, "out of memory");
	c->m = m;
	c->o = o;
	bool was_paused = vm_is_paused(&m->vm);
	if (!was_paused)
		vm_pause(&m->vm);
	int rc = save_paused(c, err);
	if (rc == 0 && res)
		*res = (struct save_result){ .pages_saved = c->hdr.pages_saved,
					     .pages_total = m->vm.mem.ram_size >> 12 };
	if (rc == 0 && o->stop)
		vm_request_stop(&m->vm, 0, "saved (--stop)");
	else if (!was_paused)
		vm_resume(&m->vm);
	for (int i = 0; i < MEM_MAX_SLOTS; i++) {
		free(c->bits[i]);
		free(c->resident[i]);
	}
	free(c->vcpus);
	free(c);
	return rc;
}
