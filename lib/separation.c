/* SPDX-License-Identifier: MIT */
/* dacguard passive channel-separation analyzer (see separation.h and doc/guard-dsp.md). */
#include "separation.h"

#include <math.h>
#include <string.h>

#include "simd.h"

#define DG_SEP_SILENT_MS 1e-20             /* -200 dBFS: below this a channel is silence */
#define DG_SEP_DEAD_DB (-90.0f)
#define DG_SEP_ALIVE_DB (-60.0f)
#define DG_SEP_POLARITY_CORR (-0.9f)
#define DG_SEP_POLARITY_DB 6.0f
/* A segment counts as one-sided when one channel is above -50 dBFS and the
 * other at least 40 dB below it: then the quiet one is (mostly) leakage. */
#define DG_SEP_XT_ACTIVE_MS 1e-5
#define DG_SEP_XT_IDLE_RATIO 1e-4

void dg_separation_init(struct dg_separation *s, uint32_t rate)
{
	memset(s, 0, sizeof(*s));
	s->rate = rate;
	s->seg_len = rate / 100 > 0 ? rate / 100 : 1;
	s->xt_active_channel = -1;
	s->last.dead_channel = -1;
}

/* What the sums see of a sample: finite values down to 2^-60 (about -361 dBFS) as they
 * are, anything else as 0. A NaN or an Inf would poison a whole window's sums (a sine
 * with one NaN read as a dead channel); below 2^-60 a product of two samples would be a
 * denormal, which costs x86 a microcode assist per operation, and such a sample is
 * silence to every meter anyway (their floor is -200 dBFS). */
#define DG_SEP_KEEP_MIN_BITS 0x21800000 /* 2^-60 */
#define DG_SEP_KEEP_END_BITS 0x7f800000 /* Inf; NaN lies above */

static inline dg_v4 dg_sep_clean(dg_v4 x)
{
	dg_v4i bits = (dg_v4i) x & 0x7fffffff;
	dg_v4i keep = (bits >= DG_SEP_KEEP_MIN_BITS) & (bits < DG_SEP_KEEP_END_BITS);

	return (dg_v4) ((dg_v4i) x & keep);
}

static inline float dg_sep_clean1(float x)
{
	uint32_t bits;

	memcpy(&bits, &x, sizeof(bits));
	bits &= 0x7fffffffu;
	return bits >= DG_SEP_KEEP_MIN_BITS && bits < DG_SEP_KEEP_END_BITS ? x : 0.0f;
}

/* Adds the energies and the cross term of n frames to the float lanes. The lanes stay
 * in the struct between calls, so a short block costs no horizontal sum and no double
 * arithmetic; they hold at most one segment (10 ms), short enough for floats. */
static void dg_sums(struct dg_separation *s, const float *l, const float *r, uint32_t n)
{
	dg_v4 a0 = dg_ld(s->lane_ll), a1 = dg_ld(s->lane_ll + 4);
	dg_v4 b0 = dg_ld(s->lane_rr), b1 = dg_ld(s->lane_rr + 4);
	dg_v4 c0 = dg_ld(s->lane_lr), c1 = dg_ld(s->lane_lr + 4);
	for (; n >= 8; n -= 8, l += 8, r += 8) {
		dg_v4 x0 = dg_sep_clean(dg_ld(l)), x1 = dg_sep_clean(dg_ld(l + 4));
		dg_v4 y0 = dg_sep_clean(dg_ld(r)), y1 = dg_sep_clean(dg_ld(r + 4));
		a0 += x0 * x0;
		a1 += x1 * x1;
		b0 += y0 * y0;
		b1 += y1 * y1;
		c0 += x0 * y0;
		c1 += x1 * y1;
	}
	dg_st(s->lane_ll, a0);
	dg_st(s->lane_ll + 4, a1);
	dg_st(s->lane_rr, b0);
	dg_st(s->lane_rr + 4, b1);
	dg_st(s->lane_lr, c0);
	dg_st(s->lane_lr + 4, c1);
	for (uint32_t k = 0; k < n; k++) {
		float x = dg_sep_clean1(l[k]), y = dg_sep_clean1(r[k]);

		s->lane_ll[k] += x * x;
		s->lane_rr[k] += y * y;
		s->lane_lr[k] += x * y;
	}
}

static double dg_lanes_sum(const float *lane)
{
	double t = 0.0;
	for (int k = 0; k < 8; k++)
		t += lane[k];
	return t;
}

/* Moves the lanes into the segment's doubles and, with window set, the window's. */
static void dg_fold(struct dg_separation *s, bool window)
{
	double ll = dg_lanes_sum(s->lane_ll), rr = dg_lanes_sum(s->lane_rr);
	s->seg_ll += ll;
	s->seg_rr += rr;
	if (window) {
		s->sum_ll += ll;
		s->sum_rr += rr;
		s->sum_lr += dg_lanes_sum(s->lane_lr);
	}
	memset(s->lane_ll, 0, sizeof(s->lane_ll));
	memset(s->lane_rr, 0, sizeof(s->lane_rr));
	memset(s->lane_lr, 0, sizeof(s->lane_lr));
}

static void dg_segment_done(struct dg_separation *s)
{
	dg_fold(s, true);
	double ml = s->seg_ll / s->seg_fill, mr = s->seg_rr / s->seg_fill;

	if (ml >= DG_SEP_XT_ACTIVE_MS && mr <= ml * DG_SEP_XT_IDLE_RATIO) {
		s->xt_active += s->seg_ll;
		s->xt_idle += s->seg_rr;
		s->xt_frames += s->seg_fill;
		s->xt_active_channel = 0;
	} else if (mr >= DG_SEP_XT_ACTIVE_MS && ml <= mr * DG_SEP_XT_IDLE_RATIO) {
		s->xt_active += s->seg_rr;
		s->xt_idle += s->seg_ll;
		s->xt_frames += s->seg_fill;
		s->xt_active_channel = 1;
	}
	s->seg_ll = s->seg_rr = 0.0;
	s->seg_fill = 0;
}

void dg_separation_reset_window(struct dg_separation *s)
{
	/* The frames since the last fold belong to the old window and the running segment. */
	dg_fold(s, false);
	s->sum_ll = s->sum_rr = s->sum_lr = 0.0;
	s->frames = 0;
	s->xt_active = s->xt_idle = 0.0;
	s->xt_frames = 0;
	/* The running segment carries over: it is judged when complete. */
}

void dg_separation_process(struct dg_separation *s, const float *l, const float *r,
			   uint32_t n_frames)
{
	if (!l || !r)
		return;
	s->frames += n_frames;
	while (n_frames > 0) {
		uint32_t n = s->seg_len - s->seg_fill;
		if (n > n_frames)
			n = n_frames;
		dg_sums(s, l, r, n);
		s->seg_fill += n;
		if (s->seg_fill == s->seg_len)
			dg_segment_done(s);
		l += n;
		r += n;
		n_frames -= n;
	}
}

static float dg_db10(double ratio)
{
	return ratio > 1e-20 ? (float) (10.0 * log10(ratio)) : -200.0f;
}

void dg_separation_result(const struct dg_separation *s, struct dg_separation_result *res)
{
	memset(res, 0, sizeof(*res));
	res->dead_channel = -1;
	res->rms_db[0] = res->rms_db[1] = -200.0f;
	if (s->frames == 0)
		return;

	double sum_ll = s->sum_ll + dg_lanes_sum(s->lane_ll);
	double sum_rr = s->sum_rr + dg_lanes_sum(s->lane_rr);
	double sum_lr = s->sum_lr + dg_lanes_sum(s->lane_lr);
	double ml = sum_ll / (double) s->frames, mr = sum_rr / (double) s->frames;
	res->rms_db[0] = ml > DG_SEP_SILENT_MS ? dg_db10(ml) : -200.0f;
	res->rms_db[1] = mr > DG_SEP_SILENT_MS ? dg_db10(mr) : -200.0f;

	if (ml > DG_SEP_SILENT_MS && mr > DG_SEP_SILENT_MS) {
		double c = sum_lr / sqrt(sum_ll * sum_rr);
		res->correlation = (float) (c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c);
		res->imbalance_db = res->rms_db[0] - res->rms_db[1];
		res->polarity_inverted = res->correlation <= DG_SEP_POLARITY_CORR &&
					 fabsf(res->imbalance_db) <= DG_SEP_POLARITY_DB;
	}
	if (res->rms_db[0] < DG_SEP_DEAD_DB && res->rms_db[1] > DG_SEP_ALIVE_DB)
		res->dead_channel = 0;
	else if (res->rms_db[1] < DG_SEP_DEAD_DB && res->rms_db[0] > DG_SEP_ALIVE_DB)
		res->dead_channel = 1;

	if (s->xt_active > 0.0) {
		/* Perfect silence on the idle side reads as the floor, -200. */
		res->crosstalk_db = dg_db10(s->xt_idle / s->xt_active);
	}
}
