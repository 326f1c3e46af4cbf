/*
 * slab_selftest.h: boot-time checks of slub_debug's reports (slab_selftest=1).
 */
#ifndef GUEST_SLAB_SELFTEST_H
#define GUEST_SLAB_SELFTEST_H

/* Runs every case; returns the number that failed. */
int slab_selftest_run(void);

#endif
