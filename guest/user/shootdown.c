/*
 * shootdown: TLB shootdowns seen from user space. Reader threads of one
 * process (spread over the CPUs by the scheduler) loop over a few pages
 * while the main thread changes their mapping; a change must be seen by
 * every thread once the system call that made it has returned:
 *
 *  - replace: mmap(MAP_FIXED) puts fresh zero pages where pages full of a
 *    round's pattern were; a reader that saw the change announced and
 *    then reads the old pattern read a stale TLB entry;
 *  - unmap: munmap; a reader that saw the change announced must fault
 *    (SIGSEGV, caught with siglongjmp) on its next access, never read;
 *  - protect: mprotect(PROT_READ) under writers; their next write must
 *    fault.
 *
 * Then, when /proc/cpuinfo lists more than one CPU, the readers must have
 * run on more than one (field 39 of /proc/self/task/TID/stat, read while
 * they spin) and /proc/vmstat's nr_tlb_remote_flush and
 * nr_tlb_remote_flush_received must have grown.
 * Usage: shootdown [ROUNDS] (default 20). Prints claims (claims.h);
 * exits 0 when none failed.
 */
#define _GNU_SOURCE
#include "claims.h"
#include "libproc.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define READERS 3
#define PAGES   8
#define PAGE    4096ul

enum change { CHANGE_REPLACE, CHANGE_UNMAP, CHANGE_PROTECT };

struct shared {
	volatile uint64_t *area;          /* PAGES pages */
	volatile int round;               /* readers run while round is live */
	volatile int changed;             /* the change of this round has returned */
	volatile int stop;
	enum change change;
	volatile uint64_t pattern;        /* what the pages hold before the change */
	volatile long accesses[READERS];  /* accesses each reader made this round */
	volatile int done[READERS];       /* reader r saw the change take effect */
	volatile long stale;              /* accesses that saw the old mapping after it changed */
	volatile long faults;             /* faults taken (after an unmap or protect only) */
	volatile int tid[READERS];        /* each reader's thread id */
	unsigned long cpus_seen;          /* bit c: a reader was seen on CPU c */
};

/* Each reader's way out of its SIGSEGV (thread-local: a handler cannot be passed state). */
static __thread sigjmp_buf fault_jump;
static __thread volatile int fault_armed;

static void on_segv(int sig)
{
	(void)sig;
	if (fault_armed)
		siglongjmp(fault_jump, 1);
	_exit(99);
}

/* One access by reader r: a read, or a write for CHANGE_PROTECT. Returns
 * 1 when it saw the mapping after the change, 0 before, -1 stale. */
static int access_once(struct shared *s, int r, unsigned page, int changed_before)
{
	volatile uint64_t *p = s->area + page * (PAGE / 8);

	if (s->change == CHANGE_PROTECT) {
		*p = s->pattern;            /* faults once the change took effect here */
		return changed_before ? -1 : 0;
	}
	uint64_t v = *p;
	(void)r;
	if (v == 0 && s->change == CHANGE_REPLACE)
		return 1;
	return changed_before ? -1 : 0;
}

/* Reader r: accesses every page in turn until it has seen the change. */
static void reader_round(struct shared *s, int r)
{
	volatile unsigned page = 0;   /* kept across the siglongjmp */

	fault_armed = 1;
	if (sigsetjmp(fault_jump, 1)) {        /* only a change makes an access fault */
		__atomic_fetch_add(&s->faults, 1, __ATOMIC_SEQ_CST);
		s->done[r] = 1;
		fault_armed = 0;
		return;
	}
	for (;;) {
		int changed_before = __atomic_load_n(&s->changed, __ATOMIC_SEQ_CST);
		int seen = access_once(s, r, page, changed_before);
		s->accesses[r]++;
		if (seen < 0)
			__atomic_fetch_add(&s->stale, 1, __ATOMIC_SEQ_CST);
		if (seen != 0)
			break;
		page = (page + 1) % PAGES;
	}
	s->done[r] = 1;
	fault_armed = 0;
}

struct reader_arg {
	struct shared *s;
	int r;
};

static void *reader_main(void *arg)
{
	struct reader_arg *a = arg;
	int seen = 0;

	a->s->tid[a->r] = (int)syscall(SYS_gettid);
	while (!a->s->stop) {
		if (a->s->round == seen)
			continue;
		seen = a->s->round;
		reader_round(a->s, a->r);
	}
	return NULL;
}

static void fill(struct shared *s, uint64_t pattern)
{
	for (unsigned i = 0; i < PAGES; i++)
		for (unsigned w = 0; w < PAGE / 8; w++)
			s->area[i * (PAGE / 8) + w] = pattern;
}

static void change_mapping(struct shared *s)
{
	void *a = (void *)s->area;

	if (s->change == CHANGE_REPLACE)
		mmap(a, PAGES * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	else if (s->change == CHANGE_UNMAP)
		munmap(a, PAGES * PAGE);
	else
		mprotect(a, PAGES * PAGE, PROT_READ);
}

/* Field 39 (processor) of thread tid's /proc stat, -1 when unreadable. */
static int thread_cpu(int tid)
{
	char path[64], buf[512];
	FILE *f;
	int field = 3, cpu = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');    /* fields 3 on follow the command name */
	for (p = p ? strtok(p + 1, " ") : NULL; p; p = strtok(NULL, " "), field++)
		if (field == 39)
			cpu = atoi(p);
	return cpu;
}

/* Notes where each reader runs now (they all spin in their round). */
static void note_reader_cpus(struct shared *s)
{
	for (int r = 0; r < READERS; r++) {
		int cpu = thread_cpu(s->tid[r]);
		if (cpu >= 0 && cpu < 64)
			s->cpus_seen |= 1ul << cpu;
	}
}

/* One round: map and fill, let every reader access the pages, change. */
static void run_round(struct shared *s, int round)
{
	s->area = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (s->area == MAP_FAILED) {
		perror("shootdown: mmap");
		exit(1);
	}
	s->pattern = 0x5eed000000000000ull | (uint64_t)round;
	fill(s, s->pattern);
	s->change = (enum change)(round % 3);
	s->changed = 0;
	for (int r = 0; r < READERS; r++) {
		s->accesses[r] = 0;
		s->done[r] = 0;
	}
	__atomic_store_n(&s->round, round, __ATOMIC_SEQ_CST);
	for (int r = 0; r < READERS; r++)
		while (s->accesses[r] < 2 * PAGES)  /* each has the pages in its TLB */
			;
	note_reader_cpus(s);
	change_mapping(s);
	__atomic_store_n(&s->changed, 1, __ATOMIC_SEQ_CST);
	for (int r = 0; r < READERS; r++)
		while (!s->done[r])
			;
	munmap((void *)s->area, PAGES * PAGE);
}

/* A counter of /proc/vmstat, -1 when absent (the space ends the name:
 * nr_tlb_remote_flush is a prefix of nr_tlb_remote_flush_received). */
static long vmstat(const char *key)
{
	return proc_value("/proc/vmstat", key);
}

static int online_cpus(void)
{
	char line[128];
	int n = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		n += !strncmp(line, "processor", 9);
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	struct claims c = { "shootdown", 0, 0 };
	static struct shared s;
	struct reader_arg args[READERS];
	pthread_t t[READERS];
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	long sent = vmstat("nr_tlb_remote_flush ");
	long received = vmstat("nr_tlb_remote_flush_received ");
	int cpus = online_cpus();

	signal(SIGSEGV, on_segv);
	for (int r = 0; r < READERS; r++) {
		args[r] = (struct reader_arg){ &s, r };
		pthread_create(&t[r], NULL, reader_main, &args[r]);
	}
	for (int round = 1; round <= rounds; round++)
		run_round(&s, round);
	s.stop = 1;
	for (int r = 0; r < READERS; r++)
		pthread_join(t[r], NULL);
	printf("shootdown: %d rounds on %d CPUs, readers seen on %d, %ld faults after a change, remote flushes %ld sent, %ld received\n",
	       rounds, cpus, __builtin_popcountl(s.cpus_seen), s.faults,
	       vmstat("nr_tlb_remote_flush ") - sent,
	       vmstat("nr_tlb_remote_flush_received ") - received);
	claims_check(&c, "no access saw a mapping after its change had returned", s.stale, 0);
	/* rounds 1, 4, 7... unmap; 2, 5, 8... write-protect: each reader faults once in each */
	claims_check(&c, "each reader faulted once in each unmap and write-protect round",
		     s.faults, (long)READERS * ((rounds + 2) / 3 + (rounds + 1) / 3));
	if (cpus > 1) {
		claims_check(&c, "the readers ran on more than one CPU",
			     __builtin_popcountl(s.cpus_seen) > 1, 1);
		claims_check(&c, "remote flushes were sent", vmstat("nr_tlb_remote_flush ") > sent, 1);
		claims_check(&c, "remote flushes were received",
			     vmstat("nr_tlb_remote_flush_received ") > received, 1);
	}
	return claims_report(&c);
}
