/*
 * debug_exit.c: turns a guest write to port 0xf4 into a VM exit request
 * (see debug_exit.h).
 */
#include "debug_exit.h"

#include <string.h>

static void debug_exit_write(void *dev, uint64_t offset, const uint8_t *data, unsigned size)
{
	struct debug_exit *d = dev;
	uint32_t v = 0;
	(void)offset;
	memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
	d->on_exit(d->ctx, v);
}

const struct bus_ops debug_exit_ops = { .write = debug_exit_write };
