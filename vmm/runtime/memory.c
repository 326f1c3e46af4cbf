/*
 * memory.c: guest RAM layout, host backing and GPA->HVA translation
 * (see memory.h for the layout and the invariant).
 */
#include "memory.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif

int mem_check_size(uint64_t ram_size, struct mv_error *err)
{
	char a[32], b[32];
	if (ram_size < MEM_MIN_SIZE || ram_size > MEM_MAX_SIZE) {
		return mv_fail(err, -EINVAL, "memory size %s is out of range (%s to %s)",
			 mv_format_size(ram_size, a, sizeof(a)),
			 mv_format_size(MEM_MIN_SIZE, b, sizeof(b)), "1T");
	}
	if (ram_size % 4096) {
		return mv_fail(err, -EINVAL, "memory size %llu is not a whole number of 4 KiB pages",
			 (unsigned long long)ram_size);
	}
	return 0;
}

int mem_layout(uint64_t ram_size, struct mem_slot slots[MEM_MAX_SLOTS])
{
	uint64_t low = ram_size < MEM_LOW_TOP ? ram_size : MEM_LOW_TOP;
	int n = 0;

	slots[n++] = (struct mem_slot){ .id = 0, .gpa = 0, .size = low, .offset = 0 };
	if (ram_size > low)
		slots[n++] = (struct mem_slot){ .id = 1, .gpa = MEM_HIGH_BASE,
						.size = ram_size - low, .offset = low };
	return n;
}

static int e820_add(struct e820_entry *out, int n, int max, uint64_t addr,
		    uint64_t end, uint32_t type)
{
	if (n < max)
		out[n] = (struct e820_entry){ .addr = addr, .size = end - addr, .type = type };
	return n + 1;
}

int mem_build_e820(uint64_t ram_size, struct e820_entry *out, int max)
{
	struct mem_slot slots[MEM_MAX_SLOTS];
	int nr = mem_layout(ram_size, slots);
	int n = 0;

	n = e820_add(out, n, max, 0, MEM_LEGACY_START, E820_RAM);
	n = e820_add(out, n, max, MEM_LEGACY_START, MEM_LEGACY_END, E820_RESERVED);
	n = e820_add(out, n, max, MEM_LEGACY_END, slots[0].size, E820_RAM);
	for (int i = 1; i < nr; i++)
		n = e820_add(out, n, max, slots[i].gpa, slots[i].gpa + slots[i].size, E820_RAM);
	return n;
}

int mem_parse_backing(const char *s, enum mem_backing *out)
{
	static const char *const names[] = { "anon", "memfd", "hugetlb" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum mem_backing)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int mem_map_anon(struct guest_memory *m, struct mv_error *err)
{
	void *p = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return mv_fail_errno(err, "cannot reserve guest RAM");
	madvise(p, m->ram_size, MADV_HUGEPAGE); /* THP where the host allows it */
	m->base = p;
	return 0;
}

static int mem_map_fd(struct guest_memory *m, struct mv_error *err)
{
	bool huge = m->backing == MEM_BACKING_HUGETLB;
	m->fd = memfd_create("memvisor-ram", MFD_CLOEXEC | (huge ? MFD_HUGETLB : 0));
	if (m->fd < 0) {
		return mv_fail(err, -errno, "memfd_create%s: %s", huge ? " (hugetlb)" : "",
			 strerror(errno));
	}
	if (ftruncate(m->fd, (off_t)m->ram_size) < 0) {
		return mv_fail(err, -errno, "cannot size %s backing to %llu bytes: %s%s",
			 huge ? "hugetlb" : "memfd", (unsigned long long)m->ram_size,
			 strerror(errno), huge ? " (size must be a multiple of the huge page size)" : "");
	}
	void *p = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		return mv_fail(err, -errno, "cannot map %s backing: %s%s", huge ? "hugetlb" : "memfd",
			 strerror(errno),
			 huge ? " (are huge pages reserved? see /proc/sys/vm/nr_hugepages)" : "");
	}
	m->base = p;
	return 0;
}

int mem_init(struct guest_memory *m, uint64_t ram_size, enum mem_backing backing,
	     struct mv_error *err)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->ram_size = ram_size;
	m->backing = backing;
	int rc = mem_check_size(ram_size, err);
	if (rc < 0)
		return rc;
	rc = backing == MEM_BACKING_ANON ? mem_map_anon(m, err) : mem_map_fd(m, err);
	if (rc < 0) {
		mem_destroy(m);
		return rc;
	}
	m->nr_slots = mem_layout(ram_size, m->slots);
	for (int i = 0; i < m->nr_slots; i++)
		m->slots[i].hva = m->base + m->slots[i].offset;
	return 0;
}

static int register_slots(const struct guest_memory *m, int vm_fd, uint32_t flags)
{
	for (int i = 0; i < m->nr_slots; i++) {
		const struct mem_slot *s = &m->slots[i];
		struct kvm_userspace_memory_region r = {
			.slot = s->id,
			.flags = flags,
			.guest_phys_addr = s->gpa,
			.memory_size = s->size,
			.userspace_addr = (uint64_t)(uintptr_t)s->hva,
		};
		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return -errno;
	}
	return 0;
}

int mem_register(const struct guest_memory *m, int vm_fd)
{
	return register_slots(m, vm_fd, 0);
}

size_t mem_dirty_bitmap_bytes(const struct mem_slot *s)
{
	return (size_t)(((s->size >> 12) + 63) / 64 * 8);
}

/* Dirty logging on, with a snapshot bitmap per slot (cleared). 0 or -errno. */
static int start_logging(struct guest_memory *m, int vm_fd)
{
	for (int i = 0; i < m->nr_slots; i++)
		if (!m->snap_dirty[i] &&
		    !(m->snap_dirty[i] = calloc(1, mem_dirty_bitmap_bytes(&m->slots[i]))))
			return -ENOMEM;
	int rc = register_slots(m, vm_fd, KVM_MEM_LOG_DIRTY_PAGES);
	if (rc == 0)
		m->dirty_logging = true;
	return rc;
}

static void or_into(uint8_t *dst, const uint8_t *src, size_t bytes)
{
	for (size_t k = 0; k < bytes; k++)
		if (src[k])
			__atomic_fetch_or(&dst[k], src[k], __ATOMIC_RELAXED);
}

/* KVM's log since the last read, added to every reader's bitmaps. */
static int read_log(struct guest_memory *m, int vm_fd)
{
	for (int i = 0; i < m->nr_slots; i++) {
		size_t bytes = mem_dirty_bitmap_bytes(&m->slots[i]);
		uint8_t *log = calloc(1, bytes);
		struct kvm_dirty_log d = { .slot = m->slots[i].id, .dirty_bitmap = log };
		if (!log || ioctl(vm_fd, KVM_GET_DIRTY_LOG, &d) < 0) {
			int code = log ? -errno : -ENOMEM;
			free(log);
			return code;
		}
		or_into(m->snap_dirty[i], log, bytes);
		if (m->changed[i])
			or_into(m->changed[i], log, bytes);
		free(log);
	}
	return 0;
}

int mem_dirty_log(struct guest_memory *m, int vm_fd, uint8_t *bitmaps[MEM_MAX_SLOTS],
		  bool *valid)
{
	*valid = m->dirty_logging;
	if (!m->dirty_logging)
		return start_logging(m, vm_fd);
	int rc = read_log(m, vm_fd);
	for (int i = 0; rc == 0 && i < m->nr_slots; i++) {
		size_t bytes = mem_dirty_bitmap_bytes(&m->slots[i]);
		memcpy(bitmaps[i], m->snap_dirty[i], bytes);
		memset(m->snap_dirty[i], 0, bytes);
	}
	return rc;
}

int mem_track_changes(struct guest_memory *m, int vm_fd, uint64_t save_id)
{
	int rc = m->dirty_logging ? read_log(m, vm_fd) : start_logging(m, vm_fd);
	for (int i = 0; rc == 0 && i < m->nr_slots; i++) {
		size_t bytes = mem_dirty_bitmap_bytes(&m->slots[i]);
		if (!m->changed[i] && !(m->changed[i] = malloc(bytes)))
			rc = -ENOMEM;
		else
			memset(m->changed[i], 0, bytes);
	}
	m->changes_since = rc == 0 ? save_id : 0;
	return rc;
}

int mem_collect_changes(struct guest_memory *m, int vm_fd, uint8_t *bitmaps[MEM_MAX_SLOTS])
{
	if (!m->changes_since)
		return -ENOENT;
	int rc = read_log(m, vm_fd);
	for (int i = 0; rc == 0 && i < m->nr_slots; i++)
		memcpy(bitmaps[i], m->changed[i], mem_dirty_bitmap_bytes(&m->slots[i]));
	return rc;
}

/* Marks pages [first, first+n) of slot i changed, when tracking. */
static void mark_changed(const struct guest_memory *m, int i, uint64_t first, uint64_t n)
{
	uint8_t *map = m->changed[i];
	for (uint64_t p = first; map && p < first + n; p++)
		__atomic_fetch_or(&map[p / 8], (uint8_t)(1u << (p % 8)), __ATOMIC_RELAXED);
}

void mem_note_written(const struct guest_memory *m, uint64_t gpa, uint64_t len)
{
	if (!m->changes_since) /* no diff save tracks: every virtqueue pop comes here */
		return;
	const struct mem_slot *s = mem_slot_of(m, gpa);
	if (!s || !len || !mem_gpa_to_hva(m, gpa, len))
		return;
	uint64_t first = (gpa - s->gpa) >> 12, last = (gpa + len - 1 - s->gpa) >> 12;
	mark_changed(m, (int)(s - m->slots), first, last - first + 1);
}

/* Resident host pages of [hva, hva + size) by mincore, each set in bitmap
 * (already clear) unless it is NULL; a negative errno when mincore fails. */
static int64_t count_resident(void *hva, uint64_t size, uint8_t *bitmap)
{
	size_t pages = (size_t)(size >> 12);
	unsigned char *vec = malloc(pages ? pages : 1);
	int64_t n = 0;
	if (!vec || mincore(hva, size, vec) < 0) {
		int code = vec ? -errno : -ENOMEM;
		free(vec);
		return code;
	}
	for (size_t i = 0; i < pages; i++) {
		if (!(vec[i] & 1))
			continue;
		if (bitmap)
			bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
		n++;
	}
	free(vec);
	return n;
}

int64_t mem_slot_residency(const struct mem_slot *s, uint8_t *bitmap)
{
	memset(bitmap, 0, mem_dirty_bitmap_bytes(s));
	return count_resident(s->hva, s->size, bitmap);
}

int64_t mem_range_residency(const struct guest_memory *m, uint64_t gpa, uint64_t size)
{
	uint8_t *hva = mem_gpa_to_hva(m, gpa, size);
	return hva ? count_resident(hva, size, NULL) : -EFAULT;
}

void mem_destroy(struct guest_memory *m)
{
	for (int i = 0; i < MEM_MAX_SLOTS; i++) {
		free(m->snap_dirty[i]);
		free(m->changed[i]);
		m->snap_dirty[i] = m->changed[i] = NULL;
	}
	if (m->base)
		munmap(m->base, m->ram_size);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
	m->nr_slots = 0;
}

const struct mem_slot *mem_slot_of(const struct guest_memory *m, uint64_t gpa)
{
	for (int i = 0; i < m->nr_slots; i++)
		if (gpa >= m->slots[i].gpa && gpa - m->slots[i].gpa < m->slots[i].size)
			return &m->slots[i];
	return NULL;
}

void *mem_gpa_to_hva(const struct guest_memory *m, uint64_t gpa, uint64_t len)
{
	const struct mem_slot *s = mem_slot_of(m, gpa);
	if (!s || !s->hva)
		return NULL;
	uint64_t off = gpa - s->gpa;
	if (len > s->size - off)
		return NULL;
	return s->hva + off;
}

int mem_write(const struct guest_memory *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = mem_gpa_to_hva(m, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int mem_read(const struct guest_memory *m, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = mem_gpa_to_hva(m, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int mem_discard(const struct guest_memory *m, uint64_t gpa, uint64_t len)
{
	const struct mem_slot *s = mem_slot_of(m, gpa);
	uint8_t *p = mem_gpa_to_hva(m, gpa, len);
	if (!p || !s || (gpa | len) & 4095)
		return -EINVAL;
	if (m->discard_hook.fn)
		m->discard_hook.fn(m->discard_hook.ctx, (int)(s - m->slots), (gpa - s->gpa) >> 12,
				   len >> 12);
	mark_changed(m, (int)(s - m->slots), (gpa - s->gpa) >> 12, len >> 12); /* now zero */
	if (m->backing == MEM_BACKING_ANON)
		return madvise(p, len, MADV_DONTNEED) < 0 ? -errno : 0;
	off_t off = (off_t)(s->offset + (gpa - s->gpa));
	if (fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, (off_t)len) < 0)
		return -errno;
	return 0;
}

int64_t mem_resident_pages(const struct guest_memory *m)
{
	int64_t total = 0;
	for (int i = 0; i < m->nr_slots; i++) {
		uint8_t *bitmap = malloc(mem_dirty_bitmap_bytes(&m->slots[i]));
		int64_t n = bitmap ? mem_slot_residency(&m->slots[i], bitmap) : -ENOMEM;
		free(bitmap);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}
