/* SPDX-License-Identifier: MIT */
/* Separation analyzer on synthetic signals whose answers are known. */
#include "lib/separation.h"
#include "tests/dg-test.h"

#include <stdint.h>

#define LEN 48000

static float L[LEN], R[LEN];
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static float rng_f(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (float) ((double) (uint32_t) (rng_state >> 32) / 2147483647.5 - 1.0);
}

static void noise(float *x, float amp)
{
	for (int i = 0; i < LEN; i++)
		x[i] = amp * rng_f();
}

/* Feeds the pair in uneven blocks (1..700 frames) and returns the judgement. */
static void analyze(uint32_t rate, const float *l, const float *r, struct dg_separation_result *res)
{
	struct dg_separation s;
	dg_separation_init(&s, rate);
	uint32_t off = 0, k = 0;
	while (off < LEN) {
		uint32_t n = 1 + (k++ * 131) % 700;
		if (n > LEN - off)
			n = LEN - off;
		dg_separation_process(&s, l + off, r ? r + off : NULL, n);
		off += n;
	}
	dg_separation_result(&s, res);
}

/* The float lanes folded per segment agree with a plain double computation, in any
 * block sizes and with the window reset inside a segment. */
static void test_against_double(void)
{
	noise(L, 0.7f);
	noise(R, 0.2f);
	for (int i = 0; i < LEN; i++)
		R[i] += 0.3f * L[i];
	struct dg_separation s;
	dg_separation_init(&s, 48000);
	uint32_t off = 0, k = 0, reset_at = 20111;
	double ll = 0, rr = 0, lr = 0;
	bool was_reset = false;
	while (off < LEN) {
		uint32_t n = 1 + (k++ * 37) % 97;
		if (n > LEN - off)
			n = LEN - off;
		if (!was_reset && off + n > reset_at) {
			was_reset = true;
			dg_separation_reset_window(&s);
			ll = rr = lr = 0;
		}
		dg_separation_process(&s, L + off, R + off, n);
		for (uint32_t i = off; i < off + n; i++) {
			ll += (double) L[i] * L[i];
			rr += (double) R[i] * R[i];
			lr += (double) L[i] * R[i];
		}
		off += n;
	}
	struct dg_separation_result res;
	dg_separation_result(&s, &res);
	DG_CHECK(was_reset);
	DG_CHECK_NEAR(res.correlation, lr / sqrt(ll * rr), 1e-5);
	DG_CHECK_NEAR(res.imbalance_db, 10.0 * log10(ll / rr), 1e-4);
}

/* NaN, Inf and denormal samples count as silence for that sample: a sine on both
 * channels with a few of them stays a sine on both channels (before, one NaN made the
 * whole window's sums NaN: the left channel read as dead, the correlation as 0). */
static void test_non_finite(void)
{
	struct dg_separation_result res;
	static const uint32_t spots[] = {0, 7, 8, 1000, 4097, 20000, LEN - 1};

	for (int i = 0; i < LEN; i++)
		L[i] = R[i] = 0.5f * (float) sin(2 * M_PI * 1000.0 * i / 48000.0);
	for (size_t k = 0; k < sizeof(spots) / sizeof(spots[0]); k++) {
		L[spots[k]] = k % 2 ? NAN : INFINITY;
		R[(spots[k] + 3) % LEN] = k % 2 ? -INFINITY : -NAN;
	}
	analyze(48000, L, R, &res);
	DG_CHECK_INT(res.dead_channel, -1);
	DG_CHECK(res.correlation > 0.999f);
	DG_CHECK_NEAR(res.imbalance_db, 0.0, 0.01);
	DG_CHECK_NEAR(res.rms_db[0], 20 * log10(0.5 / sqrt(2.0)), 0.01);
	DG_CHECK(isfinite(res.rms_db[1]) && isfinite(res.crosstalk_db));

	/* Denormals alone are silence: nothing to judge, nothing dead. */
	for (int i = 0; i < LEN; i++)
		L[i] = R[i] = (i % 2 ? 1.0f : -1.0f) * 1e-40f;
	analyze(48000, L, R, &res);
	DG_CHECK_NEAR(res.rms_db[0], -200.0, 0.0);
	DG_CHECK_NEAR(res.rms_db[1], -200.0, 0.0);
	DG_CHECK_INT(res.dead_channel, -1);
	DG_CHECK_NEAR(res.correlation, 0.0, 0.0);

	/* Down to 2^-60 a sample counts (-361 dBFS): a quiet signal is not rounded away. */
	for (int i = 0; i < LEN; i++)
		L[i] = R[i] = (i % 2 ? 1.0f : -1.0f) * 1e-17f;
	analyze(48000, L, R, &res);
	DG_CHECK_NEAR(res.rms_db[0], -200.0, 0.0); /* below the meters' floor, still silence */
	for (int i = 0; i < LEN; i++)
		L[i] = R[i] = (i % 2 ? 1.0f : -1.0f) * 1e-9f;
	analyze(48000, L, R, &res);
	DG_CHECK_NEAR(res.rms_db[0], -180.0, 0.01);
	DG_CHECK_NEAR(res.correlation, 1.0, 1e-6);
}

int main(void)
{
	struct dg_separation_result res;
	static const uint32_t rates[] = {44100, 48000, 96000, 192000};

	for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
		uint32_t rate = rates[ri];

		/* L = R: correlation 1, no imbalance, nothing wrong. */
		noise(L, 0.5f);
		memcpy(R, L, sizeof(L));
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.correlation, 1.0, 1e-6);
		DG_CHECK_NEAR(res.imbalance_db, 0.0, 1e-4);
		DG_CHECK(!res.polarity_inverted);
		DG_CHECK_INT(res.dead_channel, -1);
		DG_CHECK_NEAR(res.crosstalk_db, 0.0, 0.0); /* never one-sided: unknown */
		/* Uniform noise of amplitude 0.5: rms 0.5/sqrt(3), -10.79 dBFS. */
		DG_CHECK_NEAR(res.rms_db[0], 20 * log10(0.5 / sqrt(3.0)), 0.1);

		/* R = -L: inverted polarity. */
		for (int i = 0; i < LEN; i++)
			R[i] = -L[i];
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.correlation, -1.0, 1e-6);
		DG_CHECK(res.polarity_inverted);

		/* R = -L at 10 dB lower: correlated, but levels too far apart to call it a
		 * wiring fault. */
		for (int i = 0; i < LEN; i++)
			R[i] = -0.316f * L[i];
		analyze(rate, L, R, &res);
		DG_CHECK(res.correlation < -0.99f);
		DG_CHECK(!res.polarity_inverted);

		/* R = L at -60 dB and nothing else: -60 dB crosstalk, not dead. */
		float k60 = (float) pow(10.0, -60.0 / 20.0);
		for (int i = 0; i < LEN; i++)
			R[i] = L[i] * k60;
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.crosstalk_db, -60.0, 0.01);
		DG_CHECK_INT(res.dead_channel, -1);
		DG_CHECK_NEAR(res.imbalance_db, 60.0, 0.01);
		/* And mirrored, leakage into the left. */
		analyze(rate, R, L, &res);
		DG_CHECK_NEAR(res.crosstalk_db, -60.0, 0.01);

		/* -80 dB leakage reads as such (not a fixed answer). */
		float k80 = (float) pow(10.0, -80.0 / 20.0);
		for (int i = 0; i < LEN; i++)
			R[i] = L[i] * k80;
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.crosstalk_db, -80.0, 0.01);

		/* One silent channel is dead. */
		memset(R, 0, sizeof(R));
		analyze(rate, L, R, &res);
		DG_CHECK_INT(res.dead_channel, 1);
		DG_CHECK_NEAR(res.rms_db[1], -200.0, 0.0);
		DG_CHECK_NEAR(res.correlation, 0.0, 0.0);
		analyze(rate, R, L, &res);
		DG_CHECK_INT(res.dead_channel, 0);

		/* Both quiet (-70 dBFS and silent): nothing playing, no dead-channel verdict. */
		noise(L, 0.000548f);
		analyze(rate, L, R, &res);
		DG_CHECK_INT(res.dead_channel, -1);

		/* Independent noise: correlation about 0 (std 1/sqrt(48000) = 0.005). */
		noise(L, 0.5f);
		noise(R, 0.5f);
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.correlation, 0.0, 0.03);
		DG_CHECK(!res.polarity_inverted);
		DG_CHECK_INT(res.dead_channel, -1);

		/* 3 dB imbalance on independent noise, measured to 0.1 dB. */
		float k3 = (float) pow(10.0, -3.0 / 20.0);
		for (int i = 0; i < LEN; i++)
			R[i] *= k3;
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.imbalance_db, 3.0, 0.1);

		/* A 1 kHz sine against the same sine 3 dB down: exact level ratio. */
		for (int i = 0; i < LEN; i++) {
			L[i] = 0.5f * (float) sin(2 * M_PI * 1000.0 * i / rate);
			R[i] = L[i] * k3;
		}
		analyze(rate, L, R, &res);
		DG_CHECK_NEAR(res.imbalance_db, 3.0, 0.01);
		DG_CHECK_NEAR(res.correlation, 1.0, 1e-5);
		DG_CHECK_NEAR(res.rms_db[0], 20 * log10(0.5 / sqrt(2.0)), 0.01);

		/* NULL right channel judges nothing. */
		analyze(rate, L, NULL, &res);
		DG_CHECK_NEAR(res.rms_db[0], -200.0, 0.0);
		DG_CHECK_NEAR(res.correlation, 0.0, 0.0);
		DG_CHECK_INT(res.dead_channel, -1);
		DG_CHECK(!res.polarity_inverted);
		DG_CHECK_NEAR(res.crosstalk_db, 0.0, 0.0);
	}

	/* A new window forgets the old one. */
	struct dg_separation s;
	dg_separation_init(&s, 48000);
	noise(L, 0.5f);
	for (int i = 0; i < LEN; i++)
		R[i] = -L[i];
	dg_separation_process(&s, L, R, LEN);
	dg_separation_result(&s, &res);
	DG_CHECK(res.polarity_inverted);
	dg_separation_reset_window(&s);
	dg_separation_process(&s, L, L, LEN);
	dg_separation_result(&s, &res);
	DG_CHECK(!res.polarity_inverted);
	DG_CHECK_NEAR(res.correlation, 1.0, 1e-6);

	test_against_double();
	test_non_finite();
	return dg_test_done("test-separation");
}
