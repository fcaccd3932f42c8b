/* SPDX-License-Identifier: MIT */
/* Active separation measurement on synthetic captures whose leakage is known. */
#include "lib/measure.h"
#include "tests/dg-test.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define MAX_FRAMES 96000 /* 1 s at 96 kHz */
#define STIM_DBFS -20.0

static float capture[2 * MAX_FRAMES];
static float tone[MAX_FRAMES + 64];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static double rng_uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((double) (rng_state >> 11) + 0.5) / 9007199254740992.0;
}

/* Gaussian noise of the given RMS (Box-Muller). */
static double rng_gauss(double rms)
{
	double u = rng_uniform(), v = rng_uniform();
	return rms * sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

struct leak {
	double rate;
	double freq;
	unsigned active;       /* 0 = L, 1 = R */
	double leak_db;        /* NAN: the idle channel gets no leak */
	double gain_db;        /* of the path, on both channels */
	unsigned delay;        /* frames the leak lags the driven channel */
	bool use_phase;        /* the leak is a sine of its own, at this phase (radians) */
	double phase;
	double noise_dbfs;     /* RMS of independent noise on each channel; NAN: none */
	size_t frames;
};

/* A steady stimulus through a path of the given gain, the idle channel carrying a copy
 * delayed, phase-shifted and scaled by the leak, noise on top. */
static void synth(const struct leak *l)
{
	struct dg_sine s;
	double g = pow(10.0, l->gain_db / 20.0);
	double k = isnan(l->leak_db) ? 0.0 : pow(10.0, l->leak_db / 20.0);
	double amp = pow(10.0, (STIM_DBFS + l->gain_db) / 20.0);
	unsigned idle = 1 - l->active;

	/* the generator's tone, skipping its fade in */
	dg_sine_init(&s, l->freq, l->rate, STIM_DBFS, 0, 0);
	dg_sine_fill(&s, tone, 1, l->frames + l->delay);
	for (size_t i = 0; i < l->frames; i++) {
		double leak = k * g * tone[i];

		if (l->use_phase)
			leak = k * amp *
			       sin(2.0 * M_PI * l->freq * (double) i / l->rate + l->phase);
		capture[2 * i + l->active] = (float) (g * tone[i + l->delay]);
		capture[2 * i + idle] = (float) leak;
		if (!isnan(l->noise_dbfs)) {
			double rms = pow(10.0, l->noise_dbfs / 20.0);
			capture[2 * i + l->active] += (float) rng_gauss(rms);
			capture[2 * i + idle] += (float) rng_gauss(rms);
		}
	}
}

static void analyze(const struct leak *l, struct dg_measure_result *r)
{
	int ret;

	synth(l);
	ret = dg_measure_analyze(capture, l->frames, 2, l->active, 1 - l->active, l->freq,
				 l->rate, STIM_DBFS, r);
	DG_CHECK_INT(ret, 0);
}

static struct leak leak_default(double rate, double freq)
{
	return (struct leak){
		.rate = rate,
		.freq = freq,
		.leak_db = NAN,
		.noise_dbfs = NAN,
		.frames = (size_t) (rate / 2),
	};
}

static void test_sine(void)
{
	static const double rates[] = { 44100, 48000, 96000 };
	struct dg_sine s;
	float buf[4800];

	for (size_t i = 0; i < 3; i++) {
		double rate = rates[i];
		size_t n = dg_measure_block_frames(1000.0, rate, 4800);

		dg_sine_init(&s, 1000.0, rate, -20.0, 0, 0);
		dg_sine_fill(&s, buf, 1, n);
		/* exact level at exact frequency; a neighbour bin (where Hann is zero) reads
		 * nothing */
		DG_CHECK_NEAR(20.0 * log10(dg_goertzel(buf, 1, n, 1000.0, rate)), -20.0, 0.001);
		DG_CHECK(dg_goertzel(buf, 1, n, 1000.0 + 3 * rate / n, rate) < 1e-7);
		/* one bin off, Hann reads half: the detector is as narrow as the block allows */
		DG_CHECK_NEAR(dg_goertzel(buf, 1, n, 1000.0 + rate / n, rate), 0.05, 1e-4);
	}

	/* 480 frames: 10 ms fades, 4800 total: starts and ends at zero, full level inside */
	dg_sine_init(&s, 1000.0, 48000, 0.0, 480, 4800);
	dg_sine_fill(&s, buf, 1, 4800);
	DG_CHECK(buf[0] == 0.0f);
	DG_CHECK(fabsf(buf[12]) < 0.01f);    /* 1/4 cycle in, still quiet */
	DG_CHECK(fabsf(buf[480 + 12]) > 0.99f); /* a crest after the fade */
	DG_CHECK(fabsf(buf[4799]) < 1e-4f);
	DG_CHECK(dg_sine_done(&s));
	dg_sine_fill(&s, buf, 1, 10);
	DG_CHECK(buf[0] == 0.0f && buf[9] == 0.0f);

	/* open-ended, released: fades over 480 frames, then done */
	dg_sine_init(&s, 1000.0, 48000, 0.0, 480, 0);
	dg_sine_fill(&s, buf, 1, 1000);
	DG_CHECK(!dg_sine_done(&s));
	dg_sine_release(&s);
	dg_sine_fill(&s, buf, 1, 479);
	DG_CHECK(!dg_sine_done(&s));
	dg_sine_fill(&s, buf, 1, 1);
	DG_CHECK(dg_sine_done(&s));
	for (int i = 0; i < 479; i++)
		DG_CHECK(fabsf(buf[0]) <= 1.0f);

	/* stride: writes one channel of an interleaved buffer only */
	for (int i = 0; i < 200; i++)
		buf[i] = 7.0f;
	dg_sine_init(&s, 1000.0, 48000, -6.0, 0, 0);
	dg_sine_fill(&s, buf, 2, 100);
	for (int i = 0; i < 100; i++)
		DG_CHECK(buf[2 * i + 1] == 7.0f);
}

static void test_block_frames(void)
{
	static const double freqs[] = { 100, 997, 1000, 10000, 15000, 19997 };
	static const double rates[] = { 44100, 48000, 96000 };

	DG_CHECK_INT(dg_measure_block_frames(1000, 48000, 24000), 24000);
	DG_CHECK_INT(dg_measure_block_frames(10000, 48000, 24000), 24000);
	DG_CHECK_INT(dg_measure_block_frames(1000, 48000, 300), 0); /* < 8 cycles */
	DG_CHECK_INT(dg_measure_block_frames(0, 48000, 300), 0);
	for (size_t i = 0; i < 6; i++) {
		for (size_t j = 0; j < 3; j++) {
			size_t max = (size_t) (rates[j] / 2);
			size_t n = dg_measure_block_frames(freqs[i], rates[j], max);
			double cycles = (double) n * freqs[i] / rates[j];

			DG_CHECK(n <= max);
			DG_CHECK(n >= max * 7 / 8);
			DG_CHECK(fabs(cycles - round(cycles)) < 0.02);
		}
	}
}

/* The brief: -40..-100 dB, with and without noise, with a delay or a phase offset, at 48
 * and 96 kHz, both directions, within 0.5 dB. */
static void test_known_leaks(void)
{
	static const double rates[] = { 48000, 96000 };
	static const double freqs[] = { 100, 997, 1000, 10000, 19000 };
	static const double leaks[] = { -40, -60, -80, -100 };
	struct dg_measure_result r;

	for (size_t ri = 0; ri < 2; ri++) {
		for (size_t fi = 0; fi < 5; fi++) {
			for (size_t li = 0; li < 4; li++) {
				for (int variant = 0; variant < 4; variant++) {
					struct leak l = leak_default(rates[ri], freqs[fi]);

					l.leak_db = leaks[li];
					l.active = (unsigned) variant & 1;
					if (variant & 1)
						l.noise_dbfs = -125.0;
					if (variant == 2)
						l.delay = 7;
					if (variant == 3) {
						l.use_phase = true;
						l.phase = 1.234;
					}
					analyze(&l, &r);
					DG_CHECK_INT(r.status, DG_MEASURE_OK);
					DG_CHECK_NEAR(r.crosstalk_db, leaks[li], 0.5);
					DG_CHECK_NEAR(r.gain_db, 0.0, 0.05);
					if (r.status != DG_MEASURE_OK ||
					    fabs(r.crosstalk_db - leaks[li]) > 0.5)
						fprintf(stderr, "  at %g Hz, rate %g, variant %d\n",
							freqs[fi], rates[ri], variant);
				}
			}
		}
	}
}

static void test_gain_and_polarity(void)
{
	struct dg_measure_result r, inv;
	struct leak l = leak_default(48000, 1000);

	/* through a -30 dB ceiling: the gain shows it, the ratio does not move */
	l.leak_db = -60;
	l.gain_db = -30;
	analyze(&l, &r);
	DG_CHECK_NEAR(r.gain_db, -30.0, 0.05);
	DG_CHECK_NEAR(r.active_dbfs, -50.0, 0.05);
	DG_CHECK_NEAR(r.crosstalk_db, -60.0, 0.5);

	/* an inverted leak has the same magnitude */
	l = leak_default(96000, 1000);
	l.leak_db = -70;
	l.use_phase = true;
	analyze(&l, &r);
	l.phase = M_PI;
	analyze(&l, &inv);
	DG_CHECK_INT(inv.status, DG_MEASURE_OK);
	DG_CHECK_NEAR(r.crosstalk_db, -70.0, 0.5);
	DG_CHECK_NEAR(inv.crosstalk_db, r.crosstalk_db, 0.01);
}

static void test_floor(void)
{
	struct dg_measure_result r;
	struct leak l = leak_default(48000, 1000);

	/* a digitally silent idle channel: below the floor, bounded by the converter limit */
	analyze(&l, &r);
	DG_CHECK_INT(r.status, DG_MEASURE_BELOW_FLOOR);
	DG_CHECK_NEAR(r.crosstalk_db, DG_MEASURE_MIN_FLOOR_DB + DG_MEASURE_MARGIN_DB, 0.01);

	/* silent but noisy: below the floor, the bound above the leak-free truth and near the
	 * noise in the bin (noise RMS -90 dBFS over 24000 Hann-windowed frames reads about
	 * -126 dBFS per bin, -106 dB under the -20 dBFS tone; + 20 dB margin; the floor of 16
	 * neighbouring bins scatters by +-2.5 dB from one noise to the next) */
	l.noise_dbfs = -90.0;
	analyze(&l, &r);
	DG_CHECK_INT(r.status, DG_MEASURE_BELOW_FLOOR);
	DG_CHECK_NEAR(r.crosstalk_db, -86.0, 3.0);

	/* a -100 dB leak drowned by that noise is not reported as a number either */
	l.leak_db = -100;
	analyze(&l, &r);
	DG_CHECK_INT(r.status, DG_MEASURE_BELOW_FLOOR);
	/* a -40 dB leak in the same noise is */
	l.leak_db = -40;
	analyze(&l, &r);
	DG_CHECK_INT(r.status, DG_MEASURE_OK);
	DG_CHECK_NEAR(r.crosstalk_db, -40.0, 0.5);
}

static void test_failures(void)
{
	struct dg_measure_result r;
	struct leak l = leak_default(48000, 1000);
	int ret;

	/* nothing captured */
	memset(capture, 0, sizeof(capture));
	ret = dg_measure_analyze(capture, 24000, 2, 0, 1, 1000, 48000, STIM_DBFS, &r);
	DG_CHECK_INT(ret, 0);
	DG_CHECK_INT(r.status, DG_MEASURE_NO_SIGNAL);
	DG_CHECK(isnan(r.crosstalk_db));

	/* noise only: no tone stands out */
	for (size_t i = 0; i < 2 * 24000; i++)
		capture[i] = (float) rng_gauss(0.01);
	ret = dg_measure_analyze(capture, 24000, 2, 0, 1, 1000, 48000, STIM_DBFS, &r);
	DG_CHECK_INT(ret, 0);
	DG_CHECK_INT(r.status, DG_MEASURE_NO_SIGNAL);

	/* the tone 30 dB over the noise in its bin: there, but too noisy to judge */
	l.noise_dbfs = -14.0;
	analyze(&l, &r);
	DG_CHECK_INT(r.status, DG_MEASURE_TOO_NOISY);

	/* bad arguments */
	DG_CHECK_INT(dg_measure_analyze(capture, 24000, 2, 0, 0, 1000, 48000, -20, &r), -EINVAL);
	DG_CHECK_INT(dg_measure_analyze(capture, 24000, 2, 0, 2, 1000, 48000, -20, &r), -EINVAL);
	DG_CHECK_INT(dg_measure_analyze(capture, 24000, 2, 0, 1, 30000, 48000, -20, &r), -EINVAL);
	DG_CHECK_INT(dg_measure_analyze(capture, 100, 2, 0, 1, 1000, 48000, -20, &r), -EINVAL);
	DG_CHECK_INT(dg_measure_analyze(capture, 24000, 2, 0, 1, 1000, 48000, NAN, &r), -EINVAL);
	DG_CHECK_STR(dg_measure_status_to_string(DG_MEASURE_BELOW_FLOOR), "below-floor");
}

int main(void)
{
	DG_RUN(test_sine);
	DG_RUN(test_block_frames);
	DG_RUN(test_known_leaks);
	DG_RUN(test_gain_and_polarity);
	DG_RUN(test_floor);
	DG_RUN(test_failures);
	return dg_test_done("test-measure");
}
