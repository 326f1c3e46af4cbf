/*
 * test_results.h: the outcome table of `memvisor test`: one row per
 * scenario run (a sweep's cell is a row), written as results.json and
 * results.csv, as JUnit XML and TAP, and read back from results.json so
 * `test --merge` can join the tables of shards run on different machines.
 *
 * results.json:
 *   {"version":1,"rows":[{"name":"swap[policy=lru]","file":"swap.yaml",
 *     "verdict":"pass","status":0,"seconds":2.5,"checks":4,"failed":0,
 *     "reasons":"","dir":"out/swap[policy=lru]","params":{"policy":"lru"},
 *     "results":{"vmstat.pgmajfault":1234}}]}
 * results.csv: name, file, verdict, status, seconds, checks, failed, then
 * one column per matrix parameter and one per measure, over all rows
 * (empty where a row has none), RFC 4180 quoting.
 *
 * Invariant: a table owns every string and array of its rows; rows keep
 * the order they were added in; no two rows share a name.
 */
#ifndef VMM_TEST_RESULTS_H
#define VMM_TEST_RESULTS_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct test_row {
	char *name, *file, *label, *dir, *reasons; /* label: "k=v,k=v" or "" */
	int status;
	double seconds;
	unsigned checks, failed;
	size_t nr_results;
	char **result_names;           /* the measures as written in the scenario */
	double *values;
	bool *measured;                /* false: the value could not be read */
};

struct test_table {
	struct test_row *rows;
	size_t n;
};

/* Adds a deep copy of row; -EEXIST (with err) when its name is taken. */
int test_table_add(struct test_table *t, const struct test_row *row, struct mv_error *err);
void test_table_free(struct test_table *t);
size_t test_table_failed(const struct test_table *t);

/* The table as results.json holds it (a new reference). */
struct json_object *test_table_json(const struct test_table *t);
int test_table_write_json(const struct test_table *t, const char *path, struct mv_error *err);
int test_table_write_csv(const struct test_table *t, const char *path, struct mv_error *err);
int test_table_write_junit(const struct test_table *t, const char *path, struct mv_error *err);
void test_table_write_tap(const struct test_table *t, FILE *out);
/* Appends the rows of a results.json; -EINVAL with "FILE: what" for a bad file. */
int test_table_read_json(struct test_table *t, const char *path, struct mv_error *err);

/* "PASS  name  1.2 s  (3 checks)" and the reasons, indented. */
void test_row_print_verdict(const struct test_row *r, FILE *out);

/* Whether name falls in shard k of n (1 <= k <= n): a stable hash of the name. */
bool test_in_shard(const char *name, unsigned k, unsigned n);

#endif
