/*
 * livestats.h: the figures of a running machine that the `stats` request
 * answers and the --stats stream writes, one line per sample: time,
 * paused, balloon, guest (the balloon's guest statistics), host, swap
 * (with a swap disk) and, once the kernel has booted, zones, slabs and
 * vmstat read from guest memory without stopping it.
 */
#ifndef VMM_LIVESTATS_H
#define VMM_LIVESTATS_H

#include "machine.h"

#include <json-c/json.h>

/* Adds the figures of m, as they are now, to the object o. */
void livestats_fill(struct machine *m, json_object *o);

#endif
