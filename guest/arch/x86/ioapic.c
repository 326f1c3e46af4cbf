/*
 * ioapic.c: I/O APIC line routing and the per-line handler registry
 * (see asm/ioapic.h).
 *
 * Trigger mode: level, active high. The virtio-mmio devices of memvisor
 * (KVM_IRQ_LINE) and QEMU hold their line high while InterruptStatus is
 * non-zero and drop it on InterruptACK. With level triggering a status bit
 * that is set again between our read and the EOI re-raises the interrupt
 * after the EOI (the I/O APIC's remote-IRR logic), so no event is lost; an
 * edge-triggered pin would need a re-read loop to be safe against that.
 * The handler acknowledges the device before the local APIC EOI, whose
 * broadcast clears remote IRR.
 *
 * The legacy 8259 PICs are masked first: KVM's in-kernel irqchip raises a
 * line on the PIC as well as on the I/O APIC, and a PIC left as reset
 * delivers it through LINT0 with vector base 0 (an exception vector).
 *
 * Owns: the redirection entries it programs (others stay masked as reset
 * left them) and irq_table. Runs on one CPU; the table is written with
 * interrupts off before a line is unmasked.
 */
#include <asm/ioapic.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/traps.h>
#include <printk.h>

#define IOREGSEL        0x00
#define IOWIN           0x10
#define IOAPIC_REG_VER  0x01
#define IOAPIC_REDTBL   0x10
#define RTE_MASKED      (1u << 16)
#define RTE_LEVEL       (1u << 15)
#define RTE_ACTIVE_LOW  (1u << 13)

struct ioapic {
	unsigned long phys;
	volatile uint32_t *mmio;    /* NULL until first use */
	unsigned first_gsi, pins;   /* pins 0 when absent */
	bool probed;
};

struct irq_entry {
	irq_handler_t fn;
	void *ctx;
	unsigned long count;
};

static struct ioapic ioapics[2] = {
	{ .phys = IOAPIC_BASE, .first_gsi = 0 },
	{ .phys = IOAPIC2_BASE },
};
static struct irq_entry irq_table[IOAPIC_MAX_GSI];

static uint32_t ioapic_read(struct ioapic *io, unsigned reg)
{
	io->mmio[IOREGSEL / 4] = reg;
	return io->mmio[IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, unsigned reg, uint32_t v)
{
	io->mmio[IOREGSEL / 4] = reg;
	io->mmio[IOWIN / 4] = v;
}

/* Masks every line of both 8259 PICs (OCW1 works uninitialised too). */
static void pic_mask_all(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

/* Maps and sizes an I/O APIC once; false when nothing answers there. */
static bool ioapic_probe(struct ioapic *io)
{
	if (io->probed)
		return io->pins != 0;
	io->probed = true;
	if (io == &ioapics[0])
		pic_mask_all();
	io->mmio = ioremap(io->phys, PAGE_SIZE);
	uint32_t ver = ioapic_read(io, IOAPIC_REG_VER);
	if (ver == 0 || ver == 0xffffffffu)
		return false;
	io->pins = ((ver >> 16) & 0xff) + 1;
	pr_info("IOAPIC: at 0x%lx, version 0x%x, %u pins from GSI %u\n", io->phys,
		ver & 0xff, io->pins, io->first_gsi);
	return true;
}

/* The I/O APIC serving gsi, probing as needed; NULL if none. */
static struct ioapic *ioapic_for(unsigned gsi)
{
	if (!ioapic_probe(&ioapics[0]))
		return NULL;
	if (gsi < ioapics[0].pins)
		return &ioapics[0];
	ioapics[1].first_gsi = ioapics[0].pins;
	if (!ioapic_probe(&ioapics[1]) || gsi - ioapics[1].first_gsi >= ioapics[1].pins)
		return NULL;
	return &ioapics[1];
}

static unsigned boot_apic_id(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[1] >> 24;
}

static void irq_dispatch(struct pt_regs *regs)
{
	unsigned gsi = (unsigned)regs->vector - IOAPIC_VEC_BASE;
	struct irq_entry *e = &irq_table[gsi];

	e->count++;
	if (e->fn)
		e->fn(gsi, e->ctx);
	apic_eoi();
}

static void ioapic_set_rte(unsigned gsi, uint32_t low, uint32_t high)
{
	struct ioapic *io = ioapic_for(gsi);
	unsigned pin = gsi - io->first_gsi;

	ioapic_write(io, IOAPIC_REDTBL + 2 * pin, RTE_MASKED);
	ioapic_write(io, IOAPIC_REDTBL + 2 * pin + 1, high);
	ioapic_write(io, IOAPIC_REDTBL + 2 * pin, low);
}

int ioapic_request_irq(unsigned gsi, irq_handler_t fn, void *ctx)
{
	if (gsi >= IOAPIC_MAX_GSI || irq_table[gsi].fn || !fn) {
		pr_err("IOAPIC: GSI %u is invalid or busy\n", gsi);
		return -1;
	}
	if (!ioapic_for(gsi)) {
		pr_err("IOAPIC: no I/O APIC serves GSI %u\n", gsi);
		return -1;
	}
	unsigned long flags = read_flags();
	irq_disable();
	irq_table[gsi] = (struct irq_entry){ .fn = fn, .ctx = ctx };
	trap_set_handler(IOAPIC_VEC_BASE + gsi, irq_dispatch);
	ioapic_set_rte(gsi, (IOAPIC_VEC_BASE + gsi) | RTE_LEVEL, boot_apic_id() << 24);
	if (flags & X86_EFLAGS_IF)
		irq_enable();
	pr_info("IOAPIC: GSI %u -> vector 0x%x, level, active high\n", gsi,
		IOAPIC_VEC_BASE + gsi);
	return 0;
}

void ioapic_mask_irq(unsigned gsi)
{
	if (gsi >= IOAPIC_MAX_GSI || !irq_table[gsi].fn)
		return;
	unsigned long flags = read_flags();
	irq_disable();
	ioapic_set_rte(gsi, RTE_MASKED | RTE_LEVEL | (IOAPIC_VEC_BASE + gsi), 0);
	irq_table[gsi].fn = NULL;
	if (flags & X86_EFLAGS_IF)
		irq_enable();
}
