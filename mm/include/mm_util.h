/*
 * mm_util.h: small helpers shared inside mm/ (intrusive lists, alignment,
 * min/max, container_of, branch hints). Header-only, freestanding.
 *
 * A list_head is a circular doubly linked list; an empty head points at
 * itself. list_del leaves the entry pointing at itself, so list_empty() on a
 * removed entry is true.
 */
#ifndef MM_UTIL_H
#define MM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define MM_ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define MM_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MM_IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define MM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define MM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define MM_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* A fast path's rare branch: kept out of line, so the fast path needs no
 * frame or saved registers of its own (Linux's __cold/noinline). */
#define MM_SLOWPATH __attribute__((noinline))
/* Linux's OPTIMIZER_HIDE_VAR: the compiler keeps var in a register as it
 * is, instead of recomputing a pointer from its parts at every use. */
#define MM_HIDE_VAR(var) __asm__("" : "+r"(var))

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct list_head {
	struct list_head *next, *prev;
};

/*
 * MM_DEBUG_LIST=1 (Linux's CONFIG_DEBUG_LIST) checks every insertion and
 * removal against its neighbours: an entry freed or reused while a list
 * still holds it panics at the first list operation that meets it.
 */
#if defined(MM_DEBUG_LIST) && MM_DEBUG_LIST
#include "mm_port.h"   /* mm_panic */
#define MM_LIST_CHECK(cond, what, e, a, b)                                          \
	do {                                                                        \
		if (__builtin_expect(!(cond), 0))                                   \
			mm_panic("list corruption: %s %p (%p, %p) at %s:%d", what,  \
				 (const void *)(e), (const void *)(a),              \
				 (const void *)(b), __FILE__, __LINE__);            \
	} while (0)
#else
#define MM_LIST_CHECK(cond, what, e, a, b) do { } while (0)
#endif

static inline void list_init(struct list_head *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_head *h) { return h->next == h; }

static inline void list_insert_between(struct list_head *e, struct list_head *prev,
				       struct list_head *next)
{
	MM_LIST_CHECK(prev->next == next && next->prev == prev, "add between unlinked", e,
		      prev, next);
	MM_LIST_CHECK(e != prev && e != next, "add of an entry already there", e, prev, next);
	e->prev = prev;
	e->next = next;
	prev->next = e;
	next->prev = e;
}
static inline void list_add(struct list_head *e, struct list_head *head)
{
	list_insert_between(e, head, head->next);
}
static inline void list_add_tail(struct list_head *e, struct list_head *head)
{
	list_insert_between(e, head->prev, head);
}
static inline void list_del(struct list_head *e)
{
	MM_LIST_CHECK(e->prev->next == e && e->next->prev == e, "del of an entry its neighbours lost",
		      e, e->prev, e->next);
	e->prev->next = e->next;
	e->next->prev = e->prev;
	list_init(e);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif
