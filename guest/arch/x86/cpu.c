/*
 * cpu.c: each CPU's descriptor tables and control bits.
 *
 * GDT (one per CPU): null, kernel code/data, user data/code (sysret
 * order), that CPU's TSS.
 * TSS (one per CPU): RSP0 = the current task's kernel stack top; IST1 =
 * #DF stack, IST2 = NMI stack (the boot CPU's each above a guard page,
 * an AP's from the page allocator).
 * IDT (shared): all 256 vectors point at entry.S stubs; #DF and NMI use
 * their IST. Written once by the boot CPU in cpu_init, read-only after.
 * CPU c's tables are written by the boot CPU before c starts, then by c only.
 */
#include <asm/traps.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <printk.h>
#include <string.h>
#include <sched.h>
#include <percpu.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

extern char trap_stubs[], df_stack_top[], nmi_stack_top[], boot_stack_top[];

struct cpu_tables {
	uint64_t gdt[7];
	struct tss64 tss;
} __aligned(16);

struct cpu_features cpu_has;
static struct idt_gate idt[256] __aligned(16);
/* Per-CPU by nature: the tables each CPU's GDTR and TR point at. */
static struct cpu_tables cpu_tables[MM_NR_CPUS];
static const uint64_t gdt_template[5] = {
	0,
	0x00af9a000000ffff, /* 0x08 kernel code, 64-bit */
	0x00cf92000000ffff, /* 0x10 kernel data */
	0x00cff2000000ffff, /* 0x18 user data (DPL 3) */
	0x00affa000000ffff, /* 0x20 user code, 64-bit (DPL 3) */
};                          /* 0x28 TSS, filled in by gdt_set_tss */

static void gdt_set_tss(struct cpu_tables *t)
{
	uint64_t base = (uint64_t)&t->tss, limit = sizeof(t->tss) - 1;

	for (unsigned i = 0; i < 5; i++)
		t->gdt[i] = gdt_template[i];
	t->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[6] = base >> 32;
}

static void gdt_load(struct cpu_tables *t)
{
	struct desc_ptr p = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };

	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"mov %2, %%ds\n\t"
		"mov %2, %%es\n\t"
		"mov %2, %%ss\n\t"
		: : "m"(p), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS) : "rax", "memory");
	__asm__ __volatile__("ltr %w0" : : "r"(GDT_TSS));
}

static void idt_set_gate(unsigned vec, uint64_t addr, unsigned ist)
{
	struct idt_gate *g = &idt[vec];

	g->off_lo = addr & 0xffff;
	g->sel = GDT_KERNEL_CS;
	g->ist = (uint8_t)ist;
	g->type = 0x8e;  /* present, DPL 0, 64-bit interrupt gate */
	g->off_mid = (addr >> 16) & 0xffff;
	g->off_hi = (uint32_t)(addr >> 32);
	g->reserved = 0;
}

static void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set_gate(v, (uint64_t)trap_stubs + 16 * v, 0);
	idt[X86_TRAP_DF].ist = IST_DF;
	idt[X86_TRAP_NMI].ist = IST_NMI;
}

static void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ __volatile__("lidt %0" : : "m"(p));
}

/* Family, model and stepping from CPUID.1:EAX, extended fields folded in as Linux does. */
static void cpu_detect_signature(uint32_t eax)
{
	unsigned family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;

	if (family == 0xf)
		family += (eax >> 20) & 0xff;
	if (family >= 0x6)
		model |= ((eax >> 16) & 0xf) << 4;
	cpu_has.family = family;
	cpu_has.model = model;
	cpu_has.stepping = eax & 0xf;
}

static void cpu_detect_names(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	memcpy(cpu_has.vendor, &r[1], 4);
	memcpy(cpu_has.vendor + 4, &r[3], 4);
	memcpy(cpu_has.vendor + 8, &r[2], 4);
	cpuid(0x80000000, 0, r);
	if (r[0] < 0x80000004)
		return;
	for (uint32_t leaf = 0; leaf < 3; leaf++) {
		cpuid(0x80000002 + leaf, 0, r);
		memcpy(cpu_has.model_name + 16 * leaf, r, 16);
	}
}

/* CPUID.1:EDX bit names, as Linux's /proc/cpuinfo spells them. */
static const char *const edx_flag_names[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
	"mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi",
	"mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
};

char *cpu_flags_string(char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (unsigned b = 0; b < 32; b++)
		if ((cpu_has.leaf1_edx & (1u << b)) && edx_flag_names[b])
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? " " : "", edx_flag_names[b]);
	snprintf(buf + len, len < n ? n - len : 0, "%s%s%s%s", cpu_has.nx ? " nx" : "",
		 cpu_has.gbpages ? " pdpe1gb" : "", cpu_has.x2apic ? " x2apic" : "",
		 cpu_has.hypervisor ? " hypervisor" : "");
	return buf;
}

static void cpu_detect(void)
{
	uint32_t r[4];

	cpu_detect_names();
	cpuid(1, 0, r);
	cpu_detect_signature(r[0]);
	cpu_has.hypervisor = r[2] & (1u << 31);
	cpu_has.leaf1_edx = r[3];
	cpu_has.pge = r[3] & (1u << 13);
	cpu_has.apic = r[3] & (1u << 9);
	cpu_has.x2apic = r[2] & (1u << 21);
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu_has.nx = r[3] & (1u << 20);
		cpu_has.gbpages = r[3] & (1u << 26);
	}
}

/* Turns on write protection in ring 0, SSE, NX and global pages when present. */
static void cpu_enable_features(void)
{
	/* FPU and SSE for user code (the kernel itself is general-registers only). */
	write_cr0((read_cr0() | X86_CR0_WP | X86_CR0_MP) & ~X86_CR0_EM);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	if (cpu_has.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	if (cpu_has.pge)
		write_cr4(read_cr4() | X86_CR4_PGE);
}

/* Where interrupts from ring 3 and native system calls put their frame, on this CPU. */
void cpu_set_kernel_stack(unsigned long top)
{
	struct percpu *p = this_cpu();

	cpu_tables[p->cpu].tss.rsp[0] = top;
	p->kstack_top = top;
}

/* Fills CPU @cpu's GDT and TSS and loads them, with the shared IDT, on this CPU. */
static void cpu_load_tables(unsigned cpu, unsigned long stack_top, unsigned long df_top,
			    unsigned long nmi_top)
{
	struct cpu_tables *t = &cpu_tables[cpu];

	t->tss.rsp[0] = stack_top;
	t->tss.ist[IST_DF - 1] = df_top;
	t->tss.ist[IST_NMI - 1] = nmi_top;
	t->tss.iomap_base = sizeof(t->tss);
	gdt_set_tss(t);
	gdt_load(t);
	idt_load();
	percpu_of(cpu)->kstack_top = stack_top;
}

void cpu_init_ap(unsigned cpu, unsigned long stack_top, unsigned long df_top,
		 unsigned long nmi_top)
{
	cpu_load_tables(cpu, stack_top, df_top, nmi_top);
	cpu_enable_features();
}

void cpu_init(void)
{
	cpu_detect();
	idt_init();
	cpu_load_tables(0, (unsigned long)boot_stack_top, (unsigned long)df_stack_top,
			(unsigned long)nmi_stack_top);
	cpu_enable_features();
	pr_info("CPU: features:%s%s%s%s%s\n", cpu_has.nx ? " nx" : "",
		cpu_has.pge ? " pge" : "", cpu_has.gbpages ? " pdpe1gb" : "",
		cpu_has.apic ? " apic" : "", cpu_has.x2apic ? " x2apic" : "");
}
