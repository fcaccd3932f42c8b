/* SPDX-License-Identifier: MIT */
/* The rule of tests/dg-test.h that a test which made no check fails, tried on itself:
 * a run with no check, a test function with none, then one that checks. The counters
 * are reset after each failure made on purpose. */
#include "tests/dg-test.h"

static void checks_nothing(void)
{
}

static void checks_once(void)
{
	DG_CHECK(1 + 1 == 2);
}

int main(void)
{
	int wrong = 0;

	/* nothing checked at all: the run fails */
	if (dg_test_done("test-dg-test (no checks, must fail)") != 1) {
		fprintf(stderr, "a run with no checks passed\n");
		wrong++;
	}
	dg_test_failures = 0;

	/* a test function with no check fails the run, even after one that checked */
	DG_RUN(checks_once);
	DG_RUN(checks_nothing);
	if (dg_test_failures != 1 || dg_test_done("test-dg-test (empty function, must fail)") != 1) {
		fprintf(stderr, "a test function with no checks passed\n");
		wrong++;
	}
	dg_test_failures = 0;
	dg_test_checks = 0;

	/* and one that checks passes */
	DG_RUN(checks_once);
	if (dg_test_failures != 0 || dg_test_checks != 1) {
		fprintf(stderr, "a test function that checked failed\n");
		wrong++;
	}
	if (wrong)
		return 1;
	return dg_test_done("test-dg-test");
}
