/* SPDX-License-Identifier: MIT */
/* Minimal assertions for dacguard's C tests: each failure names file:line and the
 * values, and the test keeps going so one run shows every failure. Every check is
 * counted, and a test that made none fails. */
#pragma once

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dg_test_failures;
static int dg_test_checks;

#define DG_CHECK(cond)                                                                   \
	do {                                                                             \
		dg_test_checks++;                                                        \
		if (!(cond)) {                                                           \
			dg_test_failures++;                                              \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
		}                                                                        \
	} while (0)

#define DG_CHECK_NEAR(a, b, tol)                                                           \
	do {                                                                               \
		double dg_a_ = (a), dg_b_ = (b);                                           \
		dg_test_checks++;                                                          \
		if (!(fabs(dg_a_ - dg_b_) <= (tol))) {                                     \
			dg_test_failures++;                                                \
			fprintf(stderr, "%s:%d: %s = %.6f, expected %.6f (+-%g)\n", __FILE__, \
				__LINE__, #a, dg_a_, dg_b_, (double)(tol));                \
		}                                                                          \
	} while (0)

#define DG_CHECK_INT(a, b)                                                                 \
	do {                                                                               \
		long long dg_a_ = (long long)(a), dg_b_ = (long long)(b);                  \
		dg_test_checks++;                                                          \
		if (dg_a_ != dg_b_) {                                                      \
			dg_test_failures++;                                                \
			fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__,       \
				__LINE__, #a, dg_a_, dg_b_);                               \
		}                                                                          \
	} while (0)

#define DG_CHECK_STR(a, b)                                                                 \
	do {                                                                               \
		const char *dg_a_ = (a), *dg_b_ = (b);                                     \
		dg_test_checks++;                                                          \
		if (!dg_a_ || !dg_b_ || strcmp(dg_a_, dg_b_) != 0) {                       \
			dg_test_failures++;                                                \
			fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__,   \
				__LINE__, #a, dg_a_ ? dg_a_ : "(null)",                     \
				dg_b_ ? dg_b_ : "(null)");                                 \
		}                                                                          \
	} while (0)

/* A test that made no check fails: it tested nothing (a loop over an empty table, a
 * corpus it did not find, a case that returned early) and must not pass for it. */

/* Runs one test function of a file; DG_RUN(test_x) names it after the function. */
static inline void dg_test_run(const char *name, void (*fn)(void))
{
	int before = dg_test_checks;

	fn();
	if (dg_test_checks == before) {
		dg_test_failures++;
		fprintf(stderr, "%s: made no checks\n", name);
	}
}
#define DG_RUN(fn) dg_test_run(#fn, fn)

/* Ends main(): prints a summary line and returns the exit status. */
static inline int dg_test_done(const char *name)
{
	if (dg_test_checks == 0) {
		dg_test_failures++;
		fprintf(stderr, "%s: made no checks\n", name);
	}
	printf("%s: %d checks, %d failed\n", name, dg_test_checks, dg_test_failures);
	return dg_test_failures ? 1 : 0;
}
