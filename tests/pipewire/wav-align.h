/* SPDX-License-Identifier: MIT */
/* Where a played signal sits in a recording of it (the latency between the two). */
#pragma once

#include "wav-io.h"

/* Recorded samples above this (-80 dBFS) are audio, not noise or rounding. */
#define WAV_AUDIBLE 1e-4

struct wav_alignment {
	long offset;	 /* recorded frame of played frame 0; negative when the
			    recording started after the playback */
	long coarse;	 /* the lag of the FFT search, before the exact one */
	double residual; /* least |rec - a * played|^2 / |rec|^2 over the search window:
			    0 for a scaled copy, 1 for unrelated signals */
};

/* The window: 200 ms of the recording from its first audible frame, and up to 200 ms
 * of the silence before it (which rules out lags that would put audio there: a steady
 * tone matches itself a period later, but not the silence before it). Coarse: the lag
 * at which the played signal's channel sum best matches the window's (least residual
 * of a scaled copy, at any lag, through an FFT cross-correlation: a recording that
 * starts or ends during the playback aligns as well). Exact: the lag within
 * +-rate/250 frames of it whose best scaled copy leaves the least residual on all
 * channels. Both files must have the same channel count. -ENODATA: nothing audible in
 * the recording, or nothing in it correlates with the played signal. */
int wav_align(const struct wav *played, const struct wav *rec, struct wav_alignment *a);
