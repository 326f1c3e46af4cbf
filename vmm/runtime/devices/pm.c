/*
 * pm.c: power-off and reset requests from the guest (see pm.h).
 */
#include "pm.h"
#include "acpi.h"

#include <string.h>

static void pm_read_zero(void *dev, uint64_t offset, uint8_t *data, unsigned size)
{
	(void)dev;
	(void)offset;
	memset(data, 0, size);
}

/* Whether a sleep control value asks for S5 (SLP_EN with \_S5's type). */
static bool pm_is_s5(uint8_t v)
{
	return (v & ACPI_SLEEP_EN) &&
	       ((v & ACPI_SLEEP_TYP_MASK) >> ACPI_SLEEP_TYP_SHIFT) == ACPI_S5_SLP_TYP;
}

static void pm_sleep_write(void *dev, uint64_t offset, const uint8_t *data, unsigned size)
{
	struct pm *pm = dev;
	if (offset == 0 /* control, not status */ && size >= 1 && pm_is_s5(data[0]))
		pm->on_power_off(pm->ctx);
}

static void pm_reset_write(void *dev, uint64_t offset, const uint8_t *data, unsigned size)
{
	struct pm *pm = dev;
	(void)offset;
	if (size >= 1 && (data[0] & PM_RESET_CPU))
		pm->on_reset(pm->ctx, "port 0xcf9");
}

static void pm_i8042_write(void *dev, uint64_t offset, const uint8_t *data, unsigned size)
{
	struct pm *pm = dev;
	(void)offset;
	if (size >= 1 && data[0] == PM_I8042_RESET)
		pm->on_reset(pm->ctx, "the 8042's reset command on port 0x64");
}

const struct bus_ops pm_sleep_ops = { .read = pm_read_zero, .write = pm_sleep_write };
const struct bus_ops pm_reset_ops = { .read = pm_read_zero, .write = pm_reset_write };
const struct bus_ops pm_i8042_ops = { .read = pm_read_zero, .write = pm_i8042_write };
