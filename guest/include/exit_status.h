/*
 * exit_status.h: the values the guest writes to the debug-exit port 0xf4.
 *
 * memvisor exits with the written value; QEMU's isa-debug-exit turns v into
 * (v << 1) | 1. Host tests include this header to name the statuses.
 */
#ifndef GUEST_EXIT_STATUS_H
#define GUEST_EXIT_STATUS_H

#define EXIT_PORT          0xf4

#define EXIT_OK            0  /* boot (and self-tests) completed */
#define EXIT_TEST_FAILURE  1  /* a kernel self-test failed */
#define EXIT_NO_INIT       2  /* reserved: init could not be started */
#define EXIT_PANIC         3  /* panic(): a broken invariant */
#define EXIT_OOPS          4  /* an unexpected CPU exception (oops) */

#endif
