/*
 * stores.c: reclaim's swap and file stores for host tests (stores.h).
 * State is the caller's struct host_stores, passed as ctx.
 */
#include "stores.h"

static bool swap_present(void *ctx)
{
	const struct host_stores *s = ctx;

	return s->swap_on;
}

static bool swap_has_room(void *ctx)
{
	const struct host_stores *s = ctx;

	return s->swap_on && swapdev_has_room(&s->d);
}

static uint64_t swap_copy_slot(void *ctx, const struct page *p)
{
	(void)ctx;
	return swapdev_cache_slot(p);
}

static void swap_drop_copy(void *ctx, struct page *p)
{
	struct host_stores *s = ctx;

	if (s->swap_on)
		swapdev_cache_del(&s->d, p);
}

static void swap_write(void *ctx, struct page **pages, unsigned n)
{
	struct host_stores *s = ctx;

	swapdev_write(&s->d, pages, n);
}

static int swap_entry_dup(void *ctx, uint64_t slot)
{
	struct host_stores *s = ctx;

	return swap_slots_dup(&s->d.slots, slot) ? -MM_ERANGE : 0;
}

/* An evicted anonymous page: out of the cache, off the lists, freed. */
static bool swap_evicted(void *ctx, struct page *p, uint32_t shadow)
{
	struct host_stores *s = ctx;

	swapdev_evicted(&s->d, p, shadow);
	vmscan_page_freed(s->vs, p);
	p->flags &= ~PG_ANON;
	s->anon_freed++;
	buddy_free_pages(s->b, p, 0);
	return true;
}

const struct vmscan_store_ops host_swap_store_ops = {
	.present = swap_present, .has_room = swap_has_room, .copy_slot = swap_copy_slot,
	.drop_copy = swap_drop_copy, .write = swap_write, .entry_dup = swap_entry_dup,
	.evicted = swap_evicted,
};

/* An evicted page-cache page: a shadow in its slot, freed (the file keeps
 * the data); with file_keeps, back on the file list instead (false). */
static bool file_evicted(void *ctx, struct page *p, uint32_t shadow)
{
	struct host_stores *s = ctx;

	if (s->file_keeps) {
		vmscan_file_added(s->vs, p, p->user.inode, p->user.index, 0);
		return false;
	}
	pagecache_evict(s->file_cache(p->user.inode), p->user.index, buddy_page_to_pfn(s->b, p),
			shadow);
	p->flags &= ~PG_FILE;
	buddy_free_pages(s->b, p, 0);
	return true;
}

const struct vmscan_store_ops host_file_store_ops = { .evicted = file_evicted };

int host_stores_init(struct host_stores *s, struct buddy *b, struct page *descs,
		     uint64_t ram_pages, struct vmscan *vs, bool swap_on,
		     const struct host_swap_mem *mem,
		     struct pagecache *(*file_cache)(struct inode *ino))
{
	return host_stores_init_nodes(s, b, descs, ram_pages, NULL, vs, swap_on, mem, file_cache);
}

int host_stores_init_nodes(struct host_stores *s, struct buddy *b, struct page *descs,
			   uint64_t ram_pages, const struct buddy_nodes *nodes, struct vmscan *vs,
			   bool swap_on, const struct host_swap_mem *mem,
			   struct pagecache *(*file_cache)(struct inode *ino))
{
	int err = buddy_init(b, descs, 0, ram_pages, 0);

	if (err)
		return err;
	buddy_set_min_free_kbytes(b, 0);
	err = nodes ? buddy_set_nodes(b, nodes) : 0;
	if (err)
		return err;
	err = buddy_add_free_range(b, 1, ram_pages);
	if (err)
		return err;
	*s = (struct host_stores){ .swap_on = swap_on, .b = b, .vs = vs, .file_cache = file_cache,
				   .disk = { .data = mem->disk, .nr_slots = mem->nr_slots } };
	s->io = (struct swapdev_io){ .rw = ramdisk_rw, .ctx = &s->disk };
	return swap_on ? swapdev_init(&s->d, b, &s->io, mem->map, mem->entries, mem->nr_slots) : 0;
}

void host_stores_table(struct host_stores *s, struct vmscan_store store[NR_LRU])
{
	store[LRU_ANON] = (struct vmscan_store){ &host_swap_store_ops, s };
	store[LRU_FILE] = (struct vmscan_store){ &host_file_store_ops, s };
}
