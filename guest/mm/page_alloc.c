/*
 * page_alloc.c: the kernel's page allocator front end over mm/buddy.c.
 *
 * One struct buddy (kernel_buddy) spans pfn 0 .. end of RAM; its page
 * descriptor array comes from memblock (buddy initialises it lazily, per
 * max-order block, so no per-page work happens at boot). The hand-over
 * gives buddy every free memblock range and retires memblock. The NUMA
 * nodes were found before (numa_init, at boot with the ACPI tables still
 * mapped): memblock's free ranges never cross a node boundary, and buddy
 * gets the same nodes, each with its zones.
 */
#include <page_alloc.h>
#include <memblock.h>
#include <cmdline.h>
#include <printk.h>
#include <buddy.h>
#include <kmalloc.h>
#include <numa.h>

struct buddy kernel_buddy; /* exported to the host through mv_info */
static bool pa_ready;

bool page_alloc_ready(void)
{
	return pa_ready;
}

struct buddy *page_alloc_buddy(void)
{
	return &kernel_buddy;
}

unsigned long page_alloc_nr_free(void)
{
	return buddy_nr_free_pages(&kernel_buddy) + buddy_nr_pcp_pages(&kernel_buddy);
}

static void buddy_setup(void)
{
	uint64_t last_pfn = memblock_end_of_ram() >> MM_PAGE_SHIFT;
	size_t size = buddy_page_array_size(0, last_pfn);
	phys_addr_t pages = memblock_alloc(size, MM_PAGE_SIZE);

	if (!pages)
		panic("buddy_setup: no memory for %zu bytes of page descriptors", size);
	long kb = kparams.mm_min_free_kbytes;
	struct buddy_nodes nodes;
	int err = buddy_init(&kernel_buddy, mm_phys_to_virt(pages), 0, last_pfn,
			     kb > 0 ? (uint64_t)kb : 0);
	if (err)
		panic("buddy_setup: buddy_init failed (%d)", err);
	numa_to_buddy_nodes(&numa_layout, &nodes);
	if ((err = buddy_set_nodes(&kernel_buddy, &nodes)))
		panic("buddy_setup: buddy_set_nodes refused %u nodes (%d)", nodes.nr, err);
	if (kb == 0)
		buddy_set_min_free_kbytes(&kernel_buddy, 0);
	pr_info("page_alloc: %llu page descriptors (%zu KiB) at 0x%llx\n",
		(unsigned long long)last_pfn, size >> 10, (unsigned long long)pages);
}

static void hand_range(phys_addr_t start, phys_addr_t end, void *arg)
{
	unsigned long *handed = arg;
	int err = buddy_add_free_range(&kernel_buddy, start >> MM_PAGE_SHIFT,
				       end >> MM_PAGE_SHIFT);

	if (err)
		panic("hand_range: buddy refused [0x%llx-0x%llx) (%d)",
		      (unsigned long long)start, (unsigned long long)end, err);
	*handed += (end - start) >> MM_PAGE_SHIFT;
}

/* slub_debug= decides the debug flags of every cache made from here on. */
static void slab_debug_setup(void)
{
	if (!kparams.slub_debug)
		return;
	if (slab_set_debug_spec(kparams.slub_debug))
		pr_warn("slub_debug=%s does not fit; slab debugging stays off\n", kparams.slub_debug);
	else if (!*kparams.slub_debug)
		pr_info("slab: debugging as slub_debug asks: every check (FZPU) on every cache\n");
	else
		pr_info("slab: debugging as slub_debug=%s asks\n", kparams.slub_debug);
}

void page_alloc_handover(void)
{
	unsigned long handed = 0;

	buddy_setup();
	memblock_for_each_free(hand_range, &handed);
	memblock_retire();
	pa_ready = true;
	slab_debug_setup();
	if (kmalloc_init(&kernel_buddy))
		panic("page_alloc_handover: no memory for the kmalloc caches");
	unsigned long total = memblock_phys_mem_size() >> MM_PAGE_SHIFT;
	pr_info("Memory: %lu pages (%lu KiB) handed to the page allocator, %lu pages reserved, %lu pages RAM\n",
		handed, handed << 2, total - handed, total);
}

static unsigned gfp_of(unsigned flags)
{
	return ((flags & PAGE_ALLOC_NORECLAIM) ? BUDDY_GFP_NOWAKE : BUDDY_GFP_KERNEL) |
	       ((flags & PAGE_ALLOC_ZERO) ? BUDDY_GFP_ZERO : 0) |
	       ((flags & PAGE_ALLOC_THISNODE) ? BUDDY_GFP_THISNODE : 0) |
	       ((flags & PAGE_ALLOC_INTERLEAVE) ? BUDDY_GFP_INTERLEAVE : 0);
}

static phys_addr_t alloc_gfp(unsigned order, unsigned gfp)
{
	struct page *p = buddy_alloc_pages(&kernel_buddy, gfp, order);

	return p ? buddy_page_to_phys(&kernel_buddy, p) : 0;
}

phys_addr_t page_alloc(unsigned order, unsigned flags)
{
	return alloc_gfp(order, gfp_of(flags));
}

phys_addr_t page_alloc_node(unsigned order, unsigned flags, unsigned node)
{
	return alloc_gfp(order, gfp_of(flags) | BUDDY_GFP_NODE(node));
}

int page_to_nid(phys_addr_t pa)
{
	uint64_t pfn = pa >> MM_PAGE_SHIFT;

	return buddy_pfn_valid(&kernel_buddy, pfn) ? (int)buddy_pfn_node(&kernel_buddy, pfn) : -1;
}

void page_free(phys_addr_t pa, unsigned order)
{
	uint64_t pfn = pa >> MM_PAGE_SHIFT;

	if (!buddy_pfn_valid(&kernel_buddy, pfn))
		panic("page_free: 0x%llx is not RAM", (unsigned long long)pa);
	buddy_free_pages(&kernel_buddy, buddy_pfn_to_page(&kernel_buddy, pfn), order);
}
