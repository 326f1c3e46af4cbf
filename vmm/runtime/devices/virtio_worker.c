/*
 * virtio_worker.c: the thread that serves a virtio-mmio transport's queues
 * (see virtio_mmio.h, "Work" and "Holds").
 *
 * Invariants, all under t->lock: `busy` is true exactly while a process
 * call runs; the worker starts one only when no hold is taken and stop is
 * not set; `pending` keeps a queue's bit until a process call found it
 * empty without a hold in the way, so no notify is lost to a hold or a
 * full batch. `idle` is broadcast whenever busy goes false.
 */
#include "virtio_worker.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

/* With t->lock held: the next pending queue after the last one served. */
static unsigned next_pending(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		unsigned q = (w->next_q + i) % VIRTIO_MMIO_MAX_QUEUES;
		if (w->pending & (1u << q))
			return q;
	}
	mv_err("%s: no queue pending", __func__);
	abort();
}

static bool worker_may_run(const struct virtio_worker *w)
{
	return w->stop || (w->pending && !w->holds);
}

/* With t->lock held: serves one batch of one queue, dropping the lock for
 * the process call. */
static void serve_batch(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	unsigned q = next_pending(t);
	w->pending &= ~(1u << q);
	w->next_q = (q + 1) % VIRTIO_MMIO_MAX_QUEUES;
	w->busy = true;
	pthread_mutex_unlock(&t->lock);
	bool more = t->ops->process(t, q, VIRTIO_MMIO_BATCH);
	pthread_mutex_lock(&t->lock);
	w->busy = false;
	if (more || w->holds) /* cut short: come back to it */
		w->pending |= 1u << q;
	pthread_cond_broadcast(&w->idle);
}

static void *worker_thread(void *arg)
{
	struct virtio_mmio *t = arg;
	struct virtio_worker *w = &t->worker;
	char name[16];
	snprintf(name, sizeof(name), "virtio-%s", t->ops->name);
	pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!worker_may_run(w))
			pthread_cond_wait(&w->wake, &t->lock);
		if (w->stop)
			break;
		serve_batch(t);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int virtio_worker_start(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->idle, NULL);
	int rc = pthread_create(&w->thread, NULL, worker_thread, t);
	w->started = rc == 0;
	if (rc) {
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->idle);
	}
	return -rc;
}

void virtio_worker_stop(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	if (!w->started)
		return;
	pthread_mutex_lock(&t->lock);
	w->stop = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&t->lock);
	pthread_join(w->thread, NULL);
	w->started = false;
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->idle);
}

void virtio_worker_notify(struct virtio_mmio *t, unsigned q)
{
	t->worker.pending |= 1u << q;
	pthread_cond_signal(&t->worker.wake);
}

void virtio_worker_hold_locked(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	w->holds++;
	while (w->busy)
		pthread_cond_wait(&w->idle, &t->lock);
}

void virtio_worker_release_locked(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	if (w->holds == 0) {
		mv_err("%s: not held", __func__);
		abort();
	}
	if (--w->holds == 0)
		pthread_cond_signal(&w->wake);
}

void virtio_mmio_hold(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	virtio_worker_hold_locked(t);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_release(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	virtio_worker_release_locked(t);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_drain(struct virtio_mmio *t)
{
	struct virtio_worker *w = &t->worker;
	pthread_mutex_lock(&t->lock);
	while (w->busy || (w->pending && !w->holds && w->started))
		pthread_cond_wait(&w->idle, &t->lock);
	pthread_mutex_unlock(&t->lock);
}
