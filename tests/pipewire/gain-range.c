/* SPDX-License-Identifier: MIT */
/* Gains that explain a recorded frame (see gain-range.h). */
#include "gain-range.h"

#include <float.h>
#include <math.h>

/* A gain is "exact" when p * g rounds to r as the guard's multiply does: in float. */
#if FLT_EVAL_METHOD != 0
#error "float arithmetic must round to float (FLT_EVAL_METHOD 0), as in the guard"
#endif

/* The floats g with p * g == r in float: a run of consecutive floats next to r / p. */
static struct gain_range exact_gains(float p, float r)
{
	double q = (double) r / (double) p;
	float up, down, hit = 0.0f;
	bool found = false;

	if (!(q > 0.0 && q < FLT_MAX))
		return GAIN_NONE;
	up = down = (float) q;
	for (int i = 0; i <= 4 && !found; i++) {
		if (p * up == r) {
			hit = up;
			found = true;
		} else if (p * down == r) {
			hit = down;
			found = true;
		}
		up = nextafterf(up, INFINITY);
		down = nextafterf(down, 0.0f);
	}
	if (!found)
		return GAIN_NONE;
	float lo = hit, hi = hit;
	for (int i = 0; i < 64 && p * nextafterf(lo, 0.0f) == r; i++)
		lo = nextafterf(lo, 0.0f);
	for (int i = 0; i < 64 && p * nextafterf(hi, INFINITY) == r; i++)
		hi = nextafterf(hi, INFINITY);
	return (struct gain_range){lo, hi};
}

/* The gains g with |p * g - r| <= tol. */
static struct gain_range tolerant_gains(float p, float r, double tol)
{
	double a = ((double) r - tol) / p, b = ((double) r + tol) / p;
	if (a > b) {
		double t = a;
		a = b;
		b = t;
	}
	return b < 0.0 ? GAIN_NONE : (struct gain_range){fmax(a, 0.0), b};
}

struct gain_range frame_gains(const float *p, const float *r, size_t ch, double tol, bool *tells)
{
	struct gain_range g = {0.0, INFINITY};
	*tells = false;
	for (size_t c = 0; c < ch; c++) {
		if (fabsf(p[c]) <= GAIN_QUIET) {
			if (fabsf(r[c]) > fabsf(p[c]) + tol) {
				*tells = true;
				return GAIN_NONE;
			}
			continue;
		}
		*tells = true;
		g = gain_range_and(g, tol > 0.0 ? tolerant_gains(p[c], r[c], tol)
						: exact_gains(p[c], r[c]));
	}
	return g;
}
