/*
 * test_devices.c: the port-I/O bus and the 16550 register model: what a
 * polling driver and an interrupt-driven driver see; the bus dispatches
 * without a lock of its own, so one busy device delays no other; the PM
 * device's power-off and reset requests.
 */
#include "bus.h"
#include "acpi.h"
#include "devices/debug_exit.h"
#include "devices/pm.h"
#include "devices/serial.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int irq_level = -1, irq_changes;

static void record_irq(void *ctx, unsigned irq, int level)
{
	(void)ctx;
	ck_assert_uint_eq(irq, SERIAL_COM1_IRQ);
	if (level != irq_level)
		irq_changes++;
	irq_level = level;
}

struct uart_fixture {
	struct bus bus;
	struct serial s;
	struct console_watch watch;
	int pipe[2];
};

static struct uart_fixture *uart_new(void)
{
	struct uart_fixture *f = calloc(1, sizeof(*f));
	ck_assert_int_eq(pipe(f->pipe), 0);
	bus_init(&f->bus, "pio");
	console_watch_init(&f->watch);
	serial_init(&f->s, f->pipe[1],
		    (struct irq_line){ .set = record_irq, .irq = SERIAL_COM1_IRQ }, &f->watch);
	ck_assert_int_eq(bus_register(&f->bus, SERIAL_COM1_BASE, 8, &serial_ops, &f->s, "com1"), 0);
	irq_level = -1;
	irq_changes = 0;
	return f;
}

static void uart_free(struct uart_fixture *f)
{
	close(f->pipe[0]);
	close(f->pipe[1]);
	serial_destroy(&f->s);
	bus_destroy(&f->bus);
	console_watch_destroy(&f->watch);
	free(f);
}

static uint8_t rd(struct uart_fixture *f, unsigned reg)
{
	uint8_t v;
	bus_access(&f->bus, SERIAL_COM1_BASE + reg, &v, 1, false);
	return v;
}

static void wr(struct uart_fixture *f, unsigned reg, uint8_t v)
{
	bus_access(&f->bus, SERIAL_COM1_BASE + reg, &v, 1, true);
}

START_TEST(polling_driver_sees_an_empty_transmitter_and_output_arrives)
{
	struct uart_fixture *f = uart_new();
	char buf[16] = "";
	ck_assert_uint_eq(rd(f, 5) & 0x60, 0x60); /* LSR: THRE | TEMT */
	wr(f, 0, 'h');
	wr(f, 0, 'i');
	wr(f, 0, '\n');
	ck_assert_int_eq(read(f->pipe[0], buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "hi\n");
	ck_assert_uint_eq(f->s.bytes_out, 3);
	uart_free(f);
}
END_TEST

static void print(struct uart_fixture *f, const char *text)
{
	for (; *text; text++)
		wr(f, 0, (uint8_t)*text);
}

START_TEST(a_console_pattern_is_seen_once_a_whole_line_matches_and_stays_seen)
{
	struct uart_fixture *f = uart_new();
	struct mv_error err;
	int holding = console_watch_add(&f->watch, "^memhog: holding", &err);
	int other = console_watch_add(&f->watch, "never printed", &err);
	ck_assert_int_eq(holding, 0);
	ck_assert_int_eq(other, 1);
	print(f, "memhog: hold");
	ck_assert(!console_watch_seen(&f->watch, holding)); /* no newline yet */
	print(f, "ing (pid 4)\n");
	ck_assert(console_watch_seen(&f->watch, holding));
	print(f, "x memhog: holding\nmore output\n");
	ck_assert(console_watch_seen(&f->watch, holding));
	ck_assert(!console_watch_seen(&f->watch, other));
	ck_assert(!console_watch_seen(&f->watch, 7)); /* no such pattern */
	uart_free(f);
}
END_TEST

/* serial.h: a line longer than the output buffer reaches the watch in pieces */
START_TEST(a_console_pattern_at_the_start_of_a_line_longer_than_the_buffer_is_seen)
{
	struct uart_fixture *f = uart_new();
	struct mv_error err;
	int start = console_watch_add(&f->watch, "^long line start", &err);
	int end = console_watch_add(&f->watch, "y end$", &err);
	char line[sizeof(f->s.buf) + 64];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	memcpy(line, "long line start", 15);
	memcpy(line + sizeof(line) - 7, "y end\n", 6);
	print(f, line);
	ck_assert(console_watch_seen(&f->watch, start));
	ck_assert(console_watch_seen(&f->watch, end));
	uart_free(f);
}
END_TEST

START_TEST(a_console_pattern_that_does_not_compile_is_refused_with_its_reason)
{
	struct console_watch w;
	struct mv_error err = { 0 };
	console_watch_init(&w);
	ck_assert_int_eq(console_watch_add(&w, "memhog: (holding", &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "memhog: (holding"));
	ck_assert_int_eq(console_watch_check("a[", &err), -EINVAL);
	ck_assert_int_eq(console_watch_check("a|b", &err), 0);
	console_watch_destroy(&w);
}
END_TEST

/* glibc's regcomp copies a repeated subtree per level: "2+++..." took GBs (found by fuzz_control) */
START_TEST(a_console_pattern_that_repeats_a_group_or_a_repetition_is_refused)
{
	struct mv_error err = { 0 };
	ck_assert_int_eq(console_watch_check("2+++++++++++++++++++++++++++++++++2", &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "repeated"));
	ck_assert_int_eq(console_watch_check("((a+)+)+", &err), -EINVAL);
	ck_assert_int_eq(console_watch_check("(ab){2}", &err), -EINVAL);
	ck_assert_int_eq(console_watch_check("a*?", &err), -EINVAL);
	ck_assert_int_eq(console_watch_check("^memhog: holding \\(pid [0-9]+\\)", &err), 0);
	ck_assert_int_eq(console_watch_check("[+*?]+x{2}y?\\++", &err), 0);
	ck_assert_int_eq(console_watch_check("[]+]*(a|b)c+", &err), 0);
}
END_TEST

START_TEST(divisor_latch_and_scratch_registers_hold_their_values)
{
	struct uart_fixture *f = uart_new();
	wr(f, 3, 0x80);           /* DLAB */
	wr(f, 0, 0x01);
	wr(f, 1, 0x02);
	ck_assert_uint_eq(rd(f, 0), 0x01);
	ck_assert_uint_eq(rd(f, 1), 0x02);
	wr(f, 3, 0x03);           /* 8N1, DLAB off */
	ck_assert_uint_eq(rd(f, 3), 0x03);
	ck_assert_uint_eq(rd(f, 1), 0x00); /* IER, not DLM */
	wr(f, 7, 0x5a);
	ck_assert_uint_eq(rd(f, 7), 0x5a);
	ck_assert_uint_eq(f->s.buf_len, 0); /* nothing was transmitted */
	uart_free(f);
}
END_TEST

START_TEST(thr_empty_interrupt_needs_out2_and_is_acknowledged_by_reading_iir)
{
	struct uart_fixture *f = uart_new();
	wr(f, 1, 0x02);                      /* IER.THRI without OUT2 */
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(f, 2) & 0x0f, 0x02);  /* IIR still says THR empty */
	wr(f, 4, 0x08);                      /* MCR.OUT2: line follows the UART now */
	ck_assert_int_eq(irq_level, 0);      /* IIR read above acknowledged it */
	wr(f, 0, 'x');                       /* transmitted: THR empty again */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(f, 2) & 0x0f, 0x02);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(f, 2) & 0x0f, 0x01);  /* no interrupt pending */
	uart_free(f);
}
END_TEST

START_TEST(fifo_enable_shows_in_iir_and_loopback_reflects_modem_lines)
{
	struct uart_fixture *f = uart_new();
	wr(f, 2, 0x01);
	ck_assert_uint_eq(rd(f, 2) & 0xc0, 0xc0);
	wr(f, 4, 0x10 | 0x02);               /* loopback, RTS */
	ck_assert_uint_eq(rd(f, 6) & 0xf0, 0x20);
	wr(f, 0, 'z');                       /* looped back, not output */
	ck_assert_uint_eq(f->s.buf_len, 0);
	uart_free(f);
}
END_TEST

START_TEST(bus_refuses_overlaps_and_reads_unclaimed_ports_as_ones)
{
	struct bus b;
	uint8_t v[4] = { 0 };
	struct serial s;
	bus_init(&b, "pio");
	serial_init(&s, -1, (struct irq_line){ 0 }, NULL);
	ck_assert_int_eq(bus_register(&b, 0x3f8, 8, &serial_ops, &s, "com1"), 0);
	ck_assert_int_eq(bus_register(&b, 0x3ff, 1, &serial_ops, &s, "dup"), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x3f0, 0, &serial_ops, &s, "empty"), -EINVAL);
	ck_assert(!bus_access(&b, 0x80, v, 4, false));
	ck_assert_uint_eq(v[0] & v[1] & v[2] & v[3], 0xff);
	ck_assert(!bus_access(&b, 0x3fe, v, 4, false)); /* straddles the end */
	ck_assert_uint_eq(b.unclaimed, 2);
	bus_seal(&b);
	ck_assert_int_eq(bus_register(&b, 0x80, 1, &serial_ops, &s, "late"), -EINVAL);

	bus_destroy(&b);
	serial_destroy(&s);
}
END_TEST

/* A device whose write blocks until the test opens its gate. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, open;
};

static void gate_write(void *dev, uint64_t offset, const uint8_t *data, unsigned size)
{
	struct gate *g = dev;
	(void)offset, (void)data, (void)size;
	pthread_mutex_lock(&g->lock);
	g->entered = true;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static const struct bus_ops gate_ops = { .write = gate_write };

static void *write_gate_port(void *arg)
{
	uint8_t v = 1;
	bus_access(arg, 0x80, &v, 1, true);
	return NULL;
}

START_TEST(a_vcpu_reaches_one_device_while_another_device_is_busy)
{
	struct uart_fixture *f = uart_new();
	struct gate g = { .entered = false, .open = false };
	pthread_t busy_vcpu;
	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	ck_assert_int_eq(bus_register(&f->bus, 0x80, 1, &gate_ops, &g, "gate"), 0);
	bus_seal(&f->bus);
	pthread_create(&busy_vcpu, NULL, write_gate_port, &f->bus);
	pthread_mutex_lock(&g.lock);
	while (!g.entered)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	/* the gate's callback is still running: the UART must answer anyway */
	wr(f, 7, 0x5a);
	ck_assert_uint_eq(rd(f, 7), 0x5a);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	pthread_join(busy_vcpu, NULL);
	pthread_cond_destroy(&g.cond);
	pthread_mutex_destroy(&g.lock);
	uart_free(f);
}
END_TEST

static uint32_t exit_value;
static void record_exit(void *ctx, uint32_t v)
{
	(void)ctx;
	exit_value = v;
}

START_TEST(exit_port_reports_the_written_value)
{
	struct bus b;
	struct debug_exit d = { .on_exit = record_exit };
	uint32_t v = 0x12345678;
	bus_init(&b, "pio");
	bus_register(&b, EXIT_PORT, 4, &debug_exit_ops, &d, "exit");
	bus_access(&b, EXIT_PORT, (uint8_t *)&v, 4, true);
	ck_assert_uint_eq(exit_value, 0x12345678);
	uint8_t one = 9;
	bus_access(&b, EXIT_PORT, &one, 1, true);
	ck_assert_uint_eq(exit_value, 9);
	bus_destroy(&b);
}
END_TEST

struct pm_record {
	int power_offs, resets;
	const char *how;
};

static void record_power_off(void *ctx)
{
	((struct pm_record *)ctx)->power_offs++;
}

static void record_reset(void *ctx, const char *how)
{
	struct pm_record *r = ctx;
	r->resets++;
	r->how = how;
}

struct pm_fixture {
	struct bus bus;
	struct pm pm;
	struct pm_record rec;
};

/* The PM device on a bus, at the ports machine.c gives it. */
static struct pm_fixture *pm_new(void)
{
	struct pm_fixture *f = calloc(1, sizeof(*f));
	f->pm = (struct pm){ .on_power_off = record_power_off, .on_reset = record_reset,
			     .ctx = &f->rec };
	bus_init(&f->bus, "pio");
	ck_assert_int_eq(bus_register(&f->bus, ACPI_SLEEP_CTL_PORT, 2, &pm_sleep_ops, &f->pm,
				      "sleep"), 0);
	ck_assert_int_eq(bus_register(&f->bus, PM_RESET_PORT, 1, &pm_reset_ops, &f->pm, "cf9"), 0);
	ck_assert_int_eq(bus_register(&f->bus, PM_I8042_PORT, 1, &pm_i8042_ops, &f->pm, "8042"),
			 0);
	return f;
}

static void pm_free(struct pm_fixture *f)
{
	bus_destroy(&f->bus);
	free(f);
}

static void outb_to(struct pm_fixture *f, uint16_t port, uint8_t v)
{
	ck_assert(bus_access(&f->bus, port, &v, 1, true));
}

static uint8_t inb_from(struct pm_fixture *f, uint16_t port)
{
	uint8_t v = 0x5a;
	ck_assert(bus_access(&f->bus, port, &v, 1, false));
	return v;
}

START_TEST(only_slp_en_with_the_s5_sleep_type_powers_off)
{
	struct pm_fixture *f = pm_new();
	outb_to(f, ACPI_SLEEP_CTL_PORT, ACPI_S5_SLP_TYP << ACPI_SLEEP_TYP_SHIFT); /* no SLP_EN */
	outb_to(f, ACPI_SLEEP_CTL_PORT, (3 << ACPI_SLEEP_TYP_SHIFT) | ACPI_SLEEP_EN); /* S3 */
	outb_to(f, ACPI_SLEEP_STS_PORT, (ACPI_S5_SLP_TYP << ACPI_SLEEP_TYP_SHIFT) | ACPI_SLEEP_EN);
	ck_assert_int_eq(f->rec.power_offs, 0);
	ck_assert_uint_eq(inb_from(f, ACPI_SLEEP_STS_PORT), 0);
	outb_to(f, ACPI_SLEEP_CTL_PORT, (ACPI_S5_SLP_TYP << ACPI_SLEEP_TYP_SHIFT) | ACPI_SLEEP_EN);
	ck_assert_int_eq(f->rec.power_offs, 1);
	ck_assert_int_eq(f->rec.resets, 0);
	pm_free(f);
}
END_TEST

START_TEST(the_acpi_reset_value_on_0xcf9_and_0xfe_on_port_0x64_reset)
{
	struct pm_fixture *f = pm_new();
	outb_to(f, PM_RESET_PORT, 0x02);      /* hard reset selected, not started */
	outb_to(f, PM_I8042_PORT, 0xaa);      /* controller self-test: not a reset */
	ck_assert_int_eq(f->rec.resets, 0);
	ck_assert_uint_eq(inb_from(f, PM_I8042_PORT), 0); /* ready, nothing to read */
	outb_to(f, PM_RESET_PORT, ACPI_RESET_VALUE);
	ck_assert_int_eq(f->rec.resets, 1);
	ck_assert_str_eq(f->rec.how, "port 0xcf9");
	outb_to(f, PM_I8042_PORT, PM_I8042_RESET);
	ck_assert_int_eq(f->rec.resets, 2);
	ck_assert_ptr_nonnull(strstr(f->rec.how, "0x64"));
	ck_assert_int_eq(f->rec.power_offs, 0);
	pm_free(f);
}
END_TEST

Suite *devices_suite(void);
Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("serial");
	tcase_add_test(tc, polling_driver_sees_an_empty_transmitter_and_output_arrives);
	tcase_add_test(tc, divisor_latch_and_scratch_registers_hold_their_values);
	tcase_add_test(tc, a_console_pattern_is_seen_once_a_whole_line_matches_and_stays_seen);
	tcase_add_test(tc, a_console_pattern_at_the_start_of_a_line_longer_than_the_buffer_is_seen);
	tcase_add_test(tc, a_console_pattern_that_does_not_compile_is_refused_with_its_reason);
	tcase_add_test(tc, a_console_pattern_that_repeats_a_group_or_a_repetition_is_refused);
	tcase_add_test(tc, thr_empty_interrupt_needs_out2_and_is_acknowledged_by_reading_iir);
	tcase_add_test(tc, fifo_enable_shows_in_iir_and_loopback_reflects_modem_lines);
	suite_add_tcase(s, tc);
	tc = tcase_create("bus");
	tcase_add_test(tc, bus_refuses_overlaps_and_reads_unclaimed_ports_as_ones);
	tcase_add_test(tc, a_vcpu_reaches_one_device_while_another_device_is_busy);
	tcase_add_test(tc, exit_port_reports_the_written_value);
	suite_add_tcase(s, tc);
	tc = tcase_create("pm");
	tcase_add_test(tc, only_slp_en_with_the_s5_sleep_type_powers_off);
	tcase_add_test(tc, the_acpi_reset_value_on_0xcf9_and_0xfe_on_port_0x64_reset);
	suite_add_tcase(s, tc);
	return s;
}
