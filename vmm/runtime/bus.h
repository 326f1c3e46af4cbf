/*
 * bus.h: the port-I/O and MMIO buses devices attach to.
 *
 * A device registers a range with a small ops table; the vCPU loop hands
 * every I/O exit to bus_access(). Accesses to a range nobody claims read as
 * all ones and are counted, never fatal. Ranges never overlap (registration
 * refuses).
 *
 * The table is fixed before any vCPU runs: bus_seal() (vm_start) ends
 * registration, and from then on the table is only read, so lookups take
 * no lock and vCPUs reach different devices in parallel. The bus holds no
 * lock around callbacks: each device serialises its own state against
 * concurrent vCPUs (and host threads) with a lock of its own, documented
 * in its header, and keeps slow work (I/O, descriptor processing) off the
 * vCPU thread.
 */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct bus_ops {
	/* data holds size bytes, little endian; offset is from the range base */
	void (*read)(void *dev, uint64_t offset, uint8_t *data, unsigned size);
	void (*write)(void *dev, uint64_t offset, const uint8_t *data, unsigned size);
};

struct bus_range {
	uint64_t base, len;
	const struct bus_ops *ops;
	void *dev;
	const char *name;
};

#define BUS_MAX_RANGES 32

struct bus {
	const char *name;              /* "pio" or "mmio", for messages */
	bool sealed;                   /* no more registrations: ranges[] is read-only */
	int nr;
	struct bus_range ranges[BUS_MAX_RANGES];
	uint64_t unclaimed;            /* accesses nobody handled (atomic) */
};

void bus_init(struct bus *b, const char *name);
void bus_destroy(struct bus *b);

/* Before bus_seal only. Returns 0, -EEXIST if the range overlaps another,
 * -ENOSPC if the bus is full, -EINVAL if it is sealed or len is 0. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *dev, const char *name);

/* Ends registration; called before the first vCPU thread starts, which
 * publishes the table to it (pthread_create is a barrier). */
void bus_seal(struct bus *b);

/* Dispatches one access; returns whether a device claimed it. Thread-safe
 * once the bus is sealed (and, before that, from one thread). */
bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned size, bool is_write);

/* How a device raises its interrupt line without knowing about KVM. */
struct irq_line {
	void (*set)(void *ctx, unsigned irq, int level);
	void *ctx;
	unsigned irq;
};

static inline void irq_line_set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->ctx, l->irq, level);
}

#endif
