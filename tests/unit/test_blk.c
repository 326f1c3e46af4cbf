/*
 * test_blk.c: the virtio-blk swap disk driven by the test driver: reads and
 * writes reach the file, requests past the end get IOERR, unknown types
 * UNSUPP, and malformed chains put the device into DEVICE_NEEDS_RESET. The
 * config is read-only to the driver, and no request reaches the file past
 * the size it was opened at, so a guest cannot grow it.
 */
#include "devices/balloon.h"
#include "devices/blk.h"
#include "virtio_driver.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAM (16ull << 20)
#define HDR 0x100000ull
#define DATA 0x101000ull
#define STATUS 0x103000ull

static struct guest_memory mem;
static struct blk *dev;
static struct vdrv drv;
static char path[] = "/tmp/memvisor-blk-XXXXXX";

static void setup(void)
{
	struct mv_error err;
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(path); /* blk_open creates it at the size asked */
	ck_assert_int_eq(mem_init(&mem, RAM, MEM_BACKING_ANON, &err), 0);
	dev = calloc(1, sizeof(*dev));
	char arg[64];
	snprintf(arg, sizeof(arg), "%s:1M", path);
	ck_assert_msg(blk_open(dev, arg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(blk_attach(dev, &mem, VIRTIO_MMIO_BASE, (struct irq_line){ 0 }), 0);
	drv = (struct vdrv){ .t = &dev->transport, .mem = &mem };
	ck_assert(vdrv_init(&drv, 1u << VIRTIO_BLK_F_FLUSH, 1));
}

static void teardown(void)
{
	blk_close(dev);
	free(dev);
	mem_destroy(&mem);
	unlink(path);
	strcpy(path, "/tmp/memvisor-blk-XXXXXX");
}

static void wr_config_capacity(uint64_t sectors)
{
	vdrv_wr(&drv, 0x100, (uint32_t)sectors);
	vdrv_wr(&drv, 0x104, (uint32_t)(sectors >> 32));
}

static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool data_writable)
{
	static uint16_t next_desc;
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
	memcpy(vdrv_gpa(&drv, HDR), hdr, sizeof(hdr));
	*(uint8_t *)vdrv_gpa(&drv, STATUS) = 0xff;
	struct vdrv_buf b[3] = { { HDR, 16, false }, { DATA, len, data_writable },
				 { STATUS, 1, true } };
	struct vdrv_buf nodata[2] = { b[0], b[2] };
	if (len)
		vdrv_add_chain(&drv, 0, next_desc, b, 3);
	else
		vdrv_add_chain(&drv, 0, next_desc, nodata, 2);
	next_desc = (uint16_t)((next_desc + 3) % VDRV_QSIZE);
	return *(uint8_t *)vdrv_gpa(&drv, STATUS);
}

START_TEST(config_reports_the_capacity_in_sectors)
{
	uint32_t lo = vdrv_rd(&drv, 0x100), hi = vdrv_rd(&drv, 0x104);
	ck_assert_uint_eq(((uint64_t)hi << 32) | lo, (1 << 20) / 512);
	ck_assert_uint_eq(vdrv_rd(&drv, 0x008), VIRTIO_ID_BLOCK);
}
END_TEST

START_TEST(a_written_page_reads_back_and_lands_in_the_file)
{
	memset(vdrv_gpa(&drv, DATA), 0xab, 4096);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 8, 4096, false), VIRTIO_BLK_S_OK);
	memset(vdrv_gpa(&drv, DATA), 0, 4096);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 8, 4096, true), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(((uint8_t *)vdrv_gpa(&drv, DATA))[4095], 0xab);
	ck_assert_uint_eq(vdrv_used_len(&drv, 0, 1), 4096 + 1);
	FILE *f = fopen(path, "rb");
	unsigned char c = 0;
	fseek(f, 8 * 512 + 100, SEEK_SET);
	ck_assert_int_eq(fread(&c, 1, 1, f), 1);
	fclose(f);
	ck_assert_uint_eq(c, 0xab);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(dev->writes, 1);
	ck_assert_uint_eq(dev->reads, 1);
	ck_assert_uint_eq(dev->bytes_written, 4096);
	ck_assert_uint_eq(dev->bytes_read, 4096);
	ck_assert_uint_eq(dev->flushes, 1);
	ck_assert_uint_eq(dev->errors, 0);
}
END_TEST

START_TEST(requests_past_the_end_fail_with_ioerr_and_unknown_types_are_unsupported)
{
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 2047, 1024, true), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, ~0ull - 1, 512, true), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, 100, false), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(77, 0, 512, true), VIRTIO_BLK_S_UNSUPP);
	ck_assert(!vdrv_needs_reset(&drv));
	ck_assert_uint_eq(dev->errors, 4);
	ck_assert_uint_eq(dev->reads + dev->writes + dev->bytes_read + dev->bytes_written, 0);
}
END_TEST

START_TEST(data_merged_with_the_status_byte_is_refused_without_being_touched)
{
	uint32_t hdr[4] = { VIRTIO_BLK_T_IN, 0, 0, 0 };
	memcpy(vdrv_gpa(&drv, HDR), hdr, sizeof(hdr));
	memset(vdrv_gpa(&drv, DATA), 0x77, 513);
	struct vdrv_buf b[2] = { { HDR, 16, false }, { DATA, 513, true } };
	vdrv_add_chain(&drv, 0, 0, b, 2);
	uint8_t *d = vdrv_gpa(&drv, DATA);
	ck_assert_uint_eq(d[512], VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(d[0], 0x77);
	ck_assert_uint_eq(d[511], 0x77);
	ck_assert(!vdrv_needs_reset(&drv));
}
END_TEST

START_TEST(chains_of_the_wrong_shape_put_the_device_into_needs_reset)
{
	/* a read whose data buffer the device may not write */
	fflush(stderr);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, 512, false), 0xff);
	ck_assert(vdrv_needs_reset(&drv));
}
END_TEST

static off_t file_size(void)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

START_TEST(the_driver_cannot_write_the_config)
{
	wr_config_capacity(0xffffffffffull);
	uint32_t lo = vdrv_rd(&drv, 0x100), hi = vdrv_rd(&drv, 0x104);
	ck_assert_uint_eq(((uint64_t)hi << 32) | lo, (1 << 20) / 512);
	vdrv_wr(&drv, 0x10c, 1);         /* seg_max */
	ck_assert_uint_eq(vdrv_rd(&drv, 0x10c), VIRTQ_MAX_SIZE - 2);
	memset(vdrv_gpa(&drv, DATA), 0xcd, 4096);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 1ull << 31, 4096, false), VIRTIO_BLK_S_IOERR);
	ck_assert_int_eq(file_size(), 1 << 20);
}
END_TEST

START_TEST(io_past_the_opened_size_fails_whatever_the_config_says)
{
	dev->config.capacity = 0xffffffffffull; /* as if the config had been overwritten */
	memset(vdrv_gpa(&drv, DATA), 0xcd, 4096);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 2048, 512, false), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 2044, 4096, false), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 2048, 512, true), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 2040, 4096, false), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(file_size(), 1 << 20);
	ck_assert(!vdrv_needs_reset(&drv));
}
END_TEST

/* ---- a backend that blocks until the test opens its gate ------------- */

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned calls;                /* requests that reached the backend */
	bool open;
};

static struct gate gate;

/* Counts the call, tells the test, waits for the gate. */
static void gate_pass(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.calls++;
	pthread_cond_broadcast(&gate.cond);
	while (!gate.open)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
}

static ssize_t gated_read(struct blk *b, void *buf, size_t len, uint64_t off)
{
	gate_pass();
	return pread(b->fd, buf, len, (off_t)off);
}

static ssize_t gated_write(struct blk *b, const void *buf, size_t len, uint64_t off)
{
	gate_pass();
	return pwrite(b->fd, buf, len, (off_t)off);
}

static int gated_flush(struct blk *b)
{
	gate_pass();
	return fdatasync(b->fd);
}

static const struct blk_io_ops gated_io = {
	.read = gated_read, .write = gated_write, .flush = gated_flush,
};

static void setup_gated(void)
{
	setup();
	gate = (struct gate){ .calls = 0, .open = false };
	pthread_mutex_init(&gate.lock, NULL);
	pthread_cond_init(&gate.cond, NULL);
	dev->io = &gated_io; /* the worker has served nothing yet */
}

static void teardown_gated(void)
{
	teardown();
	pthread_cond_destroy(&gate.cond);
	pthread_mutex_destroy(&gate.lock);
}

static void gate_wait_calls(unsigned n)
{
	pthread_mutex_lock(&gate.lock);
	while (gate.calls < n)
		pthread_cond_wait(&gate.cond, &gate.lock);
	pthread_mutex_unlock(&gate.lock);
}

static void gate_open(void)
{
	pthread_mutex_lock(&gate.lock);
	gate.open = true;
	pthread_cond_broadcast(&gate.cond);
	pthread_mutex_unlock(&gate.lock);
}

/* Publishes write request i (its own header, page and status byte). */
#define SLOT_DATA(i) (0x110000ull + 0x1000ull * (i))
static void publish_write(unsigned i)
{
	uint32_t hdr[4] = { VIRTIO_BLK_T_OUT, 0, 8 * i, 0 };
	memcpy(vdrv_gpa(&drv, HDR + 16 * i), hdr, sizeof(hdr));
	memset(vdrv_gpa(&drv, SLOT_DATA(i)), 0x40 + (int)i, 4096);
	*(uint8_t *)vdrv_gpa(&drv, STATUS + i) = 0xff;
	struct vdrv_buf b[3] = { { HDR + 16 * i, 16, false }, { SLOT_DATA(i), 4096, false },
				 { STATUS + i, 1, true } };
	vdrv_publish_chain(&drv, 0, (uint16_t)(3 * i), b, 3);
}

static uint8_t slot_status(unsigned i)
{
	return *(volatile uint8_t *)vdrv_gpa(&drv, STATUS + i);
}

/* What control.c's swap_json reads, the way it reads it. */
static uint64_t writes_counted(void)
{
	pthread_mutex_lock(&dev->transport.lock);
	uint64_t n = dev->writes;
	pthread_mutex_unlock(&dev->transport.lock);
	return n;
}

START_TEST(a_notify_returns_while_the_disk_is_busy_and_the_request_completes_later)
{
	publish_write(0);
	vdrv_notify_nowait(&drv, 0);    /* returns: the worker does the I/O */
	gate_wait_calls(1);
	ck_assert_uint_eq(vdrv_used_idx(&drv, 0), 0);
	ck_assert_uint_eq(vdrv_rd(&drv, 0x070) & VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(writes_counted(), 0);
	gate_open();
	virtio_mmio_drain(&dev->transport);
	ck_assert_uint_eq(vdrv_used_idx(&drv, 0), 1);
	ck_assert_uint_eq(slot_status(0), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(writes_counted(), 1);
}
END_TEST

START_TEST(stats_and_the_balloon_answer_while_a_request_is_in_flight)
{
	struct bus mmio;
	struct balloon *bln = calloc(1, sizeof(*bln));
	ck_assert_int_eq(balloon_init(bln, &mem, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE,
				      (struct irq_line){ 0 }), 0);
	bus_init(&mmio, "mmio");
	bus_register(&mmio, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &dev->transport,
		     "virtio-blk");
	bus_register(&mmio, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE, VIRTIO_MMIO_SIZE,
		     &virtio_mmio_ops, &bln->transport, "virtio-balloon");
	bus_seal(&mmio);
	publish_write(0);
	uint32_t q = 0;
	bus_access(&mmio, VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, (uint8_t *)&q, 4, true);
	gate_wait_calls(1);
	/* the disk is mid-request: the control thread and a vCPU get through */
	ck_assert_uint_eq(writes_counted(), 0);
	balloon_set_target(bln, 8ull << 20);
	struct balloon_figures f;
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.target_bytes, 8ull << 20);
	uint32_t num_pages = 0;
	bus_access(&mmio, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE + VIRTIO_MMIO_CONFIG,
		   (uint8_t *)&num_pages, 4, false);
	ck_assert_uint_eq(num_pages, (8u << 20) / 4096);
	gate_open();
	virtio_mmio_drain(&dev->transport);
	ck_assert_uint_eq(writes_counted(), 1);
	balloon_destroy(bln);
	free(bln);
	bus_destroy(&mmio);
}
END_TEST

/* Spins until the worker is held or told to stop (a counter, no clock). */
static void wait_for_worker_flag(bool stop)
{
	for (;;) {
		pthread_mutex_lock(&dev->transport.lock);
		bool set = stop ? dev->transport.worker.stop : dev->transport.worker.holds > 0;
		pthread_mutex_unlock(&dev->transport.lock);
		if (set)
			return;
		sched_yield();
	}
}

static void *reset_device(void *arg)
{
	(void)arg;
	vdrv_wr(&drv, 0x070, 0);
	return NULL;
}

START_TEST(a_reset_waits_for_the_request_in_flight_and_serves_no_other)
{
	pthread_t vcpu;
	publish_write(0);
	publish_write(1);
	publish_write(2);
	vdrv_notify_nowait(&drv, 0);
	gate_wait_calls(1);
	pthread_create(&vcpu, NULL, reset_device, NULL);
	wait_for_worker_flag(false);    /* the reset holds the worker */
	gate_open();
	pthread_join(vcpu, NULL);
	ck_assert_uint_eq(vdrv_rd(&drv, 0x070), 0);
	ck_assert_uint_eq(vdrv_used_idx(&drv, 0), 1); /* the one in flight, pushed */
	ck_assert_uint_eq(slot_status(0), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(slot_status(1), 0xff);
	ck_assert_uint_eq(slot_status(2), 0xff);
	virtio_mmio_drain(&dev->transport);
	ck_assert_uint_eq(gate.calls, 1);
	ck_assert_uint_eq(writes_counted(), 1);
}
END_TEST

static void *close_disk(void *arg)
{
	(void)arg;
	blk_close(dev);
	return NULL;
}

START_TEST(a_teardown_completes_the_request_in_flight_and_joins_the_worker)
{
	pthread_t main_thread;
	publish_write(0);
	publish_write(1);
	vdrv_notify_nowait(&drv, 0);
	gate_wait_calls(1);
	pthread_create(&main_thread, NULL, close_disk, NULL);
	wait_for_worker_flag(true);
	gate_open();
	pthread_join(main_thread, NULL); /* the worker is gone */
	ck_assert(!dev->attached);
	ck_assert_uint_eq(vdrv_used_idx(&drv, 0), 1);
	ck_assert_uint_eq(slot_status(0), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(slot_status(1), 0xff);
	ck_assert_uint_eq(gate.calls, 1);
	ck_assert_uint_eq(dev->writes, 1);
}
END_TEST

START_TEST(swap_argument_errors_are_clear)
{
	struct blk b;
	struct mv_error err;
	ck_assert_int_eq(blk_open(&b, ":1M", &err), -EINVAL);
	ck_assert_int_eq(blk_open(&b, "/tmp/x:12Q", &err), -EINVAL);
	ck_assert_int_eq(blk_open(&b, "/tmp/x:1000", &err), -EINVAL);
	ck_assert_int_eq(blk_open(&b, "/nonexistent/dir/file", &err), -ENOENT);
	ck_assert_int_eq(err.code, -ENOENT);

	ck_assert(strstr(err.msg, "No such file") != NULL);
}
END_TEST

Suite *blk_suite(void);
Suite *blk_suite(void)
{
	Suite *s = suite_create("blk");
	TCase *tc = tcase_create("requests");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, config_reports_the_capacity_in_sectors);
	tcase_add_test(tc, a_written_page_reads_back_and_lands_in_the_file);
	tcase_add_test(tc, requests_past_the_end_fail_with_ioerr_and_unknown_types_are_unsupported);
	tcase_add_test(tc, data_merged_with_the_status_byte_is_refused_without_being_touched);
	tcase_add_test(tc, chains_of_the_wrong_shape_put_the_device_into_needs_reset);
	tcase_add_test(tc, the_driver_cannot_write_the_config);
	tcase_add_test(tc, io_past_the_opened_size_fails_whatever_the_config_says);
	suite_add_tcase(s, tc);
	tc = tcase_create("worker");
	tcase_add_checked_fixture(tc, setup_gated, teardown_gated);
	tcase_add_test(tc, a_notify_returns_while_the_disk_is_busy_and_the_request_completes_later);
	tcase_add_test(tc, stats_and_the_balloon_answer_while_a_request_is_in_flight);
	tcase_add_test(tc, a_reset_waits_for_the_request_in_flight_and_serves_no_other);
	tcase_add_test(tc, a_teardown_completes_the_request_in_flight_and_joins_the_worker);
	suite_add_tcase(s, tc);
	tc = tcase_create("args");
	tcase_add_test(tc, swap_argument_errors_are_clear);
	suite_add_tcase(s, tc);
	return s;
}
