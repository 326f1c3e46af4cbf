/*
 * lazy.c: demand paging of a restored guest's RAM through userfaultfd
 * (see lazy.h for who fills a page and why the bitmaps say what they say).
 */
#include "lazy.h"
#include "restore.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PREFETCH_RUN 64 /* pages per prefetch copy */

static bool bit(const uint8_t *map, uint64_t p)
{
	return (__atomic_load_n(&map[p / 8], __ATOMIC_ACQUIRE) >> (p % 8)) & 1;
}

static void mark_filled(struct lazy_restore *l, int slot, uint64_t p, uint64_t n)
{
	for (uint64_t k = p; k < p + n; k++)
		__atomic_fetch_or(&l->filled[slot][k / 8], (uint8_t)(1u << (k % 8)), __ATOMIC_RELEASE);
}

static void count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static const struct mem_slot *slot_of_hva(const struct lazy_restore *l, uint64_t hva, int *idx)
{
	for (int i = 0; i < l->mem->nr_slots; i++) {
		const struct mem_slot *s = &l->mem->slots[i];
		if (hva >= (uintptr_t)s->hva && hva - (uintptr_t)s->hva < s->size) {
			*idx = i;
			return s;
		}
	}
	return NULL;
}

static void wake(const struct lazy_restore *l, uint64_t start, uint64_t len)
{
	struct uffdio_range r = { .start = start, .len = len };
	ioctl(l->uffd, UFFDIO_WAKE, &r);
}

/* With fill_lock: [p, p+n) copied from the file; see copy_from_file. */
static long copy_locked(struct lazy_restore *l, int i, uint64_t p, uint64_t n, uint8_t *buf)
{
	uint64_t todo = 0;
	while (todo < n && !bit(l->filled[i], p + todo)) /* a discard may have marked some */
		todo++;
	if (!todo)
		return -EEXIST;
	int rc = restore_read_pages(l->file_fd, &l->img->ram[i], p, todo, buf);
	if (rc < 0)
		return rc;
	struct uffdio_copy c = { .dst = (uintptr_t)l->mem->slots[i].hva + (p << 12),
				 .src = (uintptr_t)buf, .len = todo << 12 };
	if (ioctl(l->uffd, UFFDIO_COPY, &c) < 0) {
		int err = errno;
		long done = c.copy > 0 ? (long)(c.copy >> 12) : 0;
		if (!done)
			return -err;
		mark_filled(l, i, p, (uint64_t)done);
		return done;
	}
	mark_filled(l, i, p, todo);
	return (long)todo;
}

/*
 * Fills pages [p, p+n) of slot i from the file with one UFFDIO_COPY
 * (buf holds n pages), under fill_lock so that no discard comes between
 * the check and the copy. Returns the pages filled and marked: n, or
 * fewer when the copy stopped at a page filled (or discarded) already,
 * or -EEXIST when the first page was, or another negative errno.
 */
static long copy_from_file(struct lazy_restore *l, int i, uint64_t p, uint64_t n, uint8_t *buf)
{
	pthread_mutex_lock(&l->fill_lock);
	long rc = copy_locked(l, i, p, n, buf);
	pthread_mutex_unlock(&l->fill_lock);
	return rc;
}

/*
 * The discard hook (memory.h): pages the guest gives away (balloon,
 * free page reporting) read zero afterwards, as without a lazy restore,
 * so they count as filled: a later fault gets a zero page, and neither
 * the fault thread nor the prefetcher copies their saved bytes back.
 */
static void discarded(void *ctx, int slot, uint64_t first, uint64_t n)
{
	struct lazy_restore *l = ctx;
	uint64_t dropped = 0;
	pthread_mutex_lock(&l->fill_lock);
	for (uint64_t p = first; p < first + n; p++)
		dropped += bit(l->img->ram[slot].bits, p) && !bit(l->filled[slot], p);
	mark_filled(l, slot, first, n);
	pthread_mutex_unlock(&l->fill_lock);
	count(&l->c.discarded, dropped);
}

/* The fault at hva: its page from the file the first time, else zero. */
static void resolve_fault(struct lazy_restore *l, uint64_t hva, uint8_t *buf)
{
	int i;
	const struct mem_slot *s = slot_of_hva(l, hva, &i);
	if (!s)
		return;
	uint64_t p = (hva - (uintptr_t)s->hva) >> 12, page = (uintptr_t)s->hva + (p << 12);
	if (bit(l->img->ram[i].bits, p) && !bit(l->filled[i], p)) {
		long rc = copy_from_file(l, i, p, 1, buf);
		if (rc == 1)
			count(&l->c.faulted, 1);
		else if (rc == -EEXIST)
			wake(l, page, 4096); /* the prefetcher got there first */
		else
			mv_err("lazy restore: filling guest page %#llx: %s",
			       (unsigned long long)(s->gpa + (p << 12)), strerror((int)-rc));
		return;
	}
	struct uffdio_zeropage z = { .range = { .start = page, .len = 4096 } };
	if (ioctl(l->uffd, UFFDIO_ZEROPAGE, &z) == 0)
		count(&l->c.zero_faults, 1);
	else if (errno == EEXIST)
		wake(l, page, 4096);
}

/* Reads the fault messages there are; false when the descriptor is gone. */
static bool serve_faults(struct lazy_restore *l, uint8_t *buf)
{
	struct uffd_msg msg[16];
	ssize_t n = read(l->uffd, msg, sizeof(msg));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	for (size_t k = 0; k < (size_t)n / sizeof(msg[0]); k++)
		if (msg[k].event == UFFD_EVENT_PAGEFAULT)
			resolve_fault(l, msg[k].arg.pagefault.address, buf);
	return n > 0;
}

static void *fault_main(void *arg)
{
	struct lazy_restore *l = arg;
	uint8_t *buf = aligned_alloc(4096, 4096);
	pthread_setname_np(pthread_self(), "lazy-fault");
	struct pollfd fds[2] = { { .fd = l->uffd, .events = POLLIN },
				 { .fd = l->stop_pipe[0], .events = POLLIN } };
	while (buf) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if ((fds[0].revents & POLLIN) && !serve_faults(l, buf))
			break;
	}
	free(buf);
	return NULL;
}

/* Saved pages of slot i not filled yet, in runs, then one by one where a
 * run met a page filled meanwhile. */
static void prefetch_slot(struct lazy_restore *l, int i, uint8_t *buf)
{
	const struct save_ram *r = &l->img->ram[i];
	uint64_t n = r->size >> 12;
	for (uint64_t p = 0; p < n && !__atomic_load_n(&l->stop, __ATOMIC_RELAXED);) {
		if (!bit(r->bits, p) || bit(l->filled[i], p)) {
			p++;
			continue;
		}
		uint64_t end = p;
		while (end < n && end - p < PREFETCH_RUN && bit(r->bits, end) && !bit(l->filled[i], end))
			end++;
		long done = copy_from_file(l, i, p, end - p, buf);
		if (done > 0) { /* a run that met a page filled meanwhile stops there */
			count(&l->c.prefetched, (uint64_t)done);
			p += (uint64_t)done;
			continue;
		}
		for (; p < end; p++) /* one page at a time: EEXIST is someone else's fill */
			if (!bit(l->filled[i], p) && copy_from_file(l, i, p, 1, buf) == 1)
				count(&l->c.prefetched, 1);
	}
}

static void unregister_all(struct lazy_restore *l)
{
	for (int i = 0; i < l->mem->nr_slots; i++) {
		struct uffdio_range r = { .start = (uintptr_t)l->mem->slots[i].hva,
					  .len = l->mem->slots[i].size };
		ioctl(l->uffd, UFFDIO_UNREGISTER, &r);
	}
}

static void *prefetch_main(void *arg)
{
	struct lazy_restore *l = arg;
	uint8_t *buf = aligned_alloc(4096, PREFETCH_RUN * 4096);
	pthread_setname_np(pthread_self(), "lazy-prefetch");
	for (int i = 0; buf && i < l->mem->nr_slots; i++)
		prefetch_slot(l, i, buf);
	free(buf);
	if (buf && !__atomic_load_n(&l->stop, __ATOMIC_RELAXED)) {
		unregister_all(l); /* every saved page is in: faults are the kernel's again */
		__atomic_store_n(&l->c.prefetch_done, true, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int open_uffd(struct lazy_restore *l, struct mv_error *err)
{
	l->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (l->uffd < 0)
		return mv_fail_errno(err, "userfaultfd (kernel faults need CAP_SYS_PTRACE or "
				     "vm.unprivileged_userfaultfd=1)");
	struct uffdio_api api = { .api = UFFD_API };
	if (ioctl(l->uffd, UFFDIO_API, &api) < 0)
		return mv_fail_errno(err, "UFFDIO_API");
	for (int i = 0; i < l->mem->nr_slots; i++) {
		struct uffdio_register reg = {
			.range = { .start = (uintptr_t)l->mem->slots[i].hva,
				   .len = l->mem->slots[i].size },
			.mode = UFFDIO_REGISTER_MODE_MISSING };
		if (ioctl(l->uffd, UFFDIO_REGISTER, &reg) < 0)
			return mv_fail_errno(err, "UFFDIO_REGISTER of guest RAM slot %d", i);
	}
	return 0;
}

static int start_threads(struct lazy_restore *l, bool prefetch, struct mv_error *err)
{
	int rc = pthread_create(&l->fault_thread, NULL, fault_main, l);
	if (rc == 0) {
		l->fault_started = true;
		if (prefetch)
			rc = pthread_create(&l->prefetch_thread, NULL, prefetch_main, l);
		l->prefetch_started = prefetch && rc == 0;
	}
	return rc ? mv_fail(err, -rc, "lazy restore threads: %s", strerror(rc)) : 0;
}

int lazy_start(struct lazy_restore *l, struct guest_memory *mem,
	       const struct save_image *img, const char *path, bool prefetch, struct mv_error *err)
{
	memset(l, 0, sizeof(*l));
	l->uffd = l->file_fd = l->stop_pipe[0] = l->stop_pipe[1] = -1;
	l->mem = mem;
	l->img = img;
	if (mem->backing != MEM_BACKING_ANON)
		return mv_fail(err, -ENOTSUP, "--lazy needs anonymous guest RAM (--backing anon)");
	pthread_mutex_init(&l->fill_lock, NULL);
	l->lock_made = true;
	for (int i = 0; i < img->nr_slots; i++) {
		l->c.to_fetch += img->ram[i].saved;
		if (!(l->filled[i] = calloc(1, mem_dirty_bitmap_bytes(&mem->slots[i])))) {
			lazy_stop(l);
			return mv_fail(err, -ENOMEM, "out of memory");
		}
	}
	l->file_fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = l->file_fd < 0 ? mv_fail_errno(err, "%s", path) : 0;
	if (rc == 0 && pipe2(l->stop_pipe, O_CLOEXEC) < 0)
		rc = mv_fail_errno(err, "pipe");
	if (rc == 0)
		rc = open_uffd(l, err);
	if (rc == 0)
		rc = start_threads(l, prefetch, err);
	if (rc < 0)
		lazy_stop(l);
	else
		mem->discard_hook = (struct mem_discard_hook){ .fn = discarded, .ctx = l };
	return rc;
}

void lazy_add_unfilled(struct lazy_restore *l, int slot, uint8_t *map)
{
	const struct save_ram *r = &l->img->ram[slot];
	pthread_mutex_lock(&l->fill_lock);
	for (uint64_t p = 0; p < r->size >> 12; p++)
		if (bit(r->bits, p) && !bit(l->filled[slot], p))
			map[p / 8] |= (uint8_t)(1u << (p % 8));
	pthread_mutex_unlock(&l->fill_lock);
}

void lazy_counters(const struct lazy_restore *l, struct lazy_counters *out)
{
	out->faulted = __atomic_load_n(&l->c.faulted, __ATOMIC_RELAXED);
	out->zero_faults = __atomic_load_n(&l->c.zero_faults, __ATOMIC_RELAXED);
	out->prefetched = __atomic_load_n(&l->c.prefetched, __ATOMIC_RELAXED);
	out->discarded = __atomic_load_n(&l->c.discarded, __ATOMIC_RELAXED);
	out->to_fetch = l->c.to_fetch;
	out->prefetch_done = __atomic_load_n(&l->c.prefetch_done, __ATOMIC_ACQUIRE);
}

void lazy_stop(struct lazy_restore *l)
{
	if (l->mem && l->mem->discard_hook.ctx == l)
		l->mem->discard_hook = (struct mem_discard_hook){ 0 };
	__atomic_store_n(&l->stop, true, __ATOMIC_RELAXED);
	if (l->stop_pipe[1] >= 0 && write(l->stop_pipe[1], "x", 1) < 0)
		mv_debug("lazy restore: stop pipe: %s", strerror(errno));
	if (l->prefetch_started)
		pthread_join(l->prefetch_thread, NULL);
	if (l->fault_started)
		pthread_join(l->fault_thread, NULL);
	l->prefetch_started = l->fault_started = false;
	int fds[] = { l->uffd, l->file_fd, l->stop_pipe[0], l->stop_pipe[1] };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	l->uffd = l->file_fd = l->stop_pipe[0] = l->stop_pipe[1] = -1;
	for (int i = 0; i < MEM_MAX_SLOTS; i++) {
		free(l->filled[i]);
		l->filled[i] = NULL;
	}
	if (l->lock_made)
		pthread_mutex_destroy(&l->fill_lock);
	l->lock_made = false;
}
