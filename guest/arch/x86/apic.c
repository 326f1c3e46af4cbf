/*
 * apic.c: local APIC setup, EOI and the periodic timer.
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
#define APIC_TPR        0x080
#define APIC_EOI        0x0b0
#define APIC_SVR        0x0f0
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

static bool apic_x2;
static volatile uint32_t *apic_mmio;

static void apic_write(unsigned reg, uint32_t v)
{
	if (apic_x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		apic_mmio[reg / 4] = v;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void apic_spurious(struct pt_regs *regs)
{
	(void)regs;     /* no EOI for a spurious interrupt */
}

bool apic_init(void)
{
	if (!cpu_has.apic) {
		pr_warn("APIC: none on this CPU, no timer\n");
		return false;
	}
	uint64_t base = rdmsr(MSR_APIC_BASE);
	apic_x2 = cpu_has.x2apic;
	if (apic_x2)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2);
	else
		apic_mmio = ioremap(base & ~0xfffull, PAGE_SIZE);
	trap_set_handler(VEC_SPURIOUS, apic_spurious);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
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
