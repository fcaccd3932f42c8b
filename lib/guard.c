/* SPDX-License-Identifier: MIT */
/* dacguard guard DSP: gain cap plus a zero-overshoot lookahead limiter.
 * The design and its proof of "no sample above the ceiling" are in doc/guard-dsp.md.
 *
 * Signal path for output frame n (lookahead D frames):
 *   out[n] = x[n - D] * (glim[n] * gcap[n]), then clamped to +-gcap[n]
 * The limiter works on the input scale, where the threshold is full scale (1.0);
 * the cap gain multiplies afterwards, so a ceiling change never disturbs the
 * limiter and a lowered ceiling applies from the very next output frame. */
#include "guard.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Frames handled per inner pass: bounds the scratch buffers below. */
#define DG_CHUNK 256
#define DG_RAMP_SEC 0.05
/* Release: exponential recovery plus a small linear term so it ends in finite time. */
#define DG_RELEASE_TAU_SEC 0.02
#define DG_RELEASE_LINEAR 0.01f
/* Keeps the limiter gain strictly under the required gain despite float rounding
 * (about -0.00009 dB, only while the limiter is reducing). */
#define DG_LIMIT_MARGIN 0.99999f
/* abs(x) bit patterns compare like the values; NaN and Inf compare above all finite values. */
#define DG_ONE_BITS 0x3f800000
#define DG_ABS_MASK 0x7fffffff

struct dg_guard {
	uint32_t channels;
	uint32_t rate;
	uint32_t la;  /* lookahead D, frames */
	uint32_t win; /* D + 1: span of the window minimum and of the box filter */

	double ceiling_db;
	float target;   /* cap gain of the ceiling, = dg_guard_ceiling_linear() */
	float gain;     /* cap gain now: the output limit, <= target */
	float ramp_mul; /* per-frame factor while ramping up */
	uint32_t ramp_frames;

	/* Limiter. Time runs on input frames; uint32 wrap is harmless (differences only). */
	uint32_t now;
	uint32_t dq_head, dq_len; /* monotonic deque of input peaks > 1 in the window */
	uint32_t delay_pos;
	uint32_t box_pos;
	uint32_t box_reduced; /* box entries below 1 */
	float rel;            /* release follower, <= window minimum of required gain */
	float rel_k, rel_s;
	double box_sum;
	double box_inv;

	/* Meters and diagnostics. */
	float peak;
	float min_glim;
	uint64_t clamps;

	float *delay; /* channels * la */
	float *box;   /* win */
	float *dq_v;  /* win */
	uint32_t *dq_t;
	float gbuf[DG_CHUNK]; /* per-frame cap gain while ramping */
	float data[];
};

static uint32_t dg_lookahead(uint32_t rate)
{
	/* At most 1 ms, as the contract promises. */
	return rate / 1000;
}

size_t dg_guard_size(uint32_t max_channels, uint32_t max_rate)
{
	if (max_channels == 0 || max_channels > DG_GUARD_MAX_CHANNELS)
		max_channels = DG_GUARD_MAX_CHANNELS;
	if (max_rate < DG_GUARD_MIN_RATE || max_rate > DG_GUARD_MAX_RATE)
		max_rate = DG_GUARD_MAX_RATE;
	size_t la = dg_lookahead(max_rate);
	size_t floats = (size_t) max_channels * la + 3 * (la + 1);
	return sizeof(struct dg_guard) + floats * sizeof(float);
}

static double dg_clamp_db(double db)
{
	if (!(db >= DG_GUARD_MIN_CEILING_DB))
		return DG_GUARD_MIN_CEILING_DB;
	return db > 0.0 ? 0.0 : db;
}

float dg_guard_ceiling_linear(double ceiling_db)
{
	return (float) pow(10.0, dg_clamp_db(ceiling_db) / 20.0);
}

void dg_guard_reset(struct dg_guard *g)
{
	memset(g->data, 0, ((size_t) g->channels * g->la + 3 * (size_t) g->win) * sizeof(float));
	for (uint32_t i = 0; i < g->win; i++)
		g->box[i] = 1.0f;
	g->now = 0;
	g->dq_head = g->dq_len = 0;
	g->delay_pos = 0;
	g->box_pos = 0;
	g->box_reduced = 0;
	g->rel = 1.0f;
	g->box_sum = g->win;
	g->peak = 0.0f;
	g->min_glim = 1.0f;
}

struct dg_guard *dg_guard_init(void *mem, uint32_t channels, uint32_t rate, double ceiling_db)
{
	if (!mem || channels == 0 || channels > DG_GUARD_MAX_CHANNELS || rate < DG_GUARD_MIN_RATE ||
	    rate > DG_GUARD_MAX_RATE)
		return NULL;

	struct dg_guard *g = mem;
	memset(g, 0, sizeof(*g));
	g->channels = channels;
	g->rate = rate;
	g->la = dg_lookahead(rate);
	g->win = g->la + 1;
	g->box_inv = 1.0 / g->win;
	g->delay = g->data;
	g->box = g->delay + (size_t) channels * g->la;
	g->dq_v = g->box + g->win;
	/* Same size as float, so the layout in dg_guard_size() holds. */
	g->dq_t = (uint32_t *) (void *) (g->dq_v + g->win);
	g->rel_k = (float) (1.0 - exp(-1.0 / (DG_RELEASE_TAU_SEC * rate)));
	g->rel_s = g->rel_k * DG_RELEASE_LINEAR;

	g->ceiling_db = dg_clamp_db(ceiling_db);
	g->target = dg_guard_ceiling_linear(g->ceiling_db);
	g->gain = g->target;
	g->ramp_frames = 0;
	dg_guard_reset(g);
	return g;
}

void dg_guard_set_ceiling(struct dg_guard *g, double ceiling_db)
{
	double db = dg_clamp_db(ceiling_db);
	float t = dg_guard_ceiling_linear(db);

	g->ceiling_db = db;
	g->target = t;
	if (t <= g->gain) {
		/* Down (or equal): at once, from the next frame. */
		g->gain = t;
		g->ramp_frames = 0;
		return;
	}
	uint32_t n = (uint32_t) (DG_RAMP_SEC * g->rate);
	float mul = (float) pow((double) t / g->gain, 1.0 / n);
	if (!(mul > 1.0f)) {
		/* The step is below float resolution: the whole raise is < 0.03 dB. */
		g->gain = t;
		g->ramp_frames = 0;
		return;
	}
	g->ramp_mul = mul;
	/* An upper bound; the ramp also ends when it reaches the target. */
	g->ramp_frames = 2 * n + 2;
}

double dg_guard_get_ceiling(const struct dg_guard *g)
{
	return g->ceiling_db;
}

uint32_t dg_guard_latency_frames(const struct dg_guard *g)
{
	return g->la;
}

float dg_guard_limit(const struct dg_guard *g)
{
	return g->gain;
}

uint64_t dg_guard_clamp_count(const struct dg_guard *g)
{
	return g->clamps;
}

void dg_guard_take_meters(struct dg_guard *g, struct dg_guard_meters *m)
{
	m->peak_db = g->peak > 1e-10f ? 20.0f * log10f(g->peak) : -200.0f;
	m->gain_reduction_db = g->min_glim < 1.0f ? -20.0f * log10f(g->min_glim) : 0.0f;
	g->peak = 0.0f;
	g->min_glim = 1.0f;
}

/* Largest abs-value bit pattern of x[0..n): a cheap, vectorisable peak that also
 * flags NaN and Inf (their patterns are above every finite value). */
static int32_t dg_peak_bits(const float *x, uint32_t n)
{
	int32_t m[8] = {0};
	for (; n >= 8; n -= 8, x += 8) {
		int32_t u[8];
		memcpy(u, x, sizeof(u));
		for (int k = 0; k < 8; k++) {
			int32_t v = u[k] & DG_ABS_MASK;
			m[k] = v > m[k] ? v : m[k];
		}
	}
	for (; n > 0; n--, x++) {
		int32_t v;
		memcpy(&v, x, sizeof(v));
		v &= DG_ABS_MASK;
		m[0] = v > m[0] ? v : m[0];
	}
	int32_t r = m[0];
	for (int k = 1; k < 8; k++)
		r = m[k] > r ? m[k] : r;
	return r;
}

/* Fills g->gbuf[0..n) with the ramping cap gain; never above the target. */
static void dg_ramp(struct dg_guard *g, uint32_t n)
{
	float v = g->gain;
	for (uint32_t i = 0; i < n; i++) {
		if (g->ramp_frames > 0) {
			g->ramp_frames--;
			v *= g->ramp_mul;
			if (v >= g->target || g->ramp_frames == 0) {
				v = g->target;
				g->ramp_frames = 0;
			}
		}
		g->gbuf[i] = v;
	}
	g->gain = v;
}

/* Delay line plus gain, the limiter at rest. In-place safe: each group of 8 is
 * read completely before it is written. */
static void dg_delay_gain(float *ring, float *out, const float *in, uint32_t n, float gain,
			  const float *gvec)
{
	for (; n >= 8; n -= 8, ring += 8, in += 8, out += 8) {
		float a[8], b[8];
		memcpy(a, ring, sizeof(a));
		memcpy(b, in, sizeof(b));
		memcpy(ring, b, sizeof(b));
		if (gvec) {
			for (int k = 0; k < 8; k++)
				out[k] = a[k] * gvec[k];
			gvec += 8;
		} else {
			for (int k = 0; k < 8; k++)
				out[k] = a[k] * gain;
		}
	}
	for (; n > 0; n--) {
		float a = *ring;
		*ring++ = *in++;
		*out++ = a * (gvec ? *gvec++ : gain);
	}
}

static void dg_fast(struct dg_guard *g, float *const *out, const float *const *in, uint32_t off,
		    uint32_t n, const float *gvec)
{
	for (uint32_t c = 0; c < g->channels; c++) {
		float *ring = g->delay + (size_t) c * g->la;
		uint32_t pos = g->delay_pos, i = 0;
		while (i < n) {
			uint32_t seg = g->la - pos;
			if (seg > n - i)
				seg = n - i;
			dg_delay_gain(ring + pos, out[c] + off + i, in[c] + off + i, seg, g->gain,
				      gvec ? gvec + i : NULL);
			i += seg;
			pos += seg;
			if (pos == g->la)
				pos = 0;
		}
	}
	g->delay_pos = (uint32_t) (((uint64_t) g->delay_pos + n) % g->la);
	g->now += n;
}

/* Limiter gain for the output frame now - D, after the input frame with
 * linked peak p entered. It is <= 1/peak of every input frame in the window
 * [now - D, now], which includes the frame being output. */
static float dg_limiter_step(struct dg_guard *g, float p)
{
	uint32_t win = g->win;

	/* Expire first: then at most D entries remain and the push fits in D + 1. */
	while (g->dq_len > 0 && g->now - g->dq_t[g->dq_head] > g->la) {
		if (++g->dq_head == win)
			g->dq_head = 0;
		g->dq_len--;
	}
	if (p > 1.0f) {
		while (g->dq_len > 0) {
			uint32_t back = g->dq_head + g->dq_len - 1;
			if (back >= win)
				back -= win;
			if (g->dq_v[back] > p)
				break;
			g->dq_len--;
		}
		uint32_t slot = g->dq_head + g->dq_len;
		if (slot >= win)
			slot -= win;
		g->dq_v[slot] = p;
		g->dq_t[slot] = g->now;
		g->dq_len++;
	}
	/* Window minimum of the required gain. */
	float w = g->dq_len > 0 ? 1.0f / g->dq_v[g->dq_head] : 1.0f;

	/* Release can only move up slowly and never above the window minimum. */
	float r = g->rel + (1.0f - g->rel) * g->rel_k + g->rel_s;
	if (r > 1.0f)
		r = 1.0f;
	if (w < r)
		r = w;
	g->rel = r;

	/* Box average over D+1 window minima: each of them is <= the required gain of
	 * the frame leaving the delay line, so their mean is too. */
	float old = g->box[g->box_pos];
	g->box[g->box_pos] = r;
	if (++g->box_pos == win)
		g->box_pos = 0;
	g->box_reduced += (uint32_t) (r < 1.0f) - (uint32_t) (old < 1.0f);
	if (g->box_reduced == 0) {
		/* Exact 1 again: the output becomes bit-identical to in * gain. */
		g->box_sum = win;
		return 1.0f;
	}
	g->box_sum += (double) r - (double) old;
	float gl = (float) (g->box_sum * g->box_inv) * DG_LIMIT_MARGIN;
	return gl < 1.0f ? gl : 1.0f;
}

static void dg_slow(struct dg_guard *g, float *const *out, const float *const *in, uint32_t off,
		    uint32_t n, const float *gvec)
{
	uint32_t nch = g->channels, la = g->la;
	float peak = g->peak, min_glim = g->min_glim;

	for (uint32_t i = off; i < off + n; i++) {
		float p = 0.0f;
		for (uint32_t c = 0; c < nch; c++) {
			float a = fabsf(in[c][i]);
			/* NaN fails every comparison, Inf is above FLT_MAX: both count as bad. */
			p = a > p ? a : p;
			if (!(a <= FLT_MAX))
				p = INFINITY;
		}
		if (p == INFINITY) {
			/* Non-finite input: mute the affected samples, nothing else. */
			p = 0.0f;
			for (uint32_t c = 0; c < nch; c++) {
				float a = fabsf(in[c][i]);
				if (a <= FLT_MAX)
					p = a > p ? a : p;
			}
		}
		float glim = dg_limiter_step(g, p);
		float lim = gvec ? gvec[i - off] : g->gain;
		float gg = glim * lim;
		min_glim = glim < min_glim ? glim : min_glim;

		for (uint32_t c = 0; c < nch; c++) {
			float *slot = &g->delay[(size_t) c * la + g->delay_pos];
			float x = in[c][i];
			if (!(fabsf(x) <= FLT_MAX)) {
				x = 0.0f;
				g->clamps++;
			}
			float y = *slot * gg;
			*slot = x;
			if (fabsf(y) > lim) {
				/* Should never run: the limiter gain is below the required gain. */
				g->clamps++;
				y = y > 0.0f ? lim : -lim;
			}
			float a = fabsf(y);
			peak = a > peak ? a : peak;
			out[c][i] = y;
		}
		if (++g->delay_pos == la)
			g->delay_pos = 0;
		g->now++;
	}
	g->peak = peak;
	g->min_glim = min_glim;
}

void dg_guard_process(struct dg_guard *g, float *const *out, const float *const *in,
		      uint32_t n_frames)
{
	for (uint32_t off = 0; off < n_frames;) {
		uint32_t n = n_frames - off;
		if (n > DG_CHUNK)
			n = DG_CHUNK;

		const float *gvec = NULL;
		float gmax = g->gain;
		if (g->ramp_frames > 0) {
			dg_ramp(g, n);
			gvec = g->gbuf;
			gmax = g->gain; /* the ramp only rises */
		}

		int32_t pk = 0;
		for (uint32_t c = 0; c < g->channels; c++) {
			int32_t b = dg_peak_bits(in[c] + off, n);
			pk = b > pk ? b : pk;
		}
		/* At rest: no over in the window, release done, box all ones. */
		bool rest = g->dq_len == 0 && g->box_reduced == 0;
		if (rest && pk <= DG_ONE_BITS) {
			float p;
			memcpy(&p, &pk, sizeof(p));
			/* Meter from the input a lookahead early: the same values, once delayed. */
			p *= gmax;
			g->peak = p > g->peak ? p : g->peak;
			dg_fast(g, out, in, off, n, gvec);
		} else {
			dg_slow(g, out, in, off, n, gvec);
		}
		off += n;
	}
}
