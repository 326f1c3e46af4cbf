/*
 * bus.c: range lookup and dispatch for the port-I/O and MMIO buses
 * (see bus.h for the rules). After bus_seal the range table is immutable,
 * so bus_access reads it without a lock; the only shared write is the
 * unclaimed counter, which is atomic.
 */
#include "bus.h"
#include "util.h"

#include <errno.h>
#include <string.h>

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

void bus_destroy(struct bus *b)
{
	b->nr = 0;
}

static bool ranges_overlap(const struct bus_range *r, uint64_t base, uint64_t len)
{
	return base < r->base + r->len && r->base < base + len;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *dev, const char *name)
{
	if (b->sealed || len == 0)
		return -EINVAL;
	if (b->nr == BUS_MAX_RANGES)
		return -ENOSPC;
	for (int i = 0; i < b->nr; i++)
		if (ranges_overlap(&b->ranges[i], base, len))
			return -EEXIST;
	b->ranges[b->nr++] = (struct bus_range){ base, len, ops, dev, name };
	return 0;
}

void bus_seal(struct bus *b)
{
	b->sealed = true;
}

static const struct bus_range *bus_find(const struct bus *b, uint64_t addr, unsigned size)
{
	for (int i = 0; i < b->nr; i++) {
		const struct bus_range *r = &b->ranges[i];
		if (addr >= r->base && addr - r->base < r->len && size <= r->len - (addr - r->base))
			return r;
	}
	return NULL;
}

static void bus_count_unclaimed(struct bus *b, uint64_t addr, unsigned size, bool is_write)
{
	if (__atomic_fetch_add(&b->unclaimed, 1, __ATOMIC_RELAXED) < 8)
		mv_debug("%s: unclaimed %s of %u bytes at %#llx", b->name,
			 is_write ? "write" : "read", size, (unsigned long long)addr);
}

bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned size, bool is_write)
{
	const struct bus_range *r = bus_find(b, addr, size);
	if (r && is_write && r->ops->write)
		r->ops->write(r->dev, addr - r->base, data, size);
	else if (r && !is_write && r->ops->read)
		r->ops->read(r->dev, addr - r->base, data, size);
	else if (!is_write)
		memset(data, 0xff, size);
	if (!r)
		bus_count_unclaimed(b, addr, size, is_write);
	return r != NULL;
}
