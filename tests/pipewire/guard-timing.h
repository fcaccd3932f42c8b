/* SPDX-License-Identifier: MIT */
/* How far the guard's limiter and its ceiling ramp reach, in frames, measured on the
 * guard itself (lib/guard.c through its API), so the checks stay in step with it. */
#pragma once

#include <stdint.h>

struct guard_reach {
	uint32_t before; /* input frames before an over whose output the limiter may
			    already reduce (its lookahead) */
	uint32_t after;	 /* input frames after it that may still be reduced (lookahead
			    plus the longest release, from the deepest reduction) */
};

/* The limiter's reach around an input over, from a single over of 1e30 (the deepest
 * reduction, so the longest release) in a steady signal at the given rate. */
int guard_limiter_reach(uint32_t rate, struct guard_reach *r);

/* Output frames a raise of the ceiling from from_db to to_db spends ramping: neither
 * at from_db's gain nor at to_db's (0 when it applies at once). */
int guard_ramp_frames(uint32_t rate, double from_db, double to_db, uint32_t *frames);

/* The most a raise of the ceiling lifts the gain from one output frame to the next (a
 * factor > 1): that of the steepest raise there is, from the lowest ceiling to 0 dB. */
int guard_raise_steepest(uint32_t rate, double *factor);
