/* SPDX-License-Identifier: MIT */
/* dacguard: the guard DSP shared by the PipeWire module and the ALSA plugin.
 *
 * Two stages on F32 planar audio:
 *  1. gain cap: out = in * 10^(ceiling/20), so full scale maps to the ceiling;
 *     lowering the ceiling applies from the next sample processed, raising it
 *     ramps (no clicks);
 *  2. limiter at the ceiling for what still exceeds it (float overs, summed
 *     streams): zero overshoot, and a signal that never exceeds the ceiling
 *     passes this stage bit-identical.
 *
 * Real-time safe: dg_guard_process() does not allocate, lock, log or call into
 * the kernel. All memory is inside struct dg_guard (allocate it on the main
 * thread, e.g. calloc, then dg_guard_init()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DG_GUARD_MAX_CHANNELS 64
#define DG_GUARD_MIN_RATE     8000
#define DG_GUARD_MAX_RATE     768000
/* Ceilings are clamped to this range; a NaN ceiling reads as the minimum (fail safe). */
#define DG_GUARD_MIN_CEILING_DB (-120.0)

struct dg_guard; /* opaque; size from dg_guard_size() */

/* Bytes needed for a guard handling up to max_channels at up to max_rate. */
size_t dg_guard_size(uint32_t max_channels, uint32_t max_rate);

/* Initialise memory of dg_guard_size() bytes. ceiling_db <= 0 (clamped).
 * Returns NULL on invalid arguments. Not RT-safe (it may clear large buffers). */
struct dg_guard *dg_guard_init(void *mem, uint32_t channels, uint32_t rate, double ceiling_db);

/* Data thread only (hand new values over with pw_loop_invoke or similar). */
void dg_guard_set_ceiling(struct dg_guard *g, double ceiling_db);
double dg_guard_get_ceiling(const struct dg_guard *g);

/* Frames of lookahead the limiter adds (report it as node latency). */
uint32_t dg_guard_latency_frames(const struct dg_guard *g);

/* in[c] and out[c] are channel planes of n_frames samples; in == out is allowed. */
void dg_guard_process(struct dg_guard *g, float *const *out, const float *const *in,
		      uint32_t n_frames);

/* Meters since the last call to dg_guard_take_meters() (data thread). */
struct dg_guard_meters {
	float peak_db;             /* output peak, dBFS (-inf for silence -> reported as -200) */
	float gain_reduction_db;   /* deepest limiter gain reduction, >= 0 */
};
void dg_guard_take_meters(struct dg_guard *g, struct dg_guard_meters *m);

/* Drop limiter state (e.g. on a format change or a stream restart). */
void dg_guard_reset(struct dg_guard *g);

/* Additions (dsp): the exact float the output is compared with, for tests and meters. */

/* The linear limit of a ceiling: (float)10^(clamped ceiling_db / 20). With the
 * ceiling settled, every output sample satisfies fabsf(out) <= this value. */
float dg_guard_ceiling_linear(double ceiling_db);

/* The limit applied to the last sample processed: dg_guard_ceiling_linear() of the
 * ceiling, or the ramping value (never above it) while a raised ceiling ramps in.
 * Every output sample satisfied fabsf(out) <= the limit current when it was made. */
float dg_guard_limit(const struct dg_guard *g);

/* How often the final safety clamp had to act (it should never for finite input:
 * the limiter's gain is provably below the ceiling). Non-finite input samples are
 * replaced by 0 and counted here too. */
uint64_t dg_guard_clamp_count(const struct dg_guard *g);
