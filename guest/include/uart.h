/*
 * uart.h: the 16550 serial console at COM1 (0x3f8), polled output.
 */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#include <stddef.h>

void uart_init(void);
/* Writes len bytes, turning "\n" into "\r\n". */
void uart_write(const char *s, size_t len);

#endif
