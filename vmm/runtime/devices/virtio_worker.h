/*
 * virtio_worker.h: the transport's side of its worker thread, shared only
 * by virtio_mmio.c and virtio_worker.c (devices use virtio_mmio.h).
 */
#ifndef VMM_VIRTIO_WORKER_H
#define VMM_VIRTIO_WORKER_H

#include "virtio_mmio.h"

/* Starts the thread. Returns 0 or a negative errno. */
int virtio_worker_start(struct virtio_mmio *t);
/* Stops it between two chains and joins it; nothing if never started. */
void virtio_worker_stop(struct virtio_mmio *t);

/* With t->lock held: */
/* Records that the driver notified queue q and wakes the worker. */
void virtio_worker_notify(struct virtio_mmio *t, unsigned q);
/* Takes a hold and waits (dropping t->lock) until no chain is in flight. */
void virtio_worker_hold_locked(struct virtio_mmio *t);
void virtio_worker_release_locked(struct virtio_mmio *t);

#endif
