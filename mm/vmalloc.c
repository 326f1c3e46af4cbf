/*
 * vmalloc.c: areas of the vmalloc range (see vmalloc.h).
 * Invariants: areas are sorted and disjoint, each with its guard page
 * (va + nr_pages pages) unmapped and inside [start, end); every mapped page
 * of an area is a PG_VMALLOC buddy page; nr_pages sums the areas.
 * Area descriptors come from kmalloc.
 */
#include "vmalloc.h"
#include "kmalloc.h"

struct vmalloc_space vmalloc_global;

int vmalloc_init(struct vmalloc_space *vs, struct pt_space *pt, struct buddy *b,
		 uint64_t start, uint64_t size)
{
	if (!size || !MM_IS_ALIGNED(start | size, MM_PAGE_SIZE) || start + size < start)
		return -MM_EINVAL;
	vs->lock = (mm_spinlock_t)MM_SPINLOCK_INIT;
	vs->pt = pt;
	vs->buddy = b;
	vs->start = start;
	vs->end = start + size;
	list_init(&vs->areas);
	vs->nr_areas = vs->nr_pages = 0;
	return 0;
}

/* Inserts a, finding the first gap for it and its guard page. Under lock. */
static bool reserve_range(struct vmalloc_space *vs, struct vmalloc_area *a)
{
	uint64_t need = (a->nr_pages + 1) * MM_PAGE_SIZE, va = vs->start;
	struct list_head *pos;

	list_for_each(pos, &vs->areas) {
		struct vmalloc_area *o = list_entry(pos, struct vmalloc_area, list);
		if (va + need <= o->va)
			break;
		va = o->va + (o->nr_pages + 1) * MM_PAGE_SIZE;
	}
	if (need > vs->end - va)
		return false;
	a->va = va;
	list_insert_between(&a->list, pos->prev, pos);
	vs->nr_areas++;
	return true;
}

/* Unmaps the first n pages of a and frees their frames. */
static void release_pages(struct vmalloc_space *vs, struct vmalloc_area *a, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct pt_mapping m;
		uint64_t va = a->va + i * MM_PAGE_SIZE;

		mm_spin_lock(&vs->lock);
		MM_BUG_ON(pt_lookup(vs->pt, va, &m));
		MM_BUG_ON(pt_unmap(vs->pt, va, MM_PAGE_SIZE));
		vs->nr_pages--;
		mm_spin_unlock(&vs->lock);
		struct page *p = buddy_pfn_to_page(vs->buddy, m.pa >> MM_PAGE_SHIFT);
		MM_BUG_ON(!(p->flags & PG_VMALLOC));
		p->flags &= ~PG_VMALLOC;
		buddy_free_pages(vs->buddy, p, 0);
	}
}

/* Backs page i of a with a fresh frame. Returns 0 or -MM_ENOMEM. */
static int map_one(struct vmalloc_space *vs, struct vmalloc_area *a, uint64_t i, unsigned gfp)
{
	struct page *p = buddy_alloc_pages(vs->buddy, gfp, 0);
	int err;

	if (!p)
		return -MM_ENOMEM;
	p->flags |= PG_VMALLOC;
	p->private = a->va;
	mm_spin_lock(&vs->lock);
	err = pt_map(vs->pt, a->va + i * MM_PAGE_SIZE, buddy_page_to_phys(vs->buddy, p),
		     MM_PAGE_SIZE, VMALLOC_PTE_FLAGS, PT_SHIFT_4K);
	if (!err)
		vs->nr_pages++;
	mm_spin_unlock(&vs->lock);
	if (err) {
		p->flags &= ~PG_VMALLOC;
		buddy_free_pages(vs->buddy, p, 0);
	}
	return err;
}

static void unreserve(struct vmalloc_space *vs, struct vmalloc_area *a)
{
	mm_spin_lock(&vs->lock);
	list_del(&a->list);
	vs->nr_areas--;
	mm_spin_unlock(&vs->lock);
	kfree(a);
}

void *vmalloc_alloc(struct vmalloc_space *vs, size_t size, unsigned gfp)
{
	return vmalloc_alloc_from(vs, size, gfp, __builtin_return_address(0));
}

void *vmalloc_alloc_from(struct vmalloc_space *vs, size_t size, unsigned gfp,
			 const void *caller)
{
	struct vmalloc_area *a;
	bool ok;

	if (!size || size > vs->end - vs->start)
		return NULL;
	a = kmalloc(sizeof(*a), gfp & ~BUDDY_GFP_ZERO);
	if (!a)
		return NULL;
	a->nr_pages = MM_ALIGN_UP((uint64_t)size, MM_PAGE_SIZE) / MM_PAGE_SIZE;
	a->caller = caller;
	mm_spin_lock(&vs->lock);
	ok = reserve_range(vs, a);
	mm_spin_unlock(&vs->lock);
	if (!ok) {
		kfree(a);
		return NULL;
	}
	for (uint64_t i = 0; i < a->nr_pages; i++) {
		if (map_one(vs, a, i, gfp)) {
			release_pages(vs, a, i);
			unreserve(vs, a);
			return NULL;
		}
	}
	return (void *)(uintptr_t)a->va;
}

/* The area starting at va, or NULL. Under lock. */
static struct vmalloc_area *find_area(struct vmalloc_space *vs, uint64_t va)
{
	struct list_head *pos;

	list_for_each(pos, &vs->areas) {
		struct vmalloc_area *a = list_entry(pos, struct vmalloc_area, list);
		if (a->va == va)
			return a;
	}
	return NULL;
}

int vmalloc_free(struct vmalloc_space *vs, const void *addr)
{
	struct vmalloc_area *a;

	mm_spin_lock(&vs->lock);
	a = find_area(vs, (uint64_t)(uintptr_t)addr);
	mm_spin_unlock(&vs->lock);
	if (!a) {
		mm_log("vmalloc: vfree of %p: not an area start\n", addr);
		return -MM_EINVAL;
	}
	release_pages(vs, a, a->nr_pages);
	unreserve(vs, a);
	return 0;
}

void vmalloc_for_each(struct vmalloc_space *vs,
		      void (*fn)(const struct vmalloc_area *a, void *arg), void *arg)
{
	struct list_head *pos;

	mm_spin_lock(&vs->lock);
	list_for_each(pos, &vs->areas)
		fn(list_entry(pos, struct vmalloc_area, list), arg);
	mm_spin_unlock(&vs->lock);
}

void *vmalloc(size_t size)
{
	return vmalloc_alloc_from(&vmalloc_global, size, BUDDY_GFP_KERNEL,
				  __builtin_return_address(0));
}

void vfree(const void *addr)
{
	if (addr)
		vmalloc_free(&vmalloc_global, addr);
}
