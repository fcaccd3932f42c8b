/* SPDX-License-Identifier: MIT */
/* dacguard passive channel-separation analyzer (see separation.h and doc/guard-dsp.md). */
#include "separation.h"

#include <math.h>
#include <string.h>

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

void dg_separation_reset_window(struct dg_separation *s)
{
	s->sum_ll = s->sum_rr = s->sum_lr = 0.0;
	s->frames = 0;
	s->xt_active = s->xt_idle = 0.0;
	s->xt_frames = 0;
	/* The running segment carries over: it is judged when complete. */
}

/* Energies and the cross term of n frames. Eight float lanes keep the loop
 * vectorisable; a chunk is at most one segment (10 ms), short enough for floats. */
static void dg_sums(const float *l, const float *r, uint32_t n, double *ll, double *rr,
		    double *lr)
{
	float a[8] = {0}, b[8] = {0}, c[8] = {0};
	for (; n >= 8; n -= 8, l += 8, r += 8) {
		float x[8], y[8];
		memcpy(x, l, sizeof(x));
		memcpy(y, r, sizeof(y));
		for (int k = 0; k < 8; k++) {
			a[k] += x[k] * x[k];
			b[k] += y[k] * y[k];
			c[k] += x[k] * y[k];
		}
	}
	for (; n > 0; n--, l++, r++) {
		a[0] += *l * *l;
		b[0] += *r * *r;
		c[0] += *l * *r;
	}
	float sa = 0.0f, sb = 0.0f, sc = 0.0f;
	for (int k = 0; k < 8; k++) {
		sa += a[k];
		sb += b[k];
		sc += c[k];
	}
	*ll = sa;
	*rr = sb;
	*lr = sc;
}

static void dg_segment_done(struct dg_separation *s)
{
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

void dg_separation_process(struct dg_separation *s, const float *l, const float *r,
			   uint32_t n_frames)
{
	if (!l || !r)
		return;
	while (n_frames > 0) {
		uint32_t n = s->seg_len - s->seg_fill;
		if (n > n_frames)
			n = n_frames;
		double ll, rr, lr;
		dg_sums(l, r, n, &ll, &rr, &lr);
		s->sum_ll += ll;
		s->sum_rr += rr;
		s->sum_lr += lr;
		s->frames += n;
		s->seg_ll += ll;
		s->seg_rr += rr;
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

	double ml = s->sum_ll / (double) s->frames, mr = s->sum_rr / (double) s->frames;
	res->rms_db[0] = ml > DG_SEP_SILENT_MS ? dg_db10(ml) : -200.0f;
	res->rms_db[1] = mr > DG_SEP_SILENT_MS ? dg_db10(mr) : -200.0f;

	if (ml > DG_SEP_SILENT_MS && mr > DG_SEP_SILENT_MS) {
		double c = s->sum_lr / sqrt(s->sum_ll * s->sum_rr);
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
