/*
 * balloon.c: virtio-balloon device model (see balloon.h).
 *
 * Inflate: every PFN in the chain is checked (inside RAM, not held), set in
 * the held bitmap, and adjacent PFNs are merged into ranges so the host
 * discards each range with one call. Deflate clears bits; the host needs
 * to do nothing, the next guest touch faults a zero page in. Reported free
 * pages are discarded but never counted as held.
 */
#include "balloon.h"
#include "util.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define PFN_SHIFT VIRTIO_BALLOON_PFN_SHIFT /* balloon PFNs count 4 KiB pages */
#define STAT_SIZE 10 /* packed { le16 tag; le64 val; } */

static const char *const stat_names[] = {
	"swap_in", "swap_out", "major_faults", "minor_faults", "free_memory",
	"total_memory", "available_memory", "disk_caches", "hugetlb_allocations",
	"hugetlb_failures", "oom_kills", "alloc_stalls", "async_scans", "direct_scans",
	"async_reclaims", "direct_reclaims",
};

const char *balloon_stat_name(unsigned tag)
{
	return tag < sizeof(stat_names) / sizeof(stat_names[0]) ? stat_names[tag] : NULL;
}

static bool pfn_held(const struct balloon *b, uint64_t pfn)
{
	return mv_bit(b->held, pfn);
}

static void pfn_mark(struct balloon *b, uint64_t pfn, bool held)
{
	if (held)
		b->held[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	else
		b->held[pfn / 8] &= (uint8_t)~(1u << (pfn % 8));
}

/* A run of adjacent PFNs waiting to be discarded. */
struct pfn_range {
	uint64_t start, count;
};

static void discard_range(struct balloon *b, struct pfn_range *r)
{
	if (!r->count)
		return;
	b->discard_calls++;
	if (mem_discard(b->transport.mem, r->start << PFN_SHIFT, r->count << PFN_SHIFT) < 0)
		b->discard_errors++;
	r->count = 0;
}

static void range_add(struct balloon *b, struct pfn_range *r, uint64_t pfn)
{
	if (r->count && pfn == r->start + r->count) {
		r->count++;
		return;
	}
	discard_range(b, r);
	r->start = pfn;
	r->count = 1;
}

static bool pfn_is_ram(const struct balloon *b, uint64_t pfn)
{
	return pfn < b->nr_pfns && mem_gpa_to_hva(b->transport.mem, pfn << PFN_SHIFT, 4096);
}

static void inflate_pfn(struct balloon *b, struct pfn_range *r, uint64_t pfn)
{
	if (!pfn_is_ram(b, pfn) || pfn_held(b, pfn)) {
		if (b->bad_pfns++ == 0)
			mv_err("virtio-balloon: driver gave PFN %#llx, %s; ignored (further ones counted)",
			       (unsigned long long)pfn, pfn_is_ram(b, pfn) ? "already held" : "not RAM");
		return;
	}
	pfn_mark(b, pfn, true);
	b->held_pages++;
	b->inflated_pages++;
	range_add(b, r, pfn);
}

static void deflate_pfn(struct balloon *b, uint64_t pfn)
{
	if (!pfn_is_ram(b, pfn) || !pfn_held(b, pfn)) {
		b->bad_pfns++;
		return;
	}
	pfn_mark(b, pfn, false);
	b->held_pages--;
	b->deflated_pages++;
}

static void process_pfns(struct balloon *b, const struct virtq_chain *c, bool inflate)
{
	struct pfn_range r = { 0, 0 };
	for (unsigned i = 0; i < c->nr; i++) {
		for (uint32_t off = 0; off + 4 <= c->buf[i].len; off += 4) {
			uint32_t pfn;
			memcpy(&pfn, c->buf[i].hva + off, 4);
			if (inflate)
				inflate_pfn(b, &r, pfn);
			else
				deflate_pfn(b, pfn);
		}
	}
	discard_range(b, &r);
}

static void parse_stats(struct balloon *b, const struct virtq_chain *c)
{
	for (unsigned i = 0; i < c->nr; i++) {
		for (uint32_t off = 0; off + STAT_SIZE <= c->buf[i].len; off += STAT_SIZE) {
			uint16_t tag;
			uint64_t val;
			memcpy(&tag, c->buf[i].hva + off, 2);
			memcpy(&val, c->buf[i].hva + off + 2, 8);
			if (tag < BALLOON_NR_STATS) {
				b->stats[tag] = val;
				b->stats_seen |= 1u << tag;
			}
		}
	}
	b->stats_updates++;
}

static void report_free_pages(struct balloon *b, const struct virtq_chain *c)
{
	for (unsigned i = 0; i < c->nr; i++) {
		if (mem_discard(b->transport.mem, c->buf[i].gpa, c->buf[i].len) == 0)
			b->reported_pages += c->buf[i].len >> PFN_SHIFT;
		else
			b->discard_errors++;
	}
}

/*
 * Queues are numbered by position among those that exist (virtio 1.x
 * 5.5.2, as Linux and QEMU do): without STATS_VQ, reporting is queue 2.
 */
static int queue_role(const struct virtio_mmio *t, unsigned q)
{
	bool stats = virtio_mmio_has_feature(t, VIRTIO_BALLOON_F_STATS_VQ);
	bool reporting = virtio_mmio_has_feature(t, VIRTIO_BALLOON_F_REPORTING);
	if (q < 2)
		return (int)q;
	if (stats && q == 2)
		return BALLOON_Q_STATS;
	if (reporting && q == (stats ? 3u : 2u))
		return BALLOON_Q_REPORTING;
	return -1;
}

/* With the lock held: takes one chain of queue q in its role; false when
 * there is none. A stats chain is kept until the host wants more. */
static bool serve_one(struct balloon *b, unsigned q, int role)
{
	struct virtio_mmio *t = &b->transport;
	struct virtq_chain *c = &b->chain;
	enum virtq_dir dir = role == BALLOON_Q_REPORTING ? VIRTQ_DEV_WRITES : VIRTQ_DEV_READS;
	if (virtio_mmio_pop(t, q, dir, c) <= 0)
		return false;
	if (role == BALLOON_Q_STATS) {
		parse_stats(b, c);
		b->stats_head = c->head; /* kept until the host wants more */
		return true;
	}
	if (role == BALLOON_Q_REPORTING)
		report_free_pages(b, c);
	else
		process_pfns(b, c, role == BALLOON_Q_INFLATE);
	virtio_mmio_push(t, q, c->head, 0);
	return true;
}

/* On the worker: each chain under the lock, dropped between chains so the
 * control thread and the vCPUs get in. */
static bool balloon_process(struct virtio_mmio *t, unsigned q, unsigned budget)
{
	struct balloon *b = t->dev;
	pthread_mutex_lock(&t->lock);
	int role = queue_role(t, q);
	if (role < 0 && virtio_mmio_driver_ok(t))
		virtio_mmio_fail(t, "notify on a queue this feature set does not have");
	pthread_mutex_unlock(&t->lock);
	for (unsigned served = 0; role >= 0 && served < budget; served++) {
		pthread_mutex_lock(&t->lock);
		bool got = serve_one(b, q, role);
		pthread_mutex_unlock(&t->lock);
		if (!got)
			return false;
	}
	return role >= 0;
}

/* A reset returns the balloon's pages to the guest: it will reuse them. */
static void balloon_reset(struct virtio_mmio *t)
{
	struct balloon *b = t->dev;
	memset(b->held, 0, (b->nr_pfns + 7) / 8);
	b->held_pages = 0;
	b->config.actual = 0;
	b->stats_head = -1;
}

/* Of the config, the driver writes only `actual` (5.5.4; poison_val needs
 * PAGE_POISON, not offered); num_pages, the target, is the host's. */
_Static_assert(offsetof(struct balloon_config, num_pages) == VIRTIO_BALLOON_CFG_NUM_PAGES &&
	       offsetof(struct balloon_config, actual) == VIRTIO_BALLOON_CFG_ACTUAL &&
	       offsetof(struct balloon_config, poison_val) == VIRTIO_BALLOON_CFG_POISON_VAL,
	       "balloon config layout is the spec's");

static bool balloon_config_writable(const struct virtio_mmio *t, uint64_t off, unsigned size)
{
	(void)t;
	return off >= VIRTIO_BALLOON_CFG_ACTUAL &&
	       off + size <= VIRTIO_BALLOON_CFG_ACTUAL + sizeof(uint32_t);
}

static const struct virtio_device_ops balloon_ops = {
	.name = "balloon",
	.device_id = VIRTIO_ID_BALLOON,
	.features = (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BALLOON_F_MUST_TELL_HOST) |
		    (1ull << VIRTIO_BALLOON_F_STATS_VQ) | (1ull << VIRTIO_BALLOON_F_DEFLATE_ON_OOM) |
		    (1ull << VIRTIO_BALLOON_F_REPORTING),
	.nr_queues = 4,
	.process = balloon_process,
	.config_writable = balloon_config_writable,
	.reset = balloon_reset,
};

int balloon_init(struct balloon *b, const struct guest_memory *mem, uint64_t base,
		 struct irq_line irq)
{
	const struct mem_slot *last = &mem->slots[mem->nr_slots - 1];
	memset(b, 0, sizeof(*b));
	b->nr_pfns = (last->gpa + last->size) >> PFN_SHIFT;
	b->held = calloc((b->nr_pfns + 7) / 8, 1);
	if (!b->held)
		return -ENOMEM;
	b->stats_head = -1;
	int rc = virtio_mmio_init(&b->transport, &balloon_ops, b, mem, base, irq,
				  (uint8_t *)&b->config, sizeof(b->config));
	if (rc < 0) {
		free(b->held);
		b->held = NULL;
		return rc;
	}
	return 0;
}

void balloon_destroy(struct balloon *b)
{
	virtio_mmio_destroy(&b->transport);
	free(b->held);
	b->held = NULL;
}

void balloon_set_target(struct balloon *b, uint64_t bytes)
{
	uint64_t pages = bytes >> PFN_SHIFT;
	pthread_mutex_lock(&b->transport.lock);
	b->config.num_pages = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
	virtio_mmio_config_changed(&b->transport);
	pthread_mutex_unlock(&b->transport.lock);
}

void balloon_request_stats(struct balloon *b)
{
	struct virtio_mmio *t = &b->transport;
	pthread_mutex_lock(&t->lock);
	if (b->stats_head >= 0 && virtio_mmio_driver_ok(t)) {
		virtq_push(&t->vq[BALLOON_Q_STATS], (uint16_t)b->stats_head, 0);
		b->stats_head = -1;
		virtio_mmio_interrupt(t, VIRTIO_INT_USED);
	}
	pthread_mutex_unlock(&t->lock);
}

void balloon_figures(struct balloon *b, struct balloon_figures *f)
{
	pthread_mutex_lock(&b->transport.lock);
	*f = (struct balloon_figures){
		.target_bytes = (uint64_t)b->config.num_pages << PFN_SHIFT,
		.actual_bytes = (uint64_t)b->config.actual << PFN_SHIFT,
		.held_bytes = b->held_pages << PFN_SHIFT,
		.inflated_pages = b->inflated_pages, .deflated_pages = b->deflated_pages,
		.reported_pages = b->reported_pages, .bad_pfns = b->bad_pfns,
		.stats_seen = b->stats_seen, .stats_updates = b->stats_updates,
		.driver_ok = virtio_mmio_driver_ok(&b->transport),
	};
	memcpy(f->stats, b->stats, sizeof(f->stats));
	pthread_mutex_unlock(&b->transport.lock);
}

/* ---- save and restore --------------------------------------------------- */

size_t balloon_held_bytes(const struct balloon *b)
{
	return (size_t)((b->nr_pfns + 7) / 8);
}

void balloon_get_state(struct balloon *b, struct balloon_state *st, const uint8_t **held)
{
	pthread_mutex_lock(&b->transport.lock);
	*st = (struct balloon_state){
		.config = b->config, .nr_pfns = b->nr_pfns, .held_pages = b->held_pages,
		.inflated_pages = b->inflated_pages, .deflated_pages = b->deflated_pages,
		.reported_pages = b->reported_pages, .discard_calls = b->discard_calls,
		.discard_errors = b->discard_errors, .bad_pfns = b->bad_pfns,
		.stats_updates = b->stats_updates, .stats_seen = b->stats_seen,
		.stats_head = b->stats_head,
	};
	memcpy(st->stats, b->stats, sizeof(st->stats));
	*held = b->held;
	pthread_mutex_unlock(&b->transport.lock);
}

static uint64_t bits_set(const uint8_t *map, uint64_t nbits)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < nbits; i++)
		n += (map[i / 8] >> (i % 8)) & 1;
	return n;
}

int balloon_set_state(struct balloon *b, const struct balloon_state *st, const uint8_t *held)
{
	if (st->nr_pfns != b->nr_pfns || bits_set(held, b->nr_pfns) != st->held_pages ||
	    st->stats_head < -1 || st->stats_head >= VIRTQ_MAX_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&b->transport.lock);
	memcpy(b->held, held, balloon_held_bytes(b));
	b->config = st->config;
	b->held_pages = st->held_pages;
	b->inflated_pages = st->inflated_pages;
	b->deflated_pages = st->deflated_pages;
	b->reported_pages = st->reported_pages;
	b->discard_calls = st->discard_calls;
	b->discard_errors = st->discard_errors;
	b->bad_pfns = st->bad_pfns;
	memcpy(b->stats, st->stats, sizeof(b->stats));
	b->stats_updates = st->stats_updates;
	b->stats_seen = st->stats_seen;
	b->stats_head = st->stats_head;
	pthread_mutex_unlock(&b->transport.lock);
	return 0;
}
