/*
 * serial.c: 16550A register model (see serial.h). Bus callbacks take s->lock.
 */
#include "serial.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

enum {
	UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3,
	UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
#define UART_LCR_DLAB  0x80
#define UART_IER_THRI  0x02
#define UART_IIR_NONE  0x01
#define UART_IIR_THRI  0x02
#define UART_IIR_FIFO  0xc0
#define UART_FCR_FIFO  0x01
#define UART_MCR_OUT2  0x08
#define UART_MCR_LOOP  0x10
#define UART_LSR_THRE  0x20
#define UART_LSR_TEMT  0x40
#define UART_MSR_IDLE  0xb0 /* DCD, DSR, CTS */

void serial_init(struct serial *s, int out_fd, struct irq_line irq,
		 struct console_watch *watch)
{
	memset(s, 0, sizeof(*s));
	s->out_fd = out_fd;
	s->irq = irq;
	s->watch = watch;
	s->dll = 12; /* 9600 baud, as firmware leaves it */
	pthread_mutex_init(&s->lock, NULL);
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* With s->lock held: writes out the buffered output. */
static void flush_locked(struct serial *s)
{
	unsigned off = 0;
	while (off < s->buf_len) {
		ssize_t n = write(s->out_fd, s->buf + off, s->buf_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* output gone (closed pipe): drop, the guest runs on */
		off += (unsigned)n;
	}
	s->buf_len = 0;
}

void serial_flush(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	flush_locked(s);
	pthread_mutex_unlock(&s->lock);
}

static bool serial_irq_pending(const struct serial *s)
{
	return (s->ier & UART_IER_THRI) && s->thri_pending;
}

static void serial_update_irq(struct serial *s)
{
	irq_line_set(&s->irq, serial_irq_pending(s) && (s->mcr & UART_MCR_OUT2));
}

static void serial_transmit(struct serial *s, uint8_t c)
{
	s->bytes_out++;
	if (s->mcr & UART_MCR_LOOP)
		return; /* loopback: nothing leaves the chip */
	s->buf[s->buf_len++] = (char)c;
	if (c != '\n' && s->buf_len < sizeof(s->buf))
		return;
	if (s->watch) /* a line, or a full buffer's piece of a longer one */
		console_watch_feed(s->watch, s->buf, s->buf_len - (c == '\n'));
	flush_locked(s);
}

static uint8_t serial_read_iir(struct serial *s)
{
	uint8_t fifo = (s->fcr & UART_FCR_FIFO) ? UART_IIR_FIFO : 0;
	if (!serial_irq_pending(s))
		return fifo | UART_IIR_NONE;
	s->thri_pending = false; /* reading IIR acknowledges THR empty */
	serial_update_irq(s);
	return fifo | UART_IIR_THRI;
}

static uint8_t serial_read_reg(struct serial *s, uint64_t reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	switch (reg) {
	case UART_RBR_THR: return dlab ? s->dll : 0;
	case UART_IER:     return dlab ? s->dlm : s->ier;
	case UART_IIR_FCR: return serial_read_iir(s);
	case UART_LCR:     return s->lcr;
	case UART_MCR:     return s->mcr;
	case UART_LSR:     return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR:     return (uint8_t)((s->mcr & UART_MCR_LOOP) ? (s->mcr & 0x0f) << 4
								    : UART_MSR_IDLE);
	default:           return s->scr;
	}
}

static void serial_write_ier(struct serial *s, uint8_t v)
{
	if ((v & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
		s->thri_pending = true; /* THR is empty the moment THRI is enabled */
	s->ier = v & 0x0f;
}

static void serial_write_reg(struct serial *s, uint64_t reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	switch (reg) {
	case UART_RBR_THR:
		if (dlab) {
			s->dll = v;
		} else {
			serial_transmit(s, v);
			s->thri_pending = true;
		}
		break;
	case UART_IER:
		if (dlab)
			s->dlm = v;
		else
			serial_write_ier(s, v);
		break;
	case UART_IIR_FCR: s->fcr = v & 0xc9; break;
	case UART_LCR:     s->lcr = v; break;
	case UART_MCR:     s->mcr = v & 0x1f; break;
	case UART_SCR:     s->scr = v; break;
	default:           break; /* LSR and MSR are read-only */
	}
	serial_update_irq(s);
}

static void serial_read(void *dev, uint64_t offset, uint8_t *data, unsigned size)
{
	struct serial *s = dev;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < size; i++)
		data[i] = serial_read_reg(s, offset + i);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *dev, uint64_t offset, const uint8_t *data, unsigned size)
{
	struct serial *s = dev;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < size; i++)
		serial_write_reg(s, offset + i, data[i]);
	pthread_mutex_unlock(&s->lock);
}

const struct bus_ops serial_ops = { .read = serial_read, .write = serial_write };

void serial_get_state(struct serial *s, struct serial_state *st)
{
	pthread_mutex_lock(&s->lock);
	flush_locked(s);
	*st = (struct serial_state){ .ier = s->ier, .lcr = s->lcr, .mcr = s->mcr, .scr = s->scr,
				     .fcr = s->fcr, .dll = s->dll, .dlm = s->dlm,
				     .thri_pending = s->thri_pending };
	pthread_mutex_unlock(&s->lock);
}

void serial_set_state(struct serial *s, const struct serial_state *st)
{
	pthread_mutex_lock(&s->lock);
	s->ier = st->ier & 0x0f;
	s->lcr = st->lcr;
	s->mcr = st->mcr & 0x1f;
	s->scr = st->scr;
	s->fcr = st->fcr & 0xc9;
	s->dll = st->dll;
	s->dlm = st->dlm;
	s->thri_pending = st->thri_pending != 0;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}
