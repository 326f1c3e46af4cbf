/*
 * linux_tasks.c: a Linux guest's process list (see linux_tasks.h): the
 * export table and BTF of its vmlinux, VMCOREINFO for where the kernel
 * runs, then init_task's list read through the kernel's page table.
 */
#include "linux_tasks.h"
#include "ptwalk.h"
#include "vmcoreinfo.h"

#include <bpf/btf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#define START_KERNEL_MAP 0xffffffff80000000ull /* __START_KERNEL_map */
#define KSYM_BYTES       12u   /* struct kernel_symbol with PREL32 relocations */
#define FEATURE_PTI      (7 * 32 + 11) /* X86_FEATURE_PTI: word 7, bit 11 */
#define PTI_USER_COPY    0x1000ull     /* the user copy follows the kernel's */

/* ---- the vmlinux: sections, exported symbols, BTF ------------------------- */

/* The section called name, with its header in *sh; NULL if none. */
static Elf_Scn *section_named(Elf *e, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (elf_getshdrstrndx(e, &shstrndx) < 0)
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n = gelf_getshdr(scn, sh) ? elf_strptr(e, shstrndx, sh->sh_name) : NULL;
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* The bytes of a section, NULL if it has none in the file. */
static const uint8_t *section_bytes(Elf_Scn *scn, size_t *len)
{
	Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
	*len = d ? d->d_size : 0;
	return d ? d->d_buf : NULL;
}

/*
 * Searches one export table (__ksymtab or __ksymtab_gpl) for name. Each
 * entry is three int32s relative to their own address: the symbol's
 * value, its name (in __ksymtab_strings), its namespace. 0 or -ENOENT.
 */
static int ksymtab_search(Elf *e, const char *table, const char *name, uint64_t *addr)
{
	GElf_Shdr tsh, ssh;
	size_t tlen, slen, want = strlen(name) + 1;
	const uint8_t *t = section_bytes(section_named(e, table, &tsh), &tlen);
	const uint8_t *s = section_bytes(section_named(e, "__ksymtab_strings", &ssh), &slen);
	for (size_t off = 0; t && s && off + KSYM_BYTES <= tlen; off += KSYM_BYTES) {
		int32_t rel[2];
		memcpy(rel, t + off, sizeof(rel));
		uint64_t entry = tsh.sh_addr + off;
		uint64_t name_at = entry + 4 + (uint64_t)(int64_t)rel[1] - ssh.sh_addr;
		if (name_at < slen && slen - name_at >= want && !memcmp(s + name_at, name, want)) {
			*addr = entry + (uint64_t)(int64_t)rel[0];
			return 0;
		}
	}
	return -ENOENT;
}

static int exported_symbol(Elf *e, const char *name, uint64_t *addr)
{
	if (ksymtab_search(e, "__ksymtab", name, addr) == 0)
		return 0;
	return ksymtab_search(e, "__ksymtab_gpl", name, addr);
}

/* Byte offset of member name in a struct or union, looking into its
 * anonymous members; -1 if it has none of that name. */
static long member_offset(const struct btf *btf, int32_t id, const char *name)
{
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
	if (!t || (!btf_is_struct(t) && !btf_is_union(t)))
		return -1;
	const struct btf_member *m = btf_members(t);
	for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		long at = (long)(btf_member_bit_offset(t, i) / 8), inner;
		if (n && !strcmp(n, name))
			return at;
		if ((!n || !*n) && (inner = member_offset(btf, btf__resolve_type(btf, m->type), name)) >= 0)
			return at + inner;
	}
	return -1;
}

/* The offset of type.member into *out. 0 or -ENOENT with the name in err. */
static int field(const struct btf *btf, const char *type, const char *member, uint32_t *out,
		 struct mv_error *err)
{
	int32_t id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
	long off = id > 0 ? member_offset(btf, id, member) : -1;
	if (off < 0)
		return mv_fail(err, -ENOENT, "vmlinux BTF has no %s.%s", type, member);
	*out = (uint32_t)off;
	return 0;
}

static int btf_offsets(Elf *e, struct linux_layout *l, struct mv_error *err)
{
	GElf_Shdr sh;
	size_t len;
	const uint8_t *raw = section_bytes(section_named(e, ".BTF", &sh), &len);
	if (!raw || len > UINT32_MAX)
		return mv_fail(err, -ENOENT, "vmlinux has no .BTF section (CONFIG_DEBUG_INFO_BTF)");
	struct btf *btf = btf__new(raw, (uint32_t)len);
	if (!btf)
		return mv_fail(err, -EINVAL, "vmlinux .BTF: libbpf cannot parse it");
	int rc = field(btf, "task_struct", "tasks", &l->task_tasks, err);
	rc = rc ? rc : field(btf, "task_struct", "pid", &l->task_pid, err);
	rc = rc ? rc : field(btf, "task_struct", "comm", &l->task_comm, err);
	rc = rc ? rc : field(btf, "task_struct", "mm", &l->task_mm, err);
	rc = rc ? rc : field(btf, "mm_struct", "pgd", &l->mm_pgd, err);
	struct mv_error optional;
	if (rc == 0 && field(btf, "cpuinfo_x86", "x86_capability", &l->cpu_caps, &optional) < 0)
		l->boot_cpu_data = 0;  /* PTI stays unknown: not an error */
	btf__free(btf);
	return rc;
}

/* ---- where the running kernel is: VMCOREINFO ------------------------------- */

static int running_kernel(const char *vmcoreinfo, struct linux_layout *l, uint64_t *slide,
			  struct mv_error *err)
{
	uint64_t top, phys_base, l5 = 0;
	if (!vmcoreinfo)
		return mv_fail(err, -ENOENT, "no VMCOREINFO in guest RAM");
	if (vmcoreinfo_number(vmcoreinfo, "KERNELOFFSET", slide) < 0 ||
	    vmcoreinfo_number(vmcoreinfo, "SYMBOL(init_top_pgt)", &top) < 0 ||
	    vmcoreinfo_number(vmcoreinfo, "NUMBER(phys_base)", &phys_base) < 0)
		return mv_fail(err, -ENOENT, "VMCOREINFO lacks KERNELOFFSET, init_top_pgt or phys_base");
	vmcoreinfo_number(vmcoreinfo, "NUMBER(pgtable_l5_enabled)", &l5);
	if (top < START_KERNEL_MAP)
		return mv_fail(err, -EINVAL, "VMCOREINFO init_top_pgt %#llx outside the kernel image",
			       (unsigned long long)top);
	l->kernel_root = top - START_KERNEL_MAP + phys_base;
	l->la57 = l5 != 0;
	return 0;
}

int linux_layout_read(const void *elf, size_t len, const char *vmcoreinfo,
		      struct linux_layout *l, struct mv_error *err)
{
	uint64_t slide = 0;
	memset(l, 0, sizeof(*l));
	int rc = running_kernel(vmcoreinfo, l, &slide, err);
	if (rc < 0)
		return rc;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return mv_fail(err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	Elf *e = elf_memory((char *)(uintptr_t)elf, len);
	if (!e || elf_kind(e) != ELF_K_ELF)
		rc = mv_fail(err, -EINVAL, "the kernel is not an ELF file");
	else if (exported_symbol(e, "init_task", &l->init_task) < 0)
		rc = mv_fail(err, -ENOENT, "vmlinux exports no init_task (__ksymtab)");
	else {
		/* optional, slid as the kernel is; 0 when not exported: PTI unknown */
		l->boot_cpu_data = exported_symbol(e, "boot_cpu_data", &l->boot_cpu_data) == 0 ?
					   l->boot_cpu_data + slide : 0;
		rc = btf_offsets(e, l, err);
	}
	l->init_task += slide;
	if (e)
		elf_end(e);
	return rc;
}

/* ---- the walk ---------------------------------------------------------------- */

static int read_kernel(const struct guest_memory *mem, const struct linux_layout *l,
		       uint64_t va, void *dst, size_t len)
{
	return ptw_read(mem, l->kernel_root, l->la57, va, dst, len);
}

/* The PA of the page table a process's mm points at; 0 if it has none. */
static uint64_t mm_root(const struct guest_memory *mem, const struct linux_layout *l,
			uint64_t mm)
{
	uint64_t pgd;
	struct ptw_leaf leaf;
	if (!mm || read_kernel(mem, l, mm + l->mm_pgd, &pgd, sizeof(pgd)) < 0 ||
	    ptw_translate(mem, l->kernel_root, l->la57, pgd, &leaf) != 0)
		return 0;
	return leaf.pa + (pgd & ((1ull << leaf.shift) - 1)); /* the direct map uses 2M/1G pages */
}

/* One task_struct into *t. 0 or -EFAULT. */
static int read_task(const struct guest_memory *mem, const struct linux_layout *l,
		     uint64_t task, struct intro_task *t)
{
	uint64_t mm;
	memset(t, 0, sizeof(*t));
	if (read_kernel(mem, l, task + l->task_pid, &t->pid, sizeof(t->pid)) < 0 ||
	    read_kernel(mem, l, task + l->task_comm, t->comm, sizeof(t->comm)) < 0 ||
	    read_kernel(mem, l, task + l->task_mm, &mm, sizeof(mm)) < 0)
		return -EFAULT;
	t->comm[sizeof(t->comm) - 1] = 0;
	t->root_pa = mm_root(mem, l, mm);
	return 0;
}

int linux_tasks(const struct guest_memory *mem, const struct linux_layout *l,
		struct intro_task *out, int max)
{
	uint64_t head = l->init_task + l->task_tasks, node = head, next;
	int n;
	if (max <= 0 || read_task(mem, l, l->init_task, &out[0]) < 0)
		return -EFAULT;
	for (n = 1; n < max; n++, node = next) {  /* list_head.next is its first word */
		if (read_kernel(mem, l, node, &next, sizeof(next)) < 0 || next == head ||
		    read_task(mem, l, next - l->task_tasks, &out[n]) < 0)
			break;
	}
	return n;
}

/* ---- page-table isolation ------------------------------------------------ */

int linux_pti(const struct guest_memory *mem, const struct linux_layout *l)
{
	uint32_t word;
	if (!l->boot_cpu_data)
		return -ENOENT;
	uint64_t at = l->boot_cpu_data + l->cpu_caps + (FEATURE_PTI / 32) * sizeof(word);
	if (read_kernel(mem, l, at, &word, sizeof(word)) < 0)
		return -EFAULT;
	return (word & (1u << (FEATURE_PTI % 32))) ? 1 : 0;
}

uint64_t linux_user_pgd(uint64_t pgd_pa, bool pti)
{
	return pti ? pgd_pa + PTI_USER_COPY : pgd_pa;
}

uint64_t linux_cr3_pgd(uint64_t cr3, bool pti)
{
	uint64_t root = cr3 & PTE_ADDR_MASK; /* bits 51:12: PCID and bit 63 left out */
	return pti ? root & ~PTI_USER_COPY : root;
}
