/*
 * exec.c: ELF64 loading from the initrd and the initial user stack
 * (exec.h), and the start of pid 1.
 *
 * Each PT_LOAD becomes a private file-backed area over the initrd file
 * (pages come in on demand through the page cache), plus an anonymous
 * area for the bss beyond the file's last page; the rest of that last
 * page after the file bytes is cleared through the user mapping (a
 * copy-on-write fault), as Linux's padzero does: ld.so's first allocations
 * come from there, past _end, and must read zero.
 *
 * A program with PT_INTERP (dynamically linked) gets its interpreter
 * (ld.so, an initrd file) mapped too, as Linux's binfmt_elf: the program
 * at its own addresses (ET_EXEC) or at ELF_ET_DYN_BASE (a PIE), the
 * interpreter top-down in the mmap area like any mmap, and the user entry
 * is the interpreter's; AT_BASE tells it where it is, AT_PHDR/AT_ENTRY
 * where the program is. The interpreter is looked up and checked before
 * the old address space goes, so a bad one fails execve with Linux's
 * errors: ENOENT missing, EIO shorter than an ELF header, ELIBBAD not an
 * x86-64 ELF or bad program headers, EINVAL neither EXEC nor DYN, ENOEXEC
 * a bad PT_INTERP or a segment outside the file. An interpreter that asks
 * for an interpreter itself is ELIBBAD (Linux ignores its PT_INTERP and
 * lets it crash in user space).
 *
 * The stack (SysV x86-64 ABI), from the top: argv and envp strings, the
 * execve path (AT_EXECFN), "x86_64" (AT_PLATFORM), 16 AT_RANDOM bytes,
 * then 16-byte aligned argc, argv[], NULL, envp[], NULL, auxv pairs,
 * AT_NULL.
 */
#include <rlimit.h>
#include <exec.h>
#include <sched.h>
#include <uvm.h>
#include <file.h>
#include <initrd.h>
#include <uaccess.h>
#include <cmdline.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>
#include <time.h>
#include <random.h>
#include <asm/cpu.h>
#include <asm/traps.h>
#include <asm/layout.h>

#define PAGE_LOW (MM_PAGE_SIZE - 1)
#define PAGE_UP(x) (((x) + PAGE_LOW) & ~PAGE_LOW)
#define PAGE_DOWN(x) ((x) & ~PAGE_LOW)

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define AUXV_MAX 20
#define INTERP_MAX 256          /* Linux allows PATH_MAX; initrd names are shorter */
/* Linux's x86-64 ELF_ET_DYN_BASE: where a PIE with an interpreter goes. */
#define ELF_ET_DYN_BASE 0x555555554000ull
/* AT_PLATFORM's string, in one 16-byte slot above the AT_RANDOM bytes. */
#define PLATFORM "x86_64"

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type, e_machine;
	uint32_t e_version;
	uint64_t e_entry, e_phoff, e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

/* One mapped ELF file: where it went and what the stack tells about it. */
struct elf_image {
	uint64_t bias, entry, phdr, end;   /* end: page after the highest segment */
	/* Linux's start_data/end_data: the highest segment start, file end */
	uint64_t data_start, data_end;
	uint16_t phnum;
};

/* What the loader learns for the stack and registers. */
struct load_info {
	struct elf_image prog, interp;
	struct inode *interp_ino;          /* NULL: a static program */
	const char *path;                  /* the execve path, for AT_EXECFN */
};

int exec_args_init(struct exec_args *a)
{
	a->buf = kmalloc(EXEC_ARGS_MAX, BUDDY_GFP_KERNEL);
	a->len = 0;
	a->cap = EXEC_ARGS_MAX;
	a->argc = a->envc = 0;
	return a->buf ? 0 : -ENOMEM;
}

void exec_args_free(struct exec_args *a)
{
	kfree(a->buf);
	a->buf = NULL;
}

int exec_args_add(struct exec_args *a, const char *s, size_t len, bool env)
{
	if (a->len + len + 1 > a->cap)
		return -E2BIG;
	memcpy(a->buf + a->len, s, len);
	a->buf[a->len + len] = 0;
	a->len += len + 1;
	*(env ? &a->envc : &a->argc) += 1;
	return 0;
}

/* The ELF identity and machine of an x86-64 file: class 64, little endian. */
static bool elf_ident_ok(const struct elf64_ehdr *e)
{
	return !memcmp(e->e_ident, "\177ELF", 4) && e->e_ident[4] == 2 && e->e_ident[5] == 1 &&
	       e->e_machine == EM_X86_64;
}

/* Program headers of the expected size, all inside the file. */
static bool elf_phdrs_ok(const struct inode *ino, const struct elf64_ehdr *e)
{
	return e->e_phentsize == sizeof(struct elf64_phdr) && e->e_phnum &&
	       e->e_phoff <= ino->size &&
	       e->e_phnum * sizeof(struct elf64_phdr) <= ino->size - e->e_phoff;
}

static const struct elf64_ehdr *check_elf(const struct inode *ino)
{
	const struct elf64_ehdr *e = (const void *)ino->data;

	if (ino->size < sizeof(*e) || !elf_ident_ok(e) ||
	    (e->e_type != ET_EXEC && e->e_type != ET_DYN) || !elf_phdrs_ok(ino, e))
		return NULL;
	return e;
}

static const struct elf64_phdr *elf_phdrs(const struct inode *ino)
{
	const struct elf64_ehdr *e = (const void *)ino->data;

	return (const void *)(ino->data + e->e_phoff);
}

/* The first PT_INTERP of a checked file, or NULL. */
static const struct elf64_phdr *elf_interp_phdr(const struct inode *ino)
{
	const struct elf64_ehdr *e = (const void *)ino->data;
	const struct elf64_phdr *ph = elf_phdrs(ino);

	for (unsigned i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return &ph[i];
	return NULL;
}

/*
 * The interpreter path of a checked program into name (size bytes): ""
 * for none. Returns 0, -ENOEXEC when PT_INTERP is outside the file,
 * shorter than 2 bytes, longer than PATH_MAX or not NUL-terminated
 * (Linux's checks), or -ENOENT when it is longer than name can hold.
 */
static int elf_interp_name(const struct inode *ino, char *name, size_t size)
{
	const struct elf64_phdr *ph = elf_interp_phdr(ino);

	name[0] = 0;
	if (!ph)
		return 0;
	if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX || ph->p_offset > ino->size ||
	    ph->p_filesz > ino->size - ph->p_offset)
		return -ENOEXEC;
	if (ph->p_filesz > size)
		return -ENOENT;         /* longer than any initrd name */
	memcpy(name, ino->data + ph->p_offset, ph->p_filesz);
	return name[ph->p_filesz - 1] ? -ENOEXEC : 0;
}

/* Linux's checks of an interpreter, in its order and with its errors. */
static int check_interp(const struct inode *ino)
{
	const struct elf64_ehdr *e = (const void *)ino->data;

	if (ino->size < sizeof(*e))
		return -EIO;
	if (!elf_ident_ok(e) || !elf_phdrs_ok(ino, e))
		return -ELIBBAD;
	if (e->e_type != ET_EXEC && e->e_type != ET_DYN)
		return -EINVAL;
	return elf_interp_phdr(ino) ? -ELIBBAD : 0;
}

/* The interpreter a program names, checked; NULL with *err 0 for none. */
static struct inode *find_interp(const struct inode *prog, int *err)
{
	char name[INTERP_MAX];
	struct inode *ino;

	*err = elf_interp_name(prog, name, sizeof(name));
	if (*err || !name[0])
		return NULL;
	ino = initrd_lookup(name);
	*err = !ino ? -ENOENT : check_interp(ino);
	return *err ? NULL : ino;
}

static uint32_t elf_prot(uint32_t flags)
{
	return ((flags & PF_R) ? VMA_READ : 0) | ((flags & PF_W) ? VMA_WRITE : 0) |
	       ((flags & PF_X) ? VMA_EXEC : 0);
}

/* Maps one PT_LOAD at bias. Returns 0 or a negative errno. */
static int load_segment(struct mm *mm, struct inode *ino, const struct elf64_phdr *ph,
			uint64_t bias)
{
	uint64_t va = ph->p_vaddr + bias, start = PAGE_DOWN(va);
	uint64_t file_end = va + ph->p_filesz, mem_end = va + ph->p_memsz;
	uint32_t prot = elf_prot(ph->p_flags);
	int err = 0;

	if (ph->p_filesz > ph->p_memsz || ph->p_offset > ino->size ||
	    ph->p_filesz > ino->size - ph->p_offset || (va & PAGE_LOW) != (ph->p_offset & PAGE_LOW) ||
	    mem_end < va || mem_end > USER_MMAP_BASE || start < USER_BASE / 4)
		return -ENOEXEC;
	if (ph->p_filesz)
		err = uvm_map_area(mm, start, PAGE_UP(file_end) - start, prot, 0, ino,
				   PAGE_DOWN(ph->p_offset));
	if (!err && PAGE_UP(mem_end) > PAGE_UP(file_end))
		err = uvm_map_area(mm, PAGE_UP(file_end), PAGE_UP(mem_end) - PAGE_UP(file_end),
				   prot, 0, NULL, 0);
	if (err)
		return err == -EEXIST ? -ENOEXEC : err;
	if (ph->p_memsz > ph->p_filesz && (file_end & PAGE_LOW) && (prot & VMA_WRITE))
		err = clear_user(file_end, PAGE_UP(file_end) - file_end);
	return err;
}

/* The page-aligned span [*lo, *hi) of a checked file's PT_LOADs; false if none. */
static bool elf_span(const struct inode *ino, uint64_t *lo, uint64_t *hi)
{
	const struct elf64_ehdr *e = (const void *)ino->data;
	const struct elf64_phdr *ph = elf_phdrs(ino);

	*lo = UINT64_MAX;
	*hi = 0;
	for (unsigned i = 0; i < e->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr + ph[i].p_memsz < ph[i].p_vaddr)
			return false;
		*lo = MM_MIN(*lo, PAGE_DOWN(ph[i].p_vaddr));
		*hi = MM_MAX(*hi, PAGE_UP(ph[i].p_vaddr + ph[i].p_memsz));
	}
	return *hi > *lo;
}

/*
 * The load bias of the program: none for ET_EXEC; a PIE goes to
 * ELF_ET_DYN_BASE when it has an interpreter, else (a static PIE) to
 * USER_BASE if it was linked below it.
 */
static uint64_t program_bias(const struct elf64_ehdr *e, uint64_t lo, bool interp)
{
	if (e->e_type != ET_DYN)
		return 0;
	if (interp)
		return ELF_ET_DYN_BASE - lo;
	return lo < USER_BASE ? USER_BASE : 0;
}

/* The bias of an interpreter spanning [lo, hi): the highest gap below the
 * mmap base, as mmap(NULL) would choose. Returns 0 or -ENOMEM. */
static int interp_bias(struct mm *mm, uint64_t lo, uint64_t hi, uint64_t *bias)
{
	uint64_t at;

	if (vma_find_gap_topdown(&mm->vmas, hi - lo, USER_BASE, USER_MMAP_BASE,
				 STACK_GUARD_GAP, &at))
		return -ENOMEM;
	*bias = at - lo;
	return 0;
}

/* Maps every PT_LOAD of a checked file at bias into img. Returns 0 or a negative errno. */
static int map_image(struct mm *mm, struct inode *ino, uint64_t bias, struct elf_image *img)
{
	const struct elf64_ehdr *e = (const void *)ino->data;
	const struct elf64_phdr *ph = elf_phdrs(ino);

	img->bias = bias;
	img->phdr = 0;
	img->end = img->data_start = img->data_end = 0;
	for (unsigned i = 0; i < e->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		int err = load_segment(mm, ino, &ph[i], bias);
		if (err)
			return err;
		if (e->e_phoff >= ph[i].p_offset && e->e_phoff < ph[i].p_offset + ph[i].p_filesz)
			img->phdr = ph[i].p_vaddr + bias + (e->e_phoff - ph[i].p_offset);
		img->end = MM_MAX(img->end, PAGE_UP(ph[i].p_vaddr + bias + ph[i].p_memsz));
		img->data_start = MM_MAX(img->data_start, ph[i].p_vaddr + bias);
		img->data_end = MM_MAX(img->data_end, ph[i].p_vaddr + bias + ph[i].p_filesz);
	}
	img->entry = e->e_entry + bias;
	img->phnum = e->e_phnum;
	return img->end ? 0 : -ENOEXEC;
}

/* Maps the program, then its interpreter if it has one. Returns 0 or a negative errno. */
static int load_elf(struct mm *mm, struct inode *ino, struct load_info *li)
{
	const struct elf64_ehdr *e = check_elf(ino);
	uint64_t lo, hi, bias;

	if (!e || !elf_span(ino, &lo, &hi))
		return -ENOEXEC;
	int err = map_image(mm, ino, program_bias(e, lo, li->interp_ino), &li->prog);
	if (err || !li->interp_ino)
		return err;
	if (!elf_span(li->interp_ino, &lo, &hi))
		return -ENOEXEC;
	err = interp_bias(mm, lo, hi, &bias);
	return err ? err : map_image(mm, li->interp_ino, bias, &li->interp);
}

/* Addresses of the strings and bytes above the vectors (see the top). */
struct stack_top {
	uint64_t strings, execfn, platform, random;
};

static struct stack_top stack_layout(const struct exec_args *a, const char *path)
{
	size_t plen = strlen(path) + 1;
	struct stack_top s;

	s.strings = USER_STACK_TOP - PAGE_UP(a->len + plen + 1);
	s.execfn = s.strings + a->len;
	s.platform = (s.strings - 16) & ~15ull;
	s.random = s.platform - 16;
	return s;
}

/* The auxiliary vector into w (AUXV_MAX pairs at most). Returns the word after AT_NULL. */
static uint64_t *put_auxv(uint64_t *w, const struct load_info *li, const struct stack_top *s)
{
	uint64_t aux[][2] = {
		{ AT_PHDR, li->prog.phdr }, { AT_PHENT, sizeof(struct elf64_phdr) },
		{ AT_PHNUM, li->prog.phnum }, { AT_PAGESZ, MM_PAGE_SIZE },
		{ AT_BASE, li->interp_ino ? li->interp.bias : 0 }, { AT_FLAGS, 0 },
		{ AT_ENTRY, li->prog.entry }, { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 },
		{ AT_EGID, 0 }, { AT_SECURE, 0 }, { AT_RANDOM, s->random },
		{ AT_HWCAP, cpu_has.leaf1_edx /* Linux's ELF_HWCAP */ }, { AT_HWCAP2, 0 },
		{ AT_CLKTCK, HZ },
		{ AT_PLATFORM, s->platform }, { AT_EXECFN, s->execfn }, { AT_NULL, 0 },
	};
	_Static_assert(ARRAY_SIZE(aux) <= AUXV_MAX, "AUXV_MAX too small");

	for (unsigned i = 0; i < ARRAY_SIZE(aux); i++) {
		*w++ = aux[i][0];
		*w++ = aux[i][1];
	}
	return w;
}

/* Copies the strings and random bytes above the vectors. Returns 0 or -EFAULT. */
static int put_stack_top(const struct exec_args *a, const char *path, const struct stack_top *s)
{
	uint64_t rnd[2];

	rng_fill(&kernel_rng, rnd, sizeof(rnd));
	return copy_to_user(s->strings, a->buf, a->len) ?:
	       copy_to_user(s->execfn, path, strlen(path) + 1) ?:
	       copy_to_user(s->platform, PLATFORM, sizeof(PLATFORM)) ?:
	       copy_to_user(s->random, rnd, sizeof(rnd));
}

/* Writes strings, random bytes and vectors; returns the initial rsp or 0. */
static uint64_t build_stack(const struct exec_args *a, const struct load_info *li)
{
	struct stack_top s = stack_layout(a, li->path);
	int nstr = a->argc + a->envc, nwords = 1 + nstr + 2 + 2 * AUXV_MAX;
	uint64_t *vec = kmalloc((size_t)nwords * 8, BUDDY_GFP_KERNEL);
	uint64_t ustr = s.strings, *w = vec;

	if (!vec)
		return 0;
	uint64_t sp = (s.random - (uint64_t)nwords * 8) & ~15ull;
	*w++ = (uint64_t)a->argc;
	for (int i = 0; i < nstr; i++) {
		if (i == a->argc)
			*w++ = 0;
		*w++ = ustr;
		ustr += strlen(a->buf + (ustr - s.strings)) + 1;
	}
	if (nstr == a->argc)
		*w++ = 0;
	*w++ = 0;
	w = put_auxv(w, li, &s);
	int err = put_stack_top(a, li->path, &s) ?:
		  copy_to_user(sp, vec, (size_t)(w - vec) * 8);
	kfree(vec);
	return err ? 0 : sp;
}

static int setup_space(struct mm *mm, struct inode *ino, const struct exec_args *a,
		       struct load_info *li, uint64_t *sp)
{
	int err = load_elf(mm, ino, li);

	if (err)
		return err;
	mm->brk_start = mm->brk = li->prog.end;
	mm->data_start = li->prog.data_start;
	mm->data_end = li->prog.data_end;
	err = uvm_map_area(mm, USER_STACK_TOP - USER_STACK_INIT, USER_STACK_INIT,
			   VMA_READ | VMA_WRITE, VMA_GROWSDOWN, NULL, 0);
	if (err)
		return err;
	*sp = build_stack(a, li);
	return *sp ? 0 : -EFAULT;
}

static void start_frame(struct pt_regs *r, uint64_t entry, uint64_t sp)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rsp = sp;
	r->cs = GDT_USER_CS;
	r->ss = GDT_USER_DS;
	r->rflags = X86_EFLAGS_IF | 0x2;
}

/* Keeps the start of argv (NUL-separated, as Linux's /proc/PID/cmdline). */
static void keep_cmdline(struct task *t, const struct exec_args *a)
{
	size_t len = 0;

	for (int i = 0; i < a->argc; i++)
		len += strlen(a->buf + len) + 1;
	len = MM_MIN(len, sizeof(t->cmdline));
	memcpy(t->cmdline, a->buf, len);
	t->cmdline_len = (uint32_t)len;
}

int exec_image(struct task *t, const char *path, const struct exec_args *a)
{
	struct inode *ino = initrd_lookup(path);
	struct mm *old = t->mm, *mm;
	struct load_info li = { .path = path };
	uint64_t sp = 0;
	int err;

	if (!ino)
		return -ENOENT;
	if (!check_elf(ino))
		return -ENOEXEC;
	li.interp_ino = find_interp(ino, &err);
	if (err)
		return err;
	mm = uvm_create();
	if (!mm)
		return -ENOMEM;
	t->mm = mm;
	rlimit_apply(t, mm);     /* before the stack and heap are mapped */
	uvm_switch(mm);
	err = setup_space(mm, ino, a, &li, &sp);
	if (err) {
		t->mm = old;
		uvm_switch(old);
		uvm_destroy(mm);
		return err;
	}
	if (old)
		uvm_destroy(old);
	const char *base = strchr(path, '/') ? path + strlen(path) : path;
	while (base > path && base[-1] != '/')
		base--;
	strlcpy(t->comm, base, sizeof(t->comm));
	keep_cmdline(t, a);
	strlcpy(t->exe, path, sizeof(t->exe));
	file_close_on_exec(t);
	signal_exec(t);
	start_frame(t->uregs, li.interp_ino ? li.interp.entry : li.prog.entry, sp);
	t->fs_base = 0;
	wrmsr(0xc0000100, 0);
	fpu_init_state(&t->fpu);
	if (t == current)
		fpu_restore(&t->fpu);
	return 0;
}

/* argv for pid 1: /sbin/init runs the init= program, else it runs alone. */
static int init_args(struct exec_args *a, const char **path)
{
	static const char *const env[] = { "HOME=/", "TERM=linux", "PATH=/bin:/sbin" };
	const char *prog = kparams.init;
	int err = 0;

	*path = initrd_lookup("/sbin/init") ? "/sbin/init" : prog;
	err = exec_args_add(a, *path, strlen(*path), false);
	if (!err && strcmp(*path, prog))
		err = exec_args_add(a, prog, strlen(prog), false);
	for (unsigned i = 0; !err && i < kparams.nr_unknown; i++)
		if (!strchr(kparams.unknown[i], '='))
			err = exec_args_add(a, kparams.unknown[i], strlen(kparams.unknown[i]), false);
	for (unsigned i = 0; !err && i < kparams.nr_init_args; i++)
		err = exec_args_add(a, kparams.init_args[i], strlen(kparams.init_args[i]), false);
	for (unsigned i = 0; !err && i < ARRAY_SIZE(env); i++)
		err = exec_args_add(a, env[i], strlen(env[i]), true);
	return err;
}

/*
 * pid 1 is built by the idle task, which borrows its identity (current)
 * while exec_image writes the new stack, so the user copies and faults go
 * to the right address space.
 */
int exec_start_init(void)
{
	struct pt_regs zero = { 0 };
	struct exec_args a;
	const char *path;
	struct task *idle = current, *t;
	int err = exec_args_init(&a);

	if (err)
		return err;
	t = task_create_user(NULL, &zero, "init");
	err = !t ? -ENOMEM : init_args(&a, &path) ?: file_open_console(t);
	if (!err) {
		current = t;
		err = exec_image(t, path, &a);
		current = idle;
	}
	exec_args_free(&a);
	if (err)
		return err;
	pr_info("Run %s as init process\n", path);
	task_start(t);
	return 0;
}
