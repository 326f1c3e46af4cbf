/*
 * snapshot.c: gathers vCPU registers, guest page tables and allocator
 * state (introspect.c) and host residency into notes, and writes them with
 * libelf as an ELF64 core (see snapshot.h and snapfmt.h).
 */
#include "snapshot.h"
#include "guest_layout.h"
#include "introspect.h"
#include "linux_tasks.h"
#include "ptwalk.h"
#include "snapfmt.h"
#include "util.h"
#include "vmcoreinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/procfs.h>
#include <unistd.h>

#define MAX_SPACES 256
#define LOG_TAIL 8192

struct nbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

/* Everything gathered for one snapshot. */
struct snap_ctx {
	struct machine *m;
	struct nbuf notes;
	struct snap_meta meta;
	uint64_t cr3;
	bool la57, paging;
	uint64_t cpu_cr3[VM_MAX_CPUS];   /* each vCPU's CR3, 0: paging off */
	struct intro in;
	bool introspected;
	struct vmcoreinfo *vmcoreinfo;   /* a Linux guest's, or NULL */
	int fd;                          /* the core file being written */
	uint8_t *resident[MEM_MAX_SLOTS]; /* host residency bitmaps */
	int pagemap_fd;
};

static void nb_put(struct nbuf *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	size_t padded = (len + 3) & ~(size_t)3;
	if (b->len + padded > b->cap) {
		size_t cap = (b->len + padded) * 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	memset(b->p + b->len + len, 0, padded - len);
	b->len += padded;
}

/* Appends one note whose descriptor is head followed by body. */
static void note_add(struct nbuf *b, const char *name, uint32_t type, const void *head,
		     size_t head_len, const void *body, size_t body_len)
{
	uint32_t hdr[3] = { (uint32_t)strlen(name) + 1, (uint32_t)(head_len + body_len), type };
	nb_put(b, hdr, sizeof(hdr));
	nb_put(b, name, hdr[0]);
	if (body_len == 0) {
		nb_put(b, head, head_len);
		return;
	}
	uint8_t *joined = malloc(head_len + body_len);
	if (!joined) {
		b->oom = true;
		return;
	}
	memcpy(joined, head, head_len);
	memcpy(joined + head_len, body, body_len);
	nb_put(b, joined, head_len + body_len);
	free(joined);
}

static void mv_note(struct snap_ctx *c, uint32_t type, const void *head, size_t head_len,
		    const void *body, size_t body_len)
{
	note_add(&c->notes, SNAP_NOTE_NAME, type, head, head_len, body, body_len);
}

/* ---- vCPUs ----------------------------------------------------------------- */

static void fill_prstatus(struct elf_prstatus *ps, int id, const struct kvm_regs *r,
			  const struct kvm_sregs *s)
{
	const uint64_t regs[] = {
		r->r15, r->r14, r->r13, r->r12, r->rbp, r->rbx, r->r11, r->r10, r->r9, r->r8,
		r->rax, r->rcx, r->rdx, r->rsi, r->rdi, r->rax /* orig_rax */, r->rip,
		s->cs.selector, r->rflags, r->rsp, s->ss.selector, s->fs.base, s->gs.base,
		s->ds.selector, s->es.selector, s->fs.selector, s->gs.selector,
	};
	memset(ps, 0, sizeof(*ps));
	ps->pr_pid = id + 1;
	memcpy(&ps->pr_reg, regs, sizeof(regs) < sizeof(ps->pr_reg) ? sizeof(regs)
								    : sizeof(ps->pr_reg));
}

static struct snap_segment segment_of(const struct kvm_segment *k)
{
	return (struct snap_segment){ .base = k->base, .limit = k->limit, .selector = k->selector,
				      .type = k->type, .present = k->present, .dpl = k->dpl,
				      .db = k->db, .s = k->s, .l = k->l, .g = k->g, .avl = k->avl,
				      .unusable = k->unusable };
}

/* The system registers of vCPU id and its GDT's bytes, read through its
 * own page tables (none when paging is off or the table is unmapped). */
static void add_cpu_note(struct snap_ctx *c, int id, const struct kvm_sregs *s)
{
	const struct kvm_segment *k[SNAP_NR_SEGS] = { &s->cs, &s->ds, &s->es, &s->fs,
						       &s->gs, &s->ss, &s->tr, &s->ldt };
	struct snap_cpu cpu = { .cpu = (uint32_t)id, .cr0 = s->cr0, .cr2 = s->cr2, .cr3 = s->cr3,
				.cr4 = s->cr4, .efer = s->efer, .gdt_base = s->gdt.base,
				.idt_base = s->idt.base, .gdt_limit = s->gdt.limit,
				.idt_limit = s->idt.limit };
	for (int i = 0; i < SNAP_NR_SEGS; i++)
		cpu.seg[i] = segment_of(k[i]);
	uint32_t want = (uint32_t)s->gdt.limit + 1; /* a 16-bit limit: at most SNAP_GDT_MAX */
	uint8_t *gdt = malloc(want);
	bool paging = s->cr0 & (1u << 31), la57 = s->cr4 & (1u << 12);
	if (gdt && paging &&
	    ptw_read(&c->m->vm.mem, s->cr3 & PTE_ADDR_MASK, la57, s->gdt.base, gdt, want) == 0)
		cpu.gdt_bytes = want;
	mv_note(c, SNAP_NT_CPU, &cpu, sizeof(cpu), gdt, cpu.gdt_bytes);
	free(gdt);
}

static int collect_cpus(struct snap_ctx *c, struct mv_error *err)
{
	struct vm *vm = &c->m->vm;
	for (int i = 0; i < vm->nr_cpus; i++) {
		struct kvm_regs r;
		struct kvm_sregs s;
		struct elf_prstatus ps;
		if (ioctl(vm->vcpus[i].fd, KVM_GET_REGS, &r) < 0 ||
		    ioctl(vm->vcpus[i].fd, KVM_GET_SREGS, &s) < 0) {
			return mv_fail_errno(err, "reading vCPU %d registers", i);
		}
		fill_prstatus(&ps, i, &r, &s);
		note_add(&c->notes, "CORE", NT_PRSTATUS, &ps, sizeof(ps), NULL, 0);
		add_cpu_note(c, i, &s);
		c->cpu_cr3[i] = (s.cr0 & (1u << 31)) ? (s.cr3 & PTE_ADDR_MASK) : 0;
		if (i == 0) {
			c->cr3 = s.cr3;
			c->la57 = s.cr4 & (1u << 12);
			c->paging = s.cr0 & (1u << 31);
		}
	}
	c->meta.nr_cpus = (uint32_t)vm->nr_cpus;
	return 0;
}

/* ---- host residency ------------------------------------------------------- */

/* Slot i's resident pages into c->resident[i]: given (known) or read now.
 * Returns the count or a negative errno. */
static int64_t slot_resident(struct snap_ctx *c, int i, const uint8_t *known)
{
	const struct mem_slot *s = &c->m->vm.mem.slots[i];
	size_t bytes = mem_dirty_bitmap_bytes(s);
	int64_t n = 0;
	if (!(c->resident[i] = calloc(1, bytes)))
		return -ENOMEM;
	if (!known)
		return mem_slot_residency(s, c->resident[i]);
	memcpy(c->resident[i], known, bytes);
	for (size_t k = 0; k < bytes; k++)
		n += __builtin_popcount(known[k]);
	return n;
}

static void collect_host(struct snap_ctx *c, const struct snap_request *r)
{
	struct guest_memory *mem = &c->m->vm.mem;
	for (int i = 0; i < mem->nr_slots; i++) {
		size_t bytes = mem_dirty_bitmap_bytes(&mem->slots[i]);
		int64_t n = slot_resident(c, i, r->resident ? r->resident[i] : NULL);
		struct snap_host h = { .slot = mem->slots[i].id, .pages = mem->slots[i].size >> 12,
				       .resident = n < 0 ? 0 : (uint64_t)n };
		mv_note(c, SNAP_NT_HOST, &h, sizeof(h), c->resident[i], n < 0 ? 0 : bytes);
	}
	c->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

static void collect_dirty(struct snap_ctx *c)
{
	struct guest_memory *mem = &c->m->vm.mem;
	uint8_t *maps[MEM_MAX_SLOTS] = { 0 };
	bool valid = false;
	for (int i = 0; i < mem->nr_slots; i++)
		maps[i] = calloc(1, mem_dirty_bitmap_bytes(&mem->slots[i]));
	int rc = mem_dirty_log(mem, c->m->vm.vm_fd, maps, &valid);
	for (int i = 0; i < mem->nr_slots; i++) {
		size_t bytes = mem_dirty_bitmap_bytes(&mem->slots[i]);
		struct snap_dirty d = { .slot = mem->slots[i].id,
					.valid = rc == 0 && valid && maps[i],
					.pages = mem->slots[i].size >> 12 };
		for (size_t k = 0; d.valid && k < bytes; k++)
			d.dirty += (uint64_t)__builtin_popcount(maps[i][k]);
		mv_note(c, SNAP_NT_DIRTY, &d, sizeof(d), d.valid ? maps[i] : NULL,
			d.valid ? bytes : 0);
		free(maps[i]);
	}
}

static uint64_t range_resident(const struct snap_ctx *c, uint64_t pa, uint64_t len)
{
	const struct guest_memory *mem = &c->m->vm.mem;
	const struct mem_slot *s = mem_slot_of(mem, pa);
	if (!s || !mem_gpa_to_hva(mem, pa, len))
		return 0;
	int idx = (int)(s - mem->slots);
	uint64_t first = (pa - s->gpa) >> 12, n = 0;
	for (uint64_t p = first; p < first + (len >> 12) && c->resident[idx]; p++)
		n += mv_bit(c->resident[idx], p);
	return n;
}

static uint64_t host_physical(const struct snap_ctx *c, uint64_t pa)
{
	const uint8_t *hva = mem_gpa_to_hva(&c->m->vm.mem, pa, 1);
	uint64_t e;
	if (!hva || c->pagemap_fd < 0 ||
	    pread(c->pagemap_fd, &e, 8, (off_t)((uintptr_t)hva / 4096 * 8)) != 8)
		return 0;
	uint64_t pfn = e & ((1ull << 55) - 1);
	return (e >> 63) && pfn ? pfn << 12 : 0; /* present, and PFNs are readable */
}

/* ---- address spaces ------------------------------------------------------- */

static void add_space(struct snap_ctx *c, int32_t pid, const char *comm, uint64_t root,
		      bool user_only)
{
	struct ptw_range *r = NULL;
	struct ptw_stats st;
	size_t n = 0, kept = 0;
	if (ptw_ranges(&c->m->vm.mem, root, c->la57, &r, &n, &st) < 0)
		return;
	struct snap_range *out = calloc(n ? n : 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		if (user_only && r[i].va >= USER_TOP)
			continue;
		out[kept++] = (struct snap_range){ .va = r[i].va, .pa = r[i].pa, .len = r[i].len,
			.flags = r[i].flags, .shift = r[i].shift, .accessed = r[i].accessed,
			.dirty = r[i].dirty, .host_resident = range_resident(c, r[i].pa, r[i].len),
			.hpa = host_physical(c, r[i].pa) };
	}
	struct snap_space sp = { .pid = pid, .nr_ranges = (uint32_t)kept, .root_pa = root,
				 .bad_tables = st.bad_tables, .revisits = st.revisits };
	snprintf(sp.comm, sizeof(sp.comm), "%s", comm);
	memcpy(sp.tables, st.tables, sizeof(sp.tables));
	mv_note(c, SNAP_NT_SPACE, &sp, sizeof(sp), out, kept * sizeof(*out));
	free(out);
	free(r);
}

/* A guest without mv_info (Linux): no task list, so the user half of
 * whatever each vCPU has loaded, one space per vCPU. */
static void add_cpu_spaces(struct snap_ctx *c)
{
	char name[16];
	for (int i = 0; i < c->m->vm.nr_cpus; i++) {
		if (!c->cpu_cr3[i])
			continue;
		snprintf(name, sizeof(name), "cpu%d", i);
		add_space(c, SNAP_CPU_PID(i), name, c->cpu_cr3[i], true);
	}
}

/* A Linux guest's layout (linux_tasks.h) into l: false, with why in the
 * metadata's error, when it has none (no VMCOREINFO, no exports or BTF). */
static bool linux_layout(struct snap_ctx *c, struct linux_layout *l)
{
	struct mv_error err;
	if (c->introspected || !c->vmcoreinfo)
		return false;
	if (linux_layout_read(c->m->kernel, c->m->kernel_len, c->vmcoreinfo->text, l, &err) < 0) {
		snprintf(c->meta.error, sizeof(c->meta.error), "Linux task list: %.100s", err.msg);
		return false;
	}
	return true;
}

/* Linux's processes, each with the root of the tables its user mode runs
 * on: under PTI the user copy of its pgd (linux_tasks.h says why), which
 * is also what a vCPU running it in user mode has in CR3. */
static int linux_guest_tasks(struct snap_ctx *c, const struct linux_layout *l, bool pti,
			     struct intro_task *t, int max)
{
	int n = linux_tasks(&c->m->vm.mem, l, t, max);
	if (n < 0)
		snprintf(c->meta.error, sizeof(c->meta.error),
			 "Linux task list: init_task at %#llx unreadable",
			 (unsigned long long)l->init_task);
	for (int i = 0; i < n; i++)
		if (t[i].root_pa)
			t[i].root_pa = linux_user_pgd(t[i].root_pa, pti);
	return n;
}

/*
 * The kernel's space, each vCPU's (a guest without mv_info) and each
 * process's. The kernel's root: mv_info's, or a Linux guest's init_top_pgt
 * (under PTI a vCPU in user mode holds the user copy, which maps next to
 * nothing of the kernel), or vCPU 0's CR3 for any other guest.
 */
static void collect_spaces(struct snap_ctx *c)
{
	uint64_t root = c->cr3 & PTE_ADDR_MASK;
	struct linux_layout l;
	bool is_linux = false, pti = false;
	if (!c->paging)
		return;
	if (c->introspected) {
		intro_kernel_root(&c->in, &root);
	} else if ((is_linux = linux_layout(c, &l))) {
		root = l.kernel_root;
		pti = linux_pti(&c->m->vm.mem, &l) == 1;
		c->meta.flags |= pti ? SNAP_META_PTI : 0;
	}
	add_space(c, SNAP_KERNEL_PID, "kernel", root, false);
	if (!c->introspected)
		add_cpu_spaces(c);
	struct intro_task *t = calloc(MAX_SPACES, sizeof(*t));
	int n = -1;
	if (t && c->introspected)
		n = intro_tasks(&c->in, t, MAX_SPACES);
	else if (t && is_linux)
		n = linux_guest_tasks(c, &l, pti, t, MAX_SPACES);
	for (int i = 0; i < n; i++)
		if (t[i].root_pa)
			add_space(c, t[i].pid, t[i].comm, t[i].root_pa, true);
	free(t);
}

/* A guest memvisor cannot introspect may be Linux: its VMCOREINFO note,
 * found in the pages the guest touched, goes in as Linux's own note (name
 * "VMCOREINFO", type 0), where crash and drgn look for it in a core. */
static void collect_vmcoreinfo(struct snap_ctx *c)
{
	struct vmcoreinfo *v = malloc(sizeof(*v));
	if (!v || vmcoreinfo_find(&c->m->vm.mem, c->resident, v) < 0) {
		free(v);
		return;
	}
	note_add(&c->notes, VMCOREINFO_NOTE_NAME, VMCOREINFO_NOTE_TYPE, v->text, v->len, NULL, 0);
	c->vmcoreinfo = v;
}

/* ---- allocator state ------------------------------------------------------ */

static void collect_allocators(struct snap_ctx *c)
{
	struct snap_zone z[INTRO_MAX_ZONES];
	int nz = intro_zones(&c->in, z, INTRO_MAX_ZONES);
	if (nz > 0)
		mv_note(c, SNAP_NT_ZONES, z, (size_t)nz * sizeof(z[0]), NULL, 0);
	struct snap_slab *s;
	size_t ns;
	if (intro_slabs(&c->in, &s, &ns) == 0) {
		mv_note(c, SNAP_NT_SLABS, s, ns * sizeof(*s), NULL, 0);
		free(s);
	}
	struct snap_counter *v;
	size_t nv;
	if (intro_vmstat(&c->in, &v, &nv) == 0 && nv) {
		mv_note(c, SNAP_NT_VMSTAT, v, nv * sizeof(*v), NULL, 0);
		free(v);
	}
	char *log = malloc(LOG_TAIL);
	long len = log ? intro_log_tail(&c->in, log, LOG_TAIL) : -1;
	if (len > 0)
		mv_note(c, SNAP_NT_LOG, log, (size_t)len + 1, NULL, 0);
	free(log);
}

static void open_introspection(struct snap_ctx *c)
{
	uint64_t gva;
	struct machine *m = c->m;
	if (!c->paging) {
		snprintf(c->meta.error, sizeof(c->meta.error), "the guest has paging off");
		return;
	}
	if (intro_find_symbol(m->kernel, m->kernel_len, "mv_info", &gva) < 0) {
		snprintf(c->meta.error, sizeof(c->meta.error), "kernel has no mv_info symbol");
		return;
	}
	struct mv_error err;
	if (intro_open(&c->in, &m->vm.mem, c->cr3, c->la57, gva, &err) < 0) {
		snprintf(c->meta.error, sizeof(c->meta.error), "%.*s", (int)sizeof(c->meta.error) - 1,
			 err.msg);
		return;
	}
	c->introspected = true;
	c->meta.flags |= SNAP_META_INTROSPECTED;

}

/* ---- the core file ---------------------------------------------------------- */

struct core_layout {
	int nr_phdr;
	uint64_t notes_off, shoff;
	uint64_t slot_off[MEM_MAX_SLOTS];
};

/* PT_LOADs of the kernel image, to alias at their link addresses. */
static int kernel_loads(const struct machine *m, GElf_Phdr *out, int max)
{
	Elf *e = elf_memory((char *)(uintptr_t)m->kernel, m->kernel_len);
	size_t n = 0;
	int k = 0;
	if (!e || elf_getphdrnum(e, &n) < 0)
		n = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_memsz &&
		    mem_gpa_to_hva(&m->vm.mem, ph.p_paddr, ph.p_memsz))
			out[k++] = ph;
	}
	if (e)
		elf_end(e);
	return k;
}

static Elf_Scn *add_section(Elf *e, void *buf, uint64_t size, uint64_t off, uint32_t type)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	GElf_Shdr sh;
	if (!d || !gelf_getshdr(scn, &sh))
		return NULL;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = ELF_T_BYTE;
	d->d_align = 1;
	sh.sh_type = type;
	sh.sh_offset = off;
	sh.sh_size = size;
	sh.sh_addralign = 1;
	return gelf_update_shdr(scn, &sh) ? scn : NULL;
}

/* PT_LOADs say p_align 0, as Linux's /proc/vmcore does: crash reads an ELF
 * core as a kdump (its VMCOREINFO note, `--osrelease`) only when the first
 * PT_LOAD has p_align 0 or an unaligned offset, and takes one with
 * page-aligned segments for an old netdump. gdb and our reader ignore it. */
static void set_phdr(Elf *e, int i, uint32_t type, uint64_t off, uint64_t vaddr,
		     uint64_t paddr, uint64_t size, uint32_t flags)
{
	GElf_Phdr ph = { .p_type = type, .p_flags = flags, .p_offset = off, .p_vaddr = vaddr,
			 .p_paddr = paddr, .p_filesz = size, .p_memsz = size,
			 .p_align = type == PT_LOAD ? 0 : 4 };
	gelf_update_phdr(e, i, &ph);
}

/* Copies [from, to) of one RAM slot into the core file at off + from.
 * Returns 0 or a negative errno. */
static int write_span(int fd, const struct mem_slot *s, uint64_t off, uint64_t from,
		      uint64_t to)
{
	uint64_t done = from;
	while (done < to) {
		size_t chunk = to - done > (64u << 20) ? (64u << 20) : (size_t)(to - done);
		ssize_t n = pwrite(fd, s->hva + done, chunk, (off_t)(off + done));
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (uint64_t)n;
	}
	return 0;
}

static bool page_chosen(const uint8_t *pages, uint64_t p)
{
	return mv_bit(pages, p);
}

/*
 * Copies one RAM slot into the core file at off: all of it, or the runs
 * of pages set in pages; the others are never written, so they stay
 * holes (read as zero, take no disk). 0 or a negative errno.
 */
static int write_ram(int fd, const struct mem_slot *s, uint64_t off, const uint8_t *pages)
{
	uint64_t n = s->size >> 12;
	if (!pages)
		return write_span(fd, s, off, 0, s->size);
	for (uint64_t p = 0; p < n;) {
		bool chosen = page_chosen(pages, p);
		uint64_t end = p;
		while (end < n && page_chosen(pages, end) == chosen)
			end++;
		int rc = chosen ? write_span(fd, s, off, p << 12, end << 12) : 0;
		if (rc < 0)
			return rc;
		p = end;
	}
	return 0;
}

static int write_elf(Elf *e, struct snap_ctx *c, const struct snap_request *r)
{
	struct guest_memory *mem = &c->m->vm.mem;
	GElf_Phdr kl[16];
	bool memory = r->memory, disk = r->memory && r->disk_size > 0;
	int nk = memory ? kernel_loads(c->m, kl, 16) : 0;
	int nslots = memory ? mem->nr_slots : 0;
	struct core_layout L = { .nr_phdr = 1 + nslots + nk + disk };
	uint64_t page_offset = c->introspected ? c->in.info.page_offset : PAGE_OFFSET;
	GElf_Ehdr eh;

	/* ehdr, then phdrs (which change the ehdr), then our copy of the ehdr */
	if (!gelf_newehdr(e, ELFCLASS64) || !gelf_newphdr(e, (size_t)L.nr_phdr) ||
	    !gelf_getehdr(e, &eh))
		return -EIO;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	L.notes_off = (sizeof(Elf64_Ehdr) + (uint64_t)L.nr_phdr * sizeof(Elf64_Phdr) + 3) & ~3ull;
	/* the section headers right after the notes, before RAM: libelf
	 * writes everything up to their end (filling gaps with zeros) and
	 * nothing after, so RAM pages not written stay holes */
	L.shoff = (L.notes_off + c->notes.len + 7) & ~7ull;
	uint64_t nr_shdr = 2 + (uint64_t)nslots + disk; /* the null section, the notes, … */
	uint64_t off = (L.shoff + nr_shdr * sizeof(Elf64_Shdr) + 4095) & ~4095ull;
	if (!add_section(e, c->notes.p, c->notes.len, L.notes_off, SHT_NOTE))
		return -EIO;
	set_phdr(e, 0, PT_NOTE, L.notes_off, 0, 0, c->notes.len, PF_R);
	for (int i = 0; i < nslots; i++) {
		L.slot_off[i] = off;
		/* NOBITS: libelf writes the headers only; RAM goes straight from
		 * guest memory to the file in write_ram() (no copy in between) */
		if (!add_section(e, NULL, mem->slots[i].size, off, SHT_NOBITS))
			return -EIO;
		set_phdr(e, 1 + i, PT_LOAD, off, page_offset + mem->slots[i].gpa, mem->slots[i].gpa,
			 mem->slots[i].size, PF_R | PF_W);
		off += mem->slots[i].size;
	}
	for (int k = 0; k < nk; k++) {
		const struct mem_slot *s = mem_slot_of(mem, kl[k].p_paddr);
		set_phdr(e, 1 + nslots + k, PT_LOAD,
			 L.slot_off[s - mem->slots] + (kl[k].p_paddr - s->gpa), kl[k].p_vaddr,
			 kl[k].p_paddr, kl[k].p_memsz, kl[k].p_flags);
	}
	uint64_t disk_off = off;
	if (disk) {
		if (!add_section(e, NULL, r->disk_size, off, SHT_NOBITS))
			return -EIO;
		set_phdr(e, 1 + nslots + nk, SNAP_PT_DISK, off, 0, 0, r->disk_size, PF_R);
		off += (r->disk_size + 4095) & ~4095ull;
	}
	eh.e_shoff = L.shoff;
	if (!gelf_update_ehdr(e, &eh))
		return -EIO;
	elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT);
	if (elf_update(e, ELF_C_WRITE) < 0)
		return -EIO;
	for (int i = 0; i < nslots; i++) {
		int rc = write_ram(c->fd, &mem->slots[i], L.slot_off[i], r->pages ? r->pages[i] : NULL);
		if (rc < 0)
			return rc;
	}
	int rc = disk ? blk_copy_sparse(r->disk_fd, 0, c->fd, disk_off, r->disk_size) : 0;
	if (rc == 0 && nslots && ftruncate(c->fd, (off_t)off) < 0) /* holes up to the end */
		rc = -errno;
	return rc;
}

static int write_core_file(struct snap_ctx *c, const struct snap_request *r,
			   struct mv_error *err)
{
	const char *path = r->path;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, SNAPSHOT_FILE_MODE);
	if (fd < 0)
		return mv_fail_errno(err, "%s", tmp);
	elf_version(EV_CURRENT);
	c->fd = fd;
	Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
	int rc = e ? write_elf(e, c, r) : -EIO;
	if (rc < 0)
		rc = mv_fail(err, -EIO, "writing %s: %s", tmp, elf_errmsg(-1));
	if (e)
		elf_end(e);
	if (!rc && fsync(fd) < 0)
		rc = mv_fail_errno(err, "fsync %s", tmp);
	close(fd);
	if (!rc && rename(tmp, path) < 0)
		rc = mv_fail_errno(err, "rename to %s", path);
	if (rc)
		unlink(tmp);
	return rc;
}

/* ---- putting it together --------------------------------------------------- */

static void fill_meta(struct snap_ctx *c, const struct snap_request *r)
{
	struct timespec now;
	struct machine *m = c->m;
	clock_gettime(CLOCK_REALTIME, &now);
	c->meta.format_version = SNAP_FORMAT_VERSION;
	c->meta.flags |= r->memory ? SNAP_META_MEMORY : 0;
	c->meta.time_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	c->meta.uptime_ns = (uint64_t)(machine_uptime(m) * 1e9);
	c->meta.ram_size = m->vm.mem.ram_size;
	c->meta.build_id_len = (uint32_t)intro_build_id(m->kernel, m->kernel_len,
							 c->meta.build_id, sizeof(c->meta.build_id));
	snprintf(c->meta.kernel, sizeof(c->meta.kernel), "%s", m->kernel_path ? m->kernel_path : "");
	snprintf(c->meta.reason, sizeof(c->meta.reason), "%s", r->reason ? r->reason : "");
}

static void collect_slots(struct snap_ctx *c)
{
	struct guest_memory *mem = &c->m->vm.mem;
	struct snap_slot s[MEM_MAX_SLOTS];
	for (int i = 0; i < mem->nr_slots; i++)
		s[i] = (struct snap_slot){ .id = mem->slots[i].id, .gpa = mem->slots[i].gpa,
					   .size = mem->slots[i].size,
					   .hva = (uint64_t)(uintptr_t)mem->slots[i].hva };
	mv_note(c, SNAP_NT_SLOTS, s, (size_t)mem->nr_slots * sizeof(s[0]), NULL, 0);
}

static int gather(struct snap_ctx *c, const struct snap_request *r, struct mv_error *err)
{
	struct nbuf meta_first = { 0 };
	int rc = collect_cpus(c, err);
	if (rc < 0)
		return rc;
	open_introspection(c);
	fill_meta(c, r);
	collect_slots(c);
	collect_host(c, r);
	if (!c->introspected)
		collect_vmcoreinfo(c);
	collect_spaces(c);
	if (c->introspected)
		collect_allocators(c);
	collect_dirty(c);
	for (size_t i = 0; i < r->nr_extra; i++)
		mv_note(c, r->extra[i].type, r->extra[i].head, r->extra[i].head_len,
			r->extra[i].body, r->extra[i].body_len);
	/* the metadata note goes first, so readers meet it before anything else */
	note_add(&meta_first, SNAP_NOTE_NAME, SNAP_NT_META, &c->meta, sizeof(c->meta), NULL, 0);
	nb_put(&meta_first, c->notes.p, c->notes.len);
	free(c->notes.p);
	c->notes = meta_first;
	if (c->notes.oom)
		return mv_fail(err, -ENOMEM, "out of memory building the snapshot");
	return 0;
}

int snapshot_take(struct machine *m, const struct snap_request *r, struct mv_error *err)
{
	struct snap_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return mv_fail(err, -ENOMEM, "out of memory");

	c->m = m;
	c->pagemap_fd = -1;
	bool was_paused = vm_is_paused(&m->vm);
	if (!was_paused)
		vm_pause(&m->vm);
	int rc = gather(c, r, err);
	if (!rc)
		rc = write_core_file(c, r, err);
	if (!was_paused)
		vm_resume(&m->vm);
	for (int i = 0; i < MEM_MAX_SLOTS; i++)
		free(c->resident[i]);
	if (c->pagemap_fd >= 0)
		close(c->pagemap_fd);
	free(c->notes.p);
	free(c->vmcoreinfo);
	free(c);
	return rc;
}
