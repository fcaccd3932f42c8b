/* SPDX-License-Identifier: MIT */
/* The guard's reach in frames, measured by running lib/guard.c (see guard-timing.h). */
#include "guard-timing.h"

#include "lib/guard.h"

#include <errno.h>
#include <stdlib.h>

#define BLOCK 256

/* A steady level below full scale: at rest it leaves the guard as level * gain, exactly. */
#define LEVEL 0.5f

/* Runs x (n frames, mono) through a guard at ceiling_db into y, switching to switch_db
 * before input frame at (at >= n: never); its latency in *latency. */
static int run(uint32_t rate, double ceiling_db, const float *x, float *y, size_t n, size_t at,
	       double switch_db, uint32_t *latency)
{
	void *mem = calloc(1, dg_guard_size(1, rate));
	struct dg_guard *g = mem ? dg_guard_init(mem, 1, rate, ceiling_db) : NULL;

	if (g == NULL) {
		free(mem);
		return mem ? -EINVAL : -ENOMEM;
	}
	*latency = dg_guard_latency_frames(g);
	for (size_t off = 0; off < n;) {
		size_t len = n - off < BLOCK ? n - off : BLOCK;
		if (off <= at && at < off + len && at > off)
			len = at - off; /* end the block where the switch goes */
		if (off == at)
			dg_guard_set_ceiling(g, switch_db);
		const float *in = x + off;
		float *out = y + off;
		dg_guard_process(g, &out, &in, (uint32_t) len);
		off += len;
	}
	free(mem);
	return 0;
}

int guard_limiter_reach(uint32_t rate, struct guard_reach *r)
{
	size_t n = 3 * (size_t) rate, j0 = rate / 10, first = n, last = 0;
	float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
	uint32_t d = 0;
	int res = -ENOMEM;

	if (x == NULL || y == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = LEVEL;
	x[j0] = 1e30f;
	/* at 0 dB the cap gain is 1.0f: where the limiter rests, output frame k + D is x[k] */
	if ((res = run(rate, 0.0, x, y, n, n, 0.0, &d)) < 0)
		goto out;
	for (size_t k = 0; k + d < n; k++) {
		if (k != j0 && y[k + d] == x[k])
			continue;
		first = k < first ? k : first;
		last = k;
	}
	/* a release that did not end within the run, or a limiter that acted before the
	 * over by more than the whole lead-in: not a guard this tool knows */
	if (last + d + 1 >= n || first == 0) {
		res = -ERANGE;
		goto out;
	}
	r->before = (uint32_t) (j0 - first);
	r->after = (uint32_t) (last - j0);
	res = 0;
out:
	free(x);
	free(y);
	return res;
}

int guard_ramp_frames(uint32_t rate, double from_db, double to_db, uint32_t *frames)
{
	size_t at = rate / 10, n = at + 2 * (size_t) rate;
	float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
	float want = LEVEL * dg_guard_ceiling_linear(to_db);
	uint32_t d;
	int res = -ENOMEM;

	if (x == NULL || y == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = LEVEL;
	if ((res = run(rate, from_db, x, y, n, at, to_db, &d)) < 0)
		goto out;
	*frames = 0;
	for (size_t k = at; k < n; k++)
		if (y[k] != want)
			*frames = (uint32_t) (k - at + 1);
	if (*frames + 1 >= n - at)
		res = -ERANGE;
out:
	free(x);
	free(y);
	return res;
}

int guard_raise_steepest(uint32_t rate, double *factor)
{
	size_t at = rate / 10, n = at + 2 * (size_t) rate;
	float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
	uint32_t d;
	int res = -ENOMEM;

	if (x == NULL || y == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = LEVEL;
	if ((res = run(rate, DG_GUARD_MIN_CEILING_DB, x, y, n, at, 0.0, &d)) < 0)
		goto out;
	/* LEVEL is a power of two: y is the gain, halved, exactly */
	*factor = 1.0;
	for (size_t k = at + 1; k < n; k++)
		if (y[k - 1] > 0.0f && (double) y[k] / y[k - 1] > *factor)
			*factor = (double) y[k] / y[k - 1];
	if (!(*factor > 1.0))
		res = -ERANGE;
out:
	free(x);
	free(y);
	return res;
}
