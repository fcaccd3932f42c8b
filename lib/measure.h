/* SPDX-License-Identifier: MIT */
/* dacguard: active channel-separation measurement (the Audio Precision / RMAA method).
 *
 * A sine drives one channel while the other stays idle; a narrow Hann-windowed Goertzel
 * detector reads the level of the stimulus frequency on both captured channels. The idle
 * channel's level relative to the driven one is the crosstalk, reported as a number only
 * when it stands clear of the idle channel's noise floor (read from neighbouring bins),
 * otherwise as a bound ("below the measurement floor, < X dB"). No PipeWire here:
 * measure-run.h decides which stretch of the capture is read, dacguardctl measure
 * (tools/measure-streams.c) moves the samples, this file does the signal work. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The idle channel must stand this far above its floor to be read as a number: at
 * 20 dB the noise moves the reading by less than 1 dB. */
#define DG_MEASURE_MARGIN_DB 20.0
/* The driven channel must stand this far above its own floor, or the run is too noisy. */
#define DG_MEASURE_MIN_SNR_DB 40.0
/* The lowest floor assumed, relative to the driven channel: a 24-bit converter's
 * resolution; below it a digitally silent channel would give -inf. */
#define DG_MEASURE_MIN_FLOOR_DB -140.0
/* Below this absolute amplitude (dBFS) nothing was captured. */
#define DG_MEASURE_SILENCE_DBFS -140.0

/* A sine of exact frequency and level, with a raised-cosine fade in and out. */
struct dg_sine {
	double freq;
	double rate;
	double amp;            /* peak amplitude, linear */
	uint64_t pos;          /* frames generated */
	uint32_t fade;         /* frames of each fade */
	uint64_t release_at;   /* frame where the fade out starts; UINT64_MAX = not yet */
};

/* length: frames including both fades, or 0 for a tone that sustains until released. */
void dg_sine_init(struct dg_sine *s, double freq, double rate, double level_dbfs,
		  uint32_t fade_frames, uint64_t length);
/* Starts the fade out now (a no-op when it already started). */
void dg_sine_release(struct dg_sine *s);
/* The fade out has ended: only zeros follow. */
bool dg_sine_done(const struct dg_sine *s);
/* Writes n samples to dst[0], dst[stride], ... */
void dg_sine_fill(struct dg_sine *s, float *dst, size_t stride, size_t n);

/* Amplitude (peak, linear) of the component at freq in n samples x[0], x[stride], ...,
 * Hann-windowed: a sine of amplitude a at freq reads a, whatever its phase. */
double dg_goertzel(const float *x, size_t stride, size_t n, double freq, double rate);

/* The largest frame count <= max_frames that holds a whole number of cycles of freq (to
 * the nearest frame, the best of the cycle counts near the longest), 0 when max_frames
 * does not hold 8 cycles. */
size_t dg_measure_block_frames(double freq, double rate, size_t max_frames);

enum dg_measure_status {
	DG_MEASURE_OK = 0,          /* crosstalk_db is a reading */
	DG_MEASURE_BELOW_FLOOR,     /* crosstalk_db is a bound: the idle channel is at its floor */
	DG_MEASURE_NO_SIGNAL,       /* the driven channel carries no stimulus */
	DG_MEASURE_TOO_NOISY,       /* the driven channel is too close to its floor */
};

struct dg_measure_result {
	enum dg_measure_status status;
	double active_dbfs;         /* level of the stimulus frequency on the driven channel */
	double idle_dbfs;           /* ... on the idle channel */
	double idle_floor_dbfs;     /* the idle channel's floor near the stimulus frequency */
	double gain_db;             /* driven channel relative to the stimulus */
	double snr_db;              /* driven channel above its own floor */
	double crosstalk_db;        /* idle relative to driven; the bound when BELOW_FLOOR */
	size_t frames;              /* analysis block actually used */
};

/* Analyses an interleaved capture of n_channels (frames, n_frames long, all of it steady
 * tone) where channel `active` carried a sine of freq at stimulus_dbfs and channel `idle`
 * was idle. Returns 0, or -EINVAL for bad arguments or a capture too short. */
int dg_measure_analyze(const float *frames, size_t n_frames, unsigned n_channels,
		       unsigned active, unsigned idle, double freq, double rate,
		       double stimulus_dbfs, struct dg_measure_result *r);

const char *dg_measure_status_to_string(enum dg_measure_status s);
