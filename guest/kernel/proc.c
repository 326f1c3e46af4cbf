/*
 * proc.c: /proc files in Linux's formats, generated when opened (file.h):
 * meminfo, buddyinfo, zoneinfo, slabinfo (the mm/ views), vmstat, and per
 * process (self or a pid) maps, smaps, status and oom_score_adj (the one
 * writable file). A file's text is a snapshot; later reads do not change.
 */
#include <file.h>
#include <sched.h>
#include <uvm.h>
#include <vmstat.h>
#include <swap.h>
#include <reclaim.h>
#include <oom_kill.h>
#include <initrd.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>
#include <mmviews.h>
#include <page_alloc.h>
#include <time.h>

#define PROC_BUF_START 8192
#define PROC_BUF_MAX (256u << 10)
#define KB(pages) ((unsigned long long)(pages) * (MM_PAGE_SIZE >> 10))

/* Where generators write: like mm/mmviews, the full length is kept even
 * when the buffer is too small, and the caller retries with more room. */
struct pbuf {
	char *buf;
	size_t size, len;
};

static void pb_printf(struct pbuf *p, const char *fmt, ...) __printf(2, 3);
static void pb_printf(struct pbuf *p, const char *fmt, ...)
{
	va_list ap;
	size_t room = p->len < p->size ? p->size - p->len : 0;

	va_start(ap, fmt);
	int n = vsnprintf(room ? p->buf + p->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
}

typedef void (*proc_gen)(struct pbuf *p, struct task *t);

/* Linux's Active/Inactive lines, from reclaim's two LRUs. */
static void meminfo_lru(struct pbuf *p)
{
	struct reclaim_lru_sizes l;

	reclaim_lru_sizes(&l);
	pb_printf(p, "%-16s%8llu kB\n", "Active:", KB(l.active_anon + l.active_file));
	pb_printf(p, "%-16s%8llu kB\n", "Inactive:", KB(l.inactive_anon + l.inactive_file));
	pb_printf(p, "%-16s%8llu kB\n", "Active(anon):", KB(l.active_anon));
	pb_printf(p, "%-16s%8llu kB\n", "Inactive(anon):", KB(l.inactive_anon));
	pb_printf(p, "%-16s%8llu kB\n", "Active(file):", KB(l.active_file));
	pb_printf(p, "%-16s%8llu kB\n", "Inactive(file):", KB(l.inactive_file));
}

static void gen_meminfo(struct pbuf *p, struct task *t)
{
	size_t room = p->len < p->size ? p->size - p->len : 0;
	const struct vmalloc_space *vs = vmalloc_global.pt ? &vmalloc_global : NULL;

	(void)t;
	buddy_drain_pcp(page_alloc_buddy());   /* MemFree exact, not per-CPU cached */
	p->len += (size_t)mmviews_meminfo(page_alloc_buddy(), vs, room ? p->buf + p->len : NULL,
					  room);
	pb_printf(p, "%-16s%8llu kB\n", "Cached:", KB(initrd_cached_pages()));
	pb_printf(p, "%-16s%8llu kB\n", "AnonPages:", KB(vm_events[VM_NR_ANON_PAGES]));
	pb_printf(p, "%-16s%8llu kB\n", "Shmem:", KB(vm_events[VM_NR_SHMEM_PAGES]));
	pb_printf(p, "%-16s%8llu kB\n", "SwapCached:", KB(swap_cached_pages()));
	meminfo_lru(p);
	pb_printf(p, "%-16s%8llu kB\n", "SwapTotal:", KB(swap_total_pages()));
	pb_printf(p, "%-16s%8llu kB\n", "SwapFree:", KB(swap_free_pages()));
}

static void gen_view(struct pbuf *p, int (*view)(char *, size_t))
{
	size_t room = p->len < p->size ? p->size - p->len : 0;

	p->len += (size_t)view(room ? p->buf + p->len : NULL, room);
}

static int buddyinfo_view(char *buf, size_t n)
{
	return mmviews_buddyinfo(page_alloc_buddy(), buf, n);
}

static int zoneinfo_view(char *buf, size_t n)
{
	return mmviews_zoneinfo(page_alloc_buddy(), buf, n);
}

static void gen_buddyinfo(struct pbuf *p, struct task *t)
{
	(void)t;
	gen_view(p, buddyinfo_view);
}

static void gen_zoneinfo(struct pbuf *p, struct task *t)
{
	(void)t;
	gen_view(p, zoneinfo_view);
}

static void gen_slabinfo(struct pbuf *p, struct task *t)
{
	(void)t;
	gen_view(p, mmviews_slabinfo);
}

/*
 * Linux's order: page counts first, then every event counter by its name
 * (vmstat.h), then the older /proc-only aliases of the copy-on-write and
 * fill counters that programs read (forktest).
 */
static void gen_vmstat(struct pbuf *p, struct task *t)
{
	(void)t;
	pb_printf(p, "nr_free_pages %lu\n", page_alloc_nr_free());
	pb_printf(p, "nr_file_pages %llu\n", (unsigned long long)initrd_cached_pages());
	pb_printf(p, "nr_shmem %llu\n", (unsigned long long)vm_event(VM_NR_SHMEM_PAGES));
	for (int i = 0; i < NR_VM_EVENTS; i++)
		pb_printf(p, "%s %llu\n", vm_event_name(i), (unsigned long long)vm_events[i]);
	pb_printf(p, "pgcow_copy %llu\n", (unsigned long long)vm_event(VM_COW_COPIES));
	pb_printf(p, "pgcow_reuse %llu\n", (unsigned long long)vm_event(VM_COW_REUSES));
	pb_printf(p, "pgzero_fill %llu\n", (unsigned long long)vm_event(VM_ZERO_FILLS));
	pb_printf(p, "pgfile_map %llu\n", (unsigned long long)vm_event(VM_FILE_MAPS));
	pb_printf(p, "nr_context_switches %lu\n", nr_context_switches);
}

/* One maps line, Linux's show_map_vma layout (name from column 73). */
static void map_line(struct pbuf *p, const struct vma *v)
{
	const struct inode *ino = v->file;
	size_t start = p->len;
	const char *name = ino ? ino->name : (v->flags & VMA_HEAP) ? "[heap]"
			   : (v->flags & VMA_GROWSDOWN) ? "[stack]" : NULL;

	pb_printf(p, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %u ",
		  (unsigned long long)v->start, (unsigned long long)v->end,
		  (v->prot & VMA_READ) ? 'r' : '-', (v->prot & VMA_WRITE) ? 'w' : '-',
		  (v->prot & VMA_EXEC) ? 'x' : '-', (v->flags & VMA_SHARED) ? 's' : 'p',
		  (unsigned long long)(ino ? v->pgoff : 0), 0, ino ? 1 : 0, ino ? ino->ino : 0);
	if (!name) {
		pb_printf(p, "\n");
		return;
	}
	while (p->len - start < 73)
		pb_printf(p, " ");
	pb_printf(p, "%s%s\n", ino ? "/" : "", name);
}

static void gen_maps(struct pbuf *p, struct task *t)
{
	for (uint32_t i = 0; t->mm && i < t->mm->vmas.nr; i++)
		map_line(p, &t->mm->vmas.v[i]);
}

#define SMAPS_LINE(p, name, pages) pb_printf(p, "%-16s%8llu kB\n", name, KB(pages))

static void gen_smaps(struct pbuf *p, struct task *t)
{
	for (uint32_t i = 0; t->mm && i < t->mm->vmas.nr; i++) {
		const struct vma *v = &t->mm->vmas.v[i];
		struct uvm_area_census c;
		uvm_area_census(t->mm, v, &c);
		map_line(p, v);
		SMAPS_LINE(p, "Size:", (v->end - v->start) >> MM_PAGE_SHIFT);
		pb_printf(p, "%-16s%8u kB\n%-16s%8u kB\n", "KernelPageSize:", 4, "MMUPageSize:", 4);
		SMAPS_LINE(p, "Rss:", c.rss);
		SMAPS_LINE(p, "Shared_Clean:", c.shared_clean);
		SMAPS_LINE(p, "Shared_Dirty:", c.shared_dirty);
		SMAPS_LINE(p, "Private_Clean:", c.private_clean);
		SMAPS_LINE(p, "Private_Dirty:", c.private_dirty);
		SMAPS_LINE(p, "Anonymous:", c.anon);
		SMAPS_LINE(p, "Swap:", 0);
	}
}

#define STATUS_KB(p, name, pages) pb_printf(p, "%s\t%8llu kB\n", name, KB(pages))

static void gen_status(struct pbuf *p, struct task *t)
{
	static const char *const states[] = { "R (running)", "S (sleeping)", "Z (zombie)" };
	struct mm *mm = t->mm;

	pb_printf(p, "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n",
		  t->comm, states[t->state], t->pid, t->pid, t->parent ? t->parent->pid : 0);
	pb_printf(p, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	if (mm) {
		STATUS_KB(p, "VmPeak:", mm->hiwater_vm);
		STATUS_KB(p, "VmSize:", uvm_total_vm(mm));
		STATUS_KB(p, "VmHWM:", mm->hiwater_rss);
		STATUS_KB(p, "VmRSS:", uvm_rss(mm));
		STATUS_KB(p, "RssAnon:", mm->rss[MM_ANON]);
		STATUS_KB(p, "RssFile:", mm->rss[MM_FILE]);
		STATUS_KB(p, "RssShmem:", mm->rss[MM_SHMEM]);
		STATUS_KB(p, "VmPTE:", (uint64_t)mm->pt.table_pages);
		STATUS_KB(p, "VmSwap:", mm->rss[MM_SWAPENTS]);
	}
	pb_printf(p, "Threads:\t1\n");
}

static void gen_oom_score_adj(struct pbuf *p, struct task *t)
{
	pb_printf(p, "%d\n", t->oom_score_adj);
}

/*
 * The integer a /proc write holds ("-12\n" or "7"), within [min, max].
 * Returns 0 or -EINVAL.
 */
static int parse_proc_long(const char *buf, long min, long max, long *out)
{
	long v = 0, sign = 1;
	size_t i = 0;

	if (buf[i] == '-') {
		sign = -1;
		i++;
	}
	if (buf[i] < '0' || buf[i] > '9')
		return -EINVAL;
	for (; buf[i] >= '0' && buf[i] <= '9' && v <= max - min; i++)
		v = v * 10 + (buf[i] - '0');
	v *= sign;
	if ((buf[i] && buf[i] != '\n') || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Writes to oom_score_adj: an integer in [-1000, 1000]. */
static int write_oom_score_adj(struct file *f, const char *buf, size_t n)
{
	struct task *t = task_find(f->pid);
	long v;

	(void)n;
	if (!t)
		return -ESRCH;
	if (parse_proc_long(buf, OOM_SCORE_ADJ_MIN, 1000, &v))
		return -EINVAL;
	t->oom_score_adj = (int)v;
	return 0;
}

static void gen_swappiness(struct pbuf *p, struct task *t)
{
	(void)t;
	pb_printf(p, "%ld\n", reclaim_swappiness());
}

/* Writes to /proc/sys/vm/swappiness: 0-200, as mm.swappiness=. */
static int write_swappiness(struct file *f, const char *buf, size_t n)
{
	long v;

	(void)f;
	(void)n;
	return parse_proc_long(buf, 0, 200, &v) ? -EINVAL : reclaim_set_swappiness(v);
}

static const struct {
	const char *name;
	proc_gen gen;
	bool per_task;
	int (*write)(struct file *f, const char *buf, size_t n);  /* NULL: read-only */
} proc_files[] = {
	{ "meminfo", gen_meminfo, false, NULL },
	{ "buddyinfo", gen_buddyinfo, false, NULL },
	{ "zoneinfo", gen_zoneinfo, false, NULL },
	{ "slabinfo", gen_slabinfo, false, NULL },
	{ "vmstat", gen_vmstat, false, NULL },
	{ "maps", gen_maps, true, NULL },
	{ "smaps", gen_smaps, true, NULL },
	{ "status", gen_status, true, NULL },
	{ "oom_score_adj", gen_oom_score_adj, true, write_oom_score_adj },
	{ "sys/vm/swappiness", gen_swappiness, false, write_swappiness },
};

/* Splits "self/maps" or "12/maps" into the task and the file name. */
static struct task *proc_task(const char **path)
{
	const char *p = *path;
	struct task *t = current;

	if (!strncmp(p, "self/", 5)) {
		*path = p + 5;
		return t;
	}
	int pid = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		pid = pid * 10 + (*p - '0');
	if (p == *path || *p != '/')
		return NULL;
	*path = p + 1;
	t = task_find(pid);
	return t && t->state != TASK_ZOMBIE ? t : NULL;
}

/* Runs gen into a buffer large enough for all of its text. */
static int generate(struct file *f, proc_gen gen, struct task *t)
{
	for (size_t size = PROC_BUF_START; size <= PROC_BUF_MAX; size *= 2) {
		struct pbuf p = { kmalloc(size, BUDDY_GFP_KERNEL), size, 0 };
		if (!p.buf)
			return -ENOMEM;
		gen(&p, t);
		if (p.len < size) {
			f->text = p.buf;
			f->len = p.len;
			f->cap = size;
			return 0;
		}
		kfree(p.buf);
	}
	return -ENOMEM;
}

int proc_open(struct file *f, const char *path, int flags)
{
	struct task *t = NULL;
	const char *name = path;

	if ((path[0] >= '0' && path[0] <= '9') || !strncmp(path, "self/", 5)) {
		t = proc_task(&name);
		if (!t)
			return -ENOENT;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(proc_files); i++) {
		if (strcmp(proc_files[i].name, name) || proc_files[i].per_task != (t != NULL))
			continue;
		if ((flags & O_ACCMODE) != O_RDONLY && !proc_files[i].write)
			return -EACCES;
		f->pid = t ? t->pid : 0;
		f->write = proc_files[i].write;
		return generate(f, proc_files[i].gen, t);
	}
	return -ENOENT;
}
