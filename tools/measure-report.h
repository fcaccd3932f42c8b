/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: what the readings of a run are held against, and the report. The
 * expectation comes from the device database (the sink's USB ids and names matched the
 * way dacguardd matches them) and the output and mode the guard holds: the database's
 * crosstalk for that output, and the rule that a balanced output beats single-ended. */
#pragma once

#include <stdbool.h>

#include "measure-run.h"
#include "measure-target.h"
#include "model.h"

#define MEASURE_DB_TOLERANCE_DB 3.0 /* a reading this close to the database figure meets it */

struct measure_expectation {
	const char *device;           /* "Vendor Model" or NULL */
	char device_buf[2 * DG_NAME_MAX + 2];
	const char *output;           /* the output in use, or NULL */
	const char *mode;             /* "balanced", "single-ended", "unknown" */
	double db_figure;             /* the database's crosstalk for the output; NAN unknown */
	double se_figure, bal_figure; /* the DAC's best figures per mode; NAN unknown */
	double worst;                 /* measured worst crosstalk (or bound) */
	bool worst_is_bound;
	const char *verdict;          /* against db_figure */
	const char *rule_verdict;     /* balanced should beat single-ended */
};

/* e points into t: t must outlive it. */
void measure_expect(const struct measure_target *t, const struct dg_measure_run *run,
		    struct measure_expectation *e);

/* The report on stdout; e is NULL when no sink was found, error NULL or "" after a run
 * that finished. */
void measure_print_json(const struct measure_target *t, const struct dg_measure_run *run,
			const struct measure_expectation *e, const char *error);
void measure_print_human(const struct measure_target *t, const struct dg_measure_run *run,
			 const struct measure_expectation *e);
