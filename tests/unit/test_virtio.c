/*
 * test_virtio.c: the virtio-mmio transport, split virtqueues and the
 * balloon device, driven by a small driver written here against simulated
 * guest RAM; hostile drivers (bad descriptors, loops, runaway indices,
 * random rings, DRIVER_OK without FEATURES_OK) must only ever put the
 * device into DEVICE_NEEDS_RESET, and may write no config field but
 * `actual`.
 */
#include "devices/balloon.h"
#include "virtio_driver.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define RAM      (16ull << 20)
#define BASE     VIRTIO_MMIO_BASE
#define QSIZE    VDRV_QSIZE
#define RING_GPA(q)  VDRV_RING_GPA(q)
#define DESC_GPA(q)  VDRV_RING_GPA(q)
#define AVAIL_GPA(q) VDRV_AVAIL_GPA(q)
#define BUF_GPA  0x100000ull

static struct guest_memory mem;
static struct balloon *bln;
static int irq_level;

static void record_irq(void *ctx, unsigned irq, int level)
{
	(void)ctx;
	(void)irq;
	irq_level = level;
}

static struct vdrv drv;

static uint32_t rd(uint64_t off) { return vdrv_rd(&drv, off); }
static void wr(uint64_t off, uint32_t v) { vdrv_wr(&drv, off, v); }
static void *gpa(uint64_t a) { return vdrv_gpa(&drv, a); }
static uint16_t used_idx(unsigned q) { return vdrv_used_idx(&drv, q); }
static bool needs_reset(void) { return vdrv_needs_reset(&drv); }

static void setup(void)
{
	struct mv_error err;
	ck_assert_int_eq(mem_init(&mem, RAM, MEM_BACKING_ANON, &err), 0);
	bln = calloc(1, sizeof(*bln));
	ck_assert_int_eq(balloon_init(bln, &mem, BASE, (struct irq_line){ .set = record_irq,
								     .irq = 5 }), 0);
	drv = (struct vdrv){ .t = &bln->transport, .mem = &mem };
	irq_level = 0;
}

static FILE *log_file;
static int saved_stderr = -1;

/* Hostile tests capture stderr to count the device's log lines. */
static void setup_capture(void)
{
	setup();
	fflush(stderr);
	saved_stderr = dup(2);
	log_file = tmpfile();
	dup2(fileno(log_file), 2);
}

static int captured_lines(const char *needle)
{
	char line[512];
	int n = 0;
	fflush(stderr);
	rewind(log_file);
	while (fgets(line, sizeof(line), log_file))
		n += strstr(line, needle) != NULL;
	return n;
}

static void teardown_capture(void);

static void teardown(void)
{
	balloon_destroy(bln);
	free(bln);
	mem_destroy(&mem);
}

static void driver_init(void)
{
	ck_assert(vdrv_init(&drv, (1u << VIRTIO_BALLOON_F_STATS_VQ) |
				  (1u << VIRTIO_BALLOON_F_REPORTING), 4));
}

/* Publishes a one-descriptor chain on queue q and notifies. */
static void add_buf(unsigned q, uint16_t d, uint64_t addr, uint32_t len, uint16_t flags)
{
	struct virtq_desc *desc = gpa(DESC_GPA(q));
	uint16_t *avail = gpa(AVAIL_GPA(q));
	desc[d] = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags };
	avail[2 + drv.avail_idx[q] % QSIZE] = d;
	avail[1] = ++drv.avail_idx[q];
	wr(0x050, q);
}


static void inflate_pfns(uint32_t first, uint32_t n)
{
	uint32_t *pfns = gpa(BUF_GPA);
	for (uint32_t i = 0; i < n; i++)
		pfns[i] = first + i;
	add_buf(BALLOON_Q_INFLATE, 0, BUF_GPA, n * 4, 0);
}

START_TEST(transport_identifies_a_version_2_balloon)
{
	ck_assert_uint_eq(rd(0x000), 0x74726976);
	ck_assert_uint_eq(rd(0x004), 2);
	ck_assert_uint_eq(rd(0x008), 5);
	wr(0x014, 1);
	ck_assert_uint_eq(rd(0x010) & 1, 1); /* VERSION_1 */
	wr(0x014, 0);
	ck_assert_uint_eq(rd(0x010), 0x27);  /* MUST_TELL_HOST STATS DEFLATE_ON_OOM REPORTING */
}
END_TEST

START_TEST(features_ok_is_refused_without_version_1_or_with_unoffered_bits)
{
	wr(0x070, 3);
	wr(0x024, 0);
	wr(0x020, 1u << 3); /* FREE_PAGE_HINT: not offered */
	wr(0x024, 1);
	wr(0x020, 1);
	wr(0x070, 3 | VIRTIO_STATUS_FEATURES_OK);
	ck_assert(!(rd(0x070) & VIRTIO_STATUS_FEATURES_OK));
	wr(0x070, 0);
	wr(0x070, 3);
	wr(0x070, 3 | VIRTIO_STATUS_FEATURES_OK); /* no VERSION_1 */
	ck_assert(!(rd(0x070) & VIRTIO_STATUS_FEATURES_OK));
}
END_TEST

START_TEST(inflating_discards_pages_with_one_call_per_run_of_pfns)
{
	driver_init();
	uint8_t *page = gpa(0x400000);
	memset(page, 0xab, 8 * 4096);
	inflate_pfns(0x400, 8);
	ck_assert_uint_eq(used_idx(BALLOON_Q_INFLATE), 1);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(0x060), VIRTIO_INT_USED);
	wr(0x064, VIRTIO_INT_USED);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(bln->held_pages, 8);
	ck_assert_uint_eq(bln->discard_calls, 1);
	for (int i = 0; i < 8 * 4096; i++)
		ck_assert_uint_eq(page[i], 0);
	ck_assert(!needs_reset());
}
END_TEST

/* A hang report's lines: the transport's interrupt status, and each ready
 * queue's avail index against the device's and the used index. */
START_TEST(the_hang_report_shows_the_interrupt_status_and_every_ready_queue)
{
	driver_init();
	inflate_pfns(0x400, 2);
	char text[2048] = "";
	FILE *f = tmpfile();
	virtio_mmio_describe(&bln->transport, f);
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	ck_assert_msg(strstr(text, "virtio-balloon at 0xd0000000 irq 5: status 0xf, "
			     "interrupt status 0x1, worker idle, 0 violations\n"), "%s", text);
	ck_assert_msg(strstr(text, "virtio-balloon queue 0: size 16, avail idx 1 flags 0, "
			     "device at 1, used idx 1 (guest sees 1) flags 0\n"), "%s", text);
	for (unsigned q = 1; q < 4; q++) {
		char want[64];
		snprintf(want, sizeof(want), "virtio-balloon queue %u: size 16, avail idx 0", q);
		ck_assert_msg(strstr(text, want), "%s", text);
	}
}
END_TEST

/* The state `memvisor save` takes, loaded into a fresh balloon as a
 * restore does (vmm/save/restore.c). */
static struct balloon *restored_copy(void)
{
	struct virtio_mmio_state vs;
	struct balloon_state bs;
	const uint8_t *held;
	struct mv_error err;
	struct balloon *b = calloc(1, sizeof(*b));
	virtio_mmio_get_state(&bln->transport, &vs);
	balloon_get_state(bln, &bs, &held);
	ck_assert_int_eq(balloon_init(b, &mem, BASE, (struct irq_line){ .set = record_irq,
								   .irq = 5 }), 0);
	ck_assert_int_eq(balloon_set_state(b, &bs, held), 0);
	ck_assert_int_eq(virtio_mmio_set_state(&b->transport, &vs, &err), 0);
	return b;
}

START_TEST(a_restored_balloon_holds_its_pages_and_serves_the_next_chain_from_the_saved_index)
{
	driver_init();
	inflate_pfns(0x400, 8);
	balloon_set_target(bln, 1 << 20);
	struct balloon *b = restored_copy();
	struct vdrv d2 = drv;
	d2.t = &b->transport;
	ck_assert_uint_eq(b->held_pages, 8);
	ck_assert_uint_eq(vdrv_rd(&d2, VIRTIO_MMIO_STATUS), rd(VIRTIO_MMIO_STATUS));
	ck_assert_uint_eq(vdrv_rd(&d2, VIRTIO_MMIO_CONFIG_GENERATION),
			  rd(VIRTIO_MMIO_CONFIG_GENERATION));
	ck_assert_uint_eq(b->config.num_pages, 256);
	uint32_t *pfns = gpa(BUF_GPA);
	for (uint32_t i = 0; i < 8; i++)
		pfns[i] = 0x500 + i;
	struct vdrv_buf buf = { .gpa = BUF_GPA, .len = 8 * 4 };
	vdrv_add_chain(&d2, BALLOON_Q_INFLATE, 1, &buf, 1);
	ck_assert_uint_eq(vdrv_used_idx(&d2, BALLOON_Q_INFLATE), 2); /* after the saved 1 */
	ck_assert_uint_eq(b->held_pages, 16);
	ck_assert(!vdrv_needs_reset(&d2));
	balloon_destroy(b);
	free(b);
}
END_TEST

START_TEST(a_balloon_state_whose_count_disagrees_with_its_bitmap_is_refused)
{
	struct balloon_state bs;
	const uint8_t *held;
	driver_init();
	inflate_pfns(0x400, 8);
	balloon_get_state(bln, &bs, &held);
	bs.held_pages = 9;
	ck_assert_int_eq(balloon_set_state(bln, &bs, held), -EINVAL);
	bs.held_pages = 8;
	bs.nr_pfns++;
	ck_assert_int_eq(balloon_set_state(bln, &bs, held), -EINVAL);
}
END_TEST

START_TEST(a_held_worker_serves_nothing_until_released)
{
	struct balloon_figures f;
	driver_init();
	virtio_mmio_hold(&bln->transport); /* as a pause of the VM does */
	inflate_pfns(0x400, 8);            /* notified: the drain returns while held */
	ck_assert_uint_eq(used_idx(BALLOON_Q_INFLATE), 0);
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.held_bytes, 0);
	virtio_mmio_release(&bln->transport);
	virtio_mmio_drain(&bln->transport);
	ck_assert_uint_eq(used_idx(BALLOON_Q_INFLATE), 1);
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.held_bytes, 8 * 4096);
}
END_TEST

START_TEST(a_lying_driver_cannot_discard_outside_ram_or_twice)
{
	driver_init();
	inflate_pfns(0x400, 4);
	inflate_pfns(0x402, 4);          /* 0x402, 0x403 already held */
	uint32_t *pfns = gpa(BUF_GPA);
	pfns[0] = 0xfffff;               /* far outside a 16 MiB guest */
	pfns[1] = 0xd0000;               /* MMIO hole */
	add_buf(BALLOON_Q_INFLATE, 1, BUF_GPA, 8, 0);
	ck_assert_uint_eq(bln->held_pages, 6);
	ck_assert_uint_eq(bln->bad_pfns, 4);
	pfns[0] = 0x400;
	pfns[1] = 0x400;                 /* deflating twice */
	pfns[2] = 0x999999;
	add_buf(BALLOON_Q_DEFLATE, 0, BUF_GPA, 12, 0);
	ck_assert_uint_eq(bln->held_pages, 5);
	ck_assert_uint_eq(bln->bad_pfns, 6);
	ck_assert(!needs_reset());
}
END_TEST

START_TEST(target_change_bumps_generation_and_raises_a_config_interrupt)
{
	driver_init();
	uint32_t gen = rd(0x0fc);
	balloon_set_target(bln, 8ull << 20);
	ck_assert_uint_eq(rd(0x100), 2048);
	ck_assert_uint_ne(rd(0x0fc), gen);
	ck_assert_uint_eq(rd(0x060) & VIRTIO_INT_CONFIG, VIRTIO_INT_CONFIG);
	wr(0x104, 2048); /* driver reports actual */
	struct balloon_figures f;
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.target_bytes, 8ull << 20);
	ck_assert_uint_eq(f.actual_bytes, 8ull << 20);
}
END_TEST

/* A config write of size bytes at config offset off, as a driver does it. */
static void config_write(uint64_t off, const void *data, unsigned size)
{
	virtio_mmio_ops.write(&bln->transport, 0x100 + off, data, size);
}

START_TEST(the_driver_writes_actual_and_nothing_else_of_the_config)
{
	driver_init();
	balloon_set_target(bln, 8ull << 20);
	wr(0x100, 0);                    /* num_pages is the host's */
	wr(0x108, 77);                   /* free_page_hint_cmd_id: no hinting */
	wr(0x10c, 0xaa);                 /* poison_val: PAGE_POISON not offered */
	uint64_t both = 0x0000000500000000ull;
	config_write(0, &both, 8);       /* straddles num_pages and actual: refused */
	uint8_t past[4] = { 1, 2, 3, 4 };
	config_write(14, past, 4);       /* runs off the end */
	ck_assert_uint_eq(rd(0x100), 2048);
	ck_assert_uint_eq(rd(0x104), 0);
	ck_assert_uint_eq(rd(0x108), 0);
	ck_assert_uint_eq(rd(0x10c), 0);
	wr(0x104, 0x400);                /* actual is the driver's */
	uint8_t hi = 0x05;
	config_write(5, &hi, 1);         /* and so is any part of it: 0x500 */
	struct balloon_figures f;
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.target_bytes, 8ull << 20);
	ck_assert_uint_eq(f.actual_bytes, 0x500ull << 12);
}
END_TEST

/* One stats entry, packed { le16 tag; le64 val; }, at BUF_GPA. */
static void put_stat(uint16_t tag, uint64_t val)
{
	uint8_t *s = gpa(BUF_GPA);
	memcpy(s, &tag, 2);
	memcpy(s + 2, &val, 8);
}

START_TEST(stats_buffer_is_parsed_and_returned_when_the_host_asks)
{
	driver_init();
	put_stat(4, 12345678);
	add_buf(BALLOON_Q_STATS, 0, BUF_GPA, 10, 0);
	ck_assert_uint_eq(used_idx(BALLOON_Q_STATS), 0); /* held by the device */
	struct balloon_figures f;
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.stats[4], 12345678);
	ck_assert_str_eq(balloon_stat_name(4), "free_memory");
	balloon_request_stats(bln);
	ck_assert_uint_eq(used_idx(BALLOON_Q_STATS), 1);
}
END_TEST

/* Linux's virtio_balloon primes the stats queue and kicks it before it
 * sets DRIVER_OK: the device takes the buffer once the driver sets it. */
START_TEST(a_stats_buffer_primed_before_driver_ok_is_taken_at_driver_ok)
{
	ck_assert(vdrv_negotiate(&drv, 1u << VIRTIO_BALLOON_F_STATS_VQ, 3));
	put_stat(4, 7654321);
	add_buf(BALLOON_Q_STATS, 0, BUF_GPA, 10, 0);
	struct balloon_figures f;
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.stats_updates, 0); /* not live yet: nothing taken */
	vdrv_driver_ok(&drv);
	balloon_figures(bln, &f);
	ck_assert_uint_eq(f.stats_updates, 1);
	ck_assert_uint_eq(f.stats[4], 7654321);
	balloon_request_stats(bln);
	ck_assert_uint_eq(used_idx(BALLOON_Q_STATS), 1);
}
END_TEST

START_TEST(reported_free_pages_are_discarded_but_not_held)
{
	driver_init();
	uint8_t *p = gpa(0x200000);
	memset(p, 0x5a, 2 << 20);
	add_buf(BALLOON_Q_REPORTING, 0, 0x200000, 2 << 20, VIRTQ_DESC_F_WRITE);
	ck_assert_uint_eq(used_idx(BALLOON_Q_REPORTING), 1);
	ck_assert_uint_eq(bln->reported_pages, 512);
	ck_assert_uint_eq(bln->held_pages, 0);
	ck_assert_uint_eq(p[12345], 0);
}
END_TEST

static void teardown_capture(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fclose(log_file);
	teardown();
}

/* Hostile single-step violations: each must set DEVICE_NEEDS_RESET. */
static void bad_addr(void) { add_buf(0, 0, RAM - 2, 8, 0); }
static void bad_dir(void) { add_buf(0, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE); }
static void bad_indirect(void) { add_buf(0, 0, BUF_GPA, 16, VIRTQ_DESC_F_INDIRECT); }
static void bad_head(void)
{
	uint16_t *avail = gpa(AVAIL_GPA(0));
	avail[2] = 999;
	avail[1] = 1;
	wr(0x050, 0);
}
static void bad_loop(void)
{
	struct virtq_desc *desc = gpa(DESC_GPA(0));
	desc[1] = (struct virtq_desc){ BUF_GPA, 4, VIRTQ_DESC_F_NEXT, 2 };
	desc[2] = (struct virtq_desc){ BUF_GPA, 4, VIRTQ_DESC_F_NEXT, 1 };
	add_buf(0, 0, BUF_GPA, 4, VIRTQ_DESC_F_NEXT);
	desc[0].next = 1;
	uint16_t *avail = gpa(AVAIL_GPA(0));
	avail[2 + 1] = 0; /* republish the looping head */
	avail[1] = 2;
	wr(0x050, 0);
}
static void bad_next(void)
{
	struct virtq_desc *desc = gpa(DESC_GPA(0));
	desc[0] = (struct virtq_desc){ BUF_GPA, 4, VIRTQ_DESC_F_NEXT, 4000 };
	uint16_t *avail = gpa(AVAIL_GPA(0));
	avail[2] = 0;
	avail[1] = 1;
	wr(0x050, 0);
}
static void bad_runaway(void)
{
	uint16_t *avail = gpa(AVAIL_GPA(0));
	avail[1] = QSIZE + 5;
	wr(0x050, 0);
}
static void bad_ring(void)
{
	wr(0x070, 0);
	wr(0x070, 3);
	wr(0x024, 1);
	wr(0x020, 1);
	wr(0x070, 3 | VIRTIO_STATUS_FEATURES_OK);
	wr(0x030, 0);
	wr(0x038, QSIZE);
	wr(0x080, 0xd0000000u);  /* descriptor table in the MMIO hole */
	wr(0x044, 1);
}
static void bad_size(void)
{
	wr(0x070, 0);
	wr(0x030, 1);
	wr(0x038, 12);           /* not a power of 2 */
	wr(0x044, 1);
}

static void (*const violations[])(void) = {
	bad_addr, bad_dir, bad_indirect, bad_head, bad_loop, bad_next, bad_runaway, bad_ring,
	bad_size,
};

START_TEST(each_protocol_violation_puts_the_device_into_needs_reset)
{
	driver_init();
	violations[_i]();
	ck_assert_msg(needs_reset(), "violation %d not detected", _i);
	ck_assert_uint_ge(bln->transport.violations, 1);
	wr(0x050, 0);  /* more notifies: ignored, and no more log lines */
	wr(0x050, 1);
	ck_assert_int_eq(captured_lines("device needs reset"), 1);
	ck_assert_uint_eq(bln->held_pages, 0);
	/* the driver resets and the device works again */
	wr(0x070, 0);
	ck_assert(!needs_reset());
	memset(gpa(RING_GPA(0)), 0, 0x4000);
	driver_init();
	inflate_pfns(0x500, 2);
	ck_assert_uint_eq(bln->held_pages, 2);
}
END_TEST

START_TEST(driver_ok_without_features_ok_needs_reset_and_does_not_start_the_device)
{
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(0x024, 1);
	wr(0x020, 1);                    /* VERSION_1, but FEATURES_OK never set */
	vdrv_setup_queue(&drv, BALLOON_Q_INFLATE);
	wr(0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
	ck_assert(needs_reset());
	ck_assert(!(rd(0x070) & VIRTIO_STATUS_DRIVER_OK));
	ck_assert_int_eq(captured_lines("DRIVER_OK without FEATURES_OK"), 1);
	inflate_pfns(0x400, 4);          /* the device is not live */
	ck_assert_uint_eq(used_idx(BALLOON_Q_INFLATE), 0);
	ck_assert_uint_eq(bln->held_pages, 0);
	struct balloon_figures f;
	balloon_figures(bln, &f);
	ck_assert(!f.driver_ok);
	/* refused features in the same write as DRIVER_OK: the same */
	wr(0x070, 0);
	wr(0x070, 3);
	wr(0x070, 3 | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK); /* no VERSION_1 */
	ck_assert(needs_reset());
	/* after a reset the proper handshake works */
	wr(0x070, 0);
	memset(gpa(RING_GPA(0)), 0, 0x1000);
	driver_init();
	ck_assert(!needs_reset());
	inflate_pfns(0x400, 4);
	ck_assert_uint_eq(bln->held_pages, 4);
}
END_TEST

/*
 * Fills queue q's rings with random bytes; when `plausible`, keeps the
 * avail index, flags and addresses mostly in range so chains get walked.
 */
static void randomise_ring(unsigned q, bool plausible)
{
	uint32_t *r = gpa(RING_GPA(q));
	for (int w = 0; w < 0x600 / 4; w++)
		r[w] = (uint32_t)random() ^ ((uint32_t)random() << 16);
	struct virtq_desc *d = gpa(DESC_GPA(q));
	uint16_t *avail = gpa(AVAIL_GPA(q));
	if (plausible) {
		for (int i = 0; i < QSIZE; i++) {
			d[i].addr = (uint64_t)random() % RAM;
			d[i].len = (uint32_t)random() % 8192;
			d[i].flags &= VIRTQ_DESC_F_NEXT | (q == 3 ? VIRTQ_DESC_F_WRITE : 0);
			d[i].next %= QSIZE + 2;
			avail[2 + i] %= QSIZE + 1;
		}
		avail[1] = (uint16_t)(random() % (QSIZE + 1));
	}
	d[random() % QSIZE].addr = RAM - (uint64_t)(random() % 64); /* edges of RAM */
	wr(0x050, q);
	wr(0x050, q);
}

START_TEST(random_rings_never_crash_or_touch_memory_outside_ram)
{
	srandom(0xba11 + (unsigned)_i);
	for (int round = 0; round < 200; round++) {
		wr(0x070, 0);
			driver_init();
		for (unsigned q = 0; q < 4; q++)
			randomise_ring(q, round % 4 != 0);
		balloon_request_stats(bln);
	}
	ck_assert_uint_le(bln->held_pages, RAM / 4096);
}
END_TEST

Suite *virtio_suite(void);
Suite *virtio_suite(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc = tcase_create("balloon");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, transport_identifies_a_version_2_balloon);
	tcase_add_test(tc, features_ok_is_refused_without_version_1_or_with_unoffered_bits);
	tcase_add_test(tc, inflating_discards_pages_with_one_call_per_run_of_pfns);
	tcase_add_test(tc, a_held_worker_serves_nothing_until_released);
	tcase_add_test(tc, a_lying_driver_cannot_discard_outside_ram_or_twice);
	tcase_add_test(tc, target_change_bumps_generation_and_raises_a_config_interrupt);
	tcase_add_test(tc, the_driver_writes_actual_and_nothing_else_of_the_config);
	tcase_add_test(tc, stats_buffer_is_parsed_and_returned_when_the_host_asks);
	tcase_add_test(tc, a_stats_buffer_primed_before_driver_ok_is_taken_at_driver_ok);
	tcase_add_test(tc, the_hang_report_shows_the_interrupt_status_and_every_ready_queue);
	tcase_add_test(tc, reported_free_pages_are_discarded_but_not_held);
	tcase_add_test(tc, a_restored_balloon_holds_its_pages_and_serves_the_next_chain_from_the_saved_index);
	tcase_add_test(tc, a_balloon_state_whose_count_disagrees_with_its_bitmap_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup_capture, teardown_capture);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, each_protocol_violation_puts_the_device_into_needs_reset, 0,
			    (int)(sizeof(violations) / sizeof(violations[0])));
	tcase_add_test(tc, driver_ok_without_features_ok_needs_reset_and_does_not_start_the_device);
	tcase_add_loop_test(tc, random_rings_never_crash_or_touch_memory_outside_ram, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
