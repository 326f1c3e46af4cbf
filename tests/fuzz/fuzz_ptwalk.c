/*
 * fuzz_ptwalk.c: the guest page-table walker (vmm/snap/ptwalk.c) over guest RAM
 * the fuzzer writes.
 *
 * Input: the root table's address (8 bytes), a flags byte (bit 0: LA57),
 * a virtual address to translate (8 bytes), then the bytes of guest RAM
 * from address 0 (at most FUZZ_WINDOW, so page 1 onwards can hold tables).
 * Every leaf must be a page of a size x86 has, aligned, canonical, in
 * address order, and translate back to itself.
 */
#include "fuzz.h"
#include "ptwalk.h"

#include <errno.h>

#define FUZZ_WINDOW (64u << 10)

struct walk {
	const struct guest_memory *m;
	uint64_t root;
	bool la57;
	uint64_t next_va;            /* leaves come in ascending va order */
	uint64_t leaves;
};

static bool canonical(uint64_t va, bool la57)
{
	unsigned bits = la57 ? 57 : 48;
	int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);
	return (uint64_t)s == va;
}

static int on_leaf(const struct ptw_leaf *l, void *arg)
{
	struct walk *w = arg;
	struct ptw_leaf t;
	FUZZ_ASSERT(l->shift == 12 || l->shift == 21 || l->shift == 30);
	FUZZ_ASSERT(!(l->va & ((1ull << l->shift) - 1)) && !(l->pa & ((1ull << l->shift) - 1)));
	FUZZ_ASSERT(canonical(l->va, w->la57) && !(l->flags & ~PTW_FLAG_BITS));
	FUZZ_ASSERT(w->leaves == 0 || l->va >= w->next_va);
	w->next_va = l->va + (1ull << l->shift);
	w->leaves++;
	/* Translating the leaf's last byte gives the same leaf (tables are not changing). */
	uint64_t va = l->va + (1ull << l->shift) - 1;
	FUZZ_ASSERT(ptw_translate(w->m, w->root, w->la57, va, &t) == 0);
	FUZZ_ASSERT(t.va == l->va && t.pa == l->pa && t.shift == l->shift);
	return w->leaves < 4096 ? 0 : 1;
}

static void ranges(const struct guest_memory *m, uint64_t root, bool la57)
{
	struct ptw_range *r = NULL;
	size_t n = 0;
	if (ptw_ranges(m, root, la57, &r, &n, NULL) == 0)
		for (size_t i = 1; i < n; i++)
			FUZZ_ASSERT(r[i].va >= r[i - 1].va + r[i - 1].len);
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_memory *m = fuzz_guest_memory();
	struct fuzz_in in = { data, size };
	struct ptw_stats st;
	struct ptw_leaf leaf;
	char flags[64];
	struct walk w = { .m = m };
	w.root = fuzz_take(&in, 8);
	w.la57 = fuzz_take(&in, 1) & 1;
	uint64_t va = fuzz_take(&in, 8);
	size_t n = in.left < FUZZ_WINDOW ? in.left : FUZZ_WINDOW;
	memset(m->base, 0, FUZZ_WINDOW);
	memcpy(m->base, in.p, n);
	ptw_walk(m, w.root, w.la57, on_leaf, &w, &st);
	int rc = ptw_translate(m, w.root, w.la57, va, &leaf);
	FUZZ_ASSERT(rc == 0 || rc == 1 || rc == -EFAULT);
	if (rc == 0) {
		FUZZ_ASSERT(va - leaf.va < (1ull << leaf.shift));
		ptw_flag_string(leaf.flags, flags, sizeof(flags));
	}
	ranges(m, w.root, w.la57);
	return 0;
}
