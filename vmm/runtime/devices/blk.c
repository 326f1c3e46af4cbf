/*
 * blk.c: virtio-blk device model over a host file (see blk.h).
 *
 * One chain at a time on the worker: pop and check its shape under the
 * transport lock, serve it without the lock (file I/O into guest buffers
 * the chain owns), then push it and count it under the lock.
 */
#include "blk.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK_DEFAULT_SIZE (256ull << 20)
#define BLK_HDR_SIZE 16

struct blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static ssize_t file_read(struct blk *b, void *buf, size_t len, uint64_t off)
{
	return pread(b->fd, buf, len, (off_t)off);
}

static ssize_t file_write(struct blk *b, const void *buf, size_t len, uint64_t off)
{
	return pwrite(b->fd, buf, len, (off_t)off);
}

static int file_flush(struct blk *b)
{
	return fdatasync(b->fd);
}

static const struct blk_io_ops file_io = {
	.read = file_read, .write = file_write, .flush = file_flush,
};

static int open_backing(struct blk *b, const char *path, uint64_t size, bool size_given,
			struct mv_error *err)
{
	struct stat st;
	b->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (b->fd < 0 || fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return mv_fail(err, b->fd < 0 ? -errno : -EINVAL, "--swap %s: %s", path,
			       b->fd < 0 ? strerror(errno) : "not a regular file");
	if (st.st_size == 0 && ftruncate(b->fd, (off_t)size) < 0)
		return mv_fail_errno(err, "--swap %s: cannot size to %llu bytes", path,
				     (unsigned long long)size);
	if (st.st_size && size_given && (uint64_t)st.st_size != size)
		return mv_fail(err, -EINVAL, "--swap %s: exists with %lld bytes, not the %llu asked for",
			       path, (long long)st.st_size, (unsigned long long)size);
	uint64_t bytes = st.st_size ? (uint64_t)st.st_size : size;
	b->disk_sectors = bytes / BLK_SECTOR_SIZE;
	b->config.capacity = b->disk_sectors;
	return 0;
}

int blk_open(struct blk *b, const char *arg, struct mv_error *err)
{
	char path[4096];
	uint64_t size = BLK_DEFAULT_SIZE;
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->io = &file_io;
	if (n == 0 || n >= sizeof(path))
		return mv_fail(err, -EINVAL, "--swap: expected FILE or FILE:SIZE");
	memcpy(path, arg, n);
	path[n] = 0;
	int rc = colon ? mv_parse_size(colon + 1, &size, err) : 0;
	if (rc < 0)
		return rc;
	if (size < 64 * 1024 || size % 4096)
		return mv_fail(err, -EINVAL, "--swap size must be a multiple of 4K and at least 64K");
	rc = open_backing(b, path, size, colon != NULL, err);
	if (rc < 0) {
		blk_close(b);
		return rc;
	}
	b->config.seg_max = VIRTQ_MAX_SIZE - 2;
	b->config.blk_size = 4096;
	snprintf(b->id, sizeof(b->id), "memvisor-swap");
	return 0;
}

/* Total length of buffers [first, last) of the chain. */
static uint64_t data_len(const struct virtq_chain *c, unsigned first, unsigned last)
{
	uint64_t n = 0;
	for (unsigned i = first; i < last; i++)
		n += c->buf[i].len;
	return n;
}

/* Checks the chain's shape; returns false (and fails the device) if bad. */
static bool chain_shape_ok(struct blk *b, const struct virtq_chain *c, struct blk_req_hdr *h)
{
	const struct virtq_buf *first = &c->buf[0], *last = &c->buf[c->nr - 1];
	if (c->nr < 2 || first->writable || first->len < BLK_HDR_SIZE || !last->writable ||
	    last->len < 1) {
		virtio_mmio_fail(&b->transport, "request chain is not header + data + status");
		return false;
	}
	memcpy(h, first->hva, sizeof(*h));
	bool want_writable = h->type == VIRTIO_BLK_T_IN || h->type == VIRTIO_BLK_T_GET_ID;
	if (!want_writable && h->type != VIRTIO_BLK_T_OUT)
		return true; /* flush or unknown: data, if any, is not touched */
	for (unsigned i = 1; i + 1 < c->nr; i++) {
		if (c->buf[i].writable != want_writable) {
			virtio_mmio_fail(&b->transport, "data buffer has the wrong direction");
			return false;
		}
	}
	return true;
}

/* What serving one chain produced, counted under the lock afterwards. */
struct blk_outcome {
	uint8_t status;
	uint32_t written;              /* bytes put into device-writable buffers */
	uint64_t moved;                /* data bytes a read or write moved */
};

static uint8_t do_rw(struct blk *b, const struct virtq_chain *c, const struct blk_req_hdr *h,
		     struct blk_outcome *o)
{
	bool read = h->type == VIRTIO_BLK_T_IN;
	uint64_t len = data_len(c, 1, c->nr - 1);
	if (len % BLK_SECTOR_SIZE || h->sector > b->disk_sectors ||
	    len / BLK_SECTOR_SIZE > b->disk_sectors - h->sector)
		return VIRTIO_BLK_S_IOERR;
	uint64_t off = h->sector * BLK_SECTOR_SIZE;
	for (unsigned i = 1; i + 1 < c->nr; i++) {
		const struct virtq_buf *d = &c->buf[i];
		ssize_t n = read ? b->io->read(b, d->hva, d->len, off)
				 : b->io->write(b, d->hva, d->len, off);
		if (n != (ssize_t)d->len)
			return VIRTIO_BLK_S_IOERR;
		off += d->len;
		o->written += read ? d->len : 0;
	}
	o->moved = len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct blk *b, const struct virtq_chain *c, uint32_t *written)
{
	const struct virtq_buf *d = &c->buf[1];
	if (c->nr < 3)
		return VIRTIO_BLK_S_IOERR;
	uint32_t n = d->len < BLK_ID_BYTES ? d->len : BLK_ID_BYTES;
	memset(d->hva, 0, n);
	memcpy(d->hva, b->id, strlen(b->id) < n ? strlen(b->id) : n);
	*written += n;
	return VIRTIO_BLK_S_OK;
}

/* Without the lock: does what the request asks. */
static struct blk_outcome serve(struct blk *b, const struct virtq_chain *c,
				const struct blk_req_hdr *h)
{
	struct blk_outcome o = { .status = VIRTIO_BLK_S_OK };
	/* status in a descriptor of its own (see blk.h); merged framing is refused */
	if (c->buf[c->nr - 1].len != 1)
		o.status = VIRTIO_BLK_S_IOERR;
	else if (h->type == VIRTIO_BLK_T_IN || h->type == VIRTIO_BLK_T_OUT)
		o.status = do_rw(b, c, h, &o);
	else if (h->type == VIRTIO_BLK_T_FLUSH)
		o.status = b->io->flush(b) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	else if (h->type == VIRTIO_BLK_T_GET_ID)
		o.status = do_get_id(b, c, &o.written);
	else
		o.status = VIRTIO_BLK_S_UNSUPP;
	return o;
}

/* With the lock held: the request's counts. */
static void count(struct blk *b, const struct virtq_chain *c, const struct blk_req_hdr *h,
		  const struct blk_outcome *o)
{
	bool ok = o->status == VIRTIO_BLK_S_OK, framed = c->buf[c->nr - 1].len == 1;
	b->errors += !ok;
	b->flushes += framed && h->type == VIRTIO_BLK_T_FLUSH;
	if (ok && h->type == VIRTIO_BLK_T_IN) {
		b->reads++;
		b->bytes_read += o->moved;
	} else if (ok && h->type == VIRTIO_BLK_T_OUT) {
		b->writes++;
		b->bytes_written += o->moved;
	}
}

/* Under the lock: the next chain of queue q with its header, or false. */
static bool take_request(struct blk *b, unsigned q, struct blk_req_hdr *h)
{
	struct virtio_mmio *t = &b->transport;
	pthread_mutex_lock(&t->lock);
	bool got = virtio_mmio_pop(t, q, VIRTQ_ANY, &b->chain) > 0 && chain_shape_ok(b, &b->chain, h);
	pthread_mutex_unlock(&t->lock);
	return got;
}

/* Under the lock: the status byte, the counts, the used ring, the interrupt. */
static void complete_request(struct blk *b, unsigned q, const struct blk_req_hdr *h,
			     const struct blk_outcome *o)
{
	struct virtio_mmio *t = &b->transport;
	const struct virtq_chain *c = &b->chain;
	const struct virtq_buf *st = &c->buf[c->nr - 1];
	pthread_mutex_lock(&t->lock);
	st->hva[st->len - 1] = o->status; /* the status byte ends the chain */
	count(b, c, h, o);
	virtio_mmio_push(t, q, c->head, o->written + 1);
	pthread_mutex_unlock(&t->lock);
}

static bool blk_process(struct virtio_mmio *t, unsigned q, unsigned budget)
{
	struct blk *b = t->dev;
	for (unsigned served = 0; served < budget; served++) {
		struct blk_req_hdr h;
		if (!take_request(b, q, &h))
			return false;
		struct blk_outcome o = serve(b, &b->chain, &h);
		complete_request(b, q, &h, &o);
	}
	return true;
}

static const struct virtio_device_ops blk_ops = {
	.name = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
		    (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH),
	.nr_queues = 1,
	.process = blk_process,
};

int blk_attach(struct blk *b, const struct guest_memory *mem, uint64_t base,
	       struct irq_line irq)
{
	int rc = virtio_mmio_init(&b->transport, &blk_ops, b, mem, base, irq,
				  (uint8_t *)&b->config, sizeof(b->config));
	b->attached = rc == 0;
	return rc;
}

void blk_close(struct blk *b)
{
	if (b->attached)
		virtio_mmio_destroy(&b->transport);
	b->attached = false;
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/* ---- save and restore --------------------------------------------------- */

int blk_get_state(struct blk *b, struct blk_state *st)
{
	char link[64];
	memset(st, 0, sizeof(*st));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", b->fd);
	ssize_t n = readlink(link, st->path, sizeof(st->path) - 1);
	if (n < 0 || (size_t)n >= sizeof(st->path) - 1)
		return n < 0 ? -errno : -ENAMETOOLONG;
	pthread_mutex_lock(&b->transport.lock);
	st->disk_sectors = b->disk_sectors;
	st->reads = b->reads;
	st->writes = b->writes;
	st->flushes = b->flushes;
	st->errors = b->errors;
	st->bytes_read = b->bytes_read;
	st->bytes_written = b->bytes_written;
	pthread_mutex_unlock(&b->transport.lock);
	return 0;
}

int blk_set_state(struct blk *b, const struct blk_state *st)
{
	if (st->disk_sectors != b->disk_sectors)
		return -EINVAL;
	pthread_mutex_lock(&b->transport.lock);
	b->reads = st->reads;
	b->writes = st->writes;
	b->flushes = st->flushes;
	b->errors = st->errors;
	b->bytes_read = st->bytes_read;
	b->bytes_written = st->bytes_written;
	pthread_mutex_unlock(&b->transport.lock);
	return 0;
}

/* [from, to) of in to out, shifted by out_off - in_off. 0 or -errno. */
static int copy_range(int in, int out, uint64_t from, uint64_t to, int64_t shift)
{
	uint8_t buf[1 << 16];
	while (from < to) {
		size_t want = to - from < sizeof(buf) ? (size_t)(to - from) : sizeof(buf);
		ssize_t n = pread(in, buf, want, (off_t)from);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (pwrite(out, buf, (size_t)n, (off_t)((int64_t)from + shift)) != n)
			return -EIO;
		from += (uint64_t)n;
	}
	return 0;
}

static void punch(int fd, uint64_t off, uint64_t len)
{
	if (len)
		fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
}

int blk_copy_sparse(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t len)
{
	int64_t shift = (int64_t)out_off - (int64_t)in_off;
	uint64_t pos = in_off, end = in_off + len;
	while (pos < end) {
		off_t data = lseek(in, (off_t)pos, SEEK_DATA);
		if (data < 0 && errno != ENXIO)
			return -errno;
		uint64_t d = data < 0 || (uint64_t)data > end ? end : (uint64_t)data;
		punch(out, pos + (uint64_t)shift, d - pos);
		if (d == end)
			break;
		off_t hole = lseek(in, (off_t)d, SEEK_HOLE);
		uint64_t h = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		int rc = copy_range(in, out, d, h, shift);
		if (rc < 0)
			return rc;
		pos = h;
	}
	return 0;
}
