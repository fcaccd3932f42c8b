/* SPDX-License-Identifier: MIT */
/* dacguard: sine stimulus, Goertzel detector and crosstalk analysis (see measure.h). */
#include "measure.h"

#include <errno.h>
#include <math.h>

/* The floor is read this many bins either side of the stimulus: from 3 on, clear of the
 * Hann main lobe (whose transform is zero at every whole bin from 2 on). */
#define FLOOR_BIN_FIRST 3
#define FLOOR_BIN_LAST 10
#define MIN_CYCLES 8

static double db_to_lin(double db)
{
	return pow(10.0, db / 20.0);
}

/* dB of an amplitude; -300 stands for nothing at all, so no -inf reaches the output. */
static double lin_to_db(double v)
{
	return v > 1e-15 ? 20.0 * log10(v) : -300.0;
}

void dg_sine_init(struct dg_sine *s, double freq, double rate, double level_dbfs,
		  uint32_t fade_frames, uint64_t length)
{
	s->freq = freq;
	s->rate = rate;
	s->amp = db_to_lin(level_dbfs);
	s->pos = 0;
	s->fade = fade_frames;
	s->release_at = UINT64_MAX;
	if (length) {
		if (length < 2 * (uint64_t) fade_frames)
			s->fade = (uint32_t) (length / 2);
		s->release_at = length - s->fade;
	}
}

void dg_sine_release(struct dg_sine *s)
{
	if (s->release_at > s->pos)
		s->release_at = s->pos;
}

bool dg_sine_done(const struct dg_sine *s)
{
	return s->release_at != UINT64_MAX && s->pos >= s->release_at + s->fade;
}

/* Raised-cosine envelope at frame pos. */
static double envelope(const struct dg_sine *s, uint64_t pos)
{
	double e = 1.0;

	if (s->fade == 0)
		return pos < s->release_at ? 1.0 : 0.0;
	if (pos < s->fade)
		e = 0.5 - 0.5 * cos(M_PI * (double) pos / s->fade);
	if (pos >= s->release_at) {
		uint64_t k = pos - s->release_at;
		double out = k >= s->fade ? 0.0 : 0.5 + 0.5 * cos(M_PI * (double) k / s->fade);
		if (out < e)
			e = out;
	}
	return e;
}

void dg_sine_fill(struct dg_sine *s, float *dst, size_t stride, size_t n)
{
	for (size_t i = 0; i < n; i++, s->pos++) {
		double e = envelope(s, s->pos);
		/* The phase from the frame count, not an accumulator: no drift, and exact
		 * for whole frequencies at whole rates. */
		double cycles = fmod((double) s->pos * s->freq, s->rate) / s->rate;

		dst[i * stride] = e == 0.0 ? 0.0f : (float) (s->amp * e * sin(2.0 * M_PI * cycles));
	}
}

double dg_goertzel(const float *x, size_t stride, size_t n, double freq, double rate)
{
	double w = 2.0 * M_PI * freq / rate;
	double c = 2.0 * cos(w);
	double s1 = 0.0, s2 = 0.0, wsum = 0.0;
	double re, im;

	if (n < 2)
		return 0.0;
	for (size_t i = 0; i < n; i++) {
		/* periodic Hann: its transform is zero at every whole bin from 2 on */
		double win = 0.5 - 0.5 * cos(2.0 * M_PI * (double) i / (double) n);
		double s0 = win * x[i * stride] + c * s1 - s2;

		wsum += win;
		s2 = s1;
		s1 = s0;
	}
	re = s1 - s2 * cos(w);
	im = s2 * sin(w);
	return 2.0 * sqrt(re * re + im * im) / wsum;
}

size_t dg_measure_block_frames(double freq, double rate, size_t max_frames)
{
	double top, best_err = INFINITY;
	size_t best = 0;
	uint64_t k_max, k_min;

	if (!(freq > 0.0) || !(rate > 0.0) || max_frames == 0)
		return 0;
	top = floor((double) max_frames * freq / rate);
	if (top < MIN_CYCLES)
		return 0;
	k_max = (uint64_t) top;
	k_min = k_max - k_max / 8;
	if (k_min < MIN_CYCLES)
		k_min = MIN_CYCLES;
	/* longest first: ties keep the longer block */
	for (uint64_t k = k_max; k >= k_min; k--) {
		double exact = (double) k * rate / freq;
		double frames = round(exact);
		double err = fabs(frames - exact) * freq / rate; /* in cycles */

		if (frames > (double) max_frames || frames < 2.0)
			continue;
		if (err < best_err - 1e-12) {
			best_err = err;
			best = (size_t) frames;
		}
		if (err < 1e-9)
			break;
	}
	return best;
}

/* RMS of the detector a few bins either side of freq: the channel's floor there. */
static double floor_near(const float *x, size_t stride, size_t n, double freq, double rate)
{
	double bin = rate / (double) n, power = 0.0;
	int count = 0;

	for (int m = FLOOR_BIN_FIRST; m <= FLOOR_BIN_LAST; m++) {
		for (int sign = -1; sign <= 1; sign += 2) {
			double f = freq + sign * m * bin;
			double a;

			if (f <= 0.0 || f >= rate / 2.0)
				continue;
			a = dg_goertzel(x, stride, n, f, rate);
			power += a * a;
			count++;
		}
	}
	return count ? sqrt(power / count) : 0.0;
}

int dg_measure_analyze(const float *frames, size_t n_frames, unsigned n_channels,
		       unsigned active, unsigned idle, double freq, double rate,
		       double stimulus_dbfs, struct dg_measure_result *r)
{
	double a, b, fa, fb, margin = db_to_lin(DG_MEASURE_MARGIN_DB);
	size_t n;

	if (!frames || !r || n_channels == 0 || active >= n_channels || idle >= n_channels ||
	    active == idle || !(rate > 0.0) || !(freq > 0.0) || !(freq < rate / 2.0) ||
	    !isfinite(stimulus_dbfs))
		return -EINVAL;
	n = dg_measure_block_frames(freq, rate, n_frames);
	if (n == 0)
		return -EINVAL;

	a = dg_goertzel(frames + active, n_channels, n, freq, rate);
	b = dg_goertzel(frames + idle, n_channels, n, freq, rate);
	fa = floor_near(frames + active, n_channels, n, freq, rate);
	fb = floor_near(frames + idle, n_channels, n, freq, rate);
	if (fb < a * db_to_lin(DG_MEASURE_MIN_FLOOR_DB))
		fb = a * db_to_lin(DG_MEASURE_MIN_FLOOR_DB);

	r->frames = n;
	r->active_dbfs = lin_to_db(a);
	r->idle_dbfs = lin_to_db(b);
	r->idle_floor_dbfs = lin_to_db(fb);
	r->gain_db = r->active_dbfs - stimulus_dbfs;
	r->snr_db = fa > 0.0 ? lin_to_db(a) - lin_to_db(fa) : INFINITY;
	r->crosstalk_db = NAN;

	if (r->active_dbfs < DG_MEASURE_SILENCE_DBFS || a < fa * margin) {
		r->status = DG_MEASURE_NO_SIGNAL;
	} else if (r->snr_db < DG_MEASURE_MIN_SNR_DB) {
		r->status = DG_MEASURE_TOO_NOISY;
	} else if (b < fb * margin) {
		r->status = DG_MEASURE_BELOW_FLOOR;
		r->crosstalk_db = lin_to_db(fb * margin) - r->active_dbfs;
	} else {
		r->status = DG_MEASURE_OK;
		r->crosstalk_db = r->idle_dbfs - r->active_dbfs;
	}
	return 0;
}

const char *dg_measure_status_to_string(enum dg_measure_status s)
{
	switch (s) {
	case DG_MEASURE_OK:
		return "ok";
	case DG_MEASURE_BELOW_FLOOR:
		return "below-floor";
	case DG_MEASURE_NO_SIGNAL:
		return "no-signal";
	case DG_MEASURE_TOO_NOISY:
		return "too-noisy";
	}
	return "unknown";
}
