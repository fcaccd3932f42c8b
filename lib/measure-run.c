/* SPDX-License-Identifier: MIT */
/* dacguard: one run of the channel-separation measurement (see measure-run.h). */
#include "measure-run.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NSEC_PER_MSEC 1000000ull

static size_t frames_of(const struct dg_measure_run *run, unsigned ms)
{
	return (size_t) run->rate * ms / 1000;
}

static void set_stage(struct dg_measure_run *run, enum dg_measure_stage stage, uint64_t now)
{
	run->stage = stage;
	run->stage_since = now;
}

static bool expired(const struct dg_measure_run *run, uint64_t now, unsigned ms)
{
	return now - run->stage_since > ms * NSEC_PER_MSEC;
}

int dg_measure_run_init(struct dg_measure_run *run, const double *freqs, size_t n_freqs,
			unsigned rate, double level_dbfs)
{
	memset(run, 0, sizeof(*run));
	if (n_freqs == 0 || n_freqs > DG_MEASURE_MAX_FREQS || rate == 0 || !isfinite(level_dbfs))
		return -EINVAL;
	for (size_t i = 0; i < n_freqs; i++) {
		if (!(freqs[i] > 0.0 && freqs[i] < rate / 2.0))
			return -EINVAL;
		for (unsigned c = 0; c < 2; c++) {
			run->segs[run->n_segs].freq = freqs[i];
			run->segs[run->n_segs].active = c;
			run->n_segs++;
		}
	}
	run->rate = rate;
	run->level_dbfs = level_dbfs;
	run->blk_len = frames_of(run, DG_MEASURE_BLOCK_MS);
	if (run->blk_len == 0)
		return -EINVAL;
	run->collect = calloc(frames_of(run, DG_MEASURE_COLLECT_MS) * 2, sizeof(float));
	if (!run->collect)
		return -ENOMEM;
	run->stage = DG_MEASURE_STAGE_BASELINE;
	return 0;
}

void dg_measure_run_free(struct dg_measure_run *run)
{
	free(run->collect);
	run->collect = NULL;
}

static void begin_tone(struct dg_measure_run *run, uint64_t now)
{
	const struct dg_measure_segment *seg = &run->segs[run->cur];

	dg_sine_init(&run->sine, seg->freq, run->rate, run->level_dbfs,
		     (uint32_t) frames_of(run, DG_MEASURE_FADE_MS), 0);
	run->sine_on = true;
	run->active = seg->active;
	run->collect_len = dg_measure_block_frames(seg->freq, run->rate,
						   frames_of(run, DG_MEASURE_COLLECT_MS));
	run->collect_fill = 0;
	set_stage(run, DG_MEASURE_STAGE_ONSET, now);
}

static void end_segment(struct dg_measure_run *run, uint64_t now)
{
	struct dg_measure_segment *seg = &run->segs[run->cur];

	dg_sine_release(&run->sine);
	set_stage(run, DG_MEASURE_STAGE_RELEASE, now);
	if (dg_measure_analyze(run->collect, run->collect_len, 2, seg->active, 1 - seg->active,
			       seg->freq, run->rate, run->level_dbfs, &seg->r) < 0) {
		run->end = DG_MEASURE_RUN_ANALYSIS_ERROR;
		return;
	}
	seg->tries++;
	/* A noisy capture is most often a dropout in the graph, not the device: the segment
	 * stays undone, so next_segment() measures it again. */
	if (seg->r.status == DG_MEASURE_TOO_NOISY && seg->tries < DG_MEASURE_TRIES)
		return;
	seg->done = true;
	if (seg->r.status == DG_MEASURE_NO_SIGNAL || seg->r.status == DG_MEASURE_TOO_NOISY)
		run->end = DG_MEASURE_RUN_BAD_CAPTURE;
}

static void next_segment(struct dg_measure_run *run, uint64_t now)
{
	if (run->segs[run->cur].done && ++run->cur == run->n_segs) {
		run->end = DG_MEASURE_RUN_FINISHED;
		return;
	}
	run->quiet_blocks = 0;
	set_stage(run, DG_MEASURE_STAGE_QUIET, now);
}

static void end_baseline(struct dg_measure_run *run, uint64_t now)
{
	for (int c = 0; c < 2; c++) {
		run->thresh[c] = DG_MEASURE_ONSET_FACTOR * run->base_sum[c] / run->base_blocks;
		if (run->thresh[c] < DG_MEASURE_ONSET_MIN_RMS)
			run->thresh[c] = DG_MEASURE_ONSET_MIN_RMS;
	}
	begin_tone(run, now);
}

/* One level block of capture: its RMS per channel. */
static void on_block(struct dg_measure_run *run, const double rms[2], uint64_t now)
{
	bool loud = rms[0] > run->thresh[0] || rms[1] > run->thresh[1];

	switch (run->stage) {
	case DG_MEASURE_STAGE_BASELINE:
		run->base_sum[0] += rms[0];
		run->base_sum[1] += rms[1];
		if (++run->base_blocks == DG_MEASURE_BASELINE_BLOCKS)
			end_baseline(run, now);
		break;
	case DG_MEASURE_STAGE_QUIET:
		run->quiet_blocks = loud ? 0 : run->quiet_blocks + 1;
		if (run->quiet_blocks >= DG_MEASURE_QUIET_BLOCKS ||
		    expired(run, now, DG_MEASURE_QUIET_TIMEOUT_MS))
			begin_tone(run, now);
		break;
	case DG_MEASURE_STAGE_ONSET:
		/* either channel: with swapped wiring the idle one carries it */
		if (loud) {
			run->settle_left = frames_of(run, DG_MEASURE_FADE_MS) + 2 * run->blk_len;
			set_stage(run, DG_MEASURE_STAGE_SETTLE, now);
		}
		break;
	case DG_MEASURE_STAGE_RELEASE:
		if (!run->sine_on)
			next_segment(run, now);
		break;
	case DG_MEASURE_STAGE_SETTLE:
	case DG_MEASURE_STAGE_COLLECT:
	case DG_MEASURE_STAGE_STOPPING:
		break;
	}
}

void dg_measure_run_capture(struct dg_measure_run *run, const float *frames, size_t n,
			    uint64_t now)
{
	for (size_t i = 0; i < n && run->end == DG_MEASURE_RUN_GOING; i++) {
		const float *fr = frames + 2 * i;

		if (run->stage == DG_MEASURE_STAGE_COLLECT) {
			memcpy(run->collect + 2 * run->collect_fill, fr, 2 * sizeof(float));
			if (++run->collect_fill == run->collect_len)
				end_segment(run, now);
			continue;
		}
		if (run->stage == DG_MEASURE_STAGE_SETTLE) {
			if (--run->settle_left == 0)
				set_stage(run, DG_MEASURE_STAGE_COLLECT, now);
			continue;
		}
		run->blk_sum[0] += (double) fr[0] * fr[0];
		run->blk_sum[1] += (double) fr[1] * fr[1];
		if (++run->blk_fill == run->blk_len) {
			double rms[2] = { sqrt(run->blk_sum[0] / run->blk_len),
					  sqrt(run->blk_sum[1] / run->blk_len) };

			run->blk_fill = 0;
			run->blk_sum[0] = run->blk_sum[1] = 0.0;
			on_block(run, rms, now);
		}
	}
}

void dg_measure_run_play(struct dg_measure_run *run, float *frames, size_t n)
{
	memset(frames, 0, n * 2 * sizeof(float));
	if (!run->sine_on)
		return;
	dg_sine_fill(&run->sine, frames + run->active, 2, n);
	if (dg_sine_done(&run->sine))
		run->sine_on = false;
}

void dg_measure_run_tick(struct dg_measure_run *run, uint64_t now)
{
	if (run->end != DG_MEASURE_RUN_GOING)
		return;
	if (run->stage == DG_MEASURE_STAGE_STOPPING) {
		if (!run->sine_on || expired(run, now, DG_MEASURE_STOP_TIMEOUT_MS))
			run->end = DG_MEASURE_RUN_STOPPED;
	} else if (run->stage == DG_MEASURE_STAGE_ONSET &&
		   expired(run, now, DG_MEASURE_ONSET_TIMEOUT_MS)) {
		run->end = DG_MEASURE_RUN_NO_ONSET;
	} else if (run->stage == DG_MEASURE_STAGE_RELEASE &&
		   expired(run, now, DG_MEASURE_RELEASE_TIMEOUT_MS)) {
		next_segment(run, now);
	}
}

void dg_measure_run_stop(struct dg_measure_run *run, uint64_t now)
{
	if (run->end != DG_MEASURE_RUN_GOING)
		return;
	if (!run->sine_on) {
		run->end = DG_MEASURE_RUN_STOPPED;
		return;
	}
	/* fade out rather than cut the tone */
	dg_sine_release(&run->sine);
	set_stage(run, DG_MEASURE_STAGE_STOPPING, now);
}

const char *dg_measure_direction(unsigned active)
{
	return active == 0 ? "L->R" : "R->L";
}
