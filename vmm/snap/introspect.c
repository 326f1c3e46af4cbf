/*
 * introspect.c: guest kernel state through mv_info (see introspect.h).
 * The mm/ headers give the very layouts the guest was built with; their
 * sizes are checked against mv_info before any of them is trusted.
 */
#include "introspect.h"
#include "buddy.h"
#include "numa.h"
#include "ptwalk.h"
#include "pt.h"
#include "slab.h"
#include "vma.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static Elf *elf_open_image(const void *elf, size_t len)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	Elf *e = elf_memory((char *)(uintptr_t)elf, len);
	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		return NULL;
	}
	return e;
}

static int symtab_lookup(Elf *e, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
			 uint64_t *value)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = d && sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *s;
		if (!gelf_getsym(d, (int)i, &sym))
			break;
		s = elf_strptr(e, sh->sh_link, sym.st_name);
		if (s && !strcmp(s, name)) {
			*value = sym.st_value;
			return 0;
		}
	}
	return -ENOENT;
}

int intro_find_symbol(const void *elf, size_t len, const char *name, uint64_t *value)
{
	Elf *e = elf_open_image(elf, len);
	Elf_Scn *scn = NULL;
	int rc = -ENOENT;
	while (e && rc && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			rc = symtab_lookup(e, scn, &sh, name, value);
	}
	if (e)
		elf_end(e);
	return rc;
}

static size_t note_build_id(Elf_Data *d, uint8_t *id, size_t max)
{
	GElf_Nhdr nh;
	size_t off = 0, next, name_off, desc_off;
	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		off = next;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp((char *)d->d_buf + name_off, "GNU", 4)) {
			size_t n = nh.n_descsz < max ? nh.n_descsz : max;
			memcpy(id, (char *)d->d_buf + desc_off, n);
			return n;
		}
	}
	return 0;
}

size_t intro_build_id(const void *elf, size_t len, uint8_t *id, size_t max)
{
	Elf *e = elf_open_image(elf, len);
	Elf_Scn *scn = NULL;
	size_t n = 0;
	while (e && !n && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE && (d = elf_getdata(scn, NULL)))
			n = note_build_id(d, id, max);
	}
	if (e)
		elf_end(e);
	return n;
}

int intro_read(const struct intro *in, uint64_t gva, void *dst, size_t len)
{
	return ptw_read(in->m, in->cr3, in->la57, gva, dst, len);
}

static int check_layout(const struct mv_info *i, struct mv_error *err)
{
	static const struct { const char *what; size_t ours; size_t off; } sizes[] = {
		{ "struct page", sizeof(struct page), offsetof(struct mv_info, sizeof_page) },
		{ "struct buddy", sizeof(struct buddy), offsetof(struct mv_info, sizeof_buddy) },
		{ "struct kmem_cache", sizeof(struct kmem_cache),
		  offsetof(struct mv_info, sizeof_kmem_cache) },
		{ "struct slab_global", sizeof(struct slab_global),
		  offsetof(struct mv_info, sizeof_slab_global) },
		{ "struct vma", sizeof(struct vma), offsetof(struct mv_info, sizeof_vma) },
	};
	if (i->magic != MV_INFO_MAGIC) {
		return mv_fail(err, -EINVAL, "mv_info has magic %#llx, not %#llx: not a memvisor kernel "
			 "or its memory is corrupt", (unsigned long long)i->magic, MV_INFO_MAGIC);
	}
	if (i->version != MV_INFO_VERSION || i->size < sizeof(*i)) {
		return mv_fail(err, -EINVAL, "mv_info layout version %u size %u; this memvisor reads "
			 "version %d size %zu: rebuild the kernel and memvisor together",
			 i->version, i->size, MV_INFO_VERSION, sizeof(*i));
	}
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t theirs;
		memcpy(&theirs, (const char *)i + sizes[k].off, sizeof(theirs));
		if (theirs != sizes[k].ours) {
			return mv_fail(err, -EINVAL, "the guest's %s is %u bytes, memvisor's is %zu: "
				 "rebuild the kernel and memvisor together", sizes[k].what, theirs,
				 sizes[k].ours);
		}
	}
	return 0;
}

int intro_open(struct intro *in, const struct guest_memory *m, uint64_t cr3, bool la57,
	       uint64_t info_gva, struct mv_error *err)
{
	*in = (struct intro){ .m = m, .cr3 = cr3 & PTE_ADDR_MASK, .la57 = la57 };
	if (intro_read(in, info_gva, &in->info, sizeof(in->info)) < 0)
		return mv_fail(err, -EFAULT, "mv_info at %#llx is not mapped by CR3 %#llx",
			       (unsigned long long)info_gva, (unsigned long long)cr3);

	return check_layout(&in->info, err);
}

/* Physical address of a kernel-image virtual address, from the ELF. */
static int elf_va_to_pa(const void *elf, size_t len, uint64_t va, uint64_t size, uint64_t *pa)
{
	Elf *e = elf_open_image(elf, len);
	size_t n = 0;
	int rc = -1;
	if (e && elf_getphdrnum(e, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n && rc; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && va >= ph.p_vaddr &&
		    va - ph.p_vaddr <= ph.p_memsz && size <= ph.p_memsz - (va - ph.p_vaddr)) {
			*pa = ph.p_paddr + (va - ph.p_vaddr);
			rc = 0;
		}
	}
	if (e)
		elf_end(e);
	return rc;
}

int intro_open_kernel(struct intro *in, const struct guest_memory *m, const void *elf,
		      size_t len, struct mv_error *err)
{
	uint64_t va, pa, pt_pa;
	struct pt_space pt;
	*in = (struct intro){ .m = m };
	if (intro_find_symbol(elf, len, "mv_info", &va) < 0 ||
	    elf_va_to_pa(elf, len, va, sizeof(in->info), &pa) < 0)
		return mv_fail(err, -ENOENT, "the kernel has no mv_info symbol in a loaded segment");
	if (mem_read(m, pa, &in->info, sizeof(in->info)) < 0)
		return mv_fail(err, -EFAULT, "mv_info at %#llx is not in guest RAM",
			       (unsigned long long)pa);
	int rc = check_layout(&in->info, err);
	if (rc < 0)
		return rc;
	if (elf_va_to_pa(elf, len, in->info.kernel_pt, sizeof(pt), &pt_pa) < 0 ||
	    mem_read(m, pt_pa, &pt, sizeof(pt)) < 0 || !pt.root ||
	    !mem_gpa_to_hva(m, pt.root, 4096))
		return mv_fail(err, -EAGAIN, "the kernel's page tables are not set up yet");
	in->cr3 = pt.root;
	return 0;
}

int intro_kernel_root(const struct intro *in, uint64_t *root_pa)
{
	struct pt_space s;
	if (!in->info.kernel_pt || intro_read(in, in->info.kernel_pt, &s, sizeof(s)) < 0)
		return -EFAULT;
	*root_pa = s.root;
	return 0;
}

static void zone_record(const struct buddy_zone *z, struct snap_zone *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, z->name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = 0;
	out->start_pfn = z->start_pfn;
	out->end_pfn = z->end_pfn;
	out->present = z->present_pages;
	out->managed = z->managed_pages;
	out->free_pages = z->free_pages;
	for (int w = 0; w < 3; w++)
		out->wmark[w] = z->wmark[w];
	for (int o = 0; o < BUDDY_NR_ORDERS && o < SNAP_MAX_ORDERS; o++)
		out->nr_free[o] = z->free_area[o].nr_free;
	out->node = z->node;
	for (int i = 0; i < SNAP_NR_NUMA_STATS; i++)
		out->numa[i] = z->numa_stat[i];
}
_Static_assert(INTRO_MAX_ZONES == BUDDY_NR_ZONES, "room for every zone");
_Static_assert(NUMA_MAX_NODES == BUDDY_MAX_NODES,
	       "the guest keeps every node memvisor run --numa can give it");
_Static_assert((int)SNAP_NR_NUMA_STATS == (int)BUDDY_NR_NUMA_STATS &&
	       (int)SNAP_NUMA_OTHER == (int)BUDDY_NUMA_OTHER &&
	       (int)SNAP_NUMA_MISS == (int)BUDDY_NUMA_MISS,
	       "snap_zone's numa[] is buddy_zone's numa_stat[] in the same order");

int intro_zones(const struct intro *in, struct snap_zone *out, int max)
{
	struct buddy *b = malloc(sizeof(*b));
	int n = 0;
	if (!b || !in->info.buddy || intro_read(in, in->info.buddy, b, sizeof(*b)) < 0) {
		free(b);
		return -EFAULT;
	}
	for (int z = 0; z < BUDDY_NR_ZONES && n < max; z++)
		if (b->zones[z].end_pfn > b->zones[z].start_pfn)
			zone_record(&b->zones[z], &out[n++]);
	free(b);
	return n;
}

static void slab_record(const struct kmem_cache *c, struct snap_slab *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, c->name, sizeof(c->name) < sizeof(out->name) ? sizeof(c->name)
									 : sizeof(out->name));
	out->name[sizeof(out->name) - 1] = 0;
	out->object_size = c->object_size;
	out->size = c->size;
	out->objects_per_slab = c->objects;
	out->order = c->order;
	out->nr_slabs = c->nr_slabs;
	out->nr_free_slabs = c->nr_free_slabs;
	out->active_objs = c->active_objs;
}

int intro_slabs(const struct intro *in, struct snap_slab **out, size_t *n)
{
	uint64_t head = in->info.slab_global + offsetof(struct slab_global, caches);
	struct list_head h;
	struct kmem_cache *c = malloc(sizeof(*c));
	*out = calloc(INTRO_MAX_CACHES, sizeof(**out));
	*n = 0;
	if (!c || !*out || !in->info.slab_global || intro_read(in, head, &h, sizeof(h)) < 0)
		goto fail;
	for (uint64_t next = (uint64_t)(uintptr_t)h.next; next != head; ) {
		if (*n == INTRO_MAX_CACHES ||
		    intro_read(in, next - offsetof(struct kmem_cache, list), c, sizeof(*c)) < 0)
			goto fail; /* a loop or a broken link */
		slab_record(c, &(*out)[(*n)++]);
		next = (uint64_t)(uintptr_t)c->list.next;
	}
	free(c);
	return 0;
fail:
	free(c);
	free(*out);
	*out = NULL;
	return -EFAULT;
}

/* VIRT of the space at mm: its areas' sizes summed, in pages. 0 or -EFAULT. */
static int read_vm_pages(const struct intro *in, uint64_t mm, uint64_t *pages)
{
	struct vma_tree t;
	struct vma v;
	*pages = 0;
	if (intro_read(in, mm + in->info.mm_off_vmas, &t, sizeof(t)) < 0 || t.nr > INTRO_MAX_VMAS)
		return -EFAULT;
	for (uint32_t k = 0; k < t.nr; k++) {
		if (intro_read(in, (uint64_t)(uintptr_t)t.v + k * sizeof(v), &v, sizeof(v)) < 0 ||
		    v.end < v.start)
			return -EFAULT;
		*pages += (v.end - v.start) >> MM_PAGE_SHIFT;
	}
	return 0;
}

/* The address space's figures (page-table root, counters, VIRT). 0 or -EFAULT. */
static int read_task_mm(const struct intro *in, uint64_t mm, struct intro_task *out)
{
	const struct mv_info *i = &in->info;
	if (intro_read(in, mm + i->mm_off_pt_root, &out->root_pa, sizeof(out->root_pa)) < 0 ||
	    intro_read(in, mm + i->mm_off_rss, out->rss, sizeof(out->rss)) < 0)
		return -EFAULT;
	return read_vm_pages(in, mm, &out->vm_pages);
}

static int read_task(const struct intro *in, uint64_t t, struct intro_task *out)
{
	static const char state_letters[] = "RSZ"; /* by enum mv_task_state */
	const struct mv_info *i = &in->info;
	size_t comm = i->task_comm_len < sizeof(out->comm) ? i->task_comm_len : sizeof(out->comm) - 1;
	uint64_t mm = 0;
	uint32_t state = 0;
	memset(out, 0, sizeof(*out));
	if (intro_read(in, t + i->task_off_pid, &out->pid, sizeof(out->pid)) < 0 ||
	    intro_read(in, t + i->task_off_comm, out->comm, comm) < 0 ||
	    intro_read(in, t + i->task_off_state, &state, sizeof(state)) < 0 ||
	    intro_read(in, t + i->task_off_min_flt, &out->min_flt, sizeof(out->min_flt)) < 0 ||
	    intro_read(in, t + i->task_off_maj_flt, &out->maj_flt, sizeof(out->maj_flt)) < 0 ||
	    intro_read(in, t + i->task_off_mm, &mm, sizeof(mm)) < 0)
		return -EFAULT;
	out->comm[sizeof(out->comm) - 1] = 0;
	out->state = '?';
	if (state < sizeof(state_letters) - 1)
		out->state = state_letters[state];
	return mm ? read_task_mm(in, mm, out) : 0;
}

int intro_tasks(const struct intro *in, struct intro_task *out, int max)
{
	const struct mv_info *i = &in->info;
	uint64_t head = i->task_list, link;
	int n = 0;
	if (!head)
		return 0;
	if (intro_read(in, head, &link, sizeof(link)) < 0)
		return -EFAULT;
	while (link != head) {
		if (n == max || n == INTRO_MAX_TASKS)
			return -EFAULT; /* a loop that never comes back to the head */
		if (read_task(in, link - i->task_off_link, &out[n]) < 0 ||
		    intro_read(in, link, &link, sizeof(link)) < 0)
			return -EFAULT;
		n++;
	}
	return n;
}

/* Appends the numa_* counters summed over every zone (what /proc/vmstat
 * prints first) to out[*n...]; nothing when the zones cannot be read. */
static void add_numa_sums(const struct intro *in, struct snap_counter *out, size_t *n)
{
	struct snap_zone z[INTRO_MAX_ZONES];
	int nz = intro_zones(in, z, INTRO_MAX_ZONES);

	if (nz <= 0)
		return;
	for (int k = 0; k < SNAP_NR_NUMA_STATS; k++) {
		struct snap_counter *c = &out[(*n)++];
		snprintf(c->name, sizeof(c->name), "%s", snap_numa_stat_name(k));
		c->value = 0;
		for (int i = 0; i < nz; i++)
			c->value += z[i].numa[k];
	}
}

/* The kernel's named counters (mv_info's vmstat array and names) appended
 * to out[*n...]. 0 or -EFAULT. */
static int add_named_counters(const struct intro *in, struct snap_counter *out, size_t *n)
{
	const struct mv_info *i = &in->info;
	uint64_t *vals = calloc(i->nr_vmstat, sizeof(*vals));
	char *names = calloc(1, (size_t)i->vmstat_names_len + 1);
	int rc = -EFAULT;

	if (vals && names && !intro_read(in, i->vmstat, vals, i->nr_vmstat * sizeof(*vals)) &&
	    !intro_read(in, i->vmstat_names, names, i->vmstat_names_len)) {
		const char *p = names, *end = names + i->vmstat_names_len;
		for (uint32_t k = 0; k < i->nr_vmstat && p < end; k++, p += strlen(p) + 1) {
			snprintf(out[*n].name, sizeof(out[*n].name), "%s", p);
			out[(*n)++].value = vals[k];
		}
		rc = 0;
	}
	free(vals);
	free(names);
	return rc;
}

int intro_vmstat(const struct intro *in, struct snap_counter **out, size_t *n)
{
	const struct mv_info *i = &in->info;
	*out = NULL;
	*n = 0;
	if (!i->vmstat || !i->nr_vmstat)
		return 0;
	if (i->nr_vmstat > 4096 || i->vmstat_names_len > 65536)
		return -EINVAL;
	*out = calloc(SNAP_NR_NUMA_STATS + i->nr_vmstat, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	add_numa_sums(in, *out, n);
	int rc = add_named_counters(in, *out, n);
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

long intro_log_tail(const struct intro *in, char *buf, size_t len)
{
	const struct mv_info *i = &in->info;
	uint64_t total;
	if (!i->printk_log_buf || !i->printk_log_size || i->printk_log_size > (1u << 24) ||
	    intro_read(in, i->printk_log_len, &total, sizeof(total)) < 0 || len == 0)
		return -EFAULT;
	uint64_t size = i->printk_log_size;
	uint64_t have = total < size ? total : size;
	uint64_t want = have < len - 1 ? have : len - 1;
	/* the tail is at most two runs of the ring: to its end, then from 0 */
	uint64_t start = (total - want) % size;
	uint64_t first = want < size - start ? want : size - start;
	if (intro_read(in, i->printk_log_buf + start, buf, first) < 0 ||
	    intro_read(in, i->printk_log_buf, buf + first, want - first) < 0)
		return -EFAULT;
	buf[want] = 0;
	return (long)want;
}
