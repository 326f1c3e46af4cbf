/*
 * refsample.c: the host-side reference sampler (see refsample.h for the
 * trace, the accessed-bit approximations and the invariant). One thread:
 * sleep an interval, sample, repeat; stop joins it and writes the figures.
 */
#include "refsample.h"
#include "introspect.h"
#include "livestats.h"
#include "ptwalk.h"
#include "recjson.h"
#include "tracefile.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define USER_TOP        (1ull << 47)
#define PID_SHIFT       40
#define MAX_PROCESSES   64   /* processes whose figures TRACE.json lists */

/* Guest-physical pages whose A bit a sample cleared, for the resync. */
struct cleared {
	uint64_t gpa, len;
};

/* A process as last seen by a sample, for TRACE.json. */
struct refsample_process {
	int32_t pid;
	char comm[16];
	uint64_t maj_flt, min_flt;
	uint64_t references;        /* records written for it */
};

struct refsample {
	struct machine *m;
	struct livestats live;      /* its introspection handle, opened once the kernel is up */
	struct refsample_config cfg;
	pthread_t thread;
	bool stop;                  /* set by refsample_stop (atomic accesses) */
	FILE *trace;
	bool write_failed;
	struct intro_task *tasks;   /* INTRO_MAX_TASKS, scratch of one sample */
	struct cleared *cleared;    /* this sample's cleared pages (REMAP), grown as needed */
	size_t nr_cleared, cap_cleared;
	/* figures */
	uint64_t samples, references, unreadable;
	uint64_t remaps;            /* protection changes made by resync_kvm */
	uint64_t resident_max;      /* user pages resident (rss) at a sample, at most */
	uint32_t *resident;         /* user pages resident at each sample, grown as needed */
	size_t nr_resident, cap_resident;
	uint64_t majflt_first;      /* the guest's pgmajfault at the first sample */
	bool majflt_first_set;
	double seconds_sampling, started;
	int resync_errno;
	int nr_processes;
	struct refsample_process processes[MAX_PROCESSES];
};

/* What one process's walk needs in its leaf callback. */
struct walk_ctx {
	struct refsample *s;
	int32_t pid;
	uint64_t references;
};

/* Makes room for one more element in *arr (nr used of *cap); false when memory ran out. */
static bool room_for_one(void **arr, size_t nr, size_t *cap, size_t size)
{
	if (nr < *cap)
		return true;
	size_t n = *cap ? 2 * *cap : 1024;
	void *bigger = realloc(*arr, n * size);
	if (!bigger)
		return false;
	*arr = bigger;
	*cap = n;
	return true;
}

/* Remembers a cleared page for resync_kvm (nothing when it is not wanted,
 * or once a resync failed: none runs again to empty the list; or when
 * memory runs out: that page may then go unseen for a while). */
static void note_cleared(struct refsample *s, uint64_t gpa, uint64_t len)
{
	if (s->cfg.resync != REFSAMPLE_RESYNC_REMAP || s->resync_errno)
		return;
	if (!room_for_one((void **)&s->cleared, s->nr_cleared, &s->cap_cleared,
			  sizeof(*s->cleared))) {
		s->resync_errno = ENOMEM;
		return;
	}
	s->cleared[s->nr_cleared++] = (struct cleared){ .gpa = gpa, .len = len };
}

/*
 * Clears the A bit of a live entry while it is still a present, accessed
 * one: a compare-and-swap, so an entry the guest turned into something
 * else meanwhile (a swap entry, whose bit 5 is not A) is left alone, and a
 * bit set concurrently by the CPU is never lost. Returns whether it cleared.
 */
static bool clear_accessed(uint64_t *entry)
{
	uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
	while ((e & (PTE_P | PTE_A)) == (PTE_P | PTE_A))
		if (__atomic_compare_exchange_n(entry, &e, e & ~PTE_A, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

/* A user page used since the last sample: one record, and its A bit cleared. */
static int record_leaf(const struct ptw_leaf *l, void *arg)
{
	struct walk_ctx *c = arg;
	struct refsample *s = c->s;
	if (!(l->flags & PTE_US) || !(l->flags & PTE_A) || l->va >= USER_TOP)
		return 0;
	uint64_t *entry = mem_gpa_to_hva(&s->m->vm.mem, l->entry_pa, sizeof(*entry));
	if (!entry || !clear_accessed(entry))
		return 0;
	note_cleared(s, l->pa, 1ull << l->shift);
	unsigned char rec[TRACEFILE_RECORD];
	tracefile_encode(rec, (uint32_t)s->samples, (uint64_t)c->pid << PID_SHIFT | l->va >> 12,
			 (uint32_t)(1ull << l->shift));
	if (fwrite(rec, sizeof(rec), 1, s->trace) != 1)
		s->write_failed = true;
	c->references++;
	return 0;
}

/* The first task of a task array with this page-table root (threads share one). */
static bool root_seen_before(const struct intro_task *t, int i)
{
	for (int k = 0; k < i; k++)
		if (t[k].root_pa == t[i].root_pa)
			return true;
	return false;
}

static void note_process(struct refsample *s, const struct intro_task *t, uint64_t references)
{
	int i = 0;
	while (i < s->nr_processes && s->processes[i].pid != t->pid)
		i++;
	if (i == MAX_PROCESSES)
		return;
	if (i == s->nr_processes)
		s->processes[s->nr_processes++] = (struct refsample_process){ .pid = t->pid };
	struct refsample_process *p = &s->processes[i];
	memcpy(p->comm, t->comm, sizeof(p->comm));
	p->maj_flt = t->maj_flt;
	p->min_flt = t->min_flt;
	p->references += references;
}

static void sample_process(struct refsample *s, const struct intro_task *t)
{
	struct walk_ctx c = { .s = s, .pid = t->pid };
	if (ptw_walk(&s->m->vm.mem, t->root_pa, s->live.intro.la57, record_leaf, &c, NULL) < 0)
		s->unreadable++;
	s->references += c.references;
	note_process(s, t, c.references);
}

static int by_gpa(const void *x, const void *y)
{
	uint64_t a = ((const struct cleared *)x)->gpa, b = ((const struct cleared *)y)->gpa;
	return a < b ? -1 : a > b;
}

/* Toggles PROT_EXEC on the host mapping of [gpa, gpa + len); 0 or a negative errno. */
static int remap_range(struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	void *hva = mem_gpa_to_hva(mem, gpa, len);
	if (!hva)
		return 0; /* not RAM: nothing of KVM's to drop */
	if (mprotect(hva, len, PROT_READ | PROT_WRITE | PROT_EXEC) < 0 ||
	    mprotect(hva, len, PROT_READ | PROT_WRITE) < 0)
		return -errno;
	return 0;
}

/*
 * Makes KVM drop its mappings of the pages this sample cleared: a
 * protection change of their host mapping (PROT_EXEC on, then off) runs
 * the MMU notifier, and KVM zaps its shadow or EPT entries for those
 * pages and flushes the TLBs. Runs of contiguous pages go in one change;
 * the guest keeps read and write access throughout. Returns 0 or a
 * negative errno.
 */
static int resync_kvm(struct refsample *s)
{
	struct cleared *c = s->cleared;
	size_t n = s->nr_cleared;
	int rc = 0;
	s->nr_cleared = 0;
	qsort(c, n, sizeof(*c), by_gpa);
	for (size_t i = 0, next; i < n && !rc; i = next) {
		uint64_t end = c[i].gpa + c[i].len;
		for (next = i + 1; next < n && c[next].gpa <= end; next++)
			end = c[next].gpa + c[next].len > end ? c[next].gpa + c[next].len : end;
		rc = remap_range(&s->m->vm.mem, c[i].gpa, end - c[i].gpa);
		s->remaps++;
	}
	return rc;
}

static uint64_t guest_pgmajfault(const struct intro *in)
{
	struct snap_counter *v;
	size_t n;
	uint64_t value = 0;
	if (intro_vmstat(in, &v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, "pgmajfault"))
			value = v[i].value;
	free(v);
	return value;
}

static void sample_tasks(struct refsample *s)
{
	int n = intro_tasks(&s->live.intro, s->tasks, INTRO_MAX_TASKS);
	if (n < 0) { /* a task freed under the walk: the next sample reads again */
		s->unreadable++;
		return;
	}
	uint64_t resident = 0;
	for (int i = 0; i < n; i++) {
		const struct intro_task *t = &s->tasks[i];
		if (!t->root_pa || root_seen_before(s->tasks, i))
			continue;
		resident += t->rss[MV_MM_ANON] + t->rss[MV_MM_FILE] + t->rss[MV_MM_SHMEM];
		sample_process(s, t);
	}
	if (resident > s->resident_max)
		s->resident_max = resident;
	if (room_for_one((void **)&s->resident, s->nr_resident, &s->cap_resident,
			 sizeof(*s->resident)))
		s->resident[s->nr_resident++] = resident > UINT32_MAX ? UINT32_MAX : (uint32_t)resident;
}

static void sample_once(struct refsample *s)
{
	if (!livestats_guest_ready(&s->live))
		return;
	double t0 = mv_monotonic_seconds();
	if (!s->majflt_first_set) {
		s->majflt_first = guest_pgmajfault(&s->live.intro);
		s->majflt_first_set = true;
	}
	sample_tasks(s);
	if (s->cfg.resync == REFSAMPLE_RESYNC_REMAP && !s->resync_errno)
		s->resync_errno = -resync_kvm(s);
	s->samples++;
	s->seconds_sampling += mv_monotonic_seconds() - t0;
}

static void *sampler_thread(void *arg)
{
	struct refsample *s = arg;
	struct timespec gap = { .tv_sec = (time_t)s->cfg.interval,
				.tv_nsec = (long)((s->cfg.interval - (double)(time_t)s->cfg.interval) *
						  1e9) };
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		nanosleep(&gap, NULL);
		sample_once(s);
	}
	return NULL;
}

struct refsample *refsample_start(struct machine *m, const struct refsample_config *cfg,
				  struct mv_error *err)
{
	if (!(cfg->interval > 0))
		return mv_fail(err, -EINVAL, "--trace-refs: the interval must be positive"), NULL;
	struct refsample *s = calloc(1, sizeof(*s));
	if (!s || !(s->tasks = calloc(INTRO_MAX_TASKS, sizeof(*s->tasks)))) {
		free(s);
		return mv_fail(err, -ENOMEM, "out of memory"), NULL;
	}
	*s = (struct refsample){ .m = m, .live.m = m, .cfg = *cfg, .tasks = s->tasks,
				 .started = mv_monotonic_seconds() };
	s->trace = fopen(cfg->path, "wb");
	if (!s->trace) {
		mv_fail_errno(err, "%s", cfg->path);
		goto fail;
	}
	if (pthread_create(&s->thread, NULL, sampler_thread, s)) {
		mv_fail(err, -EAGAIN, "--trace-refs: cannot start the sampler thread");
		fclose(s->trace);
		goto fail;
	}
	return s;
fail:
	free(s->tasks);
	free(s);
	return NULL;
}

static json_object *processes_json(const struct refsample *s)
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < s->nr_processes; i++) {
		const struct refsample_process *p = &s->processes[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "pid", json_object_new_int(p->pid));
		json_object_object_add(o, "comm", json_object_new_string(p->comm));
		recjson_add_u64(o, "references", p->references);
		recjson_add_u64(o, "maj_flt", p->maj_flt);
		recjson_add_u64(o, "min_flt", p->min_flt);
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * User pages resident on average in the steady state: over the samples
 * with at least half the peak (not while the processes fill memory).
 */
static uint64_t resident_steady(const struct refsample *s)
{
	uint64_t sum = 0, n = 0;
	for (size_t i = 0; i < s->nr_resident; i++)
		if (2 * (uint64_t)s->resident[i] >= s->resident_max) {
			sum += s->resident[i];
			n++;
		}
	return n ? (sum + n / 2) / n : 0;
}

/* The run's figures: what `memvisor opt` shows beside the simulation. */
static json_object *figures_json(const struct refsample *s, double seconds)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "interval", json_object_new_double(s->cfg.interval));
	json_object_object_add(o, "resync", json_object_new_string(
		s->cfg.resync == REFSAMPLE_RESYNC_REMAP ? "remap" : "none"));
	recjson_add_u64(o, "samples", s->samples);
	recjson_add_u64(o, "references", s->references);
	recjson_add_u64(o, "unreadable", s->unreadable);
	recjson_add_u64(o, "remaps", s->remaps);
	recjson_add_u64(o, "resident_max", s->resident_max);
	recjson_add_u64(o, "resident_steady", resident_steady(s));
	recjson_add_u64(o, "pgmajfault", s->live.intro_ok ?
			guest_pgmajfault(&s->live.intro) - s->majflt_first : 0);
	json_object_object_add(o, "seconds", json_object_new_double(seconds));
	json_object_object_add(o, "seconds_sampling", json_object_new_double(s->seconds_sampling));
	json_object_object_add(o, "processes", processes_json(s));
	return o;
}

static int write_figures(const struct refsample *s, double seconds)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s.json", s->cfg.path);
	json_object *o = figures_json(s, seconds);
	int rc = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY) < 0 ? -EIO : 0;
	json_object_put(o);
	if (rc < 0)
		mv_err("%s: cannot write", path);
	return rc;
}

int refsample_stop(struct refsample *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	double seconds = mv_monotonic_seconds() - s->started;
	int rc = fclose(s->trace) || s->write_failed ? -EIO : 0;
	if (rc < 0)
		mv_err("%s: cannot write the trace", s->cfg.path);
	if (s->resync_errno)
		mv_err("--trace-refs: resync failed (%s): later samples miss pages",
		       strerror(s->resync_errno));
	if (write_figures(s, seconds) < 0)
		rc = -EIO;
	mv_info("trace-refs: %llu samples, %llu references in %s; sampling took %.3f s of "
		"%.1f s (%.1f%%)", (unsigned long long)s->samples,
		(unsigned long long)s->references, s->cfg.path, s->seconds_sampling, seconds,
		seconds > 0 ? 100 * s->seconds_sampling / seconds : 0.0);
	free(s->cleared);
	free(s->resident);
	free(s->tasks);
	free(s);
	return rc;
}
