/*
 * uart.c: 16550 UART at COM1, polled transmit.
 *
 * With the FIFO enabled, THRE set means the 16-byte transmit FIFO is empty,
 * so we poll the line status once per 16 bytes: on a VMM every port access
 * is a VM exit, and this halves them.
 */
#include <uart.h>
#include <asm/cpu.h>

#define COM1      0x3f8
#define UART_THR  0   /* transmit holding */
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define UART_DLL  0
#define UART_DLM  1
#define LSR_THRE  0x20
#define FIFO_SIZE 16
#define POLL_LIMIT 100000   /* give up waiting on a stuck UART */

static unsigned uart_fifo_room;  /* bytes we may write without polling */

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);   /* no interrupts yet */
	outb(COM1 + UART_LCR, 0x80);   /* DLAB: set the divisor */
	outb(COM1 + UART_DLL, 0x01);   /* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03);   /* 8n1 */
	outb(COM1 + UART_FCR, 0x07);   /* enable and clear the FIFOs */
	outb(COM1 + UART_MCR, 0x03);   /* DTR | RTS */
	uart_fifo_room = 0;
}

static void uart_putc(char c)
{
	if (!uart_fifo_room) {
		for (int i = 0; i < POLL_LIMIT; i++)
			if (inb(COM1 + UART_LSR) & LSR_THRE)
				break;
		uart_fifo_room = FIFO_SIZE;
	}
	outb(COM1 + UART_THR, (uint8_t)c);
	uart_fifo_room--;
}

void uart_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}
