/*
 * cpu.c: the boot CPU's descriptor tables and control bits.
 *
 * GDT: null, kernel code/data, user data/code (sysret order), TSS.
 * TSS: IST1 = #DF stack, IST2 = NMI stack (each above a guard page).
 * IDT: all 256 vectors point at entry.S stubs; #DF and NMI use their IST.
 * Owned by the boot CPU; written once in cpu_init, read-only afterwards.
 */
#include <asm/traps.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <printk.h>
#include <string.h>
#include <sched.h>

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

struct cpu_features cpu_has;
static struct tss64 cpu_tss __aligned(16);
static struct idt_gate idt[256] __aligned(16);
static uint64_t gdt[7] __aligned(16) = {
	0,
	0x00af9a000000ffff, /* 0x08 kernel code, 64-bit */
	0x00cf92000000ffff, /* 0x10 kernel data */
	0x00cff2000000ffff, /* 0x18 user data (DPL 3) */
	0x00affa000000ffff, /* 0x20 user code, 64-bit (DPL 3) */
	0, 0,               /* 0x28 TSS, filled in by gdt_set_tss */
};

static void gdt_set_tss(void)
{
	uint64_t base = (uint64_t)&cpu_tss, limit = sizeof(cpu_tss) - 1;

	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
}

static void gdt_load(void)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)gdt };

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
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ __volatile__("lidt %0" : : "m"(p));
}

static void cpu_detect(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
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

/* Where interrupts from ring 3 and native system calls put their frame. */
void cpu_set_kernel_stack(unsigned long top)
{
	extern unsigned long syscall_kstack_top;

	cpu_tss.rsp[0] = top;
	syscall_kstack_top = top;
}

void cpu_init(void)
{
	cpu_detect();
	cpu_tss.rsp[0] = (uint64_t)boot_stack_top;
	cpu_tss.ist[IST_DF - 1] = (uint64_t)df_stack_top;
	cpu_tss.ist[IST_NMI - 1] = (uint64_t)nmi_stack_top;
	cpu_tss.iomap_base = sizeof(cpu_tss);
	gdt_set_tss();
	gdt_load();
	idt_init();
	cpu_enable_features();
	pr_info("CPU: features:%s%s%s%s%s\n", cpu_has.nx ? " nx" : "",
		cpu_has.pge ? " pge" : "", cpu_has.gbpages ? " pdpe1gb" : "",
		cpu_has.apic ? " apic" : "", cpu_has.x2apic ? " x2apic" : "");
}
