/*
 * vmstat.c: the counter array and its names (vmstat.h), both generated
 * from VM_EVENT_LIST. Nothing runs here but the name lookup for
 * /proc/vmstat; the host reads both tables from memory through mv_info.
 */
#include <vmstat.h>

uint64_t vm_events[NR_VM_EVENTS];

const char vm_event_names[VM_EVENT_NAMES_LEN] = VM_EVENT_LIST(VM_EVENT_NAME);

const char *vm_event_name(enum vm_event_item i)
{
	const char *p = vm_event_names;

	while (i-- > 0)
		while (*p++)
			;
	return p;
}
