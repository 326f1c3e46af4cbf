/*
 * apic.c: local APIC setup on each CPU, EOI, the periodic timer and
 * inter-processor interrupts (INIT, STARTUP, fixed vectors).
 *
 * The mode (x2APIC or xAPIC) and the MMIO mapping are chosen once by the
 * boot CPU in apic_init and read-only afterwards; every other call acts on
 * the calling CPU's own local APIC.
 *
 * The timer's input clock is assumed to be 1 GHz: KVM and QEMU both model
 * the APIC bus with a 1 ns cycle. That makes HZ approximate on hardware
 * with another bus clock; nothing here depends on exact ticks.
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/traps.h>
#include <printk.h>

#define APIC_BUS_HZ     1000000000u
#define APIC_ID         0x020
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
#define APIC_ICR        0x300
#define APIC_ICR_HIGH   0x310
#define APIC_LVT_TIMER  0x320
#define APIC_LVT_ERROR  0x370
#define APIC_TMICT      0x380
#define APIC_TDCR       0x3e0
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TDCR_DIV16 0x3
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2     (1ull << 10)
#define APIC_ICR_BUSY    (1u << 12)
#define APIC_ICR_INIT    0x500
#define APIC_ICR_STARTUP 0x600
#define APIC_ICR_ASSERT  (1u << 14)

static bool apic_x2;
static volatile uint32_t *apic_mmio;

static void apic_write(unsigned reg, uint32_t v)
{
	if (apic_x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		apic_mmio[reg / 4] = v;
}

static uint32_t apic_read(unsigned reg)
{
	return apic_x2 ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : apic_mmio[reg / 4];
}

unsigned apic_id(void)
{
	return apic_x2 ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

/* Sends the interrupt command @low to the local APIC @dest. */
static void apic_send(unsigned dest, uint32_t low)
{
	if (apic_x2) {
		wrmsr(0x800 + (APIC_ICR >> 4), ((uint64_t)dest << 32) | low);
		return;
	}
	apic_write(APIC_ICR_HIGH, dest << 24);
	apic_write(APIC_ICR, low);
	while (apic_read(APIC_ICR) & APIC_ICR_BUSY)
		__asm__ __volatile__("pause");
}

void apic_send_ipi(unsigned dest, unsigned vector)
{
	apic_send(dest, APIC_ICR_ASSERT | vector);
}

void apic_send_init(unsigned dest)
{
	apic_send(dest, APIC_ICR_ASSERT | APIC_ICR_INIT);
}

void apic_send_startup(unsigned dest, unsigned long start_phys)
{
	apic_send(dest, APIC_ICR_ASSERT | APIC_ICR_STARTUP | (uint32_t)(start_phys >> 12));
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_set_tpr(unsigned tpr)
{
	apic_write(APIC_TPR, tpr);
}

static void apic_spurious(struct pt_regs *regs)
{
	(void)regs;     /* no EOI for a spurious interrupt */
}

void apic_enable_local(void)
{
	if (apic_x2)
		wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE | APIC_BASE_X2);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
}

bool apic_init(void)
{
	if (!cpu_has.apic) {
		pr_warn("APIC: none on this CPU, no timer\n");
		return false;
	}
	uint64_t base = rdmsr(MSR_APIC_BASE);
	apic_x2 = cpu_has.x2apic;
	if (!apic_x2)
		apic_mmio = ioremap(base & ~0xfffull, PAGE_SIZE);
	trap_set_handler(VEC_SPURIOUS, apic_spurious);
	apic_enable_local();
	pr_info("APIC: local APIC in %s mode (base 0x%llx)\n", apic_x2 ? "x2APIC" : "xAPIC",
		(unsigned long long)(base & ~0xfffull));
	return true;
}

void apic_timer_start(unsigned hz)
{
	apic_write(APIC_TDCR, APIC_TDCR_DIV16);
	apic_write(APIC_LVT_TIMER, VEC_TIMER | APIC_TIMER_PERIODIC);
	apic_write(APIC_TMICT, APIC_BUS_HZ / 16 / hz);
}
