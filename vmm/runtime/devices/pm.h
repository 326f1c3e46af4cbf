/*
 * pm.h: power management as a hardware-reduced ACPI machine offers it
 * (acpi.h): the FADT's sleep control and status registers, the reset
 * register at port 0xcf9, and the 8042's reset command on port 0x64.
 *
 * - Sleep control (ACPI_SLEEP_CTL_PORT): a write with SLP_EN and sleep
 *   type ACPI_S5_SLP_TYP (\_S5) is a power-off: on_power_off. Other sleep
 *   types are not offered (the DSDT names only \_S5) and are ignored.
 * - Sleep status (ACPI_SLEEP_STS_PORT): reads 0, writes are ignored (no
 *   wake events: a powered-off guest does not come back).
 * - Reset control, port 0xcf9: a write with bit 2 (reset CPU) set, which
 *   ACPI_RESET_VALUE has, is a reset: on_reset. Reads 0.
 * - 8042 command port 0x64: command 0xfe (pulse the reset line) is a reset.
 *   Reads 0 (no data, input buffer empty), so a driver waiting for the
 *   controller to be ready does not spin; there is no keyboard behind it.
 *
 * The device keeps no state: callbacks must be thread-safe (any vCPU may
 * call them at once), and are called on the vCPU's thread.
 */
#ifndef VMM_PM_H
#define VMM_PM_H

#include "bus.h"

#define PM_RESET_PORT     0xcf9
#define PM_I8042_PORT     0x64
#define PM_RESET_CPU      0x04  /* 0xcf9: bit 2 starts the reset */
#define PM_I8042_RESET    0xfe  /* 0x64: pulse output line 0, the reset line */

struct pm {
	void (*on_power_off)(void *ctx);
	void (*on_reset)(void *ctx, const char *how);  /* how: "port 0xcf9", … */
	void *ctx;
};

/* Bus ops: sleep control and status (2 ports from ACPI_SLEEP_CTL_PORT),
 * port 0xcf9, port 0x64; each with a struct pm as its device. */
extern const struct bus_ops pm_sleep_ops;
extern const struct bus_ops pm_reset_ops;
extern const struct bus_ops pm_i8042_ops;

#endif
