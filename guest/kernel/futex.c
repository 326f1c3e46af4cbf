/*
 * futex.c: futex(2) (FUTEX_WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE,
 * CMP_REQUEUE, WAKE_OP, with FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME),
 * set_robust_list and get_robust_list, and the exit-time work on robust
 * lists and clear_child_tid (futex.h).
 *
 * Keys: (mm, address) for a private futex or a word in a private mapping;
 * (file, offset) for a word in a shared file mapping; (0, physical
 * address) for one in a shared anonymous mapping. Private and shared keys
 * of one private word are the same key here (Linux tells them apart; a
 * wake reaching both is a spurious wakeup, which futex users allow).
 * Limit: a shared anonymous page that is swapped out and back while a
 * waiter sleeps comes back at another address, and a wake then misses it.
 *
 * A waiter lives on its sleeping task's stack, in its bucket until a wake
 * takes it out (woken) or it leaves by itself (timeout, signal). The
 * check of the user word and the queueing happen with no sleep between,
 * so a wake after the user's store cannot be lost. Timeouts have the
 * tick's resolution (time.h) and every clock is the one boot clock, as
 * clock_gettime's.
 *
 * Other operations (the PI ones, WAIT_REQUEUE_PI) are ENOSYS.
 */
#include <futex.h>
#include <syscall.h>
#include <thread.h>
#include <uvm.h>
#include <uaccess.h>
#include <time.h>
#include <errno.h>
#include <uapi.h>

#define FUTEX_WAIT          0
#define FUTEX_WAKE          1
#define FUTEX_REQUEUE       3
#define FUTEX_CMP_REQUEUE   4
#define FUTEX_WAKE_OP       5
#define FUTEX_WAIT_BITSET   9
#define FUTEX_WAKE_BITSET   10
#define FUTEX_PRIVATE_FLAG  128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK      (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

#define FUTEX_WAITERS      0x80000000u
#define FUTEX_OWNER_DIED   0x40000000u
#define FUTEX_TID_MASK     0x3fffffffu
#define ROBUST_LIST_LIMIT  2048          /* Linux's bound on a robust list walk */

#define MAX_WAIT_TICKS ((~0ul >> 1) / 2 - 1)

struct futex_table kernel_futexes;

struct futex_key {
	uintptr_t space;        /* the mm, the file, or 0 (physical) */
	uint64_t addr;          /* user address, file offset or physical address */
};

struct futex_waiter {
	struct list_head node;  /* on its bucket until woken or gone */
	struct futex_key key;
	struct task *task;
	uint32_t bitset;
	bool woken;
};

/* struct robust_list_head as set_robust_list passes it. */
struct robust_list_head {
	uint64_t next;          /* first entry; the list ends at the head itself */
	int64_t futex_offset;   /* from an entry to its futex word */
	uint64_t list_op_pending;
};

void futex_table_init(struct futex_table *ft)
{
	for (int i = 0; i < FUTEX_HASH_BUCKETS; i++)
		list_init(&ft->bucket[i]);
}

static struct list_head *bucket_of(struct futex_table *ft, const struct futex_key *k)
{
	uint64_t h = ((uint64_t)k->space ^ (k->addr >> 2)) * 0x9e3779b97f4a7c15ull;

	return &ft->bucket[h >> 58];     /* the top 6 bits: 64 buckets */
}

static bool key_equal(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* The key of a word in the shared area v of mm: its file offset, or its frame. */
static long shared_key(struct mm *mm, const struct vma *v, uint64_t uaddr,
		       struct futex_key *k)
{
	struct pt_mapping m;
	uint32_t word;

	if (v->file) {
		*k = (struct futex_key){ (uintptr_t)v->file, v->pgoff + (uaddr - v->start) };
		return 0;
	}
	if (copy_from_user(&word, uaddr, sizeof(word)) || pt_lookup(&mm->pt, uaddr, &m))
		return -EFAULT;                 /* the read faulted the frame in */
	*k = (struct futex_key){ 0, m.pa + (uaddr - m.va) };
	return 0;
}

/* The key of t's word uaddr. 0, -EINVAL (misaligned) or -EFAULT. */
static long get_key(struct task *t, uint64_t uaddr, bool private, struct futex_key *k)
{
	struct mm *mm = t->mm;
	const struct vma *v;

	if (uaddr & 3)
		return -EINVAL;
	if (!mm || !access_ok(uaddr, sizeof(uint32_t)))
		return -EFAULT;
	v = private ? NULL : vma_lookup(&mm->vmas, uaddr);
	if (!private && !v)
		return -EFAULT;
	if (v && (v->flags & VMA_SHARED))
		return shared_key(mm, v, uaddr, k);
	*k = (struct futex_key){ (uintptr_t)mm, uaddr };
	return 0;
}

/* Takes w off its queue and makes its task runnable. */
static void wake_waiter(struct futex_waiter *w)
{
	list_del(&w->node);
	w->woken = true;
	wake_up_process(w->task);
}

/* Wakes up to max(n, 1) waiters on k meeting bitset; returns how many. */
static long wake_key(struct futex_table *ft, const struct futex_key *k, int n, uint32_t bitset)
{
	struct list_head *head = bucket_of(ft, k), *pos, *tmp;
	long woken = 0;

	list_for_each_safe(pos, tmp, head) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, node);
		if (!key_equal(&w->key, k) || !(w->bitset & bitset))
			continue;
		wake_waiter(w);
		if (++woken >= n)
			break;
	}
	return woken;
}

long futex_wake_addr(struct futex_table *ft, struct task *t, uint64_t uaddr, bool private,
		     int n, uint32_t bitset)
{
	struct futex_key k;
	long err = get_key(t, uaddr, private, &k);

	return err ? err : wake_key(ft, &k, n, bitset);
}

/* Sleeps as waiter w until woken, the deadline (jiffies, 0: none) or a signal. */
static long wait_queued(struct futex_waiter *w, unsigned long deadline)
{
	struct wait_queue wq = WAIT_QUEUE_INIT(wq);

	while (!w->woken) {
		if (signal_pending(current))
			return deadline ? -EINTR : -ERESTARTSYS;
		if (deadline && (long)(jiffies - deadline) >= 0)
			return -ETIMEDOUT;
		if (deadline)
			sleep_until(deadline);
		else
			sleep_on(&wq);
	}
	return 0;
}

/* FUTEX_WAIT(_BITSET): sleeps while *uaddr == val. 0 when woken, -EAGAIN,
 * -ETIMEDOUT, -EINTR / -ERESTARTSYS, -EINVAL, -EFAULT. */
static long futex_wait(struct futex_table *ft, uint64_t uaddr, bool private, uint32_t val,
		       unsigned long deadline, uint32_t bitset)
{
	struct futex_waiter w = { .task = current, .bitset = bitset };
	uint32_t cur;
	long err;

	if (!bitset)
		return -EINVAL;
	err = get_key(current, uaddr, private, &w.key);
	if (err)
		return err;
	if (copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	list_add_tail(&w.node, bucket_of(ft, &w.key));
	err = wait_queued(&w, deadline);
	if (!w.woken)
		list_del(&w.node);
	return w.woken ? 0 : err;
}

/*
 * FUTEX_(CMP_)REQUEUE: wakes up to nr_wake waiters of uaddr, moves up to
 * nr_requeue others to uaddr2; with @cmp, only while *uaddr == cmpval
 * (else -EAGAIN). Returns how many were woken or moved.
 */
static long futex_requeue(struct futex_table *ft, uint64_t uaddr, uint64_t uaddr2, bool private,
			  int nr_wake, int nr_requeue, bool cmp, uint32_t cmpval)
{
	struct futex_key k1, k2;
	struct list_head *pos, *tmp;
	long done = 0, err;
	uint32_t cur;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	err = get_key(current, uaddr, private, &k1) ?: get_key(current, uaddr2, private, &k2);
	if (err)
		return err;
	if (cmp && copy_from_user(&cur, uaddr, sizeof(cur)))
		return -EFAULT;
	if (cmp && cur != cmpval)
		return -EAGAIN;
	list_for_each_safe(pos, tmp, bucket_of(ft, &k1)) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, node);
		if (!key_equal(&w->key, &k1))
			continue;
		if (done >= (long)nr_wake + nr_requeue)
			break;
		if (done++ < nr_wake) {
			wake_waiter(w);
			continue;
		}
		list_del(&w->node);
		w->key = k2;
		list_add_tail(&w->node, bucket_of(ft, &k2));
	}
	return done;
}

/* FUTEX_WAKE_OP's encoded operation (Linux's FUTEX_OP): op, cmp, two 12-bit arguments. */
enum { FUTEX_OP_SET, FUTEX_OP_ADD, FUTEX_OP_OR, FUTEX_OP_ANDN, FUTEX_OP_XOR };
enum { FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_NE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_LE, FUTEX_OP_CMP_GT,
       FUTEX_OP_CMP_GE };
#define FUTEX_OP_OPARG_SHIFT (1u << 31)   /* oparg is a shift count: 1 << oparg */

/* The 12-bit field at shift of encoded, sign-extended. */
static int32_t op_field(uint32_t encoded, unsigned shift)
{
	int32_t v = (int32_t)((encoded >> shift) & 0xfff);

	return v >= 0x800 ? v - 0x1000 : v;
}

/* The new value of a word holding old under op with oparg; false for an unknown op. */
static bool op_apply(unsigned op, uint32_t old, uint32_t oparg, uint32_t *new)
{
	switch (op) {
	case FUTEX_OP_SET: *new = oparg; return true;
	case FUTEX_OP_ADD: *new = old + oparg; return true;
	case FUTEX_OP_OR: *new = old | oparg; return true;
	case FUTEX_OP_ANDN: *new = old & ~oparg; return true;
	case FUTEX_OP_XOR: *new = old ^ oparg; return true;
	default: return false;
	}
}

/* old compared with cmparg (signed) by cmp: 1 or 0, -ENOSYS for an unknown cmp. */
static long op_compare(unsigned cmp, int32_t old, int32_t cmparg)
{
	switch (cmp) {
	case FUTEX_OP_CMP_EQ: return old == cmparg;
	case FUTEX_OP_CMP_NE: return old != cmparg;
	case FUTEX_OP_CMP_LT: return old < cmparg;
	case FUTEX_OP_CMP_LE: return old <= cmparg;
	case FUTEX_OP_CMP_GT: return old > cmparg;
	case FUTEX_OP_CMP_GE: return old >= cmparg;
	default: return -ENOSYS;
	}
}

/*
 * Linux's futex_atomic_op_inuser: applies encoded's operation to the word
 * at uaddr atomically (a compare-exchange loop: user threads on other
 * CPUs may change the word at any moment) and compares its old value.
 * Returns 1 or 0 (the comparison), -EFAULT, or -ENOSYS for an unknown
 * operation (nothing written) or comparison (written).
 */
static long atomic_op(uint64_t uaddr, uint32_t encoded)
{
	unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int32_t oparg = op_field(encoded, 12), cmparg = op_field(encoded, 0);
	uint32_t old, new;

	if (encoded & FUTEX_OP_OPARG_SHIFT)
		oparg = (int32_t)(1u << (oparg & 31));  /* Linux warns and masks a bad shift */
	if (copy_from_user(&old, uaddr, sizeof(old)))
		return -EFAULT;
	for (;;) {
		uint32_t found;
		if (!op_apply(op, old, (uint32_t)oparg, &new))
			return -ENOSYS;
		if (cmpxchg_user_u32(uaddr, old, new, &found))
			return -EFAULT;
		if (found == old)
			break;
		old = found;
	}
	return op_compare(cmp, (int32_t)old, cmparg);
}

/*
 * FUTEX_WAKE_OP: the operation on *uaddr2, then up to nr_wake waiters of
 * uaddr woken, and up to nr_wake2 of uaddr2 when the comparison of its old
 * value held. Returns how many were woken, or the operation's error.
 */
static long futex_wake_op(struct futex_table *ft, uint64_t uaddr, uint64_t uaddr2, bool private,
			  int nr_wake, int nr_wake2, uint32_t encoded)
{
	struct futex_key k1, k2;
	long err = get_key(current, uaddr, private, &k1) ?: get_key(current, uaddr2, private, &k2);

	if (err)
		return err;
	long cmp = atomic_op(uaddr2, encoded);
	if (cmp < 0)
		return cmp;
	long woken = wake_key(ft, &k1, nr_wake, FUTEX_BITSET_MATCH_ANY);
	return woken + (cmp ? wake_key(ft, &k2, nr_wake2, FUTEX_BITSET_MATCH_ANY) : 0);
}

/* The jiffies deadline of user timespec uts, relative or absolute on the
 * boot clock; *deadline 0 when uts is NULL. 0, -EFAULT or -EINVAL. */
static long timeout_deadline(uint64_t uts, bool absolute, unsigned long *deadline)
{
	struct linux_timespec ts;
	uint64_t ns, now;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	ns = (uint64_t)ts.tv_sec >= ~0ull / NSEC_PER_SEC ? ~0ull
	     : (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	now = time_now_ns(&boot_clock);
	if (absolute)
		ns = ns > now ? ns - now : 0;
	uint64_t ticks = ns / TICK_NSEC + (ns % TICK_NSEC != 0);
	*deadline = jiffies + (ticks > MAX_WAIT_TICKS ? MAX_WAIT_TICKS : ticks);
	if (!*deadline)
		*deadline = 1;              /* 0 means "no timeout" */
	return 0;
}

/* futex(u32 *uaddr, int op, u32 val, const struct timespec *timeout or
 * u32 val2, u32 *uaddr2, u32 val3) */
SYS_DECL(futex)
{
	int op = (int)a1, cmd = op & FUTEX_CMD_MASK;
	bool private = op & FUTEX_PRIVATE_FLAG;
	uint32_t val = (uint32_t)a2, val3 = (uint32_t)a5;
	unsigned long deadline;
	long err;

	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = timeout_deadline(a3, cmd == FUTEX_WAIT_BITSET, &deadline);
		if (err)
			return err;
		return futex_wait(&kernel_futexes, a0, private, val, deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !val3)
			return -EINVAL;
		return futex_wake_addr(&kernel_futexes, current, a0, private, (int)val,
				       cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(&kernel_futexes, a0, a4, private, (int)val, (int)a3,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(&kernel_futexes, a0, a4, private, (int)val, (int)a3, val3);
	default:
		return -ENOSYS;
	}
}

/* set_robust_list(struct robust_list_head *head, size_t len) */
SYS_DECL(set_robust_list)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (a1 != sizeof(struct robust_list_head))
		return -EINVAL;
	current->robust_list = a0;
	current->robust_len = a1;
	return 0;
}

/* get_robust_list(int pid, struct robust_list_head **head, size_t *len):
 * pid 0 is the caller; another task's when it exists (ESRCH). */
SYS_DECL(get_robust_list)
{
	int pid = (int)a0;
	struct task *t = pid ? task_find(pid) : current;
	uint64_t len;

	(void)a3, (void)a4, (void)a5;
	if (pid < 0 || !t || !t->mm)
		return -ESRCH;
	len = sizeof(struct robust_list_head);
	if (copy_to_user(a2, &len, sizeof(len)) || copy_to_user(a1, &t->robust_list, sizeof(uint64_t)))
		return -EFAULT;
	return 0;
}

/* Linux's handle_futex_death: the lock word at uaddr held by t gets
 * OWNER_DIED (keeping WAITERS, set by a waiter on another CPU meanwhile
 * too: a compare-exchange) and a waiter is woken. */
static void futex_death(struct task *t, uint64_t uaddr)
{
	uint32_t word, found;

	if ((uaddr & 3) || copy_from_user(&word, uaddr, sizeof(word)))
		return;
	for (;; word = found) {
		if ((word & FUTEX_TID_MASK) != (uint32_t)t->pid)
			return;
		uint32_t next = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		if (cmpxchg_user_u32(uaddr, word, next, &found))
			return;
		if (found == word)
			break;
	}
	if (word & FUTEX_WAITERS)
		futex_wake_addr(&kernel_futexes, t, uaddr, false, 1, FUTEX_BITSET_MATCH_ANY);
}

/* Walks t's robust list (at most ROBUST_LIST_LIMIT entries, as Linux),
 * then the entry whose operation was pending. Bit 0 of a link marks a PI
 * futex and is masked off. */
static void exit_robust_list(struct task *t)
{
	struct robust_list_head head;
	uint64_t entry, pending;

	if (copy_from_user(&head, t->robust_list, sizeof(head)))
		return;
	entry = head.next & ~1ull;
	pending = head.list_op_pending & ~1ull;
	for (int n = 0; entry != t->robust_list && n < ROBUST_LIST_LIMIT; n++) {
		uint64_t next;
		if (copy_from_user(&next, entry, sizeof(next)))
			return;
		if (entry != pending)
			futex_death(t, entry + (uint64_t)head.futex_offset);
		entry = next & ~1ull;
	}
	if (pending)
		futex_death(t, pending + (uint64_t)head.futex_offset);
}

void futex_exit_release(struct task *t)
{
	uint32_t zero = 0;

	if (!t->mm)
		return;
	if (t->robust_list)
		exit_robust_list(t);
	t->robust_list = 0;
	if (t->clear_child_tid && t->mm->users > 1 &&
	    !copy_to_user(t->clear_child_tid, &zero, sizeof(zero)))
		futex_wake_addr(&kernel_futexes, t, t->clear_child_tid, false, 1,
				FUTEX_BITSET_MATCH_ANY);
	t->clear_child_tid = 0;
}
