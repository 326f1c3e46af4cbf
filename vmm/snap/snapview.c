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
	else if (s->pid < SNAP_KERNEL_PID)
		snprintf(buf, len, "cpu%d", SNAP_PID_CPU(s->pid));
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
	if (!strncmp(arg, "cpu", 3)) {
		long n = strtol(arg + 3, &end, 10);
		if (end == arg + 3 || *end || n < 0 || n >= INT32_MAX / 2)
			return -EINVAL;
		*pid = SNAP_CPU_PID(n);
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

size_t snapview_descriptor(const uint8_t *gdt, size_t len, size_t off, bool long_mode,
			   struct snap_segment *seg)
{
	uint64_t d, high = 0;
	if (off > len || len - off < 8)
		return 0;
	memcpy(&d, gdt + off, 8);
	*seg = (struct snap_segment){
		.selector = (uint16_t)off,
		.base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24),
		.limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16)),
		.type = (d >> 40) & 0xf, .s = (d >> 44) & 1, .dpl = (d >> 45) & 3,
		.present = (d >> 47) & 1, .avl = (d >> 52) & 1, .l = (d >> 53) & 1,
		.db = (d >> 54) & 1, .g = (d >> 55) & 1,
	};
	if (seg->g)
		seg->limit = (seg->limit << 12) | 0xfff;
	if (!long_mode || seg->s || !d)
		return 8;
	if (len - off < 16)
		return 0;
	memcpy(&high, gdt + off + 8, 8);
	seg->base |= (high & 0xffffffff) << 32;
	return 16;
}

static const char *system_kind(uint8_t type)
{
	switch (type) {
	case 0x2: return "ldt";
	case 0x9: return "tss available";
	case 0xb: return "tss busy";
	case 0xc: return "call gate";
	case 0xe: return "interrupt gate";
	case 0xf: return "trap gate";
	default: return "reserved system type";
	}
}

const char *snapview_segment_kind(const struct snap_segment *seg, char *buf, size_t len)
{
	bool code = seg->type & 8;
	if (!seg->selector || seg->unusable)
		snprintf(buf, len, "null");
	else if (!seg->s)
		snprintf(buf, len, "%s", system_kind(seg->type));
	else
		snprintf(buf, len, "%s %c%c%c%s%s", code ? "code" : "data",
			 code ? ((seg->type & 2) ? 'r' : '-') : 'r',
			 code ? '-' : ((seg->type & 2) ? 'w' : '-'), code ? 'x' : '-',
			 code ? ((seg->type & 4) ? " conforming" : "") :
				((seg->type & 4) ? " expand-down" : ""),
			 code && seg->l ? " 64-bit" : (code && seg->db ? " 32-bit" : ""));
	return buf;
}

void snapview_segment_line(const struct snap_segment *seg, char *buf, size_t len)
{
	char kind[48];
	snapview_segment_kind(seg, kind, sizeof(kind));
	snprintf(buf, len, "0x%04x  base 0x%016llx  limit 0x%08x  DPL %u  %s%s", seg->selector,
		 (unsigned long long)seg->base, seg->limit, seg->dpl, kind,
		 seg->present || !strcmp(kind, "null") ? "" : "  not present");
}

json_object *snapview_segment_json(const struct snap_segment *seg)
{
	char kind[48];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "selector", json_object_new_int(seg->selector));
	json_object_object_add(o, "base", json_object_new_uint64(seg->base));
	json_object_object_add(o, "limit", json_object_new_uint64(seg->limit));
	json_object_object_add(o, "kind", json_object_new_string(
						  snapview_segment_kind(seg, kind, sizeof(kind))));
	json_object_object_add(o, "type", json_object_new_int(seg->type));
	json_object_object_add(o, "dpl", json_object_new_int(seg->dpl));
	json_object_object_add(o, "present", json_object_new_boolean(seg->present));
	json_object_object_add(o, "long", json_object_new_boolean(seg->l));
	json_object_object_add(o, "unusable", json_object_new_boolean(seg->unusable));
	return o;
}
