/*
 * proc.c: /proc files in Linux's formats, generated when opened (file.h):
 * meminfo, cpuinfo, interrupts, buddyinfo, zoneinfo, slabinfo (the mm/ views), vmstat, stat,
 * uptime, loadavg, and per process (self or a pid) stat, statm, status,
 * cmdline, maps, smaps, smaps_rollup and oom_score_adj (writable, as is
 * sys/vm/swappiness). A file's text is a snapshot; later reads do not
 * change. The directories (/proc, /proc/PID, /proc/sys...) are what
 * proc_tree_name lists for dir.c. /proc/PID/task lists the threads of
 * process PID, each a directory of the same per-task files
 * (/proc/PID/task/TID/stat); "self" is the caller's process, as Linux's.
 */
#include <tmpfs.h>
#include <file.h>
#include <sched.h>
#include <thread.h>
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
#include <mempolicy.h>
#include <ksyms.h>
#include <vmalloc.h>
#include <page_alloc.h>
#include <time.h>
#include <schedstat.h>
#include <smp.h>
#include <asm/traps.h>

#define PROC_BUF_START 8192
#define PROC_BUF_MAX (256u << 10)
#define KB(pages) ((unsigned long long)(pages) * (MM_PAGE_SIZE >> 10))

/* Where generators write: like mm/mmviews, the full length is kept even
 * when the buffer is too small, and the caller retries with more room. */
struct pbuf {
	char *buf;
	size_t size, len;
};

/* Bytes left in p's buffer (0 once the text has outgrown it). */
static size_t pb_room(const struct pbuf *p)
{
	return p->len < p->size ? p->size - p->len : 0;
}

static void pb_printf(struct pbuf *p, const char *fmt, ...) __printf(2, 3);
static void pb_printf(struct pbuf *p, const char *fmt, ...)
{
	va_list ap;
	size_t room = pb_room(p);

	va_start(ap, fmt);
	int n = vsnprintf(room ? p->buf + p->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
}

/* Appends n raw bytes (NULs included). */
static void pb_write(struct pbuf *p, const char *data, size_t n)
{
	if (pb_room(p))
		memcpy(p->buf + p->len, data, MM_MIN(n, pb_room(p)));
	p->len += n;
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
	pb_printf(p, "%-16s%8llu kB\n", "Unevictable:", KB(vm_events[VM_NR_UNEVICTABLE]));
	pb_printf(p, "%-16s%8llu kB\n", "Mlocked:", KB(vm_events[VM_NR_MLOCK]));
}

/* Page-cache pages: the initrd's and tmpfs's (Linux's NR_FILE_PAGES holds shmem). */
static uint64_t file_pages(void)
{
	return initrd_cached_pages() + tmpfs_get()->resident;
}

static void gen_meminfo(struct pbuf *p, struct task *t)
{
	size_t room = pb_room(p);
	const struct vmalloc_space *vs = vmalloc_global.pt ? &vmalloc_global : NULL;

	(void)t;
	buddy_drain_pcp(page_alloc_buddy());   /* MemFree exact, not per-CPU cached */
	p->len += (size_t)mmviews_meminfo(page_alloc_buddy(), vs, room ? p->buf + p->len : NULL,
					  room);
	pb_printf(p, "%-16s%8llu kB\n", "Cached:", KB(file_pages()));
	pb_printf(p, "%-16s%8llu kB\n", "AnonPages:", KB(vm_events[VM_NR_ANON_PAGES]));
	pb_printf(p, "%-16s%8llu kB\n", "Shmem:", KB(vm_events[VM_NR_SHMEM_PAGES]));
	pb_printf(p, "%-16s%8llu kB\n", "SwapCached:", KB(swap_cached_pages()));
	meminfo_lru(p);
	pb_printf(p, "%-16s%8llu kB\n", "SwapTotal:", KB(swap_total_pages()));
	pb_printf(p, "%-16s%8llu kB\n", "SwapFree:", KB(swap_free_pages()));
}

static void gen_view(struct pbuf *p, int (*view)(char *, size_t))
{
	size_t room = pb_room(p);

	p->len += (size_t)view(room ? p->buf + p->len : NULL, room);
}

static int buddyinfo_view(char *buf, size_t n)
{
	return mmviews_buddyinfo(page_alloc_buddy(), buf, n);
}

/*
 * zoneinfo's per-node stats (a guest with several nodes): the sizes of
 * the node's LRU lists, as Linux prints them there, then its kswapd's
 * wakeups and the pages reclaim scanned and freed from the node's lists,
 * under Linux's global vmstat names (Linux has no per-node scan counters;
 * these are pageoutrun, pgscan_kswapd, pgscan_direct and pgsteal_kswapd
 * split by node: a page counts on the node whose lists it was on).
 */
static const char *const node_stat_names[] = {
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
	"pageoutrun", "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd" };

_Static_assert(sizeof(node_stat_names) / sizeof(node_stat_names[0]) <= MMVIEWS_NODE_STATS,
	       "zoneinfo's per-node block holds every node stat");

static void node_stats(const struct buddy *b, struct mmviews_node_stats *ns)
{
	ns->names = node_stat_names;
	ns->nr = sizeof(node_stat_names) / sizeof(node_stat_names[0]);
	for (unsigned n = 0; n < b->nr_nodes && n < BUDDY_MAX_NODES; n++) {
		const struct reclaim_kswapd *k = reclaim_kswapd_of(n);
		const struct lruvec *lv = reclaim_node_lists(n);
		struct reclaim_lru_sizes l;
		uint64_t *v = ns->value[n];

		reclaim_node_lru_sizes(n, &l);
		v[0] = l.inactive_anon;
		v[1] = l.active_anon;
		v[2] = l.inactive_file;
		v[3] = l.active_file;
		v[4] = k ? k->runs : 0;
		if (!lv)
			continue;
		v[5] = lv->by_kswapd.scanned;
		v[6] = lv->by_direct.scanned;
		v[7] = lv->by_kswapd.freed;
	}
}

static int zoneinfo_view(char *buf, size_t n)
{
	const struct buddy *b = page_alloc_buddy();
	struct mmviews_node_stats ns = { 0 };

	node_stats(b, &ns);
	return mmviews_zoneinfo(b, b->nr_nodes > 1 ? &ns : NULL, buf, n);
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

/* One /proc/vmallocinfo line, Linux's format: the range with its guard
 * page, its size, the caller, the pages mapped. */
static void vmallocinfo_line(const struct vmalloc_area *a, void *arg)
{
	struct pbuf *p = arg;
	uint64_t size = (a->nr_pages + 1) * MM_PAGE_SIZE;
	char caller[96];

	ksyms_format((unsigned long)a->caller, caller, sizeof(caller));
	pb_printf(p, "0x%016llx-0x%016llx %8llu %s pages=%llu vmalloc\n",
		  (unsigned long long)a->va, (unsigned long long)(a->va + size),
		  (unsigned long long)size, caller, (unsigned long long)a->nr_pages);
}

static void gen_vmallocinfo(struct pbuf *p, struct task *t)
{
	(void)t;
	if (vmalloc_global.pt)
		vmalloc_for_each(&vmalloc_global, vmallocinfo_line, p);
}

/*
 * Linux's order: page counts first, the NUMA counters summed over every
 * zone (numa_hit ... numa_other, as mm/vmstat.c counts them: buddy.h), then every event counter by its name
 * (vmstat.h), then the older /proc-only aliases of the copy-on-write and
 * fill counters that programs read (forktest).
 */
static void gen_vmstat(struct pbuf *p, struct task *t)
{
	(void)t;
	pb_printf(p, "nr_free_pages %lu\n", page_alloc_nr_free());
	pb_printf(p, "nr_file_pages %llu\n", (unsigned long long)file_pages());
	pb_printf(p, "nr_shmem %llu\n", (unsigned long long)vm_event(VM_NR_SHMEM_PAGES));
	for (int i = 0; i < BUDDY_NR_NUMA_STATS; i++)     /* Linux's NUMA event counters */
		pb_printf(p, "%s %llu\n", mmviews_numa_stat_name(i),
			  (unsigned long long)mmviews_numa_stat(page_alloc_buddy(), -1, i));
	for (int i = 0; i < NR_VM_EVENTS; i++)
		pb_printf(p, "%s %llu\n", vm_event_name(i), (unsigned long long)vm_events[i]);
	pb_printf(p, "pgcow_copy %llu\n", (unsigned long long)vm_event(VM_COW_COPIES));
	pb_printf(p, "pgcow_reuse %llu\n", (unsigned long long)vm_event(VM_COW_REUSES));
	pb_printf(p, "pgzero_fill %llu\n", (unsigned long long)vm_event(VM_ZERO_FILLS));
	pb_printf(p, "pgfile_map %llu\n", (unsigned long long)vm_event(VM_FILE_MAPS));
	pb_printf(p, "nr_context_switches %lu\n", nr_context_switches);
}

#define MAPS_NAME_COLUMN 73         /* where show_map_vma starts a name */

/* Spaces up to the name column of a maps line that began at start. */
static void pad_to_name(struct pbuf *p, size_t start)
{
	while (p->len - start < MAPS_NAME_COLUMN)
		pb_printf(p, " ");
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
	pad_to_name(p, start);
	pb_printf(p, "%s%s\n", ino ? "/" : "", name);
}

static void gen_maps(struct pbuf *p, struct task *t)
{
	for (uint32_t i = 0; t->mm && i < t->mm->vmas.nr; i++)
		map_line(p, &t->mm->vmas.v[i]);
}

/*
 * One numa_maps line, Linux's show_numa_map: start, policy, what the area
 * is, then for a populated area anon=, dirty=, mapped= (only when it
 * differs from both), mapmax= (when a page is mapped twice), N<node>= and
 * the page size. Linux's swapcache=, active= and writeback= have no
 * counterpart: a swapped page here is unmapped (not in the walk), the
 * reclaim policy is pluggable (no active list to count) and writeback is
 * synchronous.
 */
static void numa_map_line(struct pbuf *p, struct task *t, const struct vma *v)
{
	const struct inode *ino = v->file;
	struct uvm_area_census c;
	char pol[48];

	mempolicy_describe(mempolicy_of_area(t, v), pol, sizeof(pol));
	uvm_area_census(t->mm, v, &c);
	pb_printf(p, "%08llx %s", (unsigned long long)v->start, pol);
	if (ino)
		pb_printf(p, " file=/%s", ino->name);
	else if (v->flags & VMA_HEAP)
		pb_printf(p, " heap");
	else if (v->flags & VMA_GROWSDOWN)
		pb_printf(p, " stack");
	if (c.rss) {
		if (c.anon)
			pb_printf(p, " anon=%llu", (unsigned long long)c.anon);
		if (c.dirty)
			pb_printf(p, " dirty=%llu", (unsigned long long)c.dirty);
		if (c.rss != c.anon && c.rss != c.dirty)
			pb_printf(p, " mapped=%llu", (unsigned long long)c.rss);
		if (c.mapmax > 1)
			pb_printf(p, " mapmax=%d", c.mapmax);
		for (int n = 0; n < BUDDY_MAX_NODES; n++)
			if (c.node[n])
				pb_printf(p, " N%d=%llu", n, (unsigned long long)c.node[n]);
		pb_printf(p, " kernelpagesize_kB=4");
	}
	pb_printf(p, "\n");
}

static void gen_numa_maps(struct pbuf *p, struct task *t)
{
	for (uint32_t i = 0; t->mm && i < t->mm->vmas.nr; i++)
		numa_map_line(p, t, &t->mm->vmas.v[i]);
}

#define SMAPS_LINE(p, name, pages) pb_printf(p, "%-16s%8llu kB\n", name, KB(pages))

/* The counters of one smaps block (an area, or the rollup of all). */
static void smaps_counters(struct pbuf *p, const struct uvm_area_census *c, uint64_t swap)
{
	SMAPS_LINE(p, "Rss:", c->rss);
	SMAPS_LINE(p, "Shared_Clean:", c->shared_clean);
	SMAPS_LINE(p, "Shared_Dirty:", c->shared_dirty);
	SMAPS_LINE(p, "Private_Clean:", c->private_clean);
	SMAPS_LINE(p, "Private_Dirty:", c->private_dirty);
	SMAPS_LINE(p, "Anonymous:", c->anon);
	SMAPS_LINE(p, "Swap:", swap);
}

static void gen_smaps(struct pbuf *p, struct task *t)
{
	for (uint32_t i = 0; t->mm && i < t->mm->vmas.nr; i++) {
		const struct vma *v = &t->mm->vmas.v[i];
		struct uvm_area_census c;
		uvm_area_census(t->mm, v, &c);
		map_line(p, v);
		SMAPS_LINE(p, "Size:", (v->end - v->start) >> MM_PAGE_SHIFT);
		pb_printf(p, "%-16s%8u kB\n%-16s%8u kB\n", "KernelPageSize:", 4, "MMUPageSize:", 4);
		smaps_counters(p, &c, 0);
	}
}

/*
 * smaps_rollup: smaps' counters summed over every area, under Linux's
 * header line (the first area's start to the last one's end, named
 * [rollup]); Swap is the process's swap entries. Empty without an mm.
 */
static void gen_smaps_rollup(struct pbuf *p, struct task *t)
{
	struct mm *mm = t->mm;
	struct uvm_area_census sum = { 0 }, c;

	if (!mm || !mm->vmas.nr)
		return;
	for (uint32_t i = 0; i < mm->vmas.nr; i++) {
		uvm_area_census(mm, &mm->vmas.v[i], &c);
		sum.rss += c.rss;
		sum.shared_clean += c.shared_clean;
		sum.shared_dirty += c.shared_dirty;
		sum.private_clean += c.private_clean;
		sum.private_dirty += c.private_dirty;
		sum.anon += c.anon;
	}
	size_t start = p->len;
	pb_printf(p, "%08llx-%08llx ---p 00000000 00:00 0 ",
		  (unsigned long long)mm->vmas.v[0].start,
		  (unsigned long long)mm->vmas.v[mm->vmas.nr - 1].end);
	pad_to_name(p, start);
	pb_printf(p, "[rollup]\n");
	smaps_counters(p, &sum, mm->rss[MM_SWAPENTS]);
}

#define STATUS_KB(p, name, pages) pb_printf(p, "%s\t%8llu kB\n", name, KB(pages))

/*
 * Pages of an address space by Linux's classes (mm->exec_vm, data_vm,
 * stack_vm and the executable's text): text is file-backed executable
 * areas, stack the growing-down area, data every other private writable one.
 */
struct vm_classes {
	uint64_t text, data, stack;
	uint64_t start_code, end_code, start_stack;
};

static void vm_classify(const struct mm *mm, struct vm_classes *c)
{
	memset(c, 0, sizeof(*c));
	for (uint32_t i = 0; mm && i < mm->vmas.nr; i++) {
		const struct vma *v = &mm->vmas.v[i];
		uint64_t pages = (v->end - v->start) >> MM_PAGE_SHIFT;
		if (v->flags & VMA_GROWSDOWN) {
			c->stack += pages;
			c->start_stack = v->end;
		} else if (v->file && (v->prot & VMA_EXEC)) {
			c->text += pages;
			c->start_code = c->start_code ? c->start_code : v->start;
			c->end_code = v->end;
		} else if ((v->prot & VMA_WRITE) && !(v->flags & VMA_SHARED)) {
			c->data += pages;
		}
	}
}

/* Linux's state names for the status file, by enum task_state; the
 * first letter is the state stat shows. */
static const char *const task_states[] = {
	[TASK_RUNNING] = "R (running)", [TASK_SLEEPING] = "S (sleeping)", [TASK_ZOMBIE] = "Z (zombie)",
};

static char task_state_char(const struct task *t)
{
	return task_states[t->state][0];
}

static void status_memory(struct pbuf *p, struct mm *mm)
{
	struct vm_classes c;

	vm_classify(mm, &c);
	STATUS_KB(p, "VmPeak:", mm->hiwater_vm);
	STATUS_KB(p, "VmSize:", uvm_total_vm(mm));
	STATUS_KB(p, "VmLck:", uvm_locked_vm(mm));
	STATUS_KB(p, "VmPin:", 0);
	STATUS_KB(p, "VmHWM:", mm->hiwater_rss);
	STATUS_KB(p, "VmRSS:", uvm_rss(mm));
	STATUS_KB(p, "RssAnon:", mm->rss[MM_ANON]);
	uint64_t tmpfs = uvm_tmpfs_rss(mm);     /* counted as file pages, shmem to Linux */
	STATUS_KB(p, "RssFile:", mm->rss[MM_FILE] - tmpfs);
	STATUS_KB(p, "RssShmem:", mm->rss[MM_SHMEM] + tmpfs);
	STATUS_KB(p, "VmData:", c.data);
	STATUS_KB(p, "VmStk:", c.stack);
	STATUS_KB(p, "VmExe:", c.text);
	STATUS_KB(p, "VmLib:", 0);
	STATUS_KB(p, "VmPTE:", (uint64_t)mm->pt.table_pages);
	STATUS_KB(p, "VmSwap:", mm->rss[MM_SWAPENTS]);
}

/* The process id of t's parent (its process's parent), 0 for none. */
static int parent_tgid(const struct task *t)
{
	const struct task *parent = thread_leader(t)->parent;

	return parent ? task_tgid(parent) : 0;
}

static void gen_status(struct pbuf *p, struct task *t)
{
	pb_printf(p, "Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		  "PPid:\t%d\nTracerPid:\t0\n", t->comm, task_states[t->state], task_tgid(t), t->pid,
		  parent_tgid(t));
	pb_printf(p, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t\n",
		  TASK_NR_FILES);
	if (t->mm)
		status_memory(p, t->mm);
	pb_printf(p, "Threads:\t%d\n", thread_group_live(t));
}

#define PF_KTHREAD 0x00200000u
#define RLIM_INFINITY (~0ull)

/* Fields 1-22 of /proc/PID/stat: identity, faults, times, start; a
 * process leader's faults and times are its whole process's, a thread's
 * (/proc/PID/task/TID/stat) its own. */
static void stat_head(struct pbuf *p, const struct task *t)
{
	struct task_usage u = { t->min_flt, t->maj_flt, t->utime, t->stime };

	if (thread_leader(t) == t)
		thread_group_usage(t, &u);
	pb_printf(p, "%d (%s) %c %d %d %d 0 -1 %u ", t->pid, t->comm, task_state_char(t),
		  parent_tgid(t), task_tgid(t), task_tgid(t), t->mm ? 0 : PF_KTHREAD);
	pb_printf(p, "%llu %llu %llu %llu %llu %llu %llu %llu 20 0 %d 0 %llu ",
		  (unsigned long long)u.min_flt, (unsigned long long)t->c_min_flt,
		  (unsigned long long)u.maj_flt, (unsigned long long)t->c_maj_flt,
		  (unsigned long long)u.utime, (unsigned long long)u.stime,
		  (unsigned long long)t->c_utime, (unsigned long long)t->c_stime,
		  thread_group_live(t), (unsigned long long)t->start_jiffies);
}

/*
 * /proc/PID/stat: Linux's do_task_stat, 52 fields. No signals, priorities
 * or process groups are kept (each process leads its own group and
 * session); the exit code is the wait status of a zombie.
 */
static void gen_stat(struct pbuf *p, struct task *t)
{
	struct vm_classes c;
	struct mm *mm = t->mm;
	uint64_t vsize = mm ? uvm_total_vm(mm) << MM_PAGE_SHIFT : 0;

	vm_classify(mm, &c);
	stat_head(p, t);
	pb_printf(p, "%llu %llu %llu %llu %llu %llu 0 0 0 0 0 0 0 0 0 17 %u 0 0 0 0 0 ",
		  (unsigned long long)vsize, (unsigned long long)(mm ? uvm_rss(mm) : 0),
		  RLIM_INFINITY, (unsigned long long)c.start_code,
		  (unsigned long long)c.end_code, (unsigned long long)c.start_stack,
		  t->cpu);   /* field 39, processor: where it runs or last ran */
	pb_printf(p, "0 0 %llu 0 0 0 0 %d\n", (unsigned long long)(mm ? mm->brk_start : 0),
		  t->state == TASK_ZOMBIE ? t->exit_status : 0);
}

/* /proc/PID/statm: size resident shared text lib(0) data dt(0), in pages. */
static void gen_statm(struct pbuf *p, struct task *t)
{
	struct mm *mm = t->mm;
	struct vm_classes c;

	vm_classify(mm, &c);
	pb_printf(p, "%llu %llu %llu %llu 0 %llu 0\n",
		  (unsigned long long)(mm ? uvm_total_vm(mm) : 0),
		  (unsigned long long)(mm ? uvm_rss(mm) : 0),
		  (unsigned long long)(mm ? mm->rss[MM_FILE] + mm->rss[MM_SHMEM] : 0),
		  (unsigned long long)c.text, (unsigned long long)(c.data + c.stack));
}

/* /proc/PID/cmdline: argv NUL-separated; empty for kernel threads and zombies. */
static void gen_cmdline(struct pbuf *p, struct task *t)
{
	if (t->mm)
		pb_write(p, t->cmdline, t->cmdline_len);
}

/* One /proc/stat CPU line: user, nice, system, idle, iowait, irq, softirq,
 * steal, guest, guest_nice, in ticks. */
static void stat_cpu_line(struct pbuf *p, const char *name, const struct cpu_times *t)
{
	pb_printf(p, "%s %llu 0 %llu %llu 0 0 0 0 0 0\n", name, (unsigned long long)t->user,
		  (unsigned long long)t->system, (unsigned long long)t->idle);
}

/* /proc/stat: all CPUs' times summed ("cpu "), then each online CPU's;
 * btime 0: the real-time clock starts at boot. */
static void gen_proc_stat(struct pbuf *p, struct task *t)
{
	struct cpu_times all = schedstat_cpu_times();
	char name[16];

	(void)t;
	stat_cpu_line(p, "cpu ", &all);
	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		if (!cpu_online(c))
			continue;
		snprintf(name, sizeof(name), "cpu%u", c);
		stat_cpu_line(p, name, &percpu_of(c)->times);
	}
	pb_printf(p, "ctxt %lu\nbtime 0\nprocesses %d\nprocs_running %u\nprocs_blocked 0\n",
		  nr_context_switches, sched_last_pid(), schedstat_nr_running());
}

/* /proc/cpuinfo: one block per online CPU, in Linux's words (one package,
 * one core per CPU, no SMT). */
static void gen_cpuinfo(struct pbuf *p, struct task *t)
{
	char flags[256];
	unsigned online = num_online_cpus();

	(void)t;
	cpu_flags_string(flags, sizeof(flags));
	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		if (!cpu_online(c))
			continue;
		unsigned apic = percpu_of(c)->apic_id;
		pb_printf(p, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			  "model name\t: %s\nstepping\t: %u\n", c, cpu_has.vendor, cpu_has.family,
			  cpu_has.model, cpu_has.model_name, cpu_has.stepping);
		pb_printf(p, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
			  "apicid\t\t: %u\ninitial apicid\t: %u\nfpu\t\t: yes\nflags\t\t: %s\n\n",
			  online, c, online, apic, apic, flags);
	}
}

/* /proc/interrupts: the per-CPU counts Linux shows as LOC and RES. */
static void gen_interrupts(struct pbuf *p, struct task *t)
{
	(void)t;
	pb_printf(p, "     ");
	for (unsigned c = 0; c < nr_cpu_ids; c++)
		pb_printf(p, "      CPU%-4u", c);
	pb_printf(p, "\nLOC: ");
	for (unsigned c = 0; c < nr_cpu_ids; c++)
		pb_printf(p, " %12lu", percpu_of(c)->timer_ticks);
	pb_printf(p, "   Local timer interrupts\nRES: ");
	for (unsigned c = 0; c < nr_cpu_ids; c++)
		pb_printf(p, " %12lu", percpu_of(c)->resched_ipis);
	pb_printf(p, "   Rescheduling interrupts\n");
}

/* /proc/uptime: seconds since boot and the seconds every online CPU idled,
 * summed as Linux does (on SMP it may pass the first), to the hundredth.
 * Each CPU's idle ticks count at most jiffies: an AP's timer may tick
 * while CPU 0's, which keeps jiffies, waits for the kernel lock. */
static void gen_uptime(struct pbuf *p, struct task *t)
{
	unsigned long up = jiffies, idle = 0;

	(void)t;
	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		unsigned long ticks = (unsigned long)percpu_of(c)->times.idle;
		if (cpu_online(c))
			idle += ticks < up ? ticks : up;
	}
	pb_printf(p, "%lu.%02lu %lu.%02lu\n", up / HZ, (up % HZ) * 100 / HZ, idle / HZ,
		  (idle % HZ) * 100 / HZ);
}

/* /proc/mounts: the initrd as root, /proc, /dev, and tmpfs at its two
 * mount points (one instance: the same size= at both). */
static void gen_mounts(struct pbuf *p, struct task *t)
{
	unsigned long long size_kb = KB(tmpfs_get()->max_pages);

	(void)t;
	pb_printf(p, "rootfs / rootfs ro 0 0\n");
	pb_printf(p, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
	pb_printf(p, "devtmpfs /dev devtmpfs rw,nosuid,relatime 0 0\n");
	pb_printf(p, "tmpfs /tmp tmpfs rw,nosuid,nodev,size=%lluk 0 0\n", size_kb);
	pb_printf(p, "tmpfs /dev/shm tmpfs rw,nosuid,nodev,size=%lluk 0 0\n", size_kb);
}

/* /proc/loadavg: the three averages, runnable/all tasks, the last pid. */
static void gen_loadavg(struct pbuf *p, struct task *t)
{
	unsigned long a[3];

	(void)t;
	for (int i = 0; i < 3; i++)
		a[i] = sched_stat.avenrun[i] + FIXED_1 / 200;
	pb_printf(p, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", LOAD_INT(a[0]), LOAD_FRAC(a[0]),
		  LOAD_INT(a[1]), LOAD_FRAC(a[1]), LOAD_INT(a[2]), LOAD_FRAC(a[2]),
		  schedstat_nr_running(), schedstat_nr_tasks(), sched_last_pid());
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
	{ "cpuinfo", gen_cpuinfo, false, NULL },
	{ "interrupts", gen_interrupts, false, NULL },
	{ "buddyinfo", gen_buddyinfo, false, NULL },
	{ "zoneinfo", gen_zoneinfo, false, NULL },
	{ "slabinfo", gen_slabinfo, false, NULL },
	{ "vmstat", gen_vmstat, false, NULL },
	{ "vmallocinfo", gen_vmallocinfo, false, NULL },
	{ "stat", gen_proc_stat, false, NULL },
	{ "uptime", gen_uptime, false, NULL },
	{ "loadavg", gen_loadavg, false, NULL },
	{ "mounts", gen_mounts, false, NULL },
	{ "stat", gen_stat, true, NULL },
	{ "statm", gen_statm, true, NULL },
	{ "cmdline", gen_cmdline, true, NULL },
	{ "maps", gen_maps, true, NULL },
	{ "smaps", gen_smaps, true, NULL },
	{ "numa_maps", gen_numa_maps, true, NULL },
	{ "smaps_rollup", gen_smaps_rollup, true, NULL },
	{ "status", gen_status, true, NULL },
	{ "oom_score_adj", gen_oom_score_adj, true, write_oom_score_adj },
	{ "sys/vm/swappiness", gen_swappiness, false, write_swappiness },
};

/* The task of a leading "12" component of path; *end past it. NULL: none. */
static struct task *pid_component(const char *path, const char **end)
{
	const char *p = path;
	long pid = 0;

	for (; *p >= '0' && *p <= '9' && pid <= 0x7fffffff; p++)
		pid = pid * 10 + (*p - '0');
	if (p == path || (*p && *p != '/') || pid == 0 || pid > 0x7fffffff)
		return NULL;
	*end = p;
	return task_find((int)pid);
}

/*
 * The task a leading "self" (the process), "12" or "12/task/13" (a
 * thread of process 12) of path names (zombies too, as Linux lists them
 * until reaped); *end is set past it. NULL when it names none.
 */
static struct task *task_component(const char *path, const char **end)
{
	struct task *t, *thread;
	const char *rest;

	if (!strncmp(path, "self", 4) && (path[4] == '/' || !path[4])) {
		*end = path + 4;
		t = thread_leader(current);
	} else if (!(t = pid_component(path, end))) {
		return NULL;
	}
	if (strncmp(*end, "/task/", 6))
		return t;
	thread = pid_component(*end + 6, &rest);
	if (!thread || task_tgid(thread) != task_tgid(t))
		return NULL;
	*end = rest;
	return thread;
}

/* The process whose task directory path ("12/task", "self/task") is, or NULL. */
static struct task *task_list_dir(const char *path)
{
	const char *end;
	struct task *t = task_component(path, &end);

	return t && !strcmp(end, "/task") && t->group ? t : NULL;
}

/* Name i of a task directory: "DIR/TID/" of each thread of t's process
 * that has not exited (the leader even then), or NULL past the last. */
static const char *thread_dir_name(const char *dir, struct task *t, unsigned i, char *buf,
				   size_t n)
{
	struct list_head *pos;

	list_for_each(pos, &t->group->members) {
		struct task *m = list_entry(pos, struct task, group_node);
		if (m->state == TASK_ZOMBIE && m != t->group->leader)
			continue;
		if (i-- == 0) {
			snprintf(buf, n, "%s/%d/", dir, m->pid);
			return buf;
		}
	}
	return NULL;
}

/* Splits "self/maps" or "12/maps" into the task and the file name. */
static struct task *proc_task(const char **path)
{
	const char *end;
	struct task *t = task_component(*path, &end);

	if (!t || *end != '/')
		return NULL;
	*path = end + 1;
	return t;
}

const char *proc_link(const char *path, char *buf, size_t n)
{
	const char *end;
	struct task *t = task_component(path, &end);

	if (!t)
		return NULL;
	if (!*end && !strncmp(path, "self", 4)) {
		snprintf(buf, n, "%d", task_tgid(t));
		return buf;
	}
	if (strcmp(end, "/exe") || !t->mm)
		return NULL;
	strlcpy(buf, t->exe, n);
	return buf;
}

bool proc_dir_exists(const char *path)
{
	const char *end;
	size_t n = strlen(path);

	if (task_component(path, &end))
		return !*end || task_list_dir(path);
	for (unsigned i = 0; i < ARRAY_SIZE(proc_files); i++)
		if (!proc_files[i].per_task && !strncmp(proc_files[i].name, path, n) &&
		    proc_files[i].name[n] == '/')
			return true;
	return false;
}

/* The smallest pid above @above among the processes (idle's 0 never;
 * threads other than a leader are in their process's task/ directory,
 * as Linux hides them from the listing), or 0. */
static int next_pid_above(int above)
{
	struct list_head *pos;
	int best = 0;

	list_for_each(pos, &task_list) {
		const struct task *t = list_entry(pos, struct task, tasks);
		int pid = t->pid;
		if (thread_leader(t) != t)
			continue;
		if (pid > above && (!best || pid < best))
			best = pid;
	}
	return best;
}

/* Name i of the process directories: "self/", then "PID/" of each task in
 * pid order, as Linux lists them. */
static const char *task_dir_name(unsigned i, char *buf, size_t n)
{
	int pid = 0;

	if (i == 0)
		return "self/";
	while (i-- && (pid = next_pid_above(pid)))
		;
	if (!pid)
		return NULL;
	snprintf(buf, n, "%d/", pid);
	return buf;
}

const char *proc_tree_name(const char *dir, unsigned i, char *buf, size_t n)
{
	const char *end;
	struct task *t = task_component(dir, &end), *process = task_list_dir(dir);
	bool task_dir = t && !*end;

	if (process)
		return thread_dir_name(dir, process, i, buf, n);
	for (unsigned k = 0; k < ARRAY_SIZE(proc_files); k++) {
		if (proc_files[k].per_task != task_dir || i-- != 0)
			continue;
		if (!task_dir)
			return proc_files[k].name;
		snprintf(buf, n, "%s/%s", dir, proc_files[k].name);
		return buf;
	}
	if (task_dir && i == 0 && t->group) {
		snprintf(buf, n, "%s/task/", dir);
		return buf;
	}
	return task_dir ? NULL : task_dir_name(i, buf, n);
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
