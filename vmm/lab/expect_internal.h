/*
 * expect_internal.h: the parsed form of a condition (expect.h), shared by
 * the parser (expect.c) and the evaluators (expect_eval.c) only.
 */
#ifndef VMM_EXPECT_INTERNAL_H
#define VMM_EXPECT_INTERNAL_H

#include "expect.h"

#include <stdbool.h>

enum node_op { N_NUM, N_PATH, N_FUNC, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV };

enum func {
	/* stats: aggregates over the window, and the per-sample rate */
	F_MAX, F_MIN, F_AVG, F_FIRST, F_LAST, F_DELTA, F_RATE,
	/* diff: bytes in matching address spaces */
	F_ADDED, F_REMOVED, F_CHANGED, F_LARGEST_ADDED,
};

struct node {
	enum node_op op;
	double num;                    /* N_NUM */
	char *path;                    /* N_PATH; the space name for diff funcs */
	enum func func;                /* N_FUNC */
	struct node *l, *r;            /* operands; l is a FUNC's argument */
};

enum cmp_op { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
enum quant { Q_NONE, Q_ALWAYS, Q_EVER };
enum clause { T_NONE, T_AT, T_WITHIN, T_AFTER };

struct expect_cond {
	char *text;
	enum expect_kind kind;
	enum quant quant;
	enum clause clause;
	double t;                      /* seconds, for a clause */
	enum cmp_op cmp;
	struct node *l, *r;
};

extern const char *const expect_func_names[];
extern const char *const expect_cmp_names[];

#endif
