/*
 * balloon.h: the virtio memory balloon (device id 5; virtio 1.x section
 * 5.5) with MUST_TELL_HOST, STATS_VQ, DEFLATE_ON_OOM and free page
 * REPORTING.
 *
 * Queues: 0 inflate, 1 deflate, then stats and reporting numbered by
 * position among the negotiated ones (free-page hinting is not offered):
 * 2 stats and 3 reporting with STATS_VQ, 2 reporting without it, as Linux
 * and QEMU number them.
 *
 * The target is the balloon's size: the memory the host wants taken from
 * the guest (config num_pages, set only by the host); the driver reports
 * what it holds in `actual`, the one config field it may write. The device keeps its own bitmap of the pages it holds, so a
 * driver that lies can make it discard neither memory outside RAM nor a
 * page twice: such PFNs are ignored and counted in bad_pfns.
 *
 * Locking: all state is protected by the transport's lock. The worker
 * (virtio_mmio.h) serves each chain under it and drops it between chains,
 * so a control request waits for one chain at most; `chain` is the
 * worker's alone.
 */
#ifndef VMM_BALLOON_H
#define VMM_BALLOON_H

#include "virtio_mmio.h"

#define BALLOON_Q_INFLATE   0
#define BALLOON_Q_DEFLATE   1
#define BALLOON_Q_STATS     2
#define BALLOON_Q_REPORTING 3
#define BALLOON_NR_STATS    16

/* The layout of virtio 1.x 5.5.4 (offsets VIRTIO_BALLOON_CFG_*). */
struct balloon_config {
	uint32_t num_pages;   /* target, in 4 KiB pages */
	uint32_t actual;      /* written by the driver */
	uint32_t free_page_hint_cmd_id;
	uint32_t poison_val;
};

struct balloon {
	struct virtio_mmio transport;
	struct balloon_config config;
	uint8_t *held;                 /* bitmap by PFN: pages in the balloon */
	uint64_t nr_pfns;              /* bits in held */
	uint64_t held_pages;
	uint64_t inflated_pages, deflated_pages, reported_pages; /* totals */
	uint64_t discard_calls, discard_errors, bad_pfns;
	/* statistics from the stats queue */
	uint64_t stats[BALLOON_NR_STATS];
	uint32_t stats_seen;           /* bitmap of tags ever received */
	uint64_t stats_updates;
	int stats_head;                /* held stats buffer, -1 when none */
	struct virtq_chain chain;      /* the chain being processed (worker only) */
};

/* Sets up the device and its transport (and starts its worker). Returns 0
 * or a negative errno (-ENOMEM, or the worker thread's failure). */
int balloon_init(struct balloon *b, const struct guest_memory *mem, uint64_t base,
		 struct irq_line irq);
void balloon_destroy(struct balloon *b);

/* Sets the target balloon size in bytes (rounded down to pages). */
void balloon_set_target(struct balloon *b, uint64_t bytes);

/* Asks the driver for fresh statistics (returns the held stats buffer). */
void balloon_request_stats(struct balloon *b);

/* A consistent copy of the figures, taken under the lock. */
struct balloon_figures {
	uint64_t target_bytes, actual_bytes, held_bytes;
	uint64_t inflated_pages, deflated_pages, reported_pages, bad_pfns;
	uint64_t stats[BALLOON_NR_STATS];
	uint32_t stats_seen;
	uint64_t stats_updates;
	bool driver_ok;
};
void balloon_figures(struct balloon *b, struct balloon_figures *f);

/*
 * The device's own state for save and restore (a fixed record, snapfmt.h);
 * the held bitmap, (nr_pfns + 7) / 8 bytes, goes beside it. The transport
 * has its own (virtio_mmio_state).
 */
struct balloon_state {
	struct balloon_config config;
	uint64_t nr_pfns, held_pages;
	uint64_t inflated_pages, deflated_pages, reported_pages;
	uint64_t discard_calls, discard_errors, bad_pfns;
	uint64_t stats[BALLOON_NR_STATS];
	uint64_t stats_updates;
	uint32_t stats_seen;
	int32_t stats_head;
};
/* Copies the state out; *held points at the live bitmap (read it while
 * the VM is paused). */
void balloon_get_state(struct balloon *b, struct balloon_state *st, const uint8_t **held);
/* Loads a saved state and its bitmap (of balloon_held_bytes()). The held
 * pages are not touched: a restored guest's RAM has them zero already.
 * Returns 0, or -EINVAL when the bitmap is for another RAM size or the
 * counts disagree with it. */
int balloon_set_state(struct balloon *b, const struct balloon_state *st, const uint8_t *held);
size_t balloon_held_bytes(const struct balloon *b);

/* Linux's name of stats tag i ("swap_in", "free_memory", ...), or NULL. */
const char *balloon_stat_name(unsigned tag);

#endif
