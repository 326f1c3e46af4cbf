/*
 * gthreads: a POSIX-threads program built with the host's glibc (static,
 * gcc -pthread), so that the guest runs glibc's own pthread_create (clone3
 * first, as glibc 2.34+ does), its futex-based mutexes, condition
 * variables and barriers, thread-local storage and pthread_join (on the
 * kernel's CLONE_CHILD_CLEARTID). One claim per line ("gthreads: CLAIM:
 * ok" or "... FAILED: got X, want Y"), then "gthreads: N passed, M
 * failed"; exits 0 when none failed.
 */
#define _GNU_SOURCE
#include "claims.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_THREADS 4
#define INCREMENTS 2000
#define PING_PONGS 50

static struct claims claims = { "gthreads", 0, 0 };
#define check(what, got, want) claims_check(&claims, what, got, want)

static __thread long tls_counter;

struct shared {
	pthread_mutex_t lock;
	pthread_cond_t turn_changed;
	pthread_barrier_t barrier;
	long counter;
	int turn;                   /* whose turn in the ping-pong: 0 or 1 */
	long tls_ok, tids_distinct;
	pid_t tids[NR_THREADS];
};

struct arg {
	struct shared *s;
	int id;
};

/* Counts under the mutex and in its own thread-local counter. */
static void *counter_main(void *p)
{
	struct arg *a = p;
	struct shared *s = a->s;

	s->tids[a->id] = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&s->barrier);
	for (int i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&s->lock);
		s->counter++;
		pthread_mutex_unlock(&s->lock);
		tls_counter++;
	}
	pthread_mutex_lock(&s->lock);
	s->tls_ok += tls_counter == INCREMENTS;
	pthread_mutex_unlock(&s->lock);
	return (void *)(long)a->id;
}

/* Two threads take turns through a condition variable. */
static void *ping_pong_main(void *p)
{
	struct arg *a = p;
	struct shared *s = a->s;

	for (int i = 0; i < PING_PONGS; i++) {
		pthread_mutex_lock(&s->lock);
		while (s->turn != a->id)
			pthread_cond_wait(&s->turn_changed, &s->lock);
		s->turn = !a->id;
		s->counter++;
		pthread_cond_broadcast(&s->turn_changed);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

int main(void)
{
	static struct shared s;
	struct arg args[NR_THREADS];
	pthread_t th[NR_THREADS];
	long joined_ids = 0, created = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.turn_changed, NULL);
	pthread_barrier_init(&s.barrier, NULL, NR_THREADS);
	for (int i = 0; i < NR_THREADS; i++) {
		args[i] = (struct arg){ &s, i };
		created += pthread_create(&th[i], NULL, counter_main, &args[i]) == 0;
	}
	check("glibc's pthread_create started 4 threads", created, NR_THREADS);
	for (int i = 0; i < NR_THREADS; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		joined_ids += (long)ret;
	}
	check("pthread_join returned every thread's value", joined_ids, 0 + 1 + 2 + 3);
	check("4 threads x 2000 increments under a mutex", s.counter, NR_THREADS * INCREMENTS);
	check("every thread saw its own thread-local counter", s.tls_ok, NR_THREADS);
	s.tids_distinct = 1;
	for (int i = 0; i < NR_THREADS; i++) {
		s.tids_distinct &= s.tids[i] != getpid();
		for (int j = 0; j < i; j++)
			s.tids_distinct &= s.tids[i] != s.tids[j];
	}
	check("every thread had its own tid", s.tids_distinct, 1);
	s.counter = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, ping_pong_main, &args[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	check("a condition variable passed the turn 100 times", s.counter, 2 * PING_PONGS);
	return claims_report(&claims);
}
