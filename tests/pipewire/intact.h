/* SPDX-License-Identifier: MIT */
/* Frame by frame: is a recording of a guard's output the played signal, times the
 * guard's gain, whole? The rules are in wav-intact.c's header comment. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard-timing.h"
#include "wav-io.h"

#define INTACT_MAX_GAINS 16

struct intact_opts {
	double gain_db[INTACT_MAX_GAINS]; /* the ceilings in force, in order */
	size_t n_gains;
	double tolerance;      /* per sample, full scale = 1.0; 0: float-exact */
	double gain_slack;     /* dB: the guard may hold each gain this far off (rounded) */
	bool partial;	       /* the recording may start or end during the playback */
	bool varying;	       /* the gain moves at any time between gain_db[0] and ... */
	double varying_low_db; /* ... this, by a storm of writes (rule 7) */
	unsigned details;      /* failures of each kind described on stderr */
	struct guard_reach reach;
	uint32_t ramp_frames[INTACT_MAX_GAINS]; /* of the step from gain i to i + 1 */
	double raise_max; /* --varying: the steepest rise of the gain from frame to frame */
};

struct intact_transition {
	size_t rec_frame; /* the first frame showing the new gain (or its ramp) */
	long played_frame;
	uint32_t ramp; /* frames seen ramping (a raise) */
	bool in_reach; /* seen in or through the limiter's reach: only roughly placed */
};

struct intact_result {
	size_t frames;			   /* played frames found in the recording */
	size_t first_frame;		   /* the first of them */
	size_t differ;			   /* frames at no gain allowed there */
	size_t dropouts;		   /* zero runs where the played signal was audible */
	size_t longest_zero;		   /* frames of the longest of them */
	size_t longest_at;		   /* its first recorded frame */
	size_t missing_start, missing_end; /* non-zero played frames not in the recording */
	size_t extra;		 /* recorded frames with audio outside the played signal */
	size_t limited;		 /* frames in the limiter's reach, checked by its rule */
	size_t over;		 /* samples there above the ceiling */
	size_t unscaled;	 /* frames there not the played one at a limiter's gain */
	size_t bad_ramps;	 /* raises ramping longer than the guard does (--varying: faster) */
	double gain_lo, gain_hi; /* --varying: the lowest and highest gain seen */
	size_t n_transitions;
	struct intact_transition transitions[INTACT_MAX_GAINS - 1];
};

/* The lag within offset +- span at which most of 200 ms of rec, from its first sound
 * after offset, is the played signal exactly at one of the gains (or within the
 * tolerance): gaps in that stretch, which a least-squares fit of the whole stretch
 * can mistake for a shift, do not move it. offset if no lag has more such frames, or
 * none has a quarter of the stretch. */
long intact_align(const struct wav *played, const struct wav *rec, long offset, long span,
		  const struct intact_opts *o);

/* Compares rec with played placed at offset (recorded frame of played frame 0). Both
 * have the same channel count and rate. Describes the first failures of each kind on
 * stderr; the caller decides from the counts (intact_passed). -ENOMEM. */
int intact_check(const struct wav *played, const struct wav *rec, long offset,
		 const struct intact_opts *o, struct intact_result *r);

/* Whether the result passes every rule. */
bool intact_passed(const struct intact_opts *o, const struct intact_result *r);
