/*
 * exec.c: ELF64 loading from the initrd and the initial user stack
 * (exec.h), and the start of pid 1.
 *
 * Each PT_LOAD becomes a private file-backed area over the initrd file
 * (pages come in on demand through the page cache), plus an anonymous
 * area for the bss beyond the file's last page; the bss part of that last
 * page is cleared through the user mapping (a copy-on-write fault), as
 * Linux's padzero does. The stack (SysV x86-64 ABI), from the top:
 * strings, 16 AT_RANDOM bytes, then 16-byte aligned argc, argv[], NULL,
 * envp[], NULL, auxv pairs, AT_NULL.
 */
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
#include <asm/cpu.h>
#include <asm/layout.h>

#define PAGE_LOW (MM_PAGE_SIZE - 1)
#define PAGE_UP(x) (((x) + PAGE_LOW) & ~PAGE_LOW)
#define PAGE_DOWN(x) ((x) & ~PAGE_LOW)

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define AUXV_MAX 14

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

/* What the loader learns for the stack and registers. */
struct load_info {
	uint64_t entry, phdr, brk;
	uint16_t phnum;
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

static const struct elf64_ehdr *check_elf(const struct inode *ino)
{
	const struct elf64_ehdr *e = (const void *)ino->data;

	if (ino->size < sizeof(*e) || memcmp(e->e_ident, "\177ELF", 4) || e->e_ident[4] != 2 ||
	    e->e_ident[5] != 1 || e->e_machine != EM_X86_64 ||
	    (e->e_type != ET_EXEC && e->e_type != ET_DYN) ||
	    e->e_phentsize != sizeof(struct elf64_phdr) || !e->e_phnum ||
	    e->e_phoff > ino->size || e->e_phnum * sizeof(struct elf64_phdr) > ino->size - e->e_phoff)
		return NULL;
	return e;
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
		err = clear_user(file_end, MM_MIN(PAGE_UP(file_end), mem_end) - file_end);
	return err;
}

static int load_elf(struct mm *mm, struct inode *ino, struct load_info *li)
{
	const struct elf64_ehdr *e = check_elf(ino);
	const struct elf64_phdr *ph;
	uint64_t bias = 0, lowest = UINT64_MAX;

	if (!e)
		return -ENOEXEC;
	ph = (const void *)(ino->data + e->e_phoff);
	for (unsigned i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			lowest = MM_MIN(lowest, ph[i].p_vaddr);
	if (e->e_type == ET_DYN && lowest < USER_BASE)
		bias = USER_BASE;
	li->brk = 0;
	li->phdr = 0;
	for (unsigned i = 0; i < e->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		int err = load_segment(mm, ino, &ph[i], bias);
		if (err)
			return err;
		if (e->e_phoff >= ph[i].p_offset && e->e_phoff < ph[i].p_offset + ph[i].p_filesz)
			li->phdr = ph[i].p_vaddr + bias + (e->e_phoff - ph[i].p_offset);
		li->brk = MM_MAX(li->brk, PAGE_UP(ph[i].p_vaddr + bias + ph[i].p_memsz));
	}
	li->entry = e->e_entry + bias;
	li->phnum = e->e_phnum;
	return li->brk ? 0 : -ENOEXEC;
}

/* 16 bytes for AT_RANDOM: not cryptographic, only different per exec. */
static void random_bytes(uint64_t out[2])
{
	static uint64_t state = 0x9e3779b97f4a7c15ull;

	for (int i = 0; i < 2; i++) {
		state ^= rdtsc();
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		out[i] = state;
	}
}

/* Writes strings, random bytes and vectors; returns the initial rsp or 0. */
static uint64_t build_stack(const struct exec_args *a, const struct load_info *li)
{
	uint64_t strings = USER_STACK_TOP - PAGE_UP(a->len + 1) , rnd[2];
	int nstr = a->argc + a->envc, nwords = 1 + nstr + 2 + 2 * AUXV_MAX;
	uint64_t *vec = kmalloc((size_t)nwords * 8, BUDDY_GFP_KERNEL);
	uint64_t ustr = strings, *w = vec;

	if (!vec)
		return 0;
	random_bytes(rnd);
	uint64_t urnd = strings - 16;
	uint64_t sp = (urnd - (uint64_t)nwords * 8) & ~15ull;
	*w++ = (uint64_t)a->argc;
	for (int i = 0; i < nstr; i++) {
		if (i == a->argc)
			*w++ = 0;
		*w++ = ustr;
		ustr += strlen(a->buf + (ustr - strings)) + 1;
	}
	if (nstr == a->argc)
		*w++ = 0;
	*w++ = 0;
	uint64_t aux[][2] = {
		{ AT_PHDR, li->phdr }, { AT_PHENT, sizeof(struct elf64_phdr) },
		{ AT_PHNUM, li->phnum }, { AT_PAGESZ, MM_PAGE_SIZE }, { AT_ENTRY, li->entry },
		{ AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 }, { AT_SECURE, 0 },
		{ AT_RANDOM, urnd }, { AT_EXECFN, strings }, { AT_NULL, 0 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(aux); i++) {
		*w++ = aux[i][0];
		*w++ = aux[i][1];
	}
	int err = copy_to_user(strings, a->buf, a->len) ?:
		  copy_to_user(urnd, rnd, sizeof(rnd)) ?:
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
	mm->brk_start = mm->brk = li->brk;
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
	struct load_info li;
	uint64_t sp = 0;

	if (!ino)
		return -ENOENT;
	if (!check_elf(ino))
		return -ENOEXEC;
	mm = uvm_create();
	if (!mm)
		return -ENOMEM;
	t->mm = mm;
	uvm_switch(mm);
	int err = setup_space(mm, ino, a, &li, &sp);
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
	start_frame(t->uregs, li.entry, sp);
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
