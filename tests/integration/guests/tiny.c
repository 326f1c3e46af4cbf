/*
 * tiny.c: the tiny test guest for the VMM's integration tests and benches.
 * 32-bit, no paging, no interrupts. It prints what the PVH start_info says
 * (magic, command line, e820 map, modules) to COM1 and then acts on its
 * command line:
 *   exit=N        exit with status N through port 0xf4 (default 0)
 *   fault=triple  triple-fault (empty IDT, then int3)
 *   loop=N        N writes to port 0x510 first (VM exit round trips)
 *   quiet         print nothing
 */
#include "exit_status.h"
#include "pvh.h"

#include <stdint.h>

#define COM1 0x3f8
#define LOOP_PORT 0x510

static int quiet;

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	if (quiet)
		return;
	while (*s)
		putc_serial(*s++);
}

static void put_hex(uint64_t v)
{
	char buf[19] = "0x";
	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = 0;
	puts_serial(buf);
}

static void put_dec(uint32_t v)
{
	char buf[11];
	int i = 10;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_serial(buf + i);
}

/* Finds "key=" in the command line; returns the value or 0. */
static const char *cmdline_value(const char *cmdline, const char *key)
{
	for (const char *p = cmdline; *p; p++) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		const char *k = key, *q = p;
		while (*k && *q == *k)
			k++, q++;
		if (!*k && (*q == '=' || *q == ' ' || !*q))
			return *q == '=' ? q + 1 : q;
	}
	return 0;
}

static uint32_t parse_dec(const char *s)
{
	uint32_t v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

static void print_start_info(const struct hvm_start_info *si)
{
	const char *cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
	const struct hvm_memmap_table_entry *e =
		(const void *)(uintptr_t)si->memmap_paddr;

	puts_serial("tiny: PVH magic ");
	put_hex(si->magic);
	puts_serial(" version ");
	put_dec(si->version);
	puts_serial("\ntiny: cmdline: ");
	puts_serial(cmdline);
	puts_serial("\n");
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		puts_serial("tiny: e820 ");
		put_hex(e[i].addr);
		puts_serial(" ");
		put_hex(e[i].size);
		puts_serial(" type ");
		put_dec(e[i].type);
		puts_serial("\n");
	}
}

static void print_modules(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
	for (uint32_t i = 0; i < si->nr_modules; i++) {
		const char *data = (const char *)(uintptr_t)m[i].paddr;
		puts_serial("tiny: module ");
		put_dec(i);
		puts_serial(" size ");
		put_dec((uint32_t)m[i].size);
		puts_serial(" starts \"");
		for (uint32_t j = 0; j < m[i].size && j < 16 && data[j] >= ' '; j++)
			putc_serial(data[j]);
		puts_serial("\"\n");
	}
}

static void triple_fault(void)
{
	static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idt = { 0, 0 };
	puts_serial("tiny: triple fault now\n");
	__asm__ volatile("lidt %0; ud2" : : "m"(idt));
}

void tiny_main(const struct hvm_start_info *si);
void tiny_main(const struct hvm_start_info *si)
{
	const char *cmdline = (const char *)(uintptr_t)si->cmdline_paddr;

	quiet = cmdline_value(cmdline, "quiet") != 0;
	puts_serial("tiny: hello from PVH\n");
	if (si->magic != PVH_START_MAGIC) {
		puts_serial("tiny: bad start_info magic\n");
		outl(EXIT_PORT, 99);
	}
	print_start_info(si);
	print_modules(si);
	for (uint32_t n = parse_dec(cmdline_value(cmdline, "loop")); n; n--)
		outl(LOOP_PORT, n);
	if (cmdline_value(cmdline, "fault"))
		triple_fault();
	puts_serial("tiny: bye\n");
	outl(EXIT_PORT, parse_dec(cmdline_value(cmdline, "exit")));
}
