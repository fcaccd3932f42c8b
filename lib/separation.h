/* SPDX-License-Identifier: MIT */
/* dacguard: passive channel-separation analyzer for a stereo pair.
 *
 * Per block, real-time safe, fixed memory: accumulates per-channel energy and
 * the cross term, and judges correlation, polarity inversion, imbalance, a dead
 * channel, and a crosstalk estimate from stretches where one channel is idle. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct dg_separation_result {
	float rms_db[2];          /* per channel, dBFS; -200 for silence */
	float correlation;        /* -1..1; 0 when undefined (silence) */
	float imbalance_db;       /* rms L - rms R, dB; 0 when undefined */
	float crosstalk_db;       /* idle-channel level relative to the active one; 0 = unknown */
	bool polarity_inverted;   /* correlation near -1 at similar levels */
	int dead_channel;         /* -1 none, 0 = left, 1 = right */
};

struct dg_separation {
	uint32_t rate;
	/* Analysis window state; the struct is plain data, no pointers. */
	double sum_ll, sum_rr, sum_lr;
	uint64_t frames;
	double xt_active, xt_idle;     /* energies from one-sided stretches */
	uint64_t xt_frames;
	int xt_active_channel;         /* of the last one-sided segment, -1 none */
	/* Crosstalk works on fixed segments (~10 ms), independent of the block size. */
	uint32_t seg_len, seg_fill;
	double seg_ll, seg_rr;
	struct dg_separation_result last;
	/* Float lanes of sum L^2, sum R^2, sum LR since the last fold into the doubles
	 * above (at most one segment): folded at each segment end, read by the result. */
	float lane_ll[8], lane_rr[8], lane_lr[8];
};

void dg_separation_init(struct dg_separation *s, uint32_t rate);
/* l and r are channel planes; r may be NULL for mono (nothing is judged). */
void dg_separation_process(struct dg_separation *s, const float *l, const float *r,
			   uint32_t n_frames);
/* The judgement over the window so far; call from the data thread, then hand over. */
void dg_separation_result(const struct dg_separation *s, struct dg_separation_result *res);
/* Start a new window (e.g. every 100 ms after reading the result). */
void dg_separation_reset_window(struct dg_separation *s);
