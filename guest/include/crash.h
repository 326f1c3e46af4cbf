/*
 * crash.h: deliberate crashes for testing the oops and panic paths
 * (crash=pf|ud|gp|df|panic on the command line; Linux's lkdtm, tiny).
 */
#ifndef GUEST_CRASH_H
#define GUEST_CRASH_H

/* Crashes the way kind names; returns only for an unknown kind. */
void crash_trigger(const char *kind);

#endif
