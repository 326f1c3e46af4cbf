/*
 * selftest.h: boot-time kernel self-tests (run unless selftest=0).
 */
#ifndef GUEST_SELFTEST_H
#define GUEST_SELFTEST_H

/* Runs every self-test; returns the number that failed. */
int selftest_run(void);

#endif
