/*
 * claims.h: the test programs' one-line verdicts. Each claim prints
 * "PROG: CLAIM: ok" or "PROG: CLAIM: FAILED: got X, want Y"; the report
 * prints "PROG: N passed, M failed" (what the integration tests parse).
 * The tally is the caller's struct, passed to every call.
 */
#ifndef USER_CLAIMS_H
#define USER_CLAIMS_H

struct claims {
	const char *prog;
	int passed, failed;
};

/* Records and prints the claim `what` (got == want). */
void claims_check(struct claims *c, const char *what, long got, long want);
/* Prints the summary line; returns the exit status (0: none failed). */
int claims_report(const struct claims *c);

#endif
