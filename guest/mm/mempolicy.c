/*
 * mempolicy.c: per-task NUMA memory policies (mempolicy.h): the two system
 * calls that set and read them, and the frame allocator that follows them
 * for user memory. Node masks are Linux's: an array of unsigned longs of
 * maxnode - 1 bits (Linux's get_nodes), of which this kernel keeps 64.
 */
#include <mempolicy.h>
#include <page_alloc.h>
#include <numa.h>
#include <sched.h>
#include <syscall.h>
#include <uaccess.h>
#include <uvm.h>
#include <errno.h>
#include <smp.h>
#include <percpu.h>
#include <printk.h>
#include <stdbool.h>

#define MASK_BITS      64
#define MAXNODE_LIMIT  4096         /* bits of a user node mask we read, at most */

static uint64_t online_nodes(void)
{
	return (1ull << numa_layout.nr) - 1;
}

static unsigned local_node(void)
{
	return numa_cpu_node(&numa_layout, this_cpu()->cpu);
}

/* Reads Linux's node mask: maxnode - 1 bits at uptr (none for NULL or
 * maxnode <= 1). Bits past 63 must be clear. 0, -EINVAL or -EFAULT. */
static long read_nodemask(uint64_t uptr, unsigned long maxnode, uint64_t *out)
{
	unsigned long bits = maxnode ? maxnode - 1 : 0;
	uint64_t word;

	*out = 0;
	if (!uptr || !bits)
		return 0;
	if (bits > MAXNODE_LIMIT)
		return -EINVAL;
	for (unsigned long w = 0; w * MASK_BITS < bits; w++) {
		if (copy_from_user(&word, uptr + w * 8, 8))
			return -EFAULT;
		if (bits - w * MASK_BITS < MASK_BITS)
			word &= (1ull << (bits - w * MASK_BITS)) - 1;
		if (w == 0)
			*out = word;
		else if (word)
			return -EINVAL;
	}
	return 0;
}

/* Writes nodes as a mask of maxnode - 1 bits at uptr. 0, -EINVAL or -EFAULT. */
static long write_nodemask(uint64_t uptr, unsigned long maxnode, uint64_t nodes)
{
	unsigned long bits = maxnode ? maxnode - 1 : 0;
	uint64_t zero = 0;

	if (!uptr)
		return 0;
	if (bits < numa_layout.nr || bits > MAXNODE_LIMIT)
		return -EINVAL;
	for (unsigned long w = 0; w * MASK_BITS < bits; w++)
		if (copy_to_user(uptr + w * 8, w ? &zero : &nodes, 8))
			return -EFAULT;
	return 0;
}

/* The policy mode with nodes; -EINVAL for a combination Linux refuses. */
static long policy_make(int mode, uint16_t flags, uint64_t nodes, struct mempolicy *out)
{
	*out = (struct mempolicy){ .mode = (uint8_t)mode, .flags = flags };
	if (mode == MPOL_DEFAULT || mode == MPOL_LOCAL) {
		if (nodes || flags)
			return -EINVAL;
		out->mode = mode == MPOL_LOCAL ? MPOL_LOCAL : MPOL_DEFAULT;
		return 0;
	}
	nodes &= online_nodes();
	if (!nodes)
		return -EINVAL;
	out->nodes = mode == MPOL_PREFERRED ? nodes & -nodes : nodes;
	out->il_next = (uint8_t)__builtin_ctzll(nodes);
	return 0;
}

/* A system call's mode word: the mode and its mode flags (Linux's
 * sanitize_mpol_flags). 0 or -EINVAL. */
static long parse_mode(unsigned long word, int *mode, uint16_t *flags)
{
	*flags = (uint16_t)((unsigned)word & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES));
	*mode = (int)word & ~(MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES);
	if (*mode < 0 || *mode >= MPOL_MAX ||
	    *flags == (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	return 0;
}

/* The mode word and node mask a system call passes, read in Linux's order
 * (mode, then mask). 0, -EINVAL or -EFAULT. */
static long args_from_user(unsigned long word, uint64_t uptr, unsigned long maxnode, int *mode,
			   uint16_t *flags, uint64_t *nodes)
{
	long err = parse_mode(word, mode, flags);

	return err ? err : read_nodemask(uptr, maxnode, nodes);
}

/* set_mempolicy(mode, nodemask, maxnode) */
long sys_set_mempolicy(unsigned long a0, unsigned long a1, unsigned long a2,
		       unsigned long a3, unsigned long a4, unsigned long a5)
{
	(void)a3, (void)a4, (void)a5;
	struct mempolicy pol;
	uint64_t nodes;
	uint16_t flags;
	int mode;
	long err = args_from_user(a0, a1, a2, &mode, &flags, &nodes);

	if (!err && !(err = policy_make(mode, flags, nodes, &pol)))
		current->mempolicy = pol;
	return err;
}

/* Whether a page on node nid is where pol wants it (Linux's
 * queue_folio_required: the node is in the policy's mask). */
static bool page_placed(const struct mempolicy *pol, int nid)
{
	if (pol->mode == MPOL_DEFAULT || pol->mode == MPOL_LOCAL)
		return true;
	return nid >= 0 && nid < MASK_BITS && (pol->nodes & (1ull << nid));
}

/* Whether the page mapped at va (if any) is off pol's nodes. */
static bool misplaced_at(struct mm *mm, const struct mempolicy *pol, uint64_t va)
{
	struct pt_mapping m;

	return !pt_lookup(&mm->pt, va, &m) && !page_placed(pol, page_to_nid(m.pa));
}

/*
 * The pages of [start, end) off pol's nodes: with move, each moved where
 * its area's policy (pol, just set) places it when it can be (a private
 * anonymous page mapped only here, uvm_move_page). Returns the pages left
 * off pol's nodes.
 */
static uint64_t place_range(struct mm *mm, const struct mempolicy *pol, uint64_t start,
			    uint64_t end, bool move)
{
	uint64_t left = 0;

	for (uint64_t va = start; va < end; va += MM_PAGE_SIZE) {
		if (!misplaced_at(mm, pol, va))
			continue;
		if (move && !uvm_move_page(mm, vma_lookup(&mm->vmas, va), va) &&
		    !misplaced_at(mm, pol, va))
			continue;
		left++;
	}
	return left;
}

/*
 * mbind(start, len, mode, nodemask, maxnode, flags), Linux's do_mbind: the
 * policy goes on every area of [start, start + len), split at the edges
 * (MPOL_DEFAULT takes an area's policy away: the task's applies again).
 * With MPOL_MF_MOVE (or MPOL_MF_MOVE_ALL, here the same) each page of
 * the range on a node the policy leaves out is moved to a frame the policy
 * places, when it is a private anonymous page mapped only by this process
 * (Linux's MOVE); a shared page, a page-cache page, a locked one or one
 * with a copy in the swap cache stays (MOVE_ALL does not move pages other
 * processes map either). With MPOL_MF_STRICT a page left off the policy's
 * nodes is -EIO; the policy is set all the same (Linux 6.x). Errors:
 * -EINVAL (flags, unaligned start, wrapping range, mode or mask), -EFAULT
 * (a hole in the range, a bad mask pointer), -ENOMEM (the area array
 * cannot grow), -EIO.
 */
long sys_mbind(unsigned long a0, unsigned long a1, unsigned long a2,
	       unsigned long a3, unsigned long a4, unsigned long a5)
{
	struct mm *mm = current->mm;
	uint64_t start = a0, end = start + ((a1 + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1));
	unsigned long flags = a5;
	struct mempolicy pol;
	uint64_t nodes;
	uint16_t mflags;
	int mode;
	long err = args_from_user(a2, a3, a4, &mode, &mflags, &nodes);

	if (err)
		return err;
	if ((flags & ~(unsigned long)MPOL_MF_VALID) || (start & (MM_PAGE_SIZE - 1)) || end < start)
		return -EINVAL;
	if (mode == MPOL_DEFAULT)
		flags &= ~(unsigned long)MPOL_MF_STRICT;
	if (end == start)
		return 0;
	if ((err = policy_make(mode, mflags, nodes, &pol)))
		return err;
	if (!mm || !vma_range_covered(&mm->vmas, start, end))
		return -EFAULT;
	pol.il_next = 0;                /* an area interleaves by page offset */
	if (vma_set_policy(&mm->vmas, start, end, &pol))
		return -ENOMEM;
	if (!(flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)))
		return 0;
	uint64_t left = place_range(mm, &pol, start, end,
				    flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL));
	return left && (flags & MPOL_MF_STRICT) ? -EIO : 0;
}

/* The node of the page mapped at addr in current's space, faulting it in
 * (a read) when it is not; -EFAULT when addr is in no area. */
static long node_of_addr(uint64_t addr)
{
	struct mm *mm = current->mm;
	const struct vma *v = mm ? vma_find(&mm->vmas, addr) : NULL;
	struct pt_mapping m;

	if (!v || v->start > addr)
		return -EFAULT;
	if (pt_lookup(&mm->pt, addr, &m) &&
	    (uvm_fault(mm, addr, 0) > UVM_FAULT_MAJOR || pt_lookup(&mm->pt, addr, &m)))
		return -EFAULT;
	int nid = page_to_nid(m.pa + (addr & ((1ull << m.shift) - 1) & ~(MM_PAGE_SIZE - 1)));
	return nid < 0 ? -EFAULT : nid;
}

/* The policy get_mempolicy reports: with MPOL_F_ADDR the area's at addr
 * (-EFAULT outside every area), none (MPOL_DEFAULT) when the area has
 * none, as Linux's __get_vma_policy; else current's. */
static long policy_at(unsigned long flags, uint64_t addr, struct mempolicy *out)
{
	const struct vma *v;

	*out = current->mempolicy;
	if (!(flags & MPOL_F_ADDR))
		return 0;
	v = current->mm ? vma_lookup(&current->mm->vmas, addr) : NULL;
	if (!v)
		return -EFAULT;
	*out = v->policy;
	return 0;
}

/* What get_mempolicy puts in *mode, by its flags; negative errno. */
static long policy_word(unsigned long flags, uint64_t addr, const struct mempolicy *pol)
{
	if (flags & MPOL_F_ADDR) {
		long nid = node_of_addr(addr);
		if (nid < 0 || (flags & MPOL_F_NODE))
			return nid;
		return pol->mode | pol->flags;
	}
	if (flags & MPOL_F_NODE)
		return pol->mode == MPOL_INTERLEAVE ? pol->il_next : -EINVAL;
	return pol->mode | pol->flags;
}

/* get_mempolicy(mode, nodemask, maxnode, addr, flags) */
long sys_get_mempolicy(unsigned long a0, unsigned long a1, unsigned long a2,
		       unsigned long a3, unsigned long a4, unsigned long a5)
{
	(void)a5;
	struct mempolicy pol;
	long word = 0, err;

	if (a4 & ~(unsigned long)(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	if (a4 & MPOL_F_MEMS_ALLOWED) {
		if (a4 & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
		pol = (struct mempolicy){ .nodes = online_nodes() };
	} else if (!(a4 & MPOL_F_ADDR) && a3) {
		return -EINVAL;
	} else if ((err = policy_at(a4, a3, &pol)) < 0 ||
		   (word = policy_word(a4, a3, &pol)) < 0) {
		return err < 0 ? err : word;
	}
	int w = (int)word;
	if (a0 && copy_to_user(a0, &w, sizeof(w)))
		return -EFAULT;
	return write_nodemask(a1, a2, pol.nodes);
}

/* The first node of nodes at or after from, wrapping; nodes is not empty. */
static unsigned next_node_in(uint64_t nodes, unsigned from)
{
	uint64_t after = from < MASK_BITS ? nodes & ~((1ull << from) - 1) : 0;

	return (unsigned)__builtin_ctzll(after ? after : nodes);
}

/* MPOL_BIND: each node of the mask, nearest to this CPU's first (the
 * zonelists' order), and no other. */
static phys_addr_t alloc_bind(const struct mempolicy *pol, unsigned order, unsigned flags)
{
	const struct buddy *b = page_alloc_buddy();
	unsigned local = local_node();

	for (unsigned n = buddy_next_nearest(b, local, BUDDY_NO_NODE); n != BUDDY_NO_NODE;
	     n = buddy_next_nearest(b, local, n)) {
		if (!(pol->nodes & (1ull << n)))
			continue;
		phys_addr_t pa = page_alloc_node(order, flags | PAGE_ALLOC_THISNODE, n);
		if (pa)
			return pa;
	}
	return 0;
}

/* The area's policy when mbind gave it one, else t's (NULL without a task). */
static const struct mempolicy *policy_of(const struct task *t, const struct vma *v)
{
	if (v && v->policy.mode != MPOL_DEFAULT)
		return &v->policy;
	return t ? &t->mempolicy : NULL;
}

/* How many nodes are in nodes (no popcount instruction assumed). */
static unsigned node_weight(uint64_t nodes)
{
	unsigned n = 0;

	for (; nodes; nodes &= nodes - 1)
		n++;
	return n;
}

/* The n-th node of nodes (n below their number), counting from 0. */
static unsigned nth_node(uint64_t nodes, unsigned n)
{
	while (n--)
		nodes &= nodes - 1;
	return (unsigned)__builtin_ctzll(nodes);
}

/* INTERLEAVE's node for the page at va: an area's by the page's offset
 * (Linux's interleave_nid: the same page lands on the same node whatever
 * order the pages fault in), a task's round robin. */
static unsigned interleave_node(struct task *t, const struct vma *v, uint64_t va)
{
	if (v && v->policy.mode == MPOL_INTERLEAVE) {
		uint64_t index = ((v->file ? v->pgoff : v->start) + (va - v->start)) >> MM_PAGE_SHIFT;
		unsigned weight = node_weight(v->policy.nodes);
		return nth_node(v->policy.nodes, (unsigned)(index % weight));
	}
	struct mempolicy *pol = &t->mempolicy;
	unsigned node = next_node_in(pol->nodes, pol->il_next);
	pol->il_next = (uint8_t)next_node_in(pol->nodes, node + 1);
	return node;
}

phys_addr_t mempolicy_alloc(struct task *t, const struct vma *v, uint64_t va, unsigned order,
			    unsigned flags)
{
	const struct mempolicy *pol = policy_of(t, v);

	switch (pol ? pol->mode : MPOL_DEFAULT) {
	case MPOL_PREFERRED:
		return page_alloc_node(order, flags, (unsigned)__builtin_ctzll(pol->nodes));
	case MPOL_BIND:
		return alloc_bind(pol, order, flags);
	case MPOL_INTERLEAVE:
		if (order)              /* page by page: the fault engine falls back to one */
			return 0;
		return page_alloc_node(order, flags | PAGE_ALLOC_INTERLEAVE,
				       interleave_node(t, v, va));
	default:
		return page_alloc(order, flags);
	}
}

phys_addr_t mempolicy_alloc_current(const struct vma *v, uint64_t va, unsigned order,
				    unsigned flags)
{
	return mempolicy_alloc(current, v, va, order, flags);
}

const struct mempolicy *mempolicy_of_area(const struct task *t, const struct vma *v)
{
	return policy_of(t, v);
}

/* Appends nodes as a range list ("0-1,3") after sep; returns the new length. */
static size_t describe_nodes(uint64_t nodes, char sep, char *buf, size_t len, size_t size)
{
	for (unsigned n = 0; n < MASK_BITS && len < size; n++) {
		if (!(nodes & (1ull << n)))
			continue;
		unsigned last = n;
		while (last + 1 < MASK_BITS && (nodes & (1ull << (last + 1))))
			last++;
		len += (size_t)(last > n ? snprintf(buf + len, size - len, "%c%u-%u", sep, n, last)
				: snprintf(buf + len, size - len, "%c%u", sep, n));
		sep = ',';
		n = last;
	}
	return len;
}

/* Writes Linux's mpol_to_str: the mode ("default", "prefer", "bind",
 * "interleave", "local"), "=static" or "=relative" for a mode flag, then
 * ":" and the nodes as a range list ("bind:1", "interleave=static:0-1"). */
void mempolicy_describe(const struct mempolicy *pol, char *buf, size_t size)
{
	static const char *const names[MPOL_MAX] = {
		[MPOL_DEFAULT] = "default", [MPOL_PREFERRED] = "prefer", [MPOL_BIND] = "bind",
		[MPOL_INTERLEAVE] = "interleave", [MPOL_LOCAL] = "local",
	};
	size_t len = (size_t)snprintf(buf, size, "%s", names[pol->mode % MPOL_MAX]);

	if (pol->flags && len < size)
		len += (size_t)snprintf(buf + len, size - len, "=%s",
					(pol->flags & MPOL_F_STATIC_NODES) ? "static" : "relative");
	describe_nodes(pol->nodes, ':', buf, len, size);
}
