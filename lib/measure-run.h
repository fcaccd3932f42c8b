/* SPDX-License-Identifier: MIT */
/* dacguard: one run of the channel-separation measurement, from the stimulus played to
 * the readings (measure.h analyses one capture; this file decides what is played when,
 * and which stretch of the capture is analysed).
 *
 * The plan: at each frequency a tone on the left channel with the right idle, then the
 * other way round; each of these is a segment. Nothing waits a fixed time, because the
 * delay through a graph is not known: the capture's idle level is read first (the
 * baseline), and sets the threshold a tone must cross. Before each tone the capture must
 * be quiet; the tone then plays until it shows in the capture (its onset), its fade in is
 * let pass (settling), a block of whole cycles is collected and analysed, and the tone
 * fades out (release). A capture too noisy to read, most often a dropout in the graph,
 * is taken again. Every wait has a deadline.
 *
 * No PipeWire here: the caller hands over the playback and capture buffers (stereo,
 * interleaved F32, at the run's rate) and the time, from one thread, and looks at `end`
 * after each call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "measure.h"

#define DG_MEASURE_MAX_FREQS 32
#define DG_MEASURE_FADE_MS 10        /* each tone's fade in and out */
#define DG_MEASURE_BLOCK_MS 10       /* the level blocks the baseline, quiet and onset read */
#define DG_MEASURE_COLLECT_MS 500    /* the longest block analysed per segment */
#define DG_MEASURE_BASELINE_BLOCKS 10
#define DG_MEASURE_QUIET_BLOCKS 3    /* consecutive quiet blocks before a tone starts */
/* A channel carries a tone once its block RMS is this many times (20 dB) its baseline,
 * and above -120 dBFS whatever the baseline. */
#define DG_MEASURE_ONSET_FACTOR 10.0
#define DG_MEASURE_ONSET_MIN_RMS 1e-6
#define DG_MEASURE_QUIET_TIMEOUT_MS 1000   /* then a tone starts anyway */
#define DG_MEASURE_ONSET_TIMEOUT_MS 3000   /* no tone in the capture: the run fails */
#define DG_MEASURE_RELEASE_TIMEOUT_MS 1000 /* the fade out never played: go on */
#define DG_MEASURE_STOP_TIMEOUT_MS 200     /* the fade out after a stop */
#define DG_MEASURE_TRIES 3                 /* captures of a segment before it fails */

enum dg_measure_stage {
	DG_MEASURE_STAGE_BASELINE,
	DG_MEASURE_STAGE_QUIET,
	DG_MEASURE_STAGE_ONSET,
	DG_MEASURE_STAGE_SETTLE,
	DG_MEASURE_STAGE_COLLECT,
	DG_MEASURE_STAGE_RELEASE,
	DG_MEASURE_STAGE_STOPPING, /* stopped: fading out */
};

enum dg_measure_run_end {
	DG_MEASURE_RUN_GOING = 0,
	DG_MEASURE_RUN_FINISHED,      /* every segment has its reading (a number or a bound) */
	DG_MEASURE_RUN_BAD_CAPTURE,   /* segs[cur] read no stimulus, or too noisy every time */
	DG_MEASURE_RUN_NO_ONSET,      /* segs[cur]'s tone never showed in the capture */
	DG_MEASURE_RUN_STOPPED,       /* dg_measure_run_stop(), the tone faded out */
	DG_MEASURE_RUN_ANALYSIS_ERROR, /* segs[cur]'s block could not be analysed */
};

struct dg_measure_segment {
	double freq;
	unsigned active;            /* the driven channel: 0 left (L->R), 1 right (R->L) */
	struct dg_measure_result r; /* of the last capture */
	bool done;
	unsigned tries;             /* captures analysed */
};

/* The caller reads the plan, the segments, stage and end; the rest is the run's own. */
struct dg_measure_run {
	unsigned rate;
	double level_dbfs;
	struct dg_measure_segment segs[2 * DG_MEASURE_MAX_FREQS];
	size_t n_segs;
	size_t cur;
	enum dg_measure_stage stage;
	enum dg_measure_run_end end;

	uint64_t stage_since; /* ns, the caller's clock */
	struct dg_sine sine;
	bool sine_on;
	unsigned active; /* the tone's channel, which a fade out keeps past its segment */
	size_t blk_len, blk_fill;
	double blk_sum[2];
	double base_sum[2];
	unsigned base_blocks, quiet_blocks;
	double thresh[2];
	size_t settle_left;
	float *collect; /* stereo frames of the block being collected */
	size_t collect_len, collect_fill;
};

/* A run over freqs (each above 0 and below the Nyquist frequency of rate) with a sine of
 * level_dbfs peak, starting at the baseline. 0, -EINVAL or -ENOMEM. */
int dg_measure_run_init(struct dg_measure_run *run, const double *freqs, size_t n_freqs,
			unsigned rate, double level_dbfs);
void dg_measure_run_free(struct dg_measure_run *run);

/* The next n frames to play: the tone on its channel, silence elsewhere and between
 * tones. */
void dg_measure_run_play(struct dg_measure_run *run, float *frames, size_t n);
/* n captured frames, arrived at now (ns of a monotonic clock). */
void dg_measure_run_capture(struct dg_measure_run *run, const float *frames, size_t n,
			    uint64_t now);
/* The deadlines; call it every few tens of milliseconds. */
void dg_measure_run_tick(struct dg_measure_run *run, uint64_t now);
/* Ends the run: at once when no tone sounds, else after its fade out (a tick ends it). */
void dg_measure_run_stop(struct dg_measure_run *run, uint64_t now);

/* "L->R" when the left channel is driven, "R->L" when the right one is. */
const char *dg_measure_direction(unsigned active);
