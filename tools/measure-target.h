/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: what a run measured, as the PipeWire graph showed it. The nodes
 * name where the tone went; the rest is what the expectation is looked up with. */
#pragma once

#include <stdbool.h>

#include "model.h"

#define MEASURE_NAME_MAX 256

struct measure_target {
	char sink[MEASURE_NAME_MAX];  /* empty: none was found */
	char guard[MEASURE_NAME_MAX]; /* empty: the sink has no guard */
	char play_target[MEASURE_NAME_MAX];
	char capture_target[MEASURE_NAME_MAX];
	bool capture_monitor; /* the capture is of capture_target's monitor */

	/* the sink's USB device (node or device properties), and the guard's Props */
	char vendor_id[32];
	char product_id[32];
	char vendor_name[MEASURE_NAME_MAX];
	char product_name[MEASURE_NAME_MAX];
	char guard_output[DG_ID_MAX];
	char guard_mode[32];
};
