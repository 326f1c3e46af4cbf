/*
 * snapview.c: renderings shared by show and diff (see snapview.h).
 */
#include "snapview.h"
#include "ptwalk.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *snapview_space_name(const struct snap_space *s, char *buf, size_t len)
{
	if (s->pid == SNAP_KERNEL_PID)
		snprintf(buf, len, "kernel");
	else
		snprintf(buf, len, "%d (%s)", s->pid, s->comm);
	return buf;
}

int snapview_parse_space(const char *arg, int32_t *pid)
{
	char *end;
	if (!strcmp(arg, "kernel")) {
		*pid = SNAP_KERNEL_PID;
		return 0;
	}
	long v = strtol(arg, &end, 10);
	if (*end || v < 0 || v > INT32_MAX)
		return -EINVAL;
	*pid = (int32_t)v;
	return 0;
}

const char *snapview_page_size(unsigned shift)
{
	return shift == 30 ? "1G" : shift == 21 ? "2M" : "4K";
}

void snapview_range_line(const struct snap_range *r, char *buf, size_t len)
{
	char flags[32], size[16];
	snprintf(buf, len, "%016llx-%016llx %-12s %s %8s  pa 0x%012llx",
		 (unsigned long long)r->va, (unsigned long long)(r->va + r->len),
		 ptw_flag_string(r->flags, flags, sizeof(flags)), snapview_page_size(r->shift),
		 mv_format_size(r->len, size, sizeof(size)), (unsigned long long)r->pa);
}

json_object *snapview_range_json(const struct snap_range *r)
{
	char flags[32];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "va", json_object_new_uint64(r->va));
	json_object_object_add(o, "pa", json_object_new_uint64(r->pa));
	json_object_object_add(o, "len", json_object_new_uint64(r->len));
	json_object_object_add(o, "flags", json_object_new_string(
		ptw_flag_string(r->flags, flags, sizeof(flags))));
	json_object_object_add(o, "page_size", json_object_new_uint64(1ull << r->shift));
	json_object_object_add(o, "accessed_pages", json_object_new_uint64(r->accessed));
	json_object_object_add(o, "dirty_pages", json_object_new_uint64(r->dirty));
	json_object_object_add(o, "host_resident_pages", json_object_new_uint64(r->host_resident));
	if (r->hpa)
		json_object_object_add(o, "hpa", json_object_new_uint64(r->hpa));
	return o;
}
