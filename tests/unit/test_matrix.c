/*
 * test_matrix.c: a scenario's sweep (vmm/lab/matrix.c) and the outcome
 * table of `memvisor test` (vmm/cmd/test_results.c): cells in odometer
 * order, substitution and its errors, shards that partition the names,
 * results.json read back exactly, results.csv columns and quoting.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matrix.h"
#include "test_results.h"

static const char sweep[] =
	"name: s\n"
	"guest:\n"
	"  memory: ${mem}\n"
	"  cmdline: mm.policy=${policy}\n"
	"matrix:\n"
	"  policy: [lru, fifo, clock]\n"
	"  mem: [16M, 32M]\n";

START_TEST(cells_run_in_odometer_order_the_last_parameter_fastest)
{
	struct matrix m;
	struct mv_error err;
	ck_assert_int_eq(matrix_read(&m, sweep, "s.yaml", &err), 0);
	ck_assert_uint_eq(m.nr_params, 2);
	ck_assert_uint_eq(m.nr_cells, 6);
	static const char *const labels[] = { "policy=lru,mem=16M",  "policy=lru,mem=32M",
					      "policy=fifo,mem=16M", "policy=fifo,mem=32M",
					      "policy=clock,mem=16M", "policy=clock,mem=32M" };
	for (size_t i = 0; i < 6; i++) {
		char *label = matrix_cell_label(&m, i);
		ck_assert_str_eq(label, labels[i]);
		free(label);
	}
	char *text = matrix_substitute(&m, 3, sweep, "s.yaml", &err);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "  memory: 32M\n  cmdline: mm.policy=fifo\n"));
	ck_assert_ptr_null(strstr(text, "${"));
	free(text);
	matrix_free(&m);
}
END_TEST

START_TEST(a_file_without_a_matrix_is_one_cell_and_may_not_use_parameters)
{
	struct matrix m;
	struct mv_error err;
	ck_assert_int_eq(matrix_read(&m, "guest: {memory: 64M}\n", "f.yaml", &err), 0);
	ck_assert_uint_eq(m.nr_cells, 1);
	char *text = matrix_substitute(&m, 0, "guest: {memory: 64M}\n", "f.yaml", &err);
	ck_assert_str_eq(text, "guest: {memory: 64M}\n");
	free(text);
	ck_assert_ptr_null(matrix_substitute(&m, 0, "a: 1\nb: ${x}\n", "f.yaml", &err));
	ck_assert_str_eq(err.msg, "f.yaml:2: '${x}' names no parameter of the matrix");
	matrix_free(&m);
}
END_TEST

struct bad_matrix {
	const char *text, *message;
};

static const struct bad_matrix bad[] = {
	{ "matrix: [a, b]\n", "f.yaml:1: matrix: expected a mapping" },
	{ "matrix:\n  Policy: [a]\n", "f.yaml:2: matrix: 'Policy' is not a parameter name" },
	{ "matrix:\n  p: a\n", "f.yaml:2: matrix: p: expected a list of values" },
	{ "matrix:\n  p: []\n", "f.yaml:2: matrix: p: expected a list of values" },
	{ "matrix:\n  p: [a, '$x']\n", "f.yaml:2: matrix: p: '$x' is not a plain value" },
	{ "matrix:\n  p: [a, 'x,y']\n", "f.yaml:2: matrix: p: 'x,y' is not a plain value" },
	{ "matrix:\n  a: [1,2,3,4,5,6,7,8]\n  b: [1,2,3,4,5,6,7,8]\n  c: [1,2,3,4,5]\n",
	  "f.yaml:2: matrix: more than 256 cells" },
};

START_TEST(a_malformed_matrix_is_refused_with_its_line)
{
	struct matrix m;
	struct mv_error err;
	ck_assert_int_eq(matrix_read(&m, bad[_i].text, "f.yaml", &err), -EINVAL);
	ck_assert_msg(!strncmp(err.msg, bad[_i].message, strlen(bad[_i].message)), "got '%s'",
		      err.msg);
}
END_TEST

START_TEST(an_unused_parameter_is_refused)
{
	struct matrix m;
	struct mv_error err;
	static const char text[] = "guest:\n  memory: ${mem}\nmatrix:\n  mem: [1M]\n  cpus: [1]\n";
	ck_assert_int_eq(matrix_read(&m, text, "f.yaml", &err), 0);
	ck_assert_ptr_null(matrix_substitute(&m, 0, text, "f.yaml", &err));
	ck_assert_msg(strstr(err.msg, "parameter 'cpus' is used nowhere"), "%s", err.msg);
	matrix_free(&m);
}
END_TEST

/* Every name lands in exactly one shard, and shards differ in what they get. */
START_TEST(shards_partition_the_names)
{
	char name[32];
	unsigned counts[4] = { 0 };
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "sweep[n=%d]", i);
		unsigned in = 0;
		for (unsigned k = 1; k <= 4; k++)
			if (test_in_shard(name, k, 4)) {
				in++;
				counts[k - 1]++;
			}
		ck_assert_uint_eq(in, 1);
		ck_assert(test_in_shard(name, 1, 1));
	}
	for (int k = 0; k < 4; k++)
		ck_assert_msg(counts[k] > 50, "shard %d got %u of 400", k + 1, counts[k]);
}
END_TEST

static void table_of_two(struct test_table *t)
{
	struct mv_error err;
	char *names[] = { "vmstat.pgmajfault", "max(host.resident)" };
	double values[] = { 1234, 5.5e7 };
	bool measured[] = { true, false };
	struct test_row a = { .name = "s[policy=lru,mem=16M]", .file = "s.yaml",
			      .label = "policy=lru,mem=16M", .dir = "out/a", .reasons = "",
			      .status = 0, .seconds = 1.5, .checks = 3, .nr_results = 2,
			      .result_names = names, .values = values, .measured = measured };
	struct test_row b = { .name = "plain", .file = "p.yaml", .label = "", .dir = "out/b",
			      .reasons = "p.yaml:3: no console line matches 'a, \"b\"'\n",
			      .status = 1, .seconds = 2, .checks = 2, .failed = 1 };
	ck_assert_int_eq(test_table_add(t, &a, &err), 0);
	ck_assert_int_eq(test_table_add(t, &b, &err), 0);
	ck_assert_int_eq(test_table_add(t, &b, &err), -EEXIST);
}

#define TEMP_PATTERN "/tmp/memvisor-results-XXXXXX"

/* A new temporary file at path (TEMP_PATTERN's size) holding body. */
static void temp_file(char *path, const char *body)
{
	strcpy(path, TEMP_PATTERN);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
}

START_TEST(results_json_reads_back_what_was_written)
{
	struct test_table t = { 0 }, back = { 0 };
	struct mv_error err;
	char path[] = TEMP_PATTERN;
	temp_file(path, "");
	table_of_two(&t);
	ck_assert_int_eq(test_table_write_json(&t, path, &err), 0);
	ck_assert_int_eq(test_table_read_json(&back, path, &err), 0);
	unlink(path);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.rows[0].name, "s[policy=lru,mem=16M]");
	ck_assert_str_eq(back.rows[0].label, "policy=lru,mem=16M");
	ck_assert_uint_eq(back.rows[0].nr_results, 2);
	ck_assert(back.rows[0].measured[0] && back.rows[0].values[0] == 1234);
	ck_assert(!back.rows[0].measured[1]);
	ck_assert_str_eq(back.rows[1].reasons, t.rows[1].reasons);
	ck_assert_uint_eq(back.rows[1].failed, 1);
	ck_assert_int_eq(back.rows[1].status, 1);
	ck_assert_uint_eq(test_table_failed(&back), 1);
	test_table_free(&t);
	test_table_free(&back);
}
END_TEST

START_TEST(results_csv_has_a_column_per_parameter_and_measure_and_quotes_commas)
{
	struct test_table t = { 0 };
	struct mv_error err;
	char path[] = TEMP_PATTERN, text[1024] = "";
	temp_file(path, "");
	table_of_two(&t);
	ck_assert_int_eq(test_table_write_csv(&t, path, &err), 0);
	FILE *f = fopen(path, "r");
	ck_assert_uint_gt(fread(text, 1, sizeof(text) - 1, f), 0);
	fclose(f);
	unlink(path);
	ck_assert_str_eq(text, "name,file,verdict,status,seconds,checks,failed,policy,mem,"
			       "vmstat.pgmajfault,max(host.resident)\n"
			       "\"s[policy=lru,mem=16M]\",s.yaml,pass,0,1.500,3,0,lru,16M,1234,\n"
			       "plain,p.yaml,fail,1,2.000,2,1,,,,\n");
	test_table_free(&t);
}
END_TEST

START_TEST(a_file_that_is_not_a_results_table_is_refused)
{
	struct test_table t = { 0 };
	struct mv_error err;
	char path[] = TEMP_PATTERN;
	static const char *const bodies[] = { "not json", "{\"version\":2,\"rows\":[]}",
					      "{\"version\":1,\"rows\":[{\"name\":\"x\"}]}",
					      "{\"version\":1,\"rows\":[7]}" };
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		temp_file(path, bodies[i]);
		ck_assert_int_eq(test_table_read_json(&t, path, &err), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err.msg, path));
		unlink(path);
	}
	ck_assert_uint_eq(t.n, 0);
	test_table_free(&t);
}
END_TEST

Suite *matrix_suite(void);
Suite *matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("matrix");
	tcase_add_test(tc, cells_run_in_odometer_order_the_last_parameter_fastest);
	tcase_add_test(tc, a_file_without_a_matrix_is_one_cell_and_may_not_use_parameters);
	tcase_add_loop_test(tc, a_malformed_matrix_is_refused_with_its_line, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, an_unused_parameter_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("results");
	tcase_add_test(tc, shards_partition_the_names);
	tcase_add_test(tc, results_json_reads_back_what_was_written);
	tcase_add_test(tc, results_csv_has_a_column_per_parameter_and_measure_and_quotes_commas);
	tcase_add_test(tc, a_file_that_is_not_a_results_table_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
