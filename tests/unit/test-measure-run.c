/* SPDX-License-Identifier: MIT */
/* A measurement run (lib/measure-run.c) through a simulated graph: what is played comes
 * back in the capture late, scaled, with a known leak of one channel into the other, and
 * with dropouts or silence where a case wants them. The clock is the frames moved. */
#include "lib/measure-run.h"
#include "tests/dg-test.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define RATE 48000
#define QUANTUM 256     /* frames per cycle of the simulated graph */
#define MAX_DELAY 8192
#define LEVEL_DBFS -20.0

struct path {
	unsigned delay;     /* frames from the playback to the capture */
	double gain_db;     /* on both channels */
	double leak_l_db;   /* of the left channel into the right; NAN: none */
	bool silent;        /* the capture never hears the playback */
	/* noise of this RMS on the capture while a segment's block is collected, for the
	 * first noisy_tries captures of segment 0 */
	double noise_rms;
	unsigned noisy_tries;
	bool no_playback;   /* the playback stream stops pulling once a tone sounds */
};

struct graph {
	const struct path *p;
	float line[2 * MAX_DELAY]; /* the delay line: a ring of delay stereo frames */
	size_t pos;
	uint64_t frames;
	uint64_t rng;
};

static uint64_t now_ns(const struct graph *g)
{
	return g->frames * 1000000000ull / RATE;
}

/* Uniform in [-1, 1): noise whose level is all that matters here. */
static double noise(struct graph *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (double) (g->rng >> 11) / 4503599627370496.0 - 1.0;
}

/* One cycle: QUANTUM frames played, the same number captured, then the deadlines. */
static void cycle(struct graph *g, struct dg_measure_run *run)
{
	const struct path *p = g->p;
	float out[2 * QUANTUM], in[2 * QUANTUM];
	double gain = pow(10.0, p->gain_db / 20.0);
	double leak = isnan(p->leak_l_db) ? 0.0 : pow(10.0, p->leak_l_db / 20.0);
	bool noisy = run->stage == DG_MEASURE_STAGE_COLLECT && run->cur == 0 &&
		     run->segs[0].tries < p->noisy_tries;

	if (p->no_playback && run->sine_on)
		memset(out, 0, sizeof(out));
	else
		dg_measure_run_play(run, out, QUANTUM);
	for (size_t i = 0; i < QUANTUM; i++) {
		float l = out[2 * i], r = out[2 * i + 1];

		if (p->delay) {
			float *slot = &g->line[2 * g->pos];
			float late_l = slot[0], late_r = slot[1];

			slot[0] = l;
			slot[1] = r;
			l = late_l;
			r = late_r;
			g->pos = (g->pos + 1) % p->delay;
		}
		in[2 * i] = p->silent ? 0.0f : (float) (gain * l);
		in[2 * i + 1] = p->silent ? 0.0f : (float) (gain * (r + leak * l));
		if (noisy) {
			in[2 * i] += (float) (p->noise_rms * sqrt(3.0) * noise(g));
			in[2 * i + 1] += (float) (p->noise_rms * sqrt(3.0) * noise(g));
		}
	}
	dg_measure_run_capture(run, in, QUANTUM, now_ns(g));
	g->frames += QUANTUM;
	dg_measure_run_tick(run, now_ns(g));
}

/* Runs until the run ends or seconds of audio have passed; returns the seconds taken. */
static double run_through(struct graph *g, struct dg_measure_run *run, double seconds)
{
	g->rng = 0x9e3779b97f4a7c15ull;
	while (run->end == DG_MEASURE_RUN_GOING && g->frames < seconds * RATE)
		cycle(g, run);
	return (double) g->frames / RATE;
}

static struct path path_default(void)
{
	return (struct path){ .delay = 1234, .leak_l_db = NAN };
}

/* A run at 1 kHz through p, on a graph that starts afresh. */
static void start_1k(struct graph *g, const struct path *p, struct dg_measure_run *run)
{
	static const double freq = 1000;

	*g = (struct graph){ .p = p };
	DG_CHECK_INT(dg_measure_run_init(run, &freq, 1, RATE, LEVEL_DBFS), 0);
}

static double run_1k(struct graph *g, const struct path *p, struct dg_measure_run *run,
		     double seconds)
{
	start_1k(g, p, run);
	return run_through(g, run, seconds);
}

static void test_leak(void)
{
	static const double freqs[] = { 100, 1000, 10000 };
	static struct graph g;
	struct path p = path_default();
	struct dg_measure_run run;

	p.leak_l_db = -60.0;
	p.gain_db = -6.0;
	g = (struct graph){ .p = &p };
	DG_CHECK_INT(dg_measure_run_init(&run, freqs, 3, RATE, LEVEL_DBFS), 0);
	DG_CHECK_INT(run.n_segs, 6);
	run_through(&g, &run, 30.0);
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_FINISHED);
	for (size_t i = 0; i < run.n_segs; i++) {
		const struct dg_measure_segment *s = &run.segs[i];

		DG_CHECK(s->done);
		DG_CHECK_INT(s->tries, 1);
		DG_CHECK_NEAR(s->freq, freqs[i / 2], 0.0);
		DG_CHECK_INT(s->active, i % 2);
		DG_CHECK_NEAR(s->r.gain_db, -6.0, 0.05);
		if (s->active == 0) {
			DG_CHECK_INT(s->r.status, DG_MEASURE_OK);
			DG_CHECK_NEAR(s->r.crosstalk_db, -60.0, 0.5);
		} else {
			DG_CHECK_INT(s->r.status, DG_MEASURE_BELOW_FLOOR);
		}
		/* the whole block of whole cycles, so the fade in was skipped */
		DG_CHECK_INT(s->r.frames, dg_measure_block_frames(s->freq, RATE, RATE / 2));
	}
	dg_measure_run_free(&run);
}

/* The delay is found, not assumed: none, and nearly a block of analysis. */
static void test_delays(void)
{
	static const unsigned delays[] = { 0, 1, 4800, MAX_DELAY - 1 };
	static struct graph g;
	struct dg_measure_run run;

	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		struct path p = path_default();

		p.delay = delays[i];
		p.leak_l_db = -40.0;
		run_1k(&g, &p, &run, 10.0);
		DG_CHECK_INT(run.end, DG_MEASURE_RUN_FINISHED);
		DG_CHECK_NEAR(run.segs[0].r.crosstalk_db, -40.0, 0.5);
		DG_CHECK_NEAR(run.segs[0].r.gain_db, 0.0, 0.05);
		dg_measure_run_free(&run);
	}
}

/* A dropout spoils a capture: it is taken again, up to DG_MEASURE_TRIES in all. */
static void test_retries(void)
{
	static struct graph g;
	struct path p = path_default();
	struct dg_measure_run run;

	p.noise_rms = 0.3;
	p.noisy_tries = 1;
	run_1k(&g, &p, &run, 20.0);
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_FINISHED);
	DG_CHECK_INT(run.segs[0].tries, 2);
	DG_CHECK_INT(run.segs[0].r.status, DG_MEASURE_BELOW_FLOOR);
	dg_measure_run_free(&run);

	p.noisy_tries = DG_MEASURE_TRIES;
	run_1k(&g, &p, &run, 20.0);
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_BAD_CAPTURE);
	DG_CHECK_INT(run.cur, 0);
	DG_CHECK(run.segs[0].done);
	DG_CHECK_INT(run.segs[0].tries, DG_MEASURE_TRIES);
	DG_CHECK_INT(run.segs[0].r.status, DG_MEASURE_TOO_NOISY);
	dg_measure_run_free(&run);
}

/* The tone never reaches the capture: the run ends at the onset deadline. */
static void test_no_onset(void)
{
	static struct graph g;
	struct path p = path_default();
	struct dg_measure_run run;
	double took;
	double baseline_s = DG_MEASURE_BASELINE_BLOCKS * DG_MEASURE_BLOCK_MS / 1000.0;

	p.silent = true;
	took = run_1k(&g, &p, &run, 20.0);
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_NO_ONSET);
	DG_CHECK_INT(run.cur, 0);
	DG_CHECK(!run.segs[0].done);
	DG_CHECK_NEAR(took, baseline_s + DG_MEASURE_ONSET_TIMEOUT_MS / 1000.0,
		      2.0 * QUANTUM / RATE);
	dg_measure_run_free(&run);
}

/* A fade out the playback never plays does not hold the run up. */
static void test_release_deadline(void)
{
	static struct graph g;
	struct path p = path_default();
	struct dg_measure_run run;
	uint64_t released;

	start_1k(&g, &p, &run);
	while (run.end == DG_MEASURE_RUN_GOING && run.stage != DG_MEASURE_STAGE_RELEASE)
		cycle(&g, &run);
	DG_CHECK_INT(run.stage, DG_MEASURE_STAGE_RELEASE);
	released = g.frames;
	p.no_playback = true;
	while (run.end == DG_MEASURE_RUN_GOING && run.cur == 0)
		cycle(&g, &run);
	/* on to R->L, the tone of L->R still sounding */
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_GOING);
	DG_CHECK_INT(run.cur, 1);
	DG_CHECK(run.sine_on);
	DG_CHECK_NEAR((double) (g.frames - released) / RATE,
		      DG_MEASURE_RELEASE_TIMEOUT_MS / 1000.0, 2.0 * QUANTUM / RATE);
	dg_measure_run_free(&run);
}

/* A stop fades the tone out, then ends the run; with no tone it ends it at once. */
static void test_stop(void)
{
	static struct graph g;
	struct path p = path_default();
	struct dg_measure_run run;
	float out[2 * QUANTUM];
	bool faded = true;

	start_1k(&g, &p, &run);
	dg_measure_run_play(&run, out, QUANTUM);
	for (size_t i = 0; i < 2 * QUANTUM; i++)
		DG_CHECK(out[i] == 0.0f);
	dg_measure_run_stop(&run, 0);
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_STOPPED);
	dg_measure_run_free(&run);

	start_1k(&g, &p, &run);
	while (run.stage != DG_MEASURE_STAGE_COLLECT)
		cycle(&g, &run);
	dg_measure_run_stop(&run, now_ns(&g));
	DG_CHECK_INT(run.stage, DG_MEASURE_STAGE_STOPPING);
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_GOING);
	/* the fade out takes DG_MEASURE_FADE_MS, then only silence is played */
	for (int k = 0; k < 2 && run.sine_on; k++)
		dg_measure_run_play(&run, out, QUANTUM);
	dg_measure_run_play(&run, out, QUANTUM);
	for (size_t i = 0; i < 2 * QUANTUM; i++)
		faded = faded && out[i] == 0.0f;
	DG_CHECK(faded);
	DG_CHECK(!run.sine_on);
	dg_measure_run_tick(&run, now_ns(&g));
	DG_CHECK_INT(run.end, DG_MEASURE_RUN_STOPPED);
	DG_CHECK(!run.segs[0].done);
	dg_measure_run_free(&run);
}

static void test_arguments(void)
{
	static const double too_many[DG_MEASURE_MAX_FREQS + 1] = { 1000 };
	struct dg_measure_run run;
	double freq = 1000, nyquist = RATE / 2.0;

	DG_CHECK_INT(dg_measure_run_init(&run, &freq, 0, RATE, LEVEL_DBFS), -EINVAL);
	DG_CHECK_INT(dg_measure_run_init(&run, too_many, DG_MEASURE_MAX_FREQS + 1, RATE,
					 LEVEL_DBFS), -EINVAL);
	DG_CHECK_INT(dg_measure_run_init(&run, &nyquist, 1, RATE, LEVEL_DBFS), -EINVAL);
	DG_CHECK_INT(dg_measure_run_init(&run, &freq, 1, 0, LEVEL_DBFS), -EINVAL);
	DG_CHECK_INT(dg_measure_run_init(&run, &freq, 1, RATE, NAN), -EINVAL);
	DG_CHECK_STR(dg_measure_direction(0), "L->R");
	DG_CHECK_STR(dg_measure_direction(1), "R->L");
}

int main(void)
{
	test_leak();
	test_delays();
	test_retries();
	test_no_onset();
	test_release_deadline();
	test_stop();
	test_arguments();
	return dg_test_done("test-measure-run");
}
