/* SPDX-License-Identifier: MIT */
/* Alignment of a recording with what was played (see wav-align.h). */
#include "wav-align.h"

#include <complex.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* In-place radix-2 FFT of n (a power of two) points; w[k] = exp(-2 pi i k / n), k < n/2.
 * The inverse is unscaled. */
static void fft(double complex *z, size_t n, const double complex *w, bool inverse)
{
	for (size_t i = 1, j = 0; i < n; i++) {
		size_t bit = n >> 1;
		for (; j & bit; bit >>= 1)
			j ^= bit;
		j |= bit;
		if (i < j) {
			double complex t = z[i];
			z[i] = z[j];
			z[j] = t;
		}
	}
	for (size_t len = 2; len <= n; len <<= 1) {
		size_t half = len / 2, stride = n / len;
		for (size_t i = 0; i < n; i += len) {
			for (size_t k = 0; k < half; k++) {
				double complex tw = inverse ? conj(w[k * stride]) : w[k * stride];
				double complex u = z[i + k], v = z[i + k + half] * tw;
				z[i + k] = u + v;
				z[i + k + half] = u - v;
			}
		}
	}
}

static double frame_sum(const struct wav *x, size_t f)
{
	double s = 0.0;
	for (size_t c = 0; c < x->channels; c++)
		s += x->samples[f * x->channels + c];
	return s;
}

/* The lag (recorded frame minus played frame) at which the played signal's channel sum
 * best matches the recording's over recorded frames [t0, t0 + len): the least
 * residual 1 - <r,p>^2 / (|r|^2 |p|^2) with <r,p> > 0, over every lag. <r,p> for all
 * lags is one cross-correlation: both signals go through one complex FFT (window real,
 * played imaginary), separated by their symmetry; |p|^2 comes from running sums. */
static int coarse_lag(const struct wav *played, const struct wav *rec, size_t t0, size_t len,
		      long *lag)
{
	size_t np = played->n_frames, n = 2;
	while (n < np + len)
		n <<= 1;
	double complex *z = calloc(n, sizeof(*z)), *w = calloc(n / 2, sizeof(*w));
	double *pp = calloc(np + 1, sizeof(double)), rr = 0.0;
	int res = -ENODATA;

	if (z == NULL || w == NULL || pp == NULL) {
		res = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n / 2; k++)
		w[k] = cexp(-2.0 * M_PI * I * (double) k / (double) n);
	for (size_t i = 0; i < len; i++) {
		double v = frame_sum(rec, t0 + i);
		z[i] = v;
		rr += v * v;
	}
	for (size_t k = 0; k < np; k++) {
		double v = frame_sum(played, k);
		z[k] += I * v;
		pp[k + 1] = pp[k] + v * v;
	}
	fft(z, n, w, false);
	/* R = (Z[k] + conj Z[-k]) / 2, P = (Z[k] - conj Z[-k]) / 2i; the correlation's
	 * spectrum is R conj(P), for k and -k at once so it can be written in place. */
	for (size_t k = 0; k <= n / 2; k++) {
		size_t m = (n - k) & (n - 1);
		double complex a = z[k], b = conj(z[m]);
		double complex r = (a + b) / 2.0, p = (a - b) / (2.0 * I);
		z[k] = r * conj(p);
		z[m] = conj(r) * p; /* the same at -k */
	}
	fft(z, n, w, true);

	/* z[m] / n = sum over k of window[k + m] * played[k]: the lag is t0 + m */
	double best = INFINITY;
	for (long m = -(long) np + 1; m < (long) len; m++) {
		double rp = creal(z[m < 0 ? n - (size_t) -m : (size_t) m]) / (double) n;
		long k0 = -m > 0 ? -m : 0,
		     k1 = (long) len - m < (long) np ? (long) len - m : (long) np;
		double p2 = pp[k1] - pp[k0];
		if (!(rp > 0.0) || !(p2 > 0.0))
			continue;
		double e = 1.0 - rp * rp / (rr * p2);
		if (e < best) {
			best = e;
			*lag = (long) t0 + m;
			res = 0;
		}
	}
out:
	free(z);
	free(w);
	free(pp);
	return res;
}

/* |r - a p|^2 / |r|^2 with the best a, over recorded frames [t0, t1) at lag. */
static double residual(const struct wav *played, const struct wav *rec, long lag, size_t t0,
		       size_t t1)
{
	double rr = 0.0, rp = 0.0, pp = 0.0;
	size_t ch = rec->channels;
	for (size_t t = t0; t < t1; t++) {
		long k = (long) t - lag;
		for (size_t c = 0; c < ch; c++) {
			double r = rec->samples[t * ch + c];
			double p = (k >= 0 && k < (long) played->n_frames)
				       ? played->samples[(size_t) k * ch + c]
				       : 0.0;
			rr += r * r;
			rp += r * p;
			pp += p * p;
		}
	}
	if (!(rr > 0.0) || !(pp > 0.0))
		return 1.0;
	return fmax(0.0, (rr - rp * rp / pp) / rr);
}

static bool audible(const struct wav *x, size_t f)
{
	for (size_t c = 0; c < x->channels; c++)
		if (fabsf(x->samples[f * x->channels + c]) > WAV_AUDIBLE)
			return true;
	return false;
}

int wav_align(const struct wav *played, const struct wav *rec, struct wav_alignment *a)
{
	long lag = 0, span = (long) rec->rate / 250;
	size_t t0 = 0, len, pre;
	int res;

	if (played->channels != rec->channels)
		return -EINVAL;
	while (t0 < rec->n_frames && !audible(rec, t0))
		t0++;
	if (t0 == rec->n_frames)
		return -ENODATA;
	len = rec->n_frames - t0 < rec->rate / 5 ? rec->n_frames - t0 : rec->rate / 5;
	/* with the silence before it: a lag that puts audio there is wrong, even where
	 * the window matches (a steady tone matches itself a period later) */
	pre = t0 < len ? t0 : len;
	t0 -= pre;
	len += pre;
	if ((res = coarse_lag(played, rec, t0, len, &lag)) < 0)
		return res;
	a->coarse = lag;
	a->offset = lag;
	a->residual = residual(played, rec, lag, t0, t0 + len);
	for (long d = 1; d <= span; d++) {
		for (int s = -1; s <= 1; s += 2) {
			double e = residual(played, rec, lag + s * d, t0, t0 + len);
			if (e < a->residual) {
				a->residual = e;
				a->offset = lag + s * d;
			}
		}
	}
	return 0;
}
