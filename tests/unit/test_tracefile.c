/*
 * test_tracefile.c: the trace readers of vmm/cmd/tracefile.c: plain text
 * and libCacheSim's oracleGeneral records, written here byte by byte,
 * read back exactly, and refused with FILE:LINE or FILE:RECORD and the
 * reason when malformed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracefile.h"

#define ORACLE_NONE (-1)

/* One oracleGeneral record, little-endian, at out (24 bytes). */
static void put_record(unsigned char *out, uint32_t time, uint64_t id, uint32_t size,
		       int64_t next)
{
	uint64_t fields[4] = { time, id, size, (uint64_t)next };
	const unsigned widths[4] = { 4, 8, 4, 8 };
	for (unsigned f = 0; f < 4; f++)
		for (unsigned b = 0; b < widths[f]; b++)
			*out++ = (unsigned char)(fields[f] >> (8 * b));
}

/* ids[i] as n records of size 4096 with no next access; the caller frees it. */
static unsigned char *records(const uint64_t *ids, size_t n)
{
	unsigned char *buf = malloc(n * TRACEFILE_RECORD + 1);
	for (size_t i = 0; i < n; i++)
		put_record(buf + i * TRACEFILE_RECORD, (uint32_t)i, ids[i], 4096, ORACLE_NONE);
	return buf;
}

/* Reads len bytes of buf through a file in format; err gets the reason. */
static int read_bytes(struct tracefile *t, const void *buf, size_t len,
		      enum tracefile_format format, struct mv_error *err)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	rewind(f);
	*t = (struct tracefile){ .name = "t.bin", .format = format, .max = 1u << 20 };
	*err = (struct mv_error){ 0 };
	int rc = tracefile_read(t, f, err);
	fclose(f);
	return rc;
}

START_TEST(an_oracle_general_file_reads_back_its_exact_ids)
{
	const uint64_t ids[] = { 7, 0, UINT64_MAX, 1ull << 40, 7, 0x123456789abcdefull };
	size_t n = sizeof(ids) / sizeof(ids[0]);
	unsigned char *buf = records(ids, n);
	put_record(buf + TRACEFILE_RECORD, 1, 0, 512, INT64_MAX); /* INT64_MAX: no reuse */
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, buf, n * TRACEFILE_RECORD, TRACEFILE_AUTO, &err), 0);
	ck_assert_int_eq(t.format, TRACEFILE_ORACLE_GENERAL);
	ck_assert_uint_eq(t.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(t.ids[i], ids[i]);
	tracefile_free(&t);
	free(buf);
}
END_TEST

/* The encoder run --trace-refs writes with: the bytes put_record writes. */
START_TEST(tracefile_encode_writes_the_same_bytes_as_a_hand_made_record)
{
	unsigned char mine[TRACEFILE_RECORD], theirs[TRACEFILE_RECORD];
	tracefile_encode(mine, 0x01020304u, 0x1122334455667788ull, 2u << 20);
	put_record(theirs, 0x01020304u, 0x1122334455667788ull, 2u << 20, ORACLE_NONE);
	ck_assert_mem_eq(mine, theirs, TRACEFILE_RECORD);
}
END_TEST

/* 5000 records: 64 KiB chunks end inside records, more than once. */
START_TEST(records_split_across_read_chunks_read_back_exactly)
{
	size_t n = 5000;
	uint64_t *ids = malloc(n * sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = (i * 2654435761u) % 977;
	unsigned char *buf = records(ids, n);
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, buf, n * TRACEFILE_RECORD, TRACEFILE_ORACLE_GENERAL,
				    &err), 0);
	ck_assert_uint_eq(t.n, n);
	ck_assert_int_eq(memcmp(t.ids, ids, n * sizeof(*ids)), 0);
	tracefile_free(&t);
	free(buf);
	free(ids);
}
END_TEST

START_TEST(records_of_size_0_are_skipped_and_counted)
{
	const uint64_t ids[] = { 1, 2, 3 };
	unsigned char *buf = records(ids, 3);
	put_record(buf + TRACEFILE_RECORD, 1, 2, 0, ORACLE_NONE);
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, buf, 3 * TRACEFILE_RECORD, TRACEFILE_AUTO, &err), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(t.ids[1], 3);
	ck_assert_uint_eq(t.skipped, 1);
	tracefile_free(&t);
	free(buf);
}
END_TEST

START_TEST(a_truncated_oracle_general_file_is_refused_naming_the_record)
{
	const uint64_t ids[] = { 1, 2, 3 };
	unsigned char *buf = records(ids, 3);
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, buf, 2 * TRACEFILE_RECORD + 10, TRACEFILE_AUTO, &err),
			 -EINVAL);
	ck_assert_str_eq(err.msg, "t.bin:3: truncated record: 10 of 24 bytes");
	tracefile_free(&t);
	ck_assert_int_eq(read_bytes(&t, buf, 5, TRACEFILE_ORACLE_GENERAL, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "t.bin:1: truncated record: 5 of 24 bytes");
	tracefile_free(&t);
	free(buf);
}
END_TEST

START_TEST(a_negative_next_access_or_an_empty_file_is_refused_with_its_reason)
{
	const uint64_t ids[] = { 1, 2 };
	unsigned char *buf = records(ids, 2);
	put_record(buf + TRACEFILE_RECORD, 1, 2, 4096, -5);
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, buf, 2 * TRACEFILE_RECORD, TRACEFILE_AUTO, &err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.bin:2: next_access_vtime -5 is negative"));
	tracefile_free(&t);
	ck_assert_int_eq(read_bytes(&t, "", 0, TRACEFILE_ORACLE_GENERAL, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.bin: no references"));
	tracefile_free(&t);
	put_record(buf, 1, 2, 0, ORACLE_NONE);
	ck_assert_int_eq(read_bytes(&t, buf, TRACEFILE_RECORD, TRACEFILE_AUTO, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "no records of a nonzero size"));
	tracefile_free(&t);
	free(buf);
}
END_TEST

START_TEST(a_plain_file_is_detected_and_read_with_comments_commas_and_crlf)
{
	const char *text = "# a trace\r\n1, 2 0x10\r\n\n3 # three\n4";
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, text, strlen(text), TRACEFILE_AUTO, &err), 0);
	ck_assert_int_eq(t.format, TRACEFILE_PLAIN);
	const uint64_t want[] = { 1, 2, 16, 3, 4 };
	ck_assert_uint_eq(t.n, 5);
	ck_assert_int_eq(memcmp(t.ids, want, sizeof(want)), 0);
	tracefile_free(&t);
}
END_TEST

START_TEST(a_bad_plain_line_or_a_binary_file_read_as_plain_is_refused_naming_the_line)
{
	struct tracefile t;
	struct mv_error err;
	ck_assert_int_eq(read_bytes(&t, "1\n2\n3 x4\n", 9, TRACEFILE_AUTO, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "t.bin:3: 'x4' is not a page number");
	tracefile_free(&t);
	ck_assert_int_eq(read_bytes(&t, "1\n-2\n", 5, TRACEFILE_PLAIN, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "t.bin:2: '-2' is not a page number");
	tracefile_free(&t);
	ck_assert_int_eq(read_bytes(&t, "1\n2\0\n", 5, TRACEFILE_PLAIN, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "t.bin:2: a NUL byte"));
	tracefile_free(&t);
	ck_assert_int_eq(read_bytes(&t, "# only\n\n", 8, TRACEFILE_PLAIN, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "no page numbers"));
	tracefile_free(&t);
}
END_TEST

START_TEST(a_trace_longer_than_max_is_refused)
{
	struct tracefile t = { .name = "m", .format = TRACEFILE_AUTO, .max = 3 };
	struct mv_error err = { 0 };
	ck_assert_int_eq(tracefile_parse(&t, "1 2 3", 5, &err), 0);
	tracefile_free(&t);
	t = (struct tracefile){ .name = "m", .format = TRACEFILE_AUTO, .max = 3 };
	ck_assert_int_eq(tracefile_parse(&t, "1 2 3 4", 7, &err), -ENOMEM);
	ck_assert_str_eq(err.msg, "m: more than 3 references");
	tracefile_free(&t);
}
END_TEST

START_TEST(format_names_round_trip_and_unknown_ones_are_refused)
{
	for (int f = TRACEFILE_AUTO; f <= TRACEFILE_ORACLE_GENERAL; f++)
		ck_assert_int_eq(tracefile_format_by_name(tracefile_format_name(f)), f);
	ck_assert_int_eq(tracefile_format_by_name("oracleGeneral"), -EINVAL);
}
END_TEST

Suite *tracefile_suite(void);
Suite *tracefile_suite(void)
{
	Suite *s = suite_create("tracefile");
	TCase *tc = tcase_create("oracle-general");
	tcase_add_test(tc, an_oracle_general_file_reads_back_its_exact_ids);
	tcase_add_test(tc, tracefile_encode_writes_the_same_bytes_as_a_hand_made_record);
	tcase_add_test(tc, records_split_across_read_chunks_read_back_exactly);
	tcase_add_test(tc, records_of_size_0_are_skipped_and_counted);
	tcase_add_test(tc, a_truncated_oracle_general_file_is_refused_naming_the_record);
	tcase_add_test(tc, a_negative_next_access_or_an_empty_file_is_refused_with_its_reason);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain");
	tcase_add_test(tc, a_plain_file_is_detected_and_read_with_comments_commas_and_crlf);
	tcase_add_test(tc, a_bad_plain_line_or_a_binary_file_read_as_plain_is_refused_naming_the_line);
	tcase_add_test(tc, a_trace_longer_than_max_is_refused);
	tcase_add_test(tc, format_names_round_trip_and_unknown_ones_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
