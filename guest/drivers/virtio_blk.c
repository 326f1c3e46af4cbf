/*
 * virtio_blk.c: virtio-blk driver (virtio_blk.h): one request queue,
 * synchronous multi-page reads and writes for the swap device.
 *
 * Invariant: at most one request is in flight; req (header + status) is
 * kmalloc'd so its physical address is in the direct map. The request
 * lives until its chain comes back from the used ring.
 * Serialised by the callers (single CPU, no sleeping in between).
 */
#include <virtio.h>
#include <virtio_blk.h>
#include <kmalloc.h>
#include <printk.h>
#include <errno.h>
#include <string.h>

#define Q_REQUEST 0
#define CFG_CAPACITY 0      /* le64 sectors */

struct blk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
	uint8_t status;
} __packed;

static struct {
	struct virtio_dev *vd;
	struct blk_req *req;
	uint64_t sectors;
} blk;

struct virtio_blk_stats virtio_blk_stats;

bool virtio_blk_present(void)
{
	return blk.vd != NULL;
}

uint64_t virtio_blk_sectors(void)
{
	return blk.sectors;
}

/* Queues header, pages and status as one chain. Returns 0 or -EIO (ring full). */
static int queue_request(bool write, const phys_addr_t *pa, unsigned n)
{
	struct virtq_buf bufs[VIRTIO_BLK_MAX_PAGES + 2];
	phys_addr_t req = mm_virt_to_phys(blk.req);

	bufs[0] = (struct virtq_buf){ req, 16, false };
	for (unsigned i = 0; i < n; i++)
		bufs[1 + i] = (struct virtq_buf){ pa[i], MM_PAGE_SIZE, !write };
	bufs[n + 1] = (struct virtq_buf){ req + 16, 1, true };
	return virtq_add_buf(&blk.vd->vqs[Q_REQUEST], bufs, n + 2, blk.req) ? -EIO : 0;
}

int virtio_blk_rw(bool write, uint64_t sector, const phys_addr_t *pa, unsigned n)
{
	uint64_t len = (uint64_t)n << (MM_PAGE_SHIFT - VIRTIO_BLK_SECTOR_SHIFT);

	if (!blk.vd || !n || n > VIRTIO_BLK_MAX_PAGES || sector > blk.sectors ||
	    len > blk.sectors - sector)
		return -EINVAL;
	blk.req->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	blk.req->reserved = 0;
	blk.req->sector = sector;
	blk.req->status = 0xff;
	if (queue_request(write, pa, n))
		goto fail;
	virtq_kick(&blk.vd->vqs[Q_REQUEST]);
	if (virtq_wait_used(&blk.vd->vqs[Q_REQUEST], NULL) != blk.req ||
	    blk.req->status != VIRTIO_BLK_S_OK)
		goto fail;
	*(write ? &virtio_blk_stats.writes : &virtio_blk_stats.reads) += 1;
	*(write ? &virtio_blk_stats.pages_written : &virtio_blk_stats.pages_read) += n;
	return 0;
fail:
	virtio_blk_stats.errors++;
	pr_err("virtio-blk: %s of %u pages at sector %llu failed (status %u)\n",
	       write ? "write" : "read", n, (unsigned long long)sector, blk.req->status);
	return -EIO;
}

static int blk_probe(struct virtio_dev *vd)
{
	if (blk.vd) {
		pr_info("virtio-blk: one disk is enough; ignoring the one at 0x%llx\n",
			(unsigned long long)vd->base);
		return -1;
	}
	blk.req = kzalloc(sizeof(*blk.req), BUDDY_GFP_KERNEL);
	if (!blk.req || virtio_setup_vq(vd, Q_REQUEST, NULL))
		return -1;
	blk.sectors = virtio_cread32(vd, CFG_CAPACITY) |
		      (uint64_t)virtio_cread32(vd, CFG_CAPACITY + 4) << 32;
	blk.vd = vd;
	vd->priv = &blk;
	pr_info("virtio-blk: %llu sectors (%llu MiB) at 0x%llx\n",
		(unsigned long long)blk.sectors, (unsigned long long)(blk.sectors >> 11),
		(unsigned long long)vd->base);
	return 0;
}

const struct virtio_driver virtio_blk_driver = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = 0,
	.probe = blk_probe,
};
