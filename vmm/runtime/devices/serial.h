/*
 * serial.h: a 16550A UART (COM1 at 0x3f8, IRQ 4) whose transmitter writes
 * to a host file descriptor. Transmission is instant, so THR is always
 * empty; the THR-empty interrupt is raised as a real UART would (on IER
 * enable and after each write) and only reaches the line when MCR.OUT2 is
 * set, as on a PC. There is no input: RBR reads 0 and LSR.DR stays clear.
 * Each complete output line also goes to the console watch, when there is
 * one (a line longer than the buffer reaches it in pieces).
 *
 * Locking: `lock` serialises every register access and the output buffer,
 * whichever vCPU (the bus takes no lock) or host thread (serial_flush)
 * comes; the write to out_fd and the feed to the watch (whose own lock is
 * taken under it) happen under it, so lines stay whole.
 */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include "bus.h"
#include "console_watch.h"

#include <pthread.h>

#define SERIAL_COM1_BASE 0x3f8
#define SERIAL_COM1_IRQ  4

struct serial {
	pthread_mutex_t lock;          /* protects everything below but irq, out_fd */
	/* registers */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;             /* THR-empty interrupt waiting to be read */
	struct irq_line irq;
	int out_fd;                    /* host fd the guest's output goes to */
	char buf[256];                 /* output not yet written to out_fd */
	unsigned buf_len;
	uint64_t bytes_out;
	struct console_watch *watch;   /* NULL: none; fed each output line */
};

void serial_init(struct serial *s, int out_fd, struct irq_line irq,
		 struct console_watch *watch);
void serial_destroy(struct serial *s);
extern const struct bus_ops serial_ops;
/* Writes out whatever the guest printed that is still buffered. */
void serial_flush(struct serial *s);

/* The registers, for save and restore (a fixed record: snapfmt.h). */
struct serial_state {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t thri_pending;
};
/* Flushes the output, then copies the registers out. */
void serial_get_state(struct serial *s, struct serial_state *st);
/* Loads the registers and drives the interrupt line to match. */
void serial_set_state(struct serial *s, const struct serial_state *st);

#endif
