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
	float *dq_v;  /* win: required gains 1/peak */
	uint32_t *dq_t;
	float gbuf[DG_CHUNK]; /* per-frame cap gain while ramping */
	float lbuf[DG_CHUNK]; /* linked peaks, then per-frame total gain, in dg_slow() */
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
/* GCC/clang vector extensions: SSE/NEON where available, plain C elsewhere. */
typedef float dg_v4 __attribute__((vector_size(16)));
typedef int32_t dg_v4i __attribute__((vector_size(16)));

static inline dg_v4 dg_ld(const float *p)
{
	dg_v4 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline dg_v4i dg_ldi(const float *p)
{
	dg_v4i v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline dg_v4i dg_maxi(dg_v4i a, dg_v4i b)
{
	dg_v4i m = a > b;
	return (a & m) | (b & ~m);
}

static inline int32_t dg_hmaxi(dg_v4i a)
{
	int32_t r = a[0];
	for (int k = 1; k < 4; k++)
		r = a[k] > r ? a[k] : r;
	return r;
}

/* Largest abs-value bit pattern of x[0..n): a cheap peak that also flags NaN and
 * Inf (their patterns are above every finite value). */
static int32_t dg_peak_bits(const float *x, uint32_t n)
{
	dg_v4i m0 = {0}, m1 = {0};
	for (; n >= 8; n -= 8, x += 8) {
		m0 = dg_maxi(m0, dg_ldi(x) & DG_ABS_MASK);
		m1 = dg_maxi(m1, dg_ldi(x + 4) & DG_ABS_MASK);
	}
	int32_t r = dg_hmaxi(dg_maxi(m0, m1));
	for (; n > 0; n--, x++) {
		int32_t v;
		memcpy(&v, x, sizeof(v));
		v &= DG_ABS_MASK;
		r = v > r ? v : r;
	}
	return r;
}

/* Per-frame linked peak: pb[i] = max(pb[i], abs bits of x[i]). */
static void dg_link_peak(int32_t *pb, const float *x, uint32_t n)
{
	for (; n >= 4; n -= 4, x += 4, pb += 4) {
		dg_v4i p;
		memcpy(&p, pb, sizeof(p));
		p = dg_maxi(p, dg_ldi(x) & DG_ABS_MASK);
		memcpy(pb, &p, sizeof(p));
	}
	for (; n > 0; n--, x++, pb++) {
		int32_t v;
		memcpy(&v, x, sizeof(v));
		v &= DG_ABS_MASK;
		*pb = v > *pb ? v : *pb;
	}
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

/* Delay line plus gain with the limiter at rest: |in| <= 1 was checked, so
 * |out| <= gain needs no clamp. In-place safe: a vector is read before it is written. */
static void dg_delay_gain(float *ring, float *out, const float *in, uint32_t n, float gain,
			  const float *gvec)
{
	for (; n >= 4; n -= 4, ring += 4, in += 4, out += 4) {
		dg_v4 a = dg_ld(ring), x = dg_ld(in);
		memcpy(ring, &x, sizeof(x));
		if (gvec) {
			a *= dg_ld(gvec);
			gvec += 4;
		} else {
			a *= gain;
		}
		memcpy(out, &a, sizeof(a));
	}
	for (; n > 0; n--) {
		float a = *ring;
		*ring++ = *in++;
		*out++ = a * (gvec ? *gvec++ : gain);
	}
}

/* Delay line, per-frame gain gg and the final safety clamp to +-lim (a vector of
 * per-frame limits while ramping, else the scalar). Returns the clamp count;
 * *pk gets the abs-bits peak of the output. */
static uint32_t dg_delay_gain_clamp(float *ring, float *out, const float *in, uint32_t n,
				    const float *gg, float lim, const float *lvec, int32_t *pk)
{
	int32_t limb, cnt = 0;
	memcpy(&limb, &lim, sizeof(limb));
	dg_v4i lb = {limb, limb, limb, limb}, count = {0}, peak = {0};
	const int32_t sign = (int32_t) 0x80000000u;

	for (; n >= 4; n -= 4, ring += 4, in += 4, out += 4, gg += 4) {
		dg_v4 a = dg_ld(ring), x = dg_ld(in);
		memcpy(ring, &x, sizeof(x));
		a *= dg_ld(gg);
		if (lvec) {
			lb = dg_ldi(lvec);
			lvec += 4;
		}
		dg_v4i yb;
		memcpy(&yb, &a, sizeof(yb));
		dg_v4i over = (yb & DG_ABS_MASK) > lb;
		count -= over;
		yb = (yb & ~over) | ((lb | (yb & sign)) & over);
		peak = dg_maxi(peak, yb & DG_ABS_MASK);
		memcpy(out, &yb, sizeof(yb));
	}
	cnt = count[0] + count[1] + count[2] + count[3];
	int32_t p = dg_hmaxi(peak);
	for (; n > 0; n--) {
		float a = *ring, l = lvec ? *lvec++ : lim;
		*ring++ = *in++;
		float y = a * *gg++;
		if (fabsf(y) > l) {
			cnt++;
			y = copysignf(l, y);
		}
		int32_t yb;
		memcpy(&yb, &y, sizeof(yb));
		yb &= DG_ABS_MASK;
		p = yb > p ? yb : p;
		*out++ = y;
	}
	*pk = p > *pk ? p : *pk;
	return (uint32_t) cnt;
}

static void dg_advance(struct dg_guard *g, uint32_t n)
{
	g->delay_pos = (uint32_t) (((uint64_t) g->delay_pos + n) % g->la);
	g->now += n;
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
	dg_advance(g, n);
}

/* Limiter gain for the output frame now - D, after the input frame with linked
 * peak p entered. It is <= 1/p of every input frame in the window [now - D, now],
 * which includes the frame leaving the delay line. The deque holds the required
 * gains 1/p < 1 of the window in increasing order, so its head is the minimum. */
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
		float req = 1.0f / p;
		while (g->dq_len > 0) {
			uint32_t back = g->dq_head + g->dq_len - 1;
			if (back >= win)
				back -= win;
			if (g->dq_v[back] < req)
				break;
			g->dq_len--;
		}
		uint32_t slot = g->dq_head + g->dq_len;
		if (slot >= win)
			slot -= win;
		g->dq_v[slot] = req;
		g->dq_t[slot] = g->now;
		g->dq_len++;
	}
	g->now++;
	float w = g->dq_len > 0 ? g->dq_v[g->dq_head] : 1.0f;

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

/* Rare path for blocks holding NaN or Inf: frame by frame, such samples become 0. */
static void dg_slow_nonfinite(struct dg_guard *g, float *const *out, const float *const *in,
			      uint32_t off, uint32_t n, const float *gvec)
{
	uint32_t nch = g->channels, la = g->la;
	float peak = g->peak, min_glim = g->min_glim;

	for (uint32_t i = off; i < off + n; i++) {
		float p = 0.0f;
		for (uint32_t c = 0; c < nch; c++) {
			float a = fabsf(in[c][i]);
			if (a <= FLT_MAX)
				p = a > p ? a : p;
		}
		uint32_t pos = g->delay_pos;
		float glim = dg_limiter_step(g, p);
		float lim = gvec ? gvec[i - off] : g->gain;
		float gg = glim * lim;
		min_glim = glim < min_glim ? glim : min_glim;

		for (uint32_t c = 0; c < nch; c++) {
			float *slot = &g->delay[(size_t) c * la + pos];
			float x = in[c][i];
			if (!(fabsf(x) <= FLT_MAX)) {
				x = 0.0f;
				g->clamps++;
			}
			float y = *slot * gg;
			*slot = x;
			if (fabsf(y) > lim) {
				g->clamps++;
				y = copysignf(lim, y);
			}
			float a = fabsf(y);
			peak = a > peak ? a : peak;
			out[c][i] = y;
		}
		if (++g->delay_pos == la)
			g->delay_pos = 0;
	}
	g->peak = peak;
	g->min_glim = min_glim;
}

/* The limiter at work: per-frame gains first (one scalar pass over the linked
 * peaks), then every channel as vectors with the final clamp. */
static void dg_slow(struct dg_guard *g, float *const *out, const float *const *in, uint32_t off,
		    uint32_t n, const float *gvec)
{
	int32_t *pb = (int32_t *) (void *) g->lbuf;
	memset(pb, 0, n * sizeof(*pb));
	for (uint32_t c = 0; c < g->channels; c++)
		dg_link_peak(pb, in[c] + off, n);

	float min_glim = g->min_glim;
	for (uint32_t i = 0; i < n; i++) {
		float p;
		memcpy(&p, &pb[i], sizeof(p));
		float glim = dg_limiter_step(g, p);
		min_glim = glim < min_glim ? glim : min_glim;
		/* Same product as the fast path when glim == 1: bit-identical output. */
		g->lbuf[i] = glim * (gvec ? gvec[i] : g->gain);
	}
	g->min_glim = min_glim;

	int32_t pk = 0;
	uint32_t clamps = 0;
	for (uint32_t c = 0; c < g->channels; c++) {
		float *ring = g->delay + (size_t) c * g->la;
		uint32_t pos = g->delay_pos, i = 0;
		while (i < n) {
			uint32_t seg = g->la - pos;
			if (seg > n - i)
				seg = n - i;
			clamps += dg_delay_gain_clamp(ring + pos, out[c] + off + i,
						      in[c] + off + i, seg, g->lbuf + i, g->gain,
						      gvec ? gvec + i : NULL, &pk);
			i += seg;
			pos += seg;
			if (pos == g->la)
				pos = 0;
		}
	}
	g->clamps += clamps;
	float p;
	memcpy(&p, &pk, sizeof(p));
	g->peak = p > g->peak ? p : g->peak;
	g->delay_pos = (uint32_t) (((uint64_t) g->delay_pos + n) % g->la);
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
		} else if (pk <= 0x7f7fffff) {
			dg_slow(g, out, in, off, n, gvec);
		} else {
			dg_slow_nonfinite(g, out, in, off, n, gvec);
		}
		off += n;
	}
}
