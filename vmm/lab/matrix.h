/*
 * matrix.h: a scenario's sweep. A scenario file may carry
 *
 *   matrix:
 *     policy: [lru, fifo, clock]
 *     memory: [16M, 24M]
 *
 * and use ${policy} and ${memory} anywhere else in its text (guest.memory,
 * guest.cmdline, workload, conditions...). Each combination of values is a
 * cell: the file's text with every ${NAME} replaced by the cell's value,
 * loaded as a scenario of its own named "NAME[policy=lru,memory=16M]".
 * Cells are numbered in odometer order, the last parameter fastest.
 *
 * Checked before any substitution: the matrix is a mapping of names
 * ([a-z0-9_], at most MATRIX_MAX_PARAMS) to non-empty lists of plain
 * values (no '$', ',', ']', '=' or newline), at most MATRIX_MAX_CELLS
 * cells; every ${NAME} in the text names a parameter and every parameter
 * is used. Errors are "FILE:LINE: what".
 * Invariant: a read matrix owns its strings; matrix_free releases them.
 */
#ifndef VMM_MATRIX_H
#define VMM_MATRIX_H

#include "util.h"

#include <stddef.h>

#define MATRIX_MAX_PARAMS 8
#define MATRIX_MAX_CELLS  256

struct matrix_param {
	char *name;
	char **values;
	size_t nr_values;
};

struct matrix {
	struct matrix_param params[MATRIX_MAX_PARAMS];
	size_t nr_params;
	size_t nr_cells;               /* 1 without a matrix */
};

/*
 * Reads the top-level matrix: of a scenario file's text (file names it in
 * errors). No matrix: nr_params 0, one cell. Returns 0 or -EINVAL.
 */
int matrix_read(struct matrix *m, const char *text, const char *file, struct mv_error *err);
void matrix_free(struct matrix *m);

/* The value index of each parameter in cell (0 <= cell < nr_cells). */
void matrix_cell(const struct matrix *m, size_t cell, size_t choice[MATRIX_MAX_PARAMS]);

/*
 * text with every ${NAME} replaced by the cell's value (malloc'd), or NULL
 * with "FILE:LINE: ..." in err for an unknown name or an unused parameter.
 */
char *matrix_substitute(const struct matrix *m, size_t cell, const char *text, const char *file,
			struct mv_error *err);

/* "policy=lru,memory=16M": the cell's parameters, malloc'd ("" without a matrix). */
char *matrix_cell_label(const struct matrix *m, size_t cell);

#endif
