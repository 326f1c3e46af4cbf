/*
 * livestats.h: the figures of a running machine that the `stats` request
 * answers and the --stats stream writes, one line per sample: time,
 * paused, balloon, guest (the balloon's guest statistics), host, swap
 * (with a swap disk), restore (after a lazy restore: pages faulted in,
 * zero-filled and prefetched) and, once the kernel has booted, zones,
 * nodes (the zones summed per NUMA node), slabs, vmstat and processes read
 * from guest memory without stopping it.
 */
#ifndef VMM_LIVESTATS_H
#define VMM_LIVESTATS_H

#include "introspect.h"
#include "lazy.h"
#include "machine.h"

#include <json-c/json.h>

/*
 * The live view of one machine: the machine and the introspection handle
 * into its guest memory, opened on the first sample after the kernel has
 * booted. Owned by the control thread, which alone uses it.
 */
struct livestats {
	struct machine *m;
	struct intro intro;          /* valid once intro_ok */
	bool intro_ok;
	struct lazy_restore *lazy; /* with run --restore --lazy, else NULL */
};

/* Opens ls->intro on first use, once the kernel has built its page tables;
 * whether it is open (the guest's state can be read). */
bool livestats_guest_ready(struct livestats *ls);

/* Adds the figures of ls->m, as they are now, to the object o. */
void livestats_fill(struct livestats *ls, json_object *o);

#endif
