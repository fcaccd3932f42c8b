/* SPDX-License-Identifier: MIT */
/* Guard DSP: zero overshoot sample by sample over signals x rates x channel counts x
 * block sizes, bit transparency below the ceiling, ceiling changes mid-stream, linking,
 * latency and meters. The limit compared with is exactly dg_guard_ceiling_linear() of
 * the ceiling (or dg_guard_limit() while a raise ramps in). */
#include "lib/guard.h"
#include "tests/dg-test.h"

#include <stdint.h>

#define MAXCH 8

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng_u32(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t) (rng_state >> 32);
}

/* Uniform in [-1, 1]. */
static float rng_f(void)
{
	return (float) ((double) rng_u32() / 2147483647.5 - 1.0);
}

enum sig {
	SIG_SINE,       /* 997 Hz at +6 dBFS */
	SIG_SQUARE,     /* 100 Hz square at +3 dBFS */
	SIG_NOISE_FS,   /* full-scale noise: peaks up to 1.0, never above */
	SIG_NOISE_OVER, /* +12 dBFS noise */
	SIG_IMPULSES,   /* +12 dBFS single-sample spikes, both signs, in quiet noise */
	SIG_EDGES,      /* bursts at +12 dBFS starting a few frames before block edges */
	SIG_COUNT,
};

static const char *const sig_names[] = {"sine+6", "square+3", "noise0", "noise+12", "impulses",
					"edges"};

static void gen(enum sig kind, float **buf, uint32_t nch, uint32_t len, uint32_t rate)
{
	for (uint32_t c = 0; c < nch; c++) {
		float *x = buf[c];
		for (uint32_t i = 0; i < len; i++) {
			double t = (double) i / rate;
			switch (kind) {
			case SIG_SINE:
				x[i] = (float) (2.0 * sin(2 * M_PI * 997.0 * t + c));
				break;
			case SIG_SQUARE:
				x[i] = fmod(t * 100.0 + 0.1 * c, 1.0) < 0.5 ? 1.4125f : -1.4125f;
				break;
			case SIG_NOISE_FS:
				x[i] = rng_f();
				break;
			case SIG_NOISE_OVER:
				x[i] = 4.0f * rng_f();
				break;
			case SIG_IMPULSES:
				x[i] = 0.05f * rng_f();
				if (rng_u32() % 997 == 0)
					x[i] = rng_u32() & 1 ? 4.0f : -4.0f;
				break;
			case SIG_EDGES: {
				/* Bursts of 1..40 frames starting 0..7 frames before a multiple of 32. */
				uint32_t ph = i % 4096;
				x[i] = 0.01f * rng_f();
				if (ph >= 4096 - 8 || ph < 40)
					x[i] = (ph & 1 ? 4.0f : -3.5f) * (1.0f - 0.1f * (float) c);
				break;
			}
			default:
				x[i] = 0.0f;
			}
		}
	}
}

static uint32_t next_block(int scheme, uint32_t fixed)
{
	if (scheme == 0)
		return fixed;
	/* Mostly small, sometimes up to 8192. */
	uint32_t r = rng_u32();
	return (r & 3) == 0 ? 1 + (r >> 8) % 8192 : 1 + (r >> 8) % 64;
}

/* Runs the guard over the signal in blocks, out-of-place or in place, and counts
 * output samples above lim. Returns the overshoot count; *peak gets the output peak. */
static uint64_t run(struct dg_guard *g, float **in, float **out, uint32_t nch, uint32_t len,
		    int scheme, uint32_t fixed, bool in_place, float lim, float *peak)
{
	uint64_t over = 0;
	float pk = 0.0f;
	if (in_place)
		for (uint32_t c = 0; c < nch; c++)
			memcpy(out[c], in[c], len * sizeof(float));
	for (uint32_t off = 0; off < len;) {
		uint32_t n = next_block(scheme, fixed);
		if (n > len - off)
			n = len - off;
		const float *ip[MAXCH];
		float *op[MAXCH];
		for (uint32_t c = 0; c < nch; c++) {
			ip[c] = (in_place ? out[c] : in[c]) + off;
			op[c] = out[c] + off;
		}
		dg_guard_process(g, op, ip, n);
		for (uint32_t c = 0; c < nch; c++)
			for (uint32_t i = 0; i < n; i++) {
				float a = fabsf(op[c][i]);
				if (!(a <= lim))
					over++;
				pk = a > pk ? a : pk;
			}
		off += n;
	}
	*peak = pk;
	return over;
}

static float *bufs_in[MAXCH], *bufs_out[MAXCH];
static void *gmem;

static struct dg_guard *make(uint32_t nch, uint32_t rate, double db)
{
	memset(gmem, 0xa5, dg_guard_size(nch, rate)); /* init must not rely on zeroed memory */
	return dg_guard_init(gmem, nch, rate, db);
}

static void test_matrix(void)
{
	static const uint32_t rates[] = {44100, 48000, 96000, 192000, 384000, 768000};
	static const uint32_t chans[] = {1, 2, 6, 8};
	static const uint32_t fixed[] = {1, 7, 32, 64, 256, 1000, 1024, 4096, 8192};
	uint64_t total_over = 0, total_samples = 0, total_clamps = 0;
	int k = 0;

	for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
		uint32_t rate = rates[ri];
		/* 200 ms at low rates (overs and releases), fewer frames at high ones keeps
		 * ASan runs short. */
		uint32_t len = rate / 5 < 96000 ? rate / 5 : 96000;
		for (size_t ci = 0; ci < sizeof(chans) / sizeof(chans[0]); ci++) {
			uint32_t nch = chans[ci];
			for (int s = 0; s < SIG_COUNT; s++) {
				gen((enum sig) s, bufs_in, nch, len, rate);
				for (int scheme = 0; scheme < 2; scheme++, k++) {
					double db = -(double) (k % 37);
					float lim = dg_guard_ceiling_linear(db);
					uint32_t fb = fixed[k % 9];
					struct dg_guard *g = make(nch, rate, db);
					float peak;
					uint64_t over = run(g, bufs_in, bufs_out, nch, len, scheme,
							    fb, k & 1, lim, &peak);
					total_over += over;
					total_samples += (uint64_t) nch * len;
					total_clamps += dg_guard_clamp_count(g);
					if (over || dg_guard_clamp_count(g))
						fprintf(stderr,
							"  %s rate %u ch %u block %s%u: %llu over, "
							"%llu clamps\n",
							sig_names[s], rate, nch,
							scheme ? "random/" : "", fb,
							(unsigned long long) over,
							(unsigned long long) dg_guard_clamp_count(g));
					/* The limiter must do its job, not mute: overs reach
					 * near the ceiling. */
					if (s != SIG_NOISE_FS)
						DG_CHECK(peak > 0.89f * lim);
					DG_CHECK(peak <= lim);
				}
			}
		}
	}
	printf("matrix: %llu samples, %llu over the ceiling, %llu safety clamps\n",
	       (unsigned long long) total_samples, (unsigned long long) total_over,
	       (unsigned long long) total_clamps);
	DG_CHECK_INT(total_over, 0);
	DG_CHECK_INT(total_clamps, 0);
}

/* Below the ceiling the output is in[n - D] * gain, bit for bit. */
static void test_transparent(void)
{
	static const uint32_t rates[] = {44100, 48000, 96000, 192000, 384000, 768000};
	for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
		uint32_t rate = rates[ri], nch = 2, len = 20000;
		double db = -7.3 - (double) ri;
		float gain = dg_guard_ceiling_linear(db);
		struct dg_guard *g = make(nch, rate, db);
		uint32_t d = dg_guard_latency_frames(g);
		DG_CHECK(d <= rate / 1000);
		gen(SIG_NOISE_FS, bufs_in, nch, len, rate);
		bufs_in[0][100] = 1.0f; /* exactly full scale is not an over */
		bufs_in[1][200] = -1.0f;
		float peak;
		DG_CHECK_INT(run(g, bufs_in, bufs_out, nch, len, 1, 0, ri & 1, gain, &peak), 0);
		for (uint32_t c = 0; c < nch; c++) {
			float *want = bufs_in[MAXCH - 1];
			for (uint32_t i = 0; i < len; i++)
				want[i] = (i >= d ? bufs_in[c][i - d] : 0.0f) * gain;
			DG_CHECK(memcmp(want, bufs_out[c], len * sizeof(float)) == 0);
		}
		struct dg_guard_meters m;
		dg_guard_take_meters(g, &m);
		DG_CHECK_NEAR(m.peak_db, db, 0.001);
		DG_CHECK_NEAR(m.gain_reduction_db, 0.0, 0.0);
	}
}

/* After an over and its release, the guard is transparent again. */
static void test_release_back_to_transparent(void)
{
	uint32_t rate = 48000, nch = 2, len = rate; /* 1 s */
	double db = -3.0;
	float gain = dg_guard_ceiling_linear(db);
	struct dg_guard *g = make(nch, rate, db);
	uint32_t d = dg_guard_latency_frames(g);
	gen(SIG_NOISE_FS, bufs_in, nch, len, rate);
	for (uint32_t i = 1000; i < 1100; i++)
		bufs_in[0][i] *= 3.0f;
	float peak;
	DG_CHECK_INT(run(g, bufs_in, bufs_out, nch, len, 0, 128, false, gain, &peak), 0);
	struct dg_guard_meters m;
	dg_guard_take_meters(g, &m);
	DG_CHECK(m.gain_reduction_db > 6.0f);
	/* Release about 50-100 ms: still reducing 20 ms after the burst, exact 200 ms after. */
	float *want = bufs_in[MAXCH - 1];
	uint32_t from = 1100 + d + rate / 5;
	for (uint32_t i = from; i < len; i++)
		want[i] = bufs_in[0][i - d] * gain;
	DG_CHECK(memcmp(want + from, bufs_out[0] + from, (len - from) * sizeof(float)) == 0);
	uint32_t at = 1100 + d + rate / 50;
	DG_CHECK(fabsf(bufs_out[0][at]) < 0.99f * fabsf(bufs_in[0][at - d] * gain) ||
		 fabsf(bufs_in[0][at - d]) < 0.01f);
	/* The right channel never went over but is reduced with the left: linked. */
	uint32_t i0 = 1050 + d;
	float rl = bufs_out[0][i0] / (bufs_in[0][i0 - d] * gain);
	float rr = bufs_out[1][i0] / (bufs_in[1][i0 - d] * gain);
	DG_CHECK(rl < 0.9f);
	DG_CHECK_NEAR(rl, rr, 1e-5);
}

static void test_latency_impulse(void)
{
	static const uint32_t rates[] = {8000, 44100, 48000, 96000, 192000, 384000, 768000};
	for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
		uint32_t rate = rates[ri];
		struct dg_guard *g = make(1, rate, 0.0);
		uint32_t d = dg_guard_latency_frames(g);
		DG_CHECK(d <= rate / 1000);
		DG_CHECK(d > 0);
		uint32_t len = 3 * d + 10;
		memset(bufs_in[0], 0, len * sizeof(float));
		bufs_in[0][5] = 0.5f;
		float peak;
		run(g, bufs_in, bufs_out, 1, len, 0, 3, false, 1.0f, &peak);
		DG_CHECK(bufs_out[0][5 + d] == 0.5f);
		DG_CHECK(bufs_out[0][4 + d] == 0.0f);
	}
}

/* Lowering applies from the next sample; raising ramps; never above the limit then in force. */
static void test_ceiling_changes(void)
{
	static const uint32_t rates[] = {44100, 48000, 96000, 192000, 384000, 768000};
	for (size_t ri = 0; ri < sizeof(rates) / sizeof(rates[0]); ri++) {
		uint32_t rate = rates[ri], nch = 2;
		struct dg_guard *g = make(nch, rate, 0.0);
		uint32_t d = dg_guard_latency_frames(g);
		uint32_t len = rate / 4; /* 250 ms */
		gen(ri & 1 ? SIG_NOISE_OVER : SIG_SINE, bufs_in, nch, len, rate);
		uint64_t over = 0;
		uint32_t lower_at = rate / 40, raise_at = rate / 20;
		float lim = dg_guard_limit(g), prev_lim = 0.0f;
		float low = dg_guard_ceiling_linear(-20.0), high = dg_guard_ceiling_linear(-6.0);
		uint32_t reached = 0;
		bool monotonic = true;
		for (uint32_t i = 0; i < len; i++) {
			if (i == lower_at)
				dg_guard_set_ceiling(g, -20.0);
			if (i == raise_at)
				dg_guard_set_ceiling(g, -6.0);
			const float *ip[2] = {bufs_in[0] + i, bufs_in[1] + i};
			float *op[2] = {bufs_out[0] + i, bufs_out[1] + i};
			dg_guard_process(g, op, ip, 1);
			lim = dg_guard_limit(g);
			for (uint32_t c = 0; c < nch; c++)
				if (!(fabsf(op[c][0]) <= lim))
					over++;
			if (i == lower_at)
				DG_CHECK(lim == low);
			if (i >= raise_at) {
				if (lim < prev_lim)
					monotonic = false;
				DG_CHECK(lim <= high);
				if (!reached && lim == high)
					reached = i - raise_at + 1;
			}
			prev_lim = lim;
		}
		DG_CHECK_INT(over, 0);
		DG_CHECK(monotonic);
		/* The ramp takes about 50 ms. */
		DG_CHECK(reached > rate * 40 / 1000);
		DG_CHECK(reached <= rate * 55 / 1000);
		DG_CHECK_INT(dg_guard_clamp_count(g), 0);
		(void) d;
	}

	/* Lowering with a signal below full scale: the next output is exactly in * new gain,
	 * in whatever block it falls. */
	uint32_t rate = 96000, len = 9000;
	struct dg_guard *g = make(1, rate, -1.0);
	uint32_t d = dg_guard_latency_frames(g);
	gen(SIG_NOISE_FS, bufs_in, 1, len, rate);
	float gl = dg_guard_ceiling_linear(-25.5);
	const float *ip[1] = {bufs_in[0]};
	float *op[1] = {bufs_out[0]};
	dg_guard_process(g, op, ip, 4000);
	dg_guard_set_ceiling(g, -25.5);
	ip[0] = bufs_in[0] + 4000;
	op[0] = bufs_out[0] + 4000;
	dg_guard_process(g, op, ip, 5000);
	bool exact = true;
	for (uint32_t i = 4000; i < len; i++)
		if (bufs_out[0][i] != bufs_in[0][i - d] * gl)
			exact = false;
	DG_CHECK(exact);
	DG_CHECK_NEAR(dg_guard_get_ceiling(g), -25.5, 1e-12);

	/* Raising in large blocks: the limit at a block's end bounds the whole block. */
	g = make(2, 48000, -30.0);
	gen(SIG_NOISE_OVER, bufs_in, 2, 24000, 48000);
	dg_guard_set_ceiling(g, 0.0);
	uint64_t over = 0;
	for (uint32_t off = 0; off < 24000; off += 1000) {
		const float *ip2[2] = {bufs_in[0] + off, bufs_in[1] + off};
		float *op2[2] = {bufs_out[0] + off, bufs_out[1] + off};
		dg_guard_process(g, op2, ip2, 1000);
		float l = dg_guard_limit(g);
		for (uint32_t c = 0; c < 2; c++)
			for (uint32_t i = 0; i < 1000; i++)
				if (!(fabsf(op2[c][i]) <= l))
					over++;
		if (off == 0)
			/* Linear in dB: 1000 of 2400 ramp frames in, -30 dB + 12.5 dB. */
			DG_CHECK_NEAR(20.0 * log10(l), -17.5, 0.5);
	}
	DG_CHECK_INT(over, 0);
	DG_CHECK(dg_guard_limit(g) == 1.0f);
}

static void test_bad_input(void)
{
	uint32_t rate = 48000, len = 4800;
	struct dg_guard *g = make(2, rate, -10.0);
	float lim = dg_guard_ceiling_linear(-10.0);
	gen(SIG_NOISE_FS, bufs_in, 2, len, rate);
	bufs_in[0][100] = NAN;
	bufs_in[1][300] = INFINITY;
	bufs_in[0][301] = -INFINITY;
	bufs_in[1][302] = 1e30f;
	float peak;
	DG_CHECK_INT(run(g, bufs_in, bufs_out, 2, len, 0, 64, false, lim, &peak), 0);
	DG_CHECK_INT(dg_guard_clamp_count(g), 3); /* the three non-finite samples */

	DG_CHECK(dg_guard_init(gmem, 0, 48000, 0.0) == NULL);
	DG_CHECK(dg_guard_init(gmem, DG_GUARD_MAX_CHANNELS + 1, 48000, 0.0) == NULL);
	DG_CHECK(dg_guard_init(gmem, 2, 7999, 0.0) == NULL);
	DG_CHECK(dg_guard_init(gmem, 2, 768001, 0.0) == NULL);
	DG_CHECK(dg_guard_size(2, 48000) < dg_guard_size(2, 768000));
	DG_CHECK(dg_guard_size(2, 48000) < dg_guard_size(8, 48000));
	/* Ceilings are clamped: above 0 dB is 0 dB, NaN is the minimum. */
	g = make(1, 48000, 6.0);
	DG_CHECK_NEAR(dg_guard_get_ceiling(g), 0.0, 0.0);
	dg_guard_set_ceiling(g, NAN);
	DG_CHECK_NEAR(dg_guard_get_ceiling(g), DG_GUARD_MIN_CEILING_DB, 0.0);
	DG_CHECK(dg_guard_limit(g) == dg_guard_ceiling_linear(DG_GUARD_MIN_CEILING_DB));
}

/* Short blocks (shorter than the lookahead) in place, the fast path's fused pass: an
 * over, NaN or Inf arriving in one is found and the block redone from the history; the
 * frames before the first over are exactly in * gain. */
static void test_short_blocks_redo(void)
{
	static const uint32_t sizes[] = {1, 5, 8, 17, 32, 47};
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t rate = 48000, len = 19200, bl = sizes[k];
		double db = -4.0;
		float lim = dg_guard_ceiling_linear(db);
		struct dg_guard *g = make(2, rate, db);
		uint32_t d = dg_guard_latency_frames(g);
		gen(SIG_NOISE_FS, bufs_in, 2, len, rate);
		for (uint32_t c = 0; c < 2; c++)
			for (uint32_t i = 0; i < len; i++)
				bufs_in[c][i] *= 0.5f;
		/* Each well after the release of the one before (about 100 ms): they arrive
		 * with the limiter at rest, anywhere inside a block. */
		uint32_t at = 3000 + (uint32_t) k * 7;
		bufs_in[0][at] = 3.0f;
		bufs_in[1][10000 + k] = NAN;
		bufs_in[0][15000 + k] = INFINITY;
		bufs_in[1][15001 + k] = -2.5f;
		float peak;
		DG_CHECK_INT(run(g, bufs_in, bufs_out, 2, len, 0, bl, true, lim, &peak), 0);
		DG_CHECK_INT(dg_guard_clamp_count(g), 2);
		DG_CHECK(peak > 0.89f * lim);
		/* Untouched before the attack: the limiter reaches back at most D frames. */
		bool exact = true;
		for (uint32_t c = 0; c < 2; c++)
			for (uint32_t i = d; i < at; i++)
				if (bufs_out[c][i] != bufs_in[c][i - d] * lim)
					exact = false;
		DG_CHECK(exact);
		/* The non-finite samples come out as silence, one lookahead later. */
		DG_CHECK(bufs_out[1][10000 + k + d] == 0.0f);
		DG_CHECK(bufs_out[0][15000 + k + d] == 0.0f);
		struct dg_guard_meters m;
		dg_guard_take_meters(g, &m);
		DG_CHECK(m.gain_reduction_db > 6.0f);
		DG_CHECK(m.peak_db <= (float) db + 1e-4f);
	}
}

int main(void)
{
	gmem = malloc(dg_guard_size(MAXCH, DG_GUARD_MAX_RATE));
	for (int c = 0; c < MAXCH; c++) {
		bufs_in[c] = calloc(200000, sizeof(float));
		bufs_out[c] = calloc(200000, sizeof(float));
	}
	DG_RUN(test_matrix);
	DG_RUN(test_transparent);
	DG_RUN(test_release_back_to_transparent);
	DG_RUN(test_latency_impulse);
	DG_RUN(test_ceiling_changes);
	DG_RUN(test_bad_input);
	DG_RUN(test_short_blocks_redo);
	for (int c = 0; c < MAXCH; c++) {
		free(bufs_in[c]);
		free(bufs_out[c]);
	}
	free(gmem);
	return dg_test_done("test-guard");
}
