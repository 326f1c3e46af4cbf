/*
 * threads: POSIX threads and the system calls under them (clone with
 * CLONE_THREAD, futex, set_tid_address, set_robust_list, tgkill,
 * exit_group), checked one claim per line ("threads: CLAIM: ok" or
 * "... FAILED: got X, want Y"), then "threads: N passed, M failed"; exits
 * 0 when none failed.
 *
 * Claims: 8 threads in one address space each fault in pages, allocate
 * and free blocks of a shared arena (under a futex lock) and of malloc
 * concurrently, fill them with their own pattern and find every byte
 * intact; they meet at a futex barrier between rounds; getpid is the
 * process's and gettid each thread's own; one thread exits while the
 * others run and /proc shows the count drop; tgkill reaches the named
 * thread, kill a thread that does not block the signal; FUTEX_WAIT says
 * EAGAIN for a changed word, ETIMEDOUT after its timeout and EINTR for a
 * handler without SA_RESTART, WAKE
 * counts the woken, WAKE_BITSET wakes only matching waiters, a shared
 * futex in a MAP_SHARED page wakes another process's waiter; a thread's
 * chdir and open are the whole process's (CLONE_FS, CLONE_FILES); the kernel
 * zeroes and wakes the CLONE_CHILD_CLEARTID word and marks a dead
 * owner's robust futex; exit_group from a thread and a fault in a thread
 * end the whole process, and its parent sees it only once every thread
 * has ended; execve from a thread leaves the new program alone under the
 * process's pid; posix_spawn (CLONE_VM|CLONE_VFORK) runs a program.
 *
 * threads --hog MB: 4 threads fill and verify slices of one MB-sized
 * mapping twice (for a guest smaller than MB, with swap: the reclaim
 * suite's shared-mm test).
 *
 * Shared state lives in `struct shared`, passed to every thread; only
 * the signal handler records into a file static (it cannot be passed
 * state).
 */
#define _GNU_SOURCE
#include "claims.h"
#include "libproc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h's values (musl ships no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (5 | FUTEX_PRIVATE_FLAG)
/* FUTEX_WAKE_OP's encoding: op, cmp, oparg, cmparg (Linux's FUTEX_OP) */
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))
#define OP_SET 0
#define OP_ADD 1
#define OP_OR 2
#define OP_ANDN 3
#define OP_XOR 4
#define OP_ARG_SHIFT 8
#define CMP_EQ 0
#define CMP_NE 1
#define CMP_LT 2
#define CMP_GT 4
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u

#define NR_WORKERS   8
#define ROUNDS       16
#define ARENA_BYTES  (1u << 20)
#define ARENA_BLOCKS 64
#define MAX_BLOCK    (8u << 10)
#define FAULT_PAGES  4

static struct claims claims = { "threads", 0, 0 };
#define check(what, got, want) claims_check(&claims, what, got, want)

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts,
		  volatile uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static pid_t gettid_raw(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* A futex lock: 0 free, 1 held, 2 held with waiters (Drepper's mutex 2). */
static void lock(volatile uint32_t *l)
{
	uint32_t c = __sync_val_compare_and_swap(l, 0, 1);

	if (c == 0)
		return;
	if (c != 2)
		c = __sync_lock_test_and_set(l, 2);
	while (c != 0) {
		futex(l, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		c = __sync_lock_test_and_set(l, 2);
	}
}

static void unlock(volatile uint32_t *l)
{
	if (__sync_fetch_and_sub(l, 1) != 1) {
		*l = 0;
		futex(l, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

/* A reusable barrier of n threads: the last one bumps the generation and wakes all. */
struct barrier {
	volatile uint32_t lock, count, generation;
	uint32_t n;
	volatile uint32_t sleeps;   /* FUTEX_WAITs that slept and were woken (returned 0) */
};

static void barrier_wait(struct barrier *b)
{
	lock(&b->lock);
	uint32_t gen = b->generation;
	if (++b->count == b->n) {
		b->count = 0;
		__sync_fetch_and_add(&b->generation, 1);
		unlock(&b->lock);
		futex(&b->generation, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		return;
	}
	unlock(&b->lock);
	while (b->generation == gen)
		if (futex(&b->generation, FUTEX_WAIT_PRIVATE, gen, NULL, NULL, 0) == 0)
			__sync_fetch_and_add(&b->sleeps, 1);
}

/* The shared arena: fixed slots handed out under a futex lock. */
struct arena {
	volatile uint32_t lock;
	unsigned char *base;
	uint8_t used[ARENA_BLOCKS];
};

struct shared {
	pid_t pid;
	struct arena arena;
	struct barrier start, checked;
	volatile uint32_t exited_early;   /* the early thread has called pthread_exit */
	pid_t tids[NR_WORKERS];
	long bad_bytes[NR_WORKERS], pid_mismatch[NR_WORKERS], allocs[NR_WORKERS];
};

struct worker {
	struct shared *s;
	int id;
};

/* A slot index of the arena, or -1 when all are taken. */
static int arena_alloc(struct arena *a)
{
	int got = -1;

	lock(&a->lock);
	for (int i = 0; i < ARENA_BLOCKS && got < 0; i++)
		if (!a->used[i])
			a->used[i] = 1, got = i;
	unlock(&a->lock);
	return got;
}

static void arena_free(struct arena *a, int slot)
{
	lock(&a->lock);
	a->used[slot] = 0;
	unlock(&a->lock);
}

static unsigned char pattern(int id, int round, size_t i)
{
	return (unsigned char)(id * 31 + round * 7 + i * 13 + (i >> 8));
}

static void fill(unsigned char *p, size_t n, int id, int round)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(id, round, i);
}

static long count_bad(const unsigned char *p, size_t n, int id, int round)
{
	long bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != pattern(id, round, i);
	return bad;
}

/* One round: a fresh private mapping faulted in, an arena block and a
 * malloc block filled, the others run, then every byte is checked. */
static void worker_round(struct worker *w, int round)
{
	struct shared *s = w->s;
	size_t len = 512 + (size_t)((w->id * 977 + round * 131) % (MAX_BLOCK - 512));
	unsigned char *pages = mmap(NULL, FAULT_PAGES * 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *heap = malloc(len);
	int slot = arena_alloc(&s->arena);
	unsigned char *block = slot >= 0 ? s->arena.base + (size_t)slot * MAX_BLOCK : NULL;

	if (pages == MAP_FAILED || !heap || !block) {
		s->bad_bytes[w->id] += 1;
		return;
	}
	s->allocs[w->id]++;
	fill(pages, FAULT_PAGES * 4096, w->id, round);
	fill(heap, len, w->id, round + 1);
	fill(block, len, w->id, round + 2);
	sched_yield();
	s->bad_bytes[w->id] += count_bad(pages, FAULT_PAGES * 4096, w->id, round) +
			       count_bad(heap, len, w->id, round + 1) +
			       count_bad(block, len, w->id, round + 2);
	arena_free(&s->arena, slot);
	free(heap);
	munmap(pages, FAULT_PAGES * 4096);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;

	s->tids[w->id] = gettid_raw();
	s->pid_mismatch[w->id] = getpid() != s->pid;
	barrier_wait(&s->start);
	barrier_wait(&s->checked);          /* main has counted the threads */
	for (int round = 0; round < ROUNDS; round++) {
		worker_round(w, round);
		if (w->id == NR_WORKERS - 1 && round == ROUNDS / 2) {
			s->exited_early = 1;
			pthread_exit(NULL);
		}
	}
	return NULL;
}

/* The Threads: line of /proc/self/status, or -1. */
static long status_threads(void)
{
	return proc_value("/proc/self/status", "Threads:");
}

/* Field 20 (num_threads) of /proc/self/stat, or -1. */
static long stat_num_threads(void)
{
	const char *buf = proc_read("/proc/self/stat");
	const char *p = buf ? strrchr(buf, ')') : NULL;

	/* after ") ": state (3) ... num_threads (20): skip fields 3-19 */
	for (int field = 3; p && field <= 20; field++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

/* Entries of /proc/self/task (without . and ..). */
static long task_dir_entries(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* How many of the n tids are listed in /proc itself. */
static long tids_listed_in_proc(const pid_t *tids, int n)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long listed = 0;

	while (d && (e = readdir(d)) != NULL)
		for (int i = 0; i < n; i++)
			listed += atoi(e->d_name) == tids[i];
	if (d)
		closedir(d);
	return listed;
}

static void eight_threads_share_one_address_space(void)
{
	static struct shared s;
	struct worker w[NR_WORKERS];
	pthread_t th[NR_WORKERS];
	long bad = 0, mismatch = 0, allocs = 0, distinct = 1;
	int created = 0;

	s.pid = getpid();
	s.arena.base = mmap(NULL, ARENA_BLOCKS * MAX_BLOCK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s.start.n = NR_WORKERS + 1;
	s.checked.n = NR_WORKERS + 1;
	for (int i = 0; i < NR_WORKERS; i++) {
		w[i] = (struct worker){ &s, i };
		created += pthread_create(&th[i], NULL, worker_main, &w[i]) == 0;
	}
	check("8 threads are created", created, NR_WORKERS);
	barrier_wait(&s.start);
	check("a futex barrier of 9 released every thread", s.start.count, 0);
	check("/proc/self/status counts 9 threads", status_threads(), NR_WORKERS + 1);
	check("/proc/self/task lists 9 tasks", task_dir_entries(), NR_WORKERS + 1);
	check("/proc/self/stat num_threads is 9", stat_num_threads(), NR_WORKERS + 1);
	check("/proc lists the process, not its threads", tids_listed_in_proc(s.tids, NR_WORKERS),
	      0);
	barrier_wait(&s.checked);
	pthread_join(th[NR_WORKERS - 1], NULL);
	check("one thread exited while the others ran", s.exited_early, 1);
	for (int i = 0; i < NR_WORKERS - 1; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NR_WORKERS; i++) {
		bad += s.bad_bytes[i];
		mismatch += s.pid_mismatch[i];
		allocs += s.allocs[i];
		for (int j = 0; j < i; j++)
			distinct &= s.tids[i] != s.tids[j] && s.tids[i] != s.pid;
	}
	check("getpid in every thread is the process's", mismatch, 0);
	check("gettid differs in every thread", distinct, 1);
	check("every round allocated its blocks", allocs,
	      (NR_WORKERS - 1) * ROUNDS + ROUNDS / 2 + 1);
	check("every byte written by every thread was read back intact", bad, 0);
	check("after the joins /proc/self/status counts 1 thread", status_threads(), 1);
	struct rusage self, thread;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_THREAD, &thread);
	check("getrusage(RUSAGE_SELF) counts the exited threads' faults too",
	      self.ru_minflt >= thread.ru_minflt + (NR_WORKERS - 1) * ROUNDS, 1);
}

/* The futex calls' answers to a word that changed, a timeout, a wake. */
static void futex_answers_as_linux(void)
{
	static volatile uint32_t word = 5;
	struct timespec rel = { 0, 20 * 1000 * 1000 }, abs;

	errno = 0;
	check("FUTEX_WAIT on a changed word is EAGAIN",
	      futex(&word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) == -1 ? errno : 0, EAGAIN);
	errno = 0;
	check("FUTEX_WAIT with a 20 ms timeout is ETIMEDOUT",
	      futex(&word, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0) == -1 ? errno : 0, ETIMEDOUT);
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 20 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000)
		abs.tv_sec++, abs.tv_nsec -= 1000000000;
	errno = 0;
	check("FUTEX_WAIT_BITSET with an absolute CLOCK_REALTIME deadline is ETIMEDOUT",
	      futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL,
		    FUTEX_BITSET_MATCH_ANY) == -1 ? errno : 0, ETIMEDOUT);
	errno = 0;
	check("FUTEX_WAIT with a bad timespec is EINVAL",
	      futex(&word, FUTEX_WAIT_PRIVATE, 5, &(struct timespec){ 0, 1000000000 }, NULL,
		    0) == -1 ? errno : 0, EINVAL);
	check("FUTEX_WAKE with no waiter wakes 0", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0),
	      0);
}

/* The state letter of /proc/PID/stat ('?' when unreadable). */
static char proc_state(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	const char *buf = proc_read(path);
	const char *p = buf ? strrchr(buf, ')') : NULL;

	return p && p[1] ? p[2] : '?';
}

/* A waiter thread for the wake tests: waits on its word with its bitset. */
struct waiter {
	volatile uint32_t word;
	uint32_t bitset;
	volatile pid_t tid;
	long result;
};

static void *bitset_waiter(void *arg)
{
	struct waiter *w = arg;

	w->tid = gettid_raw();
	w->result = futex(&w->word, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, w->bitset);
	return NULL;
}

/* Wakes w's word with bitset until one waiter is woken (the thread may not sleep yet). */
static long wake_until_one(struct waiter *w, uint32_t bitset)
{
	long n;

	while ((n = futex(&w->word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, bitset)) == 0)
		sched_yield();
	return n;
}

static void futex_wakes_count_and_match_bitsets(void)
{
	static struct waiter w = { .bitset = 0x2 };
	pthread_t th;

	pthread_create(&th, NULL, bitset_waiter, &w);
	while (!w.tid || proc_state(w.tid) != 'S')
		sched_yield();                  /* asleep in FUTEX_WAIT_BITSET */
	check("FUTEX_WAKE_BITSET with a disjoint bitset wakes 0",
	      futex(&w.word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x1), 0);
	check("FUTEX_WAKE_BITSET with a matching bitset wakes the waiter", wake_until_one(&w, 0x6),
	      1);
	pthread_join(th, NULL);
	check("the woken FUTEX_WAIT_BITSET returned 0", w.result, 0);
}

/* FUTEX_WAKE_OP with no waiters: the operation on the second word and
 * its errors; then a waiter on the second word is woken only when the
 * comparison of the old value holds. */
static void futex_wake_op_operates_and_wakes(void)
{
	static volatile uint32_t word1, word2;
	static struct waiter w = { .bitset = FUTEX_BITSET_MATCH_ANY };
	pthread_t th;

#define WAKE_OP(op) futex(&word1, FUTEX_WAKE_OP_PRIVATE, 1, (const struct timespec *)1, &word2, (op))
	check("FUTEX_WAKE_OP ADD 1 with no waiters wakes 0", WAKE_OP(FUTEX_OP(OP_ADD, 1, CMP_EQ, 0)), 0);
	check("and the second word went 0 -> 1", word2, 1);
	check("OR with a shift argument (1 << 4)", WAKE_OP(FUTEX_OP(OP_OR | OP_ARG_SHIFT, 4, CMP_EQ, 0)), 0);
	check("sets bit 4", word2, 0x11);
	WAKE_OP(FUTEX_OP(OP_ANDN, 1, CMP_EQ, 0));
	check("ANDN 1 clears bit 0", word2, 0x10);
	WAKE_OP(FUTEX_OP(OP_XOR, 0xff, CMP_EQ, 0));
	check("XOR 0xff", word2, 0xef);
	WAKE_OP(FUTEX_OP(OP_SET, -1, CMP_EQ, 0));
	check("SET takes a sign-extended 12-bit argument", word2, 0xffffffffu);
	errno = 0;
	check("an unknown op (7) is ENOSYS", WAKE_OP(FUTEX_OP(7, 1, CMP_EQ, 0)) == -1 ? errno : 0, ENOSYS);
	check("and writes nothing", word2, 0xffffffffu);
	errno = 0;
	check("an unknown cmp (9) is ENOSYS", WAKE_OP(FUTEX_OP(OP_SET, 3, 9, 0)) == -1 ? errno : 0, ENOSYS);
	check("after the operation was done", word2, 3);
	errno = 0;
	check("a misaligned second word is EINVAL",
	      futex(&word1, FUTEX_WAKE_OP_PRIVATE, 1, NULL, (volatile uint32_t *)((char *)&word2 + 1),
		    0) == -1 ? errno : 0, EINVAL);
	w.word = 0;
	pthread_create(&th, NULL, bitset_waiter, &w);
	while (!w.tid || proc_state(w.tid) != 'S')
		sched_yield();                  /* asleep on w.word */
	check("WAKE_OP on the waiter's word whose old value is not > 5 wakes 0",
	      futex(&word1, FUTEX_WAKE_OP_PRIVATE, 1, (const struct timespec *)1, &w.word,
		    FUTEX_OP(OP_SET, 0, CMP_GT, 5)), 0);
	check("WAKE_OP whose old value is not 7 (NE 7) wakes the waiter",
	      futex(&word1, FUTEX_WAKE_OP_PRIVATE, 1, (const struct timespec *)1, &w.word,
		    FUTEX_OP(OP_SET, 0, CMP_NE, 7)), 1);
	pthread_join(th, NULL);
	check("the waiter woken by WAKE_OP returned 0", w.result, 0);
#undef WAKE_OP
}

/* A thread adding to a word with lock xadd until told to stop. */
struct adder {
	volatile uint32_t word;
	volatile uint32_t stop;
	uint32_t added;
};

static void *adder_main(void *arg)
{
	struct adder *a = arg;

	while (!a->stop) {
		__atomic_fetch_add(&a->word, 1, __ATOMIC_SEQ_CST);
		a->added++;
	}
	return NULL;
}

/* FUTEX_WAKE_OP's operation is atomic against user code running at the
 * same time (on another CPU when there is one): no add of either side is
 * lost, so the word ends at the sum of both sides' adds. */
static void futex_wake_op_is_atomic_against_user_adds(void)
{
	static struct adder a;
	static volatile uint32_t word1;
	pthread_t th;
	enum { OPS = 200 };

	pthread_create(&th, NULL, adder_main, &a);
	while (!a.added)
		sched_yield();
	for (int i = 0; i < OPS; i++)
		futex(&word1, FUTEX_WAKE_OP_PRIVATE, 0, (const struct timespec *)0, &a.word,
		      FUTEX_OP(OP_ADD, 1, CMP_EQ, 0));
	a.stop = 1;
	pthread_join(th, NULL);
	check("no add lost between WAKE_OP ADD and a thread's lock xadd", a.word, a.added + OPS);
}

/* What the signal handler saw: the thread it ran on. */
static volatile pid_t handled_on;

static void record_tid(int sig)
{
	(void)sig;
	handled_on = gettid_raw();
}

struct sleeper {
	volatile uint32_t word;     /* 0 until the main thread releases it */
	volatile pid_t tid;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;

	s->tid = gettid_raw();
	while (!s->word)
		futex(&s->word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static volatile int unblock_now;
static volatile long pending_seen;

/* The sleeper's side: blocks SIGUSR1 like the main thread, sees it
 * pending for the process, then unblocks it when told. */
static void *blocking_thread(void *arg)
{
	struct sleeper *s = arg;
	sigset_t usr1, set;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	s->tid = gettid_raw();
	while (!unblock_now)
		sched_yield();
	sigpending(&set);
	pending_seen = sigismember(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);   /* the handler runs here */
	return NULL;
}

/* A signal sent to a process whose every thread blocks it stays pending
 * for the process; the first thread to unblock it takes it. */
static void process_pending_waits_for_a_thread_that_unblocks(void)
{
	static struct sleeper s;
	sigset_t usr1, set;
	pthread_t th;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_create(&th, NULL, blocking_thread, &s);
	while (!s.tid)
		sched_yield();
	handled_on = 0;
	kill(getpid(), SIGUSR1);
	sched_yield();
	check("a signal every thread blocks runs no handler", handled_on, 0);
	sigpending(&set);
	check("it is pending for the main thread too (the process's set)", sigismember(&set, SIGUSR1), 1);
	unblock_now = 1;
	pthread_join(th, NULL);
	check("the other thread saw it pending", pending_seen, 1);
	check("the thread that unblocked it ran the handler", handled_on, s.tid);
	sigpending(&set);
	check("taken once: no longer pending", sigismember(&set, SIGUSR1), 0);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
}

static void signals_reach_the_right_thread(void)
{
	static struct sleeper s;
	sigset_t usr2;
	pthread_t th;

	signal(SIGUSR1, record_tid);
	signal(SIGUSR2, record_tid);
	pthread_create(&th, NULL, sleeper_main, &s);
	while (!s.tid)
		sched_yield();
	handled_on = 0;
	syscall(SYS_tgkill, getpid(), s.tid, SIGUSR1);
	while (!handled_on)
		sched_yield();
	check("tgkill runs the handler on the named thread", handled_on, s.tid);
	errno = 0;
	check("tgkill with a tid of another process is ESRCH",
	      syscall(SYS_tgkill, getpid() + 100000, s.tid, SIGUSR1) == -1 ? errno : 0, ESRCH);
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	handled_on = 0;
	kill(getpid(), SIGUSR2);
	while (!handled_on)
		sched_yield();
	check("kill goes to the thread that does not block the signal", handled_on, s.tid);
	pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
	s.word = 1;
	futex(&s.word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(th, NULL);
	process_pending_waits_for_a_thread_that_unblocks();
}

static void *eintr_waiter(void *arg)
{
	struct waiter *w = arg;

	w->tid = gettid_raw();
	w->result = futex(&w->word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -1 ? errno : 0;
	return NULL;
}

/* A handler without SA_RESTART interrupts a thread's FUTEX_WAIT: EINTR. */
static void futex_wait_is_interrupted_by_a_handler(void)
{
	static struct waiter w;
	struct sigaction sa = { .sa_handler = record_tid };
	pthread_t th;

	sigaction(SIGUSR1, &sa, NULL);
	pthread_create(&th, NULL, eintr_waiter, &w);
	while (!w.tid || proc_state(w.tid) != 'S')
		sched_yield();
	syscall(SYS_tgkill, getpid(), w.tid, SIGUSR1);
	pthread_join(th, NULL);
	check("a handler without SA_RESTART ends a thread's FUTEX_WAIT with EINTR", w.result,
	      EINTR);
	signal(SIGUSR1, SIG_DFL);
}

/* A raw clone thread: sets its robust list, takes the lock word, exits. */
struct robust_entry {
	struct robust_entry *next;
	volatile uint32_t lock;
};

struct robust_head {
	struct robust_entry *next;
	long futex_offset;
	struct robust_entry *pending;
};

struct raw_thread {
	volatile uint32_t ctid;     /* CLONE_CHILD_CLEARTID word */
	struct robust_head head;
	struct robust_entry entry;
	long set_result;
};

static int raw_thread_main(void *arg)
{
	struct raw_thread *r = arg;

	r->set_result = syscall(SYS_set_robust_list, &r->head, sizeof(r->head));
	r->entry.lock = (uint32_t)gettid_raw() | FUTEX_WAITERS;
	syscall(SYS_exit, 0);
	return 0;
}

static void exit_clears_tid_and_robust_futexes(void)
{
	static struct raw_thread r;
	size_t stack_len = 64 << 10;
	char *stack = mmap(NULL, stack_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	pid_t ptid = 0;

	r.head = (struct robust_head){ &r.entry, offsetof(struct robust_entry, lock), NULL };
	r.entry.next = (struct robust_entry *)&r.head;
	r.ctid = 1;
	long tid = clone(raw_thread_main, stack + stack_len, flags, &r, &ptid, NULL, &r.ctid);
	check("clone of a raw thread stores its tid in the parent's word", ptid, tid);
	while (r.ctid)
		futex(&r.ctid, FUTEX_WAIT, r.ctid, NULL, NULL, 0);
	check("the exited thread's CLONE_CHILD_CLEARTID word is zeroed and woken", r.ctid, 0);
	check("set_robust_list took the head", r.set_result, 0);
	check("its held robust futex is marked FUTEX_OWNER_DIED, waiters kept", r.entry.lock,
	      FUTEX_OWNER_DIED | FUTEX_WAITERS);
	munmap(stack, stack_len);
}

/* Child bodies: threads that wait forever, and one that ends the process. */
static volatile uint32_t never;

static void *wait_forever(void *arg)
{
	(void)arg;
	for (;;)
		futex(&never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void *exit_group_42(void *arg)
{
	(void)arg;
	syscall(SYS_exit_group, 42);
	return NULL;
}

static void *fault(void *arg)
{
	static volatile int *volatile nowhere;

	(void)arg;
	*nowhere = 1;
	return NULL;
}

/* Forks a child that starts 3 waiting threads and then ender; returns its wait status. */
static int child_status(void *(*ender)(void *))
{
	pid_t pid = fork();
	int status = -1;

	if (pid == 0) {
		pthread_t th;
		for (int i = 0; i < 3; i++)
			pthread_create(&th, NULL, wait_forever, NULL);
		pthread_create(&th, NULL, ender, NULL);
		wait_forever(NULL);
	}
	waitpid(pid, &status, 0);
	return status;
}

/* The leader leaves first: the parent must not see the child until the last thread ends. */
static void *exit_group_7_when_told(void *arg)
{
	int *fds = arg;
	char c;

	read(fds[0], &c, 1);
	syscall(SYS_exit_group, 7);
	return NULL;
}

static void the_parent_waits_for_the_whole_group(void)
{
	int fds[2], status = -1;
	pid_t pid;

	pipe(fds);
	pid = fork();
	if (pid == 0) {
		pthread_t th;
		pthread_create(&th, NULL, exit_group_7_when_told, fds);
		syscall(SYS_exit, 0);       /* the leader alone */
	}
	while (proc_state(pid) != 'Z')
		sched_yield();
	check("while a thread runs, wait4 WNOHANG does not report the exited leader",
	      waitpid(pid, &status, WNOHANG), 0);
	write(fds[1], "x", 1);
	waitpid(pid, &status, 0);
	check("the last thread's exit_group(7) is the process's status",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1, 7);
	close(fds[0]);
	close(fds[1]);
}

static void exit_group_and_faults_end_every_thread(void)
{
	int status = child_status(exit_group_42);

	check("exit_group(42) from one thread ends the process of 5 threads",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1, 42);
	status = child_status(fault);
	check("a SIGSEGV in one thread kills every thread",
	      WIFSIGNALED(status) ? WTERMSIG(status) : -1, SIGSEGV);
	the_parent_waits_for_the_whole_group();
}

/* chdir and open in a thread: CLONE_FS and CLONE_FILES share them. */
static void *chdir_and_open(void *arg)
{
	int *fd = arg;

	chdir("/proc");
	*fd = open("/proc/self/status", O_RDONLY);
	return NULL;
}

static void threads_share_cwd_and_descriptors(void)
{
	char cwd[64] = "";
	pthread_t th;
	int fd = -1;

	pthread_create(&th, NULL, chdir_and_open, &fd);
	pthread_join(th, NULL);
	check("a thread's chdir moves the process (CLONE_FS)", getcwd(cwd, sizeof(cwd)) &&
	      !strcmp(cwd, "/proc"), 1);
	check("a descriptor a thread opened is the process's (CLONE_FILES)",
	      fd >= 0 && read(fd, cwd, 5) == 5 && !memcmp(cwd, "Name:", 5), 1);
	close(fd);
	chdir("/");
}

/* A shared futex: a forked child sleeps on a MAP_SHARED word, the parent wakes it. */
static void shared_futex_wakes_another_process(void)
{
	volatile uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status = -1;
	pid_t pid;

	*word = 0;
	pid = fork();
	if (pid == 0) {
		while (*word == 0)
			futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(*word == 1 ? 0 : 1);
	}
	while (proc_state(pid) != 'S')
		sched_yield();                  /* asleep in FUTEX_WAIT */
	*word = 1;
	check("FUTEX_WAKE on a MAP_SHARED word wakes the other process's waiter",
	      futex(word, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	waitpid(pid, &status, 0);
	check("which saw the new value", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	munmap((void *)word, 4096);
}

/* A thread of a 3-thread child calls execve: the new image must run
 * alone under the child's pid. */
static void *exec_probe(void *arg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", *(pid_t *)arg);
	execl("/bin/threads", "threads", "--exec-probe", pid, (char *)NULL);
	return NULL;
}

static void execve_and_posix_spawn_from_threads(void)
{
	static pid_t child_pid;
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t th;
		child_pid = getpid();
		for (int i = 0; i < 2; i++)
			pthread_create(&th, NULL, wait_forever, NULL);
		pthread_create(&th, NULL, exec_probe, &child_pid);
		wait_forever(NULL);
	}
	waitpid(pid, &status, 0);
	check("execve from a thread runs the program alone under the process's pid",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	char *argv[] = { "threads", "--exit", "5", NULL };
	status = -1;
	pid = -1;
	check("posix_spawn (clone CLONE_VM|CLONE_VFORK) starts the program",
	      posix_spawn(&pid, "/bin/threads", NULL, NULL, argv, NULL), 0);
	waitpid(pid, &status, 0);
	check("and its exit status comes back", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 5);
}

/* --hog MB: HOG_THREADS threads fill disjoint slices of one MB-sized
 * mapping, meet at a barrier, then each verifies its slice, twice over:
 * in a guest smaller than MB, reclaim evicts pages of the one shared mm
 * and several threads fault them back. */
#define HOG_THREADS 4

struct hog {
	uint64_t *base;
	size_t words_per_thread;
	struct barrier filled;
	long bad[HOG_THREADS];
};

struct hog_arg {
	struct hog *h;
	int id;
};

static uint64_t hog_word(int id, size_t i, int pass)
{
	return ((uint64_t)id << 56) ^ (i * 0x9e3779b97f4a7c15ull) ^ (uint64_t)pass;
}

static void *hog_main(void *p)
{
	struct hog_arg *a = p;
	struct hog *h = a->h;
	uint64_t *slice = h->base + (size_t)a->id * h->words_per_thread;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < h->words_per_thread; i += 512)   /* one word per 4 KiB page */
			slice[i] = hog_word(a->id, i, pass);
		barrier_wait(&h->filled);
		for (size_t i = 0; i < h->words_per_thread; i += 512)
			h->bad[a->id] += slice[i] != hog_word(a->id, i, pass);
		barrier_wait(&h->filled);
	}
	return NULL;
}

static int hog_mode(long mb)
{
	static struct hog h;
	struct hog_arg args[HOG_THREADS];
	pthread_t th[HOG_THREADS];
	long bad = 0;
	char what[96];

	setvbuf(stdout, NULL, _IOLBF, 0);
	h.base = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	h.words_per_thread = ((size_t)mb << 20) / 8 / HOG_THREADS;
	h.filled.n = HOG_THREADS;
	for (int i = 0; i < HOG_THREADS; i++) {
		args[i] = (struct hog_arg){ &h, i };
		pthread_create(&th[i], NULL, hog_main, &args[i]);
	}
	for (int i = 0; i < HOG_THREADS; i++) {
		pthread_join(th[i], NULL);
		bad += h.bad[i];
	}
	snprintf(what, sizeof(what), "every page of %ld MiB written by %d threads read back intact",
		 mb, HOG_THREADS);
	check(what, bad, 0);
	return claims_report(&claims);
}

/* The programs execve_and_posix_spawn_from_threads starts, and --hog. */
static int helper_mode(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--hog"))
		return hog_mode(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--exit"))
		return atoi(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--exec-probe"))
		return getpid() == atoi(argv[2]) && status_threads() == 1 &&
		       task_dir_entries() == 1 ? 0 : 1;
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return helper_mode(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	eight_threads_share_one_address_space();
	futex_answers_as_linux();
	futex_wakes_count_and_match_bitsets();
	futex_wake_op_operates_and_wakes();
	futex_wake_op_is_atomic_against_user_adds();
	shared_futex_wakes_another_process();
	threads_share_cwd_and_descriptors();
	signals_reach_the_right_thread();
	futex_wait_is_interrupted_by_a_handler();
	exit_clears_tid_and_robust_futexes();
	exit_group_and_faults_end_every_thread();
	execve_and_posix_spawn_from_threads();
	return claims_report(&claims);
}
