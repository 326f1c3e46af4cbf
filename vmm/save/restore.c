/*
 * restore.c: loads a save image into an assembled machine (see restore.h).
 * RAM is read with pread in runs of consecutive saved pages.
 */
#include "restore.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool page_saved(const struct save_ram *r, uint64_t p)
{
	return mv_bit(r->bits, p);
}

int restore_read_pages(int fd, const struct save_ram *r, uint64_t first, uint64_t n, void *dst)
{
	uint64_t len = n << 12, done = 0;
	while (done < len) {
		ssize_t got = pread(fd, (uint8_t *)dst + done, len - done,
				    (off_t)(r->file_offset + (first << 12) + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EIO;
		done += (uint64_t)got;
	}
	return 0;
}

/* Reads [first, end) pages of slot r from the file into guest RAM. */
static int read_run(int fd, const struct guest_memory *mem, const struct save_ram *r,
		    uint64_t first, uint64_t end)
{
	uint8_t *dst = mem_gpa_to_hva(mem, r->gpa + (first << 12), (end - first) << 12);
	return dst ? restore_read_pages(fd, r, first, end - first, dst) : -EFAULT;
}

static int load_slot(int fd, const struct guest_memory *mem, const struct save_ram *r)
{
	uint64_t n = r->size >> 12;
	for (uint64_t p = 0; p < n;) {
		if (!page_saved(r, p)) {
			p++;
			continue;
		}
		uint64_t end = p;
		while (end < n && page_saved(r, end))
			end++;
		int rc = read_run(fd, mem, r, p, end);
		if (rc < 0)
			return rc;
		p = end;
	}
	return 0;
}

int restore_load_ram(struct machine *m, const struct save_image *img, const char *path,
		     struct mv_error *err)
{
	if (img->base) { /* a diff save: its base's pages first, its own over them */
		int rc = restore_load_ram(m, img->base, img->hdr.base_path, err);
		if (rc < 0)
			return rc;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mv_fail_errno(err, "%s", path);
	int rc = 0;
	for (int i = 0; i < img->nr_slots && rc == 0; i++)
		rc = load_slot(fd, &m->vm.mem, &img->ram[i]);
	close(fd);
	if (rc < 0)
		return mv_fail(err, rc, "%s: reading guest RAM: %s", path, strerror(-rc));
	return 0;
}

static int copy_disk(const struct save_image *img, int from, int to)
{
	uint64_t size = img->blk.disk_sectors * BLK_SECTOR_SIZE;
	if (ftruncate(to, (off_t)size) < 0)
		return -errno;
	int rc = blk_copy_sparse(from, img->file.disk.offset, to, 0, size);
	return rc == 0 && fsync(to) < 0 ? -errno : rc;
}

int restore_disk(const struct save_image *img, const char *path, const char *target,
		 struct mv_error *err)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", target, (int)getpid());
	int from = open(path, O_RDONLY | O_CLOEXEC);
	if (from < 0)
		return mv_fail_errno(err, "%s", path);
	int to = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = to < 0 ? -errno : copy_disk(img, from, to);
	close(from);
	if (to >= 0)
		close(to);
	if (rc == 0 && rename(tmp, target) < 0)
		rc = -errno;
	if (rc < 0) {
		if (to >= 0)
			unlink(tmp);
		return mv_fail(err, rc, "swap disk %s from %s: %s", target, path, strerror(-rc));
	}
	return 0;
}

static int restore_cpus(struct machine *m, const struct save_image *img, struct mv_error *err)
{
	int rc = vm_set_chips(&m->vm, &img->chips, err);
	for (int i = 0; rc == 0 && i < m->vm.nr_cpus; i++)
		rc = vcpu_set_state(&m->vm.vcpus[i], &img->vcpus[i], err);
	return rc;
}

static int restore_devices(struct machine *m, const struct save_image *img, struct mv_error *err)
{
	serial_set_state(&m->com1, &img->serial);
	if (balloon_set_state(&m->balloon, &img->balloon, img->balloon_held) < 0)
		return mv_fail(err, -EINVAL, "balloon state does not fit this VM");
	int rc = virtio_mmio_set_state(&m->balloon.transport, &img->virtio[0], err);
	if (rc < 0 || !(img->hdr.devices & SNAP_SAVE_DEV_BLK))
		return rc;
	if (!m->swap_ready || blk_set_state(&m->swap, &img->blk) < 0)
		return mv_fail(err, -EINVAL, "swap disk %s is not the size it was saved with",
			       img->blk.path);
	return virtio_mmio_set_state(&m->swap.transport, &img->virtio[1], err);
}

int restore_machine(struct machine *m, const struct save_image *img, struct mv_error *err)
{
	if (m->vm.nr_cpus != (int)img->hdr.nr_cpus || m->vm.mem.ram_size != img->hdr.ram_size)
		return mv_fail(err, -EINVAL, "%s: the machine was not built in the saved shape",
			       __func__);
	int rc = restore_cpus(m, img, err);
	if (rc == 0)
		rc = restore_devices(m, img, err);
	return rc;
}
