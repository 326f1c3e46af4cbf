/*
 * cpu.h: thin wrappers over privileged x86 instructions (port I/O, control
 * registers, MSRs, CPUID, interrupt flag). No policy here.
 */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <stdint.h>
#include <stdbool.h>

#define X86_CR0_MP   (1ul << 1)
#define X86_CR0_EM   (1ul << 2)
#define X86_CR0_WP   (1ul << 16)
#define X86_CR4_OSFXSR     (1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)
#define X86_CR0_PG   (1ul << 31)
#define X86_CR4_PGE  (1ul << 7)
#define X86_EFLAGS_IF (1ul << 9)
/* User RFLAGS bits a return to ring 3 may carry from user-chosen values
 * (CF PF AF ZF SF DF OF: no TF, IOPL, NT, VM...). */
#define USER_RFLAGS_MASK 0xcd5ull
/* The RFLAGS a return to ring 3 gets from user-chosen @flags. */
static inline unsigned long user_rflags(unsigned long flags)
{
	return (flags & USER_RFLAGS_MASK) | X86_EFLAGS_IF | 0x2;
}
#define MSR_EFER     0xc0000080
#define EFER_NXE     (1ull << 11)
#define EFER_LMA     (1ull << 10)
#define MSR_APIC_BASE 0x1b

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

#define DEFINE_CR(n)                                                        \
	static inline unsigned long read_cr##n(void)                        \
	{                                                                   \
		unsigned long v;                                            \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));       \
		return v;                                                   \
	}                                                                   \
	static inline void write_cr##n(unsigned long v)                     \
	{                                                                   \
		__asm__ __volatile__("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

static inline unsigned long read_flags(void)
{
	unsigned long f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
/* Enables interrupts and halts atomically (sti's shadow covers hlt). */
static inline void safe_halt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
static inline void invlpg(unsigned long va)
{
	__asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}
/* The x87/SSE state of user code, saved across task switches. */
struct fpu_state {
	uint8_t bytes[512];
} __attribute__((aligned(16)));

static inline void fpu_save(struct fpu_state *f)
{
	__asm__ __volatile__("fxsaveq %0" : "=m"(*f));
}
static inline void fpu_restore(const struct fpu_state *f)
{
	__asm__ __volatile__("fxrstorq %0" : : "m"(*f));
}
/* The state after reset: x87 control word 0x37f, MXCSR 0x1f80. */
static inline void fpu_init_state(struct fpu_state *f)
{
	for (unsigned i = 0; i < sizeof(f->bytes); i++)
		f->bytes[i] = 0;
	f->bytes[0] = 0x7f;
	f->bytes[1] = 0x03;
	f->bytes[24] = 0x80;
	f->bytes[25] = 0x1f;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif
