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

#include "simd.h"

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
/* History per channel: blocks shorter than the lookahead D slide along it and the
 * delay line is compacted only once it is used up (every 30 blocks of 32 frames at
 * 48 kHz); a long block leaves its tail at 0 or 2 D, clear of the delay line it reads,
 * so it holds at least 3 D. */
#define DG_HIST_MIN 3
#define DG_HIST_SLIDE 1024

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
	uint32_t hist_start;
	uint32_t box_pos;
	uint32_t calm;        /* frames since a release value below 1: box all ones at >= win */
	float rel;            /* release follower, <= window minimum of required gain */
	float rel_k, rel_s;
	double box_sum;
	double box_inv;

	/* Meters and diagnostics. */
	float peak;
	float min_glim;
	uint64_t clamps;

	uint32_t hist_len; /* per channel, dg_hist_len() */
	float *delay; /* channels * hist_len: history, the delay line is la from hist_start */
	float *box;   /* win */
	float *dq_v;  /* win: required gains 1/peak */
	uint32_t *dq_t;
	float gbuf[DG_CHUNK]; /* per-frame cap gain while ramping */
	float lbuf[DG_CHUNK]; /* linked peaks, then per-frame total gain, in dg_slow() */
	float xbuf[DG_CHUNK]; /* a channel with non-finite samples replaced by 0 */
	float data[];
};

static uint32_t dg_lookahead(uint32_t rate)
{
	/* At most 1 ms, as the contract promises. */
	return rate / 1000;
}

/* Grows with la, so the size computed for the highest rate covers every lower one. */
static uint32_t dg_hist_len(uint32_t la)
{
	uint32_t a = DG_HIST_MIN * la, b = la + DG_HIST_SLIDE;
	return a > b ? a : b;
}

size_t dg_guard_size(uint32_t max_channels, uint32_t max_rate)
{
	if (max_channels == 0 || max_channels > DG_GUARD_MAX_CHANNELS)
		max_channels = DG_GUARD_MAX_CHANNELS;
	if (max_rate < DG_GUARD_MIN_RATE || max_rate > DG_GUARD_MAX_RATE)
		max_rate = DG_GUARD_MAX_RATE;
	uint32_t la = dg_lookahead(max_rate);
	size_t floats = (size_t) max_channels * dg_hist_len(la) + 3 * ((size_t) la + 1);
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
	memset(g->data, 0,
	       ((size_t) g->channels * g->hist_len + 3 * (size_t) g->win) * sizeof(float));
	g->hist_start = 0;
	for (uint32_t i = 0; i < g->win; i++)
		g->box[i] = 1.0f;
	g->now = 0;
	g->dq_head = g->dq_len = 0;
	g->box_pos = 0;
	g->calm = g->win;
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
	g->hist_len = dg_hist_len(g->la);
	g->box = g->delay + (size_t) channels * g->hist_len;
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

/* A running scan of input samples for the fast-path test: the largest and smallest
 * value (the peak of |x| is the larger of max and -min) and whether any was NaN. Two
 * vectors cost five instructions, about half of an integer max of abs-value bits. */
struct dg_scan {
	dg_v4 mx, mn;
	dg_v4i nan;
	float smx, smn; /* scalar tails */
	bool snan;
};

static inline void dg_scan_init(struct dg_scan *s)
{
	memset(s, 0, sizeof(*s));
}

static inline void dg_scan8(struct dg_scan *s, dg_v4 a, dg_v4 b)
{
	s->mx = dg_vmax(s->mx, dg_vmax(a, b));
	s->mn = dg_vmin(s->mn, dg_vmin(a, b));
	s->nan |= dg_unord(a, b);
}

static inline void dg_scan1(struct dg_scan *s, float v)
{
	s->smx = v > s->smx ? v : s->smx;
	s->smn = v < s->smn ? v : s->smn;
	s->snan |= v != v;
}

/* Peak of |x| if every sample scanned is finite and <= 1.0 in magnitude (the fast path
 * may run), or a negative value if not. */
static inline float dg_scan_peak(const struct dg_scan *s)
{
	/* Lane-wise peak, with NaN lanes forced to a NaN pattern that fails "<= 1". */
	dg_v4 v = dg_vmax(s->mx, -s->mn);
	dg_v4i vi;
	memcpy(&vi, &v, sizeof(vi));
	vi |= s->nan;
	memcpy(&v, &vi, sizeof(v));
#if defined(DG_USE_SSE)
	__m128 m = (__m128) v;
	m = _mm_max_ps(m, _mm_movehl_ps(m, m));
	m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
	bool bad = _mm_movemask_ps(_mm_cmpnle_ps((__m128) v, _mm_set1_ps(1.0f))) != 0;
	float p = _mm_cvtss_f32(m);
#else
	bool bad = false;
	float p = 0.0f;
	for (int k = 0; k < 4; k++) {
		bad |= !(v[k] <= 1.0f);
		p = v[k] > p ? v[k] : p;
	}
#endif
	float t = s->smx > -s->smn ? s->smx : -s->smn;
	p = t > p ? t : p;
	return !bad && !s->snan && p <= 1.0f ? p : -1.0f;
}

/* Largest abs-value bit pattern of x[0..n): an exact peak that also flags NaN and Inf
 * (their patterns are above every finite value). Only for blocks with overs. */
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

/* dst[i] = src[i] * gain (or gv[i]), walking backwards so that src == dst - D
 * (in place, D >= 8) never reads a sample already written. */
static void dg_kernel(float *dst, const float *src, uint32_t n, float gain, const float *gv)
{
	uint32_t j = n;
	if (gv) {
		while (j >= 4) {
			j -= 4;
			dg_st(dst + j, dg_ld(src + j) * dg_ld(gv + j));
		}
		while (j-- > 0)
			dst[j] = src[j] * gv[j];
		return;
	}
	for (; j & 7; j--)
		dst[j - 1] = src[j - 1] * gain;
	for (; j > 0; j -= 8) {
		/* Both loads before both stores: fine for D >= 8. */
		dg_v4 a = dg_ld(src + j - 8), b = dg_ld(src + j - 4);
		dg_st(dst + j - 8, a * gain);
		dg_st(dst + j - 4, b * gain);
	}
}

/* As dg_kernel with per-frame gains gg and the final safety clamp to +-lim (per
 * frame lv while ramping). Returns the clamp count; raises *pk to the output peak bits. */
static uint32_t dg_kernel_clamp(float *dst, const float *src, uint32_t n, const float *gg,
				float lim, const float *lv, int32_t *pk)
{
	int32_t limb;
	memcpy(&limb, &lim, sizeof(limb));
	dg_v4i lb = {limb, limb, limb, limb}, count = {0}, peak = {0};
	const int32_t sign = (int32_t) 0x80000000u;
	uint32_t j = n;

	while (j >= 4) {
		j -= 4;
		dg_v4 a = dg_ld(src + j) * dg_ld(gg + j);
		if (lv)
			lb = dg_ldi(lv + j);
		dg_v4i yb;
		memcpy(&yb, &a, sizeof(yb));
		dg_v4i over = (yb & DG_ABS_MASK) > lb;
		count -= over;
		yb = (yb & ~over) | ((lb | (yb & sign)) & over);
		peak = dg_maxi(peak, yb & DG_ABS_MASK);
		memcpy(dst + j, &yb, sizeof(yb));
	}
	int32_t cnt = count[0] + count[1] + count[2] + count[3];
	int32_t p = dg_hmaxi(peak);
	while (j-- > 0) {
		float l = lv ? lv[j] : lim;
		float y = src[j] * gg[j];
		if (fabsf(y) > l) {
			cnt++;
			y = copysignf(l, y);
		}
		int32_t yb;
		memcpy(&yb, &y, sizeof(yb));
		yb &= DG_ABS_MASK;
		p = yb > p ? yb : p;
		dst[j] = y;
	}
	*pk = p > *pk ? p : *pk;
	return (uint32_t) cnt;
}

/* Where a long block leaves its last D frames in the history: clear of the delay
 * line [hist_start, hist_start + D), so they can be saved before anything is written. */
static uint32_t dg_hist_tail(const struct dg_guard *g)
{
	return g->hist_start >= g->la ? 0 : 2 * g->la;
}

/* One channel through the D-frame delay: out[i] = (i < D ? delay[i] : in[i - D]) * gain,
 * delay = hist + hist_start. With gg set, gg[i] is the per-frame gain and the clamp to
 * lim/lv applies. in == out is fine: short blocks are appended to the history before
 * anything is written (in_hist: already done); long ones save their tail first and the
 * kernels walk backwards. */
static uint32_t dg_apply(struct dg_guard *g, float *hist, float *out, const float *in,
			 uint32_t n, bool in_hist, float gain, const float *gv, const float *gg,
			 const float *lv, int32_t *pk)
{
	uint32_t d = g->la, cl = 0;
	float *delay = hist + g->hist_start;
	if (n >= d) {
		memcpy(hist + dg_hist_tail(g), in + n - d, d * sizeof(float));
		if (gg) {
			cl += dg_kernel_clamp(out + d, in, n - d, gg + d, gain, lv ? lv + d : NULL,
					      pk);
			cl += dg_kernel_clamp(out, delay, d, gg, gain, lv, pk);
		} else {
			dg_kernel(out + d, in, n - d, gain, gv ? gv + d : NULL);
			dg_kernel(out, delay, d, gain, gv);
		}
	} else {
		if (!in_hist)
			memcpy(delay + d, in, n * sizeof(float));
		if (gg)
			cl += dg_kernel_clamp(out, delay, n, gg, gain, lv, pk);
		else
			dg_kernel(out, delay, n, gain, gv);
	}
	return cl;
}

static float *dg_hist(const struct dg_guard *g, uint32_t c)
{
	return g->delay + (size_t) c * g->hist_len;
}

static void dg_hist_compact(struct dg_guard *g)
{
	for (uint32_t c = 0; c < g->channels; c++) {
		float *h = dg_hist(g, c);
		memmove(h, h + g->hist_start, g->la * sizeof(float));
	}
	g->hist_start = 0;
}

/* Before a block of n frames: room for a short block after the delay line. */
static inline void dg_hist_prepare(struct dg_guard *g, uint32_t n)
{
	if (n < g->la && g->hist_start + g->la + n > g->hist_len)
		dg_hist_compact(g);
}

static void dg_hist_done(struct dg_guard *g, uint32_t n)
{
	g->hist_start = n >= g->la ? dg_hist_tail(g) : g->hist_start + n;
}

/* Limiter at rest and |in| <= 1 checked: |out| <= gain without any clamp. */
static void dg_fast(struct dg_guard *g, float *const *out, const float *const *in, uint32_t off,
		    uint32_t n, const float *gvec)
{
	dg_hist_prepare(g, n);
	for (uint32_t c = 0; c < g->channels; c++)
		dg_apply(g, dg_hist(g, c), out[c] + off, in[c] + off, n, false, g->gain, gvec,
			 NULL, NULL, NULL);
	dg_hist_done(g, n);
	g->now += n;
}

/* Limiter gains for n frames with linked peaks pb (abs-value bits): gl[i] = glim * cap
 * gain (gv[i], or the fixed gain). glim for the output frame now - D, after the input
 * frame with peak p entered, is <= 1/p of every input frame in the window [now - D, now],
 * which includes the frame leaving the delay line. The deque holds the required gains
 * 1/p < 1 of the window in increasing order, so its head is the minimum. The state
 * lives in locals for the loop: stores to gl could alias the struct's floats and would
 * force every field back to memory each frame. */
static void dg_limit(struct dg_guard *g, float *gl, const int32_t *pb, uint32_t n,
		     const float *gv)
{
	const uint32_t win = g->win, la = g->la;
	const float rel_k = g->rel_k, rel_s = g->rel_s, gain = g->gain;
	const double box_inv = g->box_inv;
	float *const box = g->box, *const dq_v = g->dq_v;
	uint32_t *const dq_t = g->dq_t;
	uint32_t now = g->now, dq_head = g->dq_head, dq_len = g->dq_len;
	uint32_t box_pos = g->box_pos, calm = g->calm;
	float rel = g->rel, min_glim = g->min_glim;
	double box_sum = g->box_sum;

	for (uint32_t i = 0; i < n; i++) {
		/* Expire first: then at most D entries remain and the push fits in D + 1.
		 * Times are distinct and the clock moves by one per frame: at most one
		 * entry expires. */
		if (dq_len > 0 && now - dq_t[dq_head] > la) {
			if (++dq_head == win)
				dq_head = 0;
			dq_len--;
		}
		if (pb[i] > DG_ONE_BITS) {
			float p;
			memcpy(&p, &pb[i], sizeof(p));
			float req = 1.0f / p;
			while (dq_len > 0) {
				uint32_t back = dq_head + dq_len - 1;
				if (back >= win)
					back -= win;
				if (dq_v[back] < req)
					break;
				dq_len--;
			}
			uint32_t slot = dq_head + dq_len;
			if (slot >= win)
				slot -= win;
			dq_v[slot] = req;
			dq_t[slot] = now;
			dq_len++;
		}
		now++;
		float w = dq_len > 0 ? dq_v[dq_head] : 1.0f;

		/* Release can only move up slowly and never above the window minimum. */
		float r = rel + (1.0f - rel) * rel_k + rel_s;
		r = r < 1.0f ? r : 1.0f;
		r = w < r ? w : r;
		rel = r;

		/* Box average over D+1 window minima: each of them is <= the required gain
		 * of the frame leaving the delay line, so their mean is too. */
		float old = box[box_pos];
		box[box_pos] = r;
		if (++box_pos == win)
			box_pos = 0;
		/* Bounded: the limiter is back at rest (fast path) soon after win. */
		calm = r < 1.0f ? 0 : calm + 1;
		float glim = 1.0f;
		if (calm >= win) {
			/* Exact 1 again: the output becomes bit-identical to in * gain. */
			box_sum = win;
		} else {
			box_sum += (double) r - (double) old;
			glim = (float) (box_sum * box_inv) * DG_LIMIT_MARGIN;
			glim = glim < 1.0f ? glim : 1.0f;
		}
		min_glim = glim < min_glim ? glim : min_glim;
		/* Same product as the fast path when glim == 1: bit-identical output. */
		gl[i] = glim * (gv ? gv[i] : gain);
	}
	g->now = now;
	g->dq_head = dq_head;
	g->dq_len = dq_len;
	g->box_pos = box_pos;
	g->calm = calm;
	g->rel = rel;
	g->min_glim = min_glim;
	g->box_sum = box_sum;
}

/* Copies a channel to dst with NaN and Inf replaced by 0 (rare: only for blocks
 * holding them); dst == x is fine. */
static const float *dg_sanitize(struct dg_guard *g, float *dst, const float *x, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		float v = x[i];
		if (!(fabsf(v) <= FLT_MAX)) {
			v = 0.0f;
			g->clamps++;
		}
		dst[i] = v;
	}
	return dst;
}

/* The limiter at work: per-frame gains first (one scalar pass over the linked
 * peaks), then every channel as vectors with the final clamp. With in_hist (a short
 * block, n < D) the input has already been appended to the history and is read there. */
static void dg_slow(struct dg_guard *g, float *const *out, const float *const *in, uint32_t off,
		    uint32_t n, const float *gvec, bool nonfinite, bool in_hist)
{
	int32_t *pb = (int32_t *) (void *) g->lbuf;
	uint32_t hd = g->hist_start + g->la;
	if (in_hist && nonfinite) {
		for (uint32_t c = 0; c < g->channels; c++)
			dg_sanitize(g, dg_hist(g, c) + hd, dg_hist(g, c) + hd, n);
		nonfinite = false;
	}
	uint64_t clamps = g->clamps;
	memset(pb, 0, n * sizeof(*pb));
	for (uint32_t c = 0; c < g->channels; c++) {
		const float *x = in_hist ? dg_hist(g, c) + hd : in[c] + off;
		dg_link_peak(pb, nonfinite ? dg_sanitize(g, g->xbuf, x, n) : x, n);
	}
	g->clamps = clamps; /* counted once, in the apply pass below */

	dg_limit(g, g->lbuf, pb, n, gvec);

	int32_t pk = 0;
	dg_hist_prepare(g, n);
	for (uint32_t c = 0; c < g->channels; c++) {
		const float *x = in[c] + off;
		if (nonfinite)
			x = dg_sanitize(g, g->xbuf, x, n);
		g->clamps += dg_apply(g, dg_hist(g, c), out[c] + off, x, n, in_hist, g->gain,
				      NULL, g->lbuf, gvec, &pk);
	}
	dg_hist_done(g, n);
	float p;
	memcpy(&p, &pk, sizeof(p));
	g->peak = p > g->peak ? p : g->peak;
}

static void dg_scan_channel(struct dg_scan *s, const float *x, uint32_t n)
{
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8)
		dg_scan8(s, dg_ld(x + i), dg_ld(x + i + 4));
	for (; i < n; i++)
		dg_scan1(s, x[i]);
}

/* Peak abs-value bits of a block: exact, and above DG_ONE_BITS for an over, NaN or Inf. */
static int32_t dg_block_peak(struct dg_guard *g, const float *const *in, uint32_t off, uint32_t n)
{
	struct dg_scan s;
	dg_scan_init(&s);
	for (uint32_t c = 0; c < g->channels; c++)
		dg_scan_channel(&s, in[c] + off, n);
	float p = dg_scan_peak(&s);
	int32_t pk = 0;
	if (p >= 0.0f) {
		memcpy(&pk, &p, sizeof(pk));
		return pk;
	}
	for (uint32_t c = 0; c < g->channels; c++) {
		int32_t b = dg_peak_bits(in[c] + off, n);
		pk = b > pk ? b : pk;
	}
	return pk;
}

static void dg_meter_fast(struct dg_guard *g, int32_t pk, float gmax)
{
	float p;
	memcpy(&p, &pk, sizeof(p));
	/* Metered from the input a lookahead early: the same values, once delayed. */
	p *= gmax;
	g->peak = p > g->peak ? p : g->peak;
}

/* A short block (n < D) at rest, one pass per channel: append the input to the
 * history, write out[i] = delay[i] * gain, scan the input. The outputs only depend on
 * frames already checked; if the new input holds an over the limiter will reduce
 * some of them, so the block is redone from the history. */
static void dg_short_pass(float *delay, float *out, const float *in, uint32_t n, uint32_t d,
			  float gain, struct dg_scan *s)
{
	float *tail = delay + d;
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		/* Loads before stores: in == out is allowed. */
		dg_v4 a = dg_ld(in + i), b = dg_ld(in + i + 4);
		dg_v4 y0 = dg_ld(delay + i) * gain, y1 = dg_ld(delay + i + 4) * gain;
		dg_scan8(s, a, b);
		dg_st(tail + i, a);
		dg_st(tail + i + 4, b);
		dg_st(out + i, y0);
		dg_st(out + i + 4, y1);
	}
	for (; i < n; i++) {
		float v = in[i];
		dg_scan1(s, v);
		tail[i] = v;
		out[i] = delay[i] * gain;
	}
}

static void dg_short(struct dg_guard *g, float *const *out, const float *const *in, uint32_t n)
{
	uint32_t d = g->la;
	struct dg_scan s;
	dg_scan_init(&s);
	dg_hist_prepare(g, n);
	for (uint32_t c = 0; c < g->channels; c++)
		dg_short_pass(dg_hist(g, c) + g->hist_start, out[c], in[c], n, d, g->gain, &s);
	float p = dg_scan_peak(&s);
	if (p >= 0.0f) {
		p *= g->gain;
		g->peak = p > g->peak ? p : g->peak;
		dg_hist_done(g, n);
		g->now += n;
		return;
	}
	int32_t pk = 0;
	for (uint32_t c = 0; c < g->channels; c++) {
		int32_t b = dg_peak_bits(dg_hist(g, c) + g->hist_start + d, n);
		pk = b > pk ? b : pk;
	}
	dg_slow(g, out, in, 0, n, NULL, pk > 0x7f7fffff, true);
}

void dg_guard_process(struct dg_guard *g, float *const *out, const float *const *in,
		      uint32_t n_frames)
{
	bool rest = g->dq_len == 0 && g->calm >= g->win;
	if (rest && g->ramp_frames == 0) {
		/* The common case in one pass per channel, whatever the block size. */
		if (n_frames < g->la && n_frames <= DG_CHUNK) {
			dg_short(g, out, in, n_frames);
			return;
		}
		int32_t pk = dg_block_peak(g, in, 0, n_frames);
		if (pk <= DG_ONE_BITS) {
			dg_meter_fast(g, pk, g->gain);
			dg_fast(g, out, in, 0, n_frames, NULL);
			return;
		}
	}
	for (uint32_t off = 0; off < n_frames;) {
		uint32_t n = n_frames - off;
		if (n > DG_CHUNK)
			n = DG_CHUNK;

		const float *gvec = NULL;
		if (g->ramp_frames > 0) {
			dg_ramp(g, n);
			gvec = g->gbuf;
		}
		int32_t pk = dg_block_peak(g, in, off, n);
		rest = g->dq_len == 0 && g->calm >= g->win;
		if (rest && pk <= DG_ONE_BITS) {
			dg_meter_fast(g, pk, g->gain); /* the ramp only rises: gain is the max */
			dg_fast(g, out, in, off, n, gvec);
		} else {
			dg_slow(g, out, in, off, n, gvec, pk > 0x7f7fffff, false);
		}
		off += n;
	}
}
