/*
 * libclaims.c: claims.h, the test programs' one-line verdicts.
 */
#include "claims.h"

#include <stdio.h>

void claims_check(struct claims *c, const char *what, long got, long want)
{
	if (got == want) {
		c->passed++;
		printf("%s: %s: ok\n", c->prog, what);
	} else {
		c->failed++;
		printf("%s: %s: FAILED: got %ld, want %ld\n", c->prog, what, got, want);
	}
}

int claims_report(const struct claims *c)
{
	printf("%s: %d passed, %d failed\n", c->prog, c->passed, c->failed);
	return c->failed != 0;
}
