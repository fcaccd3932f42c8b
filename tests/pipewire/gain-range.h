/* SPDX-License-Identifier: MIT */
/* Which gains explain a recorded frame as a played one times a gain: an interval of
 * gains, exact in float (the guard's multiply) or within a tolerance. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct gain_range {
	double lo, hi; /* lo > hi: empty */
};

#define GAIN_NONE ((struct gain_range){1.0, 0.0})

/* Played samples this small tell no gain: the guard's data thread flushes denormals. */
#define GAIN_QUIET 1e-30

static inline bool gain_range_empty(struct gain_range a)
{
	return !(a.lo <= a.hi);
}

static inline struct gain_range gain_range_and(struct gain_range a, struct gain_range b)
{
	return (struct gain_range){a.lo > b.lo ? a.lo : b.lo, a.hi < b.hi ? a.hi : b.hi};
}

/* The gains g > 0 every channel agrees with: r == p * g rounded to float (tol 0), or
 * |r - p * g| <= tol. *tells is false when no channel is loud enough to tell one
 * (|p| <= GAIN_QUIET): then the frame only has to be as quiet, else the range is
 * empty. */
struct gain_range frame_gains(const float *p, const float *r, size_t ch, double tol, bool *tells);
