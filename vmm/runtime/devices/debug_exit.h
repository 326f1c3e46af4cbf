/*
 * debug_exit.h: the exit port (EXIT_PORT, abi/exit_status.h). A write of
 * any size ends the VM and memvisor exits with the written value (low 8
 * bits, as exit(3) keeps).
 * QEMU's isa-debug-exit at the same port exits with (value << 1) | 1.
 */
#ifndef VMM_DEBUG_EXIT_H
#define VMM_DEBUG_EXIT_H

#include "bus.h"
#include "exit_status.h" /* EXIT_PORT */

struct debug_exit {
	void (*on_exit)(void *ctx, uint32_t value);
	void *ctx;
};

extern const struct bus_ops debug_exit_ops;

#endif
