/*
 * exit_status.h: the exit port and the values the guest writes to it.
 *
 * A write of any size to EXIT_PORT ends the VM (vmm/runtime/devices/debug_exit.c)
 * and memvisor exits with the written value; QEMU's isa-debug-exit at the
 * same port turns v into (v << 1) | 1. The guest kernel writes these
 * statuses; host tests include this header to name them. Constants only,
 * so assembly and the -m32 tiny guest can include it too.
 */
#ifndef ABI_EXIT_STATUS_H
#define ABI_EXIT_STATUS_H

#define EXIT_PORT          0xf4

#define EXIT_OK            0  /* boot (and self-tests) completed */
#define EXIT_TEST_FAILURE  1  /* a kernel self-test failed */
#define EXIT_NO_INIT       2  /* reserved: init could not be started */
#define EXIT_PANIC         3  /* panic(): a broken invariant */
#define EXIT_OOPS          4  /* an unexpected CPU exception (oops) */

#endif
