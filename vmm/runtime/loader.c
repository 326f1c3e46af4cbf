/*
 * loader.c: PVH ELF64 kernel and initrd loading with libelf (see loader.h).
 *
 * Checking order: ELF header (size, magic, class, data, machine, type),
 * program header table (count, entry size, bounds), each PT_LOAD (file
 * bounds, filesz <= memsz, inside one RAM slot, above 1 MiB, no overlap),
 * then the Xen PHYS32_ENTRY note, whose entry must lie in a loaded segment.
 */
#include "loader.h"
#include "pvh.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOADER_MAX_FILE (1ull << 30)

struct check_ctx {
	Elf *elf;
	size_t len;
	uint64_t ram_size;
	struct mv_error *err;
};

static int fail(struct check_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mv_vfail(c->err, -ENOEXEC, fmt, ap);
	va_end(ap);
	return -ENOEXEC;
}

static bool range_in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* Whether [gpa, gpa+size) lies inside one RAM slot of a ram_size guest. */
static bool range_in_ram(uint64_t ram_size, uint64_t gpa, uint64_t size)
{
	struct mem_slot slots[MEM_MAX_SLOTS];
	int n = mem_layout(ram_size, slots);
	for (int i = 0; i < n; i++) {
		if (gpa >= slots[i].gpa && gpa - slots[i].gpa <= slots[i].size &&
		    size <= slots[i].size - (gpa - slots[i].gpa))
			return true;
	}
	return false;
}

/* Checks the identification bytes before libelf sees the image. */
static int check_ident(struct check_ctx *c, const unsigned char *id)
{
	if (c->len < EI_NIDENT)
		return fail(c, "not an ELF file (%zu bytes)", c->len);
	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return fail(c, "not an ELF file (bad magic)");
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(c, "ELF class %u: memvisor boots ELF64 PVH kernels", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(c, "ELF data encoding %u: need little endian", id[EI_DATA]);
	if (c->len < sizeof(Elf64_Ehdr))
		return fail(c, "truncated ELF header (%zu bytes)", c->len);
	return 0;
}

static int check_ehdr(struct check_ctx *c)
{
	GElf_Ehdr eh;

	if (elf_kind(c->elf) != ELF_K_ELF || !gelf_getehdr(c->elf, &eh))
		return fail(c, "unreadable ELF header: %s", elf_errmsg(-1));
	if (eh.e_machine != EM_X86_64)
		return fail(c, "ELF machine %u: need x86-64 (%u)", eh.e_machine, EM_X86_64);
	if (eh.e_type != ET_EXEC)
		return fail(c, "ELF type %u: need an executable (ET_EXEC)", eh.e_type);
	if (eh.e_phnum == 0 || eh.e_phnum > LOADER_MAX_PHDRS)
		return fail(c, "%u program headers: need 1 to %d", eh.e_phnum, LOADER_MAX_PHDRS);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(c, "program header size %u: need %zu", eh.e_phentsize,
			    sizeof(Elf64_Phdr));
	if (!range_in_file(eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize, c->len))
		return fail(c, "program headers at offset %#llx lie past the end of the file",
			    (unsigned long long)eh.e_phoff);
	return 0;
}

static int check_load(struct check_ctx *c, size_t i, const GElf_Phdr *ph)
{
	if (ph->p_filesz > ph->p_memsz)
		return fail(c, "segment %zu: p_filesz %#llx exceeds p_memsz %#llx", i,
			    (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
	if (!range_in_file(ph->p_offset, ph->p_filesz, c->len))
		return fail(c, "segment %zu: file bytes [%#llx, +%#llx) lie past the end of the file",
			    i, (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz);
	if (ph->p_paddr < LOADER_KERNEL_MIN)
		return fail(c, "segment %zu: p_paddr %#llx is below 1 MiB (boot data lives there)",
			    i, (unsigned long long)ph->p_paddr);
	if (!range_in_ram(c->ram_size, ph->p_paddr, ph->p_memsz))
		return fail(c, "segment %zu: [%#llx, +%#llx) is not inside guest RAM "
			    "(too little memory, or in the MMIO hole)", i,
			    (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
	return 0;
}

static bool overlaps(const GElf_Phdr *a, const GElf_Phdr *b)
{
	return a->p_paddr < b->p_paddr + b->p_memsz && b->p_paddr < a->p_paddr + a->p_memsz;
}

static int check_loads(struct check_ctx *c, struct pvh_image *img)
{
	GElf_Phdr ph[LOADER_MAX_PHDRS];
	size_t n;

	if (elf_getphdrnum(c->elf, &n) < 0 || n > LOADER_MAX_PHDRS)
		return fail(c, "unreadable program header count");
	img->nr_loads = 0;
	img->load_start = UINT64_MAX;
	img->load_end = 0;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(c->elf, (int)i, &ph[i]))
			return fail(c, "program header %zu unreadable: %s", i, elf_errmsg(-1));
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		int rc = check_load(c, i, &ph[i]);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (ph[j].p_type == PT_LOAD && ph[j].p_memsz && overlaps(&ph[i], &ph[j]))
				return fail(c, "segments %zu and %zu overlap in physical memory", j, i);
		img->nr_loads++;
		if (ph[i].p_paddr < img->load_start)
			img->load_start = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > img->load_end)
			img->load_end = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (!img->nr_loads)
		return fail(c, "no loadable segment");
	return 0;
}

/* Looks for the Xen PHYS32_ENTRY note in one PT_NOTE segment. */
static int find_entry_note(struct check_ctx *c, const GElf_Phdr *ph, uint64_t *entry)
{
	Elf_Data *d = elf_getdata_rawchunk(c->elf, (int64_t)ph->p_offset, ph->p_filesz,
					   ELF_T_NHDR);
	GElf_Nhdr nh;
	size_t off = 0, next, name_off, desc_off;

	if (!d)
		return 0;
	while ((next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		const unsigned char *desc = (const unsigned char *)d->d_buf + desc_off;
		off = next;
		if (nh.n_type != XEN_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(name, "Xen", 4) != 0)
			continue;
		if (nh.n_descsz != 4 && nh.n_descsz != 8)
			return fail(c, "PVH entry note has a %u-byte value (need 4 or 8)",
				    nh.n_descsz);
		uint64_t v = 0;
		memcpy(&v, desc, nh.n_descsz);
		*entry = v;
		return 1;
	}
	return 0;
}

/*
 * Whether entry lies in the file bytes of a segment that is loaded: one
 * with p_memsz 0 is skipped by check_loads and by the load, so its p_filesz
 * was never checked and nothing of it reaches RAM.
 */
static bool entry_in_load(struct check_ctx *c, uint64_t entry)
{
	size_t n;
	GElf_Phdr ph;
	elf_getphdrnum(c->elf, &n);
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(c->elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_memsz &&
		    entry >= ph.p_paddr && entry - ph.p_paddr < ph.p_filesz)
			return true;
	return false;
}

static int check_entry(struct check_ctx *c, struct pvh_image *img)
{
	size_t n;
	GElf_Phdr ph;
	uint64_t entry = 0;
	int found = 0;

	elf_getphdrnum(c->elf, &n);
	for (size_t i = 0; i < n && !found; i++) {
		if (!gelf_getphdr(c->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		if (!range_in_file(ph.p_offset, ph.p_filesz, c->len))
			return fail(c, "note segment %zu lies past the end of the file", i);
		found = find_entry_note(c, &ph, &entry);
		if (found < 0)
			return found;
	}
	if (!found)
		return fail(c, "no PVH entry note (Xen ELF note type %d): not a PVH kernel",
			    XEN_ELFNOTE_PHYS32_ENTRY);
	if (entry > UINT32_MAX || !entry_in_load(c, entry))
		return fail(c, "PVH entry %#llx is not inside a loaded segment",
			    (unsigned long long)entry);
	img->entry = (uint32_t)entry;
	return 0;
}

int loader_check(const void *buf, size_t len, uint64_t ram_size,
		 struct pvh_image *img, struct mv_error *err)
{
	struct check_ctx c = { .len = len, .ram_size = ram_size, .err = err };
	int rc;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(&c, "libelf: %s", elf_errmsg(-1));
	memset(img, 0, sizeof(*img));
	rc = check_ident(&c, buf);
	if (rc < 0)
		return rc;
	c.elf = elf_memory((char *)(uintptr_t)buf, len);
	if (!c.elf)
		return fail(&c, "libelf cannot open the image: %s", elf_errmsg(-1));
	rc = check_ehdr(&c);
	if (!rc)
		rc = check_loads(&c, img);
	if (!rc)
		rc = check_entry(&c, img);
	elf_end(c.elf);
	return rc;
}

int loader_load_kernel(const struct guest_memory *m, const void *buf, size_t len,
		       struct pvh_image *img, struct mv_error *err)
{
	int rc = loader_check(buf, len, m->ram_size, img, err);
	if (rc < 0)
		return rc;
	const Elf64_Ehdr *eh = buf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)buf + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		uint8_t *dst = mem_gpa_to_hva(m, ph[i].p_paddr, ph[i].p_memsz);
		if (!dst) /* loader_check proved this cannot happen */
			return mv_fail(err, -EFAULT, "segment %d does not fit guest RAM", i);
		memcpy(dst, (const char *)buf + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	return 0;
}

static int place_initrd(const struct guest_memory *m, const struct pvh_image *img,
			const void *initrd, size_t len, uint64_t *gpa,
			struct mv_error *err)
{
	uint64_t top = m->slots[0].size;
	uint64_t start = (top - len) & ~0xfffull;

	if (len > top || start < img->load_end) {
		return mv_fail(err, -ENOSPC, "initrd of %zu bytes does not fit in guest RAM below %#llx "
			 "above the kernel (ends %#llx); give the guest more memory", len,
			 (unsigned long long)top, (unsigned long long)img->load_end);
	}
	mem_write(m, start, initrd, len);
	*gpa = start;
	return 0;
}

static int write_memmap(const struct guest_memory *m, uint32_t *count)
{
	struct e820_entry e[LOADER_MEMMAP_MAX];
	int n = mem_build_e820(m->ram_size, e, LOADER_MEMMAP_MAX);
	for (int i = 0; i < n; i++) {
		struct hvm_memmap_table_entry t = { .addr = e[i].addr, .size = e[i].size,
						    .type = e[i].type };
		int rc = mem_write(m, LOADER_MEMMAP_GPA + (uint64_t)i * sizeof(t), &t, sizeof(t));
		if (rc < 0)
			return rc;
	}
	*count = (uint32_t)n;
	return 0;
}

int loader_build_start_info(const struct guest_memory *m, const struct pvh_image *img,
			    const char *cmdline, const void *initrd, size_t initrd_len,
			    uint64_t *start_info, struct mv_error *err)
{
	struct hvm_start_info si = { .magic = PVH_START_MAGIC, .version = 1,
				     .cmdline_paddr = LOADER_CMDLINE_GPA,
				     .memmap_paddr = LOADER_MEMMAP_GPA };
	size_t clen = strlen(cmdline ? cmdline : "") + 1;

	if (clen > LOADER_CMDLINE_MAX) {
		return mv_fail(err, -EINVAL, "guest command line is %zu bytes; the limit is %d",
			 clen - 1, LOADER_CMDLINE_MAX - 1);
	}
	mem_write(m, LOADER_CMDLINE_GPA, cmdline ? cmdline : "", clen);
	if (initrd_len) {
		struct hvm_modlist_entry mod = { .size = initrd_len };
		int rc = place_initrd(m, img, initrd, initrd_len, &mod.paddr, err);
		if (rc < 0)
			return rc;
		mem_write(m, LOADER_MODLIST_GPA, &mod, sizeof(mod));
		si.nr_modules = 1;
		si.modlist_paddr = LOADER_MODLIST_GPA;
	}
	if (write_memmap(m, &si.memmap_entries) < 0)
		return mv_fail(err, -ENOSPC, "guest RAM too small for the boot data");
	mem_write(m, LOADER_START_INFO_GPA, &si, sizeof(si));
	*start_info = LOADER_START_INFO_GPA;
	return 0;
}

int loader_set_rsdp(const struct guest_memory *m, uint64_t start_info, uint64_t rsdp)
{
	return mem_write(m, start_info + offsetof(struct hvm_start_info, rsdp_paddr), &rsdp,
			 sizeof(rsdp));
}

int loader_read_file(const char *path, void **buf, size_t *len, struct mv_error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mv_fail_errno(err, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > LOADER_MAX_FILE) {
		close(fd);
		return mv_fail(err, -EINVAL, "%s: not a regular file of at most 1 GiB", path);
	}
	*len = (size_t)st.st_size;
	*buf = malloc(*len ? *len : 1);
	size_t got = 0;
	while (*buf && got < *len) {
		ssize_t r = read(fd, (char *)*buf + got, *len - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!*buf || got != *len) {
		int code = *buf ? -EIO : -ENOMEM;
		free(*buf);
		*buf = NULL;
		return mv_fail(err, code, "%s: read failed", path);
	}
	return 0;
}
